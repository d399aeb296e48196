/**
 * 政策/帮扶措施 lists: the types (built in from the SPEC, extendable by the office) and the lists other
 * departments send (民政's 低保 list, 医保's contribution list …), matched to the roster by 身份证号 with
 * the roster import's rules: detected header, every row checked, bad rows kept with their cells, one
 * transaction, the same bytes twice change nothing. People on a list but not on the roster are kept
 * and reported, never dropped.
 */
import { basename } from 'node:path'
import { z } from 'zod'
import { recordAudit } from './audit.js'
import { BENEFIT_FIELDS, BENEFIT_HEADERS, type BenefitField, benefitFieldForHeader, benefitFieldLabel } from './benefit-fields.js'
import type { Db } from './db.js'
import { ConflictError, NotFoundError, UsageError, ValidationError } from './errors.js'
import { detectHeader } from './header-detect.js'
import { checkIdNumber, type IdProblem, normalizeIdLike, toHalfWidth } from './idcard.js'
import { maskIdNumber } from './output.js'
import { parseFunds } from './pairing.js'
import { checkPeriod, readRejectedRows, type RejectedRowExport } from './roster.js'
import { BatchLog, dataRows, ID_MESSAGES, LISTED, readDateRange } from './list-import.js'
import { type EncodingChoice, openTable, sha256File, type SourceRow } from './table-reader.js'


// ───────────────────────────── types ─────────────────────────────

export interface BenefitType {
  code: string
  name: string
  scope: 'person' | 'household'
  /** false: one-off measures (危房改造, 辅具适配): every list up to a period counts, not only the newest. */
  recurring: boolean
  aliases: string[]
  builtin: boolean
}

interface TypeRow {
  code: string
  name: string
  scope: 'person' | 'household'
  recurring: number
  aliases_json: string | null
  builtin: number
}

const toType = (r: TypeRow): BenefitType => ({
  code: r.code, name: r.name, scope: r.scope, recurring: r.recurring === 1, aliases: r.aliases_json ? JSON.parse(r.aliases_json) : [], builtin: r.builtin === 1,
})

/** The SPEC's order of the built-in types (the table has no order of its own). */
const BUILTIN_ORDER = [
  'dibao', 'tekun', 'living_subsidy', 'care_subsidy', 'medical_insurance', 'pension_premium', 'housing_renovation', 'accessibility', 'assistive_device',
  'rehabilitation', 'education_aid', 'literacy', 'skills_training', 'special_loan', 'rehab_loan', 'asset_income', 'relocation', 'forest_ranger',
  'library_keeper', 'public_job',
]
const orderOf = (code: string) => {
  const i = BUILTIN_ORDER.indexOf(code)
  return i < 0 ? BUILTIN_ORDER.length : i
}

export function listBenefitTypes(db: Db): BenefitType[] {
  const rows = db.prepare('SELECT code, name, scope, recurring, aliases_json, builtin FROM benefit_types ORDER BY created_at, code').all() as TypeRow[]
  return rows.map(toType).sort((a, b) => orderOf(a.code) - orderOf(b.code))
}

