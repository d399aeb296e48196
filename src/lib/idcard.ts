/**
 * 身份证号 (GB 11643) and 第二代残疾人证号 checks, and the safe normalisations of what clerks type:
 * full-width characters, stray spaces, a lowercase x, grades written in words, categories written
 * with 残疾 appended. Pure functions; no database.
 */

export const CATEGORY_NAMES = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'] as const
export type CategoryName = (typeof CATEGORY_NAMES)[number]

const CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK_CHARS = '10X98765432'

/** The ISO 7064 MOD 11-2 check character for the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * CHECK_WEIGHTS[i]
  return CHECK_CHARS[sum % 11]
}

export interface Normalized {
  value: string
  /** Warning codes for each change made, in order. */
  changes: Array<'trimmed' | 'fullwidth' | 'lowercase_x' | 'spaces_removed'>
}

const FULLWIDTH = /[\uff01-\uff5e\u3000]/g

/** Full-width ASCII (０-９, Ａ-Ｚ, ｘ, the ideographic space) to half-width. */
export function toHalfWidth(text: string): string {
  // A plain loop finds nothing to fold faster than the regex machinery does.
  let wide = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 0x3000 || (code >= 0xff01 && code <= 0xff5e)) {
      wide = true
      break
    }
  }
  if (!wide) return text
  return text.replace(FULLWIDTH, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)))
}

const NO_CHANGES: Normalized['changes'] = []

/** /^[0-9X]+$/: nothing for normalizeIdLike to fix. */
function isCleanIdLike(text: string): boolean {
  if (text.length === 0) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!isDigit(c) && c !== 88) return false
  }
  return true
}

