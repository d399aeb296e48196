/**
 * 花名册导入: read a clerk's file, find the header, validate every row, and write the good rows,
 * the rejected rows (with their original cells) and the batch record in one transaction.
 * The same bytes imported twice change nothing.
 */
import type { Statement } from 'better-sqlite3'
import { statSync } from 'node:fs'
import { basename } from 'node:path'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'
import { getArea } from './area.js'
import { recordAudit } from './audit.js'
import { getConfigValue } from './config.js'
import { backupFile, type Db } from './db.js'
import { type AppError, ConflictError, DatabaseError, FileError, NotFoundError, UsageError, ValidationError } from './errors.js'
import { maskIdNumber, maskPhone } from './output.js'
import { regionIndexFor } from './regions.js'
import { fieldForHeader, normalizeHeader, ROSTER_FIELDS, ROSTER_HEADERS, type RosterField } from './roster-fields.js'
import {
  ACCEPTED_ID, ACCEPTED_TOWNSHIP_CODE, ACCEPTED_VILLAGE_CODE, ACCEPTED_VILLAGE_NAME, type AcceptedRow, AcceptedRows, type HeaderFound,
  type RejectedRow, type RowBatch, RosterStream, type StreamSetup,
} from './roster-stream.js'
import type { RowWarning } from './roster-validate.js'
import type { FromWorker, SerializedError, ToWorker, WorkerChannel } from './roster-worker.js'
import { type EncodingChoice, sha256File } from './table-reader.js'

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
  /** Read in a worker thread (default: for files of 4 MB and more). */
  parallel?: boolean
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
  /** The first LISTED_PROBLEMS problems; all of them are stored with the batch. */
  rejected: Array<{ row: number; column: string; code: string; message: string }>
  /** The first LISTED_PROBLEMS fixes; all of them are stored with the batch. */
  warnings: Array<{ row: number; column: string; code: string; from: string; to: string; field?: string }>
  rejectedByCode: Record<string, number>
  warningsByCode: Record<string, number>
  warningCount: number
  headerRow: number
  mapping: Record<string, string>
  unknownColumns: string[]
  replacedBatches: number[]
  backup: string | null
  /** Whether reading ran in a worker thread beside the writer. */
  parallel: boolean
}

/** How many problems and fixes an import result lists; a million-row file keeps the rest in the database. */
export const LISTED_PROBLEMS = 1000
/** Files at least this large are read in a worker thread while the main thread writes. */
const PARALLEL_FROM_BYTES = 4 * 1024 * 1024

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

function statusLookup(db: Db): Array<[string, string]> {
  const names = (db.prepare('SELECT name FROM poverty_statuses ORDER BY seq').all() as Array<{ name: string }>).map((r) => r.name)
  const map = new Map<string, string>()
  for (const name of names) map.set(name, name)
  for (const [variant, name] of Object.entries(STATUS_VARIANTS)) if (names.includes(name)) map.set(variant, name)
  return [...map]
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
  const parallel = shouldRunInParallel(file, options.parallel)
  // The reading thread loads its code and the region table while this one reads the database.
  const reader = parallel ? startReader() : null
  let source: RowSource
  let sha256: string | null
  try {
    const area = getArea(db)
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
    const periodHadRows = Boolean(db.prepare('SELECT 1 FROM roster_entries WHERE period = ? LIMIT 1').get(period))
    const setup: StreamSetup = {
      file, sheet: options.sheet, encoding: options.encoding, fixed: [...fixed], areaCode: area.code,
      extraRegions: regionIndexFor(db).all().filter((r) => r.level === 'village'), statuses: statusLookup(db),
      today: (options.today ?? new Date()).getTime(), keepCells: periodHadRows,
    }
    // The hash says whether the file was imported before. With no roster import in the database yet it
    // cannot have been, and is only recorded: the reading thread works it out beside the rows, rather
    // than the writer reading the whole file once before the first row.
    const hashLater = parallel && !db.prepare("SELECT 1 FROM import_batches WHERE kind = 'roster' AND status = 'active' LIMIT 1").get()
    // Otherwise hash the bytes while the reader opens the file and finds the header.
    const [hash, first] = await Promise.all([hashLater ? null : sha256File(file), openRowSource(setup, reader, hashLater)])
    sha256 = hash
    source = options.sheet ? first : await sheetWithRoster(first, setup, parallel, hashLater)
  } catch (error) {
    await reader?.stop()
    throw error
  }
  try {
    return await writeImport(db, source, { ...options, period, fileName: basename(file), sha256 })
  } finally {
    await source.close()
  }
}

