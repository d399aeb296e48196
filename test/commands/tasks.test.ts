// action, unit and task commands end to end: the real CLI on a 威宁县 database.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeCsv } from '../support/files.js'
import { cliFor, HEADERS, personRow, readDb, useRosterDb, weiningId } from '../support/roster.js'

let dir: string
let db: string
let cli: ReturnType<typeof cliFor>
useRosterDb((t) => ({ dir, db, cli } = t))

interface TaskJson { id: number; parentId: number | null; regionName: string; target: number; actual: number | null; actualSource: string | null; status: string }

/** A small 2026-10 roster: 6 people in 海边街道 (2 已脱贫), 3 in 草海镇, 1 in 雪山镇. */
function importRoster(): void {
  const row = (seq: number, township: string, status = '未脱贫') => {
    const id = weiningId('19700101', seq)
    return personRow(id, `人员${seq}`, { 乡镇: township, 村: township === '海边街道' ? '建设社区' : '', 户编号: `52052600100${seq}`, 脱贫状态: status })
  }
  const rows = [
    ...[1, 3, 5, 7].map((s) => row(s, '海边街道')), ...[9, 11].map((s) => row(s, '海边街道', '已脱贫')),
    ...[13, 15, 17].map((s) => row(s, '草海镇')), row(19, '雪山镇'),
  ]
  const file = join(dir, '花名册.csv')
  writeCsv(file, [[...HEADERS], ...rows], { encoding: 'utf8', eol: '\n' })
  const r = cli('roster', 'import', file, '--period', '2026-10', '--json')
  expect(r.code, r.stderr).toBe(0)
  expect(r.json().rows.accepted).toBe(10)
}

