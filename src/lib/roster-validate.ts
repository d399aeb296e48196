/**
 * One roster row in, one record or a list of problems out. Every problem carries the spreadsheet
 * row, the column's own header, a stable code and a Chinese message; every safe fix is a warning
 * with from → to. No database access: the importer passes in what the checks need.
 */
import { z } from 'zod'
import {
  birthDateOf, CATEGORY_NAMES, checkCertificate, checkIdNumber, genderOf, type IdProblem, normalizeIdLike,
  parseCategory, parseGrade, stripRemark, toHalfWidth,
} from './idcard.js'
import { type Region, type RegionIndex, shortNamesOf } from './regions.js'
import { fieldLabel, ROSTER_FIELDS, type RosterField } from './roster-fields.js'

/** Stable codes of rejected rows; part of the public contract (README). */
export const REJECT_CODES = {
  id_format: '身份证号格式不对',
  id_checksum: '身份证号校验位错误',
  id_birthdate: '身份证号中的出生日期不存在或在未来',
  id_scientific_notation: '身份证号被 Excel 显示成了科学计数法',
  id_excel_truncated: '身份证号被 Excel 截成了 15 位有效数字',
  cert_format: '残疾人证号格式不对',
  cert_id_mismatch: '残疾人证号前 18 位与身份证号不一致',
  cert_category_mismatch: '残疾人证号第 19 位与残疾类别不一致',
  cert_grade_mismatch: '残疾人证号第 20 位与残疾等级不一致',
  duplicate_id: '身份证号重复',
  missing_field: '必填项为空',
  county_mismatch: '不属于本库辖区',
  invalid_value: '值无法识别',
} as const
export type RejectCode = keyof typeof REJECT_CODES

/** Stable codes of accepted-with-a-fix warnings. */
export const WARNING_CODES = {
  trimmed: '去掉了首尾空格',
  fullwidth: '全角字符改为半角',
  spaces_removed: '去掉了中间的空格',
  lowercase_x: '小写 x 改为大写 X',
  grade_normalized: '残疾等级改写为数字',
  category_normalized: '残疾类别改写为标准名称',
  gender_from_id: '性别与身份证号不符，以身份证号为准',
  status_normalized: '脱贫状态改写为标准名称',
  township_unknown: '乡镇名称不在区划库中，按原文保存',
} as const
export type WarningCode = keyof typeof WARNING_CODES

export interface RowProblem {
  row: number
  column: string
  code: RejectCode
  message: string
}

export interface RowWarning {
  row: number
  column: string
  field: RosterField
  code: WarningCode
  from: string
  to: string
}

export const RosterRecordSchema = z.object({
  idNumber: z.string().regex(/^\d{17}[\dX]$/),
  name: z.string().min(1).max(50),
  gender: z.enum(['男', '女']),
  birthDate: z.string(),
  householdNo: z.string().nullable(),
  relation: z.string().nullable(),
  householdSize: z.number().int().min(1).max(99).nullable(),
  povertyCause: z.string().nullable(),
  countyCode: z.string().nullable(),
  townshipCode: z.string().nullable(),
  villageCode: z.string().nullable(),
  townshipName: z.string().nullable(),
  villageName: z.string().nullable(),
  certNumber: z.string().nullable(),
  category: z.number().int().min(1).max(7).nullable(),
  grade: z.number().int().min(1).max(4).nullable(),
  povertyStatus: z.string(),
  exitYear: z.number().int().nullable(),
  phone: z.string().nullable(),
})
export type RosterRecord = z.infer<typeof RosterRecordSchema> & { extra: Record<string, string> | null }

export interface RowContext {
  area: Region
  regions: RegionIndex
  headers: string[]
  columns: Partial<Record<RosterField, number>>
  unknownColumns: number[]
  /** Canonical status names and the variants that map to them. */
  statuses: Map<string, string>
  today: Date
  /** Caches of resolved names, shared across rows. */
  countyCache: Map<string, Region | null>
  townshipCache: Map<string, Region | null>
}

export type RowOutcome =
  | { ok: true; record: RosterRecord; warnings: RowWarning[] }
  | { ok: false; problems: RowProblem[]; warnings: RowWarning[]; idNumber: string | null; countyCode: string | null }

