/**
 * 结对帮扶: the helpers list a county sends (imported with the roster import's rules), pairings made
 * or ended by hand, and the plan's check that every registered household has a helper, measures and
 * funds (「每户都有帮扶人、帮扶措施、帮扶资金」). Households are the roster's: roster_entries.household_no,
 * or the member's 身份证号 where the roster gives no household number.
 */
import { basename } from 'node:path'
import { z } from 'zod'
import { recordAudit } from './audit.js'
import type { Db } from './db.js'
import { ConflictError, NotFoundError, UsageError, ValidationError } from './errors.js'
import { detectHeader } from './header-detect.js'
import { checkIdNumber, type IdProblem, normalizeIdLike, toHalfWidth } from './idcard.js'
import { maskIdNumber, maskPhone } from './output.js'
import { PAIRING_FIELDS, PAIRING_HEADERS, type PairingField, pairingFieldForHeader, pairingFieldLabel } from './pairing-fields.js'
import { readRejectedRows, type RejectedRowExport } from './roster.js'
import { latestPeriod, PERIOD_ROWS, periodParams } from './roster-query.js'
import { BatchLog, dataRows, ID_MESSAGES, readDateRange } from './list-import.js'
import { type EncodingChoice, openTable, sha256File, type SourceRow } from './table-reader.js'
import type { TableSheet } from './table-writer.js'

/** The roster's household key: the household number, else the person's own 身份证号. */
const HOUSEHOLD_KEY = "coalesce(nullif(trim(household_no), ''), id_number)"
/** A pairing counts while it has no end date or ends after today. */
const ACTIVE = '(p.end_date IS NULL OR p.end_date > @today)'

// ───────────────────────────── values ─────────────────────────────

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/

