/**
 * The reading half of a roster import: open the file, find the header, validate every row and hand
 * out batches of accepted rows (as flat arrays, ready to bind), rejected rows and warnings. It never
 * touches the database, so it can run in a worker thread while the main thread writes (see
 * roster-worker.ts); small files run it in-process.
 */
import { detectHeader, type HeaderMatch, HEADER_SEARCH_ROWS } from './header-detect.js'
import { idKey } from './idcard.js'
import { type Region, RegionIndex, builtinRegions } from './regions.js'
import { fieldForHeader, normalizeHeader, REQUIRED_ROSTER_FIELDS, ROSTER_FIELDS, type RosterField } from './roster-fields.js'
import { isBlankRow, isTotalRow, type RowContext, type RowProblem, type RowWarning, validateRosterRow } from './roster-validate.js'
import { type EncodingChoice, openTable, type SourceRow } from './table-reader.js'

export interface StreamSetup {
  file: string
  sheet?: string
  encoding?: EncodingChoice
  /** Normalised header → field, from --map and remembered mappings. */
  fixed: Array<[string, RosterField]>
  areaCode: string
  /** Regions the database learnt (villages), on top of the built-in ones. */
  extraRegions: Region[]
  /** Status text → canonical status. */
  statuses: Array<[string, string]>
  today: number
  /** Send each accepted row's original cells too (needed when the period already has rows). */
  keepCells: boolean
}

export interface HeaderFound {
  format: string
  encoding: string | null
  sheet: string | null
  /** Every worksheet of an .xlsx (so a caller can look on the others), else []. */
  sheets: string[]
  headers: string[]
  headerRowNumber: number
  missing: RosterField[]
  /** Header text → field, for the batch record. */
  mapping: Record<string, string>
  unknownColumns: string[]
}

/**
 * One accepted row, in the column order of the roster_entries insert:
 * row_number, id_number, name, gender, household_no, relation, household_size, poverty_cause, county_code,
 * township_code, village_code, township_name, village_name, cert_number, category, grade, poverty_status,
 * exit_year, phone, extra_json.
 */
export type AcceptedRow = Array<string | number | null>
/** Values per accepted row; a batch holds its accepted rows end to end in one flat array. */
export const ACCEPTED_WIDTH = 20
export const ACCEPTED_ID = 1
export const ACCEPTED_VILLAGE_CODE = 10
export const ACCEPTED_TOWNSHIP_CODE = 9
export const ACCEPTED_VILLAGE_NAME = 12
/**
 * Text columns whose values repeat from row to row (gender, relation, poverty cause, county, township and
 * village codes and names, status). In a batch they hold a number instead: the index of the text in the
 * strings the batches have brought so far (RowBatch.strings, in order). A place name then crosses from
 * the worker thread once rather than in every row, which the writer thread would have to deserialise.
 */
export const ACCEPTED_REPEATED = [3, 5, 7, 8, 9, 10, 11, 12, 16] as const
/** Past this many distinct strings, repeated columns are sent as text (a file whose "repeated" columns are not). */
const MAX_STRINGS = 1 << 16
/**
 * Text columns of plain digits, unique to the row (身份证号, 户编号, 残疾人证号, 电话). In a batch they
 * hold their length (null for none), and the texts themselves follow one another in RowBatch.packed.
 * The reader's strings are two-byte (the decoded file has Chinese in it); the writer turns the packed
 * text into a one-byte string, which better-sqlite3 converts to UTF-8 for SQLite much faster.
 */
export const ACCEPTED_PACKED = [1, 4, 13, 18] as const

/** Undoes ACCEPTED_REPEATED and ACCEPTED_PACKED on the receiving side, batch after batch. */
export class AcceptedStrings {
  readonly list: string[] = []
  private packed = ''
  private at = 0
  private rowAt = 0

  /** Takes in the next batch's new strings and packed texts. */
  add(batch: RowBatch): void {
    for (const text of batch.strings) this.list.push(oneByte(text))
    this.packed = oneByte(batch.packed)
    this.at = 0
  }

  /** The value as stored: a number in a repeated column stands for a string. */
  text(value: string | number | null): string | null {
    return typeof value === 'number' ? this.list[value] : value
  }

  /** Marks the start of a row, before its packed texts are read with next(). */
  startRow(): void {
    this.rowAt = this.at
  }

  /** The row's next packed text, given the length sent in its place. */
  next(length: string | number | null): string | null {
    if (length === null) return null
    const start = this.at
    this.at += length as number
    return this.packed.slice(start, this.at)
  }

