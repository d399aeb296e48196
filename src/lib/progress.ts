/**
 * 通报: the progress notice of a period, per region one level down (or at a chosen level) — roster
 * counts and exits, pairing coverage, benefit coverage and gaps by the rule file, device fitting and
 * the other plan rates, letters signed, tasks overdue — with the change since the previous period, and
 * the same figures as a printable document, a sheet and JSON.
 */
import { getArea } from './area.js'
import { checkBenefits, checkNotes, GROUP_LEVEL_NAMES, type Place, type GroupLevel, type RuleOutcome } from './benefit-check.js'
import type { CompiledRules } from './benefit-rules.js'
import { getConfigValue } from './config.js'
import { PAIR_FUNDS, PAIR_HELPER, PAIR_MEASURES } from './period-scan.js'
import { cachedReport } from './report-cache.js'
import type { Db } from './db.js'
import { NotFoundError } from './errors.js'
import { letterStatus } from './letters.js'
import { localDate, type PlaceCoverage } from './pairing.js'
import { type MetricCode, METRICS, type RegionFigures, type ReportDocument, type ReportRow } from './report-model.js'
import { latestPeriod } from './roster-query.js'
import { checkPeriod } from './roster.js'
import type { TableCell } from './table-writer.js'
import { listTasks, type PlaceCount } from './tasks.js'

export interface ProgressOptions {
  period?: string
  level?: GroupLevel
  rules: CompiledRules
  /** The day the notice is made (task deadlines, active pairings); default today. */
  today?: Date
}

export interface ProgressReport {
  period: string
  previous: string | null
  level: GroupLevel
  levelName: string
  area: { code: string; name: string; orgName: string }
  asOf: string
  regions: RegionFigures[]
  total: RegionFigures
  /** The previous period's head counts by status and its exit and return rates, by region code ('' for the total); empty without a previous period. */
  previousValues: Record<string, RegionFigures['values']>
  rules: RuleOutcome[]
  rulesName: string
  /** Things the reader should know: rules not checked for want of a list, columns missing from the roster. */
  notes: string[]
}

type Values = RegionFigures['values']

const LEVEL_LENGTH: Record<GroupLevel, number> = { county: 6, township: 9, village: 12 }
const BLANK_NAMES: Record<GroupLevel, string> = { county: '（未填县）', township: '（未填乡镇）', village: '（未填村）' }

/** The level one below the area's: a county reports by township, a city or the province by county. */
export function defaultLevel(areaLevel: string): GroupLevel {
  if (areaLevel === 'county') return 'township'
  if (areaLevel === 'township') return 'village'
  return 'county'
}

const ratio = (n: number | null | undefined, d: number | null | undefined): number | null => (d && n !== null && n !== undefined ? n / d : null)

/** The last day of a period, or today when that is earlier (a notice for the current month). */
function asOfFor(period: string, today: string): string {
  const [y, m] = period.split('-').map(Number)
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10)
  return last < today ? last : today
}


/**
 * Figures of one period keyed by region code ('' is the whole area), counted from the benefit check's
 * reading of the period (persons, households, pairings, who is new and who left, the previous head
 * counts); letters and tasks from their own small tables.
 */