/** Today as YYYY-MM-DD in local time, the way a clerk dates a form. */
export function localDate(date: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`
}

/**
 * 帮扶资金 in yuan from what clerks write: '5000', '5,000', '5000元', '0.5万', '1.2万元', '￥800'.
 * `inWan`: the column header says 万元, so a bare number is in 万. null for an empty cell, 'invalid' otherwise.
 */
export function parseFunds(raw: string, inWan = false): number | null | 'invalid' {
  const text = toHalfWidth(raw).replace(/[\s,，￥¥]/g, '')
  if (text === '' || /^(无|\/|-|—)$/.test(text)) return null
  const match = /^(\d+(?:\.\d+)?)(万元|万|元)?$/.exec(text)
  if (!match) return 'invalid'
  let value = Number(match[1])
  if (match[2]?.startsWith('万') || (!match[2] && inWan)) value *= 10000
  return Math.round(value * 100) / 100
}

/**
 * A date as YYYY-MM-DD from '2026-03-05', '2026/3/5', '2026.3.5', '2026年3月5日', '20260305', '2026年3月'
 * (the 1st), or an Excel date serial stored as a plain number. null for an empty cell.
 */
export function parseDate(raw: string, storedAsNumber = false): string | null | 'invalid' {
  const text = toHalfWidth(raw).trim()
  if (text === '') return null
  let y: number, m: number, d: number
  let match: RegExpExecArray | null
  if (storedAsNumber && /^\d{5}(\.\d+)?$/.test(text)) {
    const serial = Math.floor(Number(text))
    if (serial < 20000 || serial > 80000) return 'invalid'
    const date = new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000)
    return date.toISOString().slice(0, 10)
  } else if ((match = /^(\d{4})(\d{2})(\d{2})$/.exec(text))) {
    ;[y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  } else if ((match = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(text))) {
    ;[y, m, d] = [Number(match[1]), Number(match[2]), match[3] ? Number(match[3]) : 1]
  } else {
    return 'invalid'
  }
  const date = new Date(Date.UTC(y, m - 1, d))
  if (y < 1990 || y > 2100 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return 'invalid'
  return date.toISOString().slice(0, 10)
}

const PARTY_YES = /^(是|中共党员|中共预备党员|预备党员|党员|共产党员|中国共产党党员|中国共产党员|y|yes|√|✓|1)$/i
const PARTY_NO = /^(否|不是|非党员|非中共党员|群众|无|无党派|无党派人士|共青团员|团员|n|no|×|✗|0)$/i
const OTHER_PARTIES = /^(民革|民盟|民建|民进|农工党|致公党|九三学社|台盟|中国国民党革命委员会|中国民主)/

/** 是否党员 / 政治面貌 as true (中共党员), false (群众, 团员, 民主党派…), null when empty, 'invalid' otherwise. */
export function parsePartyMember(raw: string): boolean | null | 'invalid' {
  const text = toHalfWidth(raw).replace(/\s+/g, '')
  if (text === '') return null
  if (PARTY_YES.test(text)) return true
  if (PARTY_NO.test(text) || OTHER_PARTIES.test(text)) return false
  return 'invalid'
}

/** A phone number as its digits (mobile or landline with area code); null when empty, 'invalid' otherwise. */
export function parsePhone(raw: string): string | null | 'invalid' {
  const text = toHalfWidth(raw).replace(/[\s\-()（）]/g, '')
  if (text === '') return null
  return /^\d{7,12}$/.test(text) ? text : 'invalid'
}


function looksLikeId(key: string): boolean {
  return /^\d{17}[\dX]$/.test(key) && checkIdNumber(key) === null
}

/** A household key shown to a person: a 身份证号 standing in for a household number is masked. */
function showHousehold(key: string, reveal: boolean): string {
  return !reveal && looksLikeId(key) ? maskIdNumber(key) : key
}

// ───────────────────────────── the roster's households ─────────────────────────────

/** One household of a roster period: where it lives and who is registered in it. */
interface HouseholdRow {
  hh: string
  county_code: string | null
  township_code: string | null
  township_name: string | null
  village_code: string | null
  village_name: string | null
  members: string
}

/** The household aggregate of one period, as a CTE named hh. */
const HOUSEHOLDS_CTE = `hh AS (
  SELECT ${HOUSEHOLD_KEY} AS hh, min(county_code) AS county_code, min(township_code) AS township_code, min(township_name) AS township_name,
    min(village_code) AS village_code, min(village_name) AS village_name, group_concat(name, '、') AS members
  FROM roster_entries WHERE ${PERIOD_ROWS} GROUP BY 1)`

/** The newest period, or null when no roster has been imported. */
function latestPeriodOrNull(db: Db): string | null {
  try {
    return latestPeriod(db)
  } catch (error) {
    if (error instanceof NotFoundError) return null
    throw error
  }
}

function rosterParams(db: Db, period: string | null): { lo: number; hi: number; period: string } {
  return period ? periodParams(db, period) : { lo: 0, hi: -1, period: '' }
}

/** Finds a household of a period by its number or a member's 身份证号. */
class HouseholdFinder {
  private readonly households: Set<string>
  private readonly byId

  constructor(db: Db, readonly period: string) {
    const rows = db.prepare(`SELECT DISTINCT ${HOUSEHOLD_KEY} AS hh FROM roster_entries WHERE ${PERIOD_ROWS}`).all(periodParams(db, period)) as Array<{ hh: string }>
    this.households = new Set(rows.map((r) => r.hh))
    this.byId = db.prepare(`SELECT ${HOUSEHOLD_KEY} AS hh FROM roster_entries WHERE period = ? AND id_number = ?`)
  }

  has(household: string): boolean {
    return this.households.has(household)
  }

  ofPerson(id: string): string | null {
    return (this.byId.get(this.period, id) as { hh: string } | undefined)?.hh ?? null
  }
}

// ───────────────────────────── helpers and pairings (writes) ─────────────────────────────

export const HelperSchema = z.object({
  name: z.string().trim().min(1),
  unit: z.string().trim(),
  phone: z.string().regex(/^(\d{7,12})?$/),
  partyMember: z.boolean().nullable(),
})
export type Helper = z.infer<typeof HelperSchema>

/** A validated pairing row, ready to write. */
export const PairingRecordSchema = z.object({
  helper: HelperSchema,
  household: z.string().min(1),
  idNumber: z.string().regex(/^\d{17}[\dX]$/).nullable(),
  measures: z.string().min(1).nullable(),
  funds: z.number().nonnegative().nullable(),
  startDate: z.string().regex(DATE_PATTERN).nullable(),
  endDate: z.string().regex(DATE_PATTERN).nullable(),
})
export type PairingRecord = z.infer<typeof PairingRecordSchema>

/** Prepared statements for helper and pairing writes; one instance per transaction. */
class PairingWriter {
  private readonly findHelper
  private readonly insertHelper
  private readonly updateHelper
  private readonly findActive
  private readonly insertPairing
  private readonly updatePairing

  constructor(db: Db, private readonly operator: string, private readonly today: string) {
    this.findHelper = db.prepare('SELECT id, party_member FROM helpers WHERE name = ? AND unit = ? AND phone = ?')
    this.insertHelper = db.prepare('INSERT INTO helpers (name, unit, phone, party_member, created_at) VALUES (?, ?, ?, ?, ?)')
    this.updateHelper = db.prepare('UPDATE helpers SET party_member = ?, updated_at = ? WHERE id = ?')
    this.findActive = db.prepare(`SELECT id FROM pairings p WHERE helper_id = @helper AND household_no = @household AND ${ACTIVE} ORDER BY id DESC LIMIT 1`)
    this.insertPairing = db.prepare(`INSERT INTO pairings (helper_id, household_no, id_number, measures, funds, start_date, end_date, batch_id, row_number, created_at, created_by)
      VALUES (@helper, @household, @idNumber, @measures, @funds, @startDate, @endDate, @batch, @row, @at, @operator)`)
    // A value the new list leaves blank keeps what was recorded before, so a partial list loses nothing.
    this.updatePairing = db.prepare(`UPDATE pairings SET id_number = coalesce(@idNumber, id_number), measures = coalesce(@measures, measures),
      funds = coalesce(@funds, funds), start_date = coalesce(@startDate, start_date), end_date = coalesce(@endDate, end_date),
      batch_id = coalesce(@batch, batch_id), row_number = coalesce(@row, row_number), updated_at = @at, updated_by = @operator WHERE id = @id`)
  }

  /** Inserts or finds the helper by (name, unit, phone); a known 党员 answer overwrites the stored one. */
  helper(h: Helper): { id: number; created: boolean; updated: boolean } {
    const now = new Date().toISOString()
    const found = this.findHelper.get(h.name, h.unit, h.phone) as { id: number; party_member: number | null } | undefined
    const party = h.partyMember === null ? null : h.partyMember ? 1 : 0
    if (!found) return { id: Number(this.insertHelper.run(h.name, h.unit, h.phone, party, now).lastInsertRowid), created: true, updated: false }
    if (party !== null && found.party_member !== party) {
      this.updateHelper.run(party, now, found.id)
      return { id: found.id, created: false, updated: true }
    }
    return { id: found.id, created: false, updated: false }
  }

  activePairing(helperId: number, household: string): number | null {
    return (this.findActive.get({ helper: helperId, household, today: this.today }) as { id: number } | undefined)?.id ?? null
  }

  /** Updates the helper's active pairing with the household, or makes a new one. */
  pairing(helperId: number, r: PairingRecord, source: { batch: number | null; row: number | null }): { id: number; created: boolean } {
    const values = {
      helper: helperId, household: r.household, idNumber: r.idNumber, measures: r.measures, funds: r.funds, startDate: r.startDate,
      endDate: r.endDate, batch: source.batch, row: source.row, at: new Date().toISOString(), operator: this.operator,
    }
    const existing = this.activePairing(helperId, r.household)
    if (existing !== null) {
      this.updatePairing.run({ ...values, id: existing })
      return { id: existing, created: false }
    }
    return { id: Number(this.insertPairing.run(values).lastInsertRowid), created: true }
  }
}

// ───────────────────────────── import ─────────────────────────────

export interface PairingImportOptions {
  operator: string
  sheet?: string
  encoding?: EncodingChoice
  dryRun?: boolean
  strict?: boolean
  today?: Date
}

export interface PairingProblem {
  row: number
  column: string
  code: 'missing_field' | 'household_not_found' | 'invalid_value' | 'duplicate_pairing' | IdProblem
  message: string
}

export interface PairingWarning {
  row: number
  column: string
  field: PairingField
  code: 'funds_normalized' | 'phone_normalized' | 'id_normalized' | 'date_normalized'
  from: string
  to: string
}

export interface PairingImportResult {
  batch: number | null
  /** The roster period households were looked up in (the newest). */
  period: string
  file: string
  sha256: string
  alreadyImported: boolean
  dryRun: boolean
  format: string | null
  encoding: string | null
  sheet: string | null
  headerRow: number
  mapping: Record<string, PairingField>
  unknownColumns: string[]
  rows: { total: number; accepted: number; rejected: number; skipped: number }
  helpers: { created: number; updated: number }
  pairings: { created: number; updated: number }
  /** The first 1,000 problems; all of them are stored with the batch. */
  rejected: PairingProblem[]
  rejectedByCode: Record<string, number>
  warnings: PairingWarning[]
}

interface RowOutcome {
  record: PairingRecord | null
  problems: PairingProblem[]
  warnings: PairingWarning[]
  idNumber: string | null
}

const REQUIRED_HEADERS: PairingField[] = ['helperName', 'unit']

/**
 * Imports a helpers list (.xlsx/.csv): households are looked up in the newest roster period, helpers
 * upserted by (name, unit, phone), one pairing per helper and household; bad rows are kept with their
 * cells. One transaction; the same bytes twice change nothing.
 * @throws NotFoundError NO_ROSTER, SHEET_NOT_FOUND; FileError (unreadable file);
 *   ValidationError PAIRING_HEADER_NOT_FOUND, PAIRING_REJECTED_STRICT
 */
export async function importPairings(db: Db, file: string, options: PairingImportOptions): Promise<PairingImportResult> {
  const period = latestPeriod(db)
  const fileName = basename(file)
  const sha256 = await sha256File(file)
  const base = { period, file: fileName, sha256, dryRun: Boolean(options.dryRun), rejectedByCode: {}, warnings: [], rejected: [] }
  const same = db
    .prepare("SELECT id, sheet, encoding, total_rows, accepted_rows, rejected_rows, skipped_rows FROM import_batches WHERE kind = 'pairing' AND sha256 = ? AND status = 'active' ORDER BY id LIMIT 1")
    .get(sha256) as { id: number; sheet: string | null; encoding: string | null; total_rows: number; accepted_rows: number; rejected_rows: number; skipped_rows: number } | undefined
  if (same) {
    return {
      ...base, batch: same.id, alreadyImported: true, format: null, encoding: same.encoding, sheet: same.sheet, headerRow: 0, mapping: {}, unknownColumns: [],
      rows: { total: same.total_rows, accepted: same.accepted_rows, rejected: same.rejected_rows, skipped: same.skipped_rows },
      helpers: { created: 0, updated: 0 }, pairings: { created: 0, updated: 0 },
    }
  }

  const source = await openTable(file, { sheet: options.sheet, encoding: options.encoding })
  // Helper lists are a few thousand rows at most: read them whole, then validate and write.
  const rows: SourceRow[] = []
  for await (const batch of source.batches()) for (const row of batch) rows.push(row)
  const match = detectHeader(rows.map((r) => r.cells), pairingFieldForHeader, new Map())
  const missing = match ? REQUIRED_HEADERS.filter((f) => match.columns[f] === undefined) : [...REQUIRED_HEADERS]
  const noHousehold = !match || (match.columns.householdNo === undefined && match.columns.idNumber === undefined)
  if (!match || missing.length > 0 || noHousehold) {
    const names = [...missing.map((f) => `「${pairingFieldLabel(f)}」`), ...(noHousehold ? ['「户编号」或「身份证号」'] : [])]
    const seen = match?.headers.filter((h) => !h.startsWith('第')).join('、') || '（前 30 行中没有找到表头）'
    throw new ValidationError('PAIRING_HEADER_NOT_FOUND', `${fileName} 中找不到${names.join('、')}列。表头为：${seen}`, {
      hint: `可识别的列名：${PAIRING_FIELDS.map((f) => PAIRING_HEADERS[f].slice(0, 3).join('/')).join('；')}`,
      details: { headers: match?.headers ?? [], missing: [...missing, ...(noHousehold ? ['householdNo|idNumber'] : [])] },
    })
  }

  const mapping: Record<string, PairingField> = {}
  for (const field of PAIRING_FIELDS) if (match.columns[field] !== undefined) mapping[match.headers[match.columns[field]!]] = field
  const headerRow = rows[match.headerIndex].rowNumber
  const result: PairingImportResult = {
    ...base, batch: null, alreadyImported: false, format: source.format, encoding: source.encoding, sheet: source.sheet, headerRow, mapping,
    unknownColumns: match.unknownColumns.map((i) => match.headers[i]).filter((h) => h !== '序号' && !h.startsWith('第')),
    rows: { total: 0, accepted: 0, rejected: 0, skipped: 0 }, helpers: { created: 0, updated: 0 }, pairings: { created: 0, updated: 0 },
    rejectedByCode: {}, rejected: [], warnings: [],
  }

  const finder = new HouseholdFinder(db, period)
  const ctx: RowContext = { headers: match.headers, columns: match.columns, finder, period, fundsInWan: /万元/.test(match.headers[match.columns.funds ?? -1] ?? '') }
  const seen = new Map<string, number>()
  const outcomes: Array<{ row: SourceRow; outcome: RowOutcome }> = []
  for (const row of dataRows(rows, match.headerIndex, result.rows)) {
    const outcome = validatePairingRow(row, ctx)
    if (outcome.record) {
      const h = outcome.record.helper
      const key = [h.name, h.unit, h.phone, outcome.record.household].join('\u0000')
      const earlier = seen.get(key)
      if (earlier !== undefined) {
        const column = match.headers[match.columns.helperName!]
        outcome.problems.push({
          row: row.rowNumber, column, code: 'duplicate_pairing',
          message: `第 ${row.rowNumber} 行与第 ${earlier} 行是同一帮扶人（${h.name}）结对同一户，第 ${earlier} 行已保留`,
        })
        outcome.record = null
      } else {
        seen.set(key, row.rowNumber)
      }
    }
    outcomes.push({ row, outcome })
  }

  const today = localDate(options.today)
  const write = db.transaction(() => {
    const batchId = Number(db
      .prepare(`INSERT INTO import_batches (kind, period, file_name, sha256, sheet, encoding, columns_json, mapping_json, imported_at, operator)
        VALUES ('pairing', @period, @file, @sha256, @sheet, @encoding, @columns, @mapping, @at, @operator)`)
      .run({
        period, file: fileName, sha256, sheet: source.sheet, encoding: source.encoding, columns: JSON.stringify(match.headers),
        mapping: JSON.stringify(mapping), at: new Date().toISOString(), operator: options.operator,
      }).lastInsertRowid)
    const writer = new PairingWriter(db, options.operator, today)
    const log = new BatchLog(db, batchId, result)
    for (const { row, outcome } of outcomes) {
      for (const w of outcome.warnings) log.warn(w)
      if (!outcome.record) {
        log.reject(row, outcome.idNumber, outcome.problems)
        continue
      }
      const helper = writer.helper(outcome.record.helper)
      if (helper.created) result.helpers.created++
      else if (helper.updated) result.helpers.updated++
      const pairing = writer.pairing(helper.id, outcome.record, { batch: batchId, row: row.rowNumber })
      if (pairing.created) result.pairings.created++
      else result.pairings.updated++
      result.rows.accepted++
    }
    db.prepare(`UPDATE import_batches SET total_rows = ?, accepted_rows = ?, rejected_rows = ?, skipped_rows = ?, warning_count = ? WHERE id = ?`)
      .run(result.rows.total, result.rows.accepted, result.rows.rejected, result.rows.skipped, log.warnings, batchId)
    if (options.strict && result.rows.rejected > 0) {
      throw new ValidationError('PAIRING_REJECTED_STRICT', `${fileName} 有 ${result.rows.rejected} 行未通过检查；使用了 --strict，本次没有导入任何数据`, {
        hint: '去掉 --strict 可先导入合格的行，退回的行可用 `cjfp pair rejects` 导出修改',
        details: { rejected: result.rejected },
      })
    }
    recordAudit(db, options.operator, 'pairing.import', `batch:${batchId}`, {
      file: fileName, sha256, period, rows: result.rows, helpers: result.helpers, pairings: result.pairings,
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

const DRY_RUN = Symbol('dry run')

interface RowContext {
  headers: string[]
  columns: Partial<Record<PairingField, number>>
  finder: HouseholdFinder
  period: string
  fundsInWan: boolean
}

function validatePairingRow(row: SourceRow, ctx: RowContext): RowOutcome {
  const { rowNumber, cells } = row
  const problems: PairingProblem[] = []
  const warnings: PairingWarning[] = []
  const col = ctx.columns
  const header = (f: PairingField) => (col[f] !== undefined ? ctx.headers[col[f]!] : pairingFieldLabel(f))
  const raw = (f: PairingField) => (col[f] !== undefined ? (cells[col[f]!] ?? '') : '')
  const text = (f: PairingField) => toHalfWidth(raw(f)).replace(/\s+/g, ' ').trim() || null
  const problem = (f: PairingField, code: PairingProblem['code'], detail: string) =>
    problems.push({ row: rowNumber, column: header(f), code, message: `第 ${rowNumber} 行「${header(f)}」${detail}` })
  const warn = (f: PairingField, code: PairingWarning['code'], from: string, to: string) =>
    warnings.push({ row: rowNumber, column: header(f), field: f, code, from, to })
  const numeric = (f: PairingField) => col[f] !== undefined && (row.numericCells?.includes(col[f]!) ?? false)

  const name = text('helperName')
  if (!name) problem('helperName', 'missing_field', '为空')
  const unit = text('unit')
  if (!unit) problem('unit', 'missing_field', '为空')

  const phone = parsePhone(raw('phone'))
  if (phone === 'invalid') problem('phone', 'invalid_value', '不是有效的电话号码（应为 11 位手机号或带区号的固定电话）')
  else if (phone && phone !== raw('phone')) warn('phone', 'phone_normalized', raw('phone'), phone)

  const party = parsePartyMember(raw('partyMember'))
  if (party === 'invalid') problem('partyMember', 'invalid_value', `「${raw('partyMember').trim()}」看不出是否党员（应为 是/否、中共党员/群众）`)

  // 户编号 or a member's 身份证号, looked up in the newest roster.
  let idNumber: string | null = null
  const rawId = raw('idNumber')
  if (rawId.trim() !== '') {
    const { value, changes } = normalizeIdLike(rawId)
    const issue = checkIdNumber(value, { storedAsNumber: numeric('idNumber') })
    if (issue) problem('idNumber', issue, ID_MESSAGES[issue])
    else {
      idNumber = value
      if (changes.length > 0) warn('idNumber', 'id_normalized', rawId, value)
    }
  }
  const householdNo = text('householdNo')
  let household: string | null = null
  if (!householdNo && rawId.trim() === '') {
    const both = col.householdNo !== undefined && col.idNumber !== undefined
    problem(col.householdNo !== undefined ? 'householdNo' : 'idNumber', 'missing_field', both ? `和「${header('idNumber')}」都为空` : '为空')
  } else if (householdNo) {
    if (ctx.finder.has(householdNo)) household = householdNo
    else problem('householdNo', 'household_not_found', `「${householdNo}」不在 ${ctx.period} 期花名册上`)
    if (household && idNumber) {
      const ofPerson = ctx.finder.ofPerson(idNumber)
      if (ofPerson !== household) {
        problem('idNumber', ofPerson ? 'invalid_value' : 'household_not_found',
          ofPerson ? `对应的人不在「${header('householdNo')}」${householdNo} 这一户` : `对应的人不在 ${ctx.period} 期花名册上`)
      }
    }
  } else if (idNumber) {
    household = ctx.finder.ofPerson(idNumber)
    if (!household) problem('idNumber', 'household_not_found', `对应的人不在 ${ctx.period} 期花名册上`)
  }

  const measures = text('measures')
  const funds = parseFunds(raw('funds'), ctx.fundsInWan)
  if (funds === 'invalid') problem('funds', 'invalid_value', `「${raw('funds').trim()}」不是金额（如 5000、5,000、5000元、0.5万）`)
  else if (funds !== null && String(funds) !== raw('funds').trim()) warn('funds', 'funds_normalized', raw('funds'), String(funds))

  const { startDate, endDate } = readDateRange({ raw, numeric, problem, warn }, 'startDate', 'endDate')

  if (problems.length > 0 || !name || !household) return { record: null, problems, warnings, idNumber }
  const record = PairingRecordSchema.parse({
    helper: { name, unit: unit ?? '', phone: phone ?? '', partyMember: party === 'invalid' ? null : party },
    household, idNumber, measures, funds, startDate, endDate,
  })
  return { record, problems, warnings, idNumber }
}

/** Masks phone numbers and 身份证号 in import warnings unless the person asked to see them. */
export function presentPairingImport(result: PairingImportResult, reveal: boolean): PairingImportResult {
  if (reveal) return result
  return {
    ...result,
    warnings: result.warnings.map((w) => {
      if (w.field === 'phone') return { ...w, from: maskPhone(w.from.trim()), to: maskPhone(w.to) }
      if (w.field === 'idNumber') return { ...w, from: maskIdNumber(w.from.trim()), to: maskIdNumber(w.to) }
      return w
    }),
  }
}

/**
 * The rejected rows of a pairing batch, for `pair rejects` (the same export as roster rejects).
 * @throws NotFoundError BATCH_NOT_FOUND
 */
export function rejectedPairingRows(db: Db, batchId: number): RejectedRowExport {
  return readRejectedRows(db, batchId, 'pairing', `找不到第 ${batchId} 批结对帮扶导入`, '批次号见 `cjfp pair import` 的结果')
}

// ───────────────────────────── assign, end, list ─────────────────────────────

export const AssignPairingSchema = z
  .object({
    helperName: z.string().trim().min(1, '帮扶人姓名不能为空'),
    unit: z.string().trim().min(1, '工作单位不能为空'),
    phone: z.string().optional(),
    partyMember: z.boolean().optional(),
    household: z.string().trim().min(1).optional(),
    idNumber: z.string().trim().min(1).optional(),
    measures: z.string().trim().min(1, '帮扶措施不能为空'),
    funds: z.union([z.number(), z.string()]),
    start: z.string().optional(),
  })
  .refine((v) => (v.household === undefined) !== (v.idNumber === undefined), { message: '户编号和身份证号须给出且只给出一个' })
export type AssignPairingInput = z.input<typeof AssignPairingSchema>

export interface PairingItem {
  id: number
  helperId: number
  helper: string
  unit: string
  phone: string | null
  partyMember: boolean | null
  /** The household number (a 身份证号 standing in for one is masked unless revealed). */
  household: string
  /** The member the pairing was made through, masked unless revealed. */
  idNumber: string | null
  townshipCode: string | null
  township: string | null
  village: string | null
  members: string[]
  measures: string | null
  funds: number | null
  startDate: string | null
  endDate: string | null
  active: boolean
  /** The household is not on the newest roster. */
  stale: boolean
  batch: number | null
}

interface PairingRow {
  id: number; helper_id: number; helper: string; unit: string; phone: string; party_member: number | null; household_no: string
  id_number: string | null; measures: string | null; funds: number | null; start_date: string | null; end_date: string | null
  batch_id: number | null; township_code: string | null; township_name: string | null; village_name: string | null; members: string | null
  on_roster: number; active: number
}

const PAIRING_SELECT = `SELECT p.id, p.helper_id, h.name AS helper, h.unit, h.phone, h.party_member, p.household_no, p.id_number, p.measures, p.funds,
    p.start_date, p.end_date, p.batch_id, hh.township_code, hh.township_name, hh.village_name, hh.members, hh.hh IS NOT NULL AS on_roster,
    ${ACTIVE} AS active
  FROM pairings p JOIN helpers h ON h.id = p.helper_id LEFT JOIN hh ON hh.hh = p.household_no`

function toItem(r: PairingRow, reveal: boolean): PairingItem {
  return {
    id: r.id, helperId: r.helper_id, helper: r.helper, unit: r.unit,
    phone: r.phone ? (reveal ? r.phone : maskPhone(r.phone)) : null,
    partyMember: r.party_member === null ? null : r.party_member === 1,
    household: showHousehold(r.household_no, reveal),
    idNumber: r.id_number ? (reveal ? r.id_number : maskIdNumber(r.id_number)) : null,
    townshipCode: r.township_code, township: r.township_name, village: r.village_name,
    members: r.members ? r.members.split('、') : [],
    measures: r.measures, funds: r.funds, startDate: r.start_date, endDate: r.end_date,
    active: r.active === 1, stale: r.on_roster !== 1, batch: r.batch_id,
  }
}

function getPairing(db: Db, id: number, reveal: boolean, today: string): PairingItem {
  const period = latestPeriodOrNull(db)
  const row = db.prepare(`WITH ${HOUSEHOLDS_CTE} ${PAIRING_SELECT} WHERE p.id = @id`).get({ ...rosterParams(db, period), id, today }) as PairingRow | undefined
  if (!row) throw new NotFoundError('PAIRING_NOT_FOUND', `找不到结对记录 ${id}`, { hint: '用 `cjfp pair list --all` 查看结对记录及其编号' })
  return toItem(row, reveal)
}

function usage(message: string, code = 'PAIRING_INPUT_INVALID'): UsageError {
  return new UsageError(code, message, { hint: '用 `cjfp pair assign --help` 查看用法' })
}

/**
 * Pairs a helper with a household of the newest roster (found by household number or a member's 身份证号).
 * @throws UsageError PAIRING_INPUT_INVALID, FUNDS_INVALID, DATE_INVALID, ID_INVALID; NotFoundError NO_ROSTER, HOUSEHOLD_NOT_FOUND;
 *   ConflictError PAIRING_EXISTS
 */
export function assignPairing(db: Db, input: AssignPairingInput, options: { operator: string; today?: Date; reveal?: boolean }): PairingItem {
  const parsed = AssignPairingSchema.safeParse(input)
  if (!parsed.success) throw usage(parsed.error.issues[0]?.message ?? '参数有误')
  const v = parsed.data
  const funds = typeof v.funds === 'number' ? (v.funds >= 0 ? v.funds : 'invalid') : parseFunds(v.funds)
  if (funds === 'invalid' || funds === null) throw usage(`帮扶资金「${v.funds}」不是金额（如 5000、5000元、0.5万）`, 'FUNDS_INVALID')
  const phone = parsePhone(v.phone ?? '')
  if (phone === 'invalid') throw usage('电话号码不对：应为 11 位手机号或带区号的固定电话')
  const today = localDate(options.today)
  const start = v.start === undefined ? today : parseDate(v.start)
  if (start === 'invalid' || start === null) throw usage(`开始日期「${v.start}」不是日期（如 2026-03-05）`, 'DATE_INVALID')

  const period = latestPeriod(db)
  const finder = new HouseholdFinder(db, period)
  let household: string | null
  let idNumber: string | null = null
  if (v.idNumber !== undefined) {
    idNumber = normalizeIdLike(v.idNumber).value
    const issue = checkIdNumber(idNumber)
    if (issue) throw usage(`身份证号${ID_MESSAGES[issue]}`, 'ID_INVALID')
    household = finder.ofPerson(idNumber)
    if (!household) throw new NotFoundError('HOUSEHOLD_NOT_FOUND', `身份证号 ${maskIdNumber(idNumber)} 不在 ${period} 期花名册上`, { hint: '用 `cjfp roster list` 查看花名册' })
  } else {
    household = toHalfWidth(v.household!).trim()
    if (!finder.has(household)) throw new NotFoundError('HOUSEHOLD_NOT_FOUND', `户编号 ${household} 不在 ${period} 期花名册上`, { hint: '用 `cjfp roster list` 查看各户的户编号' })
  }

  const id = db.transaction(() => {
    const writer = new PairingWriter(db, options.operator, today)
    const helper = writer.helper({ name: v.helperName, unit: v.unit, phone: phone ?? '', partyMember: v.partyMember ?? null })
    const existing = writer.activePairing(helper.id, household)
    if (existing !== null) {
      throw new ConflictError('PAIRING_EXISTS', `${v.helperName}（${v.unit}）已与这一户结对（结对记录 ${existing}）`, {
        hint: `如要改结对内容，先用 \`cjfp pair end ${existing}\` 结束原结对`,
      })
    }
    const made = writer.pairing(helper.id, { helper: { name: v.helperName, unit: v.unit, phone: phone ?? '', partyMember: v.partyMember ?? null },
      household, idNumber, measures: v.measures, funds, startDate: start, endDate: null }, { batch: null, row: null })
    recordAudit(db, options.operator, 'pairing.assign', `pairing:${made.id}`, { helperId: helper.id, helperCreated: helper.created, funds })
    return made.id
  })()
  return getPairing(db, id, Boolean(options.reveal), today)
}

