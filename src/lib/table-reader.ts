/**
 * 读表: opens the roster files clerks receive (.xlsx, or .csv/.txt in UTF-8 or GBK) and yields their
 * rows in batches, streamed, so a million-row file needs no more memory than a small one.
 *
 * CSV is split by hand: lines without a quote take a fast path (String#split), lines with one go
 * through a small state machine that carries its state across chunks; csv-parse and papaparse were
 * slower. XLSX is unzipped with yauzl (it reads the central directory, so sharedStrings.xml can be
 * loaded before the sheet whatever the order of the entries) and the sheet XML is scanned as bytes
 * by hand, because exceljs's streaming reader took several times the time budget. bench/readers.js
 * measures both.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { type FileHandle, open, stat } from 'node:fs/promises'
import { basename, extname, posix } from 'node:path'
import { isAscii, isUtf8 } from 'node:buffer'
import { type Readable, type TransformOptions, pipeline } from 'node:stream'
import { createInflateRaw, type ZlibOptions } from 'node:zlib'
import yauzl from 'yauzl'
import { FileError, NotFoundError } from './errors.js'

export type TableFormat = 'xlsx' | 'csv'
export type EncodingChoice = 'auto' | 'utf8' | 'gbk'

export interface SourceRow {
  /** The row number a clerk sees in Excel (1-based; for CSV, the 1-based record number, counting every record including title and header rows; a quoted field spanning lines still counts as one record). */
  rowNumber: number
  /** Cell texts, index = column (0-based); missing cells are ''. Never trimmed or otherwise altered except as stated for numbers and dates. */
  cells: string[]
  /** Indices of cells that were stored as numbers in an .xlsx (so a caller can tell an ID Excel turned into a number). Absent or empty for CSV. */
  numericCells?: number[]
}

export interface TableSource {
  file: string
  format: TableFormat
  /** 'utf-8', 'utf-8-bom' or 'gb18030' for CSV ('utf-16le'/'utf-16be' for Excel's "Unicode 文本" with its BOM); null for xlsx. */
  encoding: string | null
  /** The sheet read (xlsx), else null. */
  sheet: string | null
  /** All worksheet names (xlsx), else []. */
  sheets: string[]
  /**
   * Rows in order, in batches (e.g. 2,000 rows) to keep per-row async overhead low. Can be iterated once.
   * Rows with no text in any cell are not yielded; the gap shows in rowNumber.
   */
  batches(): AsyncIterable<SourceRow[]>
}

export interface OpenTableOptions {
  sheet?: string
  encoding?: EncodingChoice
}

const BATCH_ROWS = 2000
const READ_CHUNK = 1 << 20
/**
 * CSV is read, decoded and split this much at a time. A megabyte decodes to a string too large for the
 * young generation (so every chunk is a fresh large-object page to fault in) and splits into 5,000
 * rows alive at once; 64 KB stays a small object and about 350 rows.
 */
const CSV_CHUNK = 1 << 16
/** How much text after the first non-ASCII byte decides between UTF-8 and GB18030. */
const SNIFF_BYTES = 1 << 20
/** No real roster record is this long; past it the file's quotes or line ends are broken. */
const MAX_RECORD_CHARS = 8 << 20
const SAVE_AS_XLSX = '请在 Excel 中打开它，点「文件 → 另存为」，保存类型选「Excel 工作簿 (*.xlsx)」，再导入新文件'

/**
 * Opens a roster file and reads enough to know its format, encoding and sheets; rows come from batches().
 * @throws FileError FILE_NOT_FOUND, FILE_UNREADABLE, FILE_FORMAT; NotFoundError SHEET_NOT_FOUND
 */
export async function openTable(file: string, options: OpenTableOptions = {}): Promise<TableSource> {
  let format = formatOf(file)
  const head = await readHead(file)
  if (head.subarray(0, 4).equals(OLE_MAGIC)) {
    throw new FileError('FILE_FORMAT', `${basename(file)} 设置了打开密码，或其实是旧版 Excel 97-2003 (.xls) 文件，无法读取`, {
      hint: `如有密码，先在 Excel 中去掉密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）；${SAVE_AS_XLSX}`,
    })
  }
  // A workbook saved with a .csv name would decode as garbage; its bytes say what it is.
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) format = 'xlsx'
  if (format === 'xlsx') return openXlsx(file, options.sheet)
  return openCsv(file, options.encoding ?? 'auto')
}

/** sha256 of the file's bytes, streamed. @throws FileError FILE_NOT_FOUND, FILE_UNREADABLE */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK })) hash.update(chunk as Buffer)
  } catch (error) {
    throw fileAccessError(file, error)
  }
  return hash.digest('hex')
}

/**
 * How a number cell reads: integers up to 15 digits as-is; larger magnitudes as Excel displays them
 * with 15 significant digits expanded to digits (5.20102199001011E+17 → '520102199001011000'); other
 * numbers as the shortest round-trip decimal.
 */
export function numberCellText(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (value === 0) return '0'
  const abs = Math.abs(value)
  // Excel keeps 15 significant digits, so that is all an ID typed as a number still holds.
  if (abs >= 1e15) return expandExponent(value.toPrecision(15))
  return expandExponent(String(value))
}

/** '1.5e+20' → '150000000000000000000', '1e-7' → '0.0000001'; plain decimals pass through. */
function expandExponent(text: string): string {
  const e = text.indexOf('e')
  if (e < 0) return text
  const negative = text.startsWith('-')
  const mantissa = text.slice(negative ? 1 : 0, e)
  const exponent = Number(text.slice(e + 1))
  const point = mantissa.indexOf('.')
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1)
  const intLength = (point < 0 ? mantissa.length : point) + exponent
  let out: string
  if (intLength <= 0) {
    out = '0.' + '0'.repeat(-intLength) + digits
  } else if (intLength >= digits.length) {
    out = digits + '0'.repeat(intLength - digits.length)
  } else {
    out = digits.slice(0, intLength) + '.' + digits.slice(intLength)
  }
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '')
  return negative ? '-' + out : out
}