  /** The row last started, with all its texts put back (for the rare paths; the writer binds directly). */
  row(values: AcceptedRow, at: number): AcceptedRow {
    const row = values.slice(at, at + ACCEPTED_WIDTH)
    for (const i of ACCEPTED_REPEATED) row[i] = this.text(row[i])
    let start = this.rowAt
    for (const i of ACCEPTED_PACKED) {
      const length = row[i] as number | null
      if (length === null) continue
      row[i] = this.packed.slice(start, start + length)
      start += length
    }
    return row
  }
}

const LATIN1 = /^[\x00-\xff]*$/

/** The same text as a one-byte string when it has no character past U+00FF. */
function oneByte(text: string): string {
  return text.length > 0 && LATIN1.test(text) ? Buffer.from(text, 'latin1').toString('latin1') : text
}

export interface RejectedRow {
  row: number
  cellsJson: string
  problems: RowProblem[]
  idNumber: string | null
  countyCode: string | null
}

export interface RowBatch {
  total: number
  skipped: number
  /**
   * The accepted rows end to end, ACCEPTED_WIDTH values each. One flat array rather than an array per
   * row: it crosses from the worker thread as one object, and the writer binds straight from it.
   */
  accepted: AcceptedRow
  /**
   * Original cells (JSON) of accepted rows that may turn out to be duplicates, so that the writer can
   * keep them as rejected rows: every row when keepCells was asked for, else the rows whose ID the
   * filter has probably seen before in this file. null where not needed.
   */
  acceptedCells: Array<string | null>
  /** Strings first used by this batch's repeated columns (see ACCEPTED_REPEATED). */
  strings: string[]
  /** The texts of the packed columns, row after row (see ACCEPTED_PACKED). */
  packed: string
  rejected: RejectedRow[]
  warnings: RowWarning[]
}

/**
 * Rows per batch handed out, whatever the reader's batches: the accepted values then stay one flat
 * array of 20,000 under V8's 128 KB limit for ordinary objects, so neither thread allocates it as a
 * large object (a fresh page each time), and few rows are alive at once on either side.
 */
const BATCH_ROWS = 1000

/** A header row not found yet; the caller may add mappings and ask again. */
export class RosterStream {
  private head: SourceRow[] = []
  private pending: SourceRow[] = []
  private match: HeaderMatch<RosterField> | null = null
  private fixed: Map<string, RosterField>
  private started = false

  private constructor(
    private readonly setup: StreamSetup,
    private readonly iterator: AsyncIterator<SourceRow[]>,
    private readonly info: { format: string; encoding: string | null; sheet: string | null; sheets: string[] },
  ) {
    this.fixed = new Map(setup.fixed)
  }

  /** Opens the file and reads far enough to find the header. @throws FileError, NotFoundError SHEET_NOT_FOUND */
  static async open(setup: StreamSetup): Promise<RosterStream> {
    const source = await openTable(setup.file, { sheet: setup.sheet, encoding: setup.encoding })
    const stream = new RosterStream(setup, source.batches()[Symbol.asyncIterator](), {
      format: source.format, encoding: source.encoding, sheet: source.sheet, sheets: source.sheets,
    })
    while (stream.head.length < HEADER_SEARCH_ROWS) {
      const next = await stream.iterator.next()
      if (next.done) break
      for (const row of next.value) {
        if (stream.head.length < HEADER_SEARCH_ROWS) stream.head.push(row)
        else stream.pending.push(row)
      }
    }
    return stream
  }

  /** Finds the header with the mappings known so far (plus any given now). */
  header(add: Array<[string, RosterField]> = []): HeaderFound {
    for (const [header, field] of add) this.fixed.set(normalizeHeader(header), field)
    this.match = detectHeader(this.head.map((r) => r.cells), fieldForHeader, this.fixed)
    const match = this.match
    const missing = match ? REQUIRED_ROSTER_FIELDS.filter((f) => match.columns[f] === undefined) : [...REQUIRED_ROSTER_FIELDS]
    const mapping: Record<string, string> = {}
    if (match) for (const field of ROSTER_FIELDS) if (match.columns[field] !== undefined) mapping[match.headers[match.columns[field]!]] = field
    return {
      ...this.info,
      headers: match?.headers ?? [],
      headerRowNumber: match ? this.head[match.headerIndex].rowNumber : 0,
      missing,
      mapping,
      unknownColumns: match ? this.keptColumns(match).map((i) => match.headers[i]) : [],
    }
  }

  // A 序号 column is renumbered every month and means nothing on its own: not kept.
  private keptColumns(match: HeaderMatch<RosterField>): number[] {
    return [...match.unknownColumns, ...match.duplicateColumns].filter((i) => normalizeHeader(match.headers[i]) !== '序号').sort((a, b) => a - b)
  }