/**
 * Ends a pairing on a date (default today); from then on it no longer counts in the check.
 * @throws NotFoundError PAIRING_NOT_FOUND; UsageError DATE_INVALID; ConflictError PAIRING_ALREADY_ENDED
 */
export function endPairing(db: Db, pairingId: number, options: { date?: string; operator: string; today?: Date; reveal?: boolean }): PairingItem {
  const today = localDate(options.today)
  const row = db.prepare('SELECT id, start_date, end_date FROM pairings WHERE id = ?').get(pairingId) as
    | { id: number; start_date: string | null; end_date: string | null }
    | undefined
  if (!row) throw new NotFoundError('PAIRING_NOT_FOUND', `找不到结对记录 ${pairingId}`, { hint: '用 `cjfp pair list --all` 查看结对记录及其编号' })
  const date = options.date === undefined ? today : parseDate(options.date)
  if (date === 'invalid' || date === null) throw usage(`结束日期「${options.date}」不是日期（如 2026-03-05）`, 'DATE_INVALID')
  if (row.end_date !== null && row.end_date <= today) {
    throw new ConflictError('PAIRING_ALREADY_ENDED', `结对记录 ${pairingId} 已于 ${row.end_date} 结束`)
  }
  if (row.start_date && date < row.start_date) throw usage(`结束日期 ${date} 早于开始日期 ${row.start_date}`, 'DATE_INVALID')
  db.transaction(() => {
    db.prepare('UPDATE pairings SET end_date = ?, updated_at = ?, updated_by = ? WHERE id = ?').run(date, new Date().toISOString(), options.operator, pairingId)
    recordAudit(db, options.operator, 'pairing.end', `pairing:${pairingId}`, { endDate: date })
  })()
  return getPairing(db, pairingId, Boolean(options.reveal), today)
}