// ───────────────────────────── files ─────────────────────────────

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04])
/** OLE compound file: an old .xls, or an .xlsx encrypted with an open password. */
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0])

function formatOf(file: string): TableFormat {
  const ext = extname(file).toLowerCase()
  if (ext === '.xlsx' || ext === '.xlsm') return 'xlsx'
  if (ext === '.csv' || ext === '.txt') return 'csv'
  if (ext === '.xls') {
    throw new FileError('FILE_FORMAT', `${basename(file)} 是旧版 Excel 97-2003 (.xls) 文件，无法直接读取`, { hint: SAVE_AS_XLSX })
  }
  throw new FileError('FILE_FORMAT', `不能读取 ${basename(file)}：只支持 .xlsx 和 .csv 文件`, { hint: SAVE_AS_XLSX })
}

function fileAccessError(file: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return new FileError('FILE_NOT_FOUND', `找不到文件 ${file}`, { hint: '检查文件名和所在文件夹是否正确', cause: error })
  if (code === 'EISDIR') return new FileError('FILE_UNREADABLE', `${file} 是文件夹，不是文件`, { cause: error })
  if (code === 'EACCES' || code === 'EPERM') return new FileError('FILE_UNREADABLE', `没有权限读取文件 ${file}`, { cause: error })
  // Windows locks a workbook while Excel has it open.
  if (code === 'EBUSY') return new FileError('FILE_UNREADABLE', `文件 ${file} 正被其他程序占用`, { hint: '先在 Excel 中关闭这个文件再试', cause: error })
  return new FileError('FILE_UNREADABLE', `无法读取文件 ${file}：${(error as Error | undefined)?.message ?? String(error)}`, { cause: error })
}

async function openHandle(file: string): Promise<FileHandle> {
  try {
    const info = await stat(file)
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    return await open(file, 'r')
  } catch (error) {
    throw fileAccessError(file, error)
  }
}

async function readAt(handle: FileHandle, file: string, length: number, position: number): Promise<Buffer> {
  try {
    const buf = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buf, 0, length, position)
    return buf.subarray(0, bytesRead)
  } catch (error) {
    throw fileAccessError(file, error)
  }
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await openHandle(file)
  try {
    return await readAt(handle, file, 8, 0)
  } finally {
    await handle.close()
  }
}

// ───────────────────────────── CSV ─────────────────────────────

async function openCsv(file: string, choice: EncodingChoice): Promise<TableSource> {
  const handle = await openHandle(file)
  let detected: { label: string; decoder: string; guessed: boolean }
  let delimiter = ','
  try {
    detected = await detectEncoding(handle, file, choice)
    // Excel's "Unicode 文本" and many exports named .txt are tab-separated.
    if (extname(file).toLowerCase() === '.txt') {
      const sample = new TextDecoder(detected.decoder).decode(await readAt(handle, file, 64 * 1024, 0))
      const firstLine = sample.slice(0, sample.indexOf('\n') >>> 0)
      if (count(firstLine, '\t') > count(firstLine, ',')) delimiter = '\t'
    }
  } finally {
    await handle.close()
  }
  let used = false
  return {
    file,
    format: 'csv',
    encoding: detected.label,
    sheet: null,
    sheets: [],
    batches() {
      // A second pass would silently read nothing from a consumed stream; this is a caller's bug.
      if (used) throw new Error('TableSource.batches() can be iterated only once')
      used = true
      return csvBatches(file, detected.decoder, detected.guessed, delimiter)
    },
  }
}

function count(text: string, ch: string): number {
  let n = 0
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) n++
  return n
}

/**
 * BOM first; otherwise the text from the first non-ASCII byte decides, because a file whose first
 * megabyte is plain ASCII (numbers, IDs) says nothing about how its Chinese is encoded.
 */
async function detectEncoding(handle: FileHandle, file: string, choice: EncodingChoice): Promise<{ label: string; decoder: string; guessed: boolean }> {
  const head = await readAt(handle, file, 4, 0)
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf
  if (choice === 'gbk') return { label: 'gb18030', decoder: 'gb18030', guessed: false }
  if (choice === 'utf8') return { label: bom ? 'utf-8-bom' : 'utf-8', decoder: 'utf-8', guessed: false }
  if (bom) return { label: 'utf-8-bom', decoder: 'utf-8', guessed: false }
  if (head[0] === 0xff && head[1] === 0xfe) return { label: 'utf-16le', decoder: 'utf-16le', guessed: false }
  if (head[0] === 0xfe && head[1] === 0xff) return { label: 'utf-16be', decoder: 'utf-16be', guessed: false }

  for (let position = 0; ; position += READ_CHUNK) {
    const chunk = await readAt(handle, file, READ_CHUNK, position)
    if (chunk.length === 0) return { label: 'utf-8', decoder: 'utf-8', guessed: true }
    if (isAscii(chunk)) continue
    let first = 0
    while (chunk[first] < 0x80) first++
    const start = position + first
    const sample = await readAt(handle, file, SNIFF_BYTES, start)
    const complete = sample.length < SNIFF_BYTES ? sample : withoutCutCharacter(sample)
    return isUtf8(complete) ? { label: 'utf-8', decoder: 'utf-8', guessed: true } : { label: 'gb18030', decoder: 'gb18030', guessed: false }
  }
}

/** Drops a UTF-8 sequence cut off by the end of a sample, so a good file is not judged by half a character. */
function withoutCutCharacter(bytes: Buffer): Buffer {
  let i = bytes.length - 1
  while (i >= 0 && bytes.length - i <= 4 && (bytes[i] & 0xc0) === 0x80) i--
  if (i < 0 || bytes[i] < 0xc0) return bytes
  const need = bytes[i] >= 0xf0 ? 4 : bytes[i] >= 0xe0 ? 3 : 2
  return bytes.length - i < need ? bytes.subarray(0, i) : bytes
}

