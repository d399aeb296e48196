#!/usr/bin/env node
// Times the roster readers in src/lib/table-reader.ts on generated files: a 1,000,000-row CSV in
// UTF-8 and in GBK, and a 100,000-row XLSX (plus the same rows as CSV, the yardstick for XLSX).
// Each measurement runs in its own child process so that its peak RSS is its own; the best time of
// --repeat runs is shown, since a busy machine only ever makes a run slower.
//
//   node bench/readers.js [--rows 1000000] [--xlsx-rows 100000] [--repeat 3] [--compare] [--dir DIR]
//
// --compare also times exceljs's streaming WorkbookReader, and papaparse if it can be imported (it is
// not a dependency: NODE_PATH=<a folder with papaparse in node_modules> works).
// The data lives in a temp folder that is removed at the end; --dir keeps it (and reuses it next time).
import { execFileSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(join(root, 'package.json'))
const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}

const compiled = join(root, 'node_modules', '.cache', 'cjfp-bench')

/** Compiles the reader (and errors.ts) to plain JS inside node_modules, where its imports resolve. */
function compileReader() {
  const ts = require('typescript')
  mkdirSync(compiled, { recursive: true })
  for (const name of ['table-reader', 'errors']) {
    const source = readFileSync(join(root, 'src', 'lib', `${name}.ts`), 'utf8')
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
    writeFileSync(join(compiled, `${name}.js`), js)
  }
}

function report(kind, rows, ms, note) {
  const rss = process.resourceUsage().maxRSS / 1024
  console.log(JSON.stringify({ kind, rows, ms: Math.round(ms), rowsPerSecond: Math.round(rows / (ms / 1000)), peakRssMb: Math.round(rss), note }))
}

const ROWS = Number(option('--rows', 1_000_000))
const XLSX_ROWS = Number(option('--xlsx-rows', 100_000))
const REPEAT = Number(option('--repeat', 3))
const compare = args.includes('--compare')
const keptDir = option('--dir', null)

const HEADERS = ['序号', '县区', '乡镇', '村', '户编号', '姓名', '性别', '身份证号', '与户主关系', '家庭人口', '残疾人证号', '残疾类别', '残疾等级', '脱贫状态', '脱贫年度', '致贫原因', '联系电话', '帮扶责任人', '帮扶措施', '备注']
const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗']
const GIVEN = [...'明华国建平志伟芳秀英丽敏静强军磊洋勇艳杰娟涛超霞刚桂兰']
const TOWNS = ['城关镇', '大方镇', '六龙镇', '百纳彝族乡', '黄泥塘镇', '凤山彝族蒙古族乡', '雨冲乡', '核桃彝族白族乡']
const KINDS = ['视力残疾', '听力残疾', '言语残疾', '肢体残疾', '智力残疾', '精神残疾', '多重残疾']
const MEASURES = ['产业帮扶，发放鸡苗', '公益性岗位', '危房改造已完成', '纳入低保兜底', '技能培训（刺绣）']
let seed = 42
/** mulberry32: the same rows every run, and no short cycle that would make the shared strings tiny. */
const rnd = (n) => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n)
}
const pick = (list) => list[rnd(list.length)]
const pad = (n, width) => String(n).padStart(width, '0')

function makeRow(i) {
  const id = `520521${1950 + rnd(60)}${pad(1 + rnd(12), 2)}${pad(1 + rnd(28), 2)}${pad(rnd(1000), 3)}${rnd(11) === 10 ? 'X' : rnd(10)}`
  const name = pick(SURNAMES) + pick(GIVEN) + (rnd(2) ? pick(GIVEN) : '')
  const town = pick(TOWNS)
  return [String(i), '大方县', town, `${pick(TOWNS).slice(0, 2)}村`, `52052110${pad(rnd(100000), 6)}`, name, rnd(2) ? '男' : '女', id, '户主',
    String(1 + rnd(6)), `${id}${1 + rnd(7)}${1 + rnd(4)}`, pick(KINDS), `${1 + rnd(4)}级`, '已脱贫', String(2016 + rnd(5)), '因残致贫', `1${pad(3e9 + rnd(9e8), 10)}`,
    pick(SURNAMES) + pick(GIVEN), pick(MEASURES), rnd(10) ? '' : `已核实，${town}${rnd(50)}组`]
}

async function writeCsvFile(file, rows, encoding) {
  const iconv = require('iconv-lite')
  const out = createWriteStream(file)
  let lines = [HEADERS.join(',')]
  const flush = async () => {
    const text = lines.join('\r\n') + '\r\n'
    lines = []
    if (!out.write(encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text))) await new Promise((r) => out.once('drain', r))
  }
  seed = 42
  for (let i = 1; i <= rows; i++) {
    lines.push(makeRow(i).join(','))
    if (lines.length >= 5000) await flush()
  }
  await flush()
  await new Promise((r) => out.end(r))
}