export interface PairingFilter {
  township?: string
  village?: string
  helper?: string
  /** Only active pairings (default); false lists ended ones too. */
  active?: boolean
}

/** Pairings with where their household lives on the newest roster; phones and IDs masked unless reveal. */
export function listPairings(db: Db, filter: PairingFilter = {}, options: { reveal?: boolean; today?: Date } = {}): PairingItem[] {
  const period = latestPeriodOrNull(db)
  const rows = db
    .prepare(`WITH ${HOUSEHOLDS_CTE} ${PAIRING_SELECT}
      WHERE (@onlyActive = 0 OR ${ACTIVE})
        AND (@township IS NULL OR hh.township_code = @township OR hh.township_name = @township)
        AND (@village IS NULL OR hh.village_code = @village OR hh.village_name = @village)
        AND (@helper IS NULL OR instr(h.name, @helper) > 0)
      ORDER BY hh.township_code IS NULL, hh.township_code, hh.village_code, p.household_no, p.id`)
    .all({
      ...rosterParams(db, period), today: localDate(options.today), onlyActive: filter.active === false ? 0 : 1,
      township: filter.township?.trim() || null, village: filter.village?.trim() || null, helper: filter.helper?.trim() || null,
    }) as PairingRow[]
  return rows.map((r) => toItem(r, Boolean(options.reveal)))
}

