/**
 * 花名册导入: read a clerk's file, find the header, validate every row, and write the good rows,
 * the rejected rows (with their original cells) and the batch record in one transaction.
 * The same bytes imported twice change nothing.
 */
import { basename } from 'node:path'
import { getArea } from './area.js'
import { recordAudit } from './audit.js'
import { getConfigValue } from './config.js'
import { backupFile, type Db } from './db.js'
import { ConflictError, NotFoundError, UsageError, ValidationError } from './errors.js'
import { detectHeader, HEADER_SEARCH_ROWS } from './header-detect.js'
import { maskIdNumber, maskPhone } from './output.js'
import { regionIndexFor } from './regions.js'
import { fieldForHeader, normalizeHeader, REQUIRED_ROSTER_FIELDS, ROSTER_FIELDS, ROSTER_HEADERS, type RosterField } from './roster-fields.js'
import {
  isBlankRow, isTotalRow, type RosterRecord, type RowContext, type RowProblem, validateRosterRow,
} from './roster-validate.js'
import { type EncodingChoice, openTable, sha256File, type SourceRow } from './table-reader.js'

export interface ImportOptions {
  period: string
  operator: string
  sheet?: string
  encoding?: EncodingChoice
  dryRun?: boolean
  strict?: boolean
  force?: boolean
  /** The file replaces every earlier batch of the same period (a corrected full roster). */
  replace?: boolean
  /** Header → field, given with --map; remembered after a successful import. */
  map?: Record<string, string>
  /** Asked when the required columns cannot be found (a TTY prompt); returns header → field. */
  resolveMapping?: (question: MappingQuestion) => Promise<Record<string, RosterField>>
  onProgress?: (rows: number) => void
  backupDir?: string
  today?: Date
}

export interface MappingQuestion {
  file: string
  headers: string[]
  missing: RosterField[]
  fields: Array<{ field: RosterField; label: string }>
}

export interface ImportResult {
  batch: number | null
  period: string
  file: string
  sha256: string
  alreadyImported: boolean
  dryRun: boolean
  format: string
  encoding: string | null
  sheet: string | null
  rows: { total: number; accepted: number; rejected: number; skipped: number }
  rejected: Array<{ row: number; column: string; code: string; message: string }>
  warnings: Array<{ row: number; column: string; code: string; from: string; to: string; field?: string }>
  headerRow: number
  mapping: Record<string, string>
  unknownColumns: string[]
  replacedBatches: number[]
  backup: string | null
}

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/

/** @throws UsageError PERIOD_INVALID */
export function checkPeriod(period: string): string {
  const text = period.trim()
  if (!PERIOD_PATTERN.test(text)) {
    throw new UsageError('PERIOD_INVALID', `期别「${period}」格式不对，应为 年-月，如 2026-10`)
  }
  return text
}

const STATUS_VARIANTS: Record<string, string> = {
  脱贫: '已脱贫', 稳定脱贫: '已脱贫', 脱贫户: '已脱贫', 已脱贫户: '已脱贫', 已脱贫人口: '已脱贫', 脱贫人口: '已脱贫',
  贫困: '未脱贫', 贫困户: '未脱贫', 未脱贫户: '未脱贫', 贫困人口: '未脱贫', 未脱贫人口: '未脱贫',
  返贫户: '返贫', 返贫人口: '返贫', 返贫致贫: '返贫',
  脱贫不稳定: '脱贫不稳定户', 边缘易致贫: '边缘易致贫户', 突发严重困难: '突发严重困难户', 边缘户: '边缘易致贫户',
}

function statusLookup(db: Db): Map<string, string> {
  const names = (db.prepare('SELECT name FROM poverty_statuses ORDER BY seq').all() as Array<{ name: string }>).map((r) => r.name)
  const map = new Map<string, string>()
  for (const name of names) map.set(name, name)
  for (const [variant, name] of Object.entries(STATUS_VARIANTS)) if (names.includes(name)) map.set(variant, name)
  return map
}