/**
 * Workbooks often open on a 说明 or 汇总 sheet: when the first sheet has no roster header and no
 * --sheet was given, the first other sheet that has one is read instead.
 */
async function sheetWithRoster(first: RowSource, setup: StreamSetup, parallel: boolean, hashLater: boolean): Promise<RowSource> {
  const header = await first.header([])
  if (header.missing.length === 0 || header.sheets.length < 2) return first
  for (const sheet of header.sheets) {
    if (sheet === header.sheet) continue
    const other = await openRowSource({ ...setup, sheet }, parallel ? startReader() : null, hashLater)
    if ((await other.header([])).missing.length === 0) {
      await first.close()
      return other
    }
    await other.close()
  }
  return first
}

interface WriteContext extends ImportOptions {
  fileName: string
  /** null: no roster import in the database yet, and the source tells the hash once it has read the file. */
  sha256: string | null
}

async function writeImport(db: Db, source: RowSource, options: WriteContext): Promise<ImportResult> {
  const { period, fileName, sha256 } = options
  const same = sha256 === null ? [] : db
    .prepare("SELECT id, period, file_name, total_rows, accepted_rows, rejected_rows, skipped_rows FROM import_batches WHERE kind = 'roster' AND sha256 = ? AND status = 'active' ORDER BY id")
    .all(sha256) as ExistingBatch[]
  const samePeriod = same.find((b) => b.period === period)
  const base = {
    period, file: fileName, sha256: sha256 ?? '', dryRun: Boolean(options.dryRun), format: source.info.format, encoding: source.info.encoding, sheet: source.info.sheet,
    rejectedByCode: {}, warningsByCode: {}, warningCount: 0, parallel: source.parallel,
  }
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

  let header = await source.header([])
  if (header.missing.length > 0 && options.resolveMapping && header.headers.length > 0) {
    const answer = await options.resolveMapping({
      file: fileName, headers: header.headers, missing: header.missing,
      fields: ROSTER_FIELDS.map((field) => ({ field, label: ROSTER_HEADERS[field][0] })),
    })
    header = await source.header(Object.entries(answer))
  }
  if (header.missing.length > 0) {
    const seen = header.headers.filter((h) => !h.startsWith('第')).join('、') || '（前 30 行中没有找到表头）'
    throw new ValidationError(
      'ROSTER_HEADER_NOT_FOUND',
      `${fileName} 中找不到${header.missing.map((f) => `「${ROSTER_HEADERS[f][0]}」`).join('、')}列。表头为：${seen}`,
      { hint: '用 --map 列名=字段 指明，如 --map 证件号=idNumber；指明一次后下月会记住', details: { headers: header.headers, missing: header.missing } },
    )
  }

  // A backup before a write that matters; a fresh database has nothing to lose.
  const hasData = Boolean(db.prepare('SELECT 1 FROM roster_entries LIMIT 1').get())
  const backup = !options.dryRun && hasData
    ? backupFile(db.name, options.backupDir ?? getConfigValue(db, 'backup.dir') ?? undefined, 'before-roster-import', Number(getConfigValue(db, 'backup.keep')))
    : null

  const result: ImportResult = {
    ...base, batch: null, alreadyImported: false,
    rows: { total: 0, accepted: 0, rejected: 0, skipped: 0 },
    rejected: [], warnings: [], headerRow: header.headerRowNumber, mapping: header.mapping,
    unknownColumns: header.unknownColumns, replacedBatches: [], backup,
  }

  // A bulk append is about a fifth faster with a rollback journal than through the WAL (measured
  // in bench/README.md). Switching needs the file to ourselves; when another window has it open the
  // import simply stays in WAL mode. A crash in between leaves a hot journal that SQLite rolls back
  // on the next open, which then returns the file to WAL.
  const journal = useRollbackJournal(db)
  // A dry run takes the same path and rolls back, so it reports exactly what a real import would do.
  db.exec('BEGIN IMMEDIATE')
  const cacheSize = db.pragma('cache_size', { simple: true })
  db.pragma('cache_size = -40960') // the (period, id_number) index of a million rows stays in memory
  try {
    const writer = new RosterWriter(db, period)
    const batchId = writer.begin({
      fileName, sha256: result.sha256, sheet: header.sheet, encoding: header.encoding, operator: options.operator, columns: header.headers, mapping: header.mapping,
    })
    result.batch = options.dryRun ? null : batchId
    const toReplace = options.replace
      ? (db.prepare("SELECT id FROM import_batches WHERE kind = 'roster' AND period = ? AND status = 'active' AND id <> ?").all(period, batchId) as Array<{ id: number }>).map((r) => r.id)
      : options.force && samePeriod ? [samePeriod.id] : []
    for (const id of toReplace) writer.supersede(id)
    result.replacedBatches = toReplace
    const idColumn = header.headers.find((h) => header.mapping[h] === 'idNumber')!
    const accepted = new AcceptedRows()

    for await (const batch of source.batches()) {
      result.rows.total += batch.total
      result.rows.skipped += batch.skipped
      const count = accepted.take(batch)
      const checked = batch.rejected.length
      for (let i = 0; i < count; i++) {
        const row = accepted.next(i)
        if (writer.accept(row)) {
          result.rows.accepted++
          continue
        }
        // The (period, id_number) index refused it: an earlier row of this file or another batch has the ID.
        const rowNumber = row[0] as number
        const earlier = writer.entryInPeriod(row[ACCEPTED_ID] as string)!
        const detail = earlier.batch_id === writer.batch
          ? `与本文件第 ${earlier.row_number} 行重复（第 ${earlier.row_number} 行已保留）`
          : `本期已由第 ${earlier.batch_id} 批第 ${earlier.row_number} 行导入`
        batch.rejected.push({
          row: rowNumber, cellsJson: batch.acceptedCells[i] ?? JSON.stringify(row), idNumber: row[ACCEPTED_ID] as string, countyCode: null,
          problems: [{ row: rowNumber, column: idColumn, code: 'duplicate_id', message: `第 ${rowNumber} 行「${idColumn}」${detail}` }],
        })
      }
      // Duplicates join the rows the checks refused in file order, so what is listed does not depend on batch sizes.
      if (batch.rejected.length > checked && checked > 0) batch.rejected.sort((a, b) => a.row - b.row)
      for (const r of batch.rejected) {
        writer.reject(r)
        result.rows.rejected++
        for (const p of r.problems) {
          result.rejectedByCode[p.code] = (result.rejectedByCode[p.code] ?? 0) + 1
          if (result.rejected.length < LISTED_PROBLEMS) result.rejected.push(p)
        }
      }
      for (const w of batch.warnings) {
        writer.warn(w)
        result.warningCount++
        result.warningsByCode[w.code] = (result.warningsByCode[w.code] ?? 0) + 1
        if (result.warnings.length < LISTED_PROBLEMS) result.warnings.push(w)
      }
      options.onProgress?.(result.rows.total)
    }
    result.rejected.sort((a, b) => a.row - b.row)
    result.sha256 = sha256 ?? source.sha256()

    writer.finish(result, regionIndexFor(db), options.operator)
    if (options.strict && result.rows.rejected > 0) {
      throw new ValidationError('ROSTER_REJECTED_STRICT', `${fileName} 有 ${result.rows.rejected} 行未通过检查；使用了 --strict，本次没有导入任何数据`, {
        hint: '去掉 --strict 可先导入合格的行，退回的行可用 `cjfp roster rejects` 导出修改',
        details: { rejected: result.rejected },
      })
    }
    if (options.dryRun) {
      db.exec('ROLLBACK')
    } else {
      recordAudit(db, options.operator, 'roster.import', `batch:${batchId}`, {
        period, file: fileName, sha256: result.sha256, rows: result.rows, replacedBatches: result.replacedBatches,
      })
      db.exec('COMMIT')
    }
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw error
  } finally {
    db.pragma(`cache_size = ${cacheSize}`)
    journal.restore()
  }
  return result
}

