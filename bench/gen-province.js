#!/usr/bin/env node
// A province-sized benchmark database (issue 5): Guizhou's 88 counties, about 500,000 registered poor
// disabled people over 12 monthly roster periods, benefit lists of other departments, pairings,
// tasks and responsibility letters. Seeded: the same flags give the same data.
//
//   node bench/gen-province.js --out bench/out/province.db [--people 500000] [--periods 12] [--last 2026-11] [--seed 1]
//
// The database is created by the real CLI (`cjfp init --area 52`), then filled directly with prepared
// statements in large transactions, writing exactly the rows a real import writes: one roster batch
// per period whose rows are one contiguous rowid range (first_entry_id … last_entry_id, see PERIOD_ROWS
// in src/lib/roster-query.ts), villages added to `regions` as a roster import adds them, benefit
// batches per 市州 (and per 省直管县) per list per period, pairing batches, and tasks cascaded
// through the compiled task library (dist/lib/tasks.js), the same code `cjfp task assign|cascade|progress` runs.
// Needs the compiled code in dist/ (the CLI for init; idcard, sample, regions, units and tasks modules).
import Database from 'better-sqlite3'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './lib.js'
import { idCheckChar } from '../dist/lib/idcard.js'
import { shortNamesOf } from '../dist/lib/regions.js'
import { sampleVillages } from '../dist/lib/sample.js'
import { governmentName } from '../dist/lib/units.js'

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: join(ROOT, 'bench', 'out', 'province.db') },
    people: { type: 'string', default: '500000' },
    periods: { type: 'string', default: '12' },
    last: { type: 'string', default: '2026-11' },
    seed: { type: 'string', default: '1' },
    quiet: { type: 'boolean', default: false },
  },
})

function fail(message) {
  process.stderr.write(`gen-province: ${message}\n`)
  process.exit(2)
}

const OUT = resolve(args.out)
const PEOPLE = Number(args.people)
const PERIOD_COUNT = Number(args.periods)
const SEED = Number(args.seed)
if (!Number.isInteger(PEOPLE) || PEOPLE < 1000) fail('--people must be an integer ≥ 1000')
if (!Number.isInteger(PERIOD_COUNT) || PERIOD_COUNT < 1 || PERIOD_COUNT > 60) fail('--periods must be 1…60')
if (!Number.isInteger(SEED)) fail('--seed must be an integer')
if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(args.last)) fail('--last must be YYYY-MM')

const OPERATOR = '基准测试'
const started = process.hrtime.bigint()
const seconds = () => Number(process.hrtime.bigint() - started) / 1e9
const phases = []
let phaseStart = 0
function phase(name) {
  const now = seconds()
  if (phases.length) phases.at(-1).seconds = +(now - phaseStart).toFixed(1)
  phaseStart = now
  if (name) {
    phases.push({ name, seconds: 0 })
    if (!args.quiet) process.stderr.write(`[${now.toFixed(1)} s] ${name}\n`)
  }
}

// ───────────────────────────── randomness ─────────────────────────────

/** mulberry32 */
class Rng {
  constructor(seed) {
    this.state = seed >>> 0
  }
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n) {
    return Math.floor(this.next() * n)
  }
  range(lo, hi) {
    return lo + this.int(hi - lo + 1)
  }
  pick(items) {
    return items[this.int(items.length)]
  }
  chance(p) {
    return this.next() < p
  }
}

function mix32(x) {
  let h = x | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
/** A stable uniform [0, 1) for (entity, salt, extra): each person's or household's own dice. */
function u01(entity, salt, extra = 0) {
  return mix32(mix32(mix32(entity + 0x9e3779b9 + SEED * 0x632be5ab) ^ (salt * 0x7f4a7c15)) ^ (extra * 0x2545f491 + 0x61c88647)) / 4294967296
}

function weighted(entries) {
  const total = entries.reduce((s, e) => s + e[1], 0)
  let run = 0
  const cum = entries.map((e) => (run += e[1] / total))
  const items = entries.map((e) => e[0])
  return (u) => {
    for (let i = 0; i < cum.length; i++) if (u < cum[i]) return items[i]
    return items[items.length - 1]
  }
}

const rng = new Rng(mix32(SEED * 2654435761 + 17))

// ───────────────────────────── periods and dates ─────────────────────────────

const pad2 = (n) => (n < 10 ? `0${n}` : String(n))
const monthOf = (period) => Number(period.slice(0, 4)) * 12 + Number(period.slice(5, 7)) - 1
const periodOf = (m) => `${Math.floor(m / 12)}-${pad2((m % 12) + 1)}`
const LAST_MONTH = monthOf(args.last)
const PERIODS = Array.from({ length: PERIOD_COUNT }, (_, i) => periodOf(LAST_MONTH - (PERIOD_COUNT - 1) + i))
const dayOf = (period) => Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)) - 1, 1) / 86400000
const isoDay = (day) => new Date(day * 86400000).toISOString().slice(0, 10)
const ymdOf = (day) => isoDay(day).replace(/-/g, '')
/** A date inside a period's month (day 1–28). */
const dateIn = (period, u) => `${period}-${pad2(1 + Math.floor(u * 28))}`
const TODAY = new Date()
const TODAY_ISO = `${TODAY.getFullYear()}-${pad2(TODAY.getMonth() + 1)}-${pad2(TODAY.getDate())}`
/** When a period's files were imported: the 25th of the month, never after today. */
function importedAt(period, minute) {
  const day = `${period}-25`
  const date = day > TODAY_ISO ? TODAY_ISO : day
  return `${date}T0${1 + (minute % 8)}:${pad2(minute % 60)}:00.000Z`
}

// ───────────────────────────── content tables ─────────────────────────────

const SURNAMES = weighted([
  ['李', 7], ['杨', 7], ['王', 6.5], ['张', 6], ['陈', 5], ['刘', 4], ['吴', 4], ['罗', 3.5], ['黄', 3], ['赵', 3], ['周', 2.5],
  ['龙', 2.5], ['马', 2.5], ['朱', 2], ['陆', 1.5], ['安', 1.5], ['胡', 1.5], ['何', 1.5], ['禄', 1], ['田', 1.2], ['高', 1.2],
  ['徐', 1], ['郭', 1], ['谢', 1], ['唐', 1], ['邓', 1], ['余', 1], ['石', 1], ['潘', 1], ['孙', 0.8], ['宋', 0.8], ['曹', 0.8],
  ['彭', 0.8], ['袁', 0.8], ['熊', 0.8], ['韦', 0.8], ['肖', 0.7], ['林', 0.6], ['蒋', 0.6], ['苏', 0.6], ['丁', 0.6], ['许', 0.6],
  ['冯', 0.6], ['付', 0.6], ['卢', 0.6], ['韩', 0.5], ['吕', 0.5], ['蒙', 0.5], ['邹', 0.5], ['文', 0.5], ['陶', 0.5], ['雷', 0.5],
  ['向', 0.4], ['岑', 0.3], ['班', 0.3], ['欧', 0.3], ['麻', 0.2], ['杜', 0.4], ['姚', 0.4], ['严', 0.3],
])
const MALE = '明华强军平伟勇杰涛斌超波辉刚健林海忠福贵富发顺成祥荣金兵国文武德志洪云龙飞学昌友万才江正光兴永胜安春中元开先家礼仁义朝宗远'
const FEMALE = '芳英兰秀梅琴珍丽艳敏霞燕红玉凤桂翠莲菊花美娟萍丹慧静婷雪琼芬香仙娥珊会群润琳'
const MIDDLE = '小正光永德国家文志明朝绍庆开世宗天应元学'
function personName(male) {
  const given = male ? MALE : FEMALE
  const surname = SURNAMES(rng.next())
  if (rng.chance(0.2)) return surname + rng.pick(given)
  return surname + (rng.chance(0.5) ? rng.pick(MIDDLE) : rng.pick(given)) + rng.pick(given)
}