/** Trims, folds full-width characters, drops inner spaces and upper-cases a trailing x. */
export function normalizeIdLike(raw: string): Normalized {
  // The common case, checked first: nothing to fix.
  if (isCleanIdLike(raw)) return { value: raw, changes: NO_CHANGES }
  const changes: Normalized['changes'] = []
  let value = raw
  // A leading apostrophe is how people force Excel to keep a number as text; it is not part of the ID.
  const unquoted = value.replace(/^\s*['‘’`]/, '')
  if (unquoted !== value) {
    changes.push('trimmed')
    value = unquoted
  }
  const half = toHalfWidth(value)
  if (half !== value) {
    changes.push('fullwidth')
    value = half
  }
  const trimmed = value.trim()
  if (trimmed !== value) {
    changes.push('trimmed')
    value = trimmed
  }
  if (/\s/.test(value)) {
    changes.push('spaces_removed')
    value = value.replace(/\s+/g, '')
  }
  if (/x/.test(value) && /^[\dxX]+$/.test(value)) {
    changes.push('lowercase_x')
    value = value.toUpperCase()
  }
  return { value, changes }
}

export type IdProblem = 'id_format' | 'id_checksum' | 'id_birthdate' | 'id_scientific_notation' | 'id_excel_truncated'

/** What is wrong with a (normalised) 身份证号, or null when it is valid. */
export function checkIdNumber(id: string, options: { storedAsNumber?: boolean; today?: Date } = {}): IdProblem | null {
  // The well-formed case first: it can be neither scientific notation nor anything but 18 characters.
  const shaped = hasIdShape(id)
  if (!shaped && /^\d+(\.\d+)?[eE][+]?\d+$/.test(id)) return 'id_scientific_notation'
  // An 18-digit number cell always lost its last digits (Excel keeps 15), even when what is left
  // happens to end in a valid check character.
  if (options.storedAsNumber && /^\d{16,}$/.test(id)) return 'id_excel_truncated'
  if (!shaped) return 'id_format'
  if (!isValidBirthDate(id, options.today ?? new Date())) return 'id_birthdate'
  if (idCheckChar(id) !== id[17]) {
    // Excel keeps 15 significant digits of a number: the last three become 000.
    if (options.storedAsNumber || id.endsWith('000')) return 'id_excel_truncated'
    return 'id_checksum'
  }
  return null
}

/** /^\d{17}[\dX]$/, without the regex machinery: this runs for every row of a million-row file. */
function hasIdShape(id: string): boolean {
  return id.length === 18 && startsWithIdShape(id)
}

/** Whether the first 18 characters are 17 digits and a digit or X. */
function startsWithIdShape(text: string): boolean {
  for (let i = 0; i < 17; i++) if (!isDigit(text.charCodeAt(i))) return false
  const last = text.charCodeAt(17)
  return isDigit(last) || last === 88 // X
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

/** The number written by the ASCII digits id[from] … id[to - 1] (all digits, as a checked ID's are). */
function digitsAt(id: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) n = n * 10 + id.charCodeAt(i) - 48
  return n
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
let todayTime = NaN
let todayStamp = 0

// Arithmetic on the digits rather than Date objects or Number(): this runs once per row of a million-row file.
function isValidBirthDate(id: string, today: Date): boolean {
  const year = digitsAt(id, 6, 10)
  const month = digitsAt(id, 10, 12)
  const day = digitsAt(id, 12, 14)
  if (year < 1880 || month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (day > (month === 2 && leap ? 29 : MONTH_DAYS[month - 1])) return false
  const time = today.getTime()
  if (time !== todayTime) {
    todayTime = time
    todayStamp = today.getFullYear() * 10000 + (today.getMonth() + 1) * 100 + today.getDate()
  }
  return year * 10000 + month * 100 + day <= todayStamp
}

/** 'YYYY-MM-DD' from a valid ID. */
export function birthDateOf(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`
}

/** The 17th digit: odd is male. */
export function genderOf(id: string): '男' | '女' {
  return Number(id[16]) % 2 === 1 ? '男' : '女'
}

export type CertProblem = 'cert_format' | 'cert_id_mismatch' | 'cert_category_mismatch' | 'cert_grade_mismatch'

/** A second-generation certificate: the 18-character ID, then the category digit (1–7) and the grade digit (1–4). */
export function checkCertificate(cert: string, id: string, category: number | null, grade: number | null): CertProblem | null {
  if (cert.length !== 20 || !startsWithIdShape(cert)) return 'cert_format'
  const categoryDigit = cert.charCodeAt(18) - 48
  const gradeDigit = cert.charCodeAt(19) - 48
  if (!(categoryDigit >= 1 && categoryDigit <= 7) || !(gradeDigit >= 1 && gradeDigit <= 4)) return 'cert_format'
  // Same as comparing the first 18 characters with the ID, without cutting them out.
  if (id.length !== 18 || !cert.startsWith(id)) return 'cert_id_mismatch'
  if (category !== null && categoryDigit !== category) return 'cert_category_mismatch'
  if (grade !== null && gradeDigit !== grade) return 'cert_grade_mismatch'
  return null
}

const CATEGORY_VARIANTS: Record<string, number> = {
  视力: 1, 视力残疾: 1, 视: 1, 盲: 1,
  听力: 2, 听力残疾: 2, 听: 2, 聋: 2,
  言语: 3, 言语残疾: 3, 语言: 3, 语言残疾: 3, 言: 3,
  肢体: 4, 肢体残疾: 4, 肢: 4,
  智力: 5, 智力残疾: 5, 智: 5,
  精神: 6, 精神残疾: 6, 精: 6,
  多重: 7, 多重残疾: 7, 综合: 7,
}

/** 残疾类别 as its code 1–7; null when the text cannot be read. Digits 1–7 are accepted as codes. */
export function parseCategory(raw: string): { code: number; normalized: boolean } | null {
  const direct = CATEGORY_VARIANTS[raw]
  if (direct !== undefined) return { code: direct, normalized: raw !== CATEGORY_NAMES[direct - 1] }
  const text = toHalfWidth(raw).replace(/\s+/g, '')
  if (/^[1-7]$/.test(text)) return { code: Number(text), normalized: true }
  const code = CATEGORY_VARIANTS[text] ?? CATEGORY_VARIANTS[stripRemark(text)]
  if (code !== undefined) return { code, normalized: text !== CATEGORY_NAMES[code - 1] }
  // 肢体残疾（下肢）, 视力一级: a category name followed by detail.
  const lead = CATEGORY_NAMES.findIndex((name) => text.startsWith(name))
  return lead >= 0 ? { code: lead + 1, normalized: true } : null
}

/** Drops a trailing remark in brackets: 已脱贫（2019年） → 已脱贫. */
export function stripRemark(text: string): string {
  return text.replace(/[（(【\[].*[）)】\]]$/, '').trim()
}

const GRADE_WORDS: Record<string, number> = {
  一: 1, 二: 2, 三: 3, 四: 4, 壹: 1, 贰: 2, 叁: 3, 肆: 4, 两: 2,
  Ⅰ: 1, Ⅱ: 2, Ⅲ: 3, Ⅳ: 4, I: 1, II: 2, III: 3, IV: 4,
}

/** 残疾等级 as 1–4 from '2', '二级', '贰级', '2级', 'Ⅱ级'; null when it cannot be read. */
export function parseGrade(raw: string): { grade: number; normalized: boolean } | null {
  if (raw.length === 1 && raw >= '1' && raw <= '4') return { grade: Number(raw), normalized: false }
  const text = toHalfWidth(raw).replace(/\s+/g, '')
  if (/^[1-4]$/.test(text)) return { grade: Number(text), normalized: false }
  // 二级, 贰级, 2级, Ⅱ级; and 二级（重度）, 肢体二级 where a grade is written inside other words.
  const match = text.match(/^(?:第)?([1-4]|[一二三四壹贰叁肆两ⅠⅡⅢⅣ]|I{1,3}|IV)级?(?:残疾)?$/) ?? text.match(/([1-4一二三四壹贰叁肆两ⅠⅡⅢⅣ])级/)
  if (!match) return null
  const grade = /^[1-4]$/.test(match[1]) ? Number(match[1]) : GRADE_WORDS[match[1]]
  return grade ? { grade, normalized: true } : null
}

/**
 * A number that identifies a valid 18-character ID exactly: the address code, the birth date as days
 * since 1880 and the sequence fit in 46 bits, and the check character follows from them. Used to
 * find duplicates in a million-row file without keeping a million strings alive.
 */
export function idKey(id: string): number {
  const address = digitsAt(id, 0, 6)
  // Any one-to-one packing of the date works; year*372 + month*31 + day stays below 2^16 until 2055.
  const days = (digitsAt(id, 6, 10) - 1880) * 372 + (digitsAt(id, 10, 12) - 1) * 31 + digitsAt(id, 12, 14)
  const sequence = digitsAt(id, 14, 17)
  return (address * 65536 + days) * 1024 + sequence
}
