import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureCatalog, findIndicator, listActions, listIndicators, loadCatalog, readCatalogFile, showAction } from '../../src/lib/catalog.js'
import { setConfig } from '../../src/lib/config.js'
import { FileError, ValidationError } from '../../src/lib/errors.js'
import { makeTestDb, type TestDb } from '../support/db.js'

const OP = '测试员'
const BUILTIN = join(import.meta.dirname, '../../data/plan-catalog.json')

describe('the built-in catalogue', () => {
  it('holds the plan\'s 10 key actions and 15 safeguards with the annex\'s lead units', () => {
    const catalog = loadCatalog()
    const keys = catalog.actions.filter((a) => a.kind === 'key_action')
    const safeguards = catalog.actions.filter((a) => a.kind === 'safeguard')
    expect(keys.map((a) => a.code)).toEqual(['KA01', 'KA02', 'KA03', 'KA04', 'KA05', 'KA06', 'KA07', 'KA08', 'KA09', 'KA10'])
    expect(safeguards).toHaveLength(15)
    expect(keys[2]).toMatchObject({ title: '残疾人精准康复扶贫行动', leadUnits: ['省残联', '省卫计委'] })
    expect(keys[7].leadUnits).toContain('中国人民银行贵阳中心支行')
    expect(keys[9].leadUnits).toEqual(['省委宣传部', '省残联', '省新闻出版广电局'])
    expect(safeguards[4].title).toBe('加快农村贫困残疾人危房改造实施进度')
    expect(catalog.actions.every((a) => a.content.length > 20 && a.builtin)).toBe(true)
  })

  it('carries the plan\'s targets', () => {
    const byCode = new Map(loadCatalog().indicators.map((i) => [i.code, i]))
    expect(byCode.get('device_fitting_rate')).toMatchObject({ target: 80, unit: '%', comparison: '>=', action: 'KA03', computed: true })
    expect(byCode.get('pairing_coverage')).toMatchObject({ target: 100, action: 'KA02' })
    expect(byCode.get('housing_renovation_rate')).toMatchObject({ deadline: '2018-12-31', action: 'SG05' })
    expect(byCode.get('county_care_institutions')).toMatchObject({ unit: '个', target: 1, action: 'SG14', deadline: '2020-12-31' })
    expect(byCode.get('dropout_for_poverty')).toMatchObject({ target: 0, comparison: '<=', action: 'KA04' })
    expect(byCode.get('literacy_rate')?.action).toBe('KA04')
    expect(byCode.get('workforce_skill_rate')?.action).toBe('SG08')
    expect(byCode.get('exit_rate')).toMatchObject({ target: 100, deadline: '2020-12-31', computed: true, action: null })
  })
})

describe('catalogue files an office edits', () => {
  let t: TestDb
  beforeEach(() => {
    t = makeTestDb('520526')
  })
  afterEach(() => t.close())

  const builtin = () => JSON.parse(readFileSync(BUILTIN, 'utf8'))
  const write = (name: string, content: unknown) => {
    const file = join(t.dir, name)
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
    return file
  }

  it('names the file, the entry and the reason in Chinese', () => {
    const data = builtin()
    data.indicators[2].target = '八十'
    const file = write('本县目录.json', data)
    let error: ValidationError | undefined
    try {
      readCatalogFile(file)
    } catch (e) {
      error = e as ValidationError
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect(error!.code).toBe('CATALOG_INVALID')
    expect(error!.message).toBe(`计划目录文件 ${file} 中指标（indicators）第 3 项（device_fitting_rate）：目标值（target）应为数字`)
  })

  it('reports every problem, with entries named by code', () => {
    const data = builtin()
    data.actions[0].leadUnits = []
    data.actions[24].kind = '措施'
    delete data.indicators[0].deadline
    const file = write('bad.json', data)
    const error = (() => { try { readCatalogFile(file) } catch (e) { return e as ValidationError } })()!
    const details = error.details as Array<{ file: string; entry: string; message: string }>
    expect(details.map((d) => d.entry)).toEqual(['行动（actions）第 1 项（KA01）', '行动（actions）第 25 项（SG15）', '指标（indicators）第 1 项（exit_rate）'])
    expect(details[0].message).toBe('至少要有一个责任单位')
    expect(details[2].message).toBe('缺少截止日期（deadline）')
    expect(details.every((d) => d.file === file)).toBe(true)
  })

  it('rejects broken JSON, duplicate codes and unknown actions', () => {
    expect(() => readCatalogFile(write('a.json', '{"actions": ['))).toThrow(expect.objectContaining({ code: 'CATALOG_INVALID', message: expect.stringContaining('不是有效的 JSON') }))
    const dup = builtin()
    dup.actions[1].code = 'KA01'
    expect(() => readCatalogFile(write('b.json', dup))).toThrow(/行动（actions）第 2 项（KA01）：编号 KA01 重复/)
    const orphan = { indicators: [{ ...builtin().indicators[1], code: 'local_rate', action: 'ZZ01' }] }
    expect(() => loadCatalog(write('c.json', orphan))).toThrow(/第 1 项（local_rate）：所属行动 ZZ01 不存在/)
    expect(() => loadCatalog(join(t.dir, 'none.json'))).toThrow(FileError)
  })

  it('seeds the tables once, and lays the office file over the built-in entries', () => {
    const first = ensureCatalog(t.db, OP)
    expect(first).toMatchObject({ actionsAdded: 25, indicatorsAdded: 10, actionsUpdated: 0 })
    const audits = () => (t.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'catalog.sync'").get() as { n: number }).n
    expect(audits()).toBe(1)
    expect(ensureCatalog(t.db, OP)).toMatchObject({ actionsAdded: 0, actionsUpdated: 0, indicatorsAdded: 0, indicatorsUpdated: 0, unitsAdded: 0 })
    expect(audits()).toBe(1)

    const fitting = { ...builtin().indicators.find((i: { code: string }) => i.code === 'device_fitting_rate'), target: 85 }
    write('本县目录.json', {
      actions: [{ code: 'LX01', kind: 'key_action', seq: 11, title: '威宁县助残扶贫车间行动', content: '在易地扶贫搬迁安置点建设助残扶贫车间，吸纳贫困残疾人就近就业。', leadUnits: ['威宁县残联'] }],
      indicators: [fitting, { code: 'workshop_jobs', name: '扶贫车间吸纳残疾人就业人数', unit: '人', target: 200, comparison: '>=', deadline: '2020-12-31', action: 'LX01', computed: false }],
    })
    setConfig(t.db, 'catalog.file', '本县目录.json', OP)
    expect(ensureCatalog(t.db, OP)).toMatchObject({ actionsAdded: 1, indicatorsAdded: 1, indicatorsUpdated: 1, officeFile: join(t.dir, '本县目录.json') })
    expect(listActions(t.db, { kind: 'key_action' }).map((a) => a.code)).toContain('LX01')
    expect(showAction(t.db, 'lx01')).toMatchObject({ builtin: false, indicators: ['workshop_jobs'] })
    expect(findIndicator(t.db, 'device_fitting_rate')).toMatchObject({ target: 85, builtin: false })
    expect(listIndicators(t.db)).toHaveLength(11)
  })
})
