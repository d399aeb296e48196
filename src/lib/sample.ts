/**
 * A deterministic, seeded generator of realistic rosters (建档立卡贫困残疾人花名册) for the `demo`
 * command, tests and benchmarks.
 *
 * Everything is a pure function of (seed, county, person, month): person k of household j of
 * village v, entered in month c, looks the same every time it is generated, so a month of a million
 * rows streams in constant memory and the same seed gives byte-identical files. The population
 * evolves month to month (新增, 减少, 迁出, 脱贫, 返贫, field changes); `describeChanges` says what
 * changed. Defects for import tests are opt-in (`sampleRecords(…, { defects: true })`).
 *
 * Model, in short:
 * - Geography: the county's real townships (builtinRegions); villages are synthetic but stable (a
 *   function of the township code only): code = township code + 001…0NN, plausible names.
 * - Cohorts: month 0 holds `persons` people; every later month adds 1–2% new ones (cohort c enters
 *   in month c). Each cohort is spread over the villages by fixed weights, in households of 1–3
 *   disabled members; households are numbered per village (village code + 4 digits) in cohort order.
 * - IDs: every person has a unique ordinal; a keyed Feistel permutation maps it to a unique
 *   (birth date, sequence) slot, so IDs never collide by accident, within a county or across the
 *   88 counties generated with the same seed (each county owns a disjoint range of ordinals).
 */
import { UsageError } from './errors.js'
import { CATEGORY_NAMES, checkIdNumber, idCheckChar } from './idcard.js'
import { type Region, builtinRegions } from './regions.js'
import { ROSTER_FIELDS, ROSTER_HEADERS, type RosterField } from './roster-fields.js'

// ---------------------------------------------------------------------------------------------
// Public types

/** 残疾类别 in certificate order: the digit is the index + 1. */
export const DISABILITY_CATEGORIES = CATEGORY_NAMES
export type DisabilityCategory = (typeof DISABILITY_CATEGORIES)[number]

/** What happened to a person between the previous month and this one. */
export type SampleChangeKind =
  | 'new' // 新增: first month on the roster
  | 'removed' // 减少 (e.g. deceased): gone from the roster; never on a generated row
  | 'moved' // 迁出: the row names another county this month, and the person is gone next month
  | 'exited' // 脱贫: to 已脱贫
  | 'returned' // 返贫
  | 'status' // any other 脱贫状态 change (into or out of a monitoring category)
  | 'grade' // 残疾等级 (and so the certificate number)
  | 'phone'
  | 'householdSize'

export const SAMPLE_CHANGE_KINDS: readonly SampleChangeKind[] = [
  'new', 'removed', 'moved', 'exited', 'returned', 'status', 'grade', 'phone', 'householdSize',
]

export interface SamplePerson {
  countyCode: string
  countyName: string
  townshipCode: string
  townshipName: string
  villageName: string
  villageCode: string
  householdNo: string
  name: string
  gender: '男' | '女'
  idNumber: string
  birthDate: string
  relation: string
  householdSize: number
  certNumber: string
  category: DisabilityCategory
  grade: number
  povertyStatus: string
  exitYear: number | null
  povertyCause: string
  phone: string
  /** Changes since the previous month (empty in the first month). Not a roster column. */
  changes: SampleChangeKind[]
}

export interface SampleOptions {
  /** A Guizhou county-level code, e.g. '520526' (威宁县). */
  countyCode: string
  /** People on the roster in the first month. */
  persons: number
  seed: number
  /** The first month, 'YYYY-MM'; later months evolve from it. */
  firstPeriod: string
}

/** Codes the importer is expected to report for each injected defect. */
export type SampleIssueCode =
  | 'id_checksum'
  | 'id_scientific_notation'
  | 'id_excel_truncated'
  | 'duplicate_id'
  | 'missing_field'
  | 'cert_id_mismatch'
  | 'cert_category_mismatch'
  | 'county_mismatch'
  | 'fullwidth'
  | 'lowercase_x'
  | 'trimmed'
  | 'grade_normalized'
  | 'category_normalized'
  | 'gender_from_id'
  | 'formula_text'

export interface SampleIssue {
  code: SampleIssueCode
  /** error: the row is rejected; warning: accepted after normalising; info: accepted as is. */
  severity: 'error' | 'warning' | 'info'
  field: RosterField
  /** What was done to the cell, in English, for test failure messages. */
  note: string
}

export interface SampleRecord {
  /** The cells as written, in ROSTER_FIELDS order. */
  cells: string[]
  /** The clean person behind the row (for an inserted duplicate: the person it repeats). */
  person: SamplePerson
  issue?: SampleIssue
}

export interface SampleRows {
  headers: string[]
  rows: string[][]
  persons: SamplePerson[]
  /** Injected defects; `index` is the 0-based index into `rows` (the header is not counted). */
  defects: Array<SampleIssue & { index: number }>
  /** Rows of people who moved out this month: the importer rejects them as county_mismatch. */
  moved: Array<{ index: number; countyCode: string; countyName: string }>
}

export interface SampleChanges {
  from: string
  to: string
  counts: Record<SampleChangeKind, number>
  /** The 身份证号 of the people behind each count. */
  ids: Record<SampleChangeKind, string[]>
}

// ---------------------------------------------------------------------------------------------
// Hashing and PRNG. Stateless hashes give each (person, month, attribute) its own stream, which
// is what makes every value a pure function of its coordinates.

function mix32(x: number): number {
  let h = x | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function hash(a: number, b: number, c = 0, d = 0, e = 0): number {
  let h = mix32(a + 0x9e3779b9)
  h = mix32(h ^ mix32(b + 0x7f4a7c15))
  h = mix32(h ^ mix32(c + 0x2545f491))
  h = mix32(h ^ mix32(d + 0x61c88647))
  return mix32(h ^ mix32(e + 0x1b873593))
}

/** A uniform number in [0, 1) from a hash. */
function unit(h: number): number {
  return h / 4294967296
}

/** mulberry32: a small, fast 32-bit PRNG for drawing a person's attributes in sequence. */
class Rng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  pick<T>(items: ArrayLike<T>): T {
    return items[this.int(items.length)]
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  weighted<T>(table: WeightedTable<T>): T {
    return table.at(this.next())
  }
}

class WeightedTable<T> {
  private readonly items: T[]
  private readonly cumulative: number[]
  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    this.items = entries.map((e) => e[0])
    const total = entries.reduce((sum, e) => sum + e[1], 0)
    let running = 0
    this.cumulative = entries.map((e) => (running += e[1] / total))
  }
  /** The item at position u ∈ [0, 1) of the cumulative weights (binary search). */
  at(u: number): T {
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (u < this.cumulative[mid]) hi = mid
      else lo = mid + 1
    }
    return this.items[lo]
  }
}