function useRollbackJournal(db: Db): { restore: () => void } {
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') return { restore: () => {} }
  try {
    if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') return { restore: () => {} }
  } catch {
    return { restore: () => {} }
  }
  return {
    restore: () => {
      try {
        db.pragma('journal_mode = WAL')
      } catch {
        // Busy: the next command that opens the file sets WAL again (db.ts).
      }
    },
  }
}

function shouldRunInParallel(file: string, requested: boolean | undefined): boolean {
  // The worker runs compiled JavaScript; from TypeScript sources (unit tests) reading stays in-process.
  if (!import.meta.url.endsWith('.js')) return false
  if (requested !== undefined) return requested
  try {
    return statSync(file).size >= PARALLEL_FROM_BYTES
  } catch {
    return false
  }
}

/** Where validated rows come from: a RosterStream in this thread or in a worker. */
interface RowSource {
  parallel: boolean
  info: { format: string; encoding: string | null; sheet: string | null }
  header(add: Array<[string, RosterField]>): Promise<HeaderFound>
  batches(): AsyncIterable<RowBatch>
  /** The file's sha256 when it was asked for with the rows (hashLater), known once batches() has ended. */
  sha256(): string
  close(): Promise<void>
}

/** A worker thread running roster-worker.ts, and how to talk to it. */
interface ReaderThread {
  send(message: ToWorker): void
  /** The worker's next message; throws the error it reports, or its crash. */
  next(): Promise<FromWorker>
  stop(): Promise<void>
}