const CAUSES = weighted([
  ['因残', 45], ['因病', 18], ['缺劳力', 10], ['缺资金', 8], ['缺技术', 7], ['因学', 3], ['缺土地', 2], ['交通条件落后', 2],
  ['自身发展动力不足', 2], ['因灾', 1], ['缺水', 1], ['其他', 1],
])
// 肢体 most common, then 视力, 智力, 精神, 听力, 言语, 多重 (the certificate's 19th digit).
const CATEGORIES = weighted([[4, 40], [1, 16], [5, 13], [6, 11], [2, 9], [3, 6], [7, 5]])
const CATEGORY_NAMES = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重']
const GRADES = weighted([[1, 12], [2, 20], [3, 33], [4, 35]])
const GRADE_NAMES = ['一级', '二级', '三级', '四级']
const DISABLED_PER_HOUSEHOLD = weighted([[1, 90], [2, 8.5], [3, 1.5]])
const HOUSEHOLD_SIZES = weighted([[1, 10], [2, 18], [3, 20], [4, 22], [5, 16], [6, 9], [7, 3], [8, 2]])
const EXIT_YEARS = weighted([[2016, 14], [2017, 20], [2018, 24], [2019, 26], [2020, 16]])
const INITIAL_STATUS = weighted([['已脱贫', 80], ['未脱贫', 12], ['脱贫不稳定户', 6], ['返贫', 2]])
const NEW_STATUS = weighted([['未脱贫', 50], ['脱贫不稳定户', 30], ['已脱贫', 20]])
const SINGLE_RELATION = weighted([['户主', 52], ['子女', 20], ['配偶', 14], ['父母', 8], ['孙子女', 3], ['兄弟姐妹', 2], ['其他', 1]])
const OTHER_RELATION = weighted([['子女', 60], ['配偶', 20], ['父母', 12], ['孙子女', 5], ['兄弟姐妹', 3]])
// Age at registration: 0–90, most 16–75.
const AGE_BANDS = weighted([[[0, 5], 2], [[6, 15], 6], [[16, 22], 5], [[23, 44], 20], [[45, 59], 30], [[60, 75], 27], [[76, 90], 10]])
const MOBILE = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '147', '150', '151', '152', '155', '157', '158', '159',
  '166', '173', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '191', '198', '199']
const phone = () => rng.pick(MOBILE) + String(rng.int(100000000)).padStart(8, '0')
// 辅具需求 by category (视力 听力 言语 肢体 智力 精神 多重): about a quarter overall.
const DEVICE_NEED = [0.34, 0.3, 0.08, 0.34, 0.08, 0.06, 0.3]

// Neighbouring counties outside Guizhou, named by rows the import rejects as county_mismatch (迁出).
const OUTSIDE = [['530381', '宣威市'], ['530325', '富源县'], ['500242', '酉阳土家族苗族自治县'], ['451031', '隆林各族自治县']]

// ───────────────────────────── the database ─────────────────────────────

phase('init (cjfp init --area 52)')
mkdirSync(dirname(OUT), { recursive: true })
for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(OUT + suffix, { force: true })
const init = spawnSync(process.execPath, [join(ROOT, 'bin', 'run.js'), 'init', '--area', '52', '--db', OUT, '--operator', OPERATOR, '--json'], {
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1' },
})
if (init.status !== 0) fail(`cjfp init failed (${init.status}): ${init.stdout}${init.stderr}`)

// ───────────────────────────── tasks, through the task library ─────────────────────────────
// Tasks are made by dist/lib/tasks.js, the code `cjfp task assign|cascade|progress` runs, after
// ensureCatalog as every task command does. Rate targets are copied down (their cascade does not read
// the roster), so they are made now, while the database is small: on the full database every
// cascade of a pairing_coverage task recomputes coverage over the whole roster (about a minute in all).
// The count target split by roster share is made at the end, once the roster is there.
const { openDatabase } = await import('../dist/lib/db.js')
const tasksLib = await import('../dist/lib/tasks.js')
const { ensureCatalog } = await import('../dist/lib/catalog.js')
const trng = new Rng(mix32(SEED * 40503 + 99))
const taskSummary = { assigned: 0, cascaded: 0, progress: 0, errors: [], seconds: {} }
const countyTasks = []
async function cascadeDown(ldb, taskId, split) {
  const made = []
  const toCities = await tasksLib.cascadeTask(ldb, taskId, { to: 'cities', split }, OPERATOR)
  taskSummary.cascaded += toCities.children.length
  for (const child of toCities.children) {
    if (child.regionCode.length === 6) {
      made.push(child)
      continue
    }
    const toCounties = await tasksLib.cascadeTask(ldb, child.id, { to: 'counties', split }, OPERATOR)
    taskSummary.cascaded += toCounties.children.length
    made.push(...toCounties.children)
  }
  countyTasks.push(...made)
  return made
}
async function makeTask(ldb, spec) {
  const { progress, ...input } = spec
  const t0 = seconds()
  try {
    const { task } = tasksLib.assignTask(ldb, input, OPERATOR)
    taskSummary.assigned++
    const children = await cascadeDown(ldb, task.id, undefined)
    if (progress) {
      for (const child of children) {
        if (!trng.chance(0.7)) continue
        const value = progress === 'rate' ? 70 + trng.int(31) : Math.round((child.target ?? 0) * (0.6 + trng.next() * 0.6))
        tasksLib.recordProgress(ldb, child.id, { value, note: '县残联月报' }, OPERATOR)
        taskSummary.progress++
      }
    }
  } catch (error) {
    taskSummary.errors.push(`${spec.action}: ${error?.message ?? error}`)
    process.stderr.write(`gen-province: task ${spec.action} failed: ${error?.message ?? error}\n`)
  }
  taskSummary.seconds[`${spec.action} ${spec.indicator ?? spec.title}`] = +(seconds() - t0).toFixed(2)
}
{
  phase('tasks (rates)')
  const { db: ldb } = openDatabase(OUT, { mode: 'write' })
  ensureCatalog(ldb, OPERATOR) // the plan's actions, indicators and units
  await makeTask(ldb, { action: 'KA03', region: '52', indicator: 'device_fitting_rate', deadline: '2026-12-31' })
  await makeTask(ldb, { action: 'KA02', region: '52', indicator: 'pairing_coverage', deadline: '2026-06-30' }) // overdue wherever coverage < 100%
  await makeTask(ldb, { action: 'SG05', region: '52', indicator: 'housing_renovation_rate', deadline: '2026-09-30', progress: 'rate' })
  await makeTask(ldb, { action: 'KA04', region: '52', indicator: 'literacy_rate', deadline: '2027-06-30', progress: 'rate' })
  // County care institutions: one for each county, assigned to the county directly.
  const t1 = seconds()
  try {
    for (const { code } of ldb.prepare("SELECT code FROM regions WHERE level = 'county' AND code LIKE '52%' ORDER BY code").all()) {
      const { task } = tasksLib.assignTask(ldb, { action: 'SG14', region: code, indicator: 'county_care_institutions', deadline: '2026-12-31' }, OPERATOR)
      taskSummary.assigned++
      countyTasks.push({ id: task.id, regionCode: code, target: 1 })
      if (trng.chance(0.75)) {
        tasksLib.recordProgress(ldb, task.id, { value: 1, note: '托养机构已运营' }, OPERATOR)
        taskSummary.progress++
      }
    }
  } catch (error) {
    taskSummary.errors.push(`SG14: ${error?.message ?? error}`)
    process.stderr.write(`gen-province: task SG14 failed: ${error?.message ?? error}\n`)
  }
  taskSummary.seconds['SG14 county_care_institutions ×88'] = +(seconds() - t1).toFixed(2)
  ldb.close()
}
/** After the roster: the count target split by each region's share of the roster. */
async function tasksAfterRoster(ldb) {
  // 实用技术培训 people: overdue where the reported count falls short.
  await makeTask(ldb, { action: 'KA01', region: '52', target: '30000', targetUnit: '人', deadline: '2026-10-31', title: '贫困残疾人实用技术培训', progress: 'count' })
}