async function periodFigures(db: Db, period: string, previous: string | null, level: GroupLevel, rules: CompiledRules, asOf: string, today: Date) {
  const len = LEVEL_LENGTH[level]
  const figures = new Map<string, Values>()
  const of = (code: string): Values => {
    let v = figures.get(code)
    if (!v) figures.set(code, (v = {}))
    return v
  }
  const total = of('')
  const add = (code: string, metric: MetricCode, n: number) => {
    const v = of(code)
    v[metric] = ((v[metric] as number | undefined) ?? 0) + n
    if (v !== total) total[metric] = ((total[metric] as number | undefined) ?? 0) + n
  }
  const kinds = new Map((db.prepare('SELECT name, kind FROM poverty_statuses').all() as Array<{ name: string; kind: string }>).map((r) => [r.name, r.kind]))
  const kindMetric: Record<string, MetricCode> = { poor: 'poor', exited: 'exited', returned: 'returned', monitored: 'monitored' }

  const check = await checkBenefits(db, rules, { period, groupBy: level, previous, pairingsOn: localDate(today), leavers: false, keepScan: true })
  const scan = check.scan!

  // The previous period's head counts by status, for the change columns.
  const prior = new Map<string, Values>()
  if (previous) {
    for (const [code, status, n] of scan.previousCounts) {
      const kind = status ? kinds.get(status) : undefined
      for (const key of [code, '']) {
        let v = prior.get(key)
        if (!v) prior.set(key, (v = { registered: 0, poor: 0, exited: 0, returned: 0, monitored: 0 }))
        v.registered = (v.registered as number) + n
        if (kind) v[kindMetric[kind]] = (v[kindMetric[kind]] as number) + n
      }
    }
    for (const v of prior.values()) {
      v.exitRate = ratio(v.exited, v.registered)
      v.returnRate = ratio(v.returned, v.registered)
    }
  }

  // Persons and households counted per place in typed arrays, then folded into regions and the task list's places.
  const places = scan.places
  const KINDS = ['poor', 'exited', 'returned', 'monitored'] as const
  const kindOfAttrs = Int32Array.from(scan.attrs, ([status]) => KINDS.indexOf((status ? kinds.get(status) : undefined) as (typeof KINDS)[number]))
  const byKind = KINDS.map(() => new Int32Array(places.length))
  const persons = new Int32Array(places.length)
  const fresh = new Int32Array(places.length)
  const isNew = scan.isNew
  for (let i = 0; i < scan.persons; i++) {
    const p = scan.placeOf[i]
    persons[p]++
    const kind = kindOfAttrs[scan.attrsOf[i]]
    if (kind >= 0) byKind[kind][p]++
    if (isNew && isNew[i]) fresh[p]++
  }
  const statusCounts = { poor: byKind[0], exited: byKind[1], returned: byKind[2], monitored: byKind[3] }
  const households = new Int32Array(places.length)
  const pairingBits = [PAIR_HELPER, PAIR_MEASURES, PAIR_FUNDS, PAIR_HELPER | PAIR_MEASURES | PAIR_FUNDS]
  const paired = pairingBits.map(() => new Int32Array(places.length))
  for (let h = 0; h < scan.households; h++) {
    const p = scan.placeOf[scan.hhFirst[h]]
    households[p]++
    const bits = scan.hhPairing[h]
    for (let k = 0; k < pairingBits.length; k++) if ((bits & pairingBits[k]) === pairingBits[k]) paired[k][p]++
  }
  // Summed by the notice's regions first (a province has 20,000 places and 88 counties).
  const groupIndex = new Map<string, number>()
  const groupOfPlace = Int32Array.from(places, (place) => {
    const code = place[level] ?? ''
    let g = groupIndex.get(code)
    if (g === undefined) groupIndex.set(code, (g = groupIndex.size))
    return g
  })
  const byGroup = (counts: Int32Array) => {
    const sums = new Float64Array(groupIndex.size)
    for (let p = 0; p < counts.length; p++) sums[groupOfPlace[p]] += counts[p]
    return sums
  }
  const perGroup: Array<[MetricCode, Float64Array]> = [
    ['registered', byGroup(persons)], ['poor', byGroup(statusCounts.poor)], ['exited', byGroup(statusCounts.exited)],
    ['returned', byGroup(statusCounts.returned)], ['monitored', byGroup(statusCounts.monitored)], ['households', byGroup(households)],
    ['helperRate', byGroup(paired[0])], ['measuresRate', byGroup(paired[1])], ['fundsRate', byGroup(paired[2])], ['pairingFullRate', byGroup(paired[3])],
    ...(previous ? [['newThisPeriod', byGroup(fresh)] as [MetricCode, Float64Array]] : []),
  ]
  const groupPersons = perGroup[0][1]
  const groupHouseholds = perGroup[5][1]
  for (const [code, g] of groupIndex) {
    if (groupPersons[g] === 0 && groupHouseholds[g] === 0) continue
    for (const [metric, sums] of perGroup) add(code, metric, sums[g])
  }
  // The task list's places: a village code names its township and county; only rows without one need the longer key.
  const placeKey = (p: Place) => p.village ?? `${p.county ?? ''}|${p.township ?? ''}|`
  const rosterPlaces = new Map<string, PlaceCount>()
  const pairingPlaces = new Map<string, PlaceCoverage>()
  for (let p = 0; p < places.length; p++) {
    const place = places[p]
    const key = placeKey(place)
    if (persons[p] > 0) {
      let r = rosterPlaces.get(key)
      if (!r) rosterPlaces.set(key, (r = { county: place.county, township: place.township, village: place.village, persons: 0, exited: 0 }))
      r.persons += persons[p]
      r.exited += statusCounts.exited[p]
    }
    if (households[p] > 0) {
      let c = pairingPlaces.get(key)
      if (!c) {
        c = { county: place.county, township: place.township, village: place.village, households: 0, withHelper: 0, withMeasures: 0, withFunds: 0, complete: 0 }
        pairingPlaces.set(key, c)
      }
      c.households += households[p]
      c.withHelper += paired[0][p]
      c.withMeasures += paired[1][p]
      c.withFunds += paired[2][p]
      c.complete += paired[3][p]
    }
  }
  if (previous) {
    for (const code of figures.keys()) {
      of(code).newThisPeriod ??= 0
      of(code).leftThisPeriod ??= 0
    }
    for (const [code, n] of scan.left) add(code, 'leftThisPeriod', n)
  }

  // Benefits by the rule file.
  const metricRules = new Map<string, number[]>()
  check.rules.forEach((r, i) => {
    if (r.metric && r.checked) metricRules.set(r.metric, [...(metricRules.get(r.metric) ?? []), i])
  })
  const entitled = check.rules.map((r, i) => ({ r, i })).filter(({ r }) => r.checked && r.level === 'entitled')
  const metricCounts = new Map<string, Map<string, [number, number]>>()
  for (const [code, tally] of check.byRegion) {
    add(code, 'benefitEligible', entitled.reduce((n, { i }) => n + tally.eligible[i], 0))
    add(code, 'benefitReceived', entitled.reduce((n, { i }) => n + tally.received[i], 0))
    add(code, 'violations', tally.violations)
    for (const [metric, indices] of metricRules) {
      const m = metricCounts.get(metric) ?? new Map<string, [number, number]>()
      metricCounts.set(metric, m)
      for (const key of [code, '']) {
        const [e, r] = m.get(key) ?? [0, 0]
        m.set(key, [e + indices.reduce((n, i) => n + tally.eligible[i], 0), r + indices.reduce((n, i) => n + tally.received[i], 0)])
      }
    }
  }
  // Off-roster recipients have no region of this level; they count in the total only.
  const offRoster = check.violationsByKind.off_roster + check.violationsByKind.left_roster
  if (offRoster > 0) of('').violations = ((of('').violations as number) ?? 0) + offRoster

  // Letters (责任状) issued to and signed by each region, and the region's tasks.
  const letters = letterStatus(db, { asOf })
  for (const l of letters.byRegion) {
    if (l.kind !== 'responsibility' || !l.regionCode || l.regionCode.length < len) continue
    add(l.regionCode.slice(0, len), 'lettersIssued', l.issued)
    add(l.regionCode.slice(0, len), 'lettersSigned', l.signed)
  }
  for (const t of listTasks(db, { asOf, places: { period, roster: [...rosterPlaces.values()], pairing: [...pairingPlaces.values()] } })) {
    if (t.regionCode.length < len) continue
    const code = t.regionCode.slice(0, len)
    add(code, 'tasks', 1)
    if (t.status === 'met') add(code, 'tasksMet', 1)
    if (t.status === 'overdue') add(code, 'tasksOverdue', 1)
  }

  // Rates from the counts.
  for (const [code, v] of figures) {
    const households = v.households as number | undefined
    for (const m of ['registered', 'poor', 'exited', 'returned', 'monitored'] as const) v[m] ??= 0
    v.exitRate = ratio(v.exited, v.registered)
    v.returnRate = ratio(v.returned, v.registered)
    v.helperRate = ratio(v.helperRate ?? 0, households)
    v.measuresRate = ratio(v.measuresRate ?? 0, households)
    v.fundsRate = ratio(v.fundsRate ?? 0, households)
    v.pairingFullRate = ratio(v.pairingFullRate ?? 0, households)
    v.benefitEligible ??= 0
    v.benefitReceived ??= 0
    v.violations ??= 0
    v.gaps = (v.benefitEligible as number) - (v.benefitReceived as number)
    v.benefitCoverage = ratio(v.benefitReceived, v.benefitEligible)
    for (const metric of ['deviceRate', 'housingRate', 'educationRate', 'literacyRate', 'trainingRate'] as const) {
      const [e, r] = metricCounts.get(metric)?.get(code) ?? [0, 0]
      v[metric] = e > 0 ? r / e : null
    }
    v.lettersIssued ??= 0
    v.lettersSigned ??= 0
    v.letterSignedRate = ratio(v.lettersSigned, v.lettersIssued)
    v.tasks ??= 0
    v.tasksMet ??= 0
    v.tasksOverdue ??= 0
    v.taskOnTrackRate = v.tasks ? 1 - (v.tasksOverdue as number) / (v.tasks as number) : null
  }
  return { figures, check, prior }
}

