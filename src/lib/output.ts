/**
 * Turns data into text: tables, JSON, dates, masked personal data. Never writes anything itself;
 * the command decides where the text goes. The only module in src/lib that knows about colour.
 */
import chalk, { Chalk, type ChalkInstance } from 'chalk'
import type TableClass from 'cli-table3'
import { createRequire } from 'node:module'

// cli-table3 is loaded the first time a table is drawn (--json output never draws one).
const requireCjs = createRequire(import.meta.url)
let TableModule: typeof TableClass | undefined
const tableClass = (): typeof TableClass => (TableModule ??= requireCjs('cli-table3') as typeof TableClass)

export interface Column<Row> {
  key: keyof Row & string
  header: string
  align?: 'left' | 'right' | 'center'
  format?: (value: Row[keyof Row], row: Row) => string
}

export interface RenderOptions {
  color: boolean
}

export function colorizer(color: boolean): ChalkInstance {
  return color ? chalk : new Chalk({ level: 0 })
}

/** A cli-table3 table; cli-table3 measures wide CJK characters, so nothing is padded by hand. */
export function renderTable<Row extends object>(rows: Row[], columns: Column<Row>[], options: RenderOptions): string {
  const c = colorizer(options.color)
  const Table = tableClass()
  const table = new Table({
    head: columns.map((col) => c.bold(col.header)),
    colAligns: columns.map((col) => col.align ?? 'left'),
    style: { head: [], border: [] },
    // No rule between data rows: a table of 40 townships stays 40 lines tall.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  })
  for (const row of rows) {
    table.push(
      columns.map((col) => {
        const value = row[col.key]
        if (col.format) return col.format(value, row)
        return value === null || value === undefined ? '' : String(value)
      }),
    )
  }
  return table.toString()
}

/** Two-column 项目/内容 table for one record. */
export function renderKeyValue(pairs: Array<[string, string | number | boolean | null | undefined]>, options: RenderOptions): string {
  const c = colorizer(options.color)
  const Table = tableClass()
  const table = new Table({ style: { head: [], border: [] } })
  for (const [key, value] of pairs) table.push([c.bold(key), value === null || value === undefined ? '' : String(value)])
  return table.toString()
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
}

/** 2024-05-01 14:30 in local time, as a clerk reads it. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const p = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}`
}

/** 520102********1234: keeps the address code and the last four characters. */
export function maskIdNumber(id: string | null | undefined): string {
  if (!id) return ''
  if (id.length <= 10) return '*'.repeat(id.length)
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4)
}

/** 138****5678 for mobiles; other numbers keep their last four characters. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return ''
  if (phone.length <= 4) return '*'.repeat(phone.length)
  if (phone.length === 11) return phone.slice(0, 3) + '****' + phone.slice(7)
  return '*'.repeat(phone.length - 4) + phone.slice(-4)
}

/** Byte counts as a clerk reads them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