const db = new Database(OUT)
db.pragma('journal_mode = OFF')
db.pragma('synchronous = OFF')
db.pragma('locking_mode = EXCLUSIVE')
db.pragma('temp_store = MEMORY')
db.pragma('cache_size = -1048576') // 1 GiB: the (period, id_number) index stays in memory while it grows
const orgName = db.prepare("SELECT value FROM meta WHERE key = 'org_name'").get()?.value ?? '贵州省残疾人联合会'

// Regions as init loaded them.
const regionRows = db.prepare("SELECT code, name, level, parent_code, reports_to FROM regions WHERE code LIKE '52%' ORDER BY code").all()
const regionByCode = new Map(regionRows.map((r) => [r.code, r]))
const countyRows = regionRows.filter((r) => r.level === 'county')
if (countyRows.length !== 88) fail(`expected 88 Guizhou counties in regions, found ${countyRows.length}`)
const shortName = (r) => {
  const names = shortNamesOf({ name: r.name, level: r.level }).filter((n) => /[市县区州]$/.test(n))
  return names.sort((a, b) => a.length - b.length)[0] ?? r.name
}

// ───────────────────────────── geography ─────────────────────────────

phase('population')
const counties = countyRows.map((r, index) => {
  const direct = r.reports_to === '52'
  const group = direct ? r.code : r.parent_code
  const townships = regionRows.filter((t) => t.level === 'township' && t.parent_code === r.code)
  const villages = []
  for (const t of townships) {
    const urban = t.name.endsWith('街道')
    const tw = (urban ? 0.35 : 0.6) + rng.next()
    for (const v of sampleVillages({ code: t.code, name: t.name })) villages.push({ code: v.code, name: v.name, township: t, weight: tw * (0.3 + 1.4 * rng.next()), seq: 0 })
  }
  let run = 0
  const cum = villages.map((v) => (run += v.weight))
  return { index, code: r.code, name: r.name, short: shortName(r), cityCode: r.parent_code, direct, group, villages, cum, total: run, size: 0 }
})
function pickVillage(county) {
  const x = rng.next() * county.total
  let lo = 0
  let hi = county.cum.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x < county.cum[mid]) hi = mid
    else lo = mid + 1
  }
  return county.villages[lo]
}

// County sizes 1.5k–15k (log-uniform, scaled to the total): the first period is sized so that the
// last one holds about --people (the roster grows about 0.5% a month: 1% new, 0.5% removed).
const firstSize = Math.round(PEOPLE / Math.pow(1.005, PERIOD_COUNT - 1))
const scale = firstSize / 500000
const rawSizes = counties.map((c) => (c.code === '520526' ? 15000 : Math.exp(Math.log(1500) + rng.next() * Math.log(10))))
const rawTotal = rawSizes.reduce((a, b) => a + b, 0)
// Clamped so that after a year's growth every county holds 1.5k–15k people (at full size).
counties.forEach((c, i) => {
  const size = ((rawSizes[i] * 500000) / rawTotal) * scale
  c.size = Math.max(1, Math.round(Math.min(Math.max(size, 1560 * scale), 14800 * scale)))
})
let countyPick = []
{
  let run = 0
  countyPick = counties.map((c) => (run += c.size))
}
function randomCounty() {
  const x = rng.next() * countyPick.at(-1)
  let lo = 0
  let hi = countyPick.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x < countyPick[mid]) hi = mid
    else lo = mid + 1
  }
  return counties[lo]
}

// ───────────────────────────── people and households ─────────────────────────────

const usedIds = new Set()
/** A valid 18-character 身份证号 whose address code is the county's and whose birth date gives `age` on `refDay`. */
function newId(countyCode, age, refDay, male) {
  for (;;) {
    const day = refDay - Math.floor(age * 365.25) - 1 - rng.int(365)
    const k = rng.int(499)
    const seq = male ? 2 * k + 1 : 2 * k + 2
    const first17 = countyCode + ymdOf(day) + String(seq).padStart(3, '0')
    const id = first17 + idCheckChar(first17)
    if (!usedIds.has(id)) {
      usedIds.add(id)
      return id
    }
  }
}

let personCount = 0
let householdCount = 0
const persons = []
const households = []

function extrasFor(p, hh) {
  const age = p.age
  const severe = p.grade <= 2
  let labour
  if (age < 16 || age > 75) labour = '无'
  else if (severe) labour = rng.chance(0.68) ? '无' : rng.chance(0.8) ? '弱' : '有'
  else {
    const u = rng.next()
    labour = u < 0.45 ? '有' : u < 0.8 ? '弱' : '无'
  }
  const employed = age >= 16 && age <= 59 && labour !== '无' && rng.chance(labour === '有' ? 0.45 : 0.12)
  const s = rng.next()
  const source = employed ? '本人劳动' : s < 0.62 ? '家庭供养' : s < 0.95 ? '社会救助' : '本人劳动'
  const need = rng.chance(DEVICE_NEED[p.category - 1])
  let education = null
  let school = null
  if (age >= 6 && age <= 22) {
    const rate = age <= 15 ? (p.category === 5 || p.category === 7 ? 0.72 : 0.92) : age <= 18 ? 0.55 : 0.2
    school = rng.chance(rate) ? '在校' : '不在校'
  }
  if (age >= 6) {
    const illiterate = age >= 60 ? 0.45 : age >= 45 ? 0.26 : age >= 23 ? 0.13 : age >= 16 ? 0.07 : school === '在校' ? 0 : 0.5
    const u = rng.next()
    if (u < illiterate) education = '文盲'
    else if (age <= 12) education = '小学'
    else if (age <= 15) education = rng.chance(0.6) ? '初中' : '小学'
    else {
      const v = rng.next()
      education = v < 0.42 ? '小学' : v < 0.82 ? '初中' : '高中及以上'
    }
  }
  let supporter = null
  if (source !== '本人劳动') {
    if (age < 18) supporter = rng.range(22, 52)
    else if (age < 40) supporter = rng.chance(0.3) ? rng.range(60, 78) : rng.range(40, 59)
    else supporter = rng.chance(0.25) ? rng.range(60, 82) : rng.range(28, 59)
  }
  p.need = need
  p.labour = labour
  p.illiterate = education === '文盲'
  p.student = school === '在校'
  const extra = { 就业状况: employed ? '已就业' : '未就业', 主要生活来源: source, 劳动能力: labour, 辅具需求: need ? '是' : '否', 住房状况: hh.danger ? '危房' : '安全' }
  if (education) extra.文化程度 = education
  if (school) extra.在校情况 = school
  if (supporter !== null) extra.主要供养人年龄 = String(supporter)
  p.extra = JSON.stringify(extra)
}

