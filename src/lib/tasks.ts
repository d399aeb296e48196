/**
 * 任务: the plan's actions assigned to regions and units with targets and deadlines, cascaded level
 * by level (层层分解任务), with hand-entered progress and the indicators the roster can compute.
 *
 * Splitting a target between subordinate regions uses the largest-remainder method in exact integer
 * arithmetic: every child gets the floor of its quota, and the units left over go to the largest
 * remainders, so the children always add up to the parent. Count-like units (人, 户, 个 …) split in
 * whole numbers, amounts (万元 …) in hundredths; a rate (%) does not split and is copied.
 */
import { basename } from 'node:path'
import { z } from 'zod'
import { getArea } from './area.js'
import { recordAudit } from './audit.js'
import { findAction, findIndicator, type IndicatorItem } from './catalog.js'
import type { Db } from './db.js'
import { ConflictError, NotFoundError, UsageError, ValidationError } from './errors.js'
import { toHalfWidth } from './idcard.js'
import { coverageFrom, pairingCoverageByPlace, type PlaceCoverage } from './pairing.js'
import { LEVEL_NAMES, normalizeRegionCode, type RegionLevel, shortNamesOf } from './regions.js'
import { latestPeriod, PERIOD_ROWS, periodParams } from './roster-query.js'
import { openTable } from './table-reader.js'
import { ensureGovernmentUnit, findUnit, resolveDbRegion } from './units.js'

// ---------------------------------------------------------------------------------------------
// Targets and splitting

/** Units counted in whole numbers; their targets split into integers. */
export const COUNT_UNITS: ReadonlySet<string> = new Set(['人', '户', '个', '家', '所', '名', '项', '处', '次', '人次', '户次', '套', '件', '座', '间', '场', '期', '班', '村', '乡镇'])

export type TargetKind = 'count' | 'rate' | 'amount'

/** ％, 百分比 → %; otherwise trimmed. */
export function normalizeTargetUnit(unit: string): string {
  const text = toHalfWidth(unit).trim()
  return text === '百分比' || text === '百分率' ? '%' : text
}

/** count: whole numbers (人, 户, 个 …); rate: % (never split); amount: anything else, in hundredths. */
export function targetKind(unit: string | null): TargetKind {
  if (!unit) return 'amount'
  const u = normalizeTargetUnit(unit)
  if (u === '%') return 'rate'
  return COUNT_UNITS.has(u) ? 'count' : 'amount'
}

const DECIMALS: Record<Exclude<TargetKind, 'rate'>, number> = { count: 0, amount: 2 }

/**
 * Splits `total` in proportion to integer `weights` by the largest-remainder method, at `decimals`
 * places; the parts always sum exactly to the total. Ties go to the larger weight, then to the
 * earlier position (regions are passed in code order).
 * @throws ValidationError SPLIT_NO_WEIGHT when every weight is 0; SPLIT_NOT_EXACT when the total has more places than `decimals`
 */
export function splitTarget(total: number, weights: number[], decimals = 0): number[] {
  const scale = 10 ** decimals
  const scaled = Math.round(total * scale)
  if (Math.abs(scaled - total * scale) > 1e-6 * Math.max(1, Math.abs(total * scale))) {
    throw new ValidationError('SPLIT_NOT_EXACT', `目标值 ${total} 的小数位多于 ${decimals} 位，无法按整数分解`)
  }
  if (weights.some((w) => !Number.isInteger(w) || w < 0)) throw new ValidationError('SPLIT_BAD_WEIGHT', '分解权重应为非负整数')
  const sumWeights = weights.reduce((a, b) => a + b, 0)
  if (weights.length === 0 || sumWeights === 0) {
    throw new ValidationError('SPLIT_NO_WEIGHT', '所有下级区划的权重都是 0，无法按比例分解', { hint: '改用 --split even（平均分配）或 --split file（按文件指定）' })
  }
  const T = BigInt(scaled)
  const W = BigInt(sumWeights)
  const parts = weights.map((w, index) => {
    const numerator = T * BigInt(w)
    const floor = numerator / W
    return { index, weight: w, floor, remainder: numerator - floor * W }
  })
  let left = T - parts.reduce((acc, p) => acc + p.floor, 0n)
  const order = [...parts].sort((a, b) => (a.remainder === b.remainder ? b.weight - a.weight || a.index - b.index : a.remainder > b.remainder ? -1 : 1))
  for (const part of order) {
    if (left <= 0n) break
    part.floor += 1n
    left -= 1n
  }
  return parts.map((p) => Number(p.floor) / scale)
}

/** ≥ 80%, ≤ 0 人, = 1 个. */
export function formatTarget(value: number | null, unit: string | null, comparison = '>='): string {
  if (value === null) return ''
  const sign = comparison === '>=' ? '≥' : comparison === '<=' ? '≤' : '='
  return `${sign} ${formatValue(value, unit)}`
}

export function formatValue(value: number | null, unit: string | null): string {
  if (value === null) return ''
  const text = Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100)
  return unit === '%' ? `${text}%` : `${text}${unit ? ` ${unit}` : ''}`
}

// ---------------------------------------------------------------------------------------------
// Input checks

/** 2020-12-31, 2020/12/31, 2020.12.31, 2020年12月31日 → 2020-12-31; null when not a real date. */
export function normalizeDate(text: string): string | null {
  const m = toHalfWidth(text).trim().match(/^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/)
  if (!m) return null
  const iso = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`
  const date = new Date(`${iso}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso ? iso : null
}

