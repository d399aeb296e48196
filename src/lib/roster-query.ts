/**
 * 动态比对 and roster look-ups: periods, the comparison of two periods, one person's history,
 * filtered lists and statistics. Read-only.
 */
import type { Db } from './db.js'
import { NotFoundError, UsageError } from './errors.js'
import { CATEGORY_NAMES, normalizeIdLike, parseCategory, parseGrade } from './idcard.js'
import { maskIdNumber, maskPhone } from './output.js'
import { regionIndexFor } from './regions.js'
import { checkPeriod } from './roster.js'

export interface PeriodSummary {
  period: string
  persons: number
  households: number
  batches: number
  rejected: number
}

/** Every period with its head count (the union of its active batches). */
export function listPeriods(db: Db): PeriodSummary[] {
  const batches = db
    .prepare(`SELECT period, count(*) AS batches, sum(accepted_rows) AS persons, sum(rejected_rows) AS rejected
      FROM import_batches WHERE kind = 'roster' AND status = 'active' GROUP BY period ORDER BY period`)
    .all() as Array<{ period: string; batches: number; persons: number; rejected: number }>
  const households = db.prepare(`SELECT count(DISTINCT household_no) AS n FROM roster_entries WHERE ${PERIOD_ROWS}`)
  return batches.map((b) => ({
    period: b.period,
    persons: b.persons ?? 0,
    households: (households.get(periodParams(db, b.period)) as { n: number }).n,
    batches: b.batches,
    rejected: b.rejected ?? 0,
  }))
}

/**
 * The rows of one period, read as a rowid range (each batch appended a contiguous range) with the
 * period checked on each row; the unary + keeps SQLite from choosing the (period, id_number) index,
 * whose random look-ups are several times slower for a whole period.
 */
export const PERIOD_ROWS = 'id BETWEEN @lo AND @hi AND +period = @period'

/** Parameters for PERIOD_ROWS. */
export function periodParams(db: Db, period: string): { lo: number; hi: number; period: string } {
  const range = db
    .prepare("SELECT min(first_entry_id) AS lo, max(last_entry_id) AS hi FROM import_batches WHERE kind = 'roster' AND status = 'active' AND period = ?")
    .get(period) as { lo: number | null; hi: number | null }
  return { lo: range.lo ?? 0, hi: range.hi ?? -1, period }
}

export interface BatchSummary {
  id: number
  period: string
  file: string
  sha256: string
  status: string
  total: number
  accepted: number
  rejected: number
  skipped: number
  warnings: number
  importedAt: string
  operator: string
}

export function listBatches(db: Db, period?: string): BatchSummary[] {
  return db
    .prepare(`SELECT id, period, file_name AS file, sha256, status, total_rows AS total, accepted_rows AS accepted, rejected_rows AS rejected,
      skipped_rows AS skipped, warning_count AS warnings, imported_at AS importedAt, operator
      FROM import_batches WHERE kind = 'roster' AND (@period IS NULL OR period = @period) ORDER BY id`)
    .all({ period: period ?? null }) as BatchSummary[]
}

/** The newest period that has a roster. @throws NotFoundError NO_ROSTER */
export function latestPeriod(db: Db): string {
  const row = db.prepare("SELECT max(period) AS period FROM import_batches WHERE kind = 'roster' AND status = 'active' AND accepted_rows > 0").get() as { period: string | null }
  if (!row.period) throw new NotFoundError('NO_ROSTER', '还没有导入任何花名册', { hint: '先运行 `cjfp roster import 文件 --period 年-月`' })
  return row.period
}

function assertPeriodExists(db: Db, period: string): void {
  const exists = db.prepare("SELECT 1 FROM import_batches WHERE kind = 'roster' AND period = ? AND status = 'active' LIMIT 1").get(period)
  if (!exists) {
    const known = listPeriods(db).map((p) => p.period).join('、') || '无'
    throw new NotFoundError('PERIOD_NOT_FOUND', `${period} 期还没有导入花名册（已有：${known}）`)
  }
}

