// Helpers for the roster command tests: a 威宁县 database, valid 身份证号, roster rows built from a
// few named cells, and a read-only look at what an import left in the database.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { initArea } from '../../src/lib/area.js'
import { openDatabase } from '../../src/lib/db.js'
import { genderOf, idCheckChar } from '../../src/lib/idcard.js'
import { builtinRegions } from '../../src/lib/regions.js'
import { openTable } from '../../src/lib/table-reader.js'
import { afterEach, beforeEach } from 'vitest'
import { type CliResult, runCli, tempDir } from './cli.js'

/** 威宁彝族回族苗族自治县 */
export const WEINING = '520526'

/** The first 17 characters plus the right check character. */
export function validId(first17: string): string {
  return first17 + idCheckChar(first17)
}

/** A valid 身份证号 (威宁 unless another address code is given) born on `birth` (YYYYMMDD) with sequence `seq` (odd: a man). */
export function weiningId(birth: string, seq: number, address = WEINING): string {
  return validId(`${address}${birth}${String(seq).padStart(3, '0')}`)
}

/** The first valid 威宁 身份证号 born on `birth` whose check character is X, from sequence `from` up. */
export function weiningIdEndingInX(birth: string, from = 1): string {
  for (let seq = from; seq < 1000; seq++) {
    const id = weiningId(birth, seq)
    if (id.endsWith('X')) return id
  }
  throw new Error(`no ID ending in X born on ${birth}`)
}

/**
 * A database initialised for 威宁县 in `dir`, set up through the library (as `init` does), which
 * saves each test a CLI start. Returns the file name.
 */
export function createRosterDb(dir: string, name = 't.db'): string {
  const file = join(dir, name)
  const { db } = openDatabase(file, { mode: 'create' })
  try {
    initArea(db, builtinRegions().find(WEINING), { operator: '测试员' })
  } finally {
    db.close()
  }
  return file
}

/** A fresh 威宁县 database in a temporary folder for each test, and a CLI bound to it. */
export function useRosterDb(set: (t: { dir: string; db: string; cli: (...args: string[]) => CliResult }) => void): void {
  let cleanup = () => {}
  beforeEach(() => {
    const t = tempDir()
    cleanup = t.cleanup
    const db = createRosterDb(t.dir)
    set({ dir: t.dir, db, cli: cliFor(db) })
  })
  afterEach(() => cleanup())
}

/** runCli with --db and an operator. */
export function cliFor(db: string): (...args: string[]) => CliResult {
  return (...args) => runCli([...args, '--db', db, '--operator', '测试员'])
}

/** The header this file's fixtures use unless a test spells out its own. */
export const HEADERS = ['县区', '乡镇', '村', '户编号', '姓名', '性别', '身份证号', '残疾人证号', '残疾类别', '残疾等级', '脱贫状态', '致贫原因', '联系电话'] as const
export type Header = (typeof HEADERS)[number]

/**
 * A clean row of a person living in 海边街道 建设社区, 肢体 2 级, 未脱贫, with the certificate of the ID;
 * `cells` overrides any cell by its header.
 */
export function personRow(id: string, name: string, cells: Partial<Record<Header, string>> = {}): string[] {
  const base: Record<Header, string> = {
    县区: '威宁县', 乡镇: '海边街道', 村: '建设社区', 户编号: '5205260010010001', 姓名: name, 性别: genderOf(id), 身份证号: id,
    残疾人证号: `${id}42`, 残疾类别: '肢体', 残疾等级: '2', 脱贫状态: '未脱贫', 致贫原因: '因残', 联系电话: '13800001234',
  }
  return HEADERS.map((h) => cells[h] ?? base[h])
}

export interface DbCounts {
  entries: number
  rejected: number
  batches: number
}

/** Opens the database read-only, runs `use`, and closes it. */
export function readDb<T>(file: string, use: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    return use(db)
  } finally {
    db.close()
  }
}

/** How many roster_entries, rejected_rows and import_batches rows the database holds. */
export function countRows(file: string): DbCounts {
  return readDb(file, (db) => {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    return { entries: n('roster_entries'), rejected: n('rejected_rows'), batches: n('import_batches') }
  })
}

/** Does not start with what a spreadsheet would run as a formula (= + - @, half- or full-width). */
export const NOT_FORMULA = /^[^=+\-@＝＋－＠]/

/** Every row of a .csv or .xlsx (one sheet) as the project's reader sees it, header included. */
export async function readRows(file: string, sheet?: string): Promise<string[][]> {
  const source = await openTable(file, { sheet })
  const rows: string[][] = []
  for await (const batch of source.batches()) for (const row of batch) rows.push(row.cells)
  return rows
}

/**
 * A second connection that tells whether another process holds the database's write lock (an
 * import inside its transaction): BEGIN IMMEDIATE fails at once with SQLITE_BUSY.
 */
export function writeLockProbe(file: string): { held: () => boolean; close: () => void } {
  const probe = new Database(file, { fileMustExist: true, timeout: 0 })
  return {
    held() {
      try {
        probe.exec('BEGIN IMMEDIATE')
        probe.exec('ROLLBACK')
        return false
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_BUSY') return true
        throw error
      }
    },
    close: () => probe.close(),
  }
}