function newPerson(hh, relation, refDay) {
  const [lo, hi] = AGE_BANDS(rng.next())
  const age = rng.range(lo, hi)
  const male = rng.chance(0.57)
  const id = newId(hh.county.code, age, refDay, male)
  const category = CATEGORIES(rng.next())
  const grade = GRADES(rng.next())
  const p = {
    idx: personCount++, id, name: personName(male), gender: male ? '男' : '女', relation, age, category, grade,
    cert: id + category + grade, phone: rng.chance(0.88) ? phone() : null, hh, extra: null, need: false, labour: '无',
    illiterate: false, student: false, joined: refDay, removed: false,
  }
  extrasFor(p, hh)
  persons.push(p)
  hh.members.push(p)
  return p
}

function newHousehold(county, refDay, status) {
  const village = pickVillage(county)
  const members = DISABLED_PER_HOUSEHOLD(rng.next())
  const hh = {
    idx: householdCount++, no: village.code + String(++village.seq).padStart(4, '0'), county, village, members: [],
    size: Math.max(members, HOUSEHOLD_SIZES(rng.next())), cause: CAUSES(rng.next()), status, exitYear: null,
    danger: rng.chance(0.05), active: true, oldNos: [], joined: refDay,
  }
  if (status !== '未脱贫') hh.exitYear = EXIT_YEARS(rng.next())
  households.push(hh)
  for (let k = 0; k < members; k++) {
    const relation = members === 1 ? SINGLE_RELATION(rng.next()) : k === 0 ? (rng.chance(0.65) ? '户主' : '配偶') : OTHER_RELATION(rng.next())
    newPerson(hh, relation, refDay)
  }
  return hh
}

const firstDay = dayOf(PERIODS[0])
for (const county of counties) {
  let made = 0
  while (made < county.size) made += newHousehold(county, firstDay, INITIAL_STATUS(rng.next())).members.length
}

/** Removed persons by county (still on some departments' lists: 应享未享's other side). */
const removedByCounty = new Map()
/** Strangers: people on a department's list who were never on the roster, by county. */
const strangersByCounty = new Map()
function strangers(county) {
  let list = strangersByCounty.get(county.code)
  if (!list) {
    list = []
    const n = Math.max(20, Math.ceil(county.size * 0.03))
    for (let i = 0; i < n; i++) {
      const male = rng.chance(0.55)
      const [lo, hi] = AGE_BANDS(rng.next())
      list.push({ id: newId(county.code, rng.range(lo, hi), dayOf(args.last), male), name: personName(male) })
    }
    strangersByCounty.set(county.code, list)
  }
  return list
}

// ───────────────────────────── month-to-month changes ─────────────────────────────

const changeLog = []
function evolve(period) {
  const refDay = dayOf(period)
  const year = Number(period.slice(0, 4))
  const active = households.filter((h) => h.active)
  const counts = { removed: 0, movedOutOfProvince: 0, new: 0, exited: 0, returned: 0, graded: 0, movedCounty: 0 }
  const outOfProvince = []
  // Removed (death, certificate cancelled, moved away): about 0.5% of people.
  for (const hh of active) {
    for (let k = hh.members.length - 1; k >= 0; k--) {
      if (!rng.chance(0.005)) continue
      const p = hh.members[k]
      p.removed = true
      hh.members.splice(k, 1)
      counts.removed++
      let list = removedByCounty.get(hh.county.code)
      if (!list) removedByCounty.set(hh.county.code, (list = []))
      list.push(p)
      if (rng.chance(0.08)) {
        outOfProvince.push({ p, hh })
        counts.movedOutOfProvince++
      }
    }
    if (hh.members.length === 0) hh.active = false
  }
  // Status changes, per household.
  for (const hh of active) {
    if (!hh.active) continue
    const u = rng.next()
    if (hh.status === '未脱贫' && u < 0.04) {
      hh.status = '已脱贫'
      hh.exitYear = year
      counts.exited += hh.members.length
    } else if (hh.status === '返贫' && u < 0.05) {
      hh.status = '已脱贫'
      counts.exited += hh.members.length
    } else if (hh.status === '脱贫不稳定户' && u < 0.02) {
      hh.status = '已脱贫'
      counts.exited += hh.members.length
    } else if (hh.status === '已脱贫' && u < 0.001) {
      hh.status = '返贫'
      counts.returned += hh.members.length
    } else if (hh.status === '已脱贫' && u < 0.002) {
      hh.status = '脱贫不稳定户'
    }
    if (rng.chance(0.003)) hh.size = Math.max(hh.members.length, hh.size + (rng.chance(0.5) ? 1 : -1))
    for (const p of hh.members) {
      if (rng.chance(0.002)) {
        p.grade = p.grade === 1 ? 2 : p.grade === 4 ? 3 : p.grade + (rng.chance(0.5) ? 1 : -1)
        p.cert = p.id + p.category + p.grade
        counts.graded++
      }
      if (rng.chance(0.003)) p.phone = phone()
    }
    // Moved to another county (whole household; it gets a number there).
    if (rng.chance(0.0005)) {
      let to = randomCounty()
      if (to === hh.county) to = counties[(hh.county.index + 1 + rng.int(87)) % 88]
      const village = pickVillage(to)
      hh.oldNos.push(hh.no)
      hh.county = to
      hh.village = village
      hh.no = village.code + String(++village.seq).padStart(4, '0')
      counts.movedCounty += hh.members.length
    }
  }
  // New: about 1% of people; most in new households, some joining a registered one.
  const target = Math.round(active.reduce((n, h) => n + h.members.length, 0) * 0.01)
  let made = 0
  while (made < target) {
    if (rng.chance(0.15)) {
      const hh = active[rng.int(active.length)]
      if (hh.active && hh.members.length < 3) {
        newPerson(hh, OTHER_RELATION(rng.next()), refDay)
        hh.size = Math.max(hh.size, hh.members.length)
        made++
        continue
      }
    }
    made += newHousehold(randomCounty(), refDay, NEW_STATUS(rng.next())).members.length
  }
  counts.new = made
  changeLog.push({ period, ...counts })
  return outOfProvince
}

// ───────────────────────────── writing ─────────────────────────────

const sha = (text) => createHash('sha256').update(text).digest('hex')
const ROSTER_COLUMNS = ['序号', '县区', '乡镇', '村', '村代码', '户编号', '姓名', '性别', '身份证号', '与户主关系', '家庭人口', '残疾人证号', '残疾类别',
  '残疾等级', '脱贫状态', '脱贫年度', '致贫原因', '联系电话', '就业状况', '主要生活来源', '劳动能力', '辅具需求', '住房状况', '文化程度', '在校情况', '主要供养人年龄']
const ROSTER_MAPPING = {
  县区: 'countyName', 乡镇: 'townshipName', 村: 'villageName', 村代码: 'villageCode', 户编号: 'householdNo', 姓名: 'name', 性别: 'gender',
  身份证号: 'idNumber', 与户主关系: 'relation', 家庭人口: 'householdSize', 残疾人证号: 'certNumber', 残疾类别: 'category', 残疾等级: 'grade',
  脱贫状态: 'povertyStatus', 脱贫年度: 'exitYear', 致贫原因: 'povertyCause', 联系电话: 'phone',
}

const insertBatch = db.prepare(`INSERT INTO import_batches (kind, period, benefit_code, file_name, sha256, sheet, encoding, total_rows, accepted_rows,
    rejected_rows, skipped_rows, warning_count, columns_json, mapping_json, first_entry_id, last_entry_id, status, imported_at, operator)
  VALUES (@kind, @period, @benefitCode, @file, @sha256, @sheet, @encoding, @total, @accepted, @rejected, @skipped, 0, @columns, @mapping, @first, @last,
    'active', @at, @operator)`)
