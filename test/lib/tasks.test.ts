import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureCatalog } from '../../src/lib/catalog.js'
import type { Db } from '../../src/lib/db.js'
import { ConflictError, NotFoundError, UsageError, ValidationError } from '../../src/lib/errors.js'
import { builtinRegions } from '../../src/lib/regions.js'
import {
  assignTask, cancelTask, cascadeTask, listTasks, recordProgress, showTask, splitTarget, targetKind, taskStatus,
} from '../../src/lib/tasks.js'
import { addUnit, findUnit, governmentName, listUnits } from '../../src/lib/units.js'
import { makeTestDb, type TestDb } from '../support/db.js'

const OP = '测试员'
const WEINING_TOWNSHIPS = builtinRegions().children('520526').map((r) => r.code).sort()

/**
 * Writes one roster period straight into the tables: `people` lists township code (or null), status
 * and how many such people. The batch's rowid range is what roster-query's periodParams reads.
 */
function addRoster(db: Db, period: string, people: Array<{ township: string | null; status?: string; n: number }>): void {
  db.transaction(() => {
    const batch = Number(db.prepare(`INSERT INTO import_batches (kind, period, file_name, sha256, accepted_rows, imported_at, operator)
      VALUES ('roster', ?, 'test.csv', ?, 0, '2026-01-01T00:00:00Z', ?)`).run(period, `sha-${period}`, OP).lastInsertRowid)
    const insert = db.prepare(`INSERT INTO roster_entries (period, id_number, batch_id, row_number, name, county_code, township_code, poverty_status)
      VALUES (?, ?, ?, ?, '某某', '520526', ?, ?)`)
    let row = 0
    let first: number | null = null
    let last = 0
    for (const group of people) {
      for (let i = 0; i < group.n; i++) {
        row++
        last = Number(insert.run(period, `P${period}-${row}`, batch, row, group.township, group.status ?? '未脱贫').lastInsertRowid)
        first ??= last
      }
    }
    db.prepare('UPDATE import_batches SET accepted_rows = ?, first_entry_id = ?, last_entry_id = ? WHERE id = ?').run(row, first, last, batch)
  })()
}

const sum = (values: Array<number | null>) => Math.round(values.reduce<number>((a, b) => a + (b ?? 0), 0) * 100) / 100

describe('splitTarget (largest remainder)', () => {
  it('splits 100 over 3 regions into 34, 33, 33', () => {
    expect(splitTarget(100, [1, 1, 1])).toEqual([34, 33, 33])
  })

  it('splits 7 over 41 townships evenly: seven get 1, in code order, the rest 0', () => {
    const parts = splitTarget(7, Array(41).fill(1))
    expect(sum(parts)).toBe(7)
    expect(parts.slice(0, 7)).toEqual(Array(7).fill(1))
    expect(parts.slice(7).every((p) => p === 0)).toBe(true)
  })

  it('gives a zero-weight region nothing and still sums to the parent', () => {
    const parts = splitTarget(10, [0, 5, 3, 0, 1])
    expect(parts[0]).toBe(0)
    expect(parts[3]).toBe(0)
    expect(sum(parts)).toBe(10)
    expect(parts).toEqual([0, 6, 3, 0, 1])
  })

  it('splits amounts in hundredths', () => {
    expect(splitTarget(100, [1, 1, 1], 2)).toEqual([33.34, 33.33, 33.33])
  })

  it('always sums exactly to the total for awkward random splits', () => {
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n)
    for (let trial = 0; trial < 300; trial++) {
      const weights = Array.from({ length: 1 + rand(60) }, () => (rand(4) === 0 ? 0 : rand(5000)))
      if (weights.every((w) => w === 0)) weights[0] = 1
      const total = rand(100000)
      const parts = splitTarget(total, weights)
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total)
      parts.forEach((p, i) => {
        expect(Number.isInteger(p)).toBe(true)
        expect(Math.abs(p - (total * weights[i]) / weights.reduce((a, b) => a + b, 0))).toBeLessThan(1)
      })
    }
  })

  it('refuses to split by weights that are all zero', () => {
    expect(() => splitTarget(5, [0, 0])).toThrow(expect.objectContaining({ code: 'SPLIT_NO_WEIGHT' }))
  })

  it('knows which units split in whole numbers and which are rates', () => {
    expect(targetKind('人')).toBe('count')
    expect(targetKind('户')).toBe('count')
    expect(targetKind('％')).toBe('rate')
    expect(targetKind('万元')).toBe('amount')
  })
})

