/**
 * The reading half of a roster import: open the file, find the header, validate every row and hand
 * out batches of accepted rows (packed for the trip between threads; AcceptedRows unpacks them ready to
 * bind), rejected rows and warnings. It never
 * touches the database, so it can run in a worker thread while the main thread writes (see
 * roster-worker.ts); small files run it in-process.
 */
import { detectHeader, type HeaderMatch, HEADER_SEARCH_ROWS } from './header-detect.js'
import { idKey } from './idcard.js'
import { type Region, RegionIndex, builtinRegions } from './regions.js'
import { fieldForHeader, normalizeHeader, REQUIRED_ROSTER_FIELDS, ROSTER_FIELDS, type RosterField } from './roster-fields.js'
import { isBlankRow, isTotalRow, type RosterRecord, type RowContext, type RowProblem, type RowWarning, validateRosterRow } from './roster-validate.js'
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
/** Values per accepted row. */
export const ACCEPTED_WIDTH = 20
export const ACCEPTED_ID = 1
export const ACCEPTED_VILLAGE_CODE = 10
export const ACCEPTED_TOWNSHIP_CODE = 9
export const ACCEPTED_VILLAGE_NAME = 12

/** Rows per batch handed out, whatever the reader's batches: few rows are alive at once on either side. */
const BATCH_ROWS = 1000

/*
 * How a batch carries its accepted rows: ACCEPTED_WIDTH 32-bit integers per row in one Int32Array, which
 * crosses from the worker thread as a block of memory (transferred, not copied), plus a few strings. An
 * array of strings and numbers would be serialised and deserialised value by value, on the writer's
 * thread too. What each column's integer means:
 *   integer   row_number, household_size, category, grade, exit_year: the number (all positive), or NULL_VALUE;
 *   digits    id_number, household_no, cert_number, phone: the length of the text, which follows the ones
 *             before it in RowBatch.digits (one string the writer makes one-byte: binding is then faster);
 *   text      name, extra_json: the length of the text, in RowBatch.texts;
 *   repeated  gender, relation, poverty_cause, county_code, township_code, village_code, township_name,
 *             village_name, poverty_status: the index of the text among the strings of this and earlier
 *             batches (RowBatch.strings, numbered in order), so that a village's name crosses once rather
 *             than in every row; past MAX_STRINGS distinct texts, -2 - the length of a text in RowBatch.texts.
 * AcceptedEncoder.add and AcceptedRows.next spell this out column by column, in the same order.
 */
const NULL_VALUE = -1
const MAX_STRINGS = 1 << 16

/** Writes accepted rows into batches (the reading side). */
class AcceptedEncoder {
  private readonly known = new Map<string, number>()
  private readonly lastText: Array<string | null> = new Array(ACCEPTED_WIDTH).fill(null)
  private readonly lastIndex: number[] = new Array(ACCEPTED_WIDTH).fill(0)
  private values = new Int32Array(BATCH_ROWS * ACCEPTED_WIDTH)
  private count = 0
  private strings: string[] = []
  private digits: string[] = []
  private texts: string[] = []

  add(rowNumber: number, r: RosterRecord): void {
    const v = this.values
    const at = this.count++ * ACCEPTED_WIDTH
    v[at] = rowNumber
    v[at + 1] = this.digit(r.idNumber)
    v[at + 2] = this.text(r.name)
    v[at + 3] = this.repeated(3, r.gender)
    v[at + 4] = this.digit(r.householdNo)
    v[at + 5] = this.repeated(5, r.relation)
    v[at + 6] = integer(r.householdSize)
    v[at + 7] = this.repeated(7, r.povertyCause)
    v[at + 8] = this.repeated(8, r.countyCode)
    v[at + 9] = this.repeated(9, r.townshipCode)
    v[at + 10] = this.repeated(10, r.villageCode)
    v[at + 11] = this.repeated(11, r.townshipName)
    v[at + 12] = this.repeated(12, r.villageName)
    v[at + 13] = this.digit(r.certNumber)
    v[at + 14] = integer(r.category)
    v[at + 15] = integer(r.grade)
    v[at + 16] = this.repeated(16, r.povertyStatus)
    v[at + 17] = integer(r.exitYear)
    v[at + 18] = this.digit(r.phone)
    v[at + 19] = this.text(r.extra ? JSON.stringify(r.extra) : null)
  }

  /** Moves the rows added so far into the batch. */
  finish(batch: RowBatch): void {
    batch.accepted = this.values.subarray(0, this.count * ACCEPTED_WIDTH)
    batch.strings = this.strings
    batch.digits = this.digits.join('')
    batch.texts = this.texts.join('')
    this.values = new Int32Array(BATCH_ROWS * ACCEPTED_WIDTH)
    this.count = 0
    this.strings = []
    this.digits = []
    this.texts = []
  }