/**
 * Builds the progress notice of a period (default the newest) at a region level (default one below the area's).
 * @throws NotFoundError NO_ROSTER, PERIOD_NOT_FOUND; UsageError PERIOD_INVALID
 */
export async function progressReport(db: Db, options: ProgressOptions): Promise<ProgressReport> {
  const area = getArea(db)
  const period = options.period ? checkPeriod(options.period) : latestPeriod(db)
  // Only the names: listPeriods also counts each period's households, a scan per month.
  const periods = (db.prepare("SELECT DISTINCT period FROM import_batches WHERE kind = 'roster' AND status = 'active' AND accepted_rows > 0 ORDER BY period").all() as Array<{ period: string }>)
    .map((p) => p.period)
  if (!periods.includes(period)) {
    throw new NotFoundError('PERIOD_NOT_FOUND', `没有 ${period} 期的花名册`, { hint: `已导入的期别：${periods.join('、') || '无'}` })
  }
  const previous = periods.filter((p) => p < period).pop() ?? null
  const level = options.level ?? defaultLevel(area.level)
  const today = localDate(options.today)
  const asOf = asOfFor(period, today)
  // Computed once per state of the data: the same notice as a table, a PDF and a sheet reads the roster once.
  const key = ['progress', period, previous ?? '', level, options.rules.sha256, asOf, today].join('|')
  const stored = await cachedReport(db, key, async () => {
    const { figures, check, prior: before } = await periodFigures(db, period, previous, level, options.rules, asOf, options.today ?? new Date())
    const prior = previous ? before : null
    return {
      figures: [...figures], prior: prior ? [...prior] : null,
      check: { period: check.period, rules: check.rules, rulesName: check.rulesName },
    }
  })
  const current = { figures: new Map(stored.figures), check: stored.check }
  const prior = stored.prior ? { figures: new Map(stored.prior) } : null

  const codes = [...current.figures.keys()].filter((c) => c !== '').sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))
  const names = regionNames(db, codes.filter(Boolean))
  const regions = codes.map((code) => ({ code, name: names.get(code) ?? (code || BLANK_NAMES[level]), values: current.figures.get(code)! }))
  const notes = checkNotes(current.check)
  return {
    period, previous, level, levelName: GROUP_LEVEL_NAMES[level], area: { code: area.code, name: area.name, orgName: area.orgName }, asOf,
    regions, total: { code: area.code, name: `${{ province: '全省', city: '全市（州）', county: '全县', township: '全乡（镇）' }[area.level as string] ?? ''}合计`, values: current.figures.get('') ?? {} },
    previousValues: prior ? Object.fromEntries([...prior.figures].map(([code, v]) => [code, v])) : {},
    rules: current.check.rules, rulesName: current.check.rulesName, notes,
  }
}

