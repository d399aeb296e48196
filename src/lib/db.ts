/**
 * The database file: open it safely, set pragmas, run numbered forward-only migrations, take backups.
 *
 * A file is only ever written after three checks: it starts with the SQLite header, it carries this
 * tool's application_id (or is empty), and its schema version is not newer than this build knows.
 */
import Database from 'better-sqlite3'
import { closeSync, existsSync, mkdirSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { DatabaseError, FileError } from './errors.js'
import { MIGRATIONS } from './schema.js'

export type Db = Database.Database

/** 'CJFP' in ASCII; marks a file as ours so a foreign SQLite file is never migrated. */
export const APPLICATION_ID = 0x434a4650
export const SCHEMA_VERSION = MIGRATIONS.length
const SQLITE_HEADER = 'SQLite format 3\u0000'

export type OpenMode = 'create' | 'write' | 'inspect'

export interface OpenOptions {
  /** create: may make a new file; write: existing file, migrated if older; inspect: never migrated. */
  mode: OpenMode
  /** Where backups go; defaults to cjfp-backups beside the database. */
  backupDir?: string
}

export interface OpenResult {
  db: Db
  file: string
  created: boolean
  migratedFrom: number | null
  backup: string | null
}

interface FileState {
  exists: boolean
  empty: boolean
  userVersion: number
  applicationId: number
  tables: number
}

function readHeader(file: string): string {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(16)
    const n = readSync(fd, buf, 0, 16, 0)
    return buf.subarray(0, n).toString('latin1')
  } finally {
    closeSync(fd)
  }
}

function inspectFile(file: string): FileState {
  if (!existsSync(file)) return { exists: false, empty: true, userVersion: 0, applicationId: 0, tables: 0 }
  const stat = statSync(file)
  if (stat.isDirectory()) {
    throw new DatabaseError('DB_NOT_A_FILE', `${file} 是一个文件夹，不是数据库文件`, { hint: '用 --db 指定一个 .db 文件' })
  }
  if (stat.size === 0) return { exists: true, empty: true, userVersion: 0, applicationId: 0, tables: 0 }
  if (readHeader(file) !== SQLITE_HEADER) {
    throw new DatabaseError('DB_NOT_SQLITE', `${file} 不是 SQLite 数据库文件，未做任何改动`, {
      hint: '检查 --db 参数或环境变量 CJFP_DB 指向的文件是否正确',
    })
  }
  let probe: Db | undefined
  try {
    probe = new Database(file, { readonly: true, fileMustExist: true })
    const userVersion = probe.pragma('user_version', { simple: true }) as number
    const applicationId = probe.pragma('application_id', { simple: true }) as number
    const tables = (probe.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n
    return { exists: true, empty: false, userVersion, applicationId, tables }
  } catch (error) {
    throw asDatabaseError(error, file)
  } finally {
    probe?.close()
  }
}

/** Maps SQLite's own failures (busy, corrupt, not a database) to a DatabaseError a clerk can act on. */
export function asDatabaseError(error: unknown, file: string): DatabaseError {
  if (error instanceof DatabaseError) return error
  const code = (error as { code?: string }).code ?? ''
  const text = error instanceof Error ? error.message : String(error)
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DatabaseError('DB_LOCKED', `数据库 ${file} 正被其他程序占用`, { hint: '关闭其他正在使用该文件的窗口后重试', cause: error })
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new DatabaseError('DB_CORRUPT', `数据库 ${file} 已损坏或不是本工具的数据库`, {
      hint: '用 `cjfp db verify` 检查；必要时从 cjfp-backups 中的备份恢复',
      cause: error,
    })
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code.startsWith('SQLITE_IOERR')) {
    return new DatabaseError('DB_CANNOT_OPEN', `无法打开或写入数据库 ${file}：${text}`, { hint: '检查文件路径和写入权限', cause: error })
  }
  return new DatabaseError('DB_ERROR', `数据库 ${file} 出错：${text}`, { cause: error })
}

