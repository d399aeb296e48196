/**
 * One period's roster, read for the benefit check and the progress notice in independent parts that
 * run on worker threads side by side (period-worker.ts), each with its own read-only connection:
 *
 * - `roster` (one per rowid chunk): each person's status, gender, relation and cause, the clerk's
 *   columns the rules read, grade/category/household size/exit year/age packed into one integer, and
 *   the place;
 * - `households`: which household each person belongs to, its registered members, its active
 *   pairings (帮扶人, 措施, 资金 as bits) and the household lists that name it by its number;
 * - `lists`: the benefits each person receives, by merging the period's IDs in index order with
 *   each list's IDs in index order, and the recipients of roster-only benefits who are not registered;
 * - `previous`: who is new since the previous period and who left it, and its head counts by status.
 *
 * Every part is keyed by the row's offset in the period's rowid range, so joining them is indexing
 * typed arrays. What costs time on a province (500,000 people) is handing SQLite's values to
 * JavaScript, about 0.2 µs a value: the parts ask for few values per row (text that repeats is
 * interned once per distinct value, numbers are packed) and read long ID columns as one string.
 *
 * This module must stay light (a worker loads it): no imports beyond types and node's own.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'

type Conn = BetterSqlite3.Database

export type ScanLevel = 'county' | 'township' | 'village'

export interface ListSpec {
  code: string
  bit: number
  /** The list periods that count (effectiveLists). */
  periods: string[]
  /** A household benefit: a list naming the household's number covers the household. */
  household: boolean
  /** Report listed IDs that are not on the period's roster (roster-only benefits, whole-area checks). */
  rosterOnly: boolean
}

export interface PeriodRange { period: string; lo: number; hi: number }

export interface ScanSpec extends PeriodRange {
  /** For new and left people and the previous head counts (the progress notice). */
  previous: PeriodRange | null
  /** The level previous head counts and leavers are grouped by. */
  level: ScanLevel
  /** A region code prefix that limits the persons read (lists and previous are not limited). */
  region: string | null
  /** SQL giving the clerk's columns the rules read as one JSON array per row, or NULL. */
  extraSql: string
  /** Age is counted at the end of this month. */
  year: number
  month: number
  lists: ListSpec[]
  /** Active pairings on this day (YYYY-MM-DD) give each household its pairing bits; null: not wanted. */
  pairingsOn: string | null
  /** Look up whether each listed ID not on the roster was on an earlier one (OffRoster.last); else last is null. */
  leavers: boolean
}

export type ScanTask = { kind: 'roster'; a: number; b: number } | { kind: 'households' } | { kind: 'lists' } | { kind: 'previous' }

export interface RosterPart {
  kind: 'roster'
  a: number
  /** Per rowid a..b: index into attrsVocab, −1 when the row is not a person of this scan. */
  attrs: Int32Array
  extras: Int32Array
  packed: Int32Array
  place: Int32Array
  /** JSON arrays [poverty_status, gender, relation, poverty_cause]. */
  attrsVocab: string[]
  /** JSON arrays of the clerk's columns (extraSql), or null. */
  extrasVocab: Array<string | null>
  /** JSON arrays [county_code, township_code, village_code, township_name, village_name]. */
  placeVocab: string[]
}

export interface HouseholdPart {
  kind: 'households'
  /** Per rowid offset: household index, −1 when the row is not a person of this scan. */
  hhOf: Int32Array
  /** Per household: rowid offset of the first member, registered members, pairing bits, list bits. */
  first: Int32Array
  size: Int32Array
  pairing: Uint8Array
  listBits: Int32Array
}

export interface ListPart {
  kind: 'lists'
  /** Per rowid offset: the bits of the benefits whose lists name the person. */
  mask: Int32Array
  /** Listed IDs of roster-only benefits not on the period's roster. */
  offRoster: OffRoster[]
}

/** A listed ID not on the period's roster: its benefit bits, and its last earlier roster row if it had one (a leaver). */
export interface OffRoster {
  id: string
  bits: number
  last: { period: string; county: string | null; township: string | null; village: string | null } | null
}

