/**
 * What the imports of other lists (结对帮扶名单, 政策名单) share with each other: walking the data rows
 * below a detected header while counting every spreadsheet row, and keeping each rejected row (with
 * its cells and reasons) and each fixed value in the batch, listing the first ones in the result.
 */
import type { Db } from './db.js'
import type { IdProblem } from './idcard.js'
import { parseDate } from './pairing.js'
import { isBlankRow, isTotalRow } from './roster-validate.js'
import type { SourceRow } from './table-reader.js'

/** Why a list's 身份证号 cell was turned back (the roster importer words these at more length). */
export const ID_MESSAGES: Record<IdProblem, string> = {
  id_format: '不是 18 位身份证号',
  id_checksum: '校验位（最后一位）不对，请核对号码',
  id_birthdate: '其中的出生日期不存在或在今天之后',
  id_scientific_notation: '被 Excel 显示成了科学计数法，后几位数字已经丢失；请把这一列设为「文本」格式后重新录入',
  id_excel_truncated: '末尾几位被 Excel 改成了 0（Excel 只保留 15 位数字）；请把这一列设为「文本」格式后重新录入完整号码',
}

/** How many problems and warnings an import result lists; all of them are stored with the batch. */
export const LISTED = 1000

/**
 * The data rows below the header at `headerIndex`: counts every spreadsheet row after the header in
 * `counts.total`, and rows with no text, 合计/总计 rows and the gaps between rows in `counts.skipped`.
 */
export function* dataRows(rows: SourceRow[], headerIndex: number, counts: { total: number; skipped: number }): Generator<SourceRow> {
  let lastRow = rows[headerIndex].rowNumber
  for (const row of rows.slice(headerIndex + 1)) {
    const gap = row.rowNumber - lastRow - 1
    counts.total += gap + 1
    counts.skipped += gap
    lastRow = row.rowNumber
    if (isBlankRow(row.cells) || isTotalRow(row.cells)) {
      counts.skipped++
      continue
    }
    yield row
  }
}

interface Problem {
  column: string
  code: string
  message: string
}

interface Warning {
  row: number
  column: string
  code: string
  from: string
  to: string
}

/** The part of an import result a BatchLog fills in. */
export interface LoggedResult<P extends Problem, W extends Warning> {
  rows: { rejected: number }
  rejected: P[]
  rejectedByCode: Record<string, number>
  warnings: W[]
}

/** Writes a batch's rejected rows and warnings inside the import's transaction. */
export class BatchLog<P extends Problem, W extends Warning> {
  private readonly insertReject
  private readonly insertWarning
  warnings = 0

  constructor(db: Db, private readonly batchId: number, private readonly result: LoggedResult<P, W>) {
    this.insertReject = db.prepare('INSERT INTO rejected_rows (batch_id, row_number, id_number, county_code, cells_json, errors_json) VALUES (?, ?, ?, NULL, ?, ?)')
    this.insertWarning = db.prepare('INSERT INTO import_warnings (batch_id, row_number, column_name, code, from_value, to_value) VALUES (?, ?, ?, ?, ?, ?)')
  }

  warn(w: W): void {
    this.insertWarning.run(this.batchId, w.row, w.column, w.code, w.from, w.to)
    this.warnings++
    if (this.result.warnings.length < LISTED) this.result.warnings.push(w)
  }

  /** Keeps the row's original cells with every reason it was turned back. */
  reject(row: SourceRow, idNumber: string | null, problems: P[]): void {
    this.insertReject.run(this.batchId, row.rowNumber, idNumber, JSON.stringify(row.cells),
      JSON.stringify(problems.map((p) => ({ column: p.column, code: p.code, message: p.message }))))
    this.result.rows.rejected++
    for (const p of problems) {
      this.result.rejectedByCode[p.code] = (this.result.rejectedByCode[p.code] ?? 0) + 1
      if (this.result.rejected.length < LISTED) this.result.rejected.push(p)
    }
  }
}

/** What a row validator offers the shared cell readers: the cell text, whether Excel stored it as a number, and how to report. */
export interface CellAccess<F extends string> {
  raw(f: F): string
  numeric(f: F): boolean
  problem(f: F, code: 'invalid_value', detail: string): void
  warn(f: F, code: 'date_normalized', from: string, to: string): void
}

/** A start and an end date (2026-03-05, 2026年3月5日, an Excel date number …), the end not before the start. */
export function readDateRange<F extends string>(cells: CellAccess<F>, start: F, end: F): { startDate: string | null; endDate: string | null } {
  const date = (f: F) => {
    const value = parseDate(cells.raw(f), cells.numeric(f))
    if (value === 'invalid') {
      cells.problem(f, 'invalid_value', `「${cells.raw(f).trim()}」不是日期（如 2026-03-05、2026年3月5日）`)
      return null
    }
    if (value && value !== cells.raw(f).trim()) cells.warn(f, 'date_normalized', cells.raw(f), value)
    return value
  }
  const startDate = date(start)
  const endDate = date(end)
  if (startDate && endDate && endDate < startDate) cells.problem(end, 'invalid_value', `${endDate} 早于开始日期 ${startDate}`)
  return { startDate, endDate }
}
