/**
 * 写表: writes rows for clerks to open in Excel (rejected rows, comparisons, reports) as .xlsx or .csv.
 * Text that Excel would run as a formula is neutralised, because exported cells come from files
 * other people filled in (CSV/formula injection).
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { FileError } from './errors.js'
import { endOut, writeOut, writeXlsxWorkbook } from './xlsx-writer.js'

export type TableCell = string | number | null

export interface TableSheet {
  name: string
  headers: string[]
  rows: Iterable<TableCell[]>
}

/** Excel refuses a file with a longer cell; nothing a clerk needs is that long. */
const MAX_CELL_CHARS = 32_767
/** Column widths are judged from the header and this many rows, since a streamed sheet cannot look back. */
const WIDTH_SAMPLE_ROWS = 200
const CSV_FLUSH_CHARS = 64 * 1024

/**
 * Writes rows to .xlsx (streamed by xlsx-writer.ts: bold frozen header row, reasonable column widths)
 * or .csv (UTF-8 with BOM so Excel on Chinese Windows opens it correctly, CRLF, RFC 4180 quoting), chosen by extension.
 * Every string cell that would be taken as a formula is neutralised (see neutralizeFormula); numbers given as numbers
 * stay numbers. Writes to a temp file beside the target and renames, so a failure never leaves half a file.
 * Accepts one sheet or several; CSV writes only the first. `rows` in the result counts the data rows written.
 * @throws FileError FILE_WRITE_FAILED (Chinese message naming the file), FileError FILE_FORMAT for other extensions
 */
export async function writeTable(file: string, sheet: TableSheet | TableSheet[]): Promise<{ file: string; rows: number }> {
  const ext = extname(file).toLowerCase()
  if (ext !== '.xlsx' && ext !== '.csv') {
    throw new FileError('FILE_FORMAT', `不能写成 ${basename(file)}：只能导出为 .xlsx 或 .csv 文件`, { hint: '把文件名改为以 .xlsx 或 .csv 结尾' })
  }
  const sheets = Array.isArray(sheet) ? sheet : [sheet]
  if (sheets.length === 0) throw new FileError('FILE_WRITE_FAILED', `没有要写入 ${file} 的工作表`)
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const out = createWriteStream(temp)
  // Rejects on the stream's first error (say, a missing folder), which would otherwise crash the process.
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  failed.catch(() => undefined)
  try {
    const rows = ext === '.csv' ? await writeCsv(out, failed, sheets[0]) : await writeXlsx(out, failed, sheets)
    await rename(temp, file)
    return { file, rows }
  } catch (error) {
    // The stream may still be opening the file: let it close before removing it, or the file comes back.
    await new Promise<void>((resolve) => {
      if (out.closed) resolve()
      else {
        out.once('close', () => resolve())
        out.destroy()
      }
    })
    await rm(temp, { force: true }).catch(() => undefined)
    // A failing row source is the caller's bug, not a write failure; pass it on as it is.
    throw (error as NodeJS.ErrnoException).syscall ? writeError(file, error) : error
  }
}

/**
 * Prefixes a ' to text that starts with = + - @ (or their full-width forms), a tab or a CR, so that a
 * spreadsheet shows it instead of running it.
 */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text
}

const FORMULA_START = /^[=+\-@\t\r＝＋－＠]/

function writeError(file: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const reason =
    code === 'ENOENT' ? '文件夹不存在'
    : code === 'EACCES' || code === 'EPERM' ? '没有写入权限'
    : code === 'EBUSY' ? '文件正被其他程序占用（可能在 Excel 中打开着）'
    : code === 'ENOSPC' ? '磁盘已满'
    : code === 'EISDIR' ? '同名的文件夹已存在'
    : ((error as Error | undefined)?.message ?? String(error))
  return new FileError('FILE_WRITE_FAILED', `无法写入文件 ${file}：${reason}`, {
    hint: code === 'EBUSY' || code === 'EPERM' ? '如果它正在 Excel 中打开，先关闭再试，或换一个文件名' : undefined,
    cause: error,
  })
}

// ───────────────────────────── CSV ─────────────────────────────

function csvField(value: TableCell | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  const text = neutralizeFormula(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

async function writeCsv(out: WriteStream, failed: Promise<never>, sheet: TableSheet): Promise<number> {
  let buffer = '\uFEFF' + sheet.headers.map(csvField).join(',') + '\r\n'
  let rows = 0
  for (const row of sheet.rows) {
    buffer += row.map(csvField).join(',') + '\r\n'
    rows++
    if (buffer.length >= CSV_FLUSH_CHARS) {
      await writeOut(out, buffer, failed)
      buffer = ''
    }
  }
  await writeOut(out, buffer, failed)
  await endOut(out, failed)
  return rows
}

// ───────────────────────────── XLSX ─────────────────────────────

function xlsxValue(value: TableCell | undefined): string | number | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  const text = neutralizeFormula(value)
  return text.length > MAX_CELL_CHARS ? text.slice(0, MAX_CELL_CHARS) : text
}

/** Display width in Excel's units: CJK and other wide characters take two. */
function textWidth(value: TableCell | undefined): number {
  if (value === null || value === undefined) return 0
  const text = String(value)
  let width = 0
  for (const ch of text) width += (ch.codePointAt(0) ?? 0) > 0x2e7f ? 2 : 1
  return width
}

/** Excel's rules: at most 31 characters, none of \ / ? * [ ] :, and unique in the workbook (case-insensitive). */
function sheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[\\/?*[\]:]/g, '_').trim().slice(0, 31) || 'Sheet'
  let candidate = base
  for (let n = 2; used.has(candidate.toLowerCase()); n++) candidate = `${base.slice(0, 31 - String(n).length - 2)}(${n})`
  used.add(candidate.toLowerCase())
  return candidate
}

async function writeXlsx(out: WriteStream, failed: Promise<never>, sheets: TableSheet[]): Promise<number> {
  const used = new Set<string>()
  return writeXlsxWorkbook(out, failed, sheets.map((sheet) => {
    // Column widths are judged from the header and the first rows; the rest stream past.
    const iterator = sheet.rows[Symbol.iterator]()
    const sample: TableCell[][] = []
    let next = iterator.next()
    while (!next.done && sample.length < WIDTH_SAMPLE_ROWS) {
      sample.push(next.value)
      next = iterator.next()
    }
    const columns = Math.max(sheet.headers.length, ...sample.map((row) => row.length))
    const widths = Array.from({ length: columns }, (_, i) => {
      const widest = Math.max(textWidth(sheet.headers[i]), ...sample.map((row) => textWidth(row[i])))
      return Math.min(Math.max(widest + 2, 8), 50)
    })
    const first = next
    const rows = (function* () {
      for (const row of sample) yield row.map(xlsxValue)
      for (let n = first; !n.done; n = iterator.next()) yield n.value.map(xlsxValue)
    })()
    return { name: sheetName(sheet.name, used), widths, header: sheet.headers.map((h) => xlsxValue(h) as string), rows }
  }))
}