const COMPARED_FIELDS: Array<[column: string, field: string, label: string]> = [
  ['name', 'name', '姓名'], ['gender', 'gender', '性别'], ['household_no', 'householdNo', '户编号'], ['relation', 'relation', '与户主关系'],
  ['household_size', 'householdSize', '家庭人口'], ['poverty_cause', 'povertyCause', '致贫原因'], ['county_code', 'countyCode', '县区'],
  ['township_code', 'townshipCode', '乡镇代码'], ['township_name', 'townshipName', '乡镇'], ['village_code', 'villageCode', '村代码'],
  ['village_name', 'villageName', '村'], ['cert_number', 'certNumber', '残疾人证号'], ['category', 'category', '残疾类别'],
  ['grade', 'grade', '残疾等级'], ['poverty_status', 'povertyStatus', '脱贫状态'], ['exit_year', 'exitYear', '脱贫年度'], ['phone', 'phone', '联系电话'],
]
export const FIELD_LABELS: Record<string, string> = Object.fromEntries(COMPARED_FIELDS.map(([, field, label]) => [field, label]))

export interface DiffPerson {
  id: string
  name: string
  township: string | null
  village: string | null
}

export interface DiffResult {
  from: string
  to: string
  counts: {
    previous: number
    new: number
    movedIn: number
    movedOut: number
    removed: number
    current: number
    exited: number
    returned: number
    changed: number
    balanced: boolean
  }
  new: DiffPerson[]
  exited: DiffPerson[]
  returned: Array<DiffPerson & { fromStatus: string; toStatus: string }>
  movedOut: Array<DiffPerson & { toCounty: string; toCountyName: string | null }>
  movedIn: Array<DiffPerson & { fromCounty: string; fromCountyName: string | null }>
  removed: DiffPerson[]
  changed: Array<DiffPerson & { fields: Array<{ field: string; label: string; from: string | number | null; to: string | number | null }> }>
}

/**
 * Compares two periods: 新增, 脱贫, 返贫, 迁入, 迁出, 减少 and 变更, with the balance
 * 上月末 + 新增 + 迁入 − 迁出 − 减少 = 本月末 checked against a separate count.
 * @throws UsageError PERIOD_INVALID; NotFoundError PERIOD_NOT_FOUND
 */