/** Today in local time as YYYY-MM-DD. */
export function today(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`
}

function parseNumber(text: string | number, what: string, code: string): number {
  const value = typeof text === 'number' ? text : Number(toHalfWidth(text).trim().replace(/%$/, ''))
  if (typeof text === 'string' && !toHalfWidth(text).trim()) throw new UsageError(code, `${what}不能为空`)
  if (!Number.isFinite(value)) throw new UsageError(code, `${what}「${text}」不是数字`)
  return value
}

/** Checks a value against its unit: not negative, a whole number for counts, at most 100 for a rate. */
function checkValue(value: number, unit: string | null, what: string, code: string): void {
  if (value < 0) throw new UsageError(code, `${what}不能为负数（收到 ${value}）`)
  const kind = targetKind(unit)
  if (kind === 'count' && !Number.isInteger(value)) throw new UsageError(code, `${what}以「${unit}」计，应为整数（收到 ${value}）`)
  if (kind === 'rate' && value > 100) throw new UsageError(code, `${what}是百分比，不能超过 100（收到 ${value}）`)
}

/** 12, T12, T-12 → 12. @throws UsageError TASK_ID_INVALID */
export function parseTaskId(text: string | number): number {
  const m = String(text).trim().match(/^(?:T-?)?(\d+)$/i)
  if (!m) throw new UsageError('TASK_ID_INVALID', `「${text}」不是任务编号（应为数字，如 12）`, { hint: '用 `cjfp task list` 查看任务编号' })
  return Number(m[1])
}

export const AssignInputSchema = z.object({
  action: z.string().trim().min(1, '缺少行动编号'),
  region: z.string().trim().min(1, '缺少区划'),
  unit: z.string().trim().min(1).optional(),
  indicator: z.string().trim().min(1).optional(),
  target: z.union([z.string(), z.number()]).optional(),
  targetUnit: z.string().trim().min(1).optional(),
  comparison: z.enum(['>=', '<=', '=']).optional(),
  deadline: z.string().trim().min(1).optional(),
  title: z.string().trim().min(1).max(200, '任务名称不能超过 200 个字').optional(),
})
export type AssignInput = z.input<typeof AssignInputSchema>

/** What an indicator fills in when the flags leave it out. @throws NotFoundError INDICATOR_NOT_FOUND */
export function indicatorDefaults(db: Db, indicator: string | undefined): { target?: number; targetUnit?: string; deadline?: string; comparison?: string } {
  if (!indicator) return {}
  const i = findIndicator(db, indicator)
  return { target: i.target ?? undefined, targetUnit: i.unit, deadline: i.deadline ?? undefined, comparison: i.comparison }
}

// ---------------------------------------------------------------------------------------------
// Reading tasks

export type TaskStatus = 'met' | 'unmet' | 'overdue' | 'cancelled'
export const TASK_STATUS_NAMES: Record<TaskStatus, string> = { met: '达标', unmet: '未达标', overdue: '逾期', cancelled: '已撤销' }
export type ActualSource = 'computed' | 'progress' | 'children'

export interface TaskView {
  id: number
  parentId: number | null
  title: string
  actionCode: string | null
  actionTitle: string | null
  regionCode: string
  regionName: string
  regionLevel: RegionLevel
  unitId: number | null
  unitName: string | null
  indicatorCode: string | null
  indicatorName: string | null
  target: number | null
  targetUnit: string | null
  comparison: '>=' | '<=' | '='
  deadline: string | null
  /** The value status is judged on: computed from the data, else the latest progress, else the children's sum. */
  actual: number | null
  actualSource: ActualSource | null
  actualNote: string | null
  computedValue: number | null
  progressValue: number | null
  progressAt: string | null
  status: TaskStatus
  statusName: string
  overdue: boolean
  children: number
  splitMethod: string | null
  splitBasis: string | null
  createdAt: string
  createdBy: string
}

interface TaskRow {
  id: number; parent_id: number | null; title: string; action_code: string | null; action_title: string | null
  region_code: string; region_name: string; region_level: RegionLevel; unit_id: number | null; unit_name: string | null
  indicator_code: string | null; indicator_name: string | null; indicator_computed: number | null
  target_value: number | null; target_unit: string | null; comparison: '>=' | '<=' | '='; deadline: string | null
  split_method: string | null; split_basis: string | null; status: 'open' | 'done' | 'cancelled'
  progress_value: number | null; progress_at: string | null; children: number; created_at: string; created_by: string
}

const TASK_SQL = `SELECT t.id, t.parent_id, t.title, t.action_code, a.title AS action_title, t.region_code, r.name AS region_name,
    r.level AS region_level, t.unit_id, u.name AS unit_name, t.indicator_code, i.name AS indicator_name, i.computed AS indicator_computed,
    t.target_value, t.target_unit, t.comparison, t.deadline, t.split_method, t.split_basis, t.status, t.created_at, t.created_by,
    p.value AS progress_value, p.recorded_at AS progress_at,
    (SELECT count(*) FROM tasks c WHERE c.parent_id = t.id AND c.status <> 'cancelled') AS children
  FROM tasks t
  JOIN regions r ON r.code = t.region_code
  LEFT JOIN actions a ON a.code = t.action_code
  LEFT JOIN units u ON u.id = t.unit_id
  LEFT JOIN indicators i ON i.code = t.indicator_code
  LEFT JOIN task_progress p ON p.id = (SELECT max(id) FROM task_progress WHERE task_id = t.id)`

/** Indicators the tool knows how to compute from its own data. */
const COMPUTABLE: Record<string, string> = {
  exit_rate: '由花名册计算',
  pairing_coverage: '由花名册和结对帮扶名单计算',
}
const NOT_YET_COMPUTABLE: Record<string, string> = {
  device_fitting_rate: '辅助器具适配率待导入辅助器具适配名单后自动计算；目前以手工填报为准',
}

export interface PlaceCount { county: string | null; township: string | null; village: string | null; persons: number; exited: number }

/** Head counts and pairing coverage by place that a caller has already read (the progress notice's scan of the period). */
export interface PlaceFigures {
  period: string
  roster: PlaceCount[]
  pairing: PlaceCoverage[]
}


/** Head counts and 已脱贫 counts of one period, grouped by village, within a region code prefix. */
function rosterPlaceCounts(db: Db, period: string, prefix: string): PlaceCount[] {
  const exited = (db.prepare("SELECT name FROM poverty_statuses WHERE kind = 'exited'").all() as Array<{ name: string }>).map((r) => r.name)
  const params: Record<string, string | number> = { ...periodParams(db, period), prefix, len: prefix.length }
  exited.forEach((name, i) => (params[`ex${i}`] = name))
  const list = exited.length ? exited.map((_, i) => `@ex${i}`).join(', ') : 'NULL'
  return db
    .prepare(`SELECT county_code AS county, township_code AS township, village_code AS village, count(*) AS persons,
        sum(poverty_status IN (${list})) AS exited
      FROM roster_entries WHERE ${PERIOD_ROWS} AND substr(county_code, 1, @len) = @prefix
      GROUP BY county_code, township_code, village_code`)
    .all(params) as PlaceCount[]
}

/**
 * Sums of figures by place for every region code a task can name: a county code and its province and
 * city prefixes (counties and above count by county code), a township's and a village's own code.
 * A province's hundreds of tasks each look their region up instead of walking 20,000 places.
 */
function regionSums<K extends string>(places: Array<{ county: string | null; township: string | null; village: string | null } & Record<K, number>>, keys: K[]): Map<string, Record<K, number>> {
  const sums = new Map<string, Record<K, number>>()
  const addTo = (code: string, place: Record<K, number>) => {
    let sum = sums.get(code)
    if (!sum) sums.set(code, (sum = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>))
    for (const k of keys) sum[k] += place[k] ?? 0
  }
  for (const place of places) {
    if (place.county) for (const len of [2, 4, 6]) if (place.county.length >= len) addTo(place.county.slice(0, len), place)
    if (place.township) addTo(place.township, place)
    if (place.village) addTo(place.village, place)
  }
  return sums
}

/** The newest roster period, or the newest on or before the month of `asOf`; null when there is none. */
function rosterPeriodFor(db: Db, asOf: string | undefined): string | null {
  if (!asOf) {
    try {
      return latestPeriod(db)
    } catch (error) {
      if (error instanceof NotFoundError) return null
      throw error
    }
  }
  const row = db
    .prepare("SELECT max(period) AS period FROM import_batches WHERE kind = 'roster' AND status = 'active' AND accepted_rows > 0 AND period <= ?")
    .get(asOf.slice(0, 7)) as { period: string | null }
  return row.period
}

function compare(actual: number, target: number, comparison: string): boolean {
  const eps = 1e-9
  if (comparison === '<=') return actual <= target + eps
  if (comparison === '=') return Math.abs(actual - target) <= eps
  return actual >= target - eps
}

/** 达标 when the actual meets the target; else 逾期 once the deadline has passed; else 未达标. */
export function taskStatus(task: { actual: number | null; target: number | null; comparison: string; deadline: string | null; cancelled?: boolean }, asOf: string): TaskStatus {
  if (task.cancelled) return 'cancelled'
  if (task.actual !== null && task.target !== null && compare(task.actual, task.target, task.comparison)) return 'met'
  if (task.deadline && asOf > task.deadline) return 'overdue'
  return 'unmet'
}

export interface TaskFilter {
  region?: string
  action?: string
  parent?: number
  overdue?: boolean
  status?: TaskStatus
  includeCancelled?: boolean
  /** YYYY-MM-DD; default today. Judges deadlines and picks the roster period for computed indicators. */
  asOf?: string
  /** The period's figures by place when the caller has them, so the roster is not read again. */
  places?: PlaceFigures
}

function checkAsOf(asOf: string | undefined): string {
  if (asOf === undefined) return today()
  const iso = normalizeDate(asOf)
  if (!iso) throw new UsageError('AS_OF_INVALID', `「${asOf}」不是有效日期，应写成 年-月-日，如 2020-12-31`)
  return iso
}

/**
 * Turns task rows into views: actuals (computed, progress, or the children's sum for counts and
 * amounts) and status. Reads the roster once when any row needs it.
 */
function presentTasks(db: Db, rows: TaskRow[], asOfInput: string | undefined, known?: PlaceFigures): TaskView[] {
  const asOf = checkAsOf(asOfInput)
  const computed = new Map<number, { value: number | null; note: string }>()
  const needsRoster = rows.filter((r) => r.indicator_code && COMPUTABLE[r.indicator_code] && r.indicator_computed)
  if (needsRoster.length) {
    const period = rosterPeriodFor(db, asOfInput ? asOf : undefined)
    const area = getArea(db)
    const given = known && known.period === period ? known : null
    const places = given ? given.roster : period ? rosterPlaceCounts(db, period, area.code) : []
    // Pairing coverage of every place at once: a province's hundreds of tasks each need a region's sum.
    let pairingSums: Map<string, Record<'households' | 'withHelper' | 'withMeasures' | 'withFunds' | 'complete', number>> | null = null
    let rosterSums: Map<string, Record<'persons' | 'exited', number>> | null = null
    for (const row of needsRoster) {
      if (!period) {
        computed.set(row.id, { value: null, note: asOfInput ? `${asOf.slice(0, 7)} 及以前没有花名册，无法计算` : '还没有导入花名册，无法计算' })
        continue
      }
      if (row.indicator_code === 'pairing_coverage') {
        pairingSums ??= regionSums(given ? given.pairing : pairingCoverageByPlace(db, period), ['households', 'withHelper', 'withMeasures', 'withFunds', 'complete'])
        const c = coverageFrom(pairingSums.get(row.region_code))
        computed.set(row.id, c.households
          ? { value: c.rate, note: `${period} 期花名册：${row.region_name} ${c.households} 户，帮扶人、帮扶措施、帮扶资金齐全 ${c.complete} 户` }
          : { value: null, note: `${period} 期花名册中${row.region_name}没有登记的户` })
        continue
      }
      rosterSums ??= regionSums(places, ['persons', 'exited'])
      const { persons, exited } = rosterSums.get(row.region_code) ?? { persons: 0, exited: 0 }
      computed.set(row.id, persons
        ? { value: Math.round((exited / persons) * 10000) / 100, note: `${period} 期花名册：${row.region_name}登记 ${persons} 人，已脱贫 ${exited} 人` }
        : { value: null, note: `${period} 期花名册中${row.region_name}没有登记人员` })
    }
  }
  // Children's sums for counts and amounts: every live task's own actual, summed up the tree.
  const graph = db.prepare("SELECT t.id, t.parent_id, t.target_unit, (SELECT value FROM task_progress WHERE task_id = t.id ORDER BY id DESC LIMIT 1) AS progress FROM tasks t WHERE t.status <> 'cancelled'")
    .all() as Array<{ id: number; parent_id: number | null; target_unit: string | null; progress: number | null }>
  const kids = new Map<number, typeof graph>()
  for (const t of graph) if (t.parent_id !== null) kids.set(t.parent_id, [...(kids.get(t.parent_id) ?? []), t])
  const rolled = new Map<number, { value: number | null; reported: number; total: number }>()
  const rollUp = (id: number): { value: number | null; reported: number; total: number } => {
    if (rolled.has(id)) return rolled.get(id)!
    const children = kids.get(id) ?? []
    let value: number | null = null
    let reported = 0
    for (const child of children) {
      const sub = child.progress ?? (kids.has(child.id) ? rollUp(child.id).value : null)
      if (sub === null) continue
      reported++
      value = (value ?? 0) + sub
    }
    const result = { value, reported, total: children.length }
    rolled.set(id, result)
    return result
  }

  return rows.map((row): TaskView => {
    const fromData = computed.get(row.id)
    const notYet = row.indicator_code && row.indicator_computed && !COMPUTABLE[row.indicator_code]
      ? NOT_YET_COMPUTABLE[row.indicator_code] ?? '本工具尚不能由数据计算此指标；目前以手工填报为准'
      : null
    let actual: number | null = null
    let source: ActualSource | null = null
    let note: string | null = fromData?.note ?? notYet
    if (fromData?.value !== undefined && fromData.value !== null) {
      actual = fromData.value
      source = 'computed'
    } else if (row.progress_value !== null) {
      actual = row.progress_value
      source = 'progress'
    } else if (targetKind(row.target_unit) !== 'rate' && row.children > 0) {
      const sum = rollUp(row.id)
      if (sum.value !== null) {
        actual = sum.value
        source = 'children'
        note = `下级 ${sum.total} 个任务中 ${sum.reported} 个已填报，合计`
      }
    }
    const cancelled = row.status === 'cancelled'
    const status = taskStatus({ actual, target: row.target_value, comparison: row.comparison, deadline: row.deadline, cancelled }, asOf)
    return {
      id: row.id, parentId: row.parent_id, title: row.title, actionCode: row.action_code, actionTitle: row.action_title,
      regionCode: row.region_code, regionName: row.region_name, regionLevel: row.region_level, unitId: row.unit_id, unitName: row.unit_name,
      indicatorCode: row.indicator_code, indicatorName: row.indicator_name, target: row.target_value, targetUnit: row.target_unit,
      comparison: row.comparison, deadline: row.deadline, actual, actualSource: source, actualNote: note,
      computedValue: fromData?.value ?? null, progressValue: row.progress_value, progressAt: row.progress_at,
      status, statusName: TASK_STATUS_NAMES[status], overdue: status === 'overdue', children: row.children,
      splitMethod: row.split_method, splitBasis: row.split_basis, createdAt: row.created_at, createdBy: row.created_by,
    }
  })
}

/**
 * Tasks with their actuals and status, in region order, parents before their children.
 * @throws UsageError AS_OF_INVALID; NotFoundError REGION_NOT_FOUND, ACTION_NOT_FOUND
 */
export function listTasks(db: Db, filter: TaskFilter = {}): TaskView[] {
  const region = filter.region ? resolveDbRegion(db, filter.region).code : null
  const action = filter.action ? findAction(db, filter.action).code : null
  const rows = db
    .prepare(`${TASK_SQL}
      WHERE (@region IS NULL OR substr(t.region_code, 1, length(@region)) = @region)
        AND (@action IS NULL OR t.action_code = @action)
        AND (@parent IS NULL OR t.parent_id = @parent)
        AND (@all = 1 OR t.status <> 'cancelled')
      ORDER BY length(t.region_code), t.action_code, t.region_code, t.id`)
    .all({ region, action, parent: filter.parent ?? null, all: filter.includeCancelled ? 1 : 0 }) as TaskRow[]
  let views = presentTasks(db, rows, filter.asOf, filter.places)
  if (filter.overdue) views = views.filter((t) => t.status === 'overdue')
  if (filter.status) views = views.filter((t) => t.status === filter.status)
  return views
}

function taskRow(db: Db, id: number): TaskRow {
  const row = db.prepare(`${TASK_SQL} WHERE t.id = ?`).get(id) as TaskRow | undefined
  if (!row) throw new NotFoundError('TASK_NOT_FOUND', `找不到任务 ${id}`, { hint: '用 `cjfp task list` 查看现有任务' })
  return row
}

/** One task as a view. @throws NotFoundError TASK_NOT_FOUND */
export function getTask(db: Db, id: number | string, asOf?: string): TaskView {
  return presentTasks(db, [taskRow(db, parseTaskId(id))], asOf)[0]
}

export interface ProgressEntry {
  id: number
  taskId: number
  value: number
  note: string | null
  recordedAt: string
  recordedBy: string
}

export interface TaskDetail extends TaskView {
  parent: { id: number; title: string; regionName: string } | null
  subtasks: TaskView[]
  progress: ProgressEntry[]
}

/** A task with its parent, children and whole progress history. @throws NotFoundError TASK_NOT_FOUND */
export function showTask(db: Db, idText: number | string, asOf?: string): TaskDetail {
  const id = parseTaskId(idText)
  const task = getTask(db, id, asOf)
  const parent = task.parentId === null ? null : getTask(db, task.parentId, asOf)
  const progress = db
    .prepare('SELECT id, task_id AS taskId, value, note, recorded_at AS recordedAt, recorded_by AS recordedBy FROM task_progress WHERE task_id = ? ORDER BY id')
    .all(id) as ProgressEntry[]
  return {
    ...task,
    parent: parent && { id: parent.id, title: parent.title, regionName: parent.regionName },
    subtasks: listTasks(db, { parent: id, asOf }),
    progress,
  }
}

// ---------------------------------------------------------------------------------------------
// Writing tasks

/**
 * Assigns one of the plan's actions to a region and unit with a target and deadline. A missing unit
 * means the region's local government (added on first use). Flags the indicator leaves out come
 * from it (target, unit, comparison, deadline).
 * @throws UsageError TASK_INPUT_INVALID, REGION_OUTSIDE_AREA; NotFoundError ACTION_NOT_FOUND,
 *   INDICATOR_NOT_FOUND, REGION_NOT_FOUND, UNIT_NOT_FOUND; ConflictError TASK_EXISTS
 */
export function assignTask(db: Db, input: AssignInput, operator: string): { task: TaskView; unitCreated: boolean; warnings: string[] } {
  const parsed = AssignInputSchema.safeParse(input)
  if (!parsed.success) throw new UsageError('TASK_INPUT_INVALID', parsed.error.issues[0].message)
  const data = parsed.data
  const action = findAction(db, data.action)
  const indicator: IndicatorItem | null = data.indicator ? findIndicator(db, data.indicator) : null
  const region = resolveDbRegion(db, data.region)
  const area = getArea(db)
  if (!region.code.startsWith(area.code)) {
    throw new UsageError('REGION_OUTSIDE_AREA', `${region.name} 不在本库辖区（${area.name}）内`, { hint: '任务只能分配给本辖区及其下级区划' })
  }
  const targetUnit = normalizeTargetUnit(data.targetUnit ?? indicator?.unit ?? '')
  if (!targetUnit) throw new UsageError('TASK_INPUT_INVALID', '缺少目标值的计量单位（如 %、人、户、个）', { hint: '用 --target-unit 给出' })
  const rawTarget = data.target ?? indicator?.target ?? undefined
  if (rawTarget === undefined) throw new UsageError('TASK_INPUT_INVALID', '缺少目标值', { hint: '用 --target 给出' })
  const target = parseNumber(rawTarget, '目标值', 'TASK_INPUT_INVALID')
  checkValue(target, targetUnit, '目标值', 'TASK_INPUT_INVALID')
  const rawDeadline = data.deadline ?? indicator?.deadline ?? undefined
  if (!rawDeadline) throw new UsageError('TASK_INPUT_INVALID', '缺少截止日期', { hint: '用 --deadline 给出，如 2020-12-31' })
  const deadline = normalizeDate(rawDeadline)
  if (!deadline) throw new UsageError('TASK_INPUT_INVALID', `截止日期「${rawDeadline}」无效，应写成 年-月-日，如 2020-12-31`)
  const comparison = data.comparison ?? (indicator?.comparison as '>=' | '<=' | '=' | undefined) ?? '>='
  const title = data.title ?? (indicator ? `${action.title}：${indicator.name}` : action.title)
  const unit = data.unit ? findUnit(db, data.unit) : null

  const warnings: string[] = []
  if (indicator?.actionCode && indicator.actionCode !== action.code) warnings.push(`指标 ${indicator.code} 在计划中属于行动 ${indicator.actionCode}，不是 ${action.code}`)
  if (indicator && indicator.unit !== targetUnit) warnings.push(`指标 ${indicator.code} 的计量单位是「${indicator.unit}」，本任务用「${targetUnit}」`)

  return db.transaction(() => {
    const duplicate = db
      .prepare(`SELECT id FROM tasks WHERE action_code = @action AND region_code = @region AND status <> 'cancelled' AND parent_id IS NULL
        AND (indicator_code = @indicator OR (@indicator IS NULL AND indicator_code IS NULL AND title = @title))`)
      .get({ action: action.code, region: region.code, indicator: indicator?.code ?? null, title }) as { id: number } | undefined
    if (duplicate) {
      throw new ConflictError('TASK_EXISTS', `${region.name} 已有同一行动、同一指标的任务（编号 ${duplicate.id}）`, {
        hint: `用 \`cjfp task show ${duplicate.id}\` 查看；确需重新分配，先用 \`cjfp task cancel ${duplicate.id}\` 撤销`,
      })
    }
    const government = unit ? null : ensureGovernmentUnit(db, region, operator)
    const id = Number(
      db.prepare(`INSERT INTO tasks (action_code, region_code, unit_id, indicator_code, title, target_value, target_unit, comparison, deadline, created_at, created_by)
        VALUES (@action, @region, @unit, @indicator, @title, @target, @targetUnit, @comparison, @deadline, @at, @operator)`)
        .run({
          action: action.code, region: region.code, unit: unit?.id ?? government!.id, indicator: indicator?.code ?? null, title, target, targetUnit,
          comparison, deadline, at: new Date().toISOString(), operator,
        }).lastInsertRowid,
    )
    recordAudit(db, operator, 'task.assign', String(id), { action: action.code, region: region.code, unit: unit?.name ?? government!.name, indicator: indicator?.code ?? null, target, targetUnit, deadline })
    return { task: getTask(db, id), unitCreated: government?.created ?? false, warnings }
  })()
}