export interface PreviousPart {
  kind: 'previous'
  /** Per rowid offset: 1 when the person was not on the previous roster. */
  isNew: Uint8Array
  /** Leavers by their previous region code at the scan's level. */
  left: Array<[string, number]>
  /** Previous head counts: [region code, poverty_status, count]. */
  counts: Array<[string, string | null, number]>
}

export type ScanResult = RosterPart | HouseholdPart | ListPart | PreviousPart

export const PAIR_HELPER = 1
export const PAIR_MEASURES = 2
export const PAIR_FUNDS = 4

const ROWS = 'id BETWEEN @a AND @b AND +period = @period'

function regionSql(region: string | null): string {
  if (!region) return ''
  const column = region.length <= 6 ? 'county_code' : region.length <= 9 ? 'township_code' : 'village_code'
  return `AND substr(${column}, 1, ${region.length}) = @region`
}

/** Grade, category, household size, exit year and age in one 31-bit integer (unpack with unpackPerson). */
const PACKED_SQL = `(coalesce(grade, 15) & 15) + 16 * (coalesce(category, 15) & 15)
  + 256 * (CASE WHEN household_size IS NULL THEN 255 ELSE min(max(household_size, 0), 254) END)
  + 65536 * (CASE WHEN exit_year BETWEEN 1900 AND 2154 THEN exit_year - 1900 ELSE 255 END)
  + 16777216 * max(0, min(127, CAST(@year AS INTEGER) - substr(id_number, 7, 4) - (substr(id_number, 11, 2) > @month)))`

export interface Unpacked { grade: number | null; category: number | null; householdSize: number | null; exitYear: number | null; age: number }

export function unpackPerson(p: number, into: Unpacked): Unpacked {
  const grade = p & 15
  const category = (p >> 4) & 15
  const size = (p >> 8) & 255
  const exit = (p >> 16) & 255
  into.grade = grade === 15 ? null : grade
  into.category = category === 15 ? null : category
  into.householdSize = size === 255 ? null : size
  into.exitYear = exit === 255 ? null : 1900 + exit
  into.age = p >>> 24
  return into
}

function intern(index: Map<string | null, number>, value: string | null): number {
  let i = index.get(value)
  if (i === undefined) {
    i = index.size
    // A slice of a page string would keep the whole page (megabytes) alive: keep a copy.
    index.set(value === null ? null : (value + ' ').slice(0, -1), i)
  }
  return i
}

/** Rows per group_concat when a column is read as one string: small enough that a page (≈ 1.5 MB of text) is soon collected. */
const CONCAT_ROWS = 8192
const SEPARATOR = String.fromCharCode(30)
const UNIT = String.fromCharCode(31)

/** The non-negative integer written in s[from, to). */
function digits(s: string, from: number, to: number): number {
  let v = 0
  for (let i = from; i < to; i++) v = v * 10 + s.charCodeAt(i) - 48
  return v
}

/** Calls `each` with each non-negative integer of a comma-separated list (a group_concat of numbers) and its position. */
function eachNumber(list: string, each: (value: number, k: number) => void): void {
  let k = 0
  for (let from = 0; from <= list.length; k++) {
    let to = list.indexOf(',', from)
    if (to < 0) to = list.length
    each(digits(list, from, to), k)
    from = to + 1
  }
}