async function* csvBatches(file: string, encoding: string, strictUtf8: boolean, delimiter: string): AsyncGenerator<SourceRow[]> {
  // A guess from a sample must not turn later GBK bytes into U+FFFD silently: fail loudly instead.
  const decoder = new TextDecoder(encoding, { fatal: strictUtf8 })
  const splitter = new CsvSplitter(file, delimiter)
  const stream = createReadStream(file, { highWaterMark: CSV_CHUNK })
  try {
    for await (const chunk of stream) {
      let text: string
      try {
        text = decoder.decode(chunk as Buffer, { stream: true })
      } catch (error) {
        throw notUtf8Error(file, splitter.recordNumber + 1, error)
      }
      splitter.push(text)
      if (splitter.rows.length >= BATCH_ROWS) yield splitter.take()
    }
    let tail: string
    try {
      tail = decoder.decode()
    } catch (error) {
      throw notUtf8Error(file, splitter.recordNumber + 1, error)
    }
    splitter.push(tail)
    splitter.finish()
    if (splitter.rows.length > 0) yield splitter.take()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code && !(error instanceof FileError)) throw fileAccessError(file, error)
    throw error
  } finally {
    stream.destroy()
  }
}

function notUtf8Error(file: string, row: number, cause: unknown): FileError {
  return new FileError('FILE_FORMAT', `${basename(file)} 开头是 UTF-8 编码，但第 ${row} 行附近有不是 UTF-8 的字节，文件可能由两种编码拼接而成`, {
    hint: '如果文件是 GBK 编码，请明确指定编码为 GBK（--encoding gbk）后重试',
    cause,
  })
}

const QUOTE = 34
const LF = 10
const CR = 13

/** Between records: the fast path owns the text. */
const IDLE = 0
const FIELD_START = 1
/** Outside quotes, inside a field (also after a closing quote, where Excel keeps stray text). */
const UNQUOTED = 2
const QUOTED = 3
/** Just saw a quote inside a quoted field: either "" or the end of the field. */
const QUOTE_IN_QUOTED = 4
type Mode = 0 | 1 | 2 | 3 | 4

/** Splits decoded CSV text into records (RFC 4180); a quoted field may span lines and chunks. */
class CsvSplitter {
  rows: SourceRow[] = []
  recordNumber = 0
  private rest = ''
  private mode: Mode = IDLE
  private fields: string[] = []
  private field = ''
  private recordChars = 0
  private readonly delimiterCode: number

  constructor(
    private readonly file: string,
    private readonly delimiter: string,
  ) {
    this.delimiterCode = delimiter.charCodeAt(0)
  }

  take(): SourceRow[] {
    const rows = this.rows
    this.rows = []
    return rows
  }

  push(chunk: string): void {
    if (this.rest.length === 0) return this.scan(chunk, 0)
    const rest = this.rest
    this.rest = ''
    const nl = chunk.indexOf('\n')
    if (nl < 0) return this.scan(rest + chunk, 0)
    // The line cut by the chunk boundary is finished on its own: searching `rest + chunk` would first
    // copy the whole chunk into one new string.
    this.scan(rest + chunk.slice(0, nl + 1), 0)
    this.scan(chunk, nl + 1)
  }

  private scan(text: string, pos: number): void {
    if (this.mode !== IDLE) {
      pos = this.slow(text, pos)
      if (pos < 0) return
    }
    let nextQuote = text.indexOf('"', pos)
    for (;;) {
      const nl = text.indexOf('\n', pos)
      if (nl < 0) break
      if (nextQuote >= 0 && nextQuote < nl) {
        pos = this.slow(text, pos)
        if (pos < 0) return
        nextQuote = text.indexOf('"', pos)
        continue
      }
      const end = nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl
      this.emit(text.slice(pos, end).split(this.delimiter))
      pos = nl + 1
    }
    if (pos < text.length) {
      // A line this long without a newline would make every later chunk rescan it; the state machine does not.
      if (text.length - pos > READ_CHUNK) {
        this.slow(text, pos)
      } else {
        this.rest = text.slice(pos)
      }
    }
  }

  finish(): void {
    if (this.rest.length > 0 || this.mode !== IDLE) this.push('\n')
    if (this.mode === QUOTED) {
      throw new FileError('FILE_FORMAT', `${basename(this.file)} 第 ${this.recordNumber + 1} 行有一个双引号没有配对，其后的内容无法分列`, {
        hint: '在记事本中找到这一行，删去多余的双引号，或把它写成两个双引号 ""',
      })
    }
  }

  private emit(cells: string[]): void {
    const rowNumber = ++this.recordNumber
    for (let i = 0; i < cells.length; i++) {
      if (cells[i].length > 0) {
        this.rows.push({ rowNumber, cells })
        return
      }
    }
  }