describe('taskStatus', () => {
  const base = { target: 80, comparison: '>=', deadline: '2020-12-31' }
  it('is 达标 when the actual meets the target, even after the deadline', () => {
    expect(taskStatus({ ...base, actual: 80 }, '2021-06-01')).toBe('met')
  })
  it('is 逾期 only after the deadline day', () => {
    expect(taskStatus({ ...base, actual: 79.9 }, '2020-12-31')).toBe('unmet')
    expect(taskStatus({ ...base, actual: 79.9 }, '2021-01-01')).toBe('overdue')
    expect(taskStatus({ ...base, actual: null }, '2021-01-01')).toBe('overdue')
  })
  it('reads <= targets the other way round', () => {
    expect(taskStatus({ target: 0, comparison: '<=', deadline: '2020-12-31', actual: 0 }, '2021-01-01')).toBe('met')
    expect(taskStatus({ target: 0, comparison: '<=', deadline: '2020-12-31', actual: 2 }, '2020-06-01')).toBe('unmet')
  })
})

describe('tasks in a county database (威宁县)', () => {
  let t: TestDb
  beforeEach(() => {
    t = makeTestDb('520526')
    ensureCatalog(t.db, OP)
  })
  afterEach(() => t.close())

  const assignCount = (target: number, unit = '人') =>
    assignTask(t.db, { action: 'KA01', region: '威宁县', target, targetUnit: unit, deadline: '2020-12-31', title: '实用技术培训' }, OP).task

  it('assigns with the indicator filling target, unit and deadline, to the county government when no unit is given', () => {
    const { task, unitCreated } = assignTask(t.db, { action: 'ka3', region: '威宁县', indicator: 'device_fitting_rate' }, OP)
    expect(task).toMatchObject({ actionCode: 'KA03', regionCode: '520526', target: 80, targetUnit: '%', comparison: '>=', deadline: '2020-12-31' })
    expect(task.unitName).toBe('威宁彝族回族苗族自治县人民政府')
    expect(unitCreated).toBe(true)
    const audit = t.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'task.assign'").get() as { n: number }
    expect(audit.n).toBe(1)
  })

  it('refuses a region outside the area, a rate above 100 and a fractional head count', () => {
    const input = { action: 'KA03', indicator: 'device_fitting_rate' }
    expect(() => assignTask(t.db, { ...input, region: '赫章县' }, OP)).toThrow(expect.objectContaining({ code: 'REGION_OUTSIDE_AREA' }))
    expect(() => assignTask(t.db, { ...input, region: '威宁县', target: 120 }, OP)).toThrow(UsageError)
    expect(() => assignCount(7.5)).toThrow(expect.objectContaining({ code: 'TASK_INPUT_INVALID' }))
    expect(() => assignTask(t.db, { ...input, region: '威宁县', deadline: '2020-02-30' }, OP)).toThrow(expect.objectContaining({ code: 'TASK_INPUT_INVALID' }))
  })

  it('refuses the same action and indicator for the same region twice', () => {
    assignTask(t.db, { action: 'KA03', region: '威宁县', indicator: 'device_fitting_rate' }, OP)
    expect(() => assignTask(t.db, { action: 'KA03', region: '520526', indicator: 'device_fitting_rate' }, OP)).toThrow(ConflictError)
  })

  it('cascades 7 人 evenly over the 41 townships, each under its own government', async () => {
    const parent = assignCount(7)
    const result = await cascadeTask(t.db, parent.id, { to: 'townships', split: 'even' }, OP)
    expect(result.children).toHaveLength(41)
    expect(result.children.map((c) => c.regionCode)).toEqual(WEINING_TOWNSHIPS)
    expect(sum(result.children.map((c) => c.target))).toBe(7)
    expect(result.childrenTotal).toBe(7)
    expect(result.children[0]).toMatchObject({ regionName: '海边街道', unitName: '海边街道办事处' })
    expect(result.children.find((c) => c.regionName === '雪山镇')?.unitName).toBe('雪山镇人民政府')
  })

  it('cascades in proportion to the latest roster, a township without anyone getting 0', async () => {
    const [a, b, c] = WEINING_TOWNSHIPS
    addRoster(t.db, '2026-09', [{ township: a, n: 50 }])
    addRoster(t.db, '2026-10', [{ township: a, n: 5 }, { township: b, n: 3 }, { township: c, n: 2 }, { township: null, n: 4 }])
    const parent = assignCount(100, '户')
    const result = await cascadeTask(t.db, parent.id, { to: 'townships' }, OP)
    expect(result).toMatchObject({ split: 'proportional', rosterPeriod: '2026-10', basis: '2026-10 期花名册', childrenTotal: 100 })
    const byCode = new Map(result.children.map((ch) => [ch.regionCode, ch]))
    expect(byCode.get(a)).toMatchObject({ weight: 5, target: 50 })
    expect(byCode.get(b)).toMatchObject({ weight: 3, target: 30 })
    expect(byCode.get(c)).toMatchObject({ weight: 2, target: 20 })
    expect(result.children.filter((ch) => ch.target === 0)).toHaveLength(38)
    expect(result.warnings.join()).toContain('4 人未填乡镇')
    expect(result.warnings.join()).toContain('38 个下级区划在花名册中没有登记人员')
  })

  it('rounds a proportional 100 over three uneven townships to sum exactly', async () => {
    const [a, b, c] = WEINING_TOWNSHIPS
    addRoster(t.db, '2026-10', [{ township: a, n: 1 }, { township: b, n: 1 }, { township: c, n: 1 }])
    const result = await cascadeTask(t.db, assignCount(100).id, { to: 'townships' }, OP)
    expect(result.children.slice(0, 3).map((ch) => ch.target)).toEqual([34, 33, 33])
    expect(sum(result.children.map((ch) => ch.target))).toBe(100)
  })

  it('copies a percentage target to every township unchanged', async () => {
    const { task } = assignTask(t.db, { action: 'KA03', region: '威宁县', indicator: 'device_fitting_rate' }, OP)
    const result = await cascadeTask(t.db, task.id, { to: 'townships' }, OP)
    expect(result.split).toBe('copy')
    expect(result.childrenTotal).toBeNull()
    expect(new Set(result.children.map((c) => c.target))).toEqual(new Set([80]))
  })

  it('needs a roster to split in proportion, and names the alternatives', async () => {
    const parent = assignCount(10)
    const error = await cascadeTask(t.db, parent.id, { to: 'townships' }, OP).catch((e) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.code).toBe('NO_ROSTER')
    expect(error.hint).toContain('--split even')
  })

  it('refuses to cascade twice unless forced, and then cancels the old children', async () => {
    const parent = assignCount(41)
    await cascadeTask(t.db, parent.id, { to: 'townships', split: 'even' }, OP)
    await expect(cascadeTask(t.db, parent.id, { to: 'townships', split: 'even' }, OP)).rejects.toMatchObject({ code: 'TASK_ALREADY_CASCADED' })
    const forced = await cascadeTask(t.db, parent.id, { to: 'townships', split: 'even', force: true }, OP)
    expect(forced.replaced).toBe(41)
    expect(listTasks(t.db, { parent: parent.id })).toHaveLength(41)
    expect(listTasks(t.db, { parent: parent.id, includeCancelled: true })).toHaveLength(82)
  })

  it('refuses a level that is not the next one down', async () => {
    const parent = assignCount(5)
    await expect(cascadeTask(t.db, parent.id, { to: 'counties', split: 'even' }, OP)).rejects.toMatchObject({ code: 'CASCADE_LEVEL' })
  })

  it('splits from a file of 区划/目标值, checking every township is there and the sum', async () => {
    const parent = assignCount(82)
    const townships = builtinRegions().children('520526').sort((a, b) => a.code.localeCompare(b.code))
    const file = join(t.dir, '分解表.csv')
    const rows = townships.map((r, i) => [i === 0 ? r.code : r.name, String(i === 0 ? 2 : 2)])
    writeFileSync(file, ['区划,目标值', ...rows.map((r) => r.join(',')), '合计,82'].join('\n'))
    const ok = await cascadeTask(t.db, parent.id, { to: 'townships', split: 'file', file }, OP)
    expect(ok.children.every((c) => c.target === 2)).toBe(true)
    expect(ok.basis).toBe('分解表.csv')

    const other = assignTask(t.db, { action: 'KA05', region: '威宁县', target: 82, targetUnit: '人', deadline: '2020-12-31' }, OP).task
    writeFileSync(file, ['区划,目标值', ...rows.slice(1).map((r) => r.join(','))].join('\n'))
    await expect(cascadeTask(t.db, other.id, { to: 'townships', file }, OP)).rejects.toMatchObject({ code: 'CASCADE_FILE_INVALID', message: expect.stringContaining('缺少 1 个下级区划') })
    writeFileSync(file, ['区划,目标值', ...rows.map((r) => r.join(',')), '火星乡,1'].join('\n'))
    await expect(cascadeTask(t.db, other.id, { to: 'townships', file }, OP)).rejects.toMatchObject({ code: 'CASCADE_FILE_INVALID', message: expect.stringContaining('第 43 行') })
    writeFileSync(file, ['区划,目标值', ...rows.map((r, i) => [r[0], i === 3 ? '3' : r[1]].join(','))].join('\n'))
    await expect(cascadeTask(t.db, other.id, { to: 'townships', file }, OP)).rejects.toBeInstanceOf(ValidationError)
  })

  it('judges overdue by the as-of date and counts hand-entered progress, keeping the history', async () => {
    const parent = assignCount(3)
    const { children } = await cascadeTask(t.db, parent.id, { to: 'townships', split: 'even' }, OP)
    recordProgress(t.db, children[0].id, { value: 1 }, OP)
    recordProgress(t.db, children[1].id, { value: 0, note: '首次' }, OP)
    recordProgress(t.db, children[1].id, { value: 1, note: '复核' }, OP)
    const before = listTasks(t.db, { asOf: '2020-06-30' })
    expect(before.filter((x) => x.status === 'overdue')).toHaveLength(0)
    const after = listTasks(t.db, { asOf: '2021-01-01', overdue: true })
    expect(after.map((x) => x.id)).not.toContain(children[0].id)
    expect(after.map((x) => x.id)).toContain(children[2].id)
    const top = after.find((x) => x.id === parent.id)!
    expect(top).toMatchObject({ actual: 2, actualSource: 'children', status: 'overdue' })
    const detail = showTask(t.db, children[1].id)
    expect(detail.progress.map((p) => p.value)).toEqual([0, 1])
    expect(detail).toMatchObject({ actual: 1, actualSource: 'progress', status: 'met', parent: { id: parent.id } })
    expect(() => recordProgress(t.db, children[0].id, { value: '1.5' }, OP)).toThrow(expect.objectContaining({ code: 'PROGRESS_INVALID' }))
  })

  it('computes the exit rate of a region from the latest roster', async () => {
    const [a, b] = WEINING_TOWNSHIPS
    addRoster(t.db, '2026-10', [{ township: a, status: '已脱贫', n: 3 }, { township: a, n: 1 }, { township: b, n: 4 }])
    const { task } = assignTask(t.db, { action: 'SG01', region: '威宁县', indicator: 'exit_rate' }, OP)
    const { children } = await cascadeTask(t.db, task.id, { to: 'townships' }, OP)
    const list = listTasks(t.db, { action: 'SG01', asOf: '2026-12-31' })
    expect(list.find((x) => x.id === task.id)).toMatchObject({ actual: 37.5, actualSource: 'computed', status: 'overdue' })
    expect(list.find((x) => x.id === children[0].id)).toMatchObject({ actual: 75, actualSource: 'computed' })
    expect(list.find((x) => x.id === children[2].id)).toMatchObject({ actual: null, actualNote: expect.stringContaining('没有登记人员') })
    // As of a date before the first roster there is nothing to compute from.
    expect(listTasks(t.db, { action: 'SG01', asOf: '2020-01-01' })[0]).toMatchObject({ actual: null, actualNote: expect.stringContaining('2020-01 及以前没有花名册') })
    const fitting = assignTask(t.db, { action: 'KA03', region: '威宁县', indicator: 'device_fitting_rate' }, OP).task
    expect(fitting.actual).toBeNull()
    expect(fitting.actualNote).toContain('待导入')
  })

  it('cancels a task with its children, keeping the rows', async () => {
    const parent = assignCount(2)
    await cascadeTask(t.db, parent.id, { to: 'townships', split: 'even' }, OP)
    expect(cancelTask(t.db, parent.id, OP).cancelled).toHaveLength(42)
    expect(listTasks(t.db)).toHaveLength(0)
    expect(() => recordProgress(t.db, parent.id, { value: 1 }, OP)).toThrow(ConflictError)
  })
})