function rosterPart(db: Conn, spec: ScanSpec, a: number, b: number): RosterPart {
  const n = Math.max(0, b - a + 1)
  const attrs = new Int32Array(n).fill(-1)
  const extras = new Int32Array(n)
  const packed = new Int32Array(n)
  const place = new Int32Array(n)
  const attrsIndex = new Map<string | null, number>()
  const extrasIndex = new Map<string | null, number>()
  const placeIndex = new Map<string | null, number>()
  // A page of rows comes back as one string, a row per record separator and its five values per unit
  // separator (JSON escapes both, so no value holds one): splitting it is cheaper than SQLite handing
  // over 5 values a row.
  // Numbers are bound as floating point: the offset is cast, or it would read 0.0.
  const line = `(id - CAST(@a AS INTEGER)) || char(31) || json_array(poverty_status, gender, relation, poverty_cause) || char(31) || coalesce(${spec.extraSql}, '')
    || char(31) || (${PACKED_SQL}) || char(31) || json_array(county_code, township_code, village_code, township_name, village_name)`
  const page = db.prepare(`SELECT count(*), group_concat(${line}, char(30)) FROM roster_entries
    WHERE id BETWEEN @from AND @to AND +period = @period ${regionSql(spec.region)}`).raw()
  const params = { a, period: spec.period, year: spec.year, month: String(spec.month).padStart(2, '0'), ...(spec.region ? { region: spec.region } : {}) }
  for (let from = a; from <= b; from += CONCAT_ROWS) {
    const [count, text] = page.get({ ...params, from, to: Math.min(b, from + CONCAT_ROWS - 1) }) as [number, string | null]
    if (count === 0) continue
    const s = text!
    let rows = 0
    for (let pos = 0; pos < s.length; rows++) {
      let end = s.indexOf(SEPARATOR, pos)
      if (end < 0) end = s.length
      const c1 = s.indexOf(UNIT, pos)
      const c2 = s.indexOf(UNIT, c1 + 1)
      const c3 = s.indexOf(UNIT, c2 + 1)
      const c4 = s.indexOf(UNIT, c3 + 1)
      const o = digits(s, pos, c1)
      attrs[o] = intern(attrsIndex, s.slice(c1 + 1, c2))
      extras[o] = intern(extrasIndex, c3 === c2 + 1 ? null : s.slice(c2 + 1, c3))
      packed[o] = digits(s, c3 + 1, c4)
      place[o] = intern(placeIndex, s.slice(c4 + 1, end))
      pos = end + 1
    }
    if (rows !== count) throw new Error(`花名册第 ${from}–${Math.min(b, from + CONCAT_ROWS - 1)} 行读出 ${rows} 行，应为 ${count} 行`)
  }
  return {
    kind: 'roster', a, attrs, extras, packed, place,
    attrsVocab: [...attrsIndex.keys()] as string[], extrasVocab: [...extrasIndex.keys()], placeVocab: [...placeIndex.keys()] as string[],
  }
}


/**
 * Reads `text` (and a small integer `number`, optional) of every row of `from … where` as long strings
 * split in JavaScript: a value handed over from SQLite costs more than the split. `range` pages through
 * rowids [lo, hi]; without it the rows come in one go. Falls back to a value a row when a text holds the
 * separator (which the importers do not let in).
 */
function readColumns(db: Conn, text: string, number: string | null, from: string, where: string, params: Record<string, unknown>,
  each: (value: string, n: number) => void, range?: { lo: number; hi: number }): void {
  const sql = `SELECT count(*), group_concat(${text}, char(30))${number ? `, group_concat(${number}, ',')` : ''} FROM ${from} WHERE (${where})`
  const statement = db.prepare(range ? `${sql} AND id BETWEEN @from AND @to` : sql).raw()
  const pages = range ? Math.max(1, Math.ceil((range.hi - range.lo + 1) / CONCAT_ROWS)) : 1
  for (let page = 0; page < pages; page++) {
    const bounds = range ? { from: range.lo + page * CONCAT_ROWS, to: Math.min(range.hi, range.lo + (page + 1) * CONCAT_ROWS - 1) } : {}
    const [count, texts, numbers] = statement.get({ ...params, ...bounds }) as [number, string | null, string | null]
    if (count === 0) continue
    const values = texts!.split(SEPARATOR)
    if (values.length !== count) {
      for (const row of db.prepare(`SELECT ${text}${number ? `, ${number}` : ''} FROM ${from} WHERE (${where})${range ? ' AND id BETWEEN @from AND @to' : ''}`).raw()
        .iterate({ ...params, ...bounds }) as Iterable<[string, number?]>) each(row[0], row[1] ?? 0)
      continue
    }
    if (number) eachNumber(numbers!, (n, k) => each(values[k], n))
    else for (const value of values) each(value, 0)
  }
}