const insertEntry = db.prepare(`INSERT INTO roster_entries (id, period, id_number, batch_id, row_number, name, gender, household_no, relation,
    household_size, poverty_cause, county_code, township_code, village_code, township_name, village_name, cert_number, category, grade,
    poverty_status, exit_year, phone, extra_json) VALUES (${Array(23).fill('?').join(', ')})`)
const insertReject = db.prepare('INSERT INTO rejected_rows (batch_id, row_number, id_number, county_code, cells_json, errors_json) VALUES (?, ?, ?, ?, ?, ?)')
const insertVillage = db.prepare(`INSERT OR IGNORE INTO regions (code, name, level, parent_code, reports_to, source, created_at)
  VALUES (?, ?, 'village', ?, ?, 'roster', ?)`)
const insertAudit = db.prepare('INSERT INTO audit_log (at, operator, action, target, details_json) VALUES (?, ?, ?, ?, ?)')
const insertRecord = db.prepare(`INSERT INTO benefit_records (batch_id, period, benefit_code, id_number, name, household_no, amount, start_date, end_date,
    row_number, extra_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)`)

let nextEntryId = (db.prepare('SELECT coalesce(max(id), 0) AS n FROM roster_entries').get().n) + 1
const knownVillages = new Set()
let auditMinute = 0

function cellsOf(p, hh, overrides = {}) {
  const extra = JSON.parse(p.extra)
  const row = {
    序号: '', 县区: hh.county.name, 乡镇: hh.village.township.name, 村: hh.village.name, 村代码: hh.village.code, 户编号: hh.no, 姓名: p.name,
    性别: p.gender, 身份证号: p.id, 与户主关系: p.relation, 家庭人口: String(hh.size), 残疾人证号: p.cert, 残疾类别: CATEGORY_NAMES[p.category - 1],
    残疾等级: GRADE_NAMES[p.grade - 1], 脱贫状态: hh.status, 脱贫年度: hh.exitYear ? String(hh.exitYear) : '', 致贫原因: hh.cause, 联系电话: p.phone ?? '',
    ...extra, ...overrides,
  }
  return ROSTER_COLUMNS.map((c) => row[c] ?? '')
}

/** Rows a real import would reject: a mistyped check digit, a blank name, a person now outside Guizhou. */
function rejectsFor(period, outOfProvince) {
  const list = []
  const n = Math.round(PEOPLE * 0.0003)
  const checks = '10X98765432'
  for (let i = 0; i < n; i++) {
    const county = randomCounty()
    const hh = { county, village: pickVillage(county), no: '', size: 1 + rng.int(5), status: '已脱贫', exitYear: 2019, cause: CAUSES(rng.next()), danger: false, members: [] }
    hh.no = hh.village.code + '9' + String(rng.int(1000)).padStart(3, '0')
    const stranger = rng.pick(strangers(county))
    const p = { id: stranger.id, name: stranger.name, gender: Number(stranger.id[16]) % 2 ? '男' : '女', relation: '户主', category: 4, grade: 3,
      cert: stranger.id + '43', phone: null, extra: '{}' }
    if (rng.chance(0.7)) {
      const wrong = p.id.slice(0, 17) + checks[(checks.indexOf(p.id[17]) + 3) % 11]
      list.push({ id: null, county: null, cells: cellsOf(p, hh, { 身份证号: wrong, 残疾人证号: wrong + '43' }), code: 'id_checksum', column: '身份证号', detail: '校验位（最后一位）不对，请核对号码' })
    } else {
      list.push({ id: p.id, county: null, cells: cellsOf(p, hh, { 姓名: '' }), code: 'missing_field', column: '姓名', detail: '为空' })
    }
  }
  for (const { p, hh } of outOfProvince) {
    const [code, name] = rng.pick(OUTSIDE)
    list.push({ id: p.id, county: code, cells: cellsOf(p, hh, { 县区: name, 乡镇: '', 村: '', 村代码: '' }), code: 'county_mismatch', column: '县区', detail: `为 ${name}，不属于本库辖区 贵州省` })
  }
  return list
}

function writeRoster(period, pi, outOfProvince) {
  const active = households.filter((h) => h.active).sort((a, b) => (a.no < b.no ? -1 : a.no > b.no ? 1 : 0))
  const rejects = rejectsFor(period, outOfProvince)
  const total = active.reduce((n, h) => n + h.members.length, 0)
  const at = importedAt(period, auditMinute++)
  const [y, m] = period.split('-')
  const batchId = Number(insertBatch.run({
    kind: 'roster', period, benefitCode: null, file: `贵州省建档立卡贫困残疾人花名册${y}年${Number(m)}月.xlsx`, sha256: sha(`province-roster|${SEED}|${period}`),
    sheet: '花名册', encoding: null, total: 0, accepted: 0, rejected: 0, skipped: 0, columns: JSON.stringify(ROSTER_COLUMNS),
    mapping: JSON.stringify(ROSTER_MAPPING), first: null, last: null, at, operator: OPERATOR,
  }).lastInsertRowid)
  // Rejected rows sit among the accepted ones in the file.
  const rejectAt = rejects.map(() => rng.int(total)).sort((a, b) => a - b)
  let r = 0
  let row = 3 // a title row, then the header
  let written = 0
  const first = nextEntryId
  const newVillages = []
  for (const hh of active) {
    const v = hh.village
    if (!knownVillages.has(v.code)) {
      knownVillages.add(v.code)
      newVillages.push(v)
    }
    for (const p of hh.members) {
      while (r < rejects.length && rejectAt[r] <= written) {
        const x = rejects[r++]
        insertReject.run(batchId, row, x.id, x.county, JSON.stringify(x.cells),
          JSON.stringify([{ column: x.column, code: x.code, message: `第 ${row} 行「${x.column}」${x.detail}` }]))
        row++
      }
      insertEntry.run([nextEntryId++, period, p.id, batchId, row++, p.name, p.gender, hh.no, p.relation, hh.size, hh.cause, hh.county.code,
        v.township.code, v.code, v.township.name, v.name, p.cert, p.category, p.grade, hh.status, hh.exitYear, p.phone, p.extra])
      written++
    }
  }
  while (r < rejects.length) {
    const x = rejects[r++]
    insertReject.run(batchId, row, x.id, x.county, JSON.stringify(x.cells), JSON.stringify([{ column: x.column, code: x.code, message: `第 ${row} 行「${x.column}」${x.detail}` }]))
    row++
  }
  for (const v of newVillages) insertVillage.run(v.code, v.name, v.township.code, v.township.code, at)
  const rows = { total: written + rejects.length + 1, accepted: written, rejected: rejects.length, skipped: 1 } // the closing 合计 row
  db.prepare(`UPDATE import_batches SET total_rows = ?, accepted_rows = ?, rejected_rows = ?, skipped_rows = ?, first_entry_id = ?, last_entry_id = ? WHERE id = ?`)
    .run(rows.total, rows.accepted, rows.rejected, rows.skipped, first, nextEntryId - 1, batchId)
  insertAudit.run(at, OPERATOR, 'roster.import', `batch:${batchId}`, JSON.stringify({ period, file: `贵州省建档立卡贫困残疾人花名册${y}年${Number(m)}月.xlsx`, sha256: sha(`province-roster|${SEED}|${period}`), rows, replacedBatches: [] }))
  return active
}

// ───────────────────────────── benefit lists ─────────────────────────────

