// 责任状 for every township of Guizhou (≈1,510 letters), measured from the command.
//
// Builds a province database (area 52), gives every county two tasks through the library (a count
// target and the plan's device-fitting rate) and cascades them evenly to its townships, then times
// ONE command that prints every county's letters to its townships:
//   cjfp letter generate --kind responsibility --from 52 --to townships --out DIR
// (with a province as --from, each township's letter is issued by its own county). One command
// rather than 88 per-county commands: 88 CLI start-ups would cost more than the letters themselves,
// and a provincial office prints them in one go. Then the same letters as one combined PDF.
//
//   npm run build && node bench/letters.js [--runs 3]
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { arg, median, ROOT, runCjfp } from './lib.js'

const RUNS = Number(arg('runs', 3))
const OUT = join(ROOT, 'bench', 'out', 'letters-bench')
const DB = join(OUT, 'province.db')
const lib = (name) => import(pathToFileURL(join(ROOT, 'dist', 'lib', `${name}.js`)).href)

rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })
runCjfp(['init', '--area', '52', '--db', DB, '--operator', '基准测试'])

const { openDatabase } = await lib('db')
const { ensureCatalog } = await lib('catalog')
const { assignTask, cascadeTask } = await lib('tasks')
const { db } = openDatabase(DB, { mode: 'write' })
ensureCatalog(db, '基准测试')
const counties = db.prepare("SELECT code, name FROM regions WHERE level = 'county' ORDER BY code").all()
let prepared = 0
const setupStarted = process.hrtime.bigint()
for (const county of counties) {
  const training = assignTask(db, { action: 'KA01', region: county.code, target: 300, targetUnit: '人', deadline: '2020-12-31', title: '农村贫困残疾人实用技术培训' }, '基准测试')
  const fitting = assignTask(db, { action: 'KA03', region: county.code, indicator: 'device_fitting_rate' }, '基准测试')
  for (const task of [training, fitting]) prepared += (await cascadeTask(db, task.task.id, { to: 'townships', split: 'even' }, '基准测试')).children.length
}
db.close()
const setupSeconds = Number(process.hrtime.bigint() - setupStarted) / 1e9
console.error(`${counties.length} counties, ${prepared} township tasks prepared in ${setupSeconds.toFixed(1)} s`)

const generate = (dir, extra = []) =>
  runCjfp(['letter', 'generate', '--kind', 'responsibility', '--from', '52', '--to', 'townships', '--out', dir, '--date', '2017-03-15', '--db', DB, '--operator', '基准测试', ...extra])

const single = []
const combined = []
for (let run = 0; run < RUNS; run++) {
  const dir = join(OUT, `run-${run}`)
  const r = generate(dir)
  const sizes = readdirSync(dir).filter((f) => f.endsWith('.pdf')).map((f) => statSync(join(dir, f)).size)
  const pages = r.json.letters.map((l) => l.pages)
  single.push({
    seconds: r.seconds, rssMb: r.rssMb, letters: r.json.letters.length, perSecond: r.json.letters.length / r.seconds,
    avgKb: sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024, maxKb: Math.max(...sizes) / 1024,
    pages: { min: Math.min(...pages), max: Math.max(...pages), avg: pages.reduce((a, b) => a + b, 0) / pages.length },
  })
  rmSync(dir, { recursive: true, force: true })
  const cdir = join(OUT, `combined-${run}`)
  const c = generate(cdir, ['--combined'])
  combined.push({ seconds: c.seconds, rssMb: c.rssMb, letters: c.json.letters.length, pages: c.json.files[0].pages, mb: c.json.files[0].bytes / 1024 / 1024 })
  rmSync(cdir, { recursive: true, force: true })
  console.error(`run ${run + 1}: ${single.at(-1).letters} letters in ${r.seconds.toFixed(1)} s (${single.at(-1).perSecond.toFixed(1)}/s, ${r.rssMb.toFixed(0)} MB); combined ${c.seconds.toFixed(1)} s (${c.rssMb.toFixed(0)} MB)`)
}

const result = {
  counties: counties.length,
  letters: single[0].letters,
  onePerFile: {
    medianSeconds: median(single.map((r) => r.seconds)),
    medianLettersPerSecond: median(single.map((r) => r.perSecond)),
    peakRssMb: Math.max(...single.map((r) => r.rssMb)),
    avgKbPerLetter: single[0].avgKb,
    maxKbPerLetter: single[0].maxKb,
    pagesPerLetter: single[0].pages,
  },
  combined: {
    medianSeconds: median(combined.map((r) => r.seconds)),
    peakRssMb: Math.max(...combined.map((r) => r.rssMb)),
    pages: combined[0].pages,
    mb: combined[0].mb,
  },
  targets: { lettersPerSecond: 50, peakRssMb: 500, maxKbPerLetter: 150, combinedSeconds: 30 },
}
writeFileSync(join(ROOT, 'bench', 'out', 'letters-results.json'), JSON.stringify(result, null, 2))
console.log(JSON.stringify(result, null, 2))