function householdPart(db: Conn, spec: ScanSpec): HouseholdPart {
  const cap = Math.max(0, spec.hi - spec.lo + 1)
  const hhOf = new Int32Array(cap).fill(-1)
  const index = new Map<string, number>()
  const first: number[] = []
  const size: number[] = []
  const regionParams = spec.region ? { region: spec.region } : {}
  readColumns(db, "coalesce(nullif(trim(household_no), ''), id_number)", `id - ${spec.lo}`, 'roster_entries', `+period = @period ${regionSql(spec.region)}`,
    { period: spec.period, ...regionParams }, (key, o) => {
      let h = index.get(key)
      if (h === undefined) {
        h = first.length
        index.set(key, h)
        first.push(o)
        size.push(0)
      }
      size[h]++
      hhOf[o] = h
    }, spec)
  const pairing = new Uint8Array(first.length)
  if (spec.pairingsOn) {
    // Blank measures are blank after trimming every kind of space a cell may hold (full-width too).
    const blank = "' ' || char(9, 10, 13, 160, 12288)"
    const bits = `${PAIR_HELPER} | (CASE WHEN trim(coalesce(measures, ''), ${blank}) <> '' THEN ${PAIR_MEASURES} ELSE 0 END) | (CASE WHEN coalesce(funds, 0) > 0 THEN ${PAIR_FUNDS} ELSE 0 END)`
    readColumns(db, 'household_no', bits, 'pairings', 'end_date IS NULL OR end_date > @on', { on: spec.pairingsOn }, (hh, b) => {
      const h = index.get(hh)
      if (h !== undefined) pairing[h] |= b
    })
  }
  const listBits = new Int32Array(first.length)
  for (const list of spec.lists) {
    if (!list.household) continue
    // A household list may name the household by its number rather than by a member.
    const periods = Object.fromEntries(list.periods.map((p, i) => [`p${i}`, p]))
    readColumns(db, 'household_no', null, 'benefit_records', `benefit_code = @code AND period IN (${list.periods.map((_, i) => `@p${i}`).join(', ')}) AND household_no IS NOT NULL`,
      { code: list.code, ...periods }, (hh) => {
        const h = index.get(hh)
        if (h !== undefined) listBits[h] |= list.bit
      })
  }
  return { kind: 'households', hhOf, first: Int32Array.from(first), size: Int32Array.from(size), pairing, listBits }
}

/**
 * A column of IDs in index order with their rowids. 18-character IDs (what the importers store) are kept
 * as two numbers each, digits 1–9 and digits 10–17 with the check character (X as 10), which compare in
 * the same order as the text; anything else is kept as strings.
 */
interface SortedIds { count: number; hi: Int32Array | null; lo: Int32Array | null; ids: string[] | null; rows: Int32Array }

/** Parses the IDs of `text` (18 characters each) into hi/lo numbers; false when one is not digits (+ X). */
function parseIds(text: string, count: number, hi: Int32Array, lo: Int32Array): boolean {
  for (let k = 0, p = 0; k < count; k++) {
    let h = 0
    for (let q = 0; q < 9; q++, p++) {
      const d = text.charCodeAt(p) - 48
      if (d < 0 || d > 9) return false
      h = h * 10 + d
    }
    let l = 0
    for (let q = 0; q < 8; q++, p++) {
      const d = text.charCodeAt(p) - 48
      if (d < 0 || d > 9) return false
      l = l * 10 + d
    }
    const c = text.charCodeAt(p++)
    const check = c === 88 ? 10 : c >= 48 && c <= 57 ? c - 48 : -1
    if (check < 0) return false
    hi[k] = h
    lo[k] = l * 11 + check
  }
  return true
}

/**
 * IDs in index order. Read as one string (group_concat) and parsed into numbers when they all have 18
 * characters, which the importers make sure of; else one value a row.
 */