  /** Parses from pos until a record ends (returns the position after it) or the text does (returns -1, state kept). */
  private slow(text: string, pos: number): number {
    if (this.mode === IDLE) {
      this.mode = FIELD_START
      this.fields = []
      this.field = ''
      this.recordChars = 0
    }
    const start = pos
    const length = text.length
    const delim = this.delimiterCode
    let i = pos
    while (i < length) {
      switch (this.mode) {
        case FIELD_START:
          if (text.charCodeAt(i) === QUOTE) {
            this.mode = QUOTED
            i++
          } else {
            this.mode = UNQUOTED
          }
          break
        case UNQUOTED: {
          let j = i
          let c = 0
          while (j < length && (c = text.charCodeAt(j)) !== delim && c !== LF) j++
          this.field += text.slice(i, j)
          if (j === length) {
            i = j
            break
          }
          if (c === delim) {
            this.fields.push(this.field)
            this.field = ''
            this.mode = FIELD_START
            i = j + 1
            break
          }
          if (this.field.charCodeAt(this.field.length - 1) === CR) this.field = this.field.slice(0, -1)
          return this.endRecord(j + 1)
        }
        case QUOTED: {
          const q = text.indexOf('"', i)
          if (q < 0) {
            this.field += text.slice(i)
            i = length
            break
          }
          this.field += text.slice(i, q)
          this.mode = QUOTE_IN_QUOTED
          i = q + 1
          break
        }
        case QUOTE_IN_QUOTED: {
          const c = text.charCodeAt(i)
          if (c === QUOTE) {
            this.field += '"'
            this.mode = QUOTED
            i++
          } else if (c === delim) {
            this.fields.push(this.field)
            this.field = ''
            this.mode = FIELD_START
            i++
          } else if (c === LF) {
            return this.endRecord(i + 1)
          } else {
            this.mode = UNQUOTED
          }
          break
        }
      }
    }
    this.recordChars += length - start
    if (this.recordChars > MAX_RECORD_CHARS) {
      throw new FileError('FILE_FORMAT', `${basename(this.file)} 第 ${this.recordNumber + 1} 行超过 ${MAX_RECORD_CHARS} 个字符，可能是双引号没有配对或换行符不对`, {
        hint: '在 Excel 中打开并另存为「CSV UTF-8（逗号分隔）」后再导入',
      })
    }
    return -1
  }

  private endRecord(next: number): number {
    this.fields.push(this.field)
    const cells = this.fields
    this.fields = []
    this.field = ''
    this.mode = IDLE
    this.emit(cells)
    return next
  }
}

// ───────────────────────────── XLSX ─────────────────────────────

interface SheetInfo {
  name: string
  path: string
  hidden: boolean
}

interface WorkbookInfo {
  sheets: SheetInfo[]
  date1904: boolean
  stylesPath: string | null
  sharedStringsPath: string | null
}

async function openXlsx(file: string, wanted: string | undefined): Promise<TableSource> {
  const book = await withZip(file, (zip) => readWorkbook(zip, file))
  if (book.sheets.length === 0) {
    throw new FileError('FILE_FORMAT', `${basename(file)} 里没有工作表`, { hint: SAVE_AS_XLSX })
  }
  const names = book.sheets.map((s) => s.name)
  let chosen: SheetInfo | undefined
  if (wanted === undefined) {
    chosen = book.sheets.find((s) => !s.hidden) ?? book.sheets[0]
  } else {
    // Clerks type sheet names by hand; a stray space or letter case should not stop them.
    chosen = book.sheets.find((s) => s.name === wanted) ?? book.sheets.find((s) => s.name.trim().toLowerCase() === wanted.trim().toLowerCase())
    if (!chosen) {
      throw new NotFoundError('SHEET_NOT_FOUND', `${basename(file)} 中没有名为「${wanted}」的工作表，现有工作表：${names.join('、')}`, {
        hint: '按上面列出的名字指定工作表',
        details: { sheets: names },
      })
    }
  }
  const sheet = chosen
  let used = false
  return {
    file,
    format: 'xlsx',
    encoding: null,
    sheet: sheet.name,
    sheets: names,
    batches() {
      // A second pass would silently read nothing from a consumed stream; this is a caller's bug.
      if (used) throw new Error('TableSource.batches() can be iterated only once')
      used = true
      return xlsxBatches(file, book, sheet)
    },
  }
}

class Zip {
  private readonly entries = new Map<string, yauzl.Entry>()

  constructor(
    readonly zip: yauzl.ZipFile,
    entries: yauzl.Entry[],
  ) {
    // Part names are case-insensitive in OPC; some tools write "xl/SharedStrings.xml".
    for (const entry of entries) this.entries.set(entry.fileName.toLowerCase(), entry)
  }

  has(path: string): boolean {
    return this.entries.has(path.toLowerCase())
  }

  async stream(path: string): Promise<Readable> {
    const entry = this.entries.get(path.toLowerCase())
    if (!entry) throw new Error(`missing part ${path}`)
    if (entry.isEncrypted()) throw new Error('encrypted entry')
    if (entry.compressionMethod === 0) return this.zip.openReadStreamPromise(entry)
    if (entry.compressionMethod !== 8) throw new Error(`compression method ${entry.compressionMethod}`)
    // yauzl's own inflate uses 16 KB chunks; 1 MB ones let it run ahead of the scanner and halve the time a big sheet takes.
    const raw = await this.zip.openReadStreamPromise(entry, { decodeFileData: false })
    // zlib passes stream options through to its Transform, though the typings do not say so.
    const options: ZlibOptions & TransformOptions = { chunkSize: 1 << 20, readableHighWaterMark: 1 << 20 }
    const inflate = createInflateRaw(options)
    pipeline(raw, inflate, () => {})
    return inflate
  }

  async text(path: string): Promise<string> {
    const decoder = new TextDecoder()
    let out = ''
    for await (const chunk of await this.stream(path)) out += decoder.decode(chunk as Buffer, { stream: true })
    return out + decoder.decode()
  }

  /**
   * The part's bytes in pieces that each end just after a closing tag of element (the last piece at
   * the part's end), so a scanner never sees half an element. p is the part's element prefix.
   */
  async *pieces(path: string, root: string, element: string): AsyncGenerator<{ p: string; bytes: Buffer }> {
    let p: string | null = null
    let close: Buffer | null = null
    let pending: Buffer = Buffer.alloc(0)
    const stream = await this.stream(path)
    try {
      for await (const chunk of stream) {
        const data: Buffer = pending.length > 0 ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer)
        if (p === null || close === null) {
          p = elementPrefix(data.toString('latin1', 0, Math.min(data.length, 64 * 1024)), root)
          if (p === null) {
            pending = data
            continue
          }
          close = Buffer.from(`</${p}${element}>`)
        }
        const cut = data.lastIndexOf(close)
        if (cut < 0) {
          pending = data
          continue
        }
        pending = data.subarray(cut + close.length)
        yield { p, bytes: data.subarray(0, cut + close.length) }
      }
      if (p !== null && pending.length > 0) yield { p, bytes: pending }
    } finally {
      stream.destroy()
    }
  }
}

