#!/usr/bin/env node
// Issue 5 benchmark: the progress notice, the assessment and the 应享未享 check on a province-sized
// database (bench/gen-province.js: ~500,000 people in Guizhou's 88 counties, 12 monthly periods).
//
//   node bench/report.js [--db bench/out/province.db] [--runs 3] [--generate] [--period 2026-11]
//                        [--existing] [--only words] [--people 500000] [--seed 1]
//
// --generate   (re)build the database first; it is also built when the file is missing
// --existing   also time existing commands on the same file (roster periods/stats/diff, pair check,
//              letter status, task list — the last one once only: it is slow on this database)
// --only       only the cases whose name contains one of these comma-separated words (e.g. progress,gaps)
// --people, --seed are passed to gen-province.js.
//
// Targets (issue 5): `report progress --level county` as a table ≤ 3 s, as a PDF ≤ 10 s; `benefit gaps`
// over all rules ≤ 10 s; peak RSS ≤ 500 MB each. Every figure is the median of --runs runs of the
// real CLI (a fresh process each); peak RSS is the child's VmHWM (see runCjfpMeasured in bench/lib.js). The
// terminal-table cases run without --json (bench/lib.js runCjfpMeasured), so the table is really rendered.
// A command that fails is reported and the others still run. Results: bench/out/report-results.json.
import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { arg, median, ROOT, runCjfpMeasured } from './lib.js'

const outDir = join(ROOT, 'bench', 'out')
mkdirSync(outDir, { recursive: true })
const dbFile = resolve(arg('db', join(outDir, 'province.db')))
const runs = Number(arg('runs', '3'))
const flag = (name) => process.argv.includes(`--${name}`)

// ───────────────────────────── the database ─────────────────────────────

let generation = null
if (flag('generate') || !existsSync(dbFile)) {
  const pass = ['people', 'seed', 'periods', 'last'].flatMap((name) => (arg(name) === undefined ? [] : [`--${name}`, arg(name)]))
  process.stderr.write(`generating ${dbFile} …\n`)
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'gen-province.js'), '--out', dbFile, ...pass], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024,
  })
  if (r.status !== 0) {
    process.stderr.write(`gen-province.js failed (${r.status})\n`)
    process.exit(1)
  }
  const summary = JSON.parse(r.stdout)
  generation = { seconds: summary.seconds, bytes: summary.bytes, tables: summary.tables }
}

// The schema is still changing while issue 5 is written: compare the file's tables, indexes and
// triggers with what `cjfp init` creates now, and say so when they differ (rerun with --generate).
function schemaNames(file) {
  const d = new Database(file, { readonly: true, fileMustExist: true })
  const names = d.prepare("SELECT type || ' ' || name AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY 1").all().map((r) => r.n)
  const version = d.pragma('user_version', { simple: true })
  d.close()
  return { names, version }
}
let schemaWarning = null
const few = (names) => names.slice(0, 4).join(', ') + (names.length > 4 ? ` and ${names.length - 4} more` : '')
{
  const fresh = join(tmpdir(), `cjfp-schema-${process.pid}.db`)
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), 'init', '--area', '52', '--db', fresh, '--operator', 'bench', '--json'], { encoding: 'utf8' })
  if (r.status === 0) {
    const now = schemaNames(fresh)
    const ours = schemaNames(dbFile)
    const missing = now.names.filter((n) => !ours.names.includes(n))
    const extra = ours.names.filter((n) => !now.names.includes(n))
    if (missing.length || extra.length || now.version !== ours.version) {
      schemaWarning = `the database's schema differs from what \`cjfp init\` creates now (version ${ours.version} vs ${now.version}` +
        `${missing.length ? `; missing ${few(missing)}` : ''}${extra.length ? `; not in init any more ${few(extra)}` : ''}): rerun with --generate`
      process.stderr.write(`WARNING: ${schemaWarning}\n`)
    }
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(fresh + suffix, { force: true })
}