/** Accepts English field names and the Chinese headers this tool writes. */
export function parseFieldName(text: string): RosterField | undefined {
  if ((ROSTER_FIELDS as readonly string[]).includes(text)) return text as RosterField
  return fieldForHeader(text)
}

function rememberedMappings(db: Db): Map<string, RosterField> {
  const rows = db.prepare("SELECT header, field FROM column_mappings WHERE kind = 'roster'").all() as Array<{ header: string; field: RosterField }>
  return new Map(rows.map((r) => [r.header, r.field]))
}

interface ExistingBatch {
  id: number
  period: string
  file_name: string
  total_rows: number
  accepted_rows: number
  rejected_rows: number
  skipped_rows: number
}

/**
 * Imports one roster file for a period.
 * @throws UsageError PERIOD_INVALID, MAP_INVALID; FileError (unreadable file); NotFoundError SHEET_NOT_FOUND;
 *   ValidationError ROSTER_HEADER_NOT_FOUND, ROSTER_REJECTED_STRICT; ConflictError ROSTER_SAME_FILE_OTHER_PERIOD
 */
export async function importRoster(db: Db, file: string, options: ImportOptions): Promise<ImportResult> {
  const period = checkPeriod(options.period)
  const area = getArea(db)
  const regions = regionIndexFor(db)
  const areaRegion = regions.find(area.code)
  const fixed = rememberedMappings(db)
  for (const [header, fieldText] of Object.entries(options.map ?? {})) {
    const field = parseFieldName(fieldText)
    if (!field) {
      throw new UsageError('MAP_INVALID', `--map ${header}=${fieldText}：不认识字段「${fieldText}」`, {
        hint: `可用字段：${ROSTER_FIELDS.map((f) => `${f}（${ROSTER_HEADERS[f][0]}）`).join('、')}`,
      })
    }
    fixed.set(normalizeHeader(header), field)
  }

  const source = await openTable(file, { sheet: options.sheet, encoding: options.encoding })
  const sha256 = await sha256File(file)
  const fileName = basename(file)
  const base = {
    period, file: fileName, sha256, dryRun: Boolean(options.dryRun), format: source.format, encoding: source.encoding, sheet: source.sheet,
  }

  const same = db
    .prepare("SELECT id, period, file_name, total_rows, accepted_rows, rejected_rows, skipped_rows FROM import_batches WHERE kind = 'roster' AND sha256 = ? AND status = 'active' ORDER BY id")
    .all(sha256) as ExistingBatch[]
  const samePeriod = same.find((b) => b.period === period)
  if (samePeriod && !options.force) {
    return {
      ...base, batch: samePeriod.id, alreadyImported: true,
      rows: { total: samePeriod.total_rows, accepted: samePeriod.accepted_rows, rejected: samePeriod.rejected_rows, skipped: samePeriod.skipped_rows },
      rejected: [], warnings: [], headerRow: 0, mapping: {}, unknownColumns: [], replacedBatches: [], backup: null,
    }
  }
  const otherPeriod = same.find((b) => b.period !== period)
  if (otherPeriod && !options.force) {
    throw new ConflictError(
      'ROSTER_SAME_FILE_OTHER_PERIOD',
      `${fileName} 与已导入 ${otherPeriod.period} 期的第 ${otherPeriod.id} 批（${otherPeriod.file_name}）内容完全相同，可能选错了月份的文件`,
      { hint: '确认无误后加 --force 再导入' },
    )
  }

  // Read until the header is found; the rest streams.
  const iterator = source.batches()[Symbol.asyncIterator]()
  const head: SourceRow[] = []
  let pending: SourceRow[] = []
  while (head.length < HEADER_SEARCH_ROWS) {
    const next = await iterator.next()
    if (next.done) break
    for (const row of next.value) {
      if (head.length < HEADER_SEARCH_ROWS) head.push(row)
      else pending.push(row)
    }
  }
  let header = detectHeader(head.map((r) => r.cells), fieldForHeader, fixed)
  let missing = header ? REQUIRED_ROSTER_FIELDS.filter((f) => header!.columns[f] === undefined) : [...REQUIRED_ROSTER_FIELDS]
  if (missing.length > 0 && options.resolveMapping && header) {
    const answer = await options.resolveMapping({
      file: fileName, headers: header.headers, missing,
      fields: ROSTER_FIELDS.map((field) => ({ field, label: ROSTER_HEADERS[field][0] })),
    })
    for (const [h, f] of Object.entries(answer)) fixed.set(normalizeHeader(h), f)
    header = detectHeader(head.map((r) => r.cells), fieldForHeader, fixed)
    missing = header ? REQUIRED_ROSTER_FIELDS.filter((f) => header!.columns[f] === undefined) : [...REQUIRED_ROSTER_FIELDS]
  }
  if (!header || missing.length > 0) {
    const seen = header?.headers.filter((h) => !h.startsWith('第')).join('、') || '（前 30 行中没有找到表头）'
    throw new ValidationError(
      'ROSTER_HEADER_NOT_FOUND',
      `${fileName} 中找不到${missing.map((f) => `「${ROSTER_HEADERS[f][0]}」`).join('、')}列。表头为：${seen}`,
      { hint: '用 --map 列名=字段 指明，如 --map 证件号=idNumber；指明一次后下月会记住', details: { headers: header?.headers ?? [], missing } },
    )
  }
  const headerRowNumber = head[header.headerIndex].rowNumber
  const dataRows = [...head.slice(header.headerIndex + 1), ...pending]
  pending = []

  // A 序号 column is renumbered every month and means nothing on its own: not kept.
  const kept = [...header.unknownColumns, ...header.duplicateColumns].filter((i) => normalizeHeader(header!.headers[i]) !== '序号').sort((a, b) => a - b)
  const ctx: RowContext = {
    area: areaRegion, regions, headers: header.headers, columns: header.columns, unknownColumns: kept,
    statuses: statusLookup(db), today: options.today ?? new Date(), countyCache: new Map(), townshipCache: new Map(),
  }
  const mapping: Record<string, string> = {}
  for (const field of ROSTER_FIELDS) if (header.columns[field] !== undefined) mapping[header.headers[header.columns[field]!]] = field

  const hasData = (db.prepare('SELECT EXISTS (SELECT 1 FROM roster_entries) AS x').get() as { x: number }).x === 1
  // A backup before a write that matters; a fresh database has nothing to lose.
  const backup = !options.dryRun && hasData
    ? backupFile(db.name, options.backupDir ?? getConfigValue(db, 'backup.dir') ?? undefined, 'before-roster-import', Number(getConfigValue(db, 'backup.keep')))
    : null

  const writer = new RosterWriter(db, period, Boolean(options.dryRun))
  const result: ImportResult = {
    ...base, batch: null, alreadyImported: false,
    rows: { total: 0, accepted: 0, rejected: 0, skipped: 0 },
    rejected: [], warnings: [], headerRow: headerRowNumber, mapping,
    unknownColumns: ctx.unknownColumns.map((i) => header!.headers[i]), replacedBatches: [], backup,
  }

  db.exec('BEGIN IMMEDIATE')
  try {
    const batchId = writer.begin({
      fileName, sha256, sheet: source.sheet, encoding: source.encoding, operator: options.operator,
      columns: header.headers, mapping,
    })
    result.batch = options.dryRun ? null : batchId
    const toReplace = options.replace
      ? (db.prepare("SELECT id FROM import_batches WHERE kind = 'roster' AND period = ? AND status = 'active' AND id <> ?").all(period, batchId) as Array<{ id: number }>).map((r) => r.id)
      : options.force && samePeriod ? [samePeriod.id] : []
    for (const id of toReplace) writer.supersede(id, batchId)
    result.replacedBatches = toReplace
    const periodHasEntries = writer.periodHasEntries()

    const firstRowOf = new Map<string, number>()
    const handle = (row: SourceRow) => {
      result.rows.total++
      if (isBlankRow(row.cells) || isTotalRow(row.cells)) {
        result.rows.skipped++
        return
      }
      const outcome = validateRosterRow(row.rowNumber, row.cells, row.numericCells, ctx)
      for (const w of outcome.warnings) result.warnings.push(w)
      let problems: RowProblem[] = outcome.ok ? [] : outcome.problems
      const id = outcome.ok ? outcome.record.idNumber : outcome.idNumber
      if (id) {
        const first = firstRowOf.get(id)
        if (first !== undefined) {
          problems = [...problems, duplicateProblem(row.rowNumber, header!.headers[header!.columns.idNumber!], `与本文件第 ${first} 行重复（第 ${first} 行已保留）`)]
        } else {
          firstRowOf.set(id, row.rowNumber)
          const earlier = periodHasEntries ? writer.entryInPeriod(id) : undefined
          if (earlier) {
            problems = [...problems, duplicateProblem(row.rowNumber, header!.headers[header!.columns.idNumber!], `本期已由第 ${earlier.batch_id} 批第 ${earlier.row_number} 行导入`)]
          }
        }
      }
      if (problems.length === 0 && outcome.ok) {
        writer.accept(row.rowNumber, outcome.record)
        result.rows.accepted++
      } else {
        writer.reject(row, problems, id, outcome.ok ? null : outcome.countyCode)
        result.rows.rejected++
        for (const p of problems) result.rejected.push(p)
      }
    }
    for (const row of dataRows) handle(row)
    options.onProgress?.(result.rows.total)
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      for (const row of next.value) handle(row)
      options.onProgress?.(result.rows.total)
    }

    writer.finish(result, regions)
    if (options.strict && result.rows.rejected > 0) {
      db.exec('ROLLBACK')
      throw new ValidationError('ROSTER_REJECTED_STRICT', `${fileName} 有 ${result.rows.rejected} 行未通过检查；使用了 --strict，本次没有导入任何数据`, {
        hint: '去掉 --strict 可先导入合格的行，退回的行可用 `cjfp roster rejects` 导出修改',
        details: { rejected: result.rejected.slice(0, 1000) },
      })
    }
    if (options.dryRun) {
      db.exec('ROLLBACK')
    } else {
      recordAudit(db, options.operator, 'roster.import', `batch:${batchId}`, {
        period, file: fileName, sha256, rows: result.rows, replacedBatches: result.replacedBatches,
      })
      db.exec('COMMIT')
    }
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw error
  }
  return result
}