// ───────────────────────────── coverage ─────────────────────────────

export interface PairingCoverage {
  households: number
  withHelper: number
  withMeasures: number
  withFunds: number
  /** Households with all three. */
  complete: number
  /** complete / households in percent (two decimals); null when the region has no household. */
  rate: number | null
}

export type PairingGapKind = 'helper' | 'measures' | 'funds'
const GAP_LABELS: Record<PairingGapKind, string> = { helper: '帮扶人', measures: '帮扶措施', funds: '帮扶资金' }

export interface PairingGap {
  household: string
  townshipCode: string | null
  township: string | null
  village: string | null
  members: string[]
  missing: PairingGapKind[]
  /** 帮扶人、帮扶措施 … in Chinese. */
  missingText: string
}

export interface PairingCheck {
  period: string
  asOf: string
  township: string | null
  total: PairingCoverage & { gaps: number }
  townships: Array<PairingCoverage & { townshipCode: string | null; township: string; gaps: number }>
  gaps: PairingGap[]
  /** Active pairings whose household is not on the period's roster. */
  stale: Array<{ id: number; helper: string; unit: string; household: string; startDate: string | null }>
}

interface CoverageRow extends HouseholdRow {
  helpers: number
  measures: number
  funds: number
}

/** Every household of a period with what its active pairings provide. */
function coverageRows(db: Db, period: string, today: string, where = '1', extra: Record<string, string | number> = {}): CoverageRow[] {
  return db
    .prepare(`WITH ${HOUSEHOLDS_CTE},
      pa AS (SELECT p.household_no AS hh, count(*) AS helpers, max(coalesce(trim(p.measures), '') <> '') AS measures,
          max(coalesce(p.funds, 0) > 0) AS funds
        FROM pairings p WHERE ${ACTIVE} GROUP BY p.household_no)
      SELECT hh.*, coalesce(pa.helpers, 0) AS helpers, coalesce(pa.measures, 0) AS measures, coalesce(pa.funds, 0) AS funds
      FROM hh LEFT JOIN pa ON pa.hh = hh.hh WHERE ${where}
      ORDER BY hh.township_code IS NULL, hh.township_code, hh.village_code, hh.hh`)
    .all({ ...periodParams(db, period), today, ...extra }) as CoverageRow[]
}

