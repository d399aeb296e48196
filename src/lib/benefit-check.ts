/**
 * 应享未享 and 违规享受: the roster of a period checked against the benefit lists by the rules of a rule
 * file (benefit-rules.ts). One pass over the period's roster in constant memory per person: who matches
 * each rule, who receives, who falls through (gap); then the other direction: recipients no rule
 * allows (strict rules), recipients of two benefits that exclude each other, and recipients of a
 * roster-only benefit who are not on the roster.
 *
 * Which lists count for a period: for a recurring benefit the newest list up to the period, for a
 * one-off measure every list up to it (effectiveLists). A rule whose benefit has no list is reported as
 * unchecked, never as everyone missing out.
 */
import { type Atom, type CompiledRule, type CompiledRules, MAX_ATOMS, type PersonView, type RuleField } from './benefit-rules.js'
import { effectiveLists, listBenefitTypes } from './benefits.js'
import type { Db } from './db.js'
import { NotFoundError } from './errors.js'
import { maskIdNumber } from './output.js'
import { normalizeHeader } from './roster-fields.js'
import { type ListSpec, type PeriodScan, type ScanPlace, scanPeriod, type Unpacked, unpackPerson } from './period-scan.js'
import { latestPeriod, periodParams } from './roster-query.js'
import { checkPeriod } from './roster.js'
import type { TableCell, TableSheet } from './table-writer.js'

export type GroupLevel = 'county' | 'township' | 'village'
export const GROUP_LEVEL_NAMES: Record<GroupLevel, string> = { county: '县（市、区）', township: '乡镇（街道）', village: '村（社区）' }

export interface RuleOutcome {
  id: string
  title: string
  benefit: { code: string; name: string }
  level: 'entitled' | 'review'
  metric: string | null
  target: number | null
  basis: string | null
  /** The list periods the check used; [] = no list of this benefit up to the period, so the rule was not checked. */
  listPeriods: string[]
  checked: boolean
  /** Columns the rule reads that no roster batch of the period has: nobody can match them. */
  missingColumns: string[]
  eligible: number
  received: number
  gaps: number
  /** received / eligible; null when nobody is eligible or the rule was not checked. */
  rate: number | null
}

export type ViolationKind = 'ineligible' | 'exclusive' | 'off_roster' | 'left_roster'
export const VIOLATION_NAMES: Record<ViolationKind, string> = {
  ineligible: '不符合享受条件', exclusive: '同时享受互斥政策', off_roster: '不在花名册', left_roster: '已移出花名册',
}

export interface Violation {
  kind: ViolationKind
  id: string
  name: string | null
  regionCode: string | null
  township: string | null
  village: string | null
  benefits: string[]
  reason: string
}

export interface GapItem {
  rule: string
  level: 'entitled' | 'review'
  benefit: string
  id: string
  name: string
  countyCode: string | null
  townshipCode: string | null
  township: string | null
  villageCode: string | null
  village: string | null
  grade: number | null
  age: number | null
  reason: string
}

/** One region's totals: per rule eligible/received, plus gap and violation counts. */
export interface RegionTally {
  code: string
  persons: number
  /** Indexed like CheckResult.rules. */
  eligible: number[]
  received: number[]
  violations: number
}

export interface CheckResult {
  period: string
  rulesName: string
  rulesFile: string
  rulesSha256: string
  rules: RuleOutcome[]
  persons: number
  totals: { eligible: number; received: number; gaps: number; reviews: number; violations: number; coverage: number | null }
  byRegion: Map<string, RegionTally>
  /** Gap items when asked for (options.items), entitled first, by township and village. */
  gaps: GapItem[]
  /** Suspect receipts: every one with options.items; without it only the off-roster ones (the rest are counted in violationsByKind). */
  violations: Violation[]
  violationsByKind: Record<ViolationKind, number>
  /** Benefits whose lists were used, with their periods. */
  lists: Array<{ code: string; name: string; periods: string[] }>
  /** The period as read (persons, households, places) when options.keepScan asked for it: the progress notice counts from it. */
  scan: PeriodScan | null
}