describe('action and unit commands', () => {
  it('action list shows the 10 key actions and 15 safeguards; action show gives the targets', () => {
    const r = cli('action', 'list', '--json')
    expect(r.code).toBe(0)
    const actions = r.json() as Array<{ code: string; kind: string; leadUnits: string[] }>
    expect(actions.filter((a) => a.kind === 'key_action')).toHaveLength(10)
    expect(actions.filter((a) => a.kind === 'safeguard')).toHaveLength(15)
    expect(actions.find((a) => a.code === 'KA04')?.leadUnits).toEqual(['省残联', '教育厅', '省农委', '省扶贫办', '共青团省委', '省妇联'])
    const show = cli('action', 'show', 'KA03', '--json').json()
    expect(show).toMatchObject({ code: 'KA03', title: '残疾人精准康复扶贫行动', indicatorDetails: [{ code: 'device_fitting_rate', target: 80, unit: '%' }] })
    const text = cli('action', 'list').stdout
    expect(text).toMatch(/KA10.*残疾人脱贫典型示范引领行动.*省委宣传部/)
    expect(cli('action', 'show', 'KA99').code).toBe(4)
  })

  it('unit add then list; the plan\'s departments are there already; adding twice is a conflict', () => {
    const added = cli('unit', 'add', '威宁县残联康复中心', '--kind', 'other', '--region', '威宁县', '--json')
    expect(added.code).toBe(0)
    expect(added.json()).toMatchObject({ name: '威宁县残联康复中心', kind: 'other', regionCode: '520526', source: 'manual' })
    const units = cli('unit', 'list', '--json').json() as Array<{ name: string; source: string }>
    expect(units.map((u) => u.name)).toEqual(expect.arrayContaining(['省残联', '省委组织部', '中国人民银行贵阳中心支行', '威宁县残联', '威宁县残联康复中心']))
    expect(cli('unit', 'add', '威宁县残联康复中心', '--kind', 'other', '--json').code).toBe(5)
    const badKind = cli('unit', 'add', '某单位', '--kind', 'company')
    expect(badKind.code).toBe(2)
    const audit = readDb(db, (d) => d.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'unit.add'").get() as { n: number })
    expect(audit.n).toBe(1)
  })
})

describe('task commands', () => {
  it('assign, cascade to the 41 townships by roster share, list the children summing to the parent, record progress', () => {
    importRoster()
    const assigned = cli('task', 'assign', '--action', 'KA01', '--region', '威宁县', '--unit', '县残联', '--target', '100', '--target-unit', '人',
      '--deadline', '2020-12-31', '--title', '实用技术培训', '--json')
    expect(assigned.code, assigned.stderr).toBe(0)
    const parent = assigned.json().task
    expect(parent).toMatchObject({ unitName: '威宁县残联', target: 100, targetUnit: '人', status: expect.any(String) })

    const cascade = cli('task', 'cascade', String(parent.id), '--to', 'townships', '--json')
    expect(cascade.code, cascade.stderr).toBe(0)
    expect(cascade.json()).toMatchObject({ split: 'proportional', rosterPeriod: '2026-10', childrenTotal: 100 })

    const children = cli('task', 'list', '--parent', String(parent.id), '--json').json() as TaskJson[]
    expect(children).toHaveLength(41)
    expect(children.reduce((a, c) => a + c.target, 0)).toBe(100)
    const target = (name: string) => children.find((c) => c.regionName === name)!
    expect([target('海边街道').target, target('草海镇').target, target('雪山镇').target]).toEqual([60, 30, 10])
    expect(cli('task', 'cascade', String(parent.id), '--to', 'townships', '--json').json().error.code).toBe('TASK_ALREADY_CASCADED')

    const progress = cli('task', 'progress', String(target('草海镇').id), '--value', '30', '--note', '培训班结业', '--json')
    expect(progress.code).toBe(0)
    expect(progress.json()).toMatchObject({ progress: { value: 30, note: '培训班结业', recordedBy: '测试员' }, task: { status: 'met' } })

    const overdue = cli('task', 'list', '--overdue', '--as-of', '2021-01-01', '--json').json() as TaskJson[]
    expect(overdue.map((t) => t.id)).not.toContain(target('草海镇').id)
    expect(overdue.map((t) => t.id)).toContain(target('海边街道').id)
    expect(overdue.find((t) => t.id === parent.id)).toMatchObject({ actual: 30, actualSource: 'children' })
    expect(cli('task', 'list', '--overdue', '--as-of', '2020-06-30', '--json').json()).toEqual([])

    const rows = readDb(db, (d) => ({
      tasks: (d.prepare("SELECT count(*) AS n FROM tasks WHERE status = 'open'").get() as { n: number }).n,
      audits: (d.prepare("SELECT group_concat(DISTINCT action) AS a FROM audit_log WHERE action LIKE 'task.%'").get() as { a: string }).a,
    }))
    expect(rows.tasks).toBe(42)
    expect(rows.audits.split(',').sort()).toEqual(['task.assign', 'task.cascade', 'task.progress'])
  })

  it('computes the exit rate from the roster and copies a rate target to the townships', () => {
    importRoster()
    const { task } = cli('task', 'assign', '--action', 'SG01', '--region', '威宁县', '--indicator', 'exit_rate', '--json').json()
    expect(task).toMatchObject({ target: 100, targetUnit: '%', actual: 20, actualSource: 'computed' })
    const cascade = cli('task', 'cascade', String(task.id), '--to', 'townships', '--json').json()
    expect(cascade.split).toBe('copy')
    const list = cli('task', 'list', '--region', '海边街道', '--json').json() as TaskJson[]
    expect(list).toEqual([expect.objectContaining({ regionName: '海边街道', target: 100, actual: 33.33, actualSource: 'computed' })])
    const table = cli('task', 'list', '--region', '海边街道').stdout
    expect(table).toMatch(/海边街道办事处.*≥ 100%.*33\.33%（计算）/)
  })

  it('assign without a TTY and without --action exits 2 naming --action', () => {
    const r = cli('task', 'assign', '--region', '威宁县', '--target', '5')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('非交互模式下必须提供 --action')
    const noDeadline = cli('task', 'assign', '--action', 'KA01', '--region', '威宁县', '--target', '5', '--target-unit', '人', '--json')
    expect(noDeadline.code).toBe(2)
    expect(noDeadline.json().error.message).toContain('--deadline')
  })
})