function seedOf(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return mix32(h)
}

// ---------------------------------------------------------------------------------------------
// 身份证号

export { idCheckChar }

/** True when an 18-character ID has a real birth date and the right check character. */
export function isValidIdNumber(id: string): boolean {
  return checkIdNumber(id) === null
}

// Birth dates 1940–2015, with more sequence numbers per day for older years: the registered poor
// disabled population is older than the population at large. Each (day, sequence) is one slot.
const FIRST_BIRTH_YEAR = 1940
const LAST_BIRTH_YEAR = 2015
const slotsPerDay = (year: number) => (year < 1980 ? 999 : year < 2000 ? 700 : 400)
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const YEAR_START: number[] = []
let SLOT_COUNT = 0
for (let y = FIRST_BIRTH_YEAR; y <= LAST_BIRTH_YEAR; y++) {
  YEAR_START.push(SLOT_COUNT)
  SLOT_COUNT += (isLeap(y) ? 366 : 365) * slotsPerDay(y)
}
const FEISTEL_HALF_BITS = 13 // 2^26 ≥ SLOT_COUNT (about 2.2e7), so cycle-walking takes few steps
const FEISTEL_MASK = (1 << FEISTEL_HALF_BITS) - 1
const MAX_PERSONS = 10_000_000

/** A keyed bijection of [0, SLOT_COUNT): 4-round Feistel on 26 bits with cycle-walking. */
function permuteSlot(key: number, x: number): number {
  let v = x
  do {
    let l = v >>> FEISTEL_HALF_BITS
    let r = v & FEISTEL_MASK
    for (let round = 0; round < 4; round++) {
      const t = l ^ (hash(key, round, r) & FEISTEL_MASK)
      l = r
      r = t
    }
    v = l * (FEISTEL_MASK + 1) + r
  } while (v >= SLOT_COUNT)
  return v
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Birth date (YYYYMMDD) and 3-digit sequence of a slot. */
function slotToBirth(slot: number): { ymd: string; seq: number; year: number } {
  let lo = 0
  let hi = YEAR_START.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (YEAR_START[mid] <= slot) lo = mid
    else hi = mid - 1
  }
  const year = FIRST_BIRTH_YEAR + lo
  const cap = slotsPerDay(year)
  const within = slot - YEAR_START[lo]
  let day = Math.floor(within / cap)
  const seq = (within % cap) + 1
  let month = 0
  for (; month < 12; month++) {
    const len = month === 1 && isLeap(year) ? 29 : MONTH_DAYS[month]
    if (day < len) break
    day -= len
  }
  return { ymd: `${year}${pad2(month + 1)}${pad2(day + 1)}`, seq, year }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

// Pre-2011 地区-era codes still printed on many IDs (毕节地区 5224xx, 铜仁地区 5222xx) and codes
// of counties renamed since (水城县 → 水城区, 盘县 → 盘州市, 遵义县 → 播州区, 平坝县 → 平坝区 …).
const OLD_ADDRESS_CODES: Record<string, string[]> = {
  '520502': ['522401'], '520521': ['522422'], '520581': ['522423', '520522'], '520523': ['522424'],
  '520524': ['522425'], '520525': ['522426'], '520526': ['522427'], '520527': ['522428'],
  '520602': ['522201'], '520603': ['522230'], '520621': ['522222'], '520622': ['522223'],
  '520623': ['522224'], '520624': ['522225'], '520625': ['522226'], '520626': ['522227'],
  '520627': ['522228'], '520628': ['522229'], '520204': ['520221'], '520281': ['520222'],
  '520304': ['520321'], '520403': ['520421'], '522302': ['522322'],
}

// ---------------------------------------------------------------------------------------------
// Content tables

const SURNAMES = new WeightedTable<string>([
  ['李', 7], ['杨', 7], ['王', 6.5], ['张', 6], ['陈', 5], ['刘', 4], ['吴', 4], ['罗', 3.5], ['黄', 3],
  ['赵', 3], ['周', 2.5], ['龙', 2.5], ['马', 2.5], ['朱', 2], ['陆', 1.5], ['安', 1.5], ['胡', 1.5],
  ['何', 1.5], ['禄', 1], ['田', 1.2], ['高', 1.2], ['徐', 1], ['郭', 1], ['谢', 1], ['唐', 1], ['邓', 1],
  ['余', 1], ['石', 1], ['潘', 1], ['孙', 0.8], ['宋', 0.8], ['曹', 0.8], ['彭', 0.8], ['袁', 0.8],
  ['熊', 0.8], ['韦', 0.8], ['肖', 0.7], ['管', 0.6], ['林', 0.6], ['蒋', 0.6], ['苏', 0.6], ['丁', 0.6],
  ['许', 0.6], ['冯', 0.6], ['付', 0.6], ['卢', 0.6], ['韩', 0.5], ['吕', 0.5], ['蒙', 0.5], ['顾', 0.5],
  ['邹', 0.5], ['聂', 0.5], ['文', 0.5], ['陶', 0.5], ['雷', 0.5], ['向', 0.4], ['陇', 0.4], ['岑', 0.3],
  ['虎', 0.3], ['海', 0.3], ['保', 0.3], ['尚', 0.3], ['路', 0.3], ['班', 0.3], ['欧', 0.3], ['麻', 0.2],
])

const MALE_CHARS = '明华强军平伟勇杰涛斌超波辉刚健林海忠福贵富发顺成祥荣金兵国文武德志洪云龙飞学昌友万才江正光兴永胜安春中元开先家礼仁义朝宗远'
const FEMALE_CHARS = '芳英兰秀梅琴珍丽艳敏霞燕红玉凤桂翠莲菊花美娟萍丹慧静婷雪琼芬香仙娥珊会群润琳'
const MIDDLE_CHARS = '小正光永德国家文志明朝绍庆开世宗天应元学'

const POVERTY_CAUSES = new WeightedTable<string>([
  ['因残', 45], ['因病', 18], ['缺劳力', 10], ['缺资金', 8], ['缺技术', 7], ['因学', 3], ['缺土地', 2],
  ['交通条件落后', 2], ['自身发展动力不足', 2], ['因灾', 1], ['缺水', 1], ['其他', 1],
])

// 肢体 most common, then 视力, 智力, 精神, 听力, 言语, 多重 (index + 1 is the certificate digit).
const CATEGORY_CODES = new WeightedTable<number>([[4, 40], [1, 16], [5, 13], [6, 11], [2, 9], [3, 6], [7, 5]])
const GRADES = new WeightedTable<number>([[1, 12], [2, 20], [3, 33], [4, 35]])
const DISABLED_PER_HOUSEHOLD = new WeightedTable<number>([[1, 82], [2, 15], [3, 3]])
const HOUSEHOLD_SIZES = new WeightedTable<number>([[1, 12], [2, 20], [3, 20], [4, 22], [5, 15], [6, 11]])
const EXIT_YEARS = new WeightedTable<number>([[2016, 14], [2017, 20], [2018, 24], [2019, 26], [2020, 16]])

const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '153',
  '155', '156', '157', '158', '159', '166', '173', '175', '176', '177', '178', '180', '181', '182', '183',
  '185', '186', '187', '188', '189', '191', '198', '199',
]