  private digit(text: string | null): number {
    if (text === null) return NULL_VALUE
    this.digits.push(text)
    return text.length
  }

  private text(text: string | null): number {
    if (text === null) return NULL_VALUE
    this.texts.push(text)
    return text.length
  }

  /** The number for column c's text; rows next to each other mostly share it (a village's), so try the last one first. */
  private repeated(c: number, text: string | null): number {
    if (text === null) return NULL_VALUE
    if (text === this.lastText[c]) return this.lastIndex[c]
    const i = this.lookUp(text)
    // Only an index can be reused; past MAX_STRINGS each row carries its own text.
    if (i >= 0) {
      this.lastText[c] = text
      this.lastIndex[c] = i
    }
    return i
  }

  private lookUp(text: string): number {
    const i = this.known.get(text)
    if (i !== undefined) return i
    if (this.known.size >= MAX_STRINGS) return -2 - this.text(text)
    this.known.set(text, this.known.size)
    this.strings.push(text)
    return this.known.size - 1
  }
}

function integer(value: number | null): number {
  return value === null ? NULL_VALUE : value
}

/** Reads the accepted rows of batch after batch (the writing side), in order. */
export class AcceptedRows {
  private readonly strings: string[] = []
  private values: Int32Array = new Int32Array(0)
  private digits = ''
  private texts = ''
  private digitsAt = 0
  private textsAt = 0

  /** Takes the next batch; returns how many accepted rows it holds. */
  take(batch: RowBatch): number {
    for (const text of batch.strings) this.strings.push(oneByte(text))
    this.values = batch.accepted
    this.digits = oneByte(batch.digits)
    this.texts = batch.texts
    this.digitsAt = 0
    this.textsAt = 0
    return batch.accepted.length / ACCEPTED_WIDTH
  }

  /** The batch's accepted row i, ready to bind; rows must be read in order. */
  next(i: number): AcceptedRow {
    const v = this.values
    const at = i * ACCEPTED_WIDTH
    // Left to right, as AcceptedEncoder.add wrote them: the texts are taken in turn.
    return [
      v[at], this.digit(v[at + 1]), this.text(v[at + 2]), this.repeated(v[at + 3]), this.digit(v[at + 4]), this.repeated(v[at + 5]),
      nullable(v[at + 6]), this.repeated(v[at + 7]), this.repeated(v[at + 8]), this.repeated(v[at + 9]), this.repeated(v[at + 10]),
      this.repeated(v[at + 11]), this.repeated(v[at + 12]), this.digit(v[at + 13]), nullable(v[at + 14]), nullable(v[at + 15]),
      this.repeated(v[at + 16]), nullable(v[at + 17]), this.digit(v[at + 18]), this.text(v[at + 19]),
    ]
  }

  private digit(length: number): string | null {
    if (length === NULL_VALUE) return null
    const start = this.digitsAt
    this.digitsAt += length
    return this.digits.slice(start, this.digitsAt)
  }

  private text(length: number): string | null {
    if (length === NULL_VALUE) return null
    const start = this.textsAt
    this.textsAt += length
    return this.texts.slice(start, this.textsAt)
  }

  private repeated(index: number): string | null {
    if (index >= 0) return this.strings[index]
    return index === NULL_VALUE ? null : this.text(-2 - index)
  }
}

function nullable(value: number): number | null {
  return value === NULL_VALUE ? null : value
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
  /** The accepted rows, ACCEPTED_WIDTH integers each: read them with AcceptedRows. */
  accepted: Int32Array
  /**
   * Original cells (JSON) of accepted rows that may turn out to be duplicates, so that the writer can
   * keep them as rejected rows: every row when keepCells was asked for, else the rows whose ID the
   * filter has probably seen before in this file. null where not needed.
   */
  acceptedCells: Array<string | null>
  rejected: RejectedRow[]
  warnings: RowWarning[]
  /** Texts first used in this batch's repeated columns. */
  strings: string[]
  /** The digit columns' texts, row after row. */
  digits: string
  /** The other texts (names, extra columns), row after row. */
  texts: string
}

const EMPTY = new Int32Array(0)

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

    const newBatch = (): RowBatch => ({
      total: 0, skipped: 0, accepted: EMPTY, acceptedCells: [], rejected: [], warnings: [], strings: [], digits: '', texts: '',
    })
    const encoder = new AcceptedEncoder()
    const finished = (): RowBatch => {
      encoder.finish(batch)
      return batch
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
        encoder.add(row.rowNumber, r)
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