/** Empties report_cache (when the schema has it), so that a run computes its report from the data. */
function clearReportCache() {
  const d = new Database(dbFile, { fileMustExist: true })
  try {
    if (d.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'report_cache'").get()) d.prepare('DELETE FROM report_cache').run()
  } finally {
    d.close()
  }
}

const probe = new Database(dbFile, { readonly: true, fileMustExist: true })
const period = arg('period') ?? probe.prepare("SELECT max(period) AS p FROM import_batches WHERE kind = 'roster' AND status = 'active'").get().p
const previous = probe.prepare("SELECT max(period) AS p FROM import_batches WHERE kind = 'roster' AND status = 'active' AND period < ?").get(period).p
const persons = probe.prepare("SELECT sum(accepted_rows) AS n FROM import_batches WHERE kind = 'roster' AND status = 'active' AND period = ?").get(period).n
const counties = probe.prepare("SELECT count(DISTINCT county_code) AS n FROM roster_entries WHERE period = ?").get(period).n
const rosterRows = probe.prepare('SELECT count(*) AS n FROM roster_entries').get().n
const benefitRows = probe.prepare('SELECT count(*) AS n FROM benefit_records').get().n
probe.close()
const dbBytes = statSync(dbFile).size + (existsSync(`${dbFile}-wal`) ? statSync(`${dbFile}-wal`).size : 0)
process.stderr.write(`${dbFile}: ${(dbBytes / 1048576).toFixed(0)} MiB, period ${period}: ${persons} people in ${counties} counties; ` +
  `${rosterRows} roster rows, ${benefitRows} benefit records\n`)

// ───────────────────────────── the cases ─────────────────────────────

const pdfFile = join(outDir, 'progress.pdf')
const gapsFile = join(outDir, 'gaps.xlsx')
const db = ['--db', dbFile]
const TABLE = 3
const cases = [
  { name: '`report progress --level county`, terminal table', args: ['report', 'progress', '--period', period, '--level', 'county', ...db], mode: 'text', seconds: TABLE },
  { name: '`report progress --level county --json`', args: ['report', 'progress', '--period', period, '--level', 'county', ...db], mode: 'json', seconds: TABLE },
  { name: '`report progress --level county --pdf`', args: ['report', 'progress', '--period', period, '--level', 'county', '--pdf', pdfFile, ...db], mode: 'json', seconds: 10, file: pdfFile },
  { name: '`benefit gaps` (all rules) `--json`', args: ['benefit', 'gaps', '--period', period, ...db], mode: 'json', seconds: 10 },
  { name: '`benefit gaps` (all rules), terminal table', args: ['benefit', 'gaps', '--period', period, ...db], mode: 'text', seconds: 10 },
  { name: '`benefit gaps --out gaps.xlsx`', args: ['benefit', 'gaps', '--period', period, '--out', gapsFile, ...db], mode: 'json', seconds: 10, file: gapsFile },
  { name: '`report assessment` (default scheme) `--json`', args: ['report', 'assessment', '--period', period, ...db], mode: 'json', seconds: null },
  { name: '`report assessment` (default scheme), terminal table', args: ['report', 'assessment', '--period', period, ...db], mode: 'text', seconds: null },
]
if (flag('existing')) {
  cases.push(
    { name: '`roster periods` (existing)', args: ['roster', 'periods', ...db], mode: 'json', seconds: null, existing: true },
    { name: '`roster stats` by township (existing)', args: ['roster', 'stats', '--period', period, ...db], mode: 'json', seconds: null, existing: true },
    ...(previous ? [{ name: `\`roster diff\` ${previous} → ${period} (existing)`, args: ['roster', 'diff', '--from', previous, '--to', period, ...db], mode: 'json', seconds: null, existing: true }] : []),
    { name: '`pair check` (existing)', args: ['pair', 'check', '--period', period, ...db], mode: 'json', seconds: null, existing: true },
    { name: '`letter status` (existing)', args: ['letter', 'status', ...db], mode: 'json', seconds: null, existing: true },
    { name: '`task list` (existing, 1 run)', args: ['task', 'list', ...db], mode: 'json', seconds: null, existing: true, runs: 1 },
  )
}
const RSS_TARGET = 500
// --only progress,gaps: the cases whose name contains one of the words.
const only = arg('only')?.split(',').map((w) => w.trim()).filter(Boolean)
if (only?.length) cases.splice(0, cases.length, ...cases.filter((c) => only.some((w) => c.name.includes(w))))

// ───────────────────────────── running ─────────────────────────────

const results = []
for (const c of cases) {
  const samples = []
  let error = null
  let output = null
  let warm = null
  // Cold runs (report_cache emptied first: the figures are computed from the data), then, for the new
  // report commands, one warm run that may answer from report_cache.
  const total = (c.runs ?? runs) + (c.existing ? 0 : 1)
  for (let i = 0; i < total; i++) {
    const isWarm = !c.existing && i === total - 1
    if (c.file) rmSync(c.file, { force: true })
    try {
      if (!isWarm) clearReportCache()
      const r = await runCjfpMeasured(c.args, { json: c.mode === 'json' })
      if (isWarm) {
        warm = { seconds: +r.seconds.toFixed(2), rssMb: Math.round(r.hwmMb ?? r.rssMb) }
        continue
      }
      // The child's own peak (VmHWM) where /proc has it: getrusage in a child counts the parent's RSS at spawn.
      samples.push({ seconds: r.seconds, rssMb: r.hwmMb ?? r.rssMb, hookRssMb: r.rssMb, anonMb: r.anonMb, fileMb: r.fileMb })
      if (c.mode === 'text') {
        const text = r.stdout.trimStart()
        if (text.startsWith('{') || text.startsWith('[')) throw new Error('expected a terminal table on stdout, got JSON')
        output = { stdoutBytes: Buffer.byteLength(r.stdout), lines: r.stdout.split('\n').length, stderrBytes: Buffer.byteLength(r.stderr) }
      } else {
        output = {
          stdoutBytes: Buffer.byteLength(r.stdout),
          json: r.json === null ? 'unparsable' : Array.isArray(r.json) ? `array of ${r.json.length}` : Object.keys(r.json).slice(0, 12).join(','),
        }
      }
      if (c.file) output.fileBytes = existsSync(c.file) ? statSync(c.file).size : null
    } catch (e) {
      error = String(e.message ?? e).split('\n').filter(Boolean).slice(0, 6).join(' | ')
      break
    }
  }
  const row = {
    name: c.name,
    command: `cjfp ${c.args.join(' ')}${c.mode === 'json' ? ' --json' : ''}`,
    mode: c.mode,
    runs: samples.length,
    samples: samples.map((s) => +s.seconds.toFixed(2)),
    medianSeconds: samples.length ? +median(samples.map((s) => s.seconds)).toFixed(2) : null,
    peakRssMb: samples.length ? Math.round(Math.max(...samples.map((s) => s.rssMb))) : null,
    hookPeakRssMb: samples.length ? Math.round(Math.max(...samples.map((s) => s.hookRssMb))) : null,
    // Sampled from /proc every 20 ms (Linux): heap and native buffers vs mapped database pages.
    peakAnonMb: samples.some((s) => s.anonMb !== null) ? Math.round(Math.max(...samples.map((s) => s.anonMb ?? 0))) : null,
    peakFileMb: samples.some((s) => s.fileMb !== null) ? Math.round(Math.max(...samples.map((s) => s.fileMb ?? 0))) : null,
    warm,
    targetSeconds: c.seconds,
    targetRssMb: c.existing ? null : RSS_TARGET,
    output,
    error,
  }
  row.timeMet = row.targetSeconds === null || row.medianSeconds === null ? null : row.medianSeconds <= row.targetSeconds
  row.memoryMet = row.targetRssMb === null || row.peakRssMb === null ? null : row.peakRssMb <= row.targetRssMb
  results.push(row)
  process.stderr.write(`${error ? 'FAILED ' : ''}${JSON.stringify(row)}\n`)
}

// ───────────────────────────── report ─────────────────────────────

const report = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: +(totalmem() / 2 ** 30).toFixed(1), node: process.version },
  database: { file: dbFile, bytes: dbBytes, period, persons, counties, rosterRows, benefitRows, schemaWarning },
  generation,
  runs,
  results,
}
writeFileSync(join(outDir, 'report-results.json'), JSON.stringify(report, null, 2))