const VILLAGE_NAMES = [
  '新华', '坪子', '大寨', '营盘', '红旗', '团结', '石门', '中寨', '新街', '长春', '龙场', '光明', '向阳', '新田',
  '大坪', '河坝', '沙坝', '田坝', '箐口', '海子', '松林', '青山', '双河', '三合', '民族', '丰收', '联合', '新民',
  '黑土', '白岩', '龙井', '大河', '小河', '坪寨', '杨柳', '银厂', '草坪', '马鞍', '合心', '和平', '幸福', '永兴',
  '兴隆', '金星', '红岩', '高峰', '平山', '岩脚', '凉水', '水井', '花园', '新寨', '下寨', '上寨', '官寨', '石桥',
  '半坡', '大箐', '小箐', '羊街', '梨园', '核桃', '荞麦地', '拖洛', '以则', '阿西', '乐利', '得磨', '仓上', '法地',
  '树舍', '团山', '龙凤', '新发', '跃进', '前进', '胜利', '红星', '群益', '哲觉', '中营', '观风', '双龙', '五里',
]
const COMMUNITY_NAMES = [
  '建设', '人民', '新华', '文化', '东风', '南街', '北门', '西关', '中山', '和平', '团结', '光明', '朝阳', '阳光',
  '幸福', '兴隆', '育才', '滨湖', '南苑', '锦绣',
]

const STATUS_NOT_EXITED = '未脱贫'
const STATUS_EXITED = '已脱贫'
const STATUS_RETURNED = '返贫'
const STATUS_UNSTABLE = '脱贫不稳定户'
const STATUS_MARGINAL = '边缘易致贫户'

// Monthly rates of the evolution.
const RATE_REMOVED = 0.005
const RATE_MOVED = 0.003
const RATE_EXIT_AFTER_2020 = 0.1 // of 未脱贫 people, once the calendar exits are over
const RATE_RETURN = 0.0015 // of 已脱贫 people
const RATE_RE_EXIT = 0.05 // of 返贫 people
const RATE_MONITOR_CLEARED = 0.03 // of 脱贫不稳定户
const RATE_PHONE = 0.004
const RATE_HOUSEHOLD_SIZE = 0.004
const RATE_GRADE = 0.003

// Salts that keep the per-(entity, month) hash streams apart.
const SALT = { hh: 1, person: 2, removed: 3, moved: 4, status: 5, phone: 6, size: 7, grade: 8, cohort: 9, jitter: 10, defect: 11, slot: 12 }

// ---------------------------------------------------------------------------------------------
// Periods

function parsePeriod(period: string): number {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period)
  if (!m) throw new UsageError('PERIOD_INVALID', `「${period}」不是有效的月份（应为 YYYY-MM，如 2026-10）`)
  return Number(m[1]) * 12 + Number(m[2]) - 1
}

function formatPeriod(monthNumber: number): string {
  return `${Math.floor(monthNumber / 12)}-${pad2((monthNumber % 12) + 1)}`
}

/**
 * The month `months` after (or before, when negative) a 'YYYY-MM' period.
 * @throws UsageError PERIOD_INVALID
 */
export function shiftPeriod(period: string, months: number): string {
  return formatPeriod(parsePeriod(period) + months)
}

// ---------------------------------------------------------------------------------------------
// Geography

export interface SampleVillage {
  code: string
  name: string
}

const villageCache = new Map<string, SampleVillage[]>()

/**
 * The synthetic villages (or 社区 of a 街道) of a real township: stable for a township code whatever
 * the seed, numbered township code + 001…0NN.
 */
export function sampleVillages(township: Pick<Region, 'code' | 'name'>): SampleVillage[] {
  const cached = villageCache.get(township.code)
  if (cached) return cached
  const rng = new Rng(seedOf(`villages:${township.code}`))
  const urban = township.name.endsWith('街道')
  const names = [...(urban ? COMMUNITY_NAMES : VILLAGE_NAMES)]
  const count = urban ? 3 + rng.int(6) : 8 + rng.int(15)
  for (let i = names.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    ;[names[i], names[j]] = [names[j], names[i]]
  }
  const villages = names.slice(0, count).map((name, i) => ({
    code: `${township.code}${String(i + 1).padStart(3, '0')}`,
    name: name + (urban ? '社区' : '村'),
  }))
  villageCache.set(township.code, villages)
  return villages
}

interface Village extends SampleVillage {
  townshipCode: string
  townshipName: string
  weight: number
}

interface CountyGeo {
  county: Region
  countyIndex: number
  villages: Village[]
  /** Counties a move or a wrong-county row can name: same city first. */
  sameCity: Region[]
  guizhou: Region[]
  altAddressCodes: { old: string[]; neighbours: string[] }
}