function gapsOf(r: CoverageRow): PairingGapKind[] {
  const missing: PairingGapKind[] = []
  if (r.helpers === 0) missing.push('helper')
  if (!r.measures) missing.push('measures')
  if (!r.funds) missing.push('funds')
  return missing
}

function tally(rows: CoverageRow[]): PairingCoverage {
  const count = (test: (r: CoverageRow) => boolean) => rows.reduce((n, r) => n + (test(r) ? 1 : 0), 0)
  const complete = count((r) => gapsOf(r).length === 0)
  return {
    households: rows.length,
    withHelper: count((r) => r.helpers > 0),
    withMeasures: count((r) => r.measures === 1),
    withFunds: count((r) => r.funds === 1),
    complete,
    rate: rows.length === 0 ? null : Math.round((complete / rows.length) * 10000) / 100,
  }
}

/**
 * Pairing coverage of the households in a region (a code prefix: county and above by county code,
 * township and village by their own code) for one roster period. Read-only; for tasks and reports.
 */
export function pairingCoverage(db: Db, period: string, regionCode: string, options: { today?: Date } = {}): PairingCoverage {
  const column = regionCode.length <= 6 ? 'county_code' : regionCode.length <= 9 ? 'township_code' : 'village_code'
  const rows = coverageRows(db, period, localDate(options.today), `substr(hh.${column}, 1, @len) = @prefix`, { prefix: regionCode, len: regionCode.length })
  return tally(rows)
}