function sortedIds(db: Conn, from: string, where: string, params: unknown[], rowid: string | null, base: number): SortedIds {
  const whole = db.prepare(`SELECT count(*), sum(length(id_number)), group_concat(id_number, '')${rowid ? `, group_concat(${rowid} - ${base}, ',')` : ''}
    FROM (SELECT id_number${rowid ? `, ${rowid}` : ''} FROM ${from} WHERE ${where} ORDER BY id_number)`).raw().get(...params) as [number, number | null, string | null, string | null]
  const count = whole[0]
  const rows = new Int32Array(count)
  const hi = new Int32Array(count)
  const lo = new Int32Array(count)
  if (count > 0 && whole[1] === count * 18 && whole[2]!.length === count * 18 && parseIds(whole[2]!, count, hi, lo)) {
    if (rowid) eachNumber(whole[3]!, (n, k) => (rows[k] = n))
    return { count, hi, lo, ids: null, rows }
  }
  const ids: string[] = []
  let k = 0
  for (const row of db.prepare(`SELECT id_number${rowid ? `, ${rowid} - ${base}` : ''} FROM ${from} WHERE ${where} ORDER BY id_number`).raw().iterate(...params) as Iterable<[string, number?]>) {
    ids.push(row[0])
    if (rowid) rows[k++] = row[1]!
  }
  return { count: ids.length, hi: null, lo: null, ids, rows }
}

function idAt(s: SortedIds, i: number): string {
  if (s.ids) return s.ids[i]
  const l = s.lo![i]
  const check = l % 11
  return String(s.hi![i]).padStart(9, '0') + String((l - check) / 11).padStart(8, '0') + (check === 10 ? 'X' : String(check))
}

/** Compares ID i of a with ID j of b (both in index order). */
function compareIds(a: SortedIds, i: number, b: SortedIds, j: number): number {
  if (a.ids || b.ids) {
    const x = idAt(a, i)
    const y = idAt(b, j)
    return x < y ? -1 : x > y ? 1 : 0
  }
  return a.hi![i] - b.hi![j] || a.lo![i] - b.lo![j]
}

/**
 * Walks two ID columns in index order: `both` for an ID in each, `onlyB` for one only in b, `onlyA`
 * for one only in a. Without onlyA, a is searched by galloping: a short list against a long roster
 * touches only a few of the roster's IDs.
 */
function merge(a: SortedIds, b: SortedIds, both: (i: number, j: number) => void, onlyB?: (j: number) => void, onlyA?: (i: number) => void): void {
  let i = 0
  for (let j = 0; j < b.count; j++) {
    if (!onlyA && i < a.count && compareIds(a, i, b, j) < 0) {
      // Find the first a[k] >= b[j]: double the step until past it, then halve back.
      let step = 1
      let low = i
      while (i + step < a.count && compareIds(a, i + step, b, j) < 0) {
        low = i + step
        step *= 2
      }
      let high = Math.min(a.count, i + step)
      low++
      while (low < high) {
        const mid = (low + high) >>> 1
        if (compareIds(a, mid, b, j) < 0) low = mid + 1
        else high = mid
      }
      i = low
    }
    let c = 1
    while (i < a.count && (c = compareIds(a, i, b, j)) < 0) {
      if (onlyA) onlyA(i)
      i++
    }
    if (i < a.count && c === 0) both(i++, j)
    else if (onlyB) onlyB(j)
  }
  if (onlyA) for (; i < a.count; i++) onlyA(i)
}

function periodIds(db: Conn, range: PeriodRange): SortedIds {
  return sortedIds(db, 'roster_entries', 'period = ?', [range.period], 'id', range.lo)
}