async function withZip<T>(file: string, use: (zip: Zip) => Promise<T>): Promise<T> {
  let raw: yauzl.ZipFile
  try {
    raw = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code) throw fileAccessError(file, error)
    throw corruptXlsx(file, error)
  }
  try {
    const entries: yauzl.Entry[] = []
    for await (const entry of raw.eachEntry()) entries.push(entry)
    return await use(new Zip(raw, entries))
  } catch (error) {
    if (error instanceof FileError || error instanceof NotFoundError) throw error
    if ((error as NodeJS.ErrnoException).code && !(error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw fileAccessError(file, error)
    throw corruptXlsx(file, error)
  } finally {
    raw.close()
  }
}

function corruptXlsx(file: string, cause: unknown): FileError {
  return new FileError('FILE_FORMAT', `${basename(file)} 不是有效的 .xlsx 文件，可能已损坏或是改了扩展名的其他文件`, { hint: SAVE_AS_XLSX, cause })
}

const REL_TYPE = {
  officeDocument: '/officeDocument',
  worksheet: '/worksheet',
  styles: '/styles',
  sharedStrings: '/sharedStrings',
}

async function readWorkbook(zip: Zip, file: string): Promise<WorkbookInfo> {
  const rootRels = zip.has('_rels/.rels') ? parseRels(await zip.text('_rels/.rels'), '') : []
  const workbookPath = rootRels.find((r) => r.type.endsWith(REL_TYPE.officeDocument))?.target ?? 'xl/workbook.xml'
  if (!zip.has(workbookPath)) throw corruptXlsx(file, new Error(`no ${workbookPath}`))
  const workbookXml = await zip.text(workbookPath)
  const dir = posix.dirname(workbookPath)
  const relsPath = posix.join(dir, '_rels', posix.basename(workbookPath) + '.rels')
  const rels = zip.has(relsPath) ? parseRels(await zip.text(relsPath), dir) : []
  const byId = new Map(rels.map((r) => [r.id, r]))

  const sheets: SheetInfo[] = []
  for (const tag of workbookXml.matchAll(/<(?:\w+:)?sheet\s[^>]*>/g)) {
    const attrs = parseAttributes(tag[0])
    const rel = byId.get(attrs['r:id'] ?? Object.entries(attrs).find(([k]) => k.endsWith(':id'))?.[1] ?? '')
    // Chart sheets and macro sheets have no rows.
    if (!rel || !rel.type.endsWith(REL_TYPE.worksheet) || !zip.has(rel.target)) continue
    sheets.push({ name: decodeXmlText(attrs.name ?? ''), path: rel.target, hidden: attrs.state === 'hidden' || attrs.state === 'veryHidden' })
  }
  const workbookPr = /<(?:\w+:)?workbookPr\s[^>]*>/.exec(workbookXml)
  const date1904Attr = workbookPr ? parseAttributes(workbookPr[0]).date1904 : undefined
  const part = (type: string) => {
    const target = rels.find((r) => r.type.endsWith(type))?.target
    return target && zip.has(target) ? target : null
  }
  return { sheets, date1904: date1904Attr === '1' || date1904Attr === 'true', stylesPath: part(REL_TYPE.styles), sharedStringsPath: part(REL_TYPE.sharedStrings) }
}

function parseRels(xml: string, baseDir: string): Array<{ id: string; type: string; target: string }> {
  const out: Array<{ id: string; type: string; target: string }> = []
  for (const tag of xml.matchAll(/<(?:\w+:)?Relationship\s[^>]*>/g)) {
    const attrs = parseAttributes(tag[0])
    if (attrs.TargetMode === 'External' || !attrs.Target) continue
    const target = decodeXmlText(attrs.Target)
    const path = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(baseDir, target))
    out.push({ id: attrs.Id ?? '', type: attrs.Type ?? '', target: path })
  }
  return out
}

/** Attributes of one start tag; values stay XML-escaped. */
function parseAttributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {}
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[m[1]] = m[2] ?? m[3]
  return attrs
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