export function diffPeriods(db: Db, fromPeriod: string, toPeriod: string): DiffResult {
  const from = checkPeriod(fromPeriod)
  const to = checkPeriod(toPeriod)
  if (from === to) throw new UsageError('PERIOD_SAME', '比对的两个期别相同')
  assertPeriodExists(db, from)
  assertPeriodExists(db, to)
  const regions = regionIndexFor(db)
  const person = (r: { id_number: string; name: string; township_name: string | null; village_name: string | null }): DiffPerson => ({
    id: r.id_number, name: r.name, township: r.township_name, village: r.village_name,
  })
  const rangeFrom = periodParams(db, from)
  const rangeTo = periodParams(db, to)
  type Row = { id_number: string; name: string; township_name: string | null; village_name: string | null }

  // People on one roster and not the other: a pass over one period's rows, probing the other
  // period in the (period, id_number) index without touching its rows.
  const onlyIn = (range: ReturnType<typeof periodParams>, other: string) =>
    db
      .prepare(`SELECT id_number, name, township_name, village_name FROM roster_entries x
        WHERE x.id BETWEEN @lo AND @hi AND +x.period = @period
          AND NOT EXISTS (SELECT 1 FROM roster_entries y WHERE y.period = @other AND y.id_number = x.id_number)
        ORDER BY township_code, village_code, id_number`)
      .all({ ...range, other }) as Row[]
  const appeared = onlyIn(rangeTo, from)
  const disappeared = onlyIn(rangeFrom, to)
  // A rejected county_mismatch row names the county a person now (or then) belongs to.
  const otherCounty = (period: string) => {
    const rows = db
      .prepare(`SELECT r.id_number, r.county_code FROM rejected_rows r JOIN import_batches b ON b.id = r.batch_id
        WHERE b.kind = 'roster' AND b.status = 'active' AND b.period = ? AND r.id_number IS NOT NULL AND r.county_code IS NOT NULL`)
      .all(period) as Array<{ id_number: string; county_code: string }>
    return new Map(rows.map((r) => [r.id_number, r.county_code]))
  }
  const outTo = otherCounty(to)
  const inFrom = otherCounty(from)
  const countyName = (code: string) => regions.get(code)?.name ?? null

  const movedOut = disappeared.filter((r) => outTo.has(r.id_number)).map((r) => ({ ...person(r), toCounty: outTo.get(r.id_number)!, toCountyName: countyName(outTo.get(r.id_number)!) }))
  const removed = disappeared.filter((r) => !outTo.has(r.id_number)).map(person)
  const movedIn = appeared.filter((r) => inFrom.has(r.id_number)).map((r) => ({ ...person(r), fromCounty: inFrom.get(r.id_number)!, fromCountyName: countyName(inFrom.get(r.id_number)!) }))
  const added = appeared.filter((r) => !inFrom.has(r.id_number)).map(person)

  // People on both rosters whose rows differ: one pass over this period, the previous row fetched
  // through the index (CROSS JOIN keeps that order).
  const differs = COMPARED_FIELDS.map(([column]) => `a.${column} IS NOT b.${column}`).join(' OR ')
  const pairs = db
    .prepare(`SELECT ${COMPARED_FIELDS.map(([c]) => `a.${c} AS a_${c}, b.${c} AS b_${c}`).join(', ')}, b.id_number, b.name, b.township_name, b.village_name
      FROM roster_entries b CROSS JOIN roster_entries a ON a.period = @from AND a.id_number = b.id_number
      WHERE b.id BETWEEN @lo AND @hi AND +b.period = @period AND (${differs})
      ORDER BY b.township_code, b.village_code, b.id_number`)
    .all({ ...rangeTo, from }) as Array<Record<string, string | number | null> & Row>

  // Status transitions among them.
  const kinds = new Map((db.prepare('SELECT name, kind FROM poverty_statuses').all() as Array<{ name: string; kind: string }>).map((r) => [r.name, r.kind]))
  type Transition = Row & { from_status: string; to_status: string }
  const exited: Transition[] = []
  const returned: Transition[] = []
  for (const pair of pairs) {
    const fromStatus = pair.a_poverty_status as string
    const toStatus = pair.b_poverty_status as string
    if (fromStatus === toStatus) continue
    const fromKind = kinds.get(fromStatus)
    const toKind = kinds.get(toStatus)
    const transition = { ...pair, from_status: fromStatus, to_status: toStatus }
    if (fromKind !== 'exited' && toKind === 'exited') exited.push(transition)
    else if (fromKind === 'exited' && (toKind === 'returned' || toKind === 'poor')) returned.push(transition)
  }
  const statusExplained = new Set([...exited, ...returned].map((t) => t.id_number))

  const changed: DiffResult['changed'] = []
  for (const pair of pairs) {
    const fields: DiffResult['changed'][number]['fields'] = []
    for (const [column, field, label] of COMPARED_FIELDS) {
      const a = pair[`a_${column}`]
      const b = pair[`b_${column}`]
      if (a === b) continue
      // 脱贫 and 返贫 are reported in their own lists, with the exit year that goes with them.
      if (statusExplained.has(pair.id_number) && (field === 'povertyStatus' || field === 'exitYear')) continue
      fields.push({ field, label, from: a, to: b })
    }
    if (fields.length > 0) changed.push({ ...person(pair), fields })
  }
  // Counted separately from the lists, so that the balance line is a real check.
  const count = (range: ReturnType<typeof periodParams>) => (db.prepare(`SELECT count(*) AS n FROM roster_entries WHERE ${PERIOD_ROWS}`).get(range) as { n: number }).n
  const previous = count(rangeFrom)
  const current = count(rangeTo)
  return {
    from,
    to,
    counts: {
      previous,
      new: added.length,
      movedIn: movedIn.length,
      movedOut: movedOut.length,
      removed: removed.length,
      current,
      exited: exited.length,
      returned: returned.length,
      changed: changed.length,
      balanced: previous + added.length + movedIn.length - movedOut.length - removed.length === current,
    },
    new: added,
    exited: exited.map(person),
    returned: returned.map((t) => ({ ...person(t), fromStatus: t.from_status, toStatus: t.to_status })),
    movedOut,
    movedIn,
    removed,
    changed,
  }
}