const LAST = PERIODS.length - 1
const at = (i) => (i >= 0 && i <= LAST ? i : null)
/** The periods one-off measures were delivered in: the first period and every third month back from the one before last. */
const ONE_OFF_PERIODS = [...new Set([at(0), at(LAST - 8), at(LAST - 5), at(LAST - 2)].filter((i) => i !== null))].sort((a, b) => a - b)
const RECURRING_PERIODS = [...new Set([at(LAST - 1), at(LAST)].filter((i) => i !== null))]
const EDUCATION_PERIODS = [...new Set([at(LAST - 8), at(LAST - 2)].filter((i) => i !== null))]

const SALT = { dibao: 1, living: 2, care: 3, medical: 4, pension: 5, tekun: 6, device: 7, housing: 8, literacy: 9, skills: 10, education: 11, churn: 12, slot: 13, amount: 14, since: 15 }
const dibaoRate = { 未脱贫: 0.68, 返贫: 0.7, 脱贫不稳定户: 0.6, 已脱贫: 0.4 }
const onDibao = (hh, pi) => u01(hh.idx, SALT.dibao) < (dibaoRate[hh.status] ?? 0.4) && !(pi < LAST && u01(hh.idx, SALT.churn, pi) < 0.01)
const churned = (p, salt, pi) => pi < LAST && u01(p.idx, SALT.churn, pi * 31 + salt) < 0.01
const since = (entity, salt, period) => {
  const lo = dayOf('2016-01')
  const hi = dayOf(period) - 1
  return isoDay(lo + Math.floor(u01(entity, SALT.since, salt) * (hi - lo)))
}
const slotOf = (p, salt) => ONE_OFF_PERIODS[Math.floor(u01(p.idx, SALT.slot, salt) * ONE_OFF_PERIODS.length)]

const LISTS = {
  dibao: {
    title: '低保名单', scope: 'household', periods: RECURRING_PERIODS,
    columns: ['序号', '县区', '乡镇', '户编号', '姓名', '身份证号', '与户主关系', '保障人口', '月保障金', '纳入时间'],
    mapping: { 户编号: 'householdNo', 姓名: 'name', 身份证号: 'idNumber', 月保障金: 'amount', 纳入时间: 'startDate' },
    household: (hh, pi) => onDibao(hh, pi),
    amount: (p) => 350 + Math.floor(u01(p.idx, SALT.amount, 1) * 21) * 10,
    start: (p, period) => since(p.hh.idx, 1, period),
  },
  living_subsidy: {
    title: '困难残疾人生活补贴发放名册', periods: RECURRING_PERIODS,
    columns: ['序号', '县区', '姓名', '身份证号', '残疾人证号', '发放金额(元)'], mapping: { 姓名: 'name', 身份证号: 'idNumber', '发放金额(元)': 'amount' },
    person: (p, pi) => (onDibao(p.hh, pi) ? u01(p.idx, SALT.living) < 0.9 : u01(p.idx, SALT.living) < 0.02) && !churned(p, 2, pi),
    amount: (p) => (p.grade === 1 ? 100 : 80),
  },
  care_subsidy: {
    title: '重度残疾人护理补贴发放名册', periods: RECURRING_PERIODS,
    columns: ['序号', '县区', '姓名', '身份证号', '残疾人证号', '残疾等级', '补贴金额(元)'], mapping: { 姓名: 'name', 身份证号: 'idNumber', '补贴金额(元)': 'amount' },
    // Grade 1–2 about 85%; a few grade 3–4 on the list are violations the gap check should find.
    person: (p, pi) => (p.grade <= 2 ? u01(p.idx, SALT.care) < 0.85 : u01(p.idx, SALT.care) < 0.004) && !churned(p, 3, pi),
    amount: (p) => (p.grade === 1 ? 100 : p.grade === 2 ? 80 : 60),
  },
  medical_insurance: {
    title: '医保个人缴费补贴名册', periods: RECURRING_PERIODS,
    columns: ['序号', '姓名', '身份证号', '参保类别', '代缴金额'], mapping: { 姓名: 'name', 身份证号: 'idNumber', 代缴金额: 'amount' },
    person: (p, pi) => u01(p.idx, SALT.medical) < 0.95 && !churned(p, 4, pi),
    amount: () => 380,
  },
  pension_premium: {
    title: '城乡居民养老保险代缴名册', periods: RECURRING_PERIODS,
    columns: ['序号', '姓名', '身份证号', '代缴档次', '代缴金额'], mapping: { 姓名: 'name', 身份证号: 'idNumber', 代缴金额: 'amount' },
    person: (p, pi) => p.age >= 16 && p.age <= 59 && u01(p.idx, SALT.pension) < 0.9 && !churned(p, 5, pi),
    amount: () => 100,
  },
  tekun: {
    title: '特困人员供养名册', periods: RECURRING_PERIODS,
    columns: ['序号', '县区', '姓名', '身份证号', '供养方式', '月补助金额', '纳入时间'],
    mapping: { 姓名: 'name', 身份证号: 'idNumber', 月补助金额: 'amount', 纳入时间: 'startDate' },
    // About 3%, mostly people not on 低保; a few on both are violations.
    person: (p, pi) => (onDibao(p.hh, pi) ? u01(p.idx, SALT.tekun) < 0.002 : u01(p.idx, SALT.tekun) < 0.055) && !churned(p, 6, pi),
    amount: (p) => 700 + Math.floor(u01(p.idx, SALT.amount, 6) * 11) * 10,
    start: (p, period) => since(p.idx, 6, period),
  },
  assistive_device: {
    title: '辅助器具适配名单', periods: ONE_OFF_PERIODS,
    columns: ['序号', '姓名', '身份证号', '残疾类别', '辅具名称', '金额(元)', '适配日期'], mapping: { 姓名: 'name', 身份证号: 'idNumber', '金额(元)': 'amount', 适配日期: 'startDate' },
    person: (p, pi) => p.need && u01(p.idx, SALT.device) < 0.7 && slotOf(p, SALT.device) === pi,
    amount: (p) => 200 + Math.floor(u01(p.idx, SALT.amount, 7) * 281) * 10,
    start: (p, period) => dateIn(period, u01(p.idx, SALT.amount, 70)),
  },
  housing_renovation: {
    title: '农村危房改造名单', scope: 'household-head', periods: ONE_OFF_PERIODS,
    columns: ['序号', '姓名', '身份证号', '户编号', '改造方式', '补助资金', '竣工日期'], mapping: { 姓名: 'name', 身份证号: 'idNumber', 户编号: 'householdNo', 补助资金: 'amount', 竣工日期: 'startDate' },
    household: (hh, pi) => hh.danger && u01(hh.idx, SALT.housing) < 0.8 && ONE_OFF_PERIODS[Math.floor(u01(hh.idx, SALT.slot, SALT.housing) * ONE_OFF_PERIODS.length)] === pi,
    amount: (p) => 20000 + Math.floor(u01(p.hh.idx, SALT.amount, 8) * 31) * 500,
    start: (p, period) => dateIn(period, u01(p.hh.idx, SALT.amount, 80)),
  },
  literacy: {
    title: '扫盲学员名单', periods: ONE_OFF_PERIODS,
    columns: ['序号', '姓名', '身份证号', '扫盲班', '开始日期'], mapping: { 姓名: 'name', 身份证号: 'idNumber', 开始日期: 'startDate' },
    person: (p, pi) => p.illiterate && p.age >= 15 && p.age <= 50 && u01(p.idx, SALT.literacy) < 0.4 && slotOf(p, SALT.literacy) === pi,
    amount: () => null,
    start: (p, period) => dateIn(period, u01(p.idx, SALT.amount, 90)),
  },
  skills_training: {
    title: '实用技术培训名单', periods: ONE_OFF_PERIODS,
    columns: ['序号', '姓名', '身份证号', '培训项目', '补助资金', '开始日期'], mapping: { 姓名: 'name', 身份证号: 'idNumber', 补助资金: 'amount', 开始日期: 'startDate' },
    person: (p, pi) => p.labour !== '无' && p.age >= 16 && p.age <= 59 && u01(p.idx, SALT.skills) < 0.3 && slotOf(p, SALT.skills) === pi,
    amount: (p) => 800 + Math.floor(u01(p.idx, SALT.amount, 10) * 13) * 100,
    start: (p, period) => dateIn(period, u01(p.idx, SALT.amount, 100)),
  },
  education_aid: {
    title: '残疾学生教育资助名单', periods: EDUCATION_PERIODS,
    columns: ['序号', '姓名', '身份证号', '学校', '学段', '补助金额'], mapping: { 姓名: 'name', 身份证号: 'idNumber', 补助金额: 'amount' },
    person: (p, pi) => p.student && u01(p.idx, SALT.education) < 0.85 && !churned(p, 11, pi),
    amount: (p) => (p.age <= 15 ? 1000 : p.age <= 18 ? 1500 : 2500),
  },
}