/** XML entities, then OOXML's _xHHHH_ escapes (how Excel stores control characters such as CR). */
function decodeXmlText(text: string): string {
  let out = text
  if (out.includes('&')) {
    out = out.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10)
        return code <= 0x10ffff ? String.fromCodePoint(code) : whole
      }
      return XML_ENTITIES[name] ?? whole
    })
  }
  if (out.includes('_x')) out = out.replace(/_x([0-9a-fA-F]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  return out
}

/** The element prefix the part uses ('' or 'x:'), read from its root element. */
function elementPrefix(text: string, root: string): string | null {
  const m = new RegExp(`<(\\w+:)?${root}[\\s>]`).exec(text)
  return m ? (m[1] ?? '') : null
}

/** Concatenated text of the <t> runs in an <si> or <is>, without phonetic (<rPh>) runs. */
function runText(inner: string, p: string): string {
  let body = inner
  if (body.includes(`<${p}rPh`)) body = body.replace(new RegExp(`<${p}rPh\\b[\\s\\S]*?</${p}rPh>`, 'g'), '')
  const tOpen = `<${p}t`
  let first = body.indexOf(tOpen)
  if (first < 0) return ''
  let out = ''
  while (first >= 0) {
    const after = body.charCodeAt(first + tOpen.length)
    const close = body.indexOf('>', first)
    if (close < 0) break
    // "<t>" or "<t xml:space=...>"; skips "<tabColor" and the like, and "<t/>" holds nothing.
    if ((after === 62 || after === 32) && body.charCodeAt(close - 1) !== 47) {
      const end = body.indexOf(`</${p}t>`, close)
      if (end < 0) break
      out += body.slice(close + 1, end)
      first = body.indexOf(tOpen, end)
    } else {
      first = body.indexOf(tOpen, close)
    }
  }
  return decodeXmlText(out)
}

type DateKind = 0 | 1 | 2 | 3
const NOT_DATE = 0
const DATE = 1
const DATE_TIME = 2
const TIME = 3

/** Built-in number formats that are dates or times (ECMA-376 18.8.30, plus the zh-CN ones Excel uses). */
const BUILTIN_DATE_FORMATS: Record<number, DateKind> = {
  14: DATE, 15: DATE, 16: DATE, 17: DATE, 18: TIME, 19: TIME, 20: TIME, 21: TIME, 22: DATE_TIME,
  27: DATE, 28: DATE, 29: DATE, 30: DATE, 31: DATE, 32: TIME, 33: TIME, 34: TIME, 35: TIME, 36: DATE,
  45: TIME, 46: TIME, 47: TIME, 50: DATE, 51: DATE, 52: DATE, 53: DATE, 54: DATE, 55: TIME, 56: TIME, 57: DATE, 58: DATE,
}

/** Whether a custom number format shows a date, judged on its first section without literals. */
function dateKindOfFormat(code: string): DateKind {
  const section = code
    .split(';')[0]
    .replace(/"[^"]*"/g, '')
    .replace(/\\./g, '')
    .replace(/[_*]./g, '')
    .replace(/\[(h+|m+|s+)\]/gi, '$1')
    .replace(/\[[^\]]*\]/g, '')
    .toLowerCase()
    .replace(/general|am\/pm|a\/p/g, '')
  const date = /[yd]/.test(section) || (section.includes('m') && !/[hs]/.test(section))
  const time = /[hs]/.test(section)
  return date ? (time ? DATE_TIME : DATE) : time ? TIME : NOT_DATE
}

async function readDateStyles(zip: Zip, path: string | null): Promise<DateKind[]> {
  if (!path) return []
  const xml = await zip.text(path)
  const custom = new Map<number, string>()
  for (const tag of xml.matchAll(/<(?:\w+:)?numFmt\s[^>]*>/g)) {
    const attrs = parseAttributes(tag[0])
    custom.set(Number(attrs.numFmtId), decodeXmlText(attrs.formatCode ?? ''))
  }
  const cellXfs = /<(?:\w+:)?cellXfs\b[^>]*>([\s\S]*?)<\/(?:\w+:)?cellXfs>/.exec(xml)
  if (!cellXfs) return []
  const kinds: DateKind[] = []
  for (const tag of cellXfs[1].matchAll(/<(?:\w+:)?xf\b[^>]*>/g)) {
    const id = Number(parseAttributes(tag[0]).numFmtId ?? 0)
    const code = custom.get(id)
    kinds.push(code !== undefined ? dateKindOfFormat(code) : (BUILTIN_DATE_FORMATS[id] ?? NOT_DATE))
  }
  return kinds
}

const DAY_MS = 86_400_000

/** An Excel serial date as text; Excel's 1900 calendar counts a 29 February 1900 that never was. */
function dateCellText(serial: number, kind: DateKind, date1904: boolean): string {
  if (serial < 0 || serial > 2_958_465) return numberCellText(serial)
  const seconds = Math.round(serial * 86400)
  let days = Math.floor(seconds / 86400)
  const secondOfDay = seconds - days * 86400
  let date: string
  if (!date1904 && days === 60) {
    date = '1900-02-29'
  } else {
    if (!date1904 && days < 60) days += 1
    const epoch = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 30)
    date = new Date(epoch + days * DAY_MS).toISOString().slice(0, 10)
  }
  const two = (n: number) => (n < 10 ? '0' : '') + n
  const time = `${two(Math.floor(secondOfDay / 3600))}:${two(Math.floor(secondOfDay / 60) % 60)}:${two(secondOfDay % 60)}`
  if (kind === TIME) return time
  if (kind === DATE_TIME && secondOfDay !== 0) return `${date} ${time}`
  return date
}

async function* xlsxBatches(file: string, book: WorkbookInfo, sheet: SheetInfo): AsyncGenerator<SourceRow[]> {
  let raw: yauzl.ZipFile | undefined
  try {
    raw = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true })
    const entries: yauzl.Entry[] = []
    for await (const entry of raw.eachEntry()) entries.push(entry)
    const zip = new Zip(raw, entries)
    const dateKinds = await readDateStyles(zip, book.stylesPath)
    const strings = book.sharedStringsPath ? await readSharedStrings(zip, book.sharedStringsPath) : []
    yield* sheetRows(zip, sheet.path, strings, dateKinds, book.date1904)
  } catch (error) {
    if (error instanceof FileError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code && !code.startsWith('Z_') && !code.startsWith('ERR_')) throw fileAccessError(file, error)
    throw corruptXlsx(file, error)
  } finally {
    raw?.close()
  }
}

/** Tag names as bytes for one part's element prefix ('' or e.g. 'x:'). */
function tagBytes(p: string, name: string): { open: Buffer; close: Buffer } {
  return { open: Buffer.from(`<${p}${name}`), close: Buffer.from(`</${p}${name}>`) }
}

/** Whether the bytes at `at` are `open` followed by a space, '/' or '>', so "<c" does not match "<col". */
function isTagAt(b: Buffer, at: number, open: Buffer): boolean {
  const length = open.length
  if (at + length >= b.length) return false
  for (let k = 0; k < length; k++) if (b[at + k] !== open[k]) return false
  const c = b[at + length]
  return c === 62 || c === 47 || c <= 32
}

function findTag(b: Buffer, open: Buffer, from: number, end: number): number {
  let at = b.indexOf(open, from)
  while (at >= 0 && at < end && !isTagAt(b, at, open)) at = b.indexOf(open, at + 1)
  return at >= 0 && at < end ? at : -1
}

function bytesAt(b: Buffer, at: number, bytes: Buffer): boolean {
  const length = bytes.length
  if (at + length > b.length) return false
  for (let k = 0; k < length; k++) if (b[at + k] !== bytes[k]) return false
  return true
}