function startReader(): ReaderThread {
  const { port1, port2 } = new MessageChannel()
  const signal = new Int32Array(new SharedArrayBuffer(4))
  const channel: WorkerChannel = { port: port2, signal }
  // A bounded heap keeps the reader's memory flat: it holds a few batches and the duplicate index.
  const worker = new Worker(new URL('./roster-worker.js', import.meta.url), {
    workerData: channel, transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 32 },
  })
  let exited: Error | null = null
  const exit = (error: Error) => {
    exited ??= error
    Atomics.add(signal, 0, 1)
    Atomics.notify(signal, 0)
  }
  worker.on('error', exit)
  worker.on('exit', (code) => exit(new Error(`读取线程意外退出（${code}）`)))
  return {
    send: (message) => worker.postMessage(message),
    // Messages are taken off the port only when wanted, so an unread batch stays serialised outside the heap.
    next: async () => {
      for (;;) {
        const seen = Atomics.load(signal, 0)
        const received = receiveMessageOnPort(port1)
        if (received) {
          const message = received.message as FromWorker
          if (message.type === 'error') throw deserializeError(message.error)
          return message
        }
        if (exited) throw exited
        const wait = waitAsync(signal, 0, seen, 1000)
        if (wait.async) await wait.value
      }
    },
    stop: async () => {
      worker.removeAllListeners('exit')
      port1.close()
      await worker.terminate()
    },
  }
}

