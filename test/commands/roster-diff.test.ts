// roster diff, history, periods, list and stats, end to end: months of the seeded sample county
// written as real files, imported by the real CLI, and checked against the generator's own account
// of what changed (describeChanges).
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeChanges, type SampleOptions, sampleRows, type SampleRows } from '../../src/lib/sample.js'
import { writeCsv, writeXlsx } from '../support/files.js'
import { cliFor, HEADERS, NOT_FORMULA, personRow, readRows, useRosterDb, weiningId } from '../support/roster.js'

const MASKED_ID = /^\d{6}\*{8}\d{3}[\dX]$/
// Seed 2 gives every kind of change in a month of 300 people: 3 new, 3 removed, 3 moved out,
// 3 exited, 2 returned, and grade, phone and household-size changes.
const SAMPLE: SampleOptions = { countyCode: '520526', persons: 300, seed: 2, firstPeriod: '2026-10' }

let dir: string
let db: string
let cli: ReturnType<typeof cliFor>
useRosterDb((t) => ({ dir, db, cli } = t))

/** October as a clerk's .xlsx and November as a GBK CSV, both imported. */
async function importTwoSampleMonths(): Promise<{ october: SampleRows; november: SampleRows }> {
  const october = sampleRows(SAMPLE, '2026-10')
  const november = sampleRows(SAMPLE, '2026-11')
  const xlsx = join(dir, '2026年10月花名册.xlsx')
  const csv = join(dir, '2026年11月花名册.csv')
  await writeXlsx(xlsx, [{ name: '花名册', rows: [october.headers, ...october.rows] }])
  writeCsv(csv, [november.headers, ...november.rows], { encoding: 'gbk', eol: '\r\n' })
  const first = cli('roster', 'import', xlsx, '--period', '2026-10', '--json')
  expect(first.code).toBe(0)
  expect(first.json().rows).toEqual({ total: 300, accepted: 300, rejected: 0, skipped: 0 })
  const second = cli('roster', 'import', csv, '--period', '2026-11', '--json')
  expect(second.code).toBe(0)
  expect(second.json().rows).toMatchObject({ accepted: november.rows.length - november.moved.length, rejected: november.moved.length })
  expect(second.json().rejected.map((r: { code: string }) => r.code)).toEqual(november.moved.map(() => 'county_mismatch'))
  return { october, november }
}

/** The people a month's roster holds: every row except those naming another county. */
function onRoster(month: SampleRows) {
  const moved = new Set(month.moved.map((m) => m.index))
  return month.persons.filter((_, i) => !moved.has(i))
}

const sorted = (ids: string[]) => [...ids].sort()