export type SplitMethod = 'proportional' | 'even' | 'file'
export const CASCADE_LEVELS = { cities: '市州（含省直管县）', counties: '县（市、区）', townships: '乡镇（街道）' } as const
export type CascadeLevel = keyof typeof CASCADE_LEVELS
const NEXT_LEVEL: Partial<Record<RegionLevel, { to: CascadeLevel; levels: RegionLevel[] }>> = {
  // 仁怀市 and 威宁县 report to the province directly, so they sit beside the cities.
  province: { to: 'cities', levels: ['city', 'county'] },
  city: { to: 'counties', levels: ['county'] },
  county: { to: 'townships', levels: ['township'] },
}

export interface CascadeOptions {
  to: CascadeLevel
  split?: SplitMethod
  file?: string
  force?: boolean
}

export interface CascadeChild {
  id: number
  regionCode: string
  regionName: string
  unitName: string
  target: number | null
  /** Persons on the roster (proportional), 1 (even), or null. */
  weight: number | null
}

export interface CascadeResult {
  parent: TaskView
  to: CascadeLevel
  split: SplitMethod | 'copy'
  basis: string | null
  rosterPeriod: string | null
  children: CascadeChild[]
  childrenTotal: number | null
  replaced: number
  unitsCreated: number
  warnings: string[]
}