/** Pairing coverage of the households of one place (county, township, village as the roster gives them). */
export interface PlaceCoverage extends Omit<PairingCoverage, 'rate'> {
  county: string | null
  township: string | null
  village: string | null
}

/**
 * Pairing coverage of a period's households grouped by place, in one pass over the roster; sum the
 * places of a region with coverageIn. For task lists and reports that need many regions at once.
 */
export function pairingCoverageByPlace(db: Db, period: string, options: { today?: Date } = {}): PlaceCoverage[] {
  return db
    .prepare(`WITH ${HOUSEHOLDS_CTE.replace(", group_concat(name, '、') AS members", '')},
      pa AS (SELECT p.household_no AS hh, count(*) AS helpers, max(coalesce(trim(p.measures), '') <> '') AS measures, max(coalesce(p.funds, 0) > 0) AS funds
        FROM pairings p WHERE ${ACTIVE} GROUP BY p.household_no)
      SELECT hh.county_code AS county, hh.township_code AS township, hh.village_code AS village, count(*) AS households,
        coalesce(sum(pa.helpers > 0), 0) AS withHelper, coalesce(sum(pa.measures = 1), 0) AS withMeasures, coalesce(sum(pa.funds = 1), 0) AS withFunds,
        coalesce(sum(pa.helpers > 0 AND pa.measures = 1 AND pa.funds = 1), 0) AS complete
      FROM hh LEFT JOIN pa ON pa.hh = hh.hh GROUP BY 1, 2, 3`)
    .all({ ...periodParams(db, period), today: localDate(options.today) }) as PlaceCoverage[]
}