function listPart(db: Conn, spec: ScanSpec): ListPart {
  const mask = new Int32Array(Math.max(0, spec.hi - spec.lo + 1))
  const roster = periodIds(db, spec)
  const offRoster = new Map<string, number>()
  for (const list of spec.lists) {
    for (const period of list.periods) {
      // A one-off measure's lists of several periods may name a person more than once: bits are idempotent.
      const listed = sortedIds(db, 'benefit_records', 'benefit_code = ? AND period = ?', [list.code, period], null, 0)
      merge(roster, listed, (i) => { mask[roster.rows[i]] |= list.bit }, list.rosterOnly
        ? (j) => {
          const id = idAt(listed, j)
          offRoster.set(id, (offRoster.get(id) ?? 0) | list.bit)
        }
        : undefined)
    }
  }
  // Whether each was on an earlier roster: SQLite skips through the (period, id_number) index once per
  // period, touching pages all over it, which is why this runs here rather than on the main connection.
  const last = db.prepare(`SELECT max(period), county_code, township_name, village_name FROM roster_entries WHERE id_number = ? AND period < ?`).raw()
  const resolved: OffRoster[] = [...offRoster].map(([id, bits]) => {
    if (!spec.leavers) return { id, bits, last: null }
    const [period, county, township, village] = last.get(id, spec.period) as [string | null, string | null, string | null, string | null]
    return { id, bits, last: period ? { period, county, township, village } : null }
  })
  return { kind: 'lists', mask, offRoster: resolved }
}

function previousPart(db: Conn, spec: ScanSpec): PreviousPart {
  const isNew = new Uint8Array(Math.max(0, spec.hi - spec.lo + 1))
  const prev = spec.previous!
  const now = periodIds(db, spec)
  const before = periodIds(db, prev)
  const leftRows: number[] = []
  merge(now, before, () => {}, (j) => leftRows.push(before.rows[j] + prev.lo), (i) => { isNew[now.rows[i]] = 1 })
  const code = `coalesce(${spec.level}_code, '')`
  const regionOf = db.prepare(`SELECT ${code} FROM roster_entries WHERE id = ?`).pluck()
  const left = new Map<string, number>()
  for (const rowid of leftRows) {
    const c = regionOf.get(rowid) as string
    left.set(c, (left.get(c) ?? 0) + 1)
  }
  const counts = db.prepare(`SELECT ${code}, poverty_status, count(*) FROM roster_entries WHERE ${ROWS} GROUP BY 1, 2`).raw()
    .all({ a: prev.lo, b: prev.hi, period: prev.period }) as Array<[string, string | null, number]>
  return { kind: 'previous', isNew, left: [...left], counts }
}

export function runScanTask(db: Conn, spec: ScanSpec, task: ScanTask): ScanResult {
  switch (task.kind) {
    case 'roster': return rosterPart(db, spec, task.a, task.b)
    case 'households': return householdPart(db, spec)
    case 'lists': return listPart(db, spec)
    case 'previous': return previousPart(db, spec)
  }
}

/** The buffers a result hands over to the main thread rather than copying. */
export function transferables(result: ScanResult): ArrayBuffer[] {
  const arrays = result.kind === 'roster' ? [result.attrs, result.extras, result.packed, result.place]
    : result.kind === 'households' ? [result.hhOf, result.first, result.size, result.pairing, result.listBits]
      : result.kind === 'lists' ? [result.mask] : [result.isNew]
  return arrays.map((x) => x.buffer as ArrayBuffer)
}

/** Below this many rows in the period, threads cost more than they save. */
const PARALLEL_MIN_ROWS = 50_000

/**
 * How many threads to read a period of `rows` rows with. CJFP_THREADS overrides it (1: all on the main
 * thread), and CJFP_PARALLEL_MIN_ROWS the threshold (tests use both to run the threaded path on small data).
 */
export function scanThreads(rows: number): number {
  const forced = Number(process.env.CJFP_THREADS)
  const min = process.env.CJFP_PARALLEL_MIN_ROWS === undefined ? PARALLEL_MIN_ROWS : Number(process.env.CJFP_PARALLEL_MIN_ROWS)
  if (Number.isInteger(forced) && forced >= 1) return rows >= min ? forced : 1
  if (rows < min) return 1
  return Math.max(1, Math.min(4, availableParallelism()))
}

/** What a worker is started with. */
export interface WorkerSetup {
  file: string
  spec: ScanSpec
  tasks: ScanTask[]
  /** Index of the next unclaimed task, shared by every worker. */
  next: Int32Array
}

export type WorkerMessage = { type: 'result'; index: number; result: ScanResult } | { type: 'error'; message: string; stack?: string }

/**
 * Runs the parts of a scan: on `threads` worker threads reading the database file (each takes the next
 * unclaimed part), or one after another on the given connection when threads is 1 or the database is
 * not a file. Results come back in task order; `onResult` sees each as it arrives (the main thread is idle meanwhile).
 */