/** The JSON contract of `roster diff`: ids (masked unless reveal) plus the details. */
export function presentDiff(diff: DiffResult, reveal: boolean) {
  const id = (value: string) => (reveal ? value : maskIdNumber(value))
  const value = (field: string, v: string | number | null) => {
    if (v === null || reveal) return v
    if (field === 'certNumber') return maskIdNumber(String(v))
    if (field === 'phone') return maskPhone(String(v))
    return v
  }
  const people = (list: DiffPerson[]) => list.map((p) => ({ ...p, id: id(p.id) }))
  return {
    from: diff.from,
    to: diff.to,
    counts: diff.counts,
    new: diff.new.map((p) => id(p.id)),
    exited: diff.exited.map((p) => id(p.id)),
    returned: diff.returned.map((p) => id(p.id)),
    movedOut: diff.movedOut.map((p) => ({ id: id(p.id), toCounty: p.toCounty, toCountyName: p.toCountyName })),
    movedIn: diff.movedIn.map((p) => ({ id: id(p.id), fromCounty: p.fromCounty, fromCountyName: p.fromCountyName })),
    removed: diff.removed.map((p) => id(p.id)),
    changed: diff.changed.map((c) => ({ id: id(c.id), fields: c.fields.map((f) => ({ field: f.field, from: value(f.field, f.from), to: value(f.field, f.to) })) })),
    details: {
      new: people(diff.new),
      exited: people(diff.exited),
      returned: diff.returned.map((p) => ({ ...p, id: id(p.id) })),
      movedOut: diff.movedOut.map((p) => ({ ...p, id: id(p.id) })),
      movedIn: diff.movedIn.map((p) => ({ ...p, id: id(p.id) })),
      removed: people(diff.removed),
      changed: diff.changed.map((c) => ({ ...c, id: id(c.id), fields: c.fields.map((f) => ({ ...f, from: value(f.field, f.from), to: value(f.field, f.to) })) })),
    },
  }
}

/** Rows for the office's diff workbook: one sheet of counts, one of details. */
export function diffSheets(diff: ReturnType<typeof presentDiff>) {
  const c = diff.counts
  const summary = {
    name: '汇总',
    headers: ['项目', '人数'],
    rows: [
      ['上月末', c.previous], ['新增', c.new], ['迁入', c.movedIn], ['迁出', c.movedOut], ['减少', c.removed], ['本月末', c.current],
      ['其中：脱贫', c.exited], ['其中：返贫', c.returned], ['信息变更', c.changed],
    ] as Array<Array<string | number | null>>,
  }
  const rows: Array<Array<string | number | null>> = []
  const d = diff.details
  for (const p of d.new) rows.push(['新增', p.id, p.name, p.township, p.village, ''])
  for (const p of d.movedIn) rows.push(['迁入', p.id, p.name, p.township, p.village, `来自 ${p.fromCountyName ?? p.fromCounty}`])
  for (const p of d.movedOut) rows.push(['迁出', p.id, p.name, p.township, p.village, `迁往 ${p.toCountyName ?? p.toCounty}`])
  for (const p of d.removed) rows.push(['减少', p.id, p.name, p.township, p.village, ''])
  for (const p of d.exited) rows.push(['脱贫', p.id, p.name, p.township, p.village, ''])
  for (const p of d.returned) rows.push(['返贫', p.id, p.name, p.township, p.village, `${p.fromStatus} → ${p.toStatus}`])
  for (const p of d.changed) {
    rows.push(['变更', p.id, p.name, p.township, p.village, p.fields.map((f) => `${f.label}：${f.from ?? '空'} → ${f.to ?? '空'}`).join('；')])
  }
  return [summary, { name: '明细', headers: ['类别', '身份证号', '姓名', '乡镇', '村', '说明'], rows }]
}

export interface HistoryEntry {
  period: string
  onRoster: boolean
  name: string | null
  povertyStatus: string | null
  exitYear: number | null
  township: string | null
  village: string | null
  category: string | null
  grade: number | null
  householdNo: string | null
  batch: number
  row: number
  note: string | null
}

/**
 * One person month by month, including the months a row was rejected (e.g. it named another county).
 * @throws NotFoundError PERSON_NOT_FOUND
 */