interface ChildRegion { code: string; name: string; level: RegionLevel }

/** The regions that report to this one, at the level a cascade goes to. */
function subordinateRegions(db: Db, region: { code: string; level: RegionLevel }, levels: RegionLevel[]): ChildRegion[] {
  return (db.prepare(`SELECT code, name, level FROM regions WHERE reports_to = ? ORDER BY code`).all(region.code) as ChildRegion[])
    .filter((r) => levels.includes(r.level))
}

/** Persons per child region in the latest period; rows matched to the child with the longest code prefix. */
function rosterWeights(db: Db, parentCode: string, children: ChildRegion[]): { period: string; weights: number[]; unassigned: number } {
  const period = rosterPeriodFor(db, undefined)
  if (!period) {
    throw new NotFoundError('NO_ROSTER', '按比例分解需要花名册，但还没有导入任何花名册', {
      hint: '先用 `cjfp roster import` 导入花名册，或改用 --split even（平均）/ --split file（按文件）',
    })
  }
  const rows = db
    .prepare(`SELECT coalesce(township_code, county_code) AS place, count(*) AS n FROM roster_entries
      WHERE ${PERIOD_ROWS} AND substr(county_code, 1, @len) = @prefix GROUP BY place`)
    .all({ ...periodParams(db, period), prefix: parentCode.slice(0, 6), len: Math.min(6, parentCode.length) }) as Array<{ place: string | null; n: number }>
  const byLength = children.map((c, i) => ({ code: c.code, i })).sort((a, b) => b.code.length - a.code.length)
  const weights = children.map(() => 0)
  let unassigned = 0
  for (const row of rows) {
    const child = row.place ? byLength.find((c) => row.place!.startsWith(c.code)) : undefined
    if (child) weights[child.i] += row.n
    else unassigned += row.n
  }
  return { period, weights, unassigned }
}