function duplicateProblem(row: number, column: string, detail: string): RowProblem {
  return { row, column, code: 'duplicate_id', message: `第 ${row} 行「${column}」${detail}` }
}

/** Prepared statements for one import; all writes go through here. */
class RosterWriter {
  private batchId = 0
  private readonly insertEntry
  private readonly insertReject
  private readonly insertWarning
  private readonly findEntry
  private readonly villages = new Map<string, { name: string | null; township: string }>()

  constructor(private readonly db: Db, private readonly period: string, private readonly dryRun: boolean) {
    // Positional parameters: the hot path of a 1M-row import.
    this.insertEntry = db.prepare(`INSERT INTO roster_entries (period, id_number, batch_id, row_number, name, gender, household_no, relation,
      household_size, poverty_cause, county_code, township_code, village_code, township_name, village_name, cert_number, category, grade,
      poverty_status, exit_year, phone, extra_json) VALUES (${Array(22).fill('?').join(', ')})`)
    this.insertReject = db.prepare(`INSERT INTO rejected_rows (batch_id, row_number, id_number, county_code, cells_json, errors_json)
      VALUES (?, ?, ?, ?, ?, ?)`)
    this.insertWarning = db.prepare(`INSERT INTO import_warnings (batch_id, row_number, column_name, code, from_value, to_value)
      VALUES (?, ?, ?, ?, ?, ?)`)
    this.findEntry = db.prepare('SELECT batch_id, row_number FROM roster_entries WHERE period = ? AND id_number = ?')
  }