const geoCache = new Map<string, CountyGeo>()

function countyGeo(countyCode: string): CountyGeo {
  const cached = geoCache.get(countyCode)
  if (cached) return cached
  const index = builtinRegions()
  const county = index.get(countyCode)
  const guizhou = index
    .all()
    .filter((r) => r.level === 'county' && r.code.startsWith('52'))
    .sort((a, b) => a.code.localeCompare(b.code))
  const countyIndex = guizhou.findIndex((r) => r.code === countyCode)
  if (!county || county.level !== 'county' || countyIndex < 0) {
    throw new UsageError('SAMPLE_COUNTY_INVALID', `样例数据只能为贵州省的县级区划生成，「${countyCode}」不是`, {
      hint: '用 `cjfp region list 52 --level county` 查看贵州省的县级区划代码',
    })
  }
  const townships = index.children(county.code).sort((a, b) => a.code.localeCompare(b.code))
  const villages: Village[] = []
  for (const township of townships) {
    const urban = township.name.endsWith('街道')
    const townshipWeight = (urban ? 0.4 : 0.6) + unit(seedOf(`weight:${township.code}`))
    for (const village of sampleVillages(township)) {
      const weight = townshipWeight * (0.3 + 1.4 * unit(seedOf(`weight:${village.code}`)))
      villages.push({ ...village, townshipCode: township.code, townshipName: township.name, weight })
    }
  }
  const sameCity = guizhou.filter((r) => r.parentCode === county.parentCode && r.code !== county.code)
  const geo: CountyGeo = {
    county,
    countyIndex,
    villages,
    sameCity,
    guizhou: guizhou.filter((r) => r.code !== county.code),
    altAddressCodes: { old: OLD_ADDRESS_CODES[county.code] ?? [], neighbours: sameCity.map((r) => r.code) },
  }
  geoCache.set(countyCode, geo)
  return geo
}

// ---------------------------------------------------------------------------------------------
// Population: cohorts over villages

interface Population {
  options: SampleOptions
  geo: CountyGeo
  key: number
  slotKey: number
  firstMonth: number
  /** Slot ordinals owned by this county start here (each county owns a disjoint range). */
  ordinalBase: number
  /** cohortSize[c], cohortOffset[c], and prefix[c][v] = people of cohort c in villages before v. */
  cohortSize: number[]
  cohortOffset: number[]
  prefix: Int32Array[]
}

const populationCache = new Map<string, Population>()

function population(options: SampleOptions): Population {
  const cacheKey = `${options.countyCode}|${options.persons}|${options.seed}|${options.firstPeriod}`
  const cached = populationCache.get(cacheKey)
  if (cached) return cached
  if (!Number.isInteger(options.persons) || options.persons < 1 || options.persons > MAX_PERSONS) {
    throw new UsageError('SAMPLE_SIZE_INVALID', `样例人数应为 1 到 ${MAX_PERSONS} 之间的整数，收到 ${options.persons}`)
  }
  if (!Number.isInteger(options.seed)) throw new UsageError('SAMPLE_SEED_INVALID', `随机种子应为整数，收到 ${options.seed}`)
  const geo = countyGeo(options.countyCode)
  const key = hash(options.seed, Number(options.countyCode), 0x5a3c)
  // The slot permutation is keyed by the seed only, so that counties generated with one seed share
  // it and their disjoint ordinal ranges give disjoint IDs.
  const slotKey = hash(options.seed, SALT.slot)
  const pop: Population = {
    options,
    geo,
    key,
    slotKey,
    firstMonth: parsePeriod(options.firstPeriod),
    ordinalBase: geo.countyIndex * Math.floor(SLOT_COUNT / 88),
    cohortSize: [],
    cohortOffset: [],
    prefix: [],
  }
  if (populationCache.size > 32) populationCache.clear()
  populationCache.set(cacheKey, pop)
  return pop
}

function monthIndex(pop: Population, period: string): number {
  const m = parsePeriod(period) - pop.firstMonth
  if (m < 0) {
    throw new UsageError('PERIOD_BEFORE_FIRST', `月份 ${period} 早于样例的起始月份 ${pop.options.firstPeriod}`)
  }
  return m
}

/** Makes sure cohorts 0…m are laid out (sizes, ordinal offsets, village prefix sums). */
function ensureCohorts(pop: Population, m: number): void {
  const { villages } = pop.geo
  for (let c = pop.cohortSize.length; c <= m; c++) {
    const size =
      c === 0 ? pop.options.persons : Math.round(pop.options.persons * (0.01 + 0.01 * unit(hash(pop.key, SALT.cohort, c))))
    const offset = c === 0 ? 0 : pop.cohortOffset[c - 1] + pop.cohortSize[c - 1]
    if (offset + size > MAX_PERSONS) {
      throw new UsageError('SAMPLE_TOO_MANY_MONTHS', `样例从 ${pop.options.firstPeriod} 起的月份太多，人数超过 ${MAX_PERSONS}`)
    }
    // Each cohort spreads over the villages by their weights, jittered per cohort so that new
    // people do not land in the same villages every month.
    let total = 0
    const weights = villages.map((v, i) => {
      const w = v.weight * (c === 0 ? 1 : 0.2 + 1.6 * unit(hash(pop.key, SALT.jitter, c, i)))
      total += w
      return w
    })
    const prefix = new Int32Array(villages.length + 1)
    let running = 0
    for (let i = 0; i < villages.length; i++) {
      running += weights[i]
      prefix[i + 1] = i + 1 === villages.length ? size : Math.floor((size * running) / total)
    }
    pop.cohortSize.push(size)
    pop.cohortOffset.push(offset)
    pop.prefix.push(prefix)
  }
}

// ---------------------------------------------------------------------------------------------
// Households

interface HouseholdBase {
  key: number
  cohort: number
  village: Village
  householdNo: string
  members: number
  /** Ordinal of the first member (unique per county). */
  ordinal: number
  surname: string
  size: number
  cause: string
  phone: string
  tail: 'none' | 'stayPoor' | 'returned' | 'unstable' | 'marginal'
  exitYear: number
  exitAt: number
  laterAt: number
  /** Month index at which the household moves out (the row names moveTo that month). */
  moveMonth: number
}