export function personHistory(db: Db, rawId: string): { id: string; name: string | null; entries: HistoryEntry[] } {
  const id = normalizeIdLike(rawId).value
  const entries = (db
    .prepare(`SELECT period, name, poverty_status, exit_year, township_name, village_name, category, grade, household_no, batch_id, row_number
      FROM roster_entries WHERE period IN (SELECT DISTINCT period FROM import_batches WHERE kind = 'roster') AND id_number = ? ORDER BY period`)
    .all(id) as Array<Record<string, string | number | null>>).map(
    (r): HistoryEntry => ({
      period: String(r.period), onRoster: true, name: r.name as string, povertyStatus: r.poverty_status as string, exitYear: r.exit_year as number | null,
      township: r.township_name as string | null, village: r.village_name as string | null,
      category: r.category ? CATEGORY_NAMES[(r.category as number) - 1] : null, grade: r.grade as number | null,
      householdNo: r.household_no as string | null, batch: r.batch_id as number, row: r.row_number as number, note: null,
    }),
  )
  const rejected = db
    .prepare(`SELECT b.period, r.batch_id, r.row_number, r.errors_json FROM rejected_rows r JOIN import_batches b ON b.id = r.batch_id
      WHERE r.id_number = ? AND b.status = 'active' AND b.kind = 'roster' ORDER BY b.period`)
    .all(id) as Array<{ period: string; batch_id: number; row_number: number; errors_json: string }>
  for (const r of rejected) {
    const reasons = (JSON.parse(r.errors_json) as Array<{ message: string }>).map((e) => e.message).join('；')
    entries.push({
      period: r.period, onRoster: false, name: null, povertyStatus: null, exitYear: null, township: null, village: null, category: null,
      grade: null, householdNo: null, batch: r.batch_id, row: r.row_number, note: `未导入：${reasons}`,
    })
  }
  if (entries.length === 0) {
    throw new NotFoundError('PERSON_NOT_FOUND', `花名册中没有身份证号为 ${maskIdNumber(id)} 的人`)
  }
  entries.sort((a, b) => a.period.localeCompare(b.period) || Number(b.onRoster) - Number(a.onRoster))
  const latest = entries.filter((e) => e.onRoster).at(-1)
  return { id, name: latest?.name ?? null, entries }
}

export interface RosterFilter {
  period?: string
  township?: string
  village?: string
  status?: string
  category?: string
  grade?: string
}

function filterSql(db: Db, filter: RosterFilter): { period: string; where: string; params: Record<string, string | number> } {
  const period = filter.period ? checkPeriod(filter.period) : latestPeriod(db)
  const clauses = [PERIOD_ROWS]
  const params: Record<string, string | number> = periodParams(db, period)
  if (filter.township) {
    clauses.push('(township_code = @township OR township_name = @township)')
    params.township = filter.township.trim()
  }
  if (filter.village) {
    clauses.push('(village_code = @village OR village_name = @village)')
    params.village = filter.village.trim()
  }
  if (filter.status) {
    clauses.push('poverty_status = @status')
    params.status = filter.status.trim()
  }
  if (filter.category) {
    const parsed = parseCategory(filter.category)
    if (!parsed) throw new UsageError('FILTER_INVALID', `「${filter.category}」不是残疾类别（${CATEGORY_NAMES.join('、')}）`)
    clauses.push('category = @category')
    params.category = parsed.code
  }
  if (filter.grade) {
    const parsed = parseGrade(filter.grade)
    if (!parsed) throw new UsageError('FILTER_INVALID', `「${filter.grade}」不是残疾等级（1 到 4）`)
    clauses.push('grade = @grade')
    params.grade = parsed.grade
  }
  return { period, where: clauses.join(' AND '), params }
}

export interface RosterListItem {
  id: string
  name: string
  gender: string | null
  township: string | null
  village: string | null
  householdNo: string | null
  category: string | null
  grade: number | null
  povertyStatus: string
  exitYear: number | null
  phone: string | null
}