  /** Validated rows in batches. Call header() first and only go on when nothing is missing. */
  async *batches(): AsyncGenerator<RowBatch> {
    const match = this.match
    if (!match || this.started) throw new Error('RosterStream.batches() needs a header and runs once')
    this.started = true
    const setup = this.setup
    const builtin = builtinRegions()
    const regions = setup.extraRegions.length > 0 ? new RegionIndex(builtin.source, [...builtin.all(), ...setup.extraRegions]) : builtin
    const ctx: RowContext = {
      area: regions.find(setup.areaCode), regions, headers: match.headers, columns: match.columns, unknownColumns: this.keptColumns(match),
      statuses: new Map(setup.statuses), today: new Date(setup.today), countyCache: new Map(), townshipCache: new Map(),
    }
    const seen = new SeenFilter()
    // The reader passes over rows with nothing in them; the gaps in the row numbers are those blank rows.
    let lastRow = this.head[match.headerIndex].rowNumber

    const newBatch = (): RowBatch => ({ total: 0, skipped: 0, accepted: [], acceptedCells: [], rejected: [], warnings: [], strings: [], packed: '' })
    let packed: string[] = []
    const pack = (text: string | null): number | null => {
      if (text === null) return null
      packed.push(text)
      return text.length
    }
    const finished = (): RowBatch => {
      batch.packed = packed.join('')
      packed = []
      return batch
    }
    const known = new Map<string, number>()
    const repeated = (text: string | null): string | number | null => {
      if (text === null) return null
      const i = known.get(text)
      if (i !== undefined) return i
      if (known.size >= MAX_STRINGS) return text
      known.set(text, known.size)
      batch.strings.push(text)
      return known.size - 1
    }
    let batch = newBatch()
    let rowsInBatch = 0
    const add = (row: SourceRow) => {
      const gap = row.rowNumber - lastRow - 1
      if (gap > 0) {
        batch.total += gap
        batch.skipped += gap
      }
      lastRow = row.rowNumber
      batch.total++
      rowsInBatch++
      if (isBlankRow(row.cells) || isTotalRow(row.cells)) {
        batch.skipped++
        return
      }
      const outcome = validateRosterRow(row.rowNumber, row.cells, row.numericCells, ctx)
      for (const w of outcome.warnings) batch.warnings.push(w)
      if (outcome.ok) {
        const r = outcome.record
        batch.accepted.push(
          row.rowNumber, pack(r.idNumber), r.name, repeated(r.gender), pack(r.householdNo), repeated(r.relation), r.householdSize,
          repeated(r.povertyCause), repeated(r.countyCode), repeated(r.townshipCode), repeated(r.villageCode), repeated(r.townshipName),
          repeated(r.villageName), pack(r.certNumber), r.category, r.grade, repeated(r.povertyStatus), r.exitYear, pack(r.phone),
          r.extra ? JSON.stringify(r.extra) : null,
        )
        const maybeSeen = seen.add(idKey(r.idNumber))
        batch.acceptedCells.push(setup.keepCells || maybeSeen ? JSON.stringify(row.cells) : null)
      } else {
        batch.rejected.push({
          row: row.rowNumber,
          cellsJson: JSON.stringify(row.cells),
          problems: outcome.problems,
          idNumber: outcome.idNumber,
          countyCode: outcome.countyCode,
        })
      }
    }

    const first = [...this.head.slice(match.headerIndex + 1), ...this.pending]
    this.head = []
    this.pending = []
    for (let rows: SourceRow[] | null = first; rows; ) {
      for (const row of rows) {
        add(row)
        if (rowsInBatch === BATCH_ROWS) {
          yield finished()
          batch = newBatch()
          rowsInBatch = 0
        }
      }
      const next = await this.iterator.next()
      rows = next.done ? null : next.value
    }
    if (rowsInBatch > 0) yield finished()
  }
}

/**
 * A Bloom filter over ID keys with a fixed 8 MB of bits: "maybe seen" sends a row's cells along in
 * case the database's unique index then finds it a duplicate. Fixed size, so memory does not grow
 * with the file; at a million rows fewer than one row in ten thousand is a false "maybe".
 */
class SeenFilter {
  private readonly bits = new Uint32Array(1 << 21)

  /** Records the key; true when it may have been recorded before. */
  add(key: number): boolean {
    const lo = key % 4294967296
    const hi = Math.floor(key / 4294967296)
    let h1 = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0
    const h2 = (Math.imul(hi ^ lo, 0xc2b2ae35) | 1) >>> 0
    let present = true
    for (let i = 0; i < 3; i++) {
      const bit = h1 & 0x3ffffff
      const word = bit >>> 5
      const mask = 1 << (bit & 31)
      if ((this.bits[word] & mask) === 0) {
        present = false
        this.bits[word] |= mask
      }
      h1 = (h1 + h2) >>> 0
    }
    return present
  }
}
