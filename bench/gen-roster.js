#!/usr/bin/env node
// Writes a sample roster (花名册) file, streamed in constant memory, from the compiled generator.
// Run `npm run build` first.
//
//   node bench/gen-roster.js --rows 1000000 --county 520526 --period 2026-10 --seed 1 --out roster.csv
//     [--encoding utf8|gbk] [--bom] [--format csv|xlsx] [--next] [--defects] [--serial] [--title]
//
// --next     write the month after --period of the same population (新增, 减少, 迁出, status changes)
// --defects  inject the import defects of sampleRecords (listed on stderr with their row numbers)
// --serial   a leading 序号 column;  --title  a title row above the header (as clerks' files have)
import { once } from 'node:events'
import { createWriteStream, statSync } from 'node:fs'
import { extname } from 'node:path'
import { parseArgs } from 'node:util'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { rosterHeaders, sampleRecords, shiftPeriod } from '../dist/lib/sample.js'

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000' },
    county: { type: 'string', default: '520526' },
    period: { type: 'string', default: '2026-10' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    encoding: { type: 'string', default: 'utf8' },
    format: { type: 'string' },
    bom: { type: 'boolean', default: false },
    next: { type: 'boolean', default: false },
    defects: { type: 'boolean', default: false },
    serial: { type: 'boolean', default: false },
    title: { type: 'boolean', default: false },
  },
})

function fail(message) {
  process.stderr.write(`gen-roster: ${message}\n`)
  process.exit(2)
}

if (!args.out) fail('--out is required')
const format = args.format ?? (extname(args.out).toLowerCase() === '.xlsx' ? 'xlsx' : 'csv')
if (!['csv', 'xlsx'].includes(format)) fail(`--format must be csv or xlsx, not ${format}`)
if (!['utf8', 'gbk'].includes(args.encoding)) fail(`--encoding must be utf8 or gbk, not ${args.encoding}`)
const rows = Number(args.rows)
const seed = Number(args.seed)
if (!Number.isInteger(rows) || rows < 1) fail('--rows must be a positive integer')
if (!Number.isInteger(seed)) fail('--seed must be an integer')

const options = { countyCode: args.county, persons: rows, seed, firstPeriod: args.period }
const period = args.next ? shiftPeriod(args.period, 1) : args.period
const headers = rosterHeaders({ serial: args.serial })
const started = process.hrtime.bigint()

function* lines() {
  if (args.title) yield [`建档立卡贫困残疾人花名册（${period.replace('-', '年')}月）`]
  yield headers
  let n = 0
  for (const record of sampleRecords(options, period, { defects: args.defects })) {
    n++
    if (record.issue) process.stderr.write(`row ${n}: ${record.issue.code} (${record.issue.severity}) ${record.issue.note}\n`)
    yield args.serial ? [String(n), ...record.cells] : record.cells
  }
}

function csvCell(value) {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

async function writeCsv() {
  const out = createWriteStream(args.out)
  const encode = args.encoding === 'gbk' ? (text) => iconv.encode(text, 'gbk') : (text) => Buffer.from(text, 'utf8')
  if (args.bom && args.encoding === 'utf8') out.write(Buffer.from([0xef, 0xbb, 0xbf]))
  let chunk = ''
  let count = 0
  for (const cells of lines()) {
    chunk += cells.map(csvCell).join(',') + '\r\n'
    if (++count % 5000 === 0) {
      if (!out.write(encode(chunk))) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end(encode(chunk))
  await once(out, 'finish')
  return count
}

// Numbers where a clerk's Excel has numbers; the ID, certificate, codes and phone stay text.
const NUMERIC = new Set(['序号', '家庭人口', '残疾等级', '脱贫年度'].map((h) => headers.indexOf(h)).filter((i) => i >= 0))

// exceljs's streaming writer ignores backpressure: the sheet's buffer is piped into the zip entry
// without waiting, so every row would stay in memory. Wait while that entry stream (an exceljs
// internal, hence the guards) holds more than a few MiB, and give the event loop a turn anyway.
async function zipDrained(sheet) {
  await new Promise((resolve) => setImmediate(resolve))
  const entry = sheet.stream?.pipes?.[0]
  while ((entry?._writableState?.length ?? 0) > 4 * 1048576) await new Promise((resolve) => setTimeout(resolve, 2))
}

async function writeXlsx() {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: args.out, useStyles: false, useSharedStrings: false })
  workbook.created = workbook.modified = new Date(Date.UTC(2020, 0, 1))
  const sheet = workbook.addWorksheet('花名册')
  let count = 0
  let afterHeader = false
  for (const cells of lines()) {
    const values = afterHeader ? cells.map((v, i) => (NUMERIC.has(i) && /^\d{1,4}$/.test(v) ? Number(v) : v)) : cells
    afterHeader ||= cells === headers
    sheet.addRow(values).commit()
    if (++count % 2000 === 0) await zipDrained(sheet)
  }
  await sheet.commit()
  await workbook.commit()
  return count
}

const written = format === 'xlsx' ? await writeXlsx() : await writeCsv()
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const bytes = statSync(args.out).size
process.stderr.write(
  `wrote ${written} rows (${period}, ${format}${format === 'csv' ? `, ${args.encoding}` : ''}) to ${args.out}: ` +
    `${(bytes / 1048576).toFixed(1)} MiB in ${seconds.toFixed(1)} s\n`,
)