describe('roster diff compares two months', () => {
  it('finds exactly the new, exited, returned, moved-out, removed and changed people the generator made, and balances', async () => {
    const { october, november } = await importTwoSampleMonths()
    const expected = describeChanges(SAMPLE, '2026-10', '2026-11')

    const r = cli('roster', 'diff', '--from', '2026-10', '--to', '2026-11', '--json', '--reveal')
    expect(r.code).toBe(0)
    const diff = r.json()
    expect(sorted(diff.new)).toEqual(sorted(expected.ids.new))
    expect(sorted(diff.exited)).toEqual(sorted(expected.ids.exited))
    expect(sorted(diff.returned)).toEqual(sorted(expected.ids.returned))
    expect(sorted(diff.removed)).toEqual(sorted(expected.ids.removed))
    expect(diff.movedIn).toEqual([])
    const movedTo = new Map(november.moved.map((m) => [november.persons[m.index].idNumber, m]))
    expect(sorted(diff.movedOut.map((m: { id: string }) => m.id))).toEqual(sorted(expected.ids.moved))
    for (const m of diff.movedOut) {
      expect(m).toEqual({ id: m.id, toCounty: movedTo.get(m.id)!.countyCode, toCountyName: movedTo.get(m.id)!.countyName })
    }

    const changedFields = new Map<string, string[]>(diff.changed.map((c: { id: string; fields: Array<{ field: string }> }) => [c.id, c.fields.map((f) => f.field)]))
    for (const kind of ['phone', 'householdSize', 'grade'] as const) {
      expect(expected.ids[kind].length, kind).toBeGreaterThan(0)
      for (const id of expected.ids[kind]) expect(changedFields.get(id), `${kind} of ${id}`).toContain(kind)
    }
    const explained = new Set([...expected.ids.phone, ...expected.ids.householdSize, ...expected.ids.grade, ...expected.ids.status])
    expect(sorted([...changedFields.keys()])).toEqual(sorted([...explained]))

    const c = diff.counts
    expect(c).toEqual({
      previous: october.rows.length, new: expected.counts.new, movedIn: 0, movedOut: expected.counts.moved, removed: expected.counts.removed,
      current: onRoster(november).length, exited: expected.counts.exited, returned: expected.counts.returned, changed: explained.size, balanced: true,
    })
    expect(c.previous + c.new + c.movedIn - c.movedOut - c.removed).toBe(c.current)
  })

  it('masks IDs and phone numbers unless --reveal', async () => {
    await importTwoSampleMonths()
    const expected = describeChanges(SAMPLE, '2026-10', '2026-11')
    const r = cli('roster', 'diff', '--from', '2026-10', '--to', '2026-11', '--json')
    expect(r.code).toBe(0)
    const diff = r.json()
    for (const id of [...diff.new, ...diff.exited, ...diff.returned, ...diff.removed, ...diff.movedOut.map((m: { id: string }) => m.id), ...diff.changed.map((m: { id: string }) => m.id)]) {
      expect(id).toMatch(MASKED_ID)
    }
    for (const id of [...expected.ids.new, ...expected.ids.moved, ...expected.ids.phone]) expect(r.stdout).not.toContain(id)
    const phones = diff.changed
      .flatMap((c: { fields: Array<{ field: string; from: string | null; to: string | null }> }) => c.fields)
      .filter((f: { field: string }) => f.field === 'phone')
      .flatMap((f: { from: string | null; to: string | null }) => [f.from, f.to])
      .filter((v: string | null) => v !== null)
    expect(phones.length).toBeGreaterThan(0)
    for (const phone of phones) expect(phone).toMatch(/^\d{3}\*{4}\d{4}$/)
  })

  it('roster history shows a person month by month; for one who moved, November is a not-imported note naming the other county', async () => {
    const { november } = await importTwoSampleMonths()
    const expected = describeChanges(SAMPLE, '2026-10', '2026-11')
    const moved = november.moved[0]
    const movedId = november.persons[moved.index].idNumber

    const away = cli('roster', 'history', movedId, '--json', '--reveal')
    expect(away.code).toBe(0)
    expect(away.json()).toMatchObject({
      id: movedId,
      entries: [
        { period: '2026-10', onRoster: true, note: null },
        { period: '2026-11', onRoster: false, note: expect.stringMatching(new RegExp(`^未导入：.*${moved.countyName}`)) },
      ],
    })

    const stayer = expected.ids.phone[0]
    const both = cli('roster', 'history', stayer, '--json', '--reveal').json()
    expect(both.entries.map((e: { period: string; onRoster: boolean }) => [e.period, e.onRoster])).toEqual([['2026-10', true], ['2026-11', true]])
  })

  it('writes formula-looking text as plain text in roster diff --out x.xlsx, and masks the IDs there', async () => {
    const a = weiningId('19650312', 231)
    const b = weiningId('19781105', 442)
    const c = weiningId('19900720', 113)
    const october = join(dir, '十月.csv')
    const november = join(dir, '十一月.csv')
    writeCsv(october, [[...HEADERS], personRow(a, '李明')], { encoding: 'utf8', eol: '\r\n' })
    writeCsv(november, [
      [...HEADERS],
      personRow(a, '李明', { 致贫原因: '=SUM(A1)' }),
      personRow(b, '王芳', { 村: '＋1', 致贫原因: '=SUM(A1)' }),
      personRow(c, '赵强', { 村: '@备注' }),
    ], { encoding: 'utf8', eol: '\r\n' })
    expect(cli('roster', 'import', october, '--period', '2026-10', '--json').code).toBe(0)
    expect(cli('roster', 'import', november, '--period', '2026-11', '--json').code).toBe(0)

    const out = join(dir, '动态比对.xlsx')
    const r = cli('roster', 'diff', '--from', '2026-10', '--to', '2026-11', '--out', out, '--json')
    expect(r.code).toBe(0)
    expect(r.json().details.new.map((p: { village: string }) => p.village).sort()).toEqual(['@备注', '＋1'].sort())

    const [header, ...rows] = await readRows(out, '明细')
    expect(header).toEqual(['类别', '身份证号', '姓名', '乡镇', '村', '说明'])
    expect(rows).toHaveLength(3)
    for (const row of rows) for (const cell of row) if (cell !== '') expect(cell).toMatch(NOT_FORMULA)
    const byKind = (kind: string) => rows.filter((row) => row[0] === kind)
    expect(byKind('新增').map((row) => row[4]).sort()).toEqual([expect.stringContaining('@备注'), expect.stringContaining('＋1')].sort())
    expect(byKind('变更')[0][5]).toBe('致贫原因：因残 → =SUM(A1)')
    for (const row of rows) expect(row[1]).toMatch(MASKED_ID)
    const [summaryHeader, ...summary] = await readRows(out, '汇总')
    expect(summaryHeader).toEqual(['项目', '人数'])
    expect(summary).toContainEqual(['新增', '2'])
  })
})