const FILE_REGION_HEADERS = ['区划', '区划名称', '区划代码', '行政区划', '乡镇', '乡镇（街道）', '乡镇(街道)', '县区', '县（市、区）', '县(市、区)', '市州', '地区', '名称']
const FILE_TARGET_HEADERS = ['目标值', '目标', '目标任务', '任务数', '任务目标', '分解目标', '分解数']

/**
 * Per-region targets from a CSV or XLSX with columns 区划 (name or code) and 目标值; every child
 * exactly once.
 * @throws FileError (unreadable); ValidationError CASCADE_FILE_INVALID with the rows in details
 */
async function readSplitFile(file: string, children: ChildRegion[], parentName: string): Promise<number[]> {
  const source = await openTable(file)
  const rows: Array<{ rowNumber: number; cells: string[] }> = []
  for await (const batch of source.batches()) rows.push(...batch)
  const clean = (s: string) => toHalfWidth(s ?? '').replace(/\s+/g, '')
  let header = -1
  let regionCol = -1
  let targetCol = -1
  for (let i = 0; i < Math.min(rows.length, 20) && header < 0; i++) {
    const cells = rows[i].cells.map(clean)
    const r = cells.findIndex((c) => FILE_REGION_HEADERS.map(clean).includes(c))
    const t = cells.findIndex((c) => FILE_TARGET_HEADERS.map(clean).includes(c))
    if (r >= 0 && t >= 0) [header, regionCol, targetCol] = [i, r, t]
  }
  const name = basename(file)
  if (header < 0) {
    throw new ValidationError('CASCADE_FILE_INVALID', `${name} 中找不到「区划」和「目标值」两列`, { hint: '第一行写表头：区划,目标值；区划可写名称或代码' })
  }
  const problems: Array<{ row: number; column: string; message: string }> = []
  const values = new Map<number, { value: number; row: number }>()
  for (const row of rows.slice(header + 1)) {
    const regionText = (row.cells[regionCol] ?? '').trim()
    const valueText = (row.cells[targetCol] ?? '').trim()
    if (!regionText && !valueText) continue
    if (/^(合计|总计|小计)$/.test(clean(regionText))) continue
    const code = normalizeRegionCode(toHalfWidth(regionText))
    const bare = regionText.replace(/(办事处|人民政府)$/, '')
    const index = children.findIndex((c) => c.code === code || c.name === regionText || c.name === bare || shortNamesOf(c).includes(bare))
    if (!regionText) {
      problems.push({ row: row.rowNumber, column: '区划', message: '为空' })
      continue
    }
    if (index < 0) {
      problems.push({ row: row.rowNumber, column: '区划', message: `「${regionText}」不是${parentName}的下级区划` })
      continue
    }
    const value = Number(toHalfWidth(valueText).replace(/[%,，]/g, ''))
    if (!valueText || !Number.isFinite(value)) {
      problems.push({ row: row.rowNumber, column: '目标值', message: valueText ? `「${valueText}」不是数字` : '为空' })
      continue
    }
    if (values.has(index)) {
      problems.push({ row: row.rowNumber, column: '区划', message: `${children[index].name} 与第 ${values.get(index)!.row} 行重复` })
      continue
    }
    values.set(index, { value, row: row.rowNumber })
  }
  const missing = children.filter((_, i) => !values.has(i))
  if (problems.length === 0 && missing.length) {
    problems.push({ row: 0, column: '区划', message: `缺少 ${missing.length} 个下级区划：${missing.slice(0, 10).map((c) => c.name).join('、')}${missing.length > 10 ? ' 等' : ''}` })
  }
  if (problems.length) {
    const first = problems[0]
    throw new ValidationError('CASCADE_FILE_INVALID', `${name}${first.row ? ` 第 ${first.row} 行` : ''}「${first.column}」${first.message}${problems.length > 1 ? `（共 ${problems.length} 处问题）` : ''}`, {
      hint: '改正文件后重新运行；每个下级区划写一行', details: problems,
    })
  }
  return children.map((_, i) => values.get(i)!.value)
}