/** A region's pairing coverage from its summed places (see tasks.ts regionSums); none: no household. */
export function coverageFrom(sum: Omit<PairingCoverage, 'rate'> | undefined): PairingCoverage {
  const s = sum ?? { households: 0, withHelper: 0, withMeasures: 0, withFunds: 0, complete: 0 }
  return { ...s, rate: s.households === 0 ? null : Math.round((s.complete / s.households) * 10000) / 100 }
}

/**
 * The plan's check: every household registered in the period (default the newest) that lacks an
 * active helper, measures or funds, counted by township; plus active pairings of households that are
 * no longer on the roster.
 * @throws NotFoundError NO_ROSTER, PERIOD_NOT_FOUND; UsageError PERIOD_INVALID
 */
export function checkPairing(db: Db, options: { period?: string; township?: string; today?: Date; reveal?: boolean } = {}): PairingCheck {
  const period = options.period ? options.period.trim() : latestPeriod(db)
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period)) throw new UsageError('PERIOD_INVALID', `期别「${options.period}」格式不对，应为 年-月，如 2026-10`)
  const known = db.prepare("SELECT 1 FROM import_batches WHERE kind = 'roster' AND status = 'active' AND period = ? LIMIT 1").get(period)
  if (!known) throw new NotFoundError('PERIOD_NOT_FOUND', `${period} 期还没有导入花名册`, { hint: '用 `cjfp roster periods` 查看已导入的期别' })
  const today = localDate(options.today)
  const township = options.township?.trim() || null
  const rows = coverageRows(db, period, today, township ? '(hh.township_code = @township OR hh.township_name = @township)' : '1', township ? { township } : {})
  if (township && rows.length === 0) {
    throw new NotFoundError('TOWNSHIP_NOT_FOUND', `${period} 期花名册上没有「${township}」的户`, { hint: '写乡镇全称（如 海边街道）或乡镇代码' })
  }

  const groups = new Map<string, CoverageRow[]>()
  for (const r of rows) {
    const key = r.township_code ?? r.township_name ?? ''
    const list = groups.get(key)
    if (list) list.push(r)
    else groups.set(key, [r])
  }
  const reveal = Boolean(options.reveal)
  const gaps: PairingGap[] = []
  for (const r of rows) {
    const missing = gapsOf(r)
    if (missing.length === 0) continue
    gaps.push({
      household: showHousehold(r.hh, reveal), townshipCode: r.township_code, township: r.township_name, village: r.village_name,
      members: r.members ? r.members.split('、') : [], missing, missingText: missing.map((m) => GAP_LABELS[m]).join('、'),
    })
  }
  const stale = township ? [] : (db
    .prepare(`WITH ${HOUSEHOLDS_CTE} SELECT p.id, h.name AS helper, h.unit, p.household_no, p.start_date FROM pairings p JOIN helpers h ON h.id = p.helper_id
      WHERE ${ACTIVE} AND p.household_no NOT IN (SELECT hh FROM hh) ORDER BY p.id`)
    .all({ ...periodParams(db, period), today }) as Array<{ id: number; helper: string; unit: string; household_no: string; start_date: string | null }>)
    .map((s) => ({ id: s.id, helper: s.helper, unit: s.unit, household: showHousehold(s.household_no, reveal), startDate: s.start_date }))

  const total = tally(rows)
  return {
    period, asOf: today, township,
    total: { ...total, gaps: total.households - total.complete },
    townships: [...groups.values()].map((list) => {
      const t = tally(list)
      return { townshipCode: list[0].township_code, township: list[0].township_name ?? '（未填）', ...t, gaps: t.households - t.complete }
    }),
    gaps,
    stale,
  }
}

/** The workbook `pair check --out` writes: counts by township, the gap list, and stale pairings. */
export function pairingCheckSheets(check: PairingCheck): TableSheet[] {
  const rate = (r: number | null) => (r === null ? null : r)
  return [
    {
      name: '按乡镇',
      headers: ['乡镇', '登记户数', '有帮扶人', '有帮扶措施', '有帮扶资金', '三项齐全', '缺口户数', '覆盖率(%)'],
      rows: [
        ...check.townships.map((t) => [t.township, t.households, t.withHelper, t.withMeasures, t.withFunds, t.complete, t.gaps, rate(t.rate)]),
        ['合计', check.total.households, check.total.withHelper, check.total.withMeasures, check.total.withFunds, check.total.complete, check.total.gaps, rate(check.total.rate)],
      ],
    },
    {
      name: '缺口清单',
      headers: ['乡镇', '村', '户编号', '家庭成员', '缺少'],
      rows: check.gaps.map((g) => [g.township ?? '', g.village ?? '', g.household, g.members.join('、'), g.missingText]),
    },
    {
      name: '不在花名册的结对',
      headers: ['结对记录', '帮扶人', '工作单位', '户编号', '开始日期'],
      rows: check.stale.map((s) => [s.id, s.helper, s.unit, s.household, s.startDate ?? '']),
    },
  ]
}