  begin(info: { fileName: string; sha256: string; sheet: string | null; encoding: string | null; operator: string; columns: string[]; mapping: Record<string, string> }): number {
    const run = this.db
      .prepare(`INSERT INTO import_batches (kind, period, file_name, sha256, sheet, encoding, columns_json, mapping_json, imported_at, operator)
        VALUES ('roster', @period, @fileName, @sha256, @sheet, @encoding, @columns, @mapping, @at, @operator)`)
      .run({ period: this.period, ...info, columns: JSON.stringify(info.columns), mapping: JSON.stringify(info.mapping), at: new Date().toISOString() })
    this.batchId = Number(run.lastInsertRowid)
    return this.batchId
  }

  supersede(oldBatch: number, _newBatch: number): void {
    this.db.prepare("UPDATE import_batches SET status = 'superseded' WHERE id = ?").run(oldBatch)
    this.db.prepare('DELETE FROM roster_entries WHERE period = ? AND batch_id = ?').run(this.period, oldBatch)
  }

  periodHasEntries(): boolean {
    return Boolean(this.db.prepare('SELECT 1 FROM roster_entries WHERE period = ? LIMIT 1').get(this.period))
  }

  entryInPeriod(id: string): { batch_id: number; row_number: number } | undefined {
    return this.findEntry.get(this.period, id) as { batch_id: number; row_number: number } | undefined
  }

