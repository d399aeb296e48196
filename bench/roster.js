// Roster benchmark: import speed and memory for 100k and 1M rows (UTF-8 CSV, GBK CSV, XLSX), re-import,
// diff of two periods and stats, next to the sqlite3 shell's `.import` of the same CSV as the reference.
//   npm run build && node bench/roster.js [--rows 100000,1000000] [--runs 3] [--xlsx-rows 100000]
// Needs the `sqlite3` command-line shell for the reference (Debian package sqlite3).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { arg, median, ROOT, runCjfp, timeCommand } from './lib.js'

const rowsList = arg('rows', '100000,1000000').split(',').map(Number)
const runs = Number(arg('runs', '3'))
const xlsxRows = Number(arg('xlsx-rows', '100000'))
const outDir = join(ROOT, 'bench', 'out')
mkdirSync(outDir, { recursive: true })

function generate(rows, file, extra = []) {
  if (existsSync(file)) return
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'gen-roster.js'), '--rows', String(rows), '--county', '520526', '--period', '2026-10', '--seed', '7', '--out', file, ...extra], { stdio: 'inherit' })
  if (r.status !== 0) throw new Error(`gen-roster failed for ${file}`)
}

function freshDb(tag) {
  const dir = join(outDir, `db-${tag}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const db = join(dir, 'bench.db')
  runCjfp(['init', '--area', '520526', '--operator', 'bench', '--db', db])
  return db
}

const results = []
function record(name, rows, samples, extra = {}) {
  const seconds = median(samples.map((s) => s.seconds))
  const rssMb = samples[0].rssMb !== undefined ? Math.max(...samples.map((s) => s.rssMb ?? 0)) : null
  const row = { name, rows, runs: samples.length, medianSeconds: +seconds.toFixed(2), rowsPerSecond: rows ? Math.round(rows / seconds) : null, peakRssMb: rssMb === null ? null : +rssMb.toFixed(0), ...extra }
  results.push(row)
  console.log(JSON.stringify(row))
}

for (const rows of rowsList) {
  const csv = join(outDir, `roster-${rows}.csv`)
  const gbk = join(outDir, `roster-${rows}-gbk.csv`)
  const next = join(outDir, `roster-${rows}-next.csv`)
  generate(rows, csv)
  generate(rows, gbk, ['--encoding', 'gbk'])
  generate(rows, next, ['--next'])
  const sizeMb = statSync(csv).size / 1024 / 1024

  // Reference: the sqlite3 shell's .import (no validation, all TEXT, no indexes), run right before each
  // import of the same file, so that a busy machine slows both of a pair alike.
  const ref = []
  const utf8 = []
  const again = []
  let db
  for (let i = 0; i < runs; i++) {
    const refDb = join(outDir, 'reference.db')
    rmSync(refDb, { force: true })
    ref.push(timeCommand('sqlite3', [refDb, '-cmd', '.mode csv', `.import ${csv} roster`]))
    db = freshDb(`utf8-${rows}`)
    utf8.push(runCjfp(['roster', 'import', csv, '--period', '2026-10', '--db', db, '--quiet']))
    again.push(runCjfp(['roster', 'import', csv, '--period', '2026-10', '--db', db, '--quiet']))
  }
  rmSync(join(outDir, 'reference.db'), { force: true })
  record('sqlite3 .import (reference)', rows, ref, { fileMb: +sizeMb.toFixed(1) })
  const pairs = utf8.map((s, i) => +(s.seconds / ref[i].seconds).toFixed(2))
  record('roster import UTF-8 CSV', rows, utf8, {
    ratioToReference: +(median(utf8.map((s) => s.seconds)) / median(ref.map((s) => s.seconds))).toFixed(2), pairedRatios: pairs, medianPairedRatio: median(pairs),
  })
  record('roster import again (recognised)', rows, again)

  runCjfp(['roster', 'import', next, '--period', '2026-11', '--db', db, '--quiet'])
  const diffs = []
  const stats = []
  for (let i = 0; i < runs; i++) {
    diffs.push(runCjfp(['roster', 'diff', '--from', '2026-10', '--to', '2026-11', '--db', db]))
    stats.push(runCjfp(['roster', 'stats', '--db', db]))
  }
  record('roster diff of two periods', rows, diffs, { counts: diffs[0].json?.counts })
  record('roster stats', rows, stats)

  const gbkRuns = []
  for (let i = 0; i < runs; i++) {
    const gdb = freshDb(`gbk-${rows}`)
    gbkRuns.push(runCjfp(['roster', 'import', gbk, '--period', '2026-10', '--db', gdb, '--quiet']))
  }
  record('roster import GBK CSV', rows, gbkRuns, { ratioToUtf8: +(median(gbkRuns.map((s) => s.seconds)) / median(utf8.map((s) => s.seconds))).toFixed(2) })

  if (rows === xlsxRows) {
    const xlsx = join(outDir, `roster-${rows}.xlsx`)
    generate(rows, xlsx, ['--format', 'xlsx'])
    const xl = []
    for (let i = 0; i < runs; i++) {
      const xdb = freshDb(`xlsx-${rows}`)
      xl.push(runCjfp(['roster', 'import', xlsx, '--period', '2026-10', '--db', xdb, '--quiet']))
    }
    record('roster import XLSX', rows, xl, { ratioToCsv: +(median(xl.map((s) => s.seconds)) / median(utf8.map((s) => s.seconds))).toFixed(2) })
  }
}

writeFileSync(join(outDir, 'roster-results.json'), JSON.stringify(results, null, 2))
console.log(`\nResults written to ${join(outDir, 'roster-results.json')}`)