/** A RosterStream read in this thread (no reader given) or in the reader thread. */
async function openRowSource(setup: StreamSetup, reader: ReaderThread | null, hashLater: boolean): Promise<RowSource> {
  if (!reader) {
    const stream = await RosterStream.open(setup)
    const first = stream.header()
    return {
      parallel: false,
      info: { format: first.format, encoding: first.encoding, sheet: first.sheet },
      header: async (add) => stream.header(add),
      batches: () => stream.batches(),
      sha256: () => {
        throw new Error('hashLater needs the reader thread')
      },
      close: async () => {},
    }
  }
  let sha256: string | null = null
  // The hash, when asked for, comes whenever it is ready: between any two other messages.
  const next = async (): Promise<Exclude<FromWorker, { type: 'sha256' }>> => {
    for (;;) {
      const message = await reader.next()
      if (message.type !== 'sha256') return message
      sha256 = message.sha256
    }
  }
  const header = async (): Promise<HeaderFound> => {
    const message = await next()
    if (message.type !== 'header') throw new Error(`读取线程回复了 ${message.type}，应为 header`)
    return message.header
  }
  try {
    reader.send({ type: 'setup', setup, hash: hashLater })
    const first = await header()
    return {
      parallel: true,
      info: { format: first.format, encoding: first.encoding, sheet: first.sheet },
      header: async (add) => {
        if (add.length === 0) return first
        reader.send({ type: 'header', add })
        return header()
      },
      batches: async function* () {
        reader.send({ type: 'start' })
        for (let message = await next(); message.type === 'batch'; message = await next()) {
          reader.send({ type: 'ack' })
          yield message.batch
        }
      },
      sha256: () => {
        if (sha256 === null) throw new Error('读取线程没有给出文件的 sha256')
        return sha256
      },
      close: () => reader.stop(),
    }
  } catch (error) {
    await reader.stop()
    throw error
  }
}

// In Node since 16; TypeScript only declares it from lib ES2024, past this project's ES2023.
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> }
}).waitAsync

const ERROR_CLASSES: Record<string, new (code: string, message: string, options?: { hint?: string; details?: unknown }) => AppError> = {
  UsageError, ValidationError, NotFoundError, ConflictError, DatabaseError, FileError,
}

function deserializeError(error: SerializedError): Error {
  const Class = error.appError ? ERROR_CLASSES[error.name] : undefined
  if (Class) return new Class(error.code ?? 'ERROR', error.message, { hint: error.hint, details: error.details })
  const plain = new Error(error.message)
  plain.stack = error.stack
  return plain
}

/** Where the place columns (county_code, township_code, village_code, township_name, village_name) start in an accepted row. */
const PLACE = 8
/** Rows of one village in a row before its insert is looked for among those prepared before. */
const PLACE_LOOKUP = 4
/** Rows of one village in a row before it gets an insert of its own (a prepare costs about as much as binding 50 rows' places). */
const PLACE_RUN = 64
/** Place inserts kept at most. */
const PLACE_STATEMENTS = 256

/** A text or NULL as an SQL literal. */
function sqlText(value: string | number | null): string {
  return value === null ? 'NULL' : `'${String(value).replace(/'/g, "''")}'`
}

/** Prepared statements for one import; all writes go through here. */
class RosterWriter {
  private batchId = 0
  private firstEntry = 0
  private lastEntry = 0
  private insertEntry: Statement | null = null
  private readonly insertReject
  private readonly insertWarning
  private readonly findEntry
  private readonly villages = new Map<string, { name: string | null; township: string }>()
  private lastVillage: string | null = null
  /** The place (county_code … village_name) of the rows since it last changed, how many, and its insert. */
  private place: AcceptedRow = []
  private placeRun = 0
  private placeStatement: Statement | null | undefined
  /** Inserts of places that had a long run, by their values (null: one that cannot have its own). */
  private readonly places = new Map<string, Statement | null>()