/**
 * Breaks a task down into one child task per subordinate region (townships of a county, counties of
 * a city, cities and 省直管县 of the province), each assigned to that region's local government.
 * @throws UsageError CASCADE_LEVEL, CASCADE_INPUT; ConflictError TASK_ALREADY_CASCADED, TASK_CANCELLED;
 *   NotFoundError TASK_NOT_FOUND, NO_ROSTER; ValidationError SPLIT_NO_WEIGHT, CASCADE_FILE_INVALID, CASCADE_FILE_SUM
 */
export async function cascadeTask(db: Db, idText: number | string, options: CascadeOptions, operator: string): Promise<CascadeResult> {
  const id = parseTaskId(idText)
  const row = taskRow(db, id)
  if (row.status === 'cancelled') throw new ConflictError('TASK_CANCELLED', `任务 ${id} 已撤销，不能再分解`)
  const next = NEXT_LEVEL[row.region_level]
  if (!next) throw new UsageError('CASCADE_LEVEL', `任务 ${id} 属于${LEVEL_NAMES[row.region_level]}（${row.region_name}），不再向下分解`)
  if (options.to !== next.to) {
    throw new UsageError('CASCADE_LEVEL', `${row.region_name}的下一级是${CASCADE_LEVELS[next.to]}，应使用 --to ${next.to}`)
  }
  const split: SplitMethod = options.split ?? (options.file ? 'file' : 'proportional')
  if (split === 'file' && !options.file) throw new UsageError('CASCADE_INPUT', '--split file 需要用 --file 指定分解表（列：区划、目标值）')
  if (options.file && split !== 'file') throw new UsageError('CASCADE_INPUT', '--file 只能和 --split file 一起使用')
  const children = subordinateRegions(db, { code: row.region_code, level: row.region_level }, next.levels)
  if (children.length === 0) throw new NotFoundError('NO_SUBORDINATE_REGIONS', `${row.region_name}没有下级区划`)
  const existing = (db.prepare("SELECT count(*) AS n FROM tasks WHERE parent_id = ? AND status <> 'cancelled'").get(id) as { n: number }).n
  if (existing > 0 && !options.force) {
    throw new ConflictError('TASK_ALREADY_CASCADED', `任务 ${id} 已分解到 ${existing} 个下级，不能重复分解`, {
      hint: `用 \`cjfp task list --parent ${id}\` 查看；确需重新分解，加 --force（原下级任务会被撤销，记录保留）`,
    })
  }

  const kind = targetKind(row.target_unit)
  const warnings: string[] = []
  let targets: Array<number | null>
  let weights: Array<number | null> = children.map(() => null)
  let method: CascadeResult['split'] = split
  let basis: string | null = null
  let rosterPeriod: string | null = null
  if (split === 'file') {
    const values = await readSplitFile(options.file!, children, row.region_name)
    values.forEach((v, i) => {
      try {
        checkValue(v, row.target_unit, `${children[i].name}的目标值`, 'CASCADE_FILE_INVALID')
      } catch (error) {
        throw new ValidationError('CASCADE_FILE_INVALID', `${basename(options.file!)}：${(error as Error).message}`)
      }
    })
    if (kind !== 'rate' && row.target_value !== null) {
      const sum = Math.round(values.reduce((a, b) => a + b, 0) * 100) / 100
      if (Math.abs(sum - row.target_value) > 0.005) {
        throw new ValidationError('CASCADE_FILE_SUM', `${basename(options.file!)} 中各区划目标值合计 ${sum}，与上级任务目标 ${row.target_value} ${row.target_unit ?? ''}不符`, {
          hint: '调整各行的目标值，使合计等于上级目标',
        })
      }
    }
    targets = values
    basis = basename(options.file!)
  } else if (kind === 'rate' || row.target_value === null) {
    // A rate applies to every region as it is; it does not divide.
    targets = children.map(() => row.target_value)
    method = 'copy'
    if (split !== 'proportional' && kind === 'rate') warnings.push('百分比目标不分解，各下级沿用上级目标值')
  } else if (split === 'even') {
    weights = children.map(() => 1)
    targets = splitTarget(row.target_value, weights as number[], DECIMALS[kind])
  } else {
    const roster = rosterWeights(db, row.region_code, children)
    rosterPeriod = roster.period
    weights = roster.weights
    basis = `${roster.period} 期花名册`
    if (roster.unassigned > 0) warnings.push(`${roster.period} 期花名册中有 ${roster.unassigned} 人未填乡镇或区划不明，未计入比例`)
    const zero = children.filter((_, i) => roster.weights[i] === 0)
    if (zero.length) warnings.push(`${zero.length} 个下级区划在花名册中没有登记人员，分得 0：${zero.slice(0, 5).map((c) => c.name).join('、')}${zero.length > 5 ? ' 等' : ''}`)
    targets = splitTarget(row.target_value, roster.weights, DECIMALS[kind])
  }

  return db.transaction(() => {
    let replaced = 0
    if (existing > 0) replaced = cancelSubtree(db, id, operator, false).length
    const insert = db.prepare(`INSERT INTO tasks (parent_id, action_code, region_code, unit_id, indicator_code, title, target_value, target_unit, comparison,
        deadline, split_method, split_basis, created_at, created_by)
      VALUES (@parent, @action, @region, @unit, @indicator, @title, @target, @targetUnit, @comparison, @deadline, @method, @basis, @at, @operator)`)
    const at = new Date().toISOString()
    let unitsCreated = 0
    const made: CascadeChild[] = children.map((child, i) => {
      const unit = ensureGovernmentUnit(db, child, operator)
      if (unit.created) unitsCreated++
      const childId = Number(insert.run({
        parent: id, action: row.action_code, region: child.code, unit: unit.id, indicator: row.indicator_code, title: row.title,
        target: targets[i], targetUnit: row.target_unit, comparison: row.comparison, deadline: row.deadline, method, basis, at, operator,
      }).lastInsertRowid)
      return { id: childId, regionCode: child.code, regionName: child.name, unitName: unit.name, target: targets[i], weight: weights[i] }
    })
    const total = kind === 'rate' || row.target_value === null ? null : Math.round(made.reduce((a, c) => a + (c.target ?? 0), 0) * 100) / 100
    recordAudit(db, operator, 'task.cascade', String(id), { to: options.to, split: method, basis, children: made.length, replaced, total })
    return { parent: getTask(db, id), to: options.to, split: method, basis, rosterPeriod, children: made, childrenTotal: total, replaced, unitsCreated, warnings }
  })()
}

