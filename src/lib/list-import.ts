/**
 * What the imports of other lists (结对帮扶名单, 政策名单) share with each other: walking the data rows
 * below a detected header while counting every spreadsheet row, and keeping each rejected row (with
 * its cells and reasons) and each fixed value in the batch, listing the first ones in the result.
 */
import type { Db } from './db.js'
import { isBlankRow, isTotalRow } from './roster-validate.js'
import type { SourceRow } from './table-reader.js'

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