  constructor(private readonly db: Db, private readonly period: string) {
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
    // The hot statement: period and batch are fixed for the whole file (checked values, safe to inline),
    // so each row binds exactly the array the reader produced.
    this.insertEntry = this.db.prepare(`INSERT INTO roster_entries (period, batch_id, row_number, id_number, name, gender, household_no,
      relation, household_size, poverty_cause, county_code, township_code, village_code, township_name, village_name, cert_number,
      category, grade, poverty_status, exit_year, phone, extra_json) VALUES ('${checkPeriod(this.period)}', ${this.batchId}, ${Array(20).fill('?').join(', ')})`)
    return this.batchId
  }

  /**
   * The insert for the current row's place, when its village has had a run of rows long enough to be
   * worth a statement of its own: one with the five place values written in, so that each row binds
   * 15 values instead of 20 (binding is a third of the writer's time; measured in bench/README.md).
   */
  private placeInsert(row: AcceptedRow): Statement | null {
    const p = this.place
    if (row[PLACE] !== p[0] || row[PLACE + 1] !== p[1] || row[PLACE + 2] !== p[2] || row[PLACE + 3] !== p[3] || row[PLACE + 4] !== p[4]) {
      this.place = row.slice(PLACE, PLACE + 5)
      this.placeRun = 1
      this.placeStatement = undefined
      return null
    }
    // A file not sorted by village changes place every row or two: it never gets this far.
    const run = ++this.placeRun
    if (run === PLACE_LOOKUP) this.placeStatement = this.places.get(JSON.stringify(p))
    else if (run === PLACE_RUN && this.placeStatement === undefined) this.placeStatement = this.preparePlace(p)
    return this.placeStatement ?? null
  }

  private preparePlace(place: AcceptedRow): Statement | null {
    // A NUL would end the SQL text early: such a place keeps binding its values.
    const statement = place.some((v) => typeof v === 'string' && v.includes('\0')) ? null : this.db.prepare(`INSERT INTO roster_entries
      (period, batch_id, county_code, township_code, village_code, township_name, village_name, row_number, id_number, name, gender,
      household_no, relation, household_size, poverty_cause, cert_number, category, grade, poverty_status, exit_year, phone, extra_json)
      VALUES ('${checkPeriod(this.period)}', ${this.batchId}, ${place.map(sqlText).join(', ')}, ${Array(15).fill('?').join(', ')})`)
    // Few places come back once their run has ended; keep the latest ones.
    if (this.places.size >= PLACE_STATEMENTS) this.places.delete(this.places.keys().next().value!)
    this.places.set(JSON.stringify(place), statement)
    return statement
  }

  supersede(oldBatch: number): void {
    this.db.prepare("UPDATE import_batches SET status = 'superseded' WHERE id = ?").run(oldBatch)
    this.db.prepare('DELETE FROM roster_entries WHERE period = ? AND batch_id = ?').run(this.period, oldBatch)
  }

  entryInPeriod(id: string): { batch_id: number; row_number: number } | undefined {
    return this.findEntry.get(this.period, id) as { batch_id: number; row_number: number } | undefined
  }

  get batch(): number {
    return this.batchId
  }

  /**
   * Inserts one row; false when the period already holds its ID (the unique index says so). The values
   * are spread into separate arguments: better-sqlite3 binds those directly, while an array argument
   * costs a property lookup per value (measured in bench/README.md).
   */
  accept(row: AcceptedRow): boolean {
    const placeInsert = this.placeInsert(row)
    try {
      const id = Number((placeInsert
        ? placeInsert.run(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[13], row[14], row[15], row[16], row[17], row[18], row[19])
        : this.insertEntry!.run(...row)).lastInsertRowid)
      if (this.firstEntry === 0) this.firstEntry = id
      this.lastEntry = id
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false
      throw error
    }
    // Rows come village by village: compare with the last one before asking the map.
    const villageCode = row[ACCEPTED_VILLAGE_CODE] as string | null
    if (villageCode && villageCode !== this.lastVillage && !this.villages.has(villageCode)) {
      this.villages.set(villageCode, { name: row[ACCEPTED_VILLAGE_NAME] as string | null, township: row[ACCEPTED_TOWNSHIP_CODE] as string })
    }
    this.lastVillage = villageCode
    return true
  }