const groups = new Map()
for (const c of counties) {
  if (!groups.has(c.group)) {
    const region = regionByCode.get(c.group)
    groups.set(c.group, { code: c.group, name: c.direct ? c.short : shortName(region), counties: [] })
  }
  groups.get(c.group).counties.push(c)
}

const benefitCounts = {}
function writeBenefits(period, pi, active) {
  const codes = Object.keys(LISTS).filter((code) => LISTS[code].periods.includes(pi))
  if (codes.length === 0) return
  const [y, m] = period.split('-')
  // Households of this period by group, in roster order.
  const byGroup = new Map()
  for (const hh of active) {
    const key = hh.county.group
    let list = byGroup.get(key)
    if (!list) byGroup.set(key, (list = []))
    list.push(hh)
  }
  for (const code of codes) {
    const spec = LISTS[code]
    for (const group of groups.values()) {
      const rows = []
      for (const hh of byGroup.get(group.code) ?? []) {
        if (spec.household) {
          if (!spec.household(hh, pi)) continue
          const members = spec.scope === 'household-head' ? hh.members.slice(0, 1) : hh.members
          for (const p of members) rows.push([p.id, p.name, hh.no, spec.amount(p), spec.start ? spec.start(p, period) : null])
        } else {
          for (const p of hh.members) if (spec.person(p, pi)) rows.push([p.id, p.name, null, spec.amount(p), spec.start ? spec.start(p, period) : null])
        }
      }
      if (rows.length === 0) continue
      // About 1% are not on this period's roster: people removed earlier (deaths a department has not
      // caught up with) and people never registered.
      const extra = Math.max(1, Math.round(rows.length * 0.01))
      const seen = new Set()
      for (let i = 0; i < extra; i++) {
        const county = rng.pick(group.counties)
        const removed = removedByCounty.get(county.code)
        const who = removed?.length && rng.chance(0.5) ? rng.pick(removed) : rng.pick(strangers(county))
        if (seen.has(who.id)) continue
        seen.add(who.id)
        const fake = { idx: 1e7 + i, grade: 2, age: 40, hh: { idx: 1e7 + i } }
        const pos = rng.int(rows.length + 1)
        rows.splice(pos, 0, [who.id, who.name, null, spec.amount(fake), spec.start ? spec.start(fake, period) : null])
      }
      const file = `${group.name}${spec.title}${y}年${Number(m)}月.xlsx`
      const batchId = Number(insertBatch.run({
        kind: 'benefit', period, benefitCode: code, file, sha256: sha(`province-benefit|${SEED}|${code}|${period}|${group.code}`), sheet: 'Sheet1', encoding: null,
        total: rows.length, accepted: rows.length, rejected: 0, skipped: 0, columns: JSON.stringify(spec.columns), mapping: JSON.stringify(spec.mapping),
        first: null, last: null, at: importedAt(period, auditMinute++), operator: OPERATOR,
      }).lastInsertRowid)
      let rowNumber = 2
      for (const [id, name, hhNo, amount, start] of rows) insertRecord.run(batchId, period, code, id, name, hhNo, amount, start, rowNumber++)
      insertAudit.run(importedAt(period, auditMinute), OPERATOR, 'benefit.import', `batch:${batchId}`, JSON.stringify({
        file, sha256: sha(`province-benefit|${SEED}|${code}|${period}|${group.code}`), period, benefit: code,
        rows: { total: rows.length, accepted: rows.length, rejected: 0, skipped: 0 }, offRoster: seen.size, replaced: [],
      }))
      benefitCounts[`${code} ${period}`] = (benefitCounts[`${code} ${period}`] ?? 0) + rows.length
    }
  }
}

// ───────────────────────────── the periods ─────────────────────────────

const rosterCounts = []
for (let pi = 0; pi < PERIODS.length; pi++) {
  const period = PERIODS[pi]
  phase(`roster ${period}`)
  db.exec('BEGIN')
  const outOfProvince = pi === 0 ? [] : evolve(period)
  const active = writeRoster(period, pi, outOfProvince)
  writeBenefits(period, pi, active)
  db.exec('COMMIT')
  rosterCounts.push({ period, persons: active.reduce((n, h) => n + h.members.length, 0), households: active.length })
}

// ───────────────────────────── pairings ─────────────────────────────