/** Folds the ways a clerk writes a type name: spaces, brackets, 「」. */
const fold = (text: string) => toHalfWidth(text).replace(/[\s「」“”"'《》()（）]/g, '').toLowerCase()

/**
 * Finds a type by code, name or other name; a unique partial match (生活补贴 → 困难残疾人生活补贴) also counts.
 * @throws NotFoundError BENEFIT_TYPE_NOT_FOUND; UsageError BENEFIT_TYPE_AMBIGUOUS
 */
export function resolveBenefitType(db: Db, text: string, types: BenefitType[] = listBenefitTypes(db)): BenefitType {
  const key = fold(text)
  const exact = types.find((t) => fold(t.code) === key || fold(t.name) === key || t.aliases.some((a) => fold(a) === key))
  if (exact) return exact
  const partial = key.length >= 2 ? types.filter((t) => fold(t.name).includes(key) || t.aliases.some((a) => fold(a).includes(key))) : []
  if (partial.length === 1) return partial[0]
  if (partial.length > 1) {
    throw new UsageError('BENEFIT_TYPE_AMBIGUOUS', `政策类型「${text}」可以指：${partial.map((t) => t.name).join('、')}`, { hint: '请写全名或代码' })
  }
  throw new NotFoundError('BENEFIT_TYPE_NOT_FOUND', `没有名为「${text}」的政策类型`, {
    hint: `可用的类型：${types.map((t) => t.name).join('、')}；本单位的新类型可用 \`cjfp benefit type-add\` 添加`,
  })
}

export const NewBenefitTypeSchema = z.object({
  name: z.string().trim().min(2, '名称至少两个字').max(40, '名称不能超过 40 个字'),
  code: z.string().trim().regex(/^[a-z][a-z0-9_]{1,39}$/, '代码应为小写英文字母开头，只含小写字母、数字和下划线'),
  scope: z.enum(['person', 'household']),
  recurring: z.boolean(),
  aliases: z.array(z.string().trim().min(1)).default([]),
})

/**
 * Adds an office's own measure (e.g. 残疾人就业补贴). Names and other names must not collide with an existing type.
 * @throws ValidationError BENEFIT_TYPE_INVALID; ConflictError BENEFIT_TYPE_EXISTS
 */
export function addBenefitType(db: Db, input: z.input<typeof NewBenefitTypeSchema>, operator: string): BenefitType {
  const parsed = NewBenefitTypeSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ValidationError('BENEFIT_TYPE_INVALID', `政策类型的${issue.path[0] === 'code' ? '代码' : '名称'}不对：${issue.message}`)
  }
  const value = parsed.data
  const types = listBenefitTypes(db)
  for (const name of [value.name, value.code, ...value.aliases]) {
    const clash = types.find((t) => fold(t.code) === fold(name) || fold(t.name) === fold(name) || t.aliases.some((a) => fold(a) === fold(name)))
    if (clash) throw new ConflictError('BENEFIT_TYPE_EXISTS', `「${name}」已是政策类型「${clash.name}」（${clash.code}）的名称或代码`)
  }
  db.transaction(() => {
    db.prepare('INSERT INTO benefit_types (code, name, scope, builtin, recurring, aliases_json, created_at) VALUES (?, ?, ?, 0, ?, ?, ?)').run(
      value.code, value.name, value.scope, value.recurring ? 1 : 0, value.aliases.length > 0 ? JSON.stringify(value.aliases) : null, new Date().toISOString(),
    )
    recordAudit(db, operator, 'benefit.type_add', value.code, value)
  })()
  return resolveBenefitType(db, value.code)
}

// ───────────────────────────── which lists count for a period ─────────────────────────────

export interface EffectiveList {
  code: string
  /** Periods whose lists count: the newest up to the period for a recurring type, every one up to it for a one-off type. */
  periods: string[]
}

/** For each type, the list periods that describe who receives it in `period`; types with no list are absent. */
export function effectiveLists(db: Db, period: string, types: BenefitType[] = listBenefitTypes(db)): Map<string, EffectiveList> {
  const rows = db
    .prepare("SELECT DISTINCT benefit_code AS code, period FROM import_batches WHERE kind = 'benefit' AND status = 'active' AND period <= ? ORDER BY period")
    .all(period) as Array<{ code: string; period: string }>
  const recurring = new Map(types.map((t) => [t.code, t.recurring]))
  const lists = new Map<string, EffectiveList>()
  for (const r of rows) {
    const list = lists.get(r.code) ?? { code: r.code, periods: [] }
    if (recurring.get(r.code) === false) list.periods.push(r.period)
    else list.periods = [r.period]
    lists.set(r.code, list)
  }
  return lists
}

// ───────────────────────────── import ─────────────────────────────

export interface BenefitImportOptions {
  type: string
  period: string
  operator: string
  sheet?: string
  encoding?: EncodingChoice
  dryRun?: boolean
  strict?: boolean
  /** Replace the lists of this type and period imported before (a corrected list), instead of adding to them. */
  replace?: boolean
}

export type BenefitRejectCode = 'missing_field' | 'invalid_value' | 'duplicate_id' | IdProblem
export type BenefitWarningCode = 'id_normalized' | 'amount_normalized' | 'date_normalized' | 'name_mismatch' | 'already_listed'

export interface BenefitProblem {
  row: number
  column: string
  code: BenefitRejectCode
  message: string
}

export interface BenefitWarning {
  row: number
  column: string
  code: BenefitWarningCode
  from: string
  to: string
}

/** A person on the list but not on the roster of the period matched against. */
export interface OffRosterPerson {
  row: number
  id: string
  name: string | null
  /** never: on no roster in this database; left: on an earlier roster (the last period given). */
  status: 'never' | 'left'
  lastPeriod: string | null
}

export interface BenefitImportResult {
  batch: number | null
  period: string
  benefit: { code: string; name: string; scope: string }
  file: string
  sha256: string
  alreadyImported: boolean
  dryRun: boolean
  format: string | null
  encoding: string | null
  sheet: string | null
  headerRow: number
  mapping: Record<string, BenefitField>
  /** The roster period people were looked up in: the same period, else the newest before it; null = no roster yet. */
  rosterPeriod: string | null
  rows: { total: number; accepted: number; rejected: number; skipped: number }
  /** Accepted rows whose person is on the roster. */
  onRoster: number
  offRoster: { count: number; never: number; left: number; items: OffRosterPerson[] }
  /** Earlier lists of this type and period that --replace superseded. */
  replaced: number[]
  rejected: BenefitProblem[]
  rejectedByCode: Record<string, number>
  warnings: BenefitWarning[]
}


interface BenefitRecord {
  idNumber: string
  name: string | null
  householdNo: string | null
  amount: number | null
  startDate: string | null
  endDate: string | null
}

interface RowOutcome {
  record: BenefitRecord | null
  problems: BenefitProblem[]
  warnings: BenefitWarning[]
  idNumber: string | null
}

const DRY_RUN = Symbol('dry run')

/** The roster period a list of `period` is matched against. */
function rosterPeriodFor(db: Db, period: string): string | null {
  const row = db
    .prepare("SELECT max(period) AS period FROM import_batches WHERE kind = 'roster' AND status = 'active' AND accepted_rows > 0 AND period <= ?")
    .get(period) as { period: string | null }
  return row.period
}

/**
 * Imports a department's list of one benefit type for one period (.xlsx/.csv, UTF-8 or GBK). Rows are
 * matched to the roster by 身份证号; a household-scope list (低保) may give only the 户主身份证号.
 * @throws UsageError PERIOD_INVALID; NotFoundError BENEFIT_TYPE_NOT_FOUND, SHEET_NOT_FOUND; FileError (unreadable file);
 *   ValidationError BENEFIT_HEADER_NOT_FOUND, BENEFIT_REJECTED_STRICT
 */
export async function importBenefitList(db: Db, file: string, options: BenefitImportOptions): Promise<BenefitImportResult> {
  const period = checkPeriod(options.period)
  const type = resolveBenefitType(db, options.type)
  const fileName = basename(file)
  const sha256 = await sha256File(file)
  const benefit = { code: type.code, name: type.name, scope: type.scope }
  const rosterPeriod = rosterPeriodFor(db, period)
  const base = {
    period, benefit, file: fileName, sha256, dryRun: Boolean(options.dryRun), rosterPeriod, replaced: [] as number[],
    rejectedByCode: {}, rejected: [], warnings: [], onRoster: 0, offRoster: { count: 0, never: 0, left: 0, items: [] },
  }
  const same = db
    .prepare(`SELECT id, sheet, encoding, total_rows, accepted_rows, rejected_rows, skipped_rows FROM import_batches
      WHERE kind = 'benefit' AND sha256 = ? AND benefit_code = ? AND period = ? AND status = 'active' ORDER BY id LIMIT 1`)
    .get(sha256, type.code, period) as { id: number; sheet: string | null; encoding: string | null; total_rows: number; accepted_rows: number; rejected_rows: number; skipped_rows: number } | undefined
  if (same) {
    return {
      ...base, batch: same.id, alreadyImported: true, format: null, encoding: same.encoding, sheet: same.sheet, headerRow: 0, mapping: {},
      rows: { total: same.total_rows, accepted: same.accepted_rows, rejected: same.rejected_rows, skipped: same.skipped_rows },
    }
  }

  const source = await openTable(file, { sheet: options.sheet, encoding: options.encoding })
  // Lists are a county's people at most (tens of thousands of rows): read them whole, then check and write.
  const rows: SourceRow[] = []
  for await (const batch of source.batches()) for (const row of batch) rows.push(row)
  const match = detectHeader(rows.map((r) => r.cells), benefitFieldForHeader, new Map(), 1)
  if (!match || (match.columns.idNumber === undefined && match.columns.headIdNumber === undefined)) {
    const seen = match?.headers.filter((h) => !h.startsWith('第')).join('、') || '（前 30 行中没有找到表头）'
    throw new ValidationError('BENEFIT_HEADER_NOT_FOUND', `${fileName} 中找不到「身份证号」列，无法与花名册比对。表头为：${seen}`, {
      hint: `可识别的列名：${BENEFIT_FIELDS.map((f) => BENEFIT_HEADERS[f].slice(0, 3).join('/')).join('；')}`,
      details: { headers: match?.headers ?? [] },
    })
  }
  // A list of households that gives only the 户主's number is matched by it.
  const idField: BenefitField = match.columns.idNumber !== undefined ? 'idNumber' : 'headIdNumber'
  const mapping: Record<string, BenefitField> = {}
  for (const field of BENEFIT_FIELDS) if (match.columns[field] !== undefined) mapping[match.headers[match.columns[field]!]] = field
  const headerRow = rows[match.headerIndex].rowNumber
  const result: BenefitImportResult = {
    ...base, batch: null, alreadyImported: false, format: source.format, encoding: source.encoding, sheet: source.sheet, headerRow, mapping,
    rows: { total: 0, accepted: 0, rejected: 0, skipped: 0 }, rejectedByCode: {}, rejected: [], warnings: [],
    offRoster: { count: 0, never: 0, left: 0, items: [] },
  }

  const ctx: RowContext = { headers: match.headers, columns: match.columns, idField, amountInWan: /万元/.test(match.headers[match.columns.amount ?? -1] ?? '') }
  const seen = new Map<string, number>()
  const outcomes: Array<{ row: SourceRow; outcome: RowOutcome }> = []
  for (const row of dataRows(rows, match.headerIndex, result.rows)) {
    const outcome = validateBenefitRow(row, ctx)
    if (outcome.record) {
      const earlier = seen.get(outcome.record.idNumber)
      if (earlier !== undefined) {
        const column = match.headers[match.columns[idField]!]
        outcome.problems.push({ row: row.rowNumber, column, code: 'duplicate_id', message: `第 ${row.rowNumber} 行「${column}」与第 ${earlier} 行重复，第 ${earlier} 行已保留` })
        outcome.record = null
      } else {
        seen.set(outcome.record.idNumber, row.rowNumber)
      }
    }
    outcomes.push({ row, outcome })
  }

  const write = db.transaction(() => {
    if (options.replace) {
      const earlier = db
        .prepare("SELECT id FROM import_batches WHERE kind = 'benefit' AND benefit_code = ? AND period = ? AND status = 'active' ORDER BY id")
        .all(type.code, period) as Array<{ id: number }>
      for (const { id } of earlier) {
        db.prepare('DELETE FROM benefit_records WHERE batch_id = ?').run(id)
        db.prepare("UPDATE import_batches SET status = 'superseded' WHERE id = ?").run(id)
        result.replaced.push(id)
      }
    }
    const batchId = Number(db
      .prepare(`INSERT INTO import_batches (kind, period, benefit_code, file_name, sha256, sheet, encoding, columns_json, mapping_json, imported_at, operator)
        VALUES ('benefit', @period, @code, @file, @sha256, @sheet, @encoding, @columns, @mapping, @at, @operator)`)
      .run({
        period, code: type.code, file: fileName, sha256, sheet: source.sheet, encoding: source.encoding, columns: JSON.stringify(match.headers),
        mapping: JSON.stringify(mapping), at: new Date().toISOString(), operator: options.operator,
      }).lastInsertRowid)
    const log = new BatchLog(db, batchId, result)
    const insertRecord = db.prepare(`INSERT INTO benefit_records (batch_id, period, benefit_code, id_number, name, household_no, amount, start_date, end_date, row_number, extra_json)
      VALUES (@batch, @period, @code, @idNumber, @name, @householdNo, @amount, @startDate, @endDate, @row, @extra)`)
    const listedBefore = db.prepare('SELECT batch_id AS batch FROM benefit_records WHERE period = ? AND benefit_code = ? AND id_number = ?')
    const onRoster = rosterPeriod ? db.prepare(`SELECT name FROM roster_entries WHERE period = ? AND id_number = ?`) : null
    // Left: on a roster up to the list's period; someone only on a later roster has not left anything.
    const lastOnRoster = db.prepare('SELECT max(period) AS period FROM roster_entries WHERE id_number = ? AND period <= ?')
    const warn = (w: BenefitWarning) => log.warn(w)
    const idColumn = match.headers[match.columns[idField]!]
    for (const { row, outcome } of outcomes) {
      for (const w of outcome.warnings) warn(w)
      const record = outcome.record
      if (!record) {
        log.reject(row, outcome.idNumber, outcome.problems)
        continue
      }
      const before = listedBefore.get(period, type.code, record.idNumber) as { batch: number } | undefined
      if (before) {
        // A supplementary list repeating someone already listed this period: kept once, said once.
        warn({ row: row.rowNumber, column: idColumn, code: 'already_listed', from: record.idNumber, to: `第 ${before.batch} 批` })
        result.rows.skipped++
        continue
      }
      insertRecord.run({ batch: batchId, period, code: type.code, ...record, row: row.rowNumber, extra: null })
      result.rows.accepted++
      const rosterRow = onRoster?.get(rosterPeriod, record.idNumber) as { name: string } | undefined
      if (rosterRow) {
        result.onRoster++
        if (record.name && idField === 'idNumber' && fold(record.name) !== fold(rosterRow.name)) {
          warn({ row: row.rowNumber, column: match.headers[match.columns.name!], code: 'name_mismatch', from: record.name, to: rosterRow.name })
        }
      } else {
        const last = (lastOnRoster.get(record.idNumber, period) as { period: string | null }).period
        const status = last ? 'left' : 'never'
        result.offRoster.count++
        result.offRoster[status]++
        if (result.offRoster.items.length < LISTED) result.offRoster.items.push({ row: row.rowNumber, id: record.idNumber, name: record.name, status, lastPeriod: last })
      }
    }
    db.prepare('UPDATE import_batches SET total_rows = ?, accepted_rows = ?, rejected_rows = ?, skipped_rows = ?, warning_count = ? WHERE id = ?')
      .run(result.rows.total, result.rows.accepted, result.rows.rejected, result.rows.skipped, log.warnings, batchId)
    if (options.strict && result.rows.rejected > 0) {
      throw new ValidationError('BENEFIT_REJECTED_STRICT', `${fileName} 有 ${result.rows.rejected} 行未通过检查；使用了 --strict，本次没有导入任何数据`, {
        hint: '去掉 --strict 可先导入合格的行，退回的行可用 `cjfp benefit rejects` 导出修改',
        details: { rejected: result.rejected },
      })
    }
    recordAudit(db, options.operator, 'benefit.import', `batch:${batchId}`, {
      file: fileName, sha256, period, benefit: type.code, rows: result.rows, offRoster: result.offRoster.count, replaced: result.replaced,
    })
    result.batch = batchId
    // A dry run takes the same path and rolls back, so it reports exactly what a real import would do.
    if (options.dryRun) throw DRY_RUN
  })
  try {
    write()
  } catch (error) {
    if (error !== DRY_RUN) throw error
    result.batch = null
  }
  return result
}

interface RowContext {
  headers: string[]
  columns: Partial<Record<BenefitField, number>>
  idField: BenefitField
  amountInWan: boolean
}

function validateBenefitRow(row: SourceRow, ctx: RowContext): RowOutcome {
  const { rowNumber, cells } = row
  const problems: BenefitProblem[] = []
  const warnings: BenefitWarning[] = []
  const col = ctx.columns
  const header = (f: BenefitField) => (col[f] !== undefined ? ctx.headers[col[f]!] : benefitFieldLabel(f))
  const raw = (f: BenefitField) => (col[f] !== undefined ? (cells[col[f]!] ?? '') : '')
  const text = (f: BenefitField) => toHalfWidth(raw(f)).replace(/\s+/g, ' ').trim() || null
  const problem = (f: BenefitField, code: BenefitRejectCode, detail: string) =>
    problems.push({ row: rowNumber, column: header(f), code, message: `第 ${rowNumber} 行「${header(f)}」${detail}` })
  const warn = (f: BenefitField, code: BenefitWarningCode, from: string, to: string) => warnings.push({ row: rowNumber, column: header(f), code, from, to })
  const numeric = (f: BenefitField) => col[f] !== undefined && (row.numericCells?.includes(col[f]!) ?? false)

  const checkId = (f: BenefitField): string | null => {
    const rawId = raw(f)
    if (rawId.trim() === '') return null
    const { value, changes } = normalizeIdLike(rawId)
    const issue = checkIdNumber(value, { storedAsNumber: numeric(f) })
    if (issue) {
      problem(f, issue, ID_MESSAGES[issue])
      return null
    }
    if (changes.length > 0) warn(f, 'id_normalized', rawId, value)
    return value
  }
  const idNumber = checkId(ctx.idField)
  if (raw(ctx.idField).trim() === '') problem(ctx.idField, 'missing_field', '为空')
  const head = ctx.idField === 'idNumber' && col.headIdNumber !== undefined ? checkId('headIdNumber') : null

  const amount = parseFunds(raw('amount'), ctx.amountInWan)
  if (amount === 'invalid') problem('amount', 'invalid_value', `「${raw('amount').trim()}」不是金额（如 320、1,200、320元）`)
  else if (amount !== null && String(amount) !== raw('amount').trim()) warn('amount', 'amount_normalized', raw('amount'), String(amount))

  const { startDate, endDate } = readDateRange({ raw, numeric, problem, warn }, 'startDate', 'endDate')

  if (problems.length > 0 || !idNumber) return { record: null, problems, warnings, idNumber }
  return {
    record: { idNumber, name: text('name'), householdNo: text('householdNo') ?? head, amount: amount === 'invalid' ? null : amount, startDate, endDate },
    problems, warnings, idNumber,
  }
}

/** Masks 身份证号 in an import result unless the person asked to see them. */
export function presentBenefitImport(result: BenefitImportResult, reveal: boolean): BenefitImportResult {
  if (reveal) return result
  return {
    ...result,
    warnings: result.warnings.map((w) => (w.code === 'id_normalized' || w.code === 'already_listed' ? { ...w, from: maskIdNumber(w.from.trim()), to: w.code === 'already_listed' ? w.to : maskIdNumber(w.to) } : w)),
    offRoster: { ...result.offRoster, items: result.offRoster.items.map((p) => ({ ...p, id: maskIdNumber(p.id) })) },
  }
}

/**
 * The rejected rows of a benefit batch, for `benefit rejects` (the same export as roster rejects).
 * @throws NotFoundError BATCH_NOT_FOUND
 */
export function rejectedBenefitRows(db: Db, batchId: number): RejectedRowExport {
  const data = readRejectedRows(db, batchId, 'benefit', `找不到第 ${batchId} 批政策名单导入`, '批次号见 `cjfp benefit lists`')
  // The shared reader masks the roster's sensitive fields; a list's 户主身份证号 is an ID number too.
  const mapping = db.prepare('SELECT mapping_json FROM import_batches WHERE id = ?').get(batchId) as { mapping_json: string | null }
  const fields: Record<string, string> = mapping.mapping_json ? JSON.parse(mapping.mapping_json) : {}
  const sensitiveColumns = { ...data.sensitiveColumns }
  data.headers.forEach((h, i) => {
    if (fields[h] === 'headIdNumber') sensitiveColumns[i] = 'idNumber'
  })
  return { ...data, sensitiveColumns }
}

// ───────────────────────────── the lists held ─────────────────────────────

export interface BenefitListSummary {
  batch: number
  code: string
  name: string
  period: string
  file: string
  status: string
  total: number
  accepted: number
  rejected: number
  onRoster: number
  importedAt: string
  operator: string
}

/** Every benefit list imported, newest period first; `onRoster` counts people found on the roster of that period (or the newest before it). */
export function listBenefitLists(db: Db, filter: { type?: string; period?: string } = {}): BenefitListSummary[] {
  const code = filter.type ? resolveBenefitType(db, filter.type).code : null
  const period = filter.period ? checkPeriod(filter.period) : null
  const batches = db
    .prepare(`SELECT b.id AS batch, b.benefit_code AS code, t.name, b.period, b.file_name AS file, b.status, b.total_rows AS total,
        b.accepted_rows AS accepted, b.rejected_rows AS rejected, b.imported_at AS importedAt, b.operator
      FROM import_batches b JOIN benefit_types t ON t.code = b.benefit_code
      WHERE b.kind = 'benefit' AND (@code IS NULL OR b.benefit_code = @code) AND (@period IS NULL OR b.period = @period)
      ORDER BY b.period DESC, b.benefit_code, b.id`)
    .all({ code, period }) as Array<Omit<BenefitListSummary, 'onRoster'>>
  const rosterOf = new Map<string, string | null>()
  return batches.map((b) => {
    if (!rosterOf.has(b.period)) rosterOf.set(b.period, rosterPeriodFor(db, b.period))
    const rp = rosterOf.get(b.period)
    const onRoster = rp
      ? (db.prepare(`SELECT count(*) AS n FROM benefit_records r WHERE r.batch_id = @batch AND EXISTS (SELECT 1 FROM roster_entries e WHERE e.period = @rp AND e.id_number = r.id_number)`)
          .get({ batch: b.batch, rp }) as { n: number }).n
      : 0
    return { ...b, onRoster }
  })
}