/** Marks a task's descendants (and, with includeSelf, the task itself) cancelled, with an audit line; returns their ids. */
function cancelSubtree(db: Db, id: number, operator: string, includeSelf: boolean): number[] {
  const ids = (db
    .prepare(`WITH RECURSIVE sub(id) AS (SELECT id FROM tasks WHERE ${includeSelf ? 'id' : 'parent_id'} = ? UNION ALL SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id)
      SELECT id FROM sub`)
    .all(id) as Array<{ id: number }>).map((r) => r.id)
  const update = db.prepare("UPDATE tasks SET status = 'cancelled' WHERE id = ? AND status <> 'cancelled'")
  const cancelled = ids.filter((t) => update.run(t).changes > 0)
  if (cancelled.length) recordAudit(db, operator, 'task.cancel', String(id), { cancelled })
  return cancelled
}

/**
 * Cancels a task and everything cascaded from it; rows and progress are kept.
 * @throws NotFoundError TASK_NOT_FOUND; ConflictError TASK_CANCELLED
 */
export function cancelTask(db: Db, idText: number | string, operator: string): { id: number; cancelled: number[] } {
  const id = parseTaskId(idText)
  const row = taskRow(db, id)
  if (row.status === 'cancelled') throw new ConflictError('TASK_CANCELLED', `任务 ${id} 已经撤销`)
  return db.transaction(() => ({ id, cancelled: cancelSubtree(db, id, operator, true) }))()
}