function regionNames(db: Db, codes: string[]): Map<string, string> {
  const names = new Map<string, string>()
  const stmt = db.prepare('SELECT name FROM regions WHERE code = ?')
  for (const code of codes) {
    const row = stmt.get(code) as { name: string } | undefined
    if (row) names.set(code, row.name)
  }
  return names
}

// ───────────────────────────── presenting ─────────────────────────────

/** 83.5% from 0.835; '—' when there is no figure. */
export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)}%`
}

const count = (value: number | null | undefined) => (value === null || value === undefined ? '—' : String(value))

/** +1.2 个百分点 / -3 (人): the change of one figure since the previous period. */
export function change(metric: MetricCode, now: number | null | undefined, before: number | null | undefined): string {
  if (now === null || now === undefined || before === null || before === undefined) return '—'
  const info = METRICS[metric]
  if (info.kind === 'rate') {
    const d = (now - before) * 100
    return Math.abs(d) < 0.05 ? '持平' : `${d > 0 ? '+' : ''}${d.toFixed(1)}`
  }
  const d = now - before
  return d === 0 ? '持平' : `${d > 0 ? '+' : ''}${d}`
}

/** Is a rate below the plan's target (or the rule's)? */
export function belowTarget(metric: MetricCode, value: number | null | undefined, target?: number): boolean {
  const goal = target ?? ('target' in METRICS[metric] ? (METRICS[metric] as { target?: number }).target : undefined)
  if (goal === undefined || value === null || value === undefined) return false
  return METRICS[metric].better === 'higher' ? value < goal - 1e-9 : value > goal + 1e-9
}

/** The columns of the notice's main table: what a leader reads first. */
export const MAIN_COLUMNS: Array<{ metric: MetricCode; header: string; short: string; changeHeader?: string; terminal: boolean }> = [
  { metric: 'registered', header: '在册人数', short: '在册', changeHeader: '较上期', terminal: true },
  { metric: 'exited', header: '已脱贫', short: '已脱贫', terminal: false },
  { metric: 'returned', header: '返贫', short: '返贫', terminal: true },
  { metric: 'exitRate', header: '脱贫率', short: '脱贫率', changeHeader: '较上期(百分点)', terminal: true },
  { metric: 'pairingFullRate', header: '帮扶三到位', short: '三到位', terminal: true },
  { metric: 'benefitCoverage', header: '政策覆盖率', short: '政策覆盖', terminal: true },
  { metric: 'gaps', header: '应享未享', short: '应享未享', terminal: true },
  { metric: 'violations', header: '疑似违规', short: '疑似违规', terminal: true },
  { metric: 'deviceRate', header: '辅具适配率', short: '辅具适配', terminal: true },
  { metric: 'housingRate', header: '危改完成率', short: '危改', terminal: false },
  { metric: 'letterSignedRate', header: '责任状签订率', short: '责任状签订', terminal: true },
  { metric: 'tasksOverdue', header: '任务逾期', short: '任务逾期', terminal: true },
]

function cellText(metric: MetricCode, value: number | null | undefined): string {
  return METRICS[metric].kind === 'rate' ? percent(value) : count(value)
}

/** Rows of the main table (regions then the total), as text, with the cells below target marked. */
export function mainRows(report: ProgressReport): Array<{ code: string; name: string; cells: string[]; below: number[]; total: boolean }> {
  const rows = [...report.regions, report.total].map((r, index, all) => {
    const isTotal = index === all.length - 1
    const before = report.previousValues[isTotal ? '' : r.code]
    const cells: string[] = []
    const below: number[] = []
    for (const c of MAIN_COLUMNS) {
      const value = r.values[c.metric]
      if (belowTarget(c.metric, value as number | null)) below.push(cells.length)
      cells.push(cellText(c.metric, value as number | null))
      if (c.changeHeader) cells.push(report.previous ? change(c.metric, value as number | null, before?.[c.metric] as number | null) : '—')
    }
    return { code: r.code, name: r.name, cells, below, total: isTotal }
  })
  return rows
}

export function mainHeaders(report: ProgressReport): string[] {
  return [report.levelName.replace(/（.*）/, ''), ...MAIN_COLUMNS.flatMap((c) => (c.changeHeader ? [c.header, c.changeHeader] : [c.header]))]
}

/** Every figure of every region (and the change since the previous period), for XLSX/CSV. */
export function progressSheet(report: ProgressReport): { name: string; headers: string[]; rows: TableCell[][] } {
  const metrics = Object.keys(METRICS) as MetricCode[]
  const headers = ['区划代码', '地区', ...metrics.flatMap((m) => [METRICS[m].name, ...(report.previous ? [`${METRICS[m].name}（上期）`] : [])])]
  const rows = [...report.regions, report.total].map((r, index, all) => {
    const before = report.previousValues[index === all.length - 1 ? '' : r.code] ?? {}
    const round = (v: number | null | undefined, m: MetricCode) => (v === null || v === undefined ? null : METRICS[m].kind === 'rate' ? Math.round(v * 10000) / 10000 : v)
    return [r.code, r.name, ...metrics.flatMap((m) => [round(r.values[m] as number | null, m), ...(report.previous ? [round(before[m] as number | null, m)] : [])])]
  })
  return { name: `${report.period}通报`, headers, rows }
}

/** The rule table: who should receive what, how many do. */
export function ruleRows(report: ProgressReport): string[][] {
  return report.rules.map((r) => [
    r.title, r.benefit.name, r.level === 'entitled' ? '应享' : '核查', r.checked ? String(r.eligible) : '未检查', r.checked ? String(r.received) : '—',
    r.checked ? String(r.gaps) : '—', r.checked ? percent(r.rate) : '—',
  ])
}

function chineseMonth(period: string): string {
  const [y, m] = period.split('-')
  return `${y}年${Number(m)}月`
}

/** The summary paragraph a leader reads first, generated from the figures. */
export function summaryText(report: ProgressReport): string {
  const t = report.total.values
  const p = report.previousValues[''] ?? {}
  const parts: string[] = []
  const diff = (m: MetricCode) => {
    const now = t[m] as number | null | undefined
    const before = p[m] as number | null | undefined
    if (!report.previous || now === null || now === undefined || before === null || before === undefined) return ''
    if (METRICS[m].kind === 'rate') {
      const d = (now - before) * 100
      return Math.abs(d) < 0.05 ? '，与上期持平' : `，较上期${d > 0 ? '提高' : '下降'} ${Math.abs(d).toFixed(1)} 个百分点`
    }
    const d = now - before
    return d === 0 ? '，与上期持平' : `，较上期${d > 0 ? '增加' : '减少'} ${Math.abs(d)} 人`
  }
  parts.push(`截至${chineseMonth(report.period)}，${report.area.name}在册建档立卡贫困残疾人 ${t.registered ?? 0} 人（${t.households ?? 0} 户）${diff('registered')}`)
  if (report.previous) parts.push(`本期新增 ${t.newThisPeriod ?? 0} 人、减少 ${t.leftThisPeriod ?? 0} 人`)
  parts.push(`已脱贫 ${t.exited ?? 0} 人，脱贫率 ${percent(t.exitRate as number | null)}${diff('exitRate')}；返贫 ${t.returned ?? 0} 人`)
  parts.push(`结对帮扶“三到位”（有帮扶人、帮扶措施、帮扶资金）的户占 ${percent(t.pairingFullRate as number | null)}`)
  if (t.benefitEligible) {
    parts.push(`按比对规则应享政策 ${t.benefitEligible} 人次，已享 ${t.benefitReceived} 人次，覆盖率 ${percent(t.benefitCoverage as number | null)}，应享未享 ${t.gaps} 人次`)
  }
  if (t.violations) parts.push(`疑似违规享受 ${t.violations} 人次，请核实`)
  if (t.deviceRate !== null && t.deviceRate !== undefined) {
    const lagging = report.regions.filter((r) => belowTarget('deviceRate', r.values.deviceRate as number | null))
    parts.push(`辅助器具适配率 ${percent(t.deviceRate as number)}（计划目标 80%）` +
      (lagging.length > 0 ? `，${lagging.slice(0, 5).map((r) => r.name).join('、')}${lagging.length > 5 ? `等 ${lagging.length} 个地区` : ''}低于目标` : '，各地均已达到目标'))
  }
  if (t.lettersIssued) parts.push(`责任状已下发 ${t.lettersIssued} 份、签订 ${t.lettersSigned} 份`)
  if (t.tasks) parts.push(`${t.tasks} 项任务中已达标 ${t.tasksMet} 项、逾期 ${t.tasksOverdue} 项`)
  return parts.join('；') + '。'
}

/** The notice as a printable document: summary, main table, charts, rule table, notes. */
export function progressDocument(db: Db, report: ProgressReport, today = new Date()): ReportDocument {
  const issuer = getConfigValue(db, 'org.name') ?? report.area.orgName
  const headers = mainHeaders(report)
  const rows: ReportRow[] = mainRows(report).map((r) => ({ cells: [r.name, ...r.cells], highlight: r.below.map((i) => i + 1), total: r.total }))
  const chartOf = (metric: MetricCode, title: string, target?: number) => ({
    type: 'chart' as const,
    chart: {
      title, unit: '%',
      bars: report.regions.filter((r) => r.values[metric] !== null && r.values[metric] !== undefined)
        .map((r) => ({ label: r.name, value: Math.round((r.values[metric] as number) * 1000) / 10, highlight: belowTarget(metric, r.values[metric] as number, target) })),
      ...(target !== undefined ? { target: { value: target * 100, label: `目标 ${target * 100}%` } } : {}),
      max: 100,
    },
  })
  const device = report.rules.find((r) => r.metric === 'deviceRate')
  return {
    title: `${report.area.name}助残脱贫工作进展情况通报`,
    subtitle: `（${chineseMonth(report.period)}）`,
    issuer,
    date: localDate(today),
    orientation: 'landscape',
    blocks: [
      { type: 'heading', text: '一、总体情况' },
      { type: 'paragraph', text: summaryText(report) },
      { type: 'heading', text: `二、分${report.levelName.replace(/（.*）/, '')}情况` },
      {
        type: 'table',
        table: {
          title: `表1  ${chineseMonth(report.period)}各${report.levelName.replace(/（.*）/, '')}主要指标`,
          columns: headers.map((h, i) => ({ header: h, align: i === 0 ? ('left' as const) : ('right' as const), width: i === 0 ? 2 : 1 })),
          rows,
          note: `注：标红的为低于计划目标的指标（脱贫率、帮扶三到位、政策覆盖率、责任状签订率目标 100%，辅具适配率目标 80%）；“较上期”与 ${report.previous ?? '上期'} 比较；“—”表示无数据。`,
        },
      },
      ...(report.regions.some((r) => r.values.deviceRate !== null && r.values.deviceRate !== undefined)
        ? [chartOf('deviceRate', '图1  辅助器具适配率', device?.target ?? 0.8)] : []),
      chartOf('exitRate', `图${report.regions.some((r) => r.values.deviceRate != null) ? 2 : 1}  脱贫率`),
      { type: 'heading', text: '三、政策落实比对情况' },
      {
        type: 'table',
        table: {
          title: `表2  应享未享比对（规则：${report.rulesName}）`,
          columns: [
            { header: '规则', width: 5 }, { header: '政策', width: 2 }, { header: '级别', align: 'center' }, { header: '符合条件', align: 'right' },
            { header: '已享受', align: 'right' }, { header: '未享受', align: 'right' }, { header: '覆盖率', align: 'right' },
          ],
          rows: ruleRows(report).map((cells, i) => {
            const r = report.rules[i]
            return { cells, highlight: r.checked && r.rate !== null && r.rate < (r.target ?? 1) - 1e-9 ? [6] : undefined }
          }),
          note: '注：“核查”为可能符合条件、需入户核实的对象，不计入政策覆盖率；“未检查”为尚未导入该项政策名单。',
        },
      },
      ...(report.notes.length > 0 ? [{ type: 'heading' as const, text: '四、需要说明的情况' }, ...report.notes.map((n) => ({ type: 'paragraph' as const, text: n }))] : []),
    ],
  }
}

/** JSON for --json: figures by region with the previous period's next to them. */
export function presentProgress(report: ProgressReport) {
  return {
    period: report.period, previous: report.previous, level: report.level, area: report.area, asOf: report.asOf,
    regions: report.regions.map((r) => ({ ...r, previous: report.previousValues[r.code] ?? null })),
    total: { ...report.total, previous: report.previousValues[''] ?? null },
    rules: report.rules, rulesName: report.rulesName, notes: report.notes, summary: summaryText(report),
  }
}


/**
 * The main table for a terminal (fewer columns than the PDF, so that it fits an office PC's console):
 * rows keyed c0…, with ▼ after figures below target.
 */
export function progressTable(report: ProgressReport): { rows: Array<Record<string, string>>; columns: Array<{ key: string; header: string; align: 'left' | 'right' }> } {
  const keep: number[] = []
  const headers: string[] = []
  let cell = 0
  for (const c of MAIN_COLUMNS) {
    if (c.terminal) keep.push(cell)
    if (c.terminal) headers.push(c.short)
    cell++
    if (c.changeHeader) {
      if (c.terminal) keep.push(cell)
      if (c.terminal) headers.push('较上期')
      cell++
    }
  }
  return {
    rows: mainRows(report).map((r) => Object.fromEntries([['c0', r.name], ...keep.map((i, k) => [`c${k + 1}`, r.below.includes(i) ? `${r.cells[i]}▼` : r.cells[i]])])),
    columns: [{ key: 'c0', header: '地区', align: 'left' as const }, ...headers.map((h, k) => ({ key: `c${k + 1}`, header: h, align: 'right' as const }))],
  }
}