interface MoveTarget {
  county: Region
  townshipCode: string
  townshipName: string
  village: SampleVillage
}

/** Every household ever on the roster up to month m, in file order (village, then cohort). */
function* households(pop: Population, m: number): Generator<HouseholdBase> {
  ensureCohorts(pop, m)
  const { villages } = pop.geo
  for (let v = 0; v < villages.length; v++) {
    let seq = 0
    for (let c = 0; c <= m; c++) {
      const prefix = pop.prefix[c]
      let remaining = prefix[v + 1] - prefix[v]
      let ordinal = pop.cohortOffset[c] + prefix[v]
      for (let j = 0; remaining > 0; j++) {
        seq++
        const hh = householdBase(pop, villages[v], v, c, j, seq, ordinal, remaining)
        remaining -= hh.members
        ordinal += hh.members
        yield hh
      }
    }
  }
}

function householdBase(pop: Population, village: Village, v: number, c: number, j: number, seq: number, ordinal: number, remaining: number): HouseholdBase {
  const key = hash(pop.key, SALT.hh, v, c, j)
  const rng = new Rng(key)
  const members = Math.min(remaining, rng.weighted(DISABLED_PER_HOUSEHOLD))
  const size = Math.max(members, rng.weighted(HOUSEHOLD_SIZES))
  const u = rng.next()
  const tail = u < 0.95 ? 'none' : u < 0.97 ? 'stayPoor' : u < 0.985 ? 'returned' : u < 0.995 ? 'unstable' : 'marginal'
  const exitYear = rng.weighted(EXIT_YEARS)
  const exitAt = exitYear * 12 + 9 + rng.int(3) // exits are assessed in the autumn: Oct–Dec
  const laterAt =
    tail === 'returned'
      ? (exitYear + 1 + rng.int(Math.max(1, 2023 - exitYear))) * 12 + rng.int(12)
      : 2021 * 12 + rng.int(24) // monitoring categories from 2021
  const moveMonth = c + geometric(unit(hash(key, SALT.moved)), RATE_MOVED)
  return {
    key,
    cohort: c,
    village,
    householdNo: village.code + String(seq).padStart(4, '0'),
    members,
    ordinal,
    surname: rng.weighted(SURNAMES),
    size,
    cause: rng.weighted(POVERTY_CAUSES),
    phone: rng.chance(0.88) ? mobile(rng) : '',
    tail,
    exitYear,
    exitAt,
    laterAt,
    moveMonth,
  }
}

/** Where a household moves to: usually a county of the same city, a real township there. */
function moveTarget(pop: Population, hh: HouseholdBase): MoveTarget {
  const rng = new Rng(hash(hh.key, SALT.moved, 1))
  const geo = pop.geo
  const county = rng.chance(0.7) && geo.sameCity.length > 0 ? rng.pick(geo.sameCity) : rng.pick(geo.guizhou)
  const township = rng.pick(builtinRegions().children(county.code))
  return { county, townshipCode: township.code, townshipName: township.name, village: rng.pick(sampleVillages(township)) }
}

/** Months until an event of monthly probability p happens (≥ 1), from one uniform draw. */
function geometric(u: number, p: number): number {
  const x = 1 - u // (0, 1]
  return 1 + Math.floor(Math.log(x) / Math.log(1 - p))
}

function mobile(rng: Rng): string {
  let s = rng.pick(MOBILE_PREFIXES)
  for (let i = 0; i < 8; i++) s += String(rng.int(10))
  return s
}

interface Status {
  status: string
  exitYear: number | null
}

/** The status the plan's calendar gives a household in a month (before random events). */
function calendarStatus(hh: HouseholdBase, monthNumber: number): Status {
  const exited = monthNumber >= hh.exitAt
  switch (hh.tail) {
    case 'stayPoor':
      return { status: STATUS_NOT_EXITED, exitYear: null }
    case 'marginal':
      return { status: monthNumber >= hh.laterAt ? STATUS_MARGINAL : STATUS_NOT_EXITED, exitYear: null }
    case 'returned':
      if (exited && monthNumber >= hh.laterAt) return { status: STATUS_RETURNED, exitYear: hh.exitYear }
      break
    case 'unstable':
      if (exited && monthNumber >= hh.laterAt) return { status: STATUS_UNSTABLE, exitYear: hh.exitYear }
      break
  }
  return exited ? { status: STATUS_EXITED, exitYear: hh.exitYear } : { status: STATUS_NOT_EXITED, exitYear: null }
}

interface HouseholdState extends Status {
  size: number
  phone: string
  /** The row names the county the household moved to (this is its last month). */
  moving: boolean
  changes: SampleChangeKind[]
}

/** The household in month m, or null when it has not arrived yet or has moved away. */
function householdAt(pop: Population, hh: HouseholdBase, m: number): HouseholdState | null {
  if (m < hh.cohort || m > hh.moveMonth) return null
  let cal = calendarStatus(hh, pop.firstMonth + hh.cohort)
  let state: Status = cal
  let size = hh.size
  let phone = hh.phone
  const changes: SampleChangeKind[] = []
  for (let t = hh.cohort + 1; t <= m; t++) {
    const monthNumber = pop.firstMonth + t
    const before = state
    const next = calendarStatus(hh, monthNumber)
    if (next.status !== cal.status) {
      state = next
    } else {
      const u = unit(hash(hh.key, SALT.status, t))
      const year = Math.floor(monthNumber / 12)
      if (state.status === STATUS_NOT_EXITED && year >= 2021 && u < RATE_EXIT_AFTER_2020) state = { status: STATUS_EXITED, exitYear: year }
      else if (state.status === STATUS_EXITED && u < RATE_RETURN) state = { status: STATUS_RETURNED, exitYear: state.exitYear }
      else if (state.status === STATUS_RETURNED && u < RATE_RE_EXIT) state = { status: STATUS_EXITED, exitYear: year }
      else if (state.status === STATUS_UNSTABLE && u < RATE_MONITOR_CLEARED) state = { status: STATUS_EXITED, exitYear: state.exitYear }
    }
    cal = next
    const sizeBefore = size
    const phoneBefore = phone
    const us = hash(hh.key, SALT.size, t)
    if (unit(us) < RATE_HOUSEHOLD_SIZE) {
      size = size <= hh.members || (size < 8 && us % 2 === 0) ? size + 1 : size - 1
    }
    const up = hash(hh.key, SALT.phone, t)
    if (unit(up) < RATE_PHONE) phone = mobile(new Rng(up))
    if (t === m) {
      if (state.status !== before.status) {
        changes.push(state.status === STATUS_EXITED ? 'exited' : state.status === STATUS_RETURNED ? 'returned' : 'status')
      }
      if (size !== sizeBefore) changes.push('householdSize')
      if (phone !== phoneBefore) changes.push('phone')
    }
  }
  const moving = m === hh.moveMonth
  if (m === hh.cohort && m > 0) changes.push('new')
  return { ...state, size, phone, moving, changes: moving ? ['moved'] : changes }
}