export async function runScan(db: Conn, spec: ScanSpec, threads: number, onResult?: (result: ScanResult) => void): Promise<ScanResult[]> {
  const rows = Math.max(0, spec.hi - spec.lo + 1)
  // The parts that cannot be split first, then the roster in small enough chunks that the threads end together.
  const tasks: ScanTask[] = [{ kind: 'households' }]
  if (spec.lists.length > 0) tasks.push({ kind: 'lists' })
  if (spec.previous) tasks.push({ kind: 'previous' })
  const step = Math.ceil(rows / (threads > 1 ? threads * 2 : 1))
  for (let a = spec.lo; a <= spec.hi; a += step) tasks.push({ kind: 'roster', a, b: Math.min(spec.hi, a + step - 1) })
  const file = db.name
  // The worker is compiled JavaScript beside this file; run from the TypeScript sources (a unit test) there is none.
  const script = new URL('./period-worker.js', import.meta.url)
  if (threads <= 1 || db.memory || !file || !existsSync(fileURLToPath(script))) {
    return tasks.map((task) => {
      const result = runScanTask(db, spec, task)
      onResult?.(result)
      return result
    })
  }

  const next = new Int32Array(new SharedArrayBuffer(4))
  const results: ScanResult[] = new Array(tasks.length)
  const workers: Worker[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0
      let exited = 0
      for (let w = 0; w < Math.min(threads, tasks.length); w++) {
        const setup: WorkerSetup = { file, spec, tasks, next }
        const worker = new Worker(script, { workerData: setup })
        workers.push(worker)
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'error') {
            const error = new Error(message.message)
            if (message.stack) error.stack = message.stack
            reject(error)
            return
          }
          results[message.index] = message.result
          onResult?.(message.result)
          if (++done === tasks.length) resolve()
        })
        worker.on('error', reject)
        worker.on('exit', (code) => {
          exited++
          if (done < tasks.length && (code !== 0 || exited === workers.length)) reject(new Error(`读取线程意外退出（${code}）`))
        })
      }
    })
  } finally {
    for (const worker of workers) void worker.terminate()
  }
  return results
}

/** Where a roster row places a person: county, township and village codes as the roster gives them. */
export interface ScanPlace {
  county: string | null
  township: string | null
  village: string | null
  /** The names the roster gives (a place is told apart by its codes and names together). */
  townshipName: string | null
  villageName: string | null
}

/** A period's persons (in rowid order) and households, joined from the parts. */
export interface PeriodScan {
  persons: number
  /** Per person: rowid − lo. */
  offsets: Int32Array
  /** Per person: index into attrs ([poverty_status, gender, relation, poverty_cause]). */
  attrsOf: Int32Array
  attrs: Array<[string | null, string | null, string | null, string | null]>
  /** Per person: index into extrasVocab (the clerk's columns as one JSON array, or null). */
  extrasOf: Int32Array
  extrasVocab: Array<string | null>
  /** Per person: grade, category, household size, exit year and age (unpackPerson). */
  packed: Int32Array
  /** Per person: index into places. */
  placeOf: Int32Array
  places: ScanPlace[]
  /** Per person: household index. */
  hh: Int32Array
  households: number
  /** Per household: its first member (person index), registered members, pairing bits, bits of lists naming its number. */
  hhFirst: Int32Array
  hhSize: Int32Array
  hhPairing: Uint8Array
  hhListBits: Int32Array
  /** Per person: the bits of the benefits whose lists name them. */
  mask: Int32Array
  /** Per person: 1 when new since the previous period (null without one). */
  isNew: Uint8Array | null
  left: Array<[string, number]>
  previousCounts: Array<[string, string | null, number]>
  offRoster: OffRoster[]
}

/**
 * Reads a period for the benefit check (and, with spec.previous and spec.pairingsOn, the notice), on
 * worker threads when the period is large (scanThreads).
 */