export interface CheckOptions {
  period?: string
  /** Region level the tallies are grouped by. */
  groupBy?: GroupLevel
  /** Collect every gap person (for `benefit gaps`); the progress notice needs only counts. */
  items?: boolean
  /** Limit the check to one region (a code prefix). */
  region?: string
  /** Also read who is new since this earlier period and who left (PeriodScan.isNew, left, previousCounts). */
  previous?: string | null
  /** Also read each household's active pairings on this day (PeriodScan.hhPairing). */
  pairingsOn?: string | null
  /**
   * Tell recipients who left the roster from those never on it (default true). Without it every
   * recipient of a roster-only benefit who is not on this period's roster counts as off_roster; the
   * notice, which adds the two, saves the look-ups (a skip through the roster index per person).
   */
  leavers?: boolean
  /** Keep the period as read in the result (CheckResult.scan); otherwise its arrays are let go. */
  keepScan?: boolean
}

/** Where a roster row places a person: county, township and village codes as the roster gives them. */
export type Place = ScanPlace

/**
 * Runs the rules over a period's roster.
 * @throws NotFoundError NO_ROSTER, PERIOD_NOT_FOUND; UsageError PERIOD_INVALID
 */
export async function checkBenefits(db: Db, rules: CompiledRules, options: CheckOptions = {}): Promise<CheckResult> {
  const period = options.period ? checkPeriod(options.period) : latestPeriod(db)
  const params = periodParams(db, period)
  if (params.hi < params.lo) {
    throw new NotFoundError('PERIOD_NOT_FOUND', `没有 ${period} 期的花名册`, { hint: '用 `cjfp roster periods` 查看已导入的期别' })
  }
  const groupBy = options.groupBy ?? 'township'
  const types = listBenefitTypes(db)
  const typeByCode = new Map(types.map((t) => [t.code, t]))
  const lists = effectiveLists(db, period, types)

  // Every benefit the rules touch gets a bit; a person's receipts are one number.
  const codes = new Set<string>()
  for (const r of rules.rules) [r.type.code, ...r.receivesCodes].forEach((c) => codes.add(c))
  for (const e of rules.exclusions) e.benefits.forEach((b) => codes.add(b.code))
  for (const b of rules.rosterOnly) codes.add(b.code)
  const bitOf = new Map([...codes].map((c, i) => [c, 2 ** i]))
  const rosterOnlyBits = rules.rosterOnly.reduce((m, b) => m | (bitOf.get(b.code) ?? 0), 0)

  // Columns: which the period's roster has, and the SQL that reads each slot.
  // extra_json keys are the headers as the clerk wrote them (住房\n状况, 辅具 需求): read a slot through every
  // header of the period that folds to one of its names, in the order the rule names them.
  const periodHeaders = [...new Set(
    (db.prepare("SELECT columns_json FROM import_batches WHERE kind = 'roster' AND status = 'active' AND period = ?").all(period) as Array<{ columns_json: string | null }>)
      .flatMap((b) => (b.columns_json ? (JSON.parse(b.columns_json) as string[]) : [])),
  )].filter((h) => !/["\\]/.test(h))
  const slotHeaders = rules.columns.map((names) => names.flatMap((n) => periodHeaders.filter((h) => normalizeHeader(h) === normalizeHeader(n))))
  const slotPresent = slotHeaders.map((headers) => headers.length > 0)
  // Every slot's headers are read by one json_extract with many paths (one parse of the row's JSON), as a JSON array.
  const paths: string[] = []
  const slotPaths = slotHeaders.map((headers) => headers.map((h) => {
    if (!paths.includes(h)) paths.push(h)
    return paths.indexOf(h)
  }))
  const pathSql = paths.map((h) => `'$."${h.replace(/'/g, "''")}"'`)
  const extraSql = paths.length === 0 ? 'NULL' : paths.length === 1 ? `json_array(json_extract(extra_json, ${pathSql[0]}))` : `json_extract(extra_json, ${pathSql.join(', ')})`

  const [py, pm] = period.split('-').map(Number)
  const listSpecs: ListSpec[] = [...codes].filter((c) => lists.has(c)).map((code) => ({
    code, bit: bitOf.get(code)!, periods: lists.get(code)!.periods, household: typeByCode.get(code)?.scope === 'household',
    rosterOnly: (rosterOnlyBits & bitOf.get(code)!) !== 0 && !options.region,
  }))
  const scan = await scanPeriod(db, {
    ...params, previous: options.previous ? periodParams(db, options.previous) : null, level: groupBy, region: options.region ?? null,
    extraSql, year: py, month: pm, lists: listSpecs, pairingsOn: options.pairingsOn ?? null, leavers: options.leavers ?? true,
  })
  const { persons } = scan

  // Each distinct combination of the clerk's answers, as the rules' column slots.
  const extrasSlots = scan.extrasVocab.map((extra) => {
    if (extra === null) return rules.columns.map(() => null)
    const values = JSON.parse(extra) as unknown[]
    return slotPaths.map((alternatives) => {
      const v = alternatives.map((p) => values[p]).find((x) => x !== null && x !== undefined)
      return v === undefined ? null : String(v)
    })
  })
  // Household benefits: a list naming one member (or the household's number) covers the others.
  const householdBits = listSpecs.reduce((m, l) => (l.household ? m | l.bit : m), 0)
  const hhMask = Int32Array.from(scan.hhListBits)
  for (let i = 0; i < persons; i++) hhMask[scan.hh[i]] |= scan.mask[i] & householdBits

  const outcomes: RuleOutcome[] = rules.rules.map((r) => {
    const list = lists.get(r.type.code)
    const unlisted = r.receivesCodes.filter((c) => !lists.has(c))
    return {
      id: r.id, title: r.title, benefit: { code: r.type.code, name: r.type.name }, level: r.level, metric: r.metric ?? null, target: r.target ?? null,
      basis: r.basis ?? null, listPeriods: list?.periods ?? [], checked: Boolean(list) && unlisted.length === 0,
      missingColumns: r.columnSlots.filter((s) => !slotPresent[s]).map((s) => rules.columns[s][0]),
      eligible: 0, received: 0, gaps: 0, rate: null,
    }
  })
  const checkedRules = rules.rules.map((r, i) => ({ rule: r, index: i, outcome: outcomes[i], bit: bitOf.get(r.type.code)! })).filter((x) => x.outcome.checked)
  const strictByCode = new Map<string, CompiledRule[]>()
  for (const r of rules.rules) if (r.strict) strictByCode.set(r.type.code, [...(strictByCode.get(r.type.code) ?? []), r])
  const strictChecks = [...strictByCode].filter(([code]) => lists.has(code)).map(([code, strict]) => ({
    bit: bitOf.get(code)!, rules: strict, name: typeByCode.get(code)!.name,
    reason: `正在享受${typeByCode.get(code)!.name}，但不符合「${strict.map((r) => r.title).join('」或「')}」`,
  }))
  const exclusionChecks = rules.exclusions.filter((e) => lists.has(e.benefits[0].code) && lists.has(e.benefits[1].code)).map((e) => ({
    bits: bitOf.get(e.benefits[0].code)! | bitOf.get(e.benefits[1].code)!, names: e.benefits.map((b) => b.name), reason: e.reason,
  }))

  const byRegion = new Map<string, RegionTally>()
  const tallyOf = (code: string): RegionTally => {
    let t = byRegion.get(code)
    if (!t) {
      t = { code, persons: 0, eligible: rules.rules.map(() => 0), received: rules.rules.map(() => 0), violations: 0 }
      byRegion.set(code, t)
    }
    return t
  }
  const gaps: GapItem[] = []
  const violations: Violation[] = []
  const violationsByKind = { ineligible: 0, exclusive: 0, off_roster: 0, left_roster: 0 } as Record<ViolationKind, number>

  // Gap people as numbers until the end (a province has 175,000): person, rule index, age.
  const gapPerson: number[] = []
  const gapRule: number[] = []
  const gapAge: number[] = []
  const pendingViolations: Array<{ i: number; kind: ViolationKind; benefits: string[]; reason: string }> = []

  // Every person against every rule, from the columns in memory. A person's verdict is which checked
  // rules they match and which strict benefits some rule allows them.
  let mask = 0
  const view: PersonView = {
    grade: null, category: null, age: null, gender: null, povertyStatus: null, relation: null, householdSize: null, householdDisabled: 1,
    povertyCause: null, exitYear: null, columns: rules.columns.map(() => null), receives: (code) => (mask & (bitOf.get(code) ?? 0)) !== 0,
  }
  const judge = (test: (rule: CompiledRule) => boolean) => ({
    matched: Uint8Array.from(checkedRules, ({ rule }) => (test(rule) ? 1 : 0)),
    allowed: Uint8Array.from(strictChecks, (s) => (s.rules.some(test) ? 1 : 0)),
  })
  const verdictOf = verdicts(scan, rules, extrasSlots, view, bitOf, judge)
  const unpacked: Unpacked = { grade: null, category: null, householdSize: null, exitYear: null, age: 0 }
  const placeTally = scan.places.map((p) => tallyOf(p[groupBy] ?? ''))
  for (let i = 0; i < persons; i++) {
    const h = scan.hh[i]
    mask = scan.mask[i] | hhMask[h]
    const age = scan.packed[i] >>> 24
    let verdict = verdictOf?.(i, mask)
    if (!verdict) {
      // Person by person: the rules have too many conditions to work out once per combination.
      const attrs = scan.attrs[scan.attrsOf[i]]
      unpackPerson(scan.packed[i], unpacked)
      view.grade = unpacked.grade
      view.category = unpacked.category
      view.householdSize = unpacked.householdSize
      view.exitYear = unpacked.exitYear
      view.age = unpacked.age
      view.povertyStatus = attrs[0]
      view.gender = attrs[1]
      view.relation = attrs[2]
      view.povertyCause = attrs[3]
      view.columns = extrasSlots[scan.extrasOf[i]]
      view.householdDisabled = scan.hhSize[h]
      verdict = judge((rule) => rule.test(view))
    }
    const tally = placeTally[scan.placeOf[i]]
    tally.persons++
    for (let r = 0; r < checkedRules.length; r++) {
      if (verdict.matched[r] === 0) continue
      const { index, outcome, bit } = checkedRules[r]
      tally.eligible[index]++
      outcome.eligible++
      if ((mask & bit) !== 0) {
        tally.received[index]++
        outcome.received++
      } else if (options.items) {
        gapPerson.push(i)
        gapRule.push(index)
        gapAge.push(age)
      }
    }
    if (mask === 0) continue
    for (let k = 0; k < strictChecks.length; k++) {
      const s = strictChecks[k]
      if ((mask & s.bit) === 0 || verdict.allowed[k] === 1) continue
      tally.violations++
      violationsByKind.ineligible++
      if (options.items) pendingViolations.push({ i, kind: 'ineligible', benefits: [s.name], reason: s.reason })
    }
    for (const e of exclusionChecks) {
      if ((mask & e.bits) !== e.bits) continue
      tally.violations++
      violationsByKind.exclusive++
      if (options.items) pendingViolations.push({ i, kind: 'exclusive', benefits: e.names, reason: e.reason })
    }
  }
  if (options.items) {
    // Names and places are read only for the people a list names, in rowid order (near rows share pages), once each;
    // each place is one object shared by everyone living there.
    // Places come from the scan (one object per place, shared by everyone living there); only the ID and
    // name are read, for the people a list names, in rowid order (near rows share pages), once each.
    const nameOf = db.prepare('SELECT id_number, name FROM roster_entries WHERE id = ?').raw()
    // Read, not mapped: a province's gap people are spread over most of the period's pages, and mapped
    // pages would count as this process's memory (≈ 100 MB) for a read that touches each of them once.
    const mapped = db.pragma('mmap_size', { simple: true }) as number
    db.pragma('mmap_size = 0')
    const whereOf = scan.places.map((p): Where => ({ countyCode: p.county, townshipCode: p.township, villageCode: p.village, township: p.townshipName, village: p.villageName }))
    // slotOf[i]: where person i's ID and name went, −1 for the people no list names.
    const slotOf = new Int32Array(persons).fill(-1)
    for (const i of gapPerson) slotOf[i] = 0
    for (const v of pendingViolations) slotOf[v.i] = 0
    const ids: string[] = []
    const names: string[] = []
    const wheres: Where[] = []
    const grades: Array<number | null> = []
    for (let i = 0; i < persons; i++) {
      if (slotOf[i] < 0) continue
      const [id, name] = nameOf.get(params.lo + scan.offsets[i]) as [string, string]
      const grade = scan.packed[i] & 15
      slotOf[i] = ids.length
      ids.push(id)
      names.push(name)
      wheres.push(whereOf[scan.placeOf[i]])
      grades.push(grade === 15 ? null : grade)
    }
    db.pragma(`mmap_size = ${mapped}`)
    const people = ids.map((id, slot): GapPerson => ({ id, name: names[slot], where: wheres[slot], grade: grades[slot] }))
    // Entitled before review, then by township, village and rule id: ranks worked out once, so that sorting compares numbers.
    const rank = (values: Iterable<string>) => new Map([...new Set(values)].sort((x, y) => x.localeCompare(y)).map((v, k) => [v, k]))
    const townshipRank = rank(whereOf.map((w) => w.townshipCode ?? ''))
    const villageRank = rank(whereOf.map((w) => w.villageCode ?? ''))
    const ruleRank = rank(rules.rules.map((r) => r.id))
    // One number per gap (level, township, village, rule: each rank below its place's size), ties kept in the order found.
    const keyOf = Float64Array.from(gapPerson, (i, k) => {
      const where = wheres[slotOf[i]]
      const rule = rules.rules[gapRule[k]]
      return (((rule.level === 'entitled' ? 0 : 1) * townshipRank.size + townshipRank.get(where.townshipCode ?? '')!) * villageRank.size +
        villageRank.get(where.villageCode ?? '')!) * ruleRank.size + ruleRank.get(rule.id)!
    })
    const order = Int32Array.from(gapPerson, (_, k) => k).sort((x, y) => keyOf[x] - keyOf[y] || x - y)
    for (const k of order) {
      const slot = slotOf[gapPerson[k]]
      const rule = rules.rules[gapRule[k]]
      gaps.push(new Gap(rule, people[slot], gapAge[k]))
    }
    for (const v of pendingViolations) {
      const slot = slotOf[v.i]
      violations.push({
        kind: v.kind, id: ids[slot], name: names[slot], regionCode: scan.places[scan.placeOf[v.i]][groupBy] || null, township: wheres[slot].township,
        village: wheres[slot].village, benefits: v.benefits, reason: v.reason,
      })
    }
  }
  for (const o of outcomes) {
    o.gaps = o.eligible - o.received
    o.rate = o.checked && o.eligible > 0 ? o.received / o.eligible : null
  }

  // Recipients of roster-only benefits who are not on this period's roster (a whole-area check only).
  if (!options.region) {
    // Left: on an earlier roster; a later roster (checking a past period) does not make someone a leaver.
    const nameOf = db.prepare('SELECT name FROM benefit_records WHERE id_number = ? AND benefit_code = ? ORDER BY period DESC LIMIT 1')
    for (const benefit of rules.rosterOnly) {
      if (!lists.has(benefit.code)) continue
      const bit = bitOf.get(benefit.code)!
      for (const { id, bits, last } of scan.offRoster) {
        if ((bits & bit) === 0) continue
        const kind: ViolationKind = last ? 'left_roster' : 'off_roster'
        violationsByKind[kind]++
        if (!options.items) continue
        const name = (nameOf.get(id, benefit.code) as { name: string | null } | undefined)?.name ?? null
        violations.push({
          kind, id, name, regionCode: last?.county ?? id.slice(0, 6), township: last?.township ?? null, village: last?.village ?? null, benefits: [benefit.name],
          reason: last ? `${benefit.name}只发给建档立卡贫困残疾人，此人 ${last.period} 期后已不在花名册上` : `${benefit.name}只发给建档立卡贫困残疾人，此人不在花名册上`,
        })
      }
    }
  }

  const entitled = outcomes.filter((o) => o.checked && o.level === 'entitled')
  const eligible = entitled.reduce((n, o) => n + o.eligible, 0)
  const received = entitled.reduce((n, o) => n + o.received, 0)
  return {
    period, rulesName: rules.name, rulesFile: rules.file, rulesSha256: rules.sha256, rules: outcomes, persons,
    totals: {
      eligible, received, gaps: eligible - received, reviews: outcomes.filter((o) => o.checked && o.level === 'review').reduce((n, o) => n + o.gaps, 0),
      violations: Object.values(violationsByKind).reduce((n, k) => n + k, 0), coverage: eligible > 0 ? received / eligible : null,
    },
    byRegion, gaps, violations, violationsByKind,
    lists: [...lists.values()].filter((l) => codes.has(l.code)).map((l) => ({ code: l.code, name: typeByCode.get(l.code)?.name ?? l.code, periods: l.periods })),
    scan: options.keepScan ? scan : null,
  }
}

type Verdict = { matched: Uint8Array; allowed: Uint8Array }

/**
 * Verdicts by atoms (benefit-rules.ts Atom): each condition is worked out once per distinct value of what
 * it reads (16 grades, 128 ages, each combination of answers …), a person's conditions are OR-ed from
 * those tables, and the rules are judged once per distinct set of conditions that hold. Returns null when
 * the rules have more atoms than fit in one number; the caller then judges person by person.
 */
function verdicts(scan: PeriodScan, rules: CompiledRules, extrasSlots: Array<Array<string | null>>, view: PersonView, bitOf: Map<string, number>,
  judge: (test: (rule: CompiledRule) => boolean) => Verdict): ((i: number, mask: number) => Verdict) | null {
  if (rules.atoms.length > MAX_ATOMS) return null
  const blank = { ...view, columns: rules.columns.map(() => null), receives: () => false }
  /** Bits of the atoms `reads` picks, on a person whose only known value is what `set` writes. */
  const table = <T>(values: T[], reads: (input: Atom['input']) => boolean, set: (p: PersonView, value: T) => void) => Int32Array.from(values, (value) => {
    const p: PersonView = { ...blank, columns: [...blank.columns] }
    set(p, value)
    let bits = 0
    rules.atoms.forEach((a, k) => {
      if (reads(a.input) && a.test(p)) bits |= 2 ** k
    })
    return bits
  })
  const field = (...names: RuleField[]) => (input: Atom['input']) => 'field' in input && names.includes(input.field)
  const range = (n: number, value: (v: number) => number | null) => Array.from({ length: n }, (_, v) => value(v))
  // The packed fields (period-scan.ts unpackPerson) and the household's registered members.
  const grades = table(range(16, (v) => (v === 15 ? null : v)), field('grade'), (p, v) => (p.grade = v))
  const categories = table(range(16, (v) => (v === 15 ? null : v)), field('category'), (p, v) => (p.category = v))
  const sizes = table(range(256, (v) => (v === 255 ? null : v)), field('householdSize'), (p, v) => (p.householdSize = v))
  const exits = table(range(256, (v) => (v === 255 ? null : 1900 + v)), field('exitYear'), (p, v) => (p.exitYear = v))
  const ages = table(range(128, (v) => v), field('age'), (p, v) => (p.age = v))
  const largest = scan.hhSize.reduce((m, n) => Math.max(m, n), 0)
  const members = table(range(largest + 1, (v) => v), field('householdDisabled'), (p, v) => (p.householdDisabled = v ?? 0))
  const attrs = table(scan.attrs, field('povertyStatus', 'gender', 'relation', 'povertyCause'), (p, [status, gender, relation, cause]) => {
    p.povertyStatus = status
    p.gender = gender
    p.relation = relation
    p.povertyCause = cause
  })
  const extras = table(extrasSlots, (input) => 'slot' in input, (p, columns) => (p.columns = columns))
  const receives = rules.atoms.flatMap((a, k) => ('receives' in a.input ? [[2 ** k, bitOf.get(a.input.receives) ?? 0] as const] : []))
  const seen = new Map<number, Verdict>()
  return (i, mask) => {
    const p = scan.packed[i]
    let bits = grades[p & 15] | categories[(p >> 4) & 15] | sizes[(p >> 8) & 255] | exits[(p >> 16) & 255] | ages[p >>> 24] |
      members[scan.hhSize[scan.hh[i]]] | attrs[scan.attrsOf[i]] | extras[scan.extrasOf[i]]
    for (const [atom, benefit] of receives) if ((mask & benefit) !== 0) bits |= atom
    let verdict = seen.get(bits)
    if (!verdict) seen.set(bits, (verdict = judge((rule) => rule.formula(bits))))
    return verdict
  }
}

type Where = { countyCode: string | null; townshipCode: string | null; villageCode: string | null; township: string | null; village: string | null }
interface GapPerson { id: string; name: string; where: Where; grade: number | null }

/**
 * A gap: its rule, its person (shared by all of that person's gaps, as the person's place is shared by
 * everyone living there) and the age, read through getters, so that a province's half a million gaps
 * take three fields each. JSON gives the plain GapItem.
 */
class Gap implements GapItem {
  constructor(private readonly of: CompiledRule, private readonly person: GapPerson, readonly age: number | null) {}
  get rule() { return this.of.id }
  get level() { return this.of.level }
  get benefit() { return this.of.type.name }
  get reason() { return this.of.title }
  get id() { return this.person.id }
  get name() { return this.person.name }
  get grade() { return this.person.grade }
  get countyCode() { return this.person.where.countyCode }
  get townshipCode() { return this.person.where.townshipCode }
  get villageCode() { return this.person.where.villageCode }
  get township() { return this.person.where.township }
  get village() { return this.person.where.village }
  toJSON(): GapItem { return plainGap(this) }
}

/** A gap as a plain object, in GapItem's order. */
function plainGap(g: GapItem): GapItem {
  return {
    rule: g.rule, level: g.level, benefit: g.benefit, id: g.id, name: g.name, countyCode: g.countyCode, townshipCode: g.townshipCode, villageCode: g.villageCode,
    township: g.township, village: g.village, grade: g.grade, age: g.age, reason: g.reason,
  }
}

/** What a reader should know about a check: rules not checked for want of a list, columns the roster lacks. */
export function checkNotes(result: Pick<CheckResult, 'period' | 'rules'>): string[] {
  const notes: string[] = []
  for (const r of result.rules) {
    if (!r.checked) notes.push(`「${r.title}」未检查：${r.listPeriods.length === 0 ? `尚未导入 ${result.period} 期及以前的「${r.benefit.name}」名单` : '条件中引用的政策名单尚未导入'}`)
    else if (r.missingColumns.length > 0) notes.push(`「${r.title}」用到的列「${r.missingColumns.join('」「')}」在 ${result.period} 期花名册中没有，符合条件的人数可能偏少`)
  }
  return notes
}

/** Masks 身份证号 in gap and violation items unless the person asked to see them. */
export function presentCheck(result: CheckResult, reveal: boolean, limit = Infinity) {
  const mask = (id: string) => (reveal ? id : maskIdNumber(id))
  return {
    /** How many gap and violation items there are, and whether the lists below stop short of them (see --out for all). */
    listed: { gaps: Math.min(limit, result.gaps.length), gapsTotal: result.gaps.length, violations: Math.min(limit, result.violations.length), violationsTotal: result.violations.length },
    period: result.period,
    rules: { name: result.rulesName, file: result.rulesFile, sha256: result.rulesSha256 },
    persons: result.persons,
    totals: result.totals,
    lists: result.lists,
    ruleOutcomes: result.rules,
    gaps: result.gaps.slice(0, limit).map((g) => ({ ...plainGap(g), id: mask(g.id) })),
    violations: result.violations.slice(0, limit).map((v) => ({ ...v, id: mask(v.id) })),
    violationsByKind: result.violationsByKind,
  }
}

const LEVEL_NAMES = { entitled: '应享未享', review: '需核查' } as const
const GAP_HEADERS = ['类别', '乡镇', '村', '姓名', '身份证号', '残疾等级', '年龄', '应享政策', '规则']
const gapCells = (g: GapItem, mask: (id: string) => string) => [LEVEL_NAMES[g.level], g.township, g.village, g.name, mask(g.id), g.grade, g.age, g.benefit, g.reason]

/** Rows made as the writer asks for them: half a million gap rows are not all held as cell arrays at once. */
function lazily<T>(items: T[], cells: (item: T) => TableCell[]): Iterable<TableCell[]> {
  return { *[Symbol.iterator]() { for (const item of items) yield cells(item) } }
}

/** Every gap person in one sheet (for a .csv, which holds one table). */
export function gapListSheet(result: CheckResult, reveal: boolean): TableSheet {
  return { name: '应享未享', headers: GAP_HEADERS, rows: lazily(result.gaps, (g) => gapCells(g, (id) => (reveal ? id : maskIdNumber(id)))) }
}

/**
 * The sheets `benefit gaps --out` writes: 汇总 (each rule), one sheet of gap people per township (the
 * township can work through its own list), and 疑似违规享受. IDs masked unless reveal.
 */
export function gapSheets(result: CheckResult, reveal: boolean, options: { by?: 'township' | 'county'; countyName?: (code: string) => string } = {}): TableSheet[] {
  const mask = (id: string) => (reveal ? id : maskIdNumber(id))
  const summary: TableSheet = {
    name: '汇总',
    headers: ['规则编号', '规则', '政策', '级别', '符合条件', '已享受', '未享受', '覆盖率', '使用的名单期别', '依据'],
    rows: result.rules.map((r) => [
      r.id, r.title, r.benefit.name, r.level === 'entitled' ? '应享' : '核查', r.checked ? r.eligible : '未检查（无名单）', r.checked ? r.received : null,
      r.checked ? r.gaps : null, r.rate === null ? null : Math.round(r.rate * 10000) / 100 + '%', r.listPeriods.join('、'), r.basis,
    ]),
  }
  const headers = GAP_HEADERS
  // One sheet per township for a county; a city or the province gets one per county (not 1,510 sheets).
  const byTownship = new Map<string, GapItem[]>()
  for (const g of result.gaps) {
    const key = options.by === 'county'
      ? (g.countyCode ? (options.countyName?.(g.countyCode) ?? g.countyCode) : '（未填县）')
      : g.township ?? '（未填乡镇）'
    let list = byTownship.get(key)
    if (!list) byTownship.set(key, (list = []))
    list.push(g)
  }
  const townships: TableSheet[] = [...byTownship].map(([township, items]) => ({
    name: township,
    headers,
    rows: lazily(items, (g) => gapCells(g, mask)),
  }))
  const violations: TableSheet = {
    name: '疑似违规享受',
    headers: ['问题', '乡镇', '村', '姓名', '身份证号', '政策', '说明'],
    rows: lazily(result.violations, (v) => [VIOLATION_NAMES[v.kind], v.township, v.village, v.name, mask(v.id), v.benefits.join('、'), v.reason]),
  }
  return [summary, ...townships, violations]
}

export interface CoverageRow {
  code: string
  name: string
  persons: number
  eligible: number
  received: number
  gaps: number
  coverage: number | null
  violations: number
  /** Per rule (indexed like CheckResult.rules): received / eligible, null when nobody is eligible or unchecked. */
  rates: Array<number | null>
}

/** Coverage of the entitled rules by region, with the area total last (code ''). */
export function coverageByRegion(db: Db, result: CheckResult): CoverageRow[] {
  const name = db.prepare('SELECT name FROM regions WHERE code = ?')
  const entitled = result.rules.map((r, i) => ({ r, i })).filter(({ r }) => r.checked && r.level === 'entitled')
  const row = (code: string, regionName: string, t: Pick<RegionTally, 'persons' | 'eligible' | 'received' | 'violations'>): CoverageRow => {
    const eligible = entitled.reduce((n, { i }) => n + t.eligible[i], 0)
    const received = entitled.reduce((n, { i }) => n + t.received[i], 0)
    return {
      code, name: regionName, persons: t.persons, eligible, received, gaps: eligible - received, coverage: eligible > 0 ? received / eligible : null,
      violations: t.violations, rates: result.rules.map((r, i) => (r.checked && t.eligible[i] > 0 ? t.received[i] / t.eligible[i] : null)),
    }
  }
  const rows = [...result.byRegion.values()].sort((a, b) => a.code.localeCompare(b.code))
    .map((t) => row(t.code, (name.get(t.code) as { name: string } | undefined)?.name ?? (t.code || '（未填）'), t))
  const total = {
    persons: result.persons, violations: result.totals.violations, // violations holds items only when asked for
    eligible: result.rules.map((r) => r.eligible), received: result.rules.map((r) => r.received),
  }
  return [...rows, row('', '合计', total)]
}