// ---------------------------------------------------------------------------------------------
// Persons

const MALE_RELATIONS = {
  child: new WeightedTable<string>([['之子', 75], ['孙子', 25]]),
  adult: new WeightedTable<string>([['之子', 50], ['配偶', 15], ['之兄', 8], ['之弟', 12], ['女婿', 5], ['侄子', 10]]),
  old: new WeightedTable<string>([['之父', 60], ['配偶', 40]]),
}
const FEMALE_RELATIONS = {
  child: new WeightedTable<string>([['之女', 75], ['孙女', 25]]),
  adult: new WeightedTable<string>([['之女', 35], ['配偶', 40], ['儿媳', 15], ['之姐', 4], ['之妹', 6]]),
  old: new WeightedTable<string>([['之母', 60], ['配偶', 40]]),
}
// Relations that carry the household's surname (the head's line); the others married in.
const SAME_SURNAME = new Set(['户主', '之子', '之女', '孙子', '孙女', '之父', '之兄', '之弟', '之姐', '之妹', '侄子'])

function givenName(rng: Rng, male: boolean): string {
  const pool = male ? MALE_CHARS : FEMALE_CHARS
  const u = rng.next()
  if (u < 0.25) return rng.pick(pool)
  if (u < 0.55) return rng.pick(MIDDLE_CHARS) + rng.pick(pool)
  return rng.pick(pool) + rng.pick(pool)
}

/** Person k of a household in month m, or null when removed before (or in) month m. */
function personAt(pop: Population, hh: HouseholdBase, state: HouseholdState, k: number, m: number): SamplePerson | null {
  const key = hash(hh.key, SALT.person, k)
  const removedAt = hh.cohort + geometric(unit(hash(key, SALT.removed)), RATE_REMOVED)
  if (m >= removedAt) return null
  const rng = new Rng(key)
  const geo = pop.geo

  // 身份证号: a unique slot gives birth date and sequence; the address code is usually the county's.
  const ordinal = (pop.ordinalBase + hh.ordinal + k) % SLOT_COUNT
  const birth = slotToBirth(permuteSlot(pop.slotKey, ordinal))
  let address = geo.county.code
  if (rng.chance(0.15)) {
    const { old, neighbours } = geo.altAddressCodes
    const useOld = old.length > 0 && (neighbours.length === 0 || rng.chance(0.67))
    if (useOld) address = rng.pick(old)
    else if (neighbours.length > 0) address = rng.pick(neighbours)
  }
  const first17 = address + birth.ymd + String(birth.seq).padStart(3, '0')
  const idNumber = first17 + idCheckChar(first17)
  const male = birth.seq % 2 === 1

  const age = Math.floor(pop.firstMonth / 12) - birth.year
  let relation: string
  if (k === 0 && age >= 18 && rng.chance(0.9)) relation = '户主'
  else {
    const table = male ? MALE_RELATIONS : FEMALE_RELATIONS
    relation = rng.weighted(age < 18 ? table.child : age < 60 ? table.adult : table.old)
  }
  const surname = SAME_SURNAME.has(relation) ? hh.surname : rng.weighted(SURNAMES)
  const name = surname + givenName(rng, male)

  const categoryCode = rng.weighted(CATEGORY_CODES)
  let grade = rng.weighted(GRADES)
  let gradeChanged = false
  for (let t = hh.cohort + 1; t <= m; t++) {
    const u = hash(key, SALT.grade, t)
    if (unit(u) < RATE_GRADE) {
      grade = 1 + ((grade - 1 + 1 + (u % 3)) % 4) // any other grade
      if (t === m) gradeChanged = true
    }
  }

  const moveTo = state.moving ? moveTarget(pop, hh) : null
  const village = moveTo ? moveTo.village : hh.village
  const changes: SampleChangeKind[] = gradeChanged && !moveTo ? [...state.changes, 'grade'] : [...state.changes]
  return {
    countyCode: moveTo ? moveTo.county.code : geo.county.code,
    countyName: moveTo ? moveTo.county.name : geo.county.name,
    townshipCode: moveTo ? moveTo.townshipCode : hh.village.townshipCode,
    townshipName: moveTo ? moveTo.townshipName : hh.village.townshipName,
    villageName: village.name,
    villageCode: village.code,
    householdNo: hh.householdNo,
    name,
    gender: male ? '男' : '女',
    idNumber,
    birthDate: `${birth.ymd.slice(0, 4)}-${birth.ymd.slice(4, 6)}-${birth.ymd.slice(6, 8)}`,
    relation,
    householdSize: state.size,
    certNumber: `${idNumber}${categoryCode}${grade}`,
    category: DISABILITY_CATEGORIES[categoryCode - 1],
    grade,
    povertyStatus: state.status,
    exitYear: state.exitYear,
    povertyCause: hh.cause,
    phone: state.phone,
    changes,
  }
}

// ---------------------------------------------------------------------------------------------
// Public generators

/**
 * The roster of one month, person by person, in file order (township, village, household).
 * Constant memory: safe for millions of rows.
 * @throws UsageError SAMPLE_COUNTY_INVALID, SAMPLE_SIZE_INVALID, PERIOD_INVALID, PERIOD_BEFORE_FIRST
 */
export function* samplePersons(options: SampleOptions, period: string): Generator<SamplePerson> {
  const pop = population(options)
  const m = monthIndex(pop, period)
  for (const hh of households(pop, m)) {
    const state = householdAt(pop, hh, m)
    if (!state) continue
    for (let k = 0; k < hh.members; k++) {
      const person = personAt(pop, hh, state, k, m)
      if (person) yield person
    }
  }
}