const ID_MESSAGES: Record<IdProblem, string> = {
  id_format: '不是 18 位身份证号',
  id_checksum: '校验位（最后一位）不对，请核对号码',
  id_birthdate: '其中的出生日期不存在或在今天之后',
  id_scientific_notation:
    '被 Excel 显示成了科学计数法（如 5.20102E+17），后几位数字已经丢失，无法还原。请在原表中把这一列设为「文本」格式后重新录入身份证号',
  id_excel_truncated:
    '末尾几位被 Excel 改成了 0：Excel 把身份证号当作数字只保留 15 位有效数字。这不是录入错误；请把这一列设为「文本」格式后重新录入完整号码',
}

function isSpace(code: number): boolean {
  return code <= 32 || code === 0x3000 || code === 0xa0 || code === 0xfeff || (code >= 0x2000 && code <= 0x200b)
}

/** 合计 / 总计 / 小计 rows closing a table. */
const TOTAL_ROW = /^\s*(合\s*计|总\s*计|小\s*计|共\s*计|总\s*数)/

export function isTotalRow(cells: string[]): boolean {
  for (let i = 0; i < Math.min(cells.length, 4); i++) {
    // Only a cell starting with a space or one of 合总小共 can match; most rows are told apart by that.
    const cell = cells[i] ?? ''
    const c = cell.charCodeAt(0)
    if ((c === 0x5408 || c === 0x603b || c === 0x5c0f || c === 0x5171 || isRegexSpace(c)) && TOTAL_ROW.test(cell)) return true
  }
  return false
}

export function isBlankRow(cells: string[]): boolean {
  for (const cell of cells) if (!isBlankText(cell)) return false
  return true
}

/** Column positions by field, -1 where the file has none: looked up by name once per header rather than in every row. */
type ColumnIndex = Readonly<Record<RosterField, number>>
const COLUMN_INDEXES = new WeakMap<object, ColumnIndex>()

function columnIndexOf(columns: RowContext['columns']): ColumnIndex {
  let index = COLUMN_INDEXES.get(columns)
  if (index === undefined) {
    const built = {} as Record<RosterField, number>
    for (const field of ROSTER_FIELDS) built[field] = columns[field] ?? -1
    index = built
    COLUMN_INDEXES.set(columns, index)
  }
  return index
}

/** One row's cells, and the problems and fixes found in it so far. */
class RowFindings {
  readonly problems: RowProblem[] = []
  readonly warnings: RowWarning[] = []

  constructor(
    private readonly rowNumber: number,
    private readonly cells: string[],
    private readonly ctx: RowContext,
  ) {}

  /** The column's own header, or the field's Chinese name when the file has no such column. */
  header(field: RosterField): string {
    const i = this.ctx.columns[field]
    return i !== undefined ? this.ctx.headers[i] : fieldLabel(field)
  }

  problem(field: RosterField, code: RejectCode, detail: string): void {
    const column = this.header(field)
    this.problems.push({ row: this.rowNumber, column, code, message: `第 ${this.rowNumber} 行「${column}」${detail}` })
  }

  warn(field: RosterField, code: WarningCode, from: string, to: string): void {
    this.warnings.push({ row: this.rowNumber, column: this.header(field), field, code, from, to })
  }

  /** The cell in column i, '' when the file has no such column or the row stops short. */
  raw(i: number): string {
    return i < 0 ? '' : this.cells[i] ?? ''
  }

  /** Plain text fields: trimmed (reported), full-width spaces folded. */
  text(field: RosterField, i: number): string | null {
    const value = this.raw(i)
    if (value === '') return null
    // Most cells need no trimming; only look closer when an end is a space of some kind.
    if (!isSpace(value.charCodeAt(0)) && !isSpace(value.charCodeAt(value.length - 1))) return value
    const trimmed = value.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '')
    if (trimmed !== value && trimmed !== '') this.warn(field, 'trimmed', value, trimmed)
    return trimmed === '' ? null : trimmed
  }
}

/** Whether text.trim() would leave nothing; asks trim() only when the first character could be a space. */
function isBlankText(text: string): boolean {
  if (text === '') return true
  const first = text.charCodeAt(0)
  return (first <= 32 || first >= 127) && text.trim() === ''
}

/** A character /\s/ matches: ECMAScript white space and line terminators. */
function isRegexSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
}

/** text.replace(/\s+/g, ''), skipping the regex when there is nothing to remove (almost always). */
function withoutSpaces(text: string): string {
  for (let i = 0; i < text.length; i++) if (isRegexSpace(text.charCodeAt(i))) return text.replace(/\s+/g, '')
  return text
}