async function writeXlsxFile(file, rows) {
  const ExcelJS = require('exceljs')
  // Shared strings, as Excel itself writes them.
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true })
  const sheet = book.addWorksheet('花名册')
  sheet.addRow(HEADERS).commit()
  seed = 42
  for (let i = 1; i <= rows; i++) {
    const row = makeRow(i)
    row[0] = i
    row[9] = Number(row[9])
    sheet.addRow(row).commit()
  }
  await sheet.commit()
  await book.commit()
}

function measure(kind, file) {
  let result = null
  for (let i = 0; i < REPEAT; i++) {
    const once = JSON.parse(run(kind, file).trim().split('\n').pop())
    if (!result || once.ms < result.ms) result = { ...once, peakRssMb: Math.max(once.peakRssMb, result?.peakRssMb ?? 0) }
  }
  const mb = statSync(file).size / 1e6
  console.log(`${kind.padEnd(10)} ${file.split('/').pop().padEnd(20)} ${mb.toFixed(0).padStart(4)} MB  ${String(result.rows).padStart(8)} rows  ${(result.ms / 1000).toFixed(2).padStart(6)} s  ${String(result.rowsPerSecond).padStart(8)} rows/s  peak RSS ${result.peakRssMb} MB  ${result.note ?? ''}`)
  return result
}

function available(name) {
  try {
    require.resolve(name)
    return true
  } catch {
    return false
  }
}

// ── child: one measurement, or making one file, in its own process ──
async function child() {
  const [, kind, file] = args
  const started = performance.now()
  let rows = 0
  if (kind === 'reader') {
    const { openTable } = await import(pathToFileURL(join(compiled, 'table-reader.js')).href)
    const t0 = performance.now()
    const source = await openTable(file)
    for await (const batch of source.batches()) rows += batch.length
    report(kind, rows, performance.now() - t0, source.encoding ?? source.sheet)
  } else if (kind === 'exceljs') {
    const ExcelJS = require('exceljs')
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', styles: 'cache', worksheets: 'emit', hyperlinks: 'ignore', entries: 'ignore' })
    for await (const sheet of reader) {
      for await (const row of sheet) if (row.values) rows++
      break
    }
    report(kind, rows, performance.now() - started, '')
  } else if (kind === 'compile') {
    compileReader()
  } else if (kind === 'generate-csv') {
    await writeCsvFile(file, Number(args[3]), args[4])
  } else if (kind === 'generate-xlsx') {
    await writeXlsxFile(file, Number(args[3]))
  } else if (kind === 'papaparse') {
    const { createReadStream } = await import('node:fs')
    const Papa = require('papaparse')
    await new Promise((resolve, reject) => {
      let batch = []
      Papa.parse(createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), {
        step: (r) => {
          batch.push({ rowNumber: ++rows, cells: r.data })
          if (batch.length >= 2000) batch = []
        },
        complete: resolve,
        error: reject,
      })
    })
    report(kind, rows, performance.now() - started, '')
  }
}

if (args[0] === '--child') {
  await child()
  process.exit(0)
}

// ── parent: make the data, run the measurements; it stays small, since Linux carries a parent's
// peak RSS into the children it starts ──
const run = (kind, file = '', ...rest) => execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, file, ...rest.map(String)], { encoding: 'utf8' })

const dir = keptDir ?? mkdtempSync(join(tmpdir(), 'cjfp-bench-'))
try {
  mkdirSync(dir, { recursive: true })
  const files = { utf8: join(dir, `utf8-${ROWS}.csv`), gbk: join(dir, `gbk-${ROWS}.csv`), xlsx: join(dir, `rows-${XLSX_ROWS}.xlsx`), xlsxCsv: join(dir, `rows-${XLSX_ROWS}.csv`) }
  console.log(`data: ${ROWS} CSV rows and ${XLSX_ROWS} XLSX rows in ${dir}`)
  const generate = (kind, file, ...rest) => existsSync(file) || run(kind, file, ...rest)
  generate('generate-csv', files.utf8, ROWS, 'utf8')
  generate('generate-csv', files.gbk, ROWS, 'gbk')
  generate('generate-csv', files.xlsxCsv, XLSX_ROWS, 'utf8')
  generate('generate-xlsx', files.xlsx, XLSX_ROWS)
  run('compile')
  const u = measure('reader', files.utf8)
  const g = measure('reader', files.gbk)
  const c = measure('reader', files.xlsxCsv)
  const x = measure('reader', files.xlsx)
  if (compare) {
    if (available('papaparse')) measure('papaparse', files.utf8)
    else console.log('papaparse not installed; skipped')
    measure('exceljs', files.xlsx)
  }
  console.log(`GBK / UTF-8 time: ${(g.ms / u.ms).toFixed(2)}×   XLSX / same rows as CSV: ${(x.ms / c.ms).toFixed(2)}×`)
} finally {
  if (!keptDir) rmSync(dir, { recursive: true, force: true })
  rmSync(compiled, { recursive: true, force: true })
}