  reject(r: RejectedRow): void {
    const errors = r.problems.map((p) => ({ column: p.column, code: p.code, message: p.message }))
    this.insertReject.run(this.batchId, r.row, r.idNumber, r.countyCode, r.cellsJson, JSON.stringify(errors))
  }

  warn(w: RowWarning): void {
    this.insertWarning.run(this.batchId, w.row, w.column, w.code, w.from, w.to)
  }

  /** Counts, the villages the file named, and mappings worth remembering. */
  finish(result: ImportResult, regions: ReturnType<typeof regionIndexFor>, operator: string): void {
    const now = new Date().toISOString()
    const addVillage = this.db.prepare(`INSERT OR IGNORE INTO regions (code, name, level, parent_code, reports_to, source, created_at)
      VALUES (?, ?, 'village', ?, ?, 'roster', ?)`)
    for (const [code, v] of this.villages) {
      if (v.township && regions.get(v.township)) addVillage.run(code, v.name ?? code, v.township, v.township, now)
    }
    this.db
      .prepare(`UPDATE import_batches SET sha256 = ?, total_rows = ?, accepted_rows = ?, rejected_rows = ?, skipped_rows = ?, warning_count = ?,
        first_entry_id = ?, last_entry_id = ? WHERE id = ?`)
      .run(result.sha256, result.rows.total, result.rows.accepted, result.rows.rejected, result.rows.skipped, result.warningCount,
        this.firstEntry || null, this.lastEntry || null, this.batchId)
    const remember = this.db.prepare(`INSERT INTO column_mappings (kind, header, field, updated_at, updated_by) VALUES ('roster', ?, ?, ?, ?)
      ON CONFLICT (kind, header) DO UPDATE SET field = excluded.field, updated_at = excluded.updated_at, updated_by = excluded.updated_by`)
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
 * The rejected rows of a roster batch with their original cells, for the clerk to fix and re-import.
 * @throws NotFoundError BATCH_NOT_FOUND
 */
export function rejectedRows(db: Db, batchId: number): RejectedRowExport {
  return readRejectedRows(db, batchId, 'roster', `找不到第 ${batchId} 批花名册导入`, '用 `cjfp roster periods` 查看各期的导入批次')
}

const SENSITIVE_FIELDS = new Set(['idNumber', 'certNumber', 'phone'])

/**
 * Rejected rows of any import kind (roster, pairing, benefit): the batch's original headers, the
 * columns that hold personal numbers (from the batch's mapping), and each row with its reasons.
 * @throws NotFoundError BATCH_NOT_FOUND
 */
export function readRejectedRows(db: Db, batchId: number, kind: string, notFound: string, hint: string): RejectedRowExport {
  const batch = db.prepare('SELECT id, period, file_name, columns_json, mapping_json FROM import_batches WHERE id = ? AND kind = ?').get(batchId, kind) as
    | { id: number; period: string | null; file_name: string; columns_json: string | null; mapping_json: string | null }
    | undefined
  if (!batch) throw new NotFoundError('BATCH_NOT_FOUND', notFound, { hint })
  const rows = db.prepare('SELECT row_number, cells_json, errors_json FROM rejected_rows WHERE batch_id = ? ORDER BY row_number').all(batchId) as Array<{
    row_number: number
    cells_json: string
    errors_json: string
  }>
  const headers: string[] = batch.columns_json ? JSON.parse(batch.columns_json) : []
  const mapping: Record<string, string> = batch.mapping_json ? JSON.parse(batch.mapping_json) : {}
  return {
    batch: batch.id,
    period: batch.period ?? '',
    file: batch.file_name,
    headers,
    sensitiveColumns: Object.fromEntries(headers.flatMap((h, i) => (SENSITIVE_FIELDS.has(mapping[h]) ? [[i, mapping[h]]] : []))) as RejectedRowExport['sensitiveColumns'],
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