/** The number an all-ASCII-digit text of 1 to 15 characters writes, else -1. */
function smallNumber(text: string): number {
  if (text.length === 0 || text.length > 15) return -1
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return -1
    n = n * 10 + c - 48
  }
  return n
}

const EXIT_YEAR = /^(\d{4})(?:年度?)?(?:[-./]?\d{1,2}月?(?:[-./]?\d{1,2}日?)?)?$/

/**
 * Validates and normalises one data row. Runs once per row of files of a million rows, so the common
 * case (a clean cell) is checked without regexes or temporary strings; the outcome is the same.
 */
export function validateRosterRow(rowNumber: number, cells: string[], numericCells: number[] | undefined, ctx: RowContext): RowOutcome {
  const f = new RowFindings(rowNumber, cells, ctx)
  const ci = columnIndexOf(ctx.columns)

  // 身份证号
  let idNumber: string | null = null
  const rawId = f.raw(ci.idNumber)
  if (isBlankText(rawId)) {
    f.problem('idNumber', 'missing_field', '为空')
  } else {
    const { value, changes } = normalizeIdLike(rawId)
    const issue = checkIdNumber(value, { storedAsNumber: numericCells?.includes(ci.idNumber), today: ctx.today })
    if (issue) {
      f.problem('idNumber', issue, ID_MESSAGES[issue])
    } else {
      idNumber = value
      for (const change of changes) f.warn('idNumber', change, rawId, value)
    }
  }

  // 姓名
  const name = f.text('name', ci.name)
  if (!name) f.problem('name', 'missing_field', '为空')

  // 残疾类别 / 残疾等级
  let category: number | null = null
  const rawCategory = f.text('category', ci.category)
  if (rawCategory) {
    const parsed = parseCategory(rawCategory)
    if (!parsed) f.problem('category', 'invalid_value', `「${rawCategory}」不是残疾类别（应为 ${CATEGORY_NAMES.join('、')} 之一）`)
    else {
      category = parsed.code
      if (parsed.normalized) f.warn('category', 'category_normalized', rawCategory, CATEGORY_NAMES[parsed.code - 1])
    }
  }
  let grade: number | null = null
  const rawGrade = f.text('grade', ci.grade)
  if (rawGrade) {
    const parsed = parseGrade(rawGrade)
    if (!parsed) f.problem('grade', 'invalid_value', `「${rawGrade}」不是残疾等级（应为 1 到 4 级）`)
    else {
      grade = parsed.grade
      if (parsed.normalized) f.warn('grade', 'grade_normalized', rawGrade, String(parsed.grade))
    }
  }

  // 残疾人证号
  let certNumber: string | null = null
  const rawCert = f.raw(ci.certNumber)
  if (!isBlankText(rawCert)) {
    const { value, changes } = normalizeIdLike(rawCert)
    const issue = idNumber ? checkCertificate(value, idNumber, category, grade) : null
    if (issue === 'cert_format') f.problem('certNumber', issue, '应为 20 位：18 位身份证号 + 残疾类别 1 位 + 残疾等级 1 位')
    else if (issue === 'cert_id_mismatch') f.problem('certNumber', issue, '的前 18 位与身份证号不一致')
    else if (issue === 'cert_category_mismatch') f.problem('certNumber', issue, `第 19 位为 ${value[18]}，与残疾类别「${rawCategory}」不一致`)
    else if (issue === 'cert_grade_mismatch') f.problem('certNumber', issue, `第 20 位为 ${value[19]}，与残疾等级「${rawGrade}」不一致`)
    else if (idNumber) {
      certNumber = value
      for (const change of changes) f.warn('certNumber', change, rawCert, value)
      // A certificate tells category and grade when the columns are missing or blank (its digits are checked).
      category ??= value.charCodeAt(18) - 48
      grade ??= value.charCodeAt(19) - 48
    }
  }

  // 脱贫状态
  let povertyStatus = '未脱贫'
  if (ci.povertyStatus >= 0) {
    const rawStatus = f.text('povertyStatus', ci.povertyStatus)
    if (!rawStatus) f.problem('povertyStatus', 'missing_field', '为空')
    else {
      const key = withoutSpaces(toHalfWidth(rawStatus))
      const canonical = ctx.statuses.get(key) ?? ctx.statuses.get(stripRemark(key))
      if (!canonical) f.problem('povertyStatus', 'invalid_value', `「${rawStatus}」不是已知的脱贫状态（如 未脱贫、已脱贫、返贫）`)
      else {
        povertyStatus = canonical
        if (canonical !== rawStatus) f.warn('povertyStatus', 'status_normalized', rawStatus, canonical)
      }
    }
  }
  let exitYear: number | null = null
  const rawYear = f.text('exitYear', ci.exitYear)
  if (rawYear) {
    // 2019, 2019年, 2019年度, 2019-12, 2019.12.31, 2019年12月, 2019年12月31日
    const plain = rawYear.length === 4 ? smallNumber(rawYear) : -1
    const match = plain >= 0 ? null : withoutSpaces(toHalfWidth(rawYear)).match(EXIT_YEAR)
    const year = plain >= 0 ? plain : match ? Number(match[1]) : NaN
    if ((plain < 0 && !match) || year < 2013 || year > ctx.today.getFullYear()) f.problem('exitYear', 'invalid_value', `「${rawYear}」不是有效的脱贫年度`)
    else exitYear = year
  }

  // 家庭人口
  let householdSize: number | null = null
  const rawSize = f.text('householdSize', ci.householdSize)
  if (rawSize) {
    const plain = smallNumber(rawSize)
    const size = plain >= 0 ? plain : Number(toHalfWidth(rawSize).replace(/人$/, ''))
    if (!Number.isInteger(size) || size < 1 || size > 99) f.problem('householdSize', 'invalid_value', `「${rawSize}」不是有效的家庭人口数`)
    else householdSize = size
  }

  // 县区 / 乡镇 / 村: where the row says the person lives. Never judged by the ID's first six digits.
  const countyText = f.text('countyName', ci.countyName)
  const townshipText = f.text('townshipName', ci.townshipName)
  const place = resolvePlace(ctx, countyText, townshipText, f.text('villageCode', ci.villageCode), f)

  // 性别: the ID wins.
  let gender: '男' | '女' | null = idNumber ? genderOf(idNumber) : null
  const rawGender = f.text('gender', ci.gender)
  if (idNumber && rawGender && rawGender !== gender && !(rawGender.startsWith(gender!) && rawGender.length <= 2)) {
    f.warn('gender', 'gender_from_id', rawGender, gender!)
  }

  const phoneText = f.text('phone', ci.phone)
  const phone = phoneText ? withoutSpacesOrDashes(toHalfWidth(phoneText)) : null

  if (f.problems.length > 0 || !idNumber || !name || !gender) {
    return { ok: false, problems: f.problems, warnings: f.warnings, idNumber, countyCode: place.countyMismatch }
  }
  let extra: Record<string, string> | null = null
  for (const i of ctx.unknownColumns) {
    const value = cells[i]
    if (value !== undefined && value !== '') (extra ??= {})[ctx.headers[i]] = value
  }
  const householdNo = f.text('householdNo', ci.householdNo)
  const relation = f.text('relation', ci.relation)
  const povertyCause = f.text('povertyCause', ci.povertyCause)
  return {
    ok: true,
    warnings: f.warnings,
    record: {
      idNumber,
      name,
      gender,
      birthDate: birthDateOf(idNumber),
      householdNo: householdNo ? toHalfWidth(householdNo) : null,
      relation,
      householdSize,
      povertyCause,
      countyCode: place.countyCode,
      townshipCode: place.townshipCode,
      villageCode: place.villageCode,
      townshipName: place.townshipName,
      villageName: f.text('villageName', ci.villageName),
      certNumber,
      category,
      grade,
      povertyStatus,
      exitYear,
      phone,
      extra,
    },
  }
}