const fmtS = (s) => (s === null ? '—' : `${s.toFixed(2)} s`)
const target = (r) => [r.targetSeconds !== null ? `≤ ${r.targetSeconds} s` : null, r.targetRssMb !== null ? `≤ ${r.targetRssMb} MB` : null].filter(Boolean).join(', ')
const verdict = (r) => {
  if (r.error) return `**failed**: ${r.error.slice(0, 160)}`
  const parts = []
  if (r.timeMet !== null) parts.push(r.timeMet ? 'time met' : 'time **missed**')
  if (r.memoryMet !== null) parts.push(r.memoryMet ? 'memory met' : 'memory **missed**')
  const all = [r.timeMet, r.memoryMet].filter((v) => v !== null)
  if (all.length === 2 && all.every(Boolean)) return 'met'
  return parts.join(', ')
}
const rss = (r) => {
  if (r.peakRssMb === null) return '—'
  const split = r.peakAnonMb !== null ? ` (anon ${r.peakAnonMb}, file ${r.peakFileMb})` : ''
  return `${r.peakRssMb} MB${split}`
}
const lines = [
  `Province database: ${persons.toLocaleString('en-US')} people in ${counties} counties (${period}), ${rosterRows.toLocaleString('en-US')} roster rows over all periods, ` +
    `${benefitRows.toLocaleString('en-US')} benefit records, ${(dbBytes / 1048576).toFixed(0)} MiB${generation ? `; generated in ${generation.seconds} s` : ''}. ` +
    `Median of ${runs} runs.${schemaWarning ? ` **Warning**: ${schemaWarning}.` : ''}`,
  '',
  '| what | median | peak RSS | target | |',
  '| --- | ---: | ---: | --- | --- |',
  ...results.map((r) => `| ${r.name} | ${fmtS(r.medianSeconds)}${r.warm ? ` (again: ${fmtS(r.warm.seconds)})` : ''} | ${rss(r)} | ${target(r)} | ${verdict(r)} |`),
  '',
  'Median of the cold runs (report_cache emptied before each); "again" is one more run right after, which may answer from',
  'report_cache. Peak RSS is the process\'s VmHWM read from /proc every 20 ms (on Linux; elsewhere what bench/rss-hook.js reports, which on',
  'Linux also counts this script\'s own RSS at spawn). In brackets the largest anonymous (heap, buffers) and file-backed',
  '(mostly database pages mapped by SQLite, which the OS can drop) resident sizes seen.',
]
console.log(lines.join('\n'))
console.log(`\nResults written to ${join(outDir, 'report-results.json')}`)