/** The roster's header row: ROSTER_HEADERS[field][0] in ROSTER_FIELDS order, optionally after 序号. */
export function rosterHeaders(options: { serial?: boolean } = {}): string[] {
  const headers = ROSTER_FIELDS.map((f) => ROSTER_HEADERS[f][0])
  return options.serial ? ['序号', ...headers] : headers
}

/** A person's cells in ROSTER_FIELDS order: category as '肢体', grade as '3', no exit year as ''. */
export function rosterCells(p: SamplePerson): string[] {
  return ROSTER_FIELDS.map((field) => {
    const value = p[field]
    return value === null ? '' : String(value)
  })
}

const FIELD_INDEX = Object.fromEntries(ROSTER_FIELDS.map((f, i) => [f, i])) as Record<RosterField, number>

interface DefectPlan {
  code: SampleIssueCode
  field: RosterField
  /** 'source' marks the earlier row of a duplicate pair, 'repeat' the inserted later row. */
  role?: 'source' | 'repeat'
  eligible?: (p: SamplePerson) => boolean
  apply?: (cells: string[], p: SamplePerson, pop: Population) => string
}

const CHINESE_GRADES = ['一级', '二级', '三级', '四级']
const FINANCIAL_GRADES = ['壹级', '贰级', '叁级', '肆级']
const FULLWIDTH = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0))
const notX = (p: SamplePerson) => !p.idNumber.endsWith('X')

/** Writes one cell and returns what was written (for the defect's note). */
function setCell(cells: string[], field: RosterField, value: string): string {
  cells[FIELD_INDEX[field]] = value
  return value
}

// In file order of their target positions. Each defect takes one row (the duplicate takes two).
const DEFECT_PLAN: DefectPlan[] = [
  {
    code: 'id_checksum',
    field: 'idNumber',
    // Not after '00': a wrong check character '0' would read as an Excel-truncated ID.
    eligible: (p) => p.idNumber.slice(15, 17) !== '00',
    apply: (cells, p) => {
      const checkChars = '10X98765432'
      const wrong = p.idNumber.slice(0, 17) + checkChars[(checkChars.indexOf(p.idNumber[17]) + 3) % 11]
      setCell(cells, 'idNumber', wrong)
      // The certificate repeats the mistyped ID, so that the check digit is the row's only fault.
      setCell(cells, 'certNumber', wrong + p.certNumber.slice(18))
      return `check character ${p.idNumber[17]} → ${wrong[17]}`
    },
  },
  { code: 'fullwidth', field: 'idNumber', apply: (cells, p) => `ID written as ${setCell(cells, 'idNumber', FULLWIDTH(p.idNumber))}` },
  { code: 'trimmed', field: 'name', apply: (cells, p) => `name written as "${setCell(cells, 'name', ` ${p.name}  `)}"` },
  { code: 'duplicate_id', field: 'idNumber', role: 'source', apply: () => 'first of two rows with this ID' },
  {
    code: 'id_scientific_notation',
    field: 'idNumber',
    eligible: notX,
    apply: (cells, p) => {
      const text = Number(p.idNumber).toExponential(5).replace(/\.?0+e/, 'e').replace('e+', 'E+')
      setCell(cells, 'idNumber', text)
      return `ID shown by Excel as ${text}`
    },
  },
  { code: 'grade_normalized', field: 'grade', apply: (cells, p) => `grade written as ${setCell(cells, 'grade', CHINESE_GRADES[p.grade - 1])}` },
  { code: 'missing_field', field: 'name', apply: (cells, p) => `name ${p.name} left blank${setCell(cells, 'name', '')}` },
  {
    code: 'lowercase_x',
    field: 'idNumber',
    eligible: (p) => p.idNumber.endsWith('X'),
    apply: (cells, p) => `ID written as ${setCell(cells, 'idNumber', p.idNumber.slice(0, 17) + 'x')}`,
  },
  {
    code: 'cert_id_mismatch',
    field: 'certNumber',
    apply: (cells, p) => {
      const seq = Number(p.idNumber.slice(14, 17))
      const other17 = p.idNumber.slice(0, 14) + String(((seq + 1) % 999) + 1).padStart(3, '0')
      setCell(cells, 'certNumber', other17 + idCheckChar(other17) + p.certNumber.slice(18))
      return 'certificate of another ID'
    },
  },
  { code: 'category_normalized', field: 'category', apply: (cells, p) => `category written as ${setCell(cells, 'category', `${p.category}残疾`)}` },
  {
    code: 'id_excel_truncated',
    field: 'idNumber',
    eligible: (p) => notX(p) && !p.idNumber.endsWith('000') && idCheckChar(p.idNumber.slice(0, 15) + '00') !== '0',
    apply: (cells, p) => `ID cut by Excel to 15 significant digits: ${setCell(cells, 'idNumber', p.idNumber.slice(0, 15) + '000')}`,
  },
  { code: 'grade_normalized', field: 'grade', apply: (cells, p) => `grade written as ${setCell(cells, 'grade', FINANCIAL_GRADES[p.grade - 1])}` },
  {
    code: 'county_mismatch',
    field: 'countyName',
    apply: (cells, p, pop) => {
      const others = pop.geo.sameCity.length > 0 ? pop.geo.sameCity : pop.geo.guizhou
      const other = others[hash(pop.key, SALT.defect, 1) % others.length]
      setCell(cells, 'countyName', other.name)
      return `county written as ${other.name}`
    },
  },
  { code: 'gender_from_id', field: 'gender', apply: (cells, p) => `gender written as ${setCell(cells, 'gender', p.gender === '男' ? '女' : '男')}, the ID says ${p.gender}` },
  { code: 'duplicate_id', field: 'idNumber', role: 'repeat' },
  {
    code: 'cert_category_mismatch',
    field: 'certNumber',
    apply: (cells, p) => {
      const digit = Number(p.certNumber[18])
      const other = (digit % 7) + 1
      setCell(cells, 'certNumber', p.certNumber.slice(0, 18) + other + p.certNumber[19])
      return `certificate category ${digit} → ${other}`
    },
  },
  { code: 'grade_normalized', field: 'grade', apply: (cells, p) => `grade written as ${setCell(cells, 'grade', `${p.grade}级`)}` },
  { code: 'formula_text', field: 'povertyCause', apply: (cells, p) => `cause written as ${setCell(cells, 'povertyCause', `=${p.povertyCause}`)}` },
]