describe('units', () => {
  let t: TestDb
  beforeEach(() => {
    t = makeTestDb('520526')
    ensureCatalog(t.db, OP)
  })
  afterEach(() => t.close())

  it('seeds the annex departments and the county departments of the addressee line once', () => {
    const names = listUnits(t.db).map((u) => u.name)
    for (const name of ['省残联', '省扶贫办', '省委组织部', '教育厅', '省卫计委', '商务厅', '省旅发委', '省妇联', '共青团省委', '省农委', '省人社厅', '中国人民银行贵阳中心支行', '省委宣传部', '省新闻出版广电局']) {
      expect(names).toContain(name)
    }
    expect(names).toContain('威宁县残联')
    expect(names).toContain('共青团威宁县委')
    expect(names).not.toContain('威宁县银监分局')
    expect(ensureCatalog(t.db, OP).unitsAdded).toBe(0)
  })

  it('finds a unit by the end of its name when only one fits', () => {
    expect(findUnit(t.db, '县残联').name).toBe('威宁县残联')
    expect(() => findUnit(t.db, '残联')).toThrow(expect.objectContaining({ code: 'UNIT_AMBIGUOUS' }))
    expect(() => findUnit(t.db, '火星局')).toThrow(NotFoundError)
  })

  it('adds a unit once', () => {
    const unit = addUnit(t.db, { name: '威宁县残联康复中心', kind: 'other', region: '威宁县' }, OP)
    expect(unit).toMatchObject({ kind: 'other', regionCode: '520526', source: 'manual' })
    expect(() => addUnit(t.db, { name: '威宁县残联康复中心', kind: 'other' }, OP)).toThrow(ConflictError)
  })

  it('names local governments as they are styled', () => {
    expect(governmentName({ name: '海边街道', level: 'township' })).toBe('海边街道办事处')
    expect(governmentName({ name: '雪山镇', level: 'township' })).toBe('雪山镇人民政府')
    expect(governmentName({ name: '威宁彝族回族苗族自治县', level: 'county' })).toBe('威宁彝族回族苗族自治县人民政府')
  })
})

describe('a province database', () => {
  it('cascades a province task to the 9 cities and the two counties that report to the province', async () => {
    const t = makeTestDb('52')
    try {
      ensureCatalog(t.db, OP)
      expect(listUnits(t.db).some((u) => u.name === '威宁县残联')).toBe(false)
      const { task } = assignTask(t.db, { action: 'KA02', region: '贵州省', target: 1000, targetUnit: '户', deadline: '2020-12-31' }, OP)
      const result = await cascadeTask(t.db, task.id, { to: 'cities', split: 'even' }, OP)
      expect(result.children).toHaveLength(11)
      expect(result.children.map((c) => c.regionName)).toEqual(expect.arrayContaining(['仁怀市', '威宁彝族回族苗族自治县', '毕节市']))
      expect(result.childrenTotal).toBe(1000)
      const bijie = result.children.find((c) => c.regionName === '毕节市')!
      const counties = await cascadeTask(t.db, bijie.id, { to: 'counties', split: 'even' }, OP)
      expect(counties.children.map((c) => c.regionName)).not.toContain('威宁彝族回族苗族自治县')
      expect(sum(counties.children.map((c) => c.target))).toBe(bijie.target)
    } finally {
      t.close()
    }
  })
})