/** text.replace(/[\s-]/g, ''), skipping the regex when there is nothing to remove. */
function withoutSpacesOrDashes(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 45 || isRegexSpace(c)) return text.replace(/[\s-]/g, '')
  }
  return text
}

interface Place {
  countyCode: string | null
  townshipCode: string | null
  townshipName: string | null
  villageCode: string | null
  /** The county outside the area that the row names, for 迁出 in the monthly comparison. */
  countyMismatch: string | null
}

function resolvePlace(ctx: RowContext, countyText: string | null, townshipText: string | null, villageCodeText: string | null, f: RowFindings): Place {
  const area = ctx.area
  const place: Place = { countyCode: null, townshipCode: null, townshipName: townshipText, villageCode: null, countyMismatch: null }

  let villageCode: string | null = null
  if (villageCodeText) {
    // Twelve plain digits, the usual case, need no folding.
    const digits = villageCodeText.length === 12 && smallNumber(villageCodeText) >= 0 ? villageCodeText : withoutSpaces(toHalfWidth(villageCodeText))
    if (/^\d{12}$/.test(digits)) villageCode = digits
    else f.problem('villageCode', 'invalid_value', `「${villageCodeText}」不是 12 位村级区划代码`)
  }

  let county: Region | null = null
  if (countyText) {
    county = lookupCounty(ctx, countyText)
    if (!county) {
      f.problem('countyName', 'invalid_value', `「${countyText}」不是已知的县（市、区）名称`)
      return place
    }
  } else if (villageCode) {
    county = ctx.regions.get(villageCode.slice(0, 6)) ?? null
  } else if (area.level === 'county') {
    county = area
  }
  if (!county) {
    f.problem('countyName', 'missing_field', '为空：市、省级数据库需要知道每一行属于哪个县')
    return place
  }
  const villageOutside = villageCode !== null && !villageCode.startsWith(area.code)
  if (!county.code.startsWith(area.code) || villageOutside) {
    const named = villageOutside ? villageCode!.slice(0, 6) : county.code
    place.countyMismatch = named
    const namedRegion = ctx.regions.get(named)
    f.problem(countyText ? 'countyName' : 'villageCode', 'county_mismatch', `为 ${namedRegion?.name ?? named}，不属于本库辖区 ${area.name}`)
    return place
  }
  place.countyCode = county.code

  if (villageCode) {
    if (!villageCode.startsWith(county.code)) {
      f.problem('villageCode', 'invalid_value', `「${villageCode}」不在 ${county.name} 范围内`)
      return place
    }
    place.villageCode = villageCode
    place.townshipCode = villageCode.slice(0, 9)
    place.townshipName ??= ctx.regions.get(place.townshipCode)?.name ?? null
  } else if (townshipText) {
    const key = `${county.code}|${townshipText}`
    let township = ctx.townshipCache.get(key)
    if (township === undefined) {
      const bare = townshipText.replace(/(办事处|人民政府|政府)$/, '')
      let matches = ctx.regions.matchName(townshipText, county.code).filter((r) => r.level === 'township')
      if (matches.length === 0 && bare !== townshipText) matches = ctx.regions.matchName(bare, county.code).filter((r) => r.level === 'township')
      township = matches.length === 1 ? matches[0] : null
      ctx.townshipCache.set(key, township)
    }
    if (township) place.townshipCode = township.code
    else if (county.code.length === 6 && ctx.regions.children(county.code).length > 0) {
      f.warn('townshipName', 'township_unknown', townshipText, townshipText)
    }
  }
  return place
}