  accept(rowNumber: number, r: RosterRecord): void {
    if (this.dryRun) return
    if (r.villageCode && r.townshipCode && !this.villages.has(r.villageCode)) {
      this.villages.set(r.villageCode, { name: r.villageName, township: r.townshipCode })
    }
    this.insertEntry.run(
      this.period, r.idNumber, this.batchId, rowNumber, r.name, r.gender, r.householdNo, r.relation, r.householdSize, r.povertyCause,
      r.countyCode, r.townshipCode, r.villageCode, r.townshipName, r.villageName, r.certNumber, r.category, r.grade, r.povertyStatus,
      r.exitYear, r.phone, r.extra ? JSON.stringify(r.extra) : null,
    )
  }

  reject(row: SourceRow, problems: RowProblem[], id: string | null, countyCode: string | null): void {
    if (this.dryRun) return
    const errors = problems.map((p) => ({ column: p.column, code: p.code, message: p.message }))
    this.insertReject.run(this.batchId, row.rowNumber, id, countyCode, JSON.stringify(row.cells), JSON.stringify(errors))
  }

  /** Counts, warnings and the villages the file named. */
  finish(result: ImportResult, regions: ReturnType<typeof regionIndexFor>): void {
    if (this.dryRun) return
    for (const w of result.warnings) this.insertWarning.run(this.batchId, w.row, w.column, w.code, w.from, w.to)
    const now = new Date().toISOString()
    const addVillage = this.db.prepare(`INSERT OR IGNORE INTO regions (code, name, level, parent_code, reports_to, source, created_at)
      VALUES (?, ?, 'village', ?, ?, 'roster', ?)`)
    for (const [code, v] of this.villages) {
      if (regions.get(v.township)) addVillage.run(code, v.name ?? code, v.township, v.township, now)
    }
    this.db
      .prepare(`UPDATE import_batches SET total_rows = ?, accepted_rows = ?, rejected_rows = ?, skipped_rows = ?, warning_count = ? WHERE id = ?`)
      .run(result.rows.total, result.rows.accepted, result.rows.rejected, result.rows.skipped, result.warnings.length, this.batchId)
    const remember = this.db.prepare(`INSERT INTO column_mappings (kind, header, field, updated_at, updated_by) VALUES ('roster', ?, ?, ?, ?)
      ON CONFLICT (kind, header) DO UPDATE SET field = excluded.field, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
    const operator = (this.db.prepare('SELECT operator FROM import_batches WHERE id = ?').get(this.batchId) as { operator: string }).operator
    for (const [headerText, field] of Object.entries(result.mapping)) {
      // Only headers the built-in table does not know need remembering.
      if (fieldForHeader(headerText) !== field) remember.run(normalizeHeader(headerText), field, now, operator)
    }
  }
}

/** Masks 身份证号, 残疾人证号 and phone numbers in warnings unless the person asked to see them. */
export function presentWarnings(warnings: ImportResult['warnings'], reveal: boolean): ImportResult['warnings'] {
  if (reveal) return warnings
  return warnings.map((w) => {
    if (w.field === 'idNumber' || w.field === 'certNumber') return { ...w, from: maskIdNumber(w.from), to: maskIdNumber(w.to) }
    if (w.field === 'phone') return { ...w, from: maskPhone(w.from), to: maskPhone(w.to) }
    return w
  })
}

export interface RejectedRowExport {
  batch: number
  period: string
  file: string
  headers: string[]
  /** Columns holding 身份证号, 残疾人证号 or phone numbers (index → field), masked unless revealed. */
  sensitiveColumns: Record<number, 'idNumber' | 'certNumber' | 'phone'>
  rows: Array<{ row: number; cells: string[]; reasons: string }>
}

/**
 * The rejected rows of a batch with their original cells, for the clerk to fix and re-import.
 * @throws NotFoundError BATCH_NOT_FOUND
 */
export function rejectedRows(db: Db, batchId: number): RejectedRowExport {
  const batch = db.prepare("SELECT id, period, file_name, columns_json, mapping_json FROM import_batches WHERE id = ? AND kind = 'roster'").get(batchId) as
    | { id: number; period: string; file_name: string; columns_json: string | null; mapping_json: string | null }
    | undefined
  if (!batch) throw new NotFoundError('BATCH_NOT_FOUND', `找不到第 ${batchId} 批花名册导入`, { hint: '用 `cjfp roster periods` 查看各期的导入批次' })
  const rows = db.prepare('SELECT row_number, cells_json, errors_json FROM rejected_rows WHERE batch_id = ? ORDER BY row_number').all(batchId) as Array<{
    row_number: number
    cells_json: string
    errors_json: string
  }>
  const headers: string[] = batch.columns_json ? JSON.parse(batch.columns_json) : []
  const mapping: Record<string, string> = batch.mapping_json ? JSON.parse(batch.mapping_json) : {}
  const sensitive = new Set(['idNumber', 'certNumber', 'phone'])
  return {
    batch: batch.id,
    period: batch.period,
    file: batch.file_name,
    headers,
    sensitiveColumns: Object.fromEntries(headers.flatMap((h, i) => (sensitive.has(mapping[h]) ? [[i, mapping[h]]] : []))) as RejectedRowExport['sensitiveColumns'],
    rows: rows.map((r) => ({
      row: r.row_number,
      cells: JSON.parse(r.cells_json),
      reasons: (JSON.parse(r.errors_json) as Array<{ message: string }>).map((e) => e.message).join('；'),
    })),
  }
}

/** The sheet `roster rejects --out` writes: the original columns, then 错误原因 and 原行号. */
export function rejectsSheet(data: RejectedRowExport, reveal: boolean): { name: string; headers: string[]; rows: string[][] } {
  const width = Math.max(data.headers.length, ...data.rows.map((r) => r.cells.length))
  const headers = Array.from({ length: width }, (_, i) => data.headers[i] ?? `第${i + 1}列`)
  const mask = (cell: string, i: number) => {
    const field = data.sensitiveColumns[i]
    if (reveal || !field || cell.trim() === '') return cell
    return field === 'phone' ? maskPhone(cell.trim()) : maskIdNumber(cell.trim())
  }
  return {
    name: '退回行',
    headers: [...headers, '错误原因', '原行号'],
    rows: data.rows.map((r) => [...headers.map((_, i) => mask(r.cells[i] ?? '', i)), r.reasons, String(r.row)]),
  }
}