/** Memory-mapped reads: a report over a million rows reads pages without a system call each. */
const MMAP_BYTES = 1024 * 1024 * 1024

function setPragmas(db: Db): void {
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  db.pragma(`mmap_size = ${MMAP_BYTES}`)
}

/**
 * Opens the database file, creating or migrating it as the mode allows.
 * @throws DatabaseError DB_NOT_FOUND, DB_NOT_SQLITE, DB_FOREIGN, DB_TOO_NEW, DB_LOCKED, DB_CORRUPT
 */
export function openDatabase(fileArg: string, options: OpenOptions): OpenResult {
  const file = resolve(fileArg)
  const state = inspectFile(file)
  if (!state.exists && options.mode !== 'create') {
    throw new DatabaseError('DB_NOT_FOUND', `找不到数据库文件 ${file}`, {
      hint: '先运行 `cjfp init` 建库，或用 --db（环境变量 CJFP_DB）指定已有的数据库文件',
    })
  }
  if (!state.empty && state.applicationId !== APPLICATION_ID && (state.tables > 0 || state.userVersion > 0)) {
    throw new DatabaseError('DB_FOREIGN', `${file} 是其他程序的 SQLite 数据库，不是本工具的台账，未做任何改动`, {
      hint: '用 --db 指定本工具的数据库文件，或用 `cjfp init --db 新文件.db` 新建',
    })
  }
  if (state.userVersion > SCHEMA_VERSION) {
    throw new DatabaseError(
      'DB_TOO_NEW',
      `数据库 ${file} 由更新版本的程序写入（结构版本 ${state.userVersion}，本程序只认识到 ${SCHEMA_VERSION}），未做任何改动`,
      { hint: '请升级本工具后再打开这个文件' },
    )
  }
  if (!state.exists) mkdirSync(dirname(file), { recursive: true })

  let backup: string | null = null
  const needsMigration = state.userVersion < SCHEMA_VERSION
  if (needsMigration && options.mode !== 'inspect' && state.userVersion > 0) {
    backup = backupFile(file, options.backupDir, `migrate-v${state.userVersion}`)
  }

  let db: Db
  try {
    db = new Database(file, { readonly: false, fileMustExist: options.mode !== 'create' })
    // Larger pages make the bulk roster inserts measurably faster; only settable before the first table.
    if (state.empty && options.mode === 'create') db.pragma('page_size = 16384')
    if (options.mode === 'inspect') {
      db.pragma('foreign_keys = ON')
      db.pragma('busy_timeout = 5000')
      db.pragma(`mmap_size = ${MMAP_BYTES}`)
    } else {
      setPragmas(db)
    }
  } catch (error) {
    throw asDatabaseError(error, file)
  }
  let migratedFrom: number | null = null
  if (needsMigration && options.mode !== 'inspect') {
    try {
      migrate(db)
      migratedFrom = state.userVersion
    } catch (error) {
      db.close()
      throw asDatabaseError(error, file)
    }
  }
  return { db, file, created: !state.exists || state.empty, migratedFrom, backup }
}

/** Runs every migration the file has not had yet, each in its own transaction. Returns the new version. */
export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1])
      db.pragma(`application_id = ${APPLICATION_ID}`)
      db.pragma(`user_version = ${version}`)
    })()
  }
  return SCHEMA_VERSION
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}

export function defaultBackupDir(dbFile: string): string {
  return join(dirname(resolve(dbFile)), 'cjfp-backups')
}