export async function scanPeriod(db: Conn, spec: ScanSpec): Promise<PeriodScan> {
  const cap = Math.max(0, spec.hi - spec.lo + 1)
  // Roster chunks are joined as they arrive, in rowid order, while the other threads still read: each
  // chunk's values go onto one vocabulary (first seen, first numbered) in arrays by rowid offset.
  const attrsIndex = new Map<string, number>()
  const extrasIndex = new Map<string | null, number>()
  const placeIndex = new Map<string, number>()
  const global = <K>(index: Map<K, number>, vocab: K[]) => Int32Array.from(vocab, (v) => {
    let g = index.get(v)
    if (g === undefined) index.set(v, (g = index.size))
    return g
  })
  const attrsAt = new Int32Array(cap).fill(-1)
  const extrasAt = new Int32Array(cap)
  const placeAt = new Int32Array(cap)
  const packedAt = new Int32Array(cap)
  const waiting = new Map<number, RosterPart>()
  let nextChunk = spec.lo
  const join = (part: RosterPart) => {
    const attrsMap = global(attrsIndex, part.attrsVocab)
    const extrasMap = global(extrasIndex, part.extrasVocab)
    const placeMap = global(placeIndex, part.placeVocab)
    const base = part.a - spec.lo
    for (let o = 0; o < part.attrs.length; o++) {
      if (part.attrs[o] < 0) continue
      attrsAt[base + o] = attrsMap[part.attrs[o]]
      extrasAt[base + o] = extrasMap[part.extras[o]]
      placeAt[base + o] = placeMap[part.place[o]]
      packedAt[base + o] = part.packed[o]
    }
    nextChunk = part.a + part.attrs.length
  }
  const parts = await runScan(db, spec, scanThreads(cap), (result) => {
    if (result.kind !== 'roster') return
    waiting.set(result.a, result)
    for (let part = waiting.get(nextChunk); part; part = waiting.get(nextChunk)) {
      waiting.delete(part.a)
      join(part)
    }
  })
  const households = parts.find((p): p is HouseholdPart => p.kind === 'households')!
  const lists = parts.find((p): p is ListPart => p.kind === 'lists')
  const previous = parts.find((p): p is PreviousPart => p.kind === 'previous')

  let persons = 0
  for (let o = 0; o < cap; o++) if (attrsAt[o] >= 0) persons++
  const offsets = new Int32Array(persons)
  const attrsOf = new Int32Array(persons)
  const extrasOf = new Int32Array(persons)
  const packed = new Int32Array(persons)
  const placeOf = new Int32Array(persons)
  const personAt = new Int32Array(cap).fill(-1)
  let i = 0
  for (let o = 0; o < cap; o++) {
    if (attrsAt[o] < 0) continue
    offsets[i] = o
    personAt[o] = i
    attrsOf[i] = attrsAt[o]
    extrasOf[i] = extrasAt[o]
    packed[i] = packedAt[o]
    placeOf[i] = placeAt[o]
    i++
  }
  const hh = new Int32Array(persons)
  const mask = new Int32Array(persons)
  const isNew = previous ? new Uint8Array(persons) : null
  for (let p = 0; p < persons; p++) {
    const o = offsets[p]
    hh[p] = households.hhOf[o]
    if (lists) mask[p] = lists.mask[o]
    if (isNew) isNew[p] = previous!.isNew[o]
  }
  const hhFirst = households.first.map((o) => personAt[o])
  const parse = <T>(text: string) => JSON.parse(text) as T
  return {
    persons, offsets, attrsOf, attrs: [...attrsIndex.keys()].map((t) => parse(t)), extrasOf, extrasVocab: [...extrasIndex.keys()], packed,
    placeOf, places: [...placeIndex.keys()].map((t) => {
      const [county, township, village, townshipName, villageName] = parse<Array<string | null>>(t)
      return { county, township, village, townshipName, villageName }
    }),
    hh, households: households.first.length, hhFirst, hhSize: households.size, hhPairing: households.pairing, hhListBits: households.listBits,
    mask, isNew, left: previous?.left ?? [], previousCounts: previous?.counts ?? [], offRoster: lists?.offRoster ?? [],
  }
}