export const ProgressInputSchema = z.object({
  value: z.union([z.string(), z.number()]),
  note: z.string().trim().max(500, '说明不能超过 500 个字').optional(),
})

/**
 * Records a hand-entered value for a task; the history is kept and the latest value counts.
 * @throws NotFoundError TASK_NOT_FOUND; ConflictError TASK_CANCELLED; UsageError PROGRESS_INVALID
 */
export function recordProgress(db: Db, idText: number | string, input: z.input<typeof ProgressInputSchema>, operator: string): { progress: ProgressEntry; previous: number | null; task: TaskView } {
  const id = parseTaskId(idText)
  const parsed = ProgressInputSchema.safeParse(input)
  if (!parsed.success) throw new UsageError('PROGRESS_INVALID', parsed.error.issues[0].message)
  const row = taskRow(db, id)
  if (row.status === 'cancelled') throw new ConflictError('TASK_CANCELLED', `任务 ${id} 已撤销，不能再填报进度`)
  const value = parseNumber(parsed.data.value, '完成值', 'PROGRESS_INVALID')
  checkValue(value, row.target_unit, '完成值', 'PROGRESS_INVALID')
  const note = parsed.data.note || null
  return db.transaction(() => {
    const at = new Date().toISOString()
    const progressId = Number(db.prepare('INSERT INTO task_progress (task_id, value, note, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?)')
      .run(id, value, note, at, operator).lastInsertRowid)
    recordAudit(db, operator, 'task.progress', String(id), { value, previous: row.progress_value })
    return {
      progress: { id: progressId, taskId: id, value, note, recordedAt: at, recordedBy: operator },
      previous: row.progress_value,
      task: getTask(db, id),
    }
  })()
}