/** Index of the '>' that ends the tag whose name ends before from, skipping quoted values; -1 if none before end. */
function tagEnd(b: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = b[i]
    if (c === 62) return i
    if (c === 34 || c === 39) {
      i++
      while (i < end && b[i] !== c) i++
    }
  }
  return -1
}

function parseDigits(b: Buffer, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to; i++) {
    const c = b[i]
    if (c < 48 || c > 57) break
    n = n * 10 + (c - 48)
  }
  return n
}

/** Up to 15 digits with no leading zero: already the text numberCellText would give. */
function isPlainInteger(b: Buffer, from: number, to: number): boolean {
  const length = to - from
  if (length === 0 || length > 15) return false
  if (b[from] === 48) return length === 1
  for (let i = from; i < to; i++) {
    const c = b[i]
    if (c < 48 || c > 57) return false
  }
  return true
}

/** Text of an element's content: UTF-8, with XML and _xHHHH_ escapes resolved. */
function contentText(b: Buffer, from: number, to: number): string {
  return decodeXmlText(b.toString('utf8', from, to))
}

async function readSharedStrings(zip: Zip, path: string): Promise<string[]> {
  const strings: string[] = []
  for await (const { p, bytes: b } of zip.pieces(path, 'sst', 'si')) {
    const si = tagBytes(p, 'si')
    const t = tagBytes(p, 't')
    const end = b.length
    let i = 0
    for (;;) {
      // Byte loops rather than Buffer#indexOf: the distances are short and a native call costs more.
      while (i < end && !(b[i] === 60 && isTagAt(b, i, si.open))) i++
      if (i >= end) break
      const open = tagEnd(b, i + si.open.length, end)
      if (open < 0) break
      if (b[open - 1] === 47) {
        strings.push('')
        i = open + 1
        continue
      }
      // Most entries are a single <t>; rich text (<r> runs) and phonetic runs take the general path.
      if (isTagAt(b, open + 1, t.open)) {
        const textOpen = tagEnd(b, open + 1 + t.open.length, end)
        if (textOpen >= 0 && b[textOpen - 1] !== 47) {
          let k = textOpen + 1
          while (k < end && b[k] !== 60) k++
          if (bytesAt(b, k, t.close) && bytesAt(b, k + t.close.length, si.close)) {
            strings.push(contentText(b, textOpen + 1, k))
            i = k + t.close.length + si.close.length
            continue
          }
        }
      }
      const close = b.indexOf(si.close, open)
      if (close < 0) break
      strings.push(runText(b.toString('utf8', open + 1, close), p))
      i = close + si.close.length
    }
  }
  return strings
}

const CELL_NUMBER = 0
const CELL_SHARED = 1
const CELL_INLINE = 2
const CELL_BOOL = 3
const CELL_ISO_DATE = 4
/** 'str' (a formula's text result) and 'e' (an error such as #N/A): shown as stored. */
const CELL_TEXT = 5

/**
 * Reads <row> and <c> elements straight from the UTF-8 bytes, decoding only the values. This runs
 * once per cell; it is about five times faster than decoding the XML and scanning the string, the
 * difference between meeting the import's time budget for .xlsx and not.
 */
class SheetScanner {
  rows: SourceRow[] = []
  private lastRow = 0
  private readonly row: { open: Buffer; close: Buffer }
  private readonly cell: { open: Buffer; close: Buffer }
  private readonly v: { open: Buffer; close: Buffer }
  private readonly is: { open: Buffer; close: Buffer }
  // The attributes of the tag read last; fields rather than an object, to allocate nothing per cell.
  private attrRef = -1
  private attrType = CELL_NUMBER
  private attrStyle = 0

  constructor(
    private readonly p: string,
    private readonly strings: string[],
    private readonly dateKinds: DateKind[],
    private readonly date1904: boolean,
  ) {
    this.row = tagBytes(p, 'row')
    this.cell = tagBytes(p, 'c')
    this.v = { open: Buffer.from(`<${p}v>`), close: Buffer.from(`</${p}v>`) }
    this.is = { open: Buffer.from(`<${p}is>`), close: Buffer.from(`</${p}is>`) }
  }

  take(): SourceRow[] {
    const rows = this.rows
    this.rows = []
    return rows
  }

  /** Parses every row in b; b ends at a row boundary. */
  scan(b: Buffer): void {
    const end = b.length
    let pos = 0
    for (;;) {
      // A byte loop rather than Buffer#indexOf: the next row is nearly always right here.
      let start = pos
      while (start < end && !(b[start] === 60 && isTagAt(b, start, this.row.open))) start++
      if (start >= end) return
      const close = this.attributes(b, start + this.row.open.length, end, true)
      // Every piece ends after a </row>, so an unfinished row here is a damaged file, not a short read.
      if (close < 0) throw new Error(`unreadable row after row ${this.lastRow}`)
      const rowNumber = this.attrRef > 0 ? this.attrRef : this.lastRow + 1
      this.lastRow = rowNumber
      if (b[close - 1] === 47) {
        pos = close + 1
        continue
      }
      pos = this.cells(b, close + 1, end, rowNumber)
      if (pos < 0) throw new Error(`unreadable row ${rowNumber}`)
    }
  }