describe('roster periods, list and stats', () => {
  it('periods lists each month with persons, households and batches; stats totals equal list totals; filters select', async () => {
    const { october, november } = await importTwoSampleMonths()
    const households = (people: SampleRows['persons']) => new Set(people.map((p) => p.householdNo)).size
    const current = onRoster(november)

    const periods = cli('roster', 'periods', '--json')
    expect(periods.code).toBe(0)
    expect(periods.json()).toEqual([
      { period: '2026-10', persons: 300, households: households(october.persons), batches: 1, rejected: 0 },
      { period: '2026-11', persons: current.length, households: households(current), batches: 1, rejected: november.moved.length },
    ])

    const stats = cli('roster', 'stats', '--json').json()
    const list = cli('roster', 'list', '--json').json()
    expect(stats).toMatchObject({ period: '2026-11', by: 'township', total: { group: '合计', persons: current.length, households: households(current) } })
    expect(list).toMatchObject({ period: '2026-11', total: current.length })
    expect(list.items).toHaveLength(200)
    expect(stats.groups.reduce((n: number, g: { persons: number }) => n + g.persons, 0)).toBe(list.total)
    const haibian = current.filter((p) => p.townshipName === '海边街道')
    expect(stats.groups.find((g: { group: string }) => g.group === '海边街道')?.persons ?? 0).toBe(haibian.length)

    const byTownship = cli('roster', 'list', '--township', '海边街道', '--json', '--limit', '1000').json()
    expect(byTownship.total).toBe(haibian.length)
    expect(byTownship.items.every((p: { township: string }) => p.township === '海边街道')).toBe(true)

    const exited = cli('roster', 'list', '--status', '已脱贫', '--json', '--limit', '1000').json()
    expect(exited.total).toBe(current.filter((p) => p.povertyStatus === '已脱贫').length)
    expect(exited.items.every((p: { povertyStatus: string }) => p.povertyStatus === '已脱贫')).toBe(true)

    const severeOctober = cli('roster', 'list', '--period', '2026-10', '--grade', '一级', '--json', '--limit', '1000').json()
    expect(severeOctober).toMatchObject({ period: '2026-10', total: october.persons.filter((p) => p.grade === 1).length })
    expect(severeOctober.items.every((p: { grade: number }) => p.grade === 1)).toBe(true)
  })
})