phase('pairings')
const MEASURES = ['产业帮扶', '就业帮扶', '教育帮扶', '健康帮扶', '危房改造', '金融帮扶', '技能培训', '政策落实', '辅具适配', '康复服务', '低保兜底', '消费帮扶', '公益岗位']
const lastPeriod = PERIODS[LAST]
const helperPools = new Map()
const insertHelper = db.prepare('INSERT INTO helpers (name, unit, phone, party_member, created_at) VALUES (?, ?, ?, ?, ?)')
const insertPairing = db.prepare(`INSERT INTO pairings (helper_id, household_no, id_number, measures, funds, start_date, end_date, batch_id, row_number, created_at, created_by)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
const usedPhones = new Set()
const pairingAt = importedAt(lastPeriod, 59)
function helperFor(county, hh) {
  let pool = helperPools.get(county.code)
  if (!pool) helperPools.set(county.code, (pool = []))
  // About four households per helper: reuse one of the county's helpers three times out of four.
  if (pool.length > 0 && rng.chance(0.75)) return rng.pick(pool)
  const units = [`${county.short}残联`, `${county.short}民政局`, `${county.short}人力资源和社会保障局`, `${county.short}农业农村局`, `${county.short}教育局`,
    `${county.short}卫生健康局`, governmentName({ name: hh.village.township.name, level: 'township' }), `${hh.village.name}村民委员会`]
  let tel
  do tel = phone()
  while (usedPhones.has(tel))
  usedPhones.add(tel)
  const party = rng.chance(0.05) ? null : rng.chance(0.68) ? 1 : 0
  const id = Number(insertHelper.run(personName(rng.chance(0.6)), rng.pick(units), tel, party, pairingAt).lastInsertRowid)
  pool.push(id)
  return id
}
const pairingRows = new Map() // group → rows
function addPairing(hh, no, options = {}) {
  const county = hh.county
  const rows = pairingRows.get(county.group) ?? []
  pairingRows.set(county.group, rows)
  const startLo = Math.max(dayOf('2016-03'), hh.joined)
  const startHi = Math.max(startLo + 1, Math.min(dayOf(lastPeriod) + 20, Date.parse(TODAY_ISO) / 86400000))
  const start = isoDay(startLo + rng.int(startHi - startLo))
  const measures = rng.chance(0.02) ? null : Array.from({ length: 1 + rng.int(3) }, () => rng.pick(MEASURES)).filter((v, i, a) => a.indexOf(v) === i).join('、')
  const funds = rng.chance(0.03) ? (rng.chance(0.5) ? 0 : null) : 500 + rng.int(96) * 100
  let end = options.end ?? null
  if (end && end < start) end = start
  rows.push([helperFor(county, hh), no, hh.members[0]?.id ?? null, measures, funds, start, end])
}
for (const hh of households) {
  if (hh.active) {
    const movedRecently = hh.oldNos.length > 0
    if (movedRecently) for (const old of hh.oldNos) if (rng.chance(0.3)) addPairing(hh, old) // the old county's pairing, never ended
    if (rng.chance(movedRecently ? 0.5 : 0.97)) {
      if (rng.chance(0.015)) {
        // Ended this year; half of these households have a new helper.
        addPairing(hh, hh.no, { end: isoDay(Math.floor(Date.parse(TODAY_ISO) / 86400000) - 1 - rng.int(200)) })
        if (rng.chance(0.5)) addPairing(hh, hh.no)
      } else {
        addPairing(hh, hh.no)
      }
    }
  } else if (rng.chance(0.1)) {
    addPairing(hh, hh.no) // a household no longer on the roster whose pairing nobody ended (stale)
  }
}
db.exec('BEGIN')
const PAIRING_COLUMNS = ['序号', '帮扶人姓名', '工作单位', '联系电话', '是否党员', '户编号', '身份证号', '帮扶措施', '帮扶资金(元)', '开始日期', '结束日期']
const PAIRING_MAPPING = { 帮扶人姓名: 'helperName', 工作单位: 'unit', 联系电话: 'phone', 是否党员: 'partyMember', 户编号: 'householdNo', 身份证号: 'idNumber',
  帮扶措施: 'measures', '帮扶资金(元)': 'funds', 开始日期: 'startDate', 结束日期: 'endDate' }
let pairingTotal = 0
for (const group of groups.values()) {
  const rows = pairingRows.get(group.code) ?? []
  if (rows.length === 0) continue
  const file = `${group.name}建档立卡残疾人贫困户结对帮扶名单.xlsx`
  const batchId = Number(insertBatch.run({
    kind: 'pairing', period: lastPeriod, benefitCode: null, file, sha256: sha(`province-pairing|${SEED}|${group.code}`), sheet: '结对帮扶', encoding: null,
    total: rows.length, accepted: rows.length, rejected: 0, skipped: 0, columns: JSON.stringify(PAIRING_COLUMNS), mapping: JSON.stringify(PAIRING_MAPPING),
    first: null, last: null, at: pairingAt, operator: OPERATOR,
  }).lastInsertRowid)
  let rowNumber = 2
  for (const r of rows) insertPairing.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], batchId, rowNumber++, pairingAt, OPERATOR)
  insertAudit.run(pairingAt, OPERATOR, 'pairing.import', `batch:${batchId}`, JSON.stringify({ file, period: lastPeriod, rows: { total: rows.length, accepted: rows.length, rejected: 0 } }))
  pairingTotal += rows.length
}
db.exec('COMMIT')

// ───────────────────────────── finish the file, then tasks and letters through the library ─────────────────────────────

phase('ANALYZE, optimize, WAL')
db.pragma('locking_mode = NORMAL')
db.exec('ANALYZE')
db.pragma('optimize')
db.pragma('journal_mode = WAL') // as db.ts opens it; the next connection keeps WAL
db.pragma('synchronous = NORMAL')
db.close()

phase('tasks (proportional), letters')
const { db: ldb } = openDatabase(OUT, { mode: 'write' })
await tasksAfterRoster(ldb)
// 责任状 from the province to every county: the records only (no PDFs), about 80% signed.
const letterRows = ldb.prepare(`SELECT t.id, t.region_code, t.title, t.target_value, t.target_unit, t.comparison, t.deadline FROM tasks t
  JOIN regions r ON r.code = t.region_code WHERE r.level = 'county' AND t.status <> 'cancelled' ORDER BY t.region_code, t.id`).all()
const byCounty = new Map()
for (const t of letterRows) (byCounty.get(t.region_code) ?? byCounty.set(t.region_code, []).get(t.region_code)).push(t)
const insertLetter = ldb.prepare(`INSERT INTO letters (kind, issuer, recipient, region_code, pairing_id, template, file_path, sha256, tasks_json, pages, issued_at, signed_at, created_at, created_by)
  VALUES ('responsibility', ?, ?, ?, NULL, 'responsibility.md', ?, ?, ?, ?, ?, ?, ?, ?)`)
let letters = 0
let signed = 0
ldb.transaction(() => {
  const issued = `${args.last.slice(0, 4)}-03-15`
  // Exactly a fifth of the counties have not signed theirs back.
  const order = counties.map((c) => c.code)
  for (let i = order.length - 1; i > 0; i--) {
    const j = trng.int(i + 1)
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  const unsigned = new Set(order.slice(0, Math.round(counties.length * 0.2)))
  for (const c of counties) {
    const tasks = (byCounty.get(c.code) ?? []).map((t) => ({ taskId: t.id, title: t.title, target: t.target_value, targetUnit: t.target_unit, comparison: t.comparison, deadline: t.deadline }))
    const recipient = governmentName({ name: c.name, level: 'county' })
    const signedAt = unsigned.has(c.code) ? null : isoDay(dayOf(issued.slice(0, 7)) + 14 + trng.int(40))
    if (signedAt) signed++
    const file = join(dirname(OUT), 'letters-province', `责任状-${c.name}.pdf`)
    insertLetter.run(orgName, recipient, c.code, file, sha(`letter|${SEED}|${c.code}`), JSON.stringify(tasks), 2, issued, signedAt, `${issued}T02:00:00.000Z`, OPERATOR)
    letters++
  }
  ldb.prepare('INSERT INTO audit_log (at, operator, action, target, details_json) VALUES (?, ?, ?, ?, ?)')
    .run(`${issued}T02:00:00.000Z`, OPERATOR, 'letter.generate', 'responsibility', JSON.stringify({ letters, files: letters, combined: false, template: 'responsibility.md' }))
})()
ldb.exec('ANALYZE tasks; ANALYZE task_progress; ANALYZE letters; ANALYZE units; ANALYZE audit_log')
ldb.close()
phase(null)

// ───────────────────────────── summary ─────────────────────────────

const check = new Database(OUT, { readonly: true })
const tables = {}
for (const { name } of check.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all()) {
  tables[name] = check.prepare(`SELECT count(*) AS n FROM "${name}"`).get().n
}
const villages = check.prepare("SELECT count(*) AS n FROM regions WHERE level = 'village'").get().n
check.close()
const summary = {
  file: OUT,
  bytes: statSync(OUT).size + (existsSync(`${OUT}-wal`) ? statSync(`${OUT}-wal`).size : 0),
  seconds: +seconds().toFixed(1),
  seed: SEED,
  periods: rosterCounts,
  changes: changeLog,
  tables,
  villages,
  benefits: benefitCounts,
  pairings: pairingTotal,
  tasks: { ...taskSummary, countyTasks: countyTasks.length },
  letters: { letters, signed },
  phases,
}
process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
if (!args.quiet) {
  process.stderr.write(`\n${OUT}: ${(summary.bytes / 1048576).toFixed(0)} MiB in ${summary.seconds} s\n`)
  for (const [name, n] of Object.entries(tables)) process.stderr.write(`  ${name.padEnd(18)} ${n.toLocaleString('en-US').padStart(10)}\n`)
}