function stamp(date = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}-${p(date.getMilliseconds(), 3)}`
}

/**
 * Writes a consistent copy of the database with VACUUM INTO (safe while WAL is in use, and it works
 * on a read-only connection, so a backup never changes the source file).
 * @throws FileError BACKUP_FAILED
 */
export function backupFile(dbFile: string, dir: string | undefined, reason: string, keep = 20): string {
  const file = resolve(dbFile)
  const target = resolve(dir ?? defaultBackupDir(file))
  const stem = basename(file, extname(file))
  const out = join(target, `${stem}-${stamp()}-${reason.replace(/[^\w.-]+/g, '_')}.db`)
  let src: Db | undefined
  try {
    mkdirSync(target, { recursive: true })
    src = new Database(file, { readonly: true, fileMustExist: true })
    src.prepare('VACUUM INTO ?').run(out)
  } catch (error) {
    throw new FileError('BACKUP_FAILED', `备份数据库到 ${out} 失败：${(error as Error).message}`, {
      hint: '检查备份文件夹是否可写、磁盘是否已满',
      cause: error,
    })
  } finally {
    src?.close()
  }
  pruneBackups(target, stem, keep)
  return out
}

/** Keeps the newest `keep` backups of one database; the names sort by time. */
function pruneBackups(dir: string, stem: string, keep: number): void {
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{8}-\\d{6}-\\d{3}-.*\\.db$`)
  const ours = readdirSync(dir).filter((name) => pattern.test(name)).sort()
  for (const name of ours.slice(0, Math.max(0, ours.length - keep))) rmSync(join(dir, name), { force: true })
}

export interface VerifyResult {
  ok: boolean
  integrity: string[]
  foreignKeyProblems: Array<{ table: string; rowid: number | null; parent: string }>
  schemaVersion: number
  expectedSchemaVersion: number
}

/** PRAGMA integrity_check plus foreign_key_check; never writes. */
export function verifyDatabase(db: Db): VerifyResult {
  const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check)
  const fk = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string }>
  const version = schemaVersion(db)
  return {
    ok: integrity.length === 1 && integrity[0] === 'ok' && fk.length === 0 && version === SCHEMA_VERSION,
    integrity,
    foreignKeyProblems: fk.map((r) => ({ table: r.table, rowid: r.rowid, parent: r.parent })),
    schemaVersion: version,
    expectedSchemaVersion: SCHEMA_VERSION,
  }
}

/**
 * For commands that work without a database but use one when it is there (region lookups):
 * opens an existing file of ours read-only, or returns null. Never creates or changes anything.
 */
export function openIfPresent(fileArg: string): Db | null {
  const file = resolve(fileArg)
  try {
    const state = inspectFile(file)
    if (!state.exists || state.empty || state.applicationId !== APPLICATION_ID || state.userVersion > SCHEMA_VERSION) return null
    return new Database(file, { readonly: true, fileMustExist: true })
  } catch {
    return null
  }
}

export interface DbInfo {
  file: string
  sizeBytes: number
  schemaVersion: number
  expectedSchemaVersion: number
  sqliteVersion: string
  journalMode: string
  counts: Record<string, number>
  lastWriteAt: string | null
}

const COUNTED_TABLES = ['regions', 'roster_entries', 'import_batches', 'rejected_rows', 'benefit_records', 'tasks', 'pairings', 'letters', 'assessments', 'audit_log']

/** Size, versions and row counts of the main tables; read-only. */
export function describeDatabase(db: Db, file: string): DbInfo {
  const version = schemaVersion(db)
  const existing = new Set((db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name))
  const counts: Record<string, number> = {}
  for (const table of COUNTED_TABLES) {
    if (existing.has(table)) counts[table] = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  }
  const last = existing.has('audit_log') ? (db.prepare('SELECT max(at) AS at FROM audit_log').get() as { at: string | null }).at : null
  return {
    file: resolve(file),
    sizeBytes: statSync(resolve(file)).size,
    schemaVersion: version,
    expectedSchemaVersion: SCHEMA_VERSION,
    sqliteVersion: (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v,
    journalMode: db.pragma('journal_mode', { simple: true }) as string,
    counts,
    lastWriteAt: last,
  }
}