  /** Reads one row's cells; returns the position after its </row>, or -1. */
  private cells(b: Buffer, from: number, end: number, rowNumber: number): number {
    const { strings, dateKinds, cell, v, row } = this
    let cells: string[] | null = null
    const numericCells: number[] = []
    let col = -1
    let pos = from
    for (;;) {
      let lt = pos
      while (lt < end && b[lt] !== 60) lt++
      if (lt >= end) return -1
      if (bytesAt(b, lt, row.close)) {
        pos = lt + row.close.length
        break
      }
      if (!isTagAt(b, lt, cell.open)) {
        // Not a cell (an extension element): go on at the next cell or the row's end.
        const rowEnd = b.indexOf(row.close, lt)
        if (rowEnd < 0) return -1
        const next = findTag(b, cell.open, lt + 1, rowEnd)
        pos = next >= 0 ? next : rowEnd
        continue
      }
      const open = this.attributes(b, lt + cell.open.length, end, false)
      if (open < 0) return -1
      col = this.attrRef >= 0 ? this.attrRef : col + 1
      if (b[open - 1] === 47) {
        pos = open + 1
        continue
      }
      const type = this.attrType
      let start: number
      let stop: number
      if (type !== CELL_INLINE && bytesAt(b, open + 1, v.open)) {
        // The usual shape, <c …><v>…</v></c>; a value never contains '<'.
        start = open + 1 + v.open.length
        stop = start
        while (stop < end && b[stop] !== 60) stop++
        const after = stop + v.close.length
        if (bytesAt(b, after, cell.close)) {
          pos = after + cell.close.length
        } else {
          const close = b.indexOf(cell.close, stop)
          if (close < 0) return -1
          pos = close + cell.close.length
        }
      } else {
        const close = b.indexOf(cell.close, open)
        if (close < 0) return -1
        pos = close + cell.close.length
        const inner = type === CELL_INLINE ? this.is : v
        const at = b.indexOf(inner.open, open)
        if (at < 0 || at > close) continue
        start = at + inner.open.length
        stop = b.indexOf(inner.close, start)
        if (stop < 0 || stop > close) stop = close
      }
      if (stop <= start) continue
      let value: string
      if (type === CELL_SHARED) {
        value = strings[parseDigits(b, start, stop)] ?? ''
      } else if (type === CELL_NUMBER) {
        const kind = this.attrStyle > 0 ? (dateKinds[this.attrStyle] ?? NOT_DATE) : NOT_DATE
        if (kind === NOT_DATE && isPlainInteger(b, start, stop)) {
          value = String(parseDigits(b, start, stop))
          numericCells.push(col)
        } else {
          const raw = b.toString('latin1', start, stop)
          const number = Number(raw)
          if (!Number.isFinite(number)) {
            value = raw
          } else if (kind !== NOT_DATE) {
            value = dateCellText(number, kind, this.date1904)
          } else {
            value = numberCellText(number)
            numericCells.push(col)
          }
        }
      } else if (type === CELL_INLINE) {
        value = runText(b.toString('utf8', start, stop), this.p)
      } else if (type === CELL_BOOL) {
        value = b[start] === 49 || b[start] === 116 ? 'TRUE' : 'FALSE'
      } else if (type === CELL_ISO_DATE) {
        const iso = b.toString('latin1', start, stop)
        value = iso.length === 10 || /T00:00:00(\.0+)?Z?$/.test(iso) ? iso.slice(0, 10) : iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '')
      } else {
        value = contentText(b, start, stop)
      }
      if (value.length === 0) continue
      if (cells === null) cells = []
      while (cells.length < col) cells.push('')
      cells[col] = value
    }
    if (cells !== null) this.rows.push({ rowNumber, cells, numericCells })
    return pos
  }

  /**
   * Reads r, t and s of the tag whose attributes start at from; returns the index of its '>', or -1.
   * For a row, r is its number; for a cell, the column of its reference ("AB12" → 27).
   */
  private attributes(b: Buffer, from: number, end: number, isRow: boolean): number {
    this.attrRef = -1
    this.attrType = CELL_NUMBER
    this.attrStyle = 0
    let i = from
    for (;;) {
      while (i < end && (b[i] <= 32 || b[i] === 47)) i++
      if (i >= end) return -1
      if (b[i] === 62) return i
      const nameStart = i
      while (i < end && b[i] !== 61 && b[i] > 32 && b[i] !== 62) i++
      const nameLength = i - nameStart
      while (i < end && b[i] !== 61) i++
      i++
      while (i < end && b[i] <= 32) i++
      const quote = b[i]
      if (quote !== 34 && quote !== 39) return -1
      const start = ++i
      while (i < end && b[i] !== quote) i++
      if (i >= end) return -1
      if (nameLength === 1) {
        const name = b[nameStart]
        if (name === 114) {
          this.attrRef = isRow ? parseDigits(b, start, i) : columnOfRef(b, start, i)
        } else if (name === 116 && !isRow) {
          this.attrType = cellType(b, start, i)
        } else if (name === 115 && !isRow) {
          this.attrStyle = parseDigits(b, start, i)
        }
      }
      i++
    }
  }
}

/** 0-based column of a reference such as "AB12", or -1 when it has no letters. */
function columnOfRef(b: Buffer, from: number, to: number): number {
  let col = 0
  let i = from
  for (; i < to; i++) {
    const c = b[i] | 32
    if (c < 97 || c > 122) break
    col = col * 26 + (c - 96)
  }
  return i === from ? -1 : col - 1
}

function cellType(b: Buffer, from: number, to: number): number {
  const c = b[from]
  if (c === 115) return to - from === 1 ? CELL_SHARED : CELL_TEXT // s, str
  if (c === 110) return CELL_NUMBER // n
  if (c === 98) return CELL_BOOL // b
  if (c === 105) return CELL_INLINE // inlineStr
  if (c === 100) return CELL_ISO_DATE // d
  return CELL_TEXT // e
}

async function* sheetRows(zip: Zip, path: string, strings: string[], dateKinds: DateKind[], date1904: boolean): AsyncGenerator<SourceRow[]> {
  let scanner: SheetScanner | null = null
  for await (const { p, bytes } of zip.pieces(path, 'worksheet', 'row')) {
    scanner ??= new SheetScanner(p, strings, dateKinds, date1904)
    scanner.scan(bytes)
    if (scanner.rows.length >= BATCH_ROWS) yield scanner.take()
  }
  if (scanner && scanner.rows.length > 0) yield scanner.take()
}