function lookupCounty(ctx: RowContext, text: string): Region | null {
  const cached = ctx.countyCache.get(text)
  if (cached !== undefined) return cached
  let found: Region | null = null
  const byCode = ctx.regions.get(text)
  if (byCode?.level === 'county') found = byCode
  else {
    const province = ctx.area.code.slice(0, 2)
    const match = (name: string) => {
      const counties = ctx.regions.matchName(name).filter((r) => r.level === 'county')
      const inProvince = counties.filter((r) => r.code.startsWith(province))
      const pick = inProvince.length > 0 ? inProvince : counties
      return pick.length === 1 ? pick[0] : pick.find((r) => r.code.startsWith(ctx.area.code)) ?? null
    }
    found = match(text)
    // 贵州省毕节市威宁县, 毕节威宁县: a county written with its province and city in front.
    if (!found) {
      const province = ctx.regions.get(ctx.area.code.slice(0, 2))
      let rest = text
      for (const prefix of province ? [province.name, ...shortNamesOf(province)] : []) if (rest.startsWith(prefix)) rest = rest.slice(prefix.length)
      for (const city of province ? ctx.regions.children(province.code) : []) {
        for (const prefix of [city.name, ...shortNamesOf(city)]) if (rest.startsWith(prefix) && rest.length > prefix.length) rest = rest.slice(prefix.length)
      }
      if (rest !== text) found = match(rest)
    }
  }
  ctx.countyCache.set(text, found)
  return found
}