const WARNING_CODES = new Set<SampleIssueCode>(['fullwidth', 'lowercase_x', 'trimmed', 'grade_normalized', 'category_normalized', 'gender_from_id'])
const severityOf = (code: SampleIssueCode): SampleIssue['severity'] =>
  code === 'formula_text' ? 'info' : WARNING_CODES.has(code) ? 'warning' : 'error'

/**
 * The roster of one month as rows, streamed. With `defects`, 18 rows spread over the file
 * carry one injected defect each (see DEFECT_PLAN), reported on the record; the duplicate is an
 * extra row inserted after its original. A defect row may break other rules as a consequence
 * (a mangled ID no longer matches its certificate); `issue.code` is the defect's own code.
 * Defects are spread over the first 90% of `persons` rows, so a month needs a few dozen rows to
 * hold them all; those that find no row are simply not reported.
 * @throws UsageError as samplePersons
 */
export function* sampleRecords(options: SampleOptions, period: string, settings: { defects?: boolean } = {}): Generator<SampleRecord> {
  if (!settings.defects) {
    for (const person of samplePersons(options, period)) yield { cells: rosterCells(person), person }
    return
  }
  const pop = population(options)
  const span = Math.max(DEFECT_PLAN.length * 2, Math.floor(options.persons * 0.9))
  const targets = DEFECT_PLAN.map((_, k) =>
    Math.floor(((k + 0.2 + 0.6 * unit(hash(pop.key, SALT.defect, parsePeriod(period), k))) * span) / DEFECT_PLAN.length),
  )
  const active: DefectPlan[] = []
  let next = 0
  let source: SampleRecord | null = null
  let i = 0
  for (const person of samplePersons(options, period)) {
    while (next < DEFECT_PLAN.length && targets[next] <= i) active.push(DEFECT_PLAN[next++])
    i++
    const record: SampleRecord = { cells: rosterCells(person), person }
    if (active.length === 0 || person.changes.includes('moved')) {
      yield record
      continue
    }
    for (let a = 0; a < active.length; a++) {
      const plan = active[a]
      if (plan.role === 'repeat') {
        if (!source) continue
        active.splice(a--, 1)
        yield { cells: [...source.cells], person: source.person, issue: issueOf(plan, 'repeats an earlier row') }
        continue
      }
      if (plan.eligible && !plan.eligible(person)) continue
      active.splice(a, 1)
      const note = plan.apply?.(record.cells, person, pop) ?? ''
      record.issue = issueOf(plan, note)
      if (plan.role === 'source') source = record
      break
    }
    yield record
  }
}

function issueOf(plan: DefectPlan, note: string): SampleIssue {
  return { code: plan.code, severity: severityOf(plan.code), field: plan.field, note }
}

/**
 * One month as arrays, for the demo and tests (small counts only: it holds every row).
 * @throws UsageError as samplePersons
 */
export function sampleRows(options: SampleOptions, period: string, settings: { defects?: boolean; serial?: boolean } = {}): SampleRows {
  const result: SampleRows = { headers: rosterHeaders(settings), rows: [], persons: [], defects: [], moved: [] }
  for (const record of sampleRecords(options, period, settings)) {
    const index = result.rows.length
    result.rows.push(settings.serial ? [String(index + 1), ...record.cells] : record.cells)
    result.persons.push(record.person)
    if (record.issue) result.defects.push({ ...record.issue, index })
    else if (record.person.changes.includes('moved')) {
      result.moved.push({ index, countyCode: record.person.countyCode, countyName: record.person.countyName })
    }
  }
  return result
}

/**
 * What changed between two months of the same population, by the generator's own bookkeeping:
 * the answer the 动态比对 of the two imported files should reach. Streams both months together.
 * @throws UsageError as samplePersons, and SAMPLE_PERIODS_ORDER when `to` is not after `from`
 */
export function describeChanges(options: SampleOptions, from: string, to: string): SampleChanges {
  const pop = population(options)
  const a = monthIndex(pop, from)
  const b = monthIndex(pop, to)
  if (b <= a) throw new UsageError('SAMPLE_PERIODS_ORDER', `比对的后一个月份 ${to} 应晚于 ${from}`)
  const ids = Object.fromEntries(SAMPLE_CHANGE_KINDS.map((k) => [k, [] as string[]])) as Record<SampleChangeKind, string[]>
  for (const hh of households(pop, b)) {
    const sa = householdAt(pop, hh, a)
    const sb = householdAt(pop, hh, b)
    for (let k = 0; k < hh.members; k++) {
      const pa = sa && !sa.moving ? personAt(pop, hh, sa, k, a) : null
      const pb = sb ? personAt(pop, hh, sb, k, b) : null
      if (!pa) {
        if (pb && !sb!.moving) ids.new.push(pb.idNumber)
        continue
      }
      // Gone by `to`: moved if the household moved before the person was removed.
      const removedAt = hh.cohort + geometric(unit(hash(hash(hh.key, SALT.person, k), SALT.removed)), RATE_REMOVED)
      if (hh.moveMonth <= b && hh.moveMonth < removedAt) {
        ids.moved.push(pa.idNumber)
        continue
      }
      if (!pb) {
        ids.removed.push(pa.idNumber)
        continue
      }
      if (pb.povertyStatus !== pa.povertyStatus) {
        const kind = pb.povertyStatus === STATUS_EXITED ? 'exited' : pb.povertyStatus === STATUS_RETURNED ? 'returned' : 'status'
        ids[kind].push(pa.idNumber)
      }
      if (pb.grade !== pa.grade) ids.grade.push(pa.idNumber)
      if (pb.phone !== pa.phone) ids.phone.push(pa.idNumber)
      if (pb.householdSize !== pa.householdSize) ids.householdSize.push(pa.idNumber)
    }
  }
  const counts = Object.fromEntries(SAMPLE_CHANGE_KINDS.map((k) => [k, ids[k].length])) as Record<SampleChangeKind, number>
  return { from, to, counts, ids }
}
