/**
 * Finds the header row of a clerk's spreadsheet: below a merged title row and note rows, possibly
 * split over two rows (a merged group header such as 残疾情况 above 类别 / 等级). Generic over the
 * field set, so roster, benefit and pairing imports share it.
 */
import { normalizeHeader } from './roster-fields.js'

export interface HeaderMatch<F extends string> {
  /** Index (0-based, into the rows given) of the last header row; data starts after it. */
  headerIndex: number
  /** The header text of every column, as the clerk wrote it (two-row headers joined with '/'). */
  headers: string[]
  /** Column index of each recognised field. */
  columns: Partial<Record<F, number>>
  /** Columns no field claims; they are kept with each row. */
  unknownColumns: number[]
  /** Headers that name a field already claimed by an earlier column. */
  duplicateColumns: number[]
}

/** How many rows from the top may hold titles and notes before the header. */
export const HEADER_SEARCH_ROWS = 30

/**
 * Picks the row naming the most known fields (at least `minFields`) among the first rows.
 * `lookup` maps one header to a field; `fixed` are mappings the clerk gave (--map, remembered).
 */
export function detectHeader<F extends string>(
  rows: string[][],
  lookup: (header: string) => F | undefined,
  fixed: Map<string, F>,
  minFields = 2,
): HeaderMatch<F> | null {
  const fieldOf = (cell: string): F | undefined => {
    const key = normalizeHeader(cell)
    if (!key) return undefined
    return fixed.get(key) ?? lookup(cell)
  }
  let best = -1
  let bestCount = 0
  const limit = Math.min(rows.length, HEADER_SEARCH_ROWS)
  for (let i = 0; i < limit; i++) {
    const count = new Set(rows[i].map(fieldOf).filter(Boolean)).size
    if (count > bestCount) {
      best = i
      bestCount = count
    }
  }
  if (best < 0 || bestCount < minFields) return null

  const top = rows[best]
  const below = rows[best + 1] ?? []
  // A second header row: it names fields where the row above names none, and holds no data.
  const belowFields = below.map(fieldOf)
  const twoRows =
    belowFields.some((f, i) => f && !fieldOf(top[i] ?? '')) && !below.some((c) => /^\s*\d{15,}/.test(c)) && belowFields.filter(Boolean).length >= 1
  const width = Math.max(top.length, twoRows ? below.length : 0)
  const headers: string[] = []
  for (let i = 0; i < width; i++) {
    const upper = (top[i] ?? '').trim()
    const lower = twoRows ? (below[i] ?? '').trim() : ''
    headers.push(upper && lower ? `${upper}/${lower}` : upper || lower || `第${i + 1}列`)
  }
  const columns: Partial<Record<F, number>> = {}
  const unknownColumns: number[] = []
  const duplicateColumns: number[] = []
  for (let i = 0; i < width; i++) {
    const field = (twoRows ? fieldOf(below[i] ?? '') : undefined) ?? fieldOf(top[i] ?? '') ?? fieldOf(headers[i])
    if (!field) unknownColumns.push(i)
    else if (columns[field] !== undefined) duplicateColumns.push(i)
    else columns[field] = i
  }
  return { headerIndex: twoRows ? best + 1 : best, headers, columns, unknownColumns, duplicateColumns }
}