/** People on a period's roster (default: the newest), filtered; masked unless reveal. */
export function listRoster(db: Db, filter: RosterFilter, options: { limit: number; reveal: boolean }): { period: string; total: number; items: RosterListItem[] } {
  const { period, where, params } = filterSql(db, filter)
  const total = (db.prepare(`SELECT count(*) AS n FROM roster_entries WHERE ${where}`).get(params) as { n: number }).n
  const rows = db
    .prepare(`SELECT id_number, name, gender, township_name, village_name, household_no, category, grade, poverty_status, exit_year, phone
      FROM roster_entries WHERE ${where} ORDER BY township_code, village_code, household_no, id_number LIMIT @limit`)
    .all({ ...params, limit: options.limit }) as Array<Record<string, string | number | null>>
  return {
    period,
    total,
    items: rows.map((r) => ({
      id: options.reveal ? String(r.id_number) : maskIdNumber(String(r.id_number)),
      name: String(r.name),
      gender: r.gender as string | null,
      township: r.township_name as string | null,
      village: r.village_name as string | null,
      householdNo: r.household_no as string | null,
      category: r.category ? CATEGORY_NAMES[(r.category as number) - 1] : null,
      grade: r.grade as number | null,
      povertyStatus: String(r.poverty_status),
      exitYear: r.exit_year as number | null,
      phone: r.phone ? (options.reveal ? String(r.phone) : maskPhone(String(r.phone))) : null,
    })),
  }
}

export const STAT_DIMENSIONS = {
  township: { column: "coalesce(township_name, '（未填）')", label: '乡镇' },
  village: { column: "coalesce(township_name, '') || ' ' || coalesce(village_name, '（未填）')", label: '村' },
  status: { column: 'poverty_status', label: '脱贫状态' },
  category: { column: 'category', label: '残疾类别' },
  grade: { column: 'grade', label: '残疾等级' },
} as const
export type StatDimension = keyof typeof STAT_DIMENSIONS

export interface StatRow {
  group: string
  persons: number
  households: number
  exited: number
  poor: number
  severe: number
}

/** Head counts grouped by one dimension, with households, exits and grade 1–2 (重度) counts. */
export function rosterStats(db: Db, filter: RosterFilter, by: StatDimension): { period: string; by: StatDimension; total: StatRow; groups: StatRow[] } {
  const { period, where, params } = filterSql(db, filter)
  const dimension = STAT_DIMENSIONS[by].column
  // Status names of each kind are inlined as bound lists: cheaper per row than joining poverty_statuses.
  const statuses = db.prepare('SELECT name, kind FROM poverty_statuses').all() as Array<{ name: string; kind: string }>
  const names = (kinds: string[]) => statuses.filter((r) => kinds.includes(r.kind)).map((r) => r.name)
  const exitedNames = names(['exited'])
  const poorNames = names(['poor', 'returned'])
  const list = (prefix: string, values: string[]) => (values.length ? values.map((_, i) => `@${prefix}${i}`).join(', ') : 'NULL')
  const bound: Record<string, string | number> = { ...params }
  exitedNames.forEach((n, i) => (bound[`ex${i}`] = n))
  poorNames.forEach((n, i) => (bound[`po${i}`] = n))
  const groups = db
    .prepare(`SELECT ${dimension} AS grp, count(*) AS persons, count(DISTINCT household_no) AS households,
        sum(poverty_status IN (${list('ex', exitedNames)})) AS exited,
        sum(poverty_status IN (${list('po', poorNames)})) AS poor,
        sum(grade IN (1, 2)) AS severe
      FROM roster_entries WHERE ${where} GROUP BY grp ORDER BY grp`)
    .all(bound) as Array<Omit<StatRow, 'group'> & { grp: string | number | null }>
  const sum = (key: keyof Omit<StatRow, 'group'>) => groups.reduce((acc, g) => acc + (g[key] ?? 0), 0)
  // A household lives in one township and village, so its count adds up across those groups only.
  const households = by === 'township' || by === 'village'
    ? sum('households')
    : (db.prepare(`SELECT count(DISTINCT household_no) AS n FROM roster_entries WHERE ${where}`).get(params) as { n: number }).n
  const label = (value: string | number | null): string => {
    if (value === null) return '（未填）'
    if (by === 'category') return CATEGORY_NAMES[Number(value) - 1] ?? String(value)
    if (by === 'grade') return `${value} 级`
    return String(value)
  }
  return {
    period,
    by,
    total: { group: '合计', persons: sum('persons'), households, exited: sum('exited'), poor: sum('poor'), severe: sum('severe') },
    groups: groups.map(({ grp, ...rest }) => ({ group: label(grp), ...zeroNulls(rest) })),
  }
}

function zeroNulls(row: Omit<StatRow, 'group'>): Omit<StatRow, 'group'> {
  return { persons: row.persons ?? 0, households: row.households ?? 0, exited: row.exited ?? 0, poor: row.poor ?? 0, severe: row.severe ?? 0 }
}
