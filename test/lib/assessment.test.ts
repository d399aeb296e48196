import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { locateJsonError } from '../../src/lib/json-file.js'
import {
  type AssessmentResult, DEFAULT_SCHEME_FILE, assessmentReport, assessmentSheet, assessmentSummary, describeRule, loadScheme,
  parseScheme, saveAssessment, scoreRegions,
} from '../../src/lib/assessment.js'
import { listAudit } from '../../src/lib/audit.js'
import { FileError, NotFoundError, UsageError, ValidationError } from '../../src/lib/errors.js'
import { builtinRegions } from '../../src/lib/regions.js'
import { METRICS, type RegionFigures, type ReportBlock } from '../../src/lib/report-model.js'
import { tempDir } from '../support/cli.js'
import { makeTestDb, type TestDb } from '../support/db.js'

type Json = Record<string, unknown>

/** A scheme scoring one indicator of weight w; a filler indicator every region passes takes the other 100 − w. */
function withFiller(indicator: Json, extra: Json = {}) {
  const w = (indicator.weight as number | undefined) ?? 100
  const indicators: Json[] = [{ code: 'x', name: '测试', weight: w, ...indicator }]
  if (w < 100) indicators.push({ code: 'filler', name: '填充', metric: 'registered', weight: 100 - w, target: 1, scoring: 'threshold' })
  return parseScheme({ name: '测试方案', indicators, ...extra }, 'test.json')
}

const region = (code: string, values: RegionFigures['values'], name = `地区${code}`): RegionFigures => ({ code, name, values: { registered: 10, ...values } })

/** The score of indicator x for each value, in order. */
function scores(indicator: Json, values: Array<number | null>, metric = indicator.metric as string): Array<number | null> {
  const scheme = withFiller(indicator)
  const result = scoreRegions(scheme, values.map((v, i) => region(String(i), { [metric]: v })))
  return values.map((_, i) => result.regions.find((r) => r.code === String(i))!.indicators[0].score)
}

describe('scoring rules', () => {
  it('linear: weight × value / target, full marks at the target and no more above it', () => {
    expect(scores({ metric: 'exitRate', weight: 20, target: 1 }, [0, 0.5, 0.75, 1, 1.2])).toEqual([0, 10, 15, 20, 20])
    expect(scores({ metric: 'deviceRate', weight: 10, target: 0.8 }, [0.6, 0.2])).toEqual([7.5, 2.5])
  })

  it('linear with a floor: nothing at or below the floor, linear from floor to target', () => {
    expect(scores({ metric: 'deviceRate', weight: 10, target: 0.8, floor: 0.4 }, [0.3, 0.4, 0.6, 0.7, 0.8, 0.95])).toEqual([0, 0, 5, 7.5, 10, 10])
  })

  it('cap above 1 gives a bonus for beating the target, up to cap × weight', () => {
    expect(scores({ metric: 'deviceRate', weight: 10, target: 0.8, cap: 1.1 }, [0.8, 0.84, 0.88, 1])).toEqual([10, 10.5, 11, 11])
    expect(scores({ metric: 'deviceRate', weight: 10, target: 0.8, floor: 0.4, cap: 1.1 }, [0.82, 0.9])).toEqual([10.5, 11])
  })

  it('threshold: full weight when the target is met, else 0 or the partial fraction', () => {
    expect(scores({ metric: 'taskOnTrackRate', weight: 10, target: 1, scoring: 'threshold' }, [0.99, 1])).toEqual([0, 10])
    expect(scores({ metric: 'taskOnTrackRate', weight: 10, target: 0.9, scoring: 'threshold', partial: 0.5 }, [0.5, 0.9])).toEqual([5, 10])
  })

  it('lower-is-better linear: full marks at or below target, falling linearly to 0 at zeroAt', () => {
    expect(scores({ metric: 'gaps', weight: 10, target: 0, zeroAt: 50 }, [0, 10, 25, 49, 50, 80])).toEqual([10, 8, 5, 0.2, 0, 0])
    expect(scores({ metric: 'gaps', weight: 10, target: 5, zeroAt: 25 }, [3, 5, 15, 20])).toEqual([10, 10, 5, 2.5])
    expect(scores({ metric: 'returnRate', weight: 5, target: 0, zeroAt: '5%' }, [0.01, 0.025])).toEqual([4, 2.5])
  })

  it('lower-is-better threshold and a per-indicator better override', () => {
    expect(scores({ metric: 'tasksOverdue', weight: 10, target: 0, scoring: 'threshold' }, [0, 1])).toEqual([10, 0])
    expect(scores({ metric: 'registered', better: 'lower', weight: 10, target: 100, scoring: 'threshold' }, [80, 120])).toEqual([10, 0])
  })

  it('rounds each score to 2 decimals and totals the rounded scores', () => {
    const scheme = parseScheme({
      name: '测试', indicators: [
        { code: 'a', metric: 'exitRate', weight: 50, target: 1 },
        { code: 'b', metric: 'deviceRate', weight: 50, target: 0.9 },
      ],
    }, 't.json')
    const [r] = scoreRegions(scheme, [region('1', { exitRate: 1 / 3, deviceRate: 0.6 })]).regions
    expect(r.indicators.map((s) => s.score)).toEqual([16.67, 33.33])
    expect(r.total).toBe(50)
    expect(r.indicators.map((s) => s.met)).toEqual([false, false])
    expect(r.belowTarget).toEqual(['a', 'b'])
  })

  describe('missing data', () => {
    const raw = {
      name: '测试', indicators: [
        { code: 'exit', metric: 'exitRate', weight: 60, target: 1 },
        { code: 'device', metric: 'deviceRate', weight: 40, target: 0.8 },
      ],
    }
    const figures = [region('1', { exitRate: 0.5, deviceRate: null }), region('2', { exitRate: 0.5, deviceRate: 0.8 })]

    it('zero (the default) scores 0 and names the indicator', () => {
      const result = scoreRegions(parseScheme(raw, 't.json'), figures)
      const r = result.regions.find((x) => x.code === '1')!
      expect(r.indicators[1]).toMatchObject({ value: null, score: 0, met: null, missing: true, fullMarks: 40 })
      expect(r).toMatchObject({ total: 30, scoredWeight: 100, missing: ['device'], belowTarget: ['exit'] })
      expect(result.indicators[1]).toMatchObject({ missing: 1, met: 1, belowTarget: 0, averageScore: 20, averageValue: 0.8 })
    })

    it('full scores full marks', () => {
      const r = scoreRegions(parseScheme({ ...raw, missing: 'full' }, 't.json'), figures).regions.find((x) => x.code === '1')!
      expect(r.indicators[1].score).toBe(40)
      expect(r.total).toBe(70)
      expect(r.missing).toEqual(['device'])
    })

    it('exclude leaves it out and rescales the total to 100 over the remaining weights', () => {
      const result = scoreRegions(parseScheme({ ...raw, missing: 'exclude' }, 't.json'), figures)
      const r = result.regions.find((x) => x.code === '1')!
      expect(r.indicators[1].score).toBeNull()
      expect(r).toMatchObject({ total: 50, scoredWeight: 60, missing: ['device'] })
      expect(result.regions.find((x) => x.code === '2')!).toMatchObject({ total: 70, scoredWeight: 100, missing: [] })
    })

    it('an indicator may override the scheme\'s rule, and an absent or non-finite value counts as missing', () => {
      const scheme = parseScheme({ ...raw, indicators: [raw.indicators[0], { ...raw.indicators[1], missing: 'full' }] }, 't.json')
      const result = scoreRegions(scheme, [region('1', { exitRate: 0.5 }), region('2', { exitRate: Number.NaN, deviceRate: 0.8 })])
      expect(result.regions.find((x) => x.code === '1')!.total).toBe(70)
      expect(result.regions.find((x) => x.code === '2')!).toMatchObject({ total: 40, missing: ['exit'] })
      expect(describeRule(scheme.indicators[1], scheme.missing)).toContain('无数据时计满分')
    })
  })

  it('ranks by total with competition ranking (1, 2, 2, 4), tied regions in the given order', () => {
    const scheme = withFiller({ metric: 'exitRate', weight: 100, target: 1 })
    const result = scoreRegions(scheme, [
      region('A', { exitRate: 0.8 }), region('B', { exitRate: 0.9 }), region('C', { exitRate: 0.7 }), region('D', { exitRate: 0.8 }),
    ])
    expect(result.regions.map((r) => [r.code, r.total, r.rank])).toEqual([['B', 90, 1], ['A', 80, 2], ['D', 80, 2], ['C', 70, 4]])
    expect(result.averageTotal).toBe(80)
    expect(result.indicators[0]).toMatchObject({ averageScore: 80, met: 0, belowTarget: 4, missing: 0 })
    expect(result.indicators[0].averageValue).toBeCloseTo(0.8)
  })

  it('refuses a region given twice', () => {
    const scheme = withFiller({ metric: 'exitRate', target: 1 })
    expect(() => scoreRegions(scheme, [region('A', {}), region('A', {})])).toThrow(UsageError)
  })

  it('handles no regions at all', () => {
    const result = scoreRegions(withFiller({ metric: 'exitRate', target: 1 }), [])
    expect(result).toMatchObject({ regions: [], averageTotal: null })
    expect(assessmentSummary(result)).toContain('没有可考核的地区')
    expect(assessmentReport(result, { title: 't', issuer: 'i', date: '2026-01-01', period: '2026' }).blocks.some((b) => b.type === 'chart')).toBe(false)
  })
})

describe('reading a scheme file', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({ dir, cleanup } = tempDir()))
  afterEach(() => cleanup())

  const GOOD = {
    name: '测试方案',
    indicators: [
      { code: 'exit', name: '脱贫退出', metric: 'exitRate', weight: 50, target: 1, scoring: 'linear' },
      { code: 'device', name: '辅助器具适配', metric: 'deviceRate', weight: 30, target: 0.8, floor: 0.4 },
      { code: 'gaps', name: '应享未享', metric: 'gaps', weight: 20, target: 0, zeroAt: 50 },
    ],
  }
  const write = (content: string | Buffer, name = 'scheme.json') => {
    const file = join(dir, name)
    writeFileSync(file, content)
    return file
  }
  const errorOf = (fn: () => unknown): ValidationError => {
    try {
      fn()
    } catch (error) {
      return error as ValidationError
    }
    throw new Error('expected an error')
  }
  /** Writes GOOD with indicator i changed (null = the whole scheme), loads it and returns the error. */
  const broken = (index: number | null, change: Json) => {
    const scheme = structuredClone(GOOD) as Json & { indicators: Json[] }
    if (index === null) Object.assign(scheme, change)
    else Object.assign(scheme.indicators[index], change)
    for (const target of [scheme, ...scheme.indicators]) for (const [k, v] of Object.entries(target)) if (v === undefined) delete target[k]
    const file = write(JSON.stringify(scheme, null, 2))
    const error = errorOf(() => loadScheme(file))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.code).toBe('ASSESSMENT_SCHEME_INVALID')
    expect(error.message).toContain(file)
    return error
  }

  it('loads a good file, normalises it and returns the file\'s sha256', () => {
    const content = JSON.stringify({
      _comment: '注释',
      ...GOOD,
      indicators: [{ ...GOOD.indicators[0], target: '100%', _note: 'x' }, { ...GOOD.indicators[1], target: '８０％', floor: '40%' }, GOOD.indicators[2]],
    })
    const file = write(content)
    const { scheme, sha256 } = loadScheme(file)
    expect(sha256).toBe(createHash('sha256').update(content).digest('hex'))
    expect(scheme.missing).toBe('zero')
    expect(scheme.indicators[0]).toMatchObject({ target: 1, better: 'higher', cap: 1, partial: 0, floor: null, missing: null })
    expect(scheme.indicators[1]).toMatchObject({ target: 0.8, floor: 0.4, scoring: 'linear' })
    expect(scheme.indicators[2]).toMatchObject({ better: 'lower', zeroAt: 50 })
  })

  it('defaults an indicator\'s name to the metric\'s Chinese name and reads a GBK file', () => {
    const scheme = { ...GOOD, name: '考核', indicators: GOOD.indicators.map(({ name: _n, ...rest }) => rest) }
    const { scheme: loaded } = loadScheme(write(iconv.encode(JSON.stringify(scheme), 'gbk')))
    expect(loaded.name).toBe('考核')
    expect(loaded.indicators.map((i) => i.name)).toEqual(['脱贫率', '辅助器具适配率', '应享未享人次'])
  })

  it('reports a JSON syntax error with its line and column', () => {
    const file = write('{\n  "name": "x",\n  "indicators": [],\n}\n')
    const error = errorOf(() => loadScheme(file))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.message).toBe(`考核方案 ${file} 不是有效的 JSON，第 4 行第 1 列：最后一项后面多了逗号`)
    expect(error.details).toEqual([expect.objectContaining({ line: 4, column: 1 })])
  })

  it.each([
    ['{"name"：1}', 1, 8, '中文标点「：」'],
    ['{"a": 1 "b": 2}', 1, 9, '缺少逗号'],
    ['[1, 2,]', 1, 7, '多了逗号'],
    ['{"a": \'x\'}', 1, 7, '单引号'],
    ['{"a": "C:\\dir"}', 1, 10, '反斜杠'],
    ['{"a": [1, 2}', 1, 12, '英文逗号 , 或 ]'],
    ['{\n "a": tru\n}', 2, 7, '此处不应出现「t」'],
    ['', 1, 1, '文件是空的'],
    ['{"a": 1', 1, 8, '意外结束'],
  ])('locates the syntax error in %j', (text, line, column, reason) => {
    expect(() => JSON.parse(text)).toThrow()
    const found = locateJsonError(text)
    expect(found).toMatchObject({ line, column })
    expect(found!.reason).toContain(reason)
  })

  it('accepts what JSON.parse accepts', () => {
    expect(locateJsonError(readFileSync(DEFAULT_SCHEME_FILE, 'utf8'))).toBeNull()
    expect(locateJsonError('{"a": [1, -2.5e3, true, false, null, "\\u4e2d\\n"], "b": {}}')).toBeNull()
  })

  it('says what the weights sum to', () => {
    const error = broken(2, { weight: 15 })
    expect(error.message).toContain('各项指标权重合计为 95，应为 100')
    expect(error.message).toContain('exit 50 + device 30 + gaps 15')
  })

  it('names the indicator of an unknown metric and lists the valid ones in the hint', () => {
    const error = broken(1, { metric: 'deviceRat' })
    expect(error.message).toBe(`考核方案 ${join(dir, 'scheme.json')} 第 2 项指标（device「辅助器具适配」）：没有名为「deviceRat」的考核数据（metric）`)
    expect(error.hint).toContain('deviceRate（辅助器具适配率）')
    expect(error.hint).toContain('taskOnTrackRate（任务未逾期比例）')
    expect(error.details).toEqual([expect.objectContaining({ indicator: '第 2 项指标（device「辅助器具适配」）', path: 'indicators.1.metric' })])
  })

  it('suggests the metric a clerk probably meant', () => {
    expect(broken(0, { metric: 'exitrate' }).message).toContain('是不是 exitRate（脱贫率）？')
    expect(broken(0, { metric: '辅助器具适配率' }).message).toContain('是不是 deviceRate（辅助器具适配率）？')
  })

  it.each<[string, number | null, Json, string]>([
    ['a duplicate code', 2, { code: 'exit' }, '第 3 项指标（exit「应享未享」）：代码 exit 与第 1 项指标重复'],
    ['a negative weight', 1, { weight: -30 }, '第 2 项指标（device「辅助器具适配」）：权重（weight）应大于 0，现为 -30'],
    ['a missing target', 0, { target: undefined }, '第 1 项指标（exit「脱贫退出」）：缺少目标值（target）'],
    ['lower-better linear without zeroAt', 2, { zeroAt: undefined }, '第 3 项指标（gaps「应享未享」）：越低越好的指标按比例计分（linear）时必须给出得零分的值（zeroAt）'],
    ['zeroAt not above the target', 2, { target: 10, zeroAt: 5 }, '得零分的值（zeroAt） 5 应大于目标值（target） 10'],
    ['a floor at or above the target', 1, { floor: 0.8 }, '第 2 项指标（device「辅助器具适配」）：下限（floor） 80.0% 应小于目标值（target） 80.0%'],
    ['a floor on a threshold rule', 1, { scoring: 'threshold' }, '下限（floor）只用于越高越好、按比例计分（linear）的指标'],
    ['zeroAt on a higher-better metric', 0, { zeroAt: 0.5 }, '得零分的值（zeroAt）只用于越低越好'],
    ['a rate target written as a whole percent', 1, { target: 80, floor: undefined }, '目标值（target） 80 超出 0–1：「辅助器具适配率」是比例，应写成小数（如 0.8）或百分数（如 "80%"）'],
    ['a percentage for a count', 2, { zeroAt: '50%' }, '「应享未享人次」是数量，不是比例，得零分的值（zeroAt）不能写成百分数'],
    ['a target that is not a number', 0, { target: '全部' }, '目标值（target） "全部" 不是数字或百分数'],
    ['a negative target', 2, { target: -1 }, '目标值（target）不能为负数'],
    ['a cap out of range', 0, { cap: 3 }, '封顶倍数（cap）应在 1 到 2 之间'],
    ['a partial on a linear rule', 0, { partial: 0.5 }, '未达标得分比例（partial）只用于达标得分（threshold）'],
    ['a partial of 1 or more', 0, { scoring: 'threshold', partial: 1 }, '未达标得分比例（partial）应小于 1'],
    ['an unknown scoring rule', 0, { scoring: 'step' }, '计分方式（scoring）应为 linear（按比例计分）或 threshold（达标得分）'],
    ['a misspelt key', 2, { zeroat: 50 }, '有不认识的项：zeroat（是不是 zeroAt？）'],
    ['a weight written as text', 0, { weight: '50' }, '第 1 项指标（exit「脱贫退出」）：权重（weight）应为数字'],
    ['a missing code', 0, { code: undefined }, '第 1 项指标（「脱贫退出」）：缺少代码（code）'],
    ['a code in Chinese', 0, { code: '脱贫' }, '代码（code）应为英文字母开头'],
    ['a missing scheme name', null, { name: undefined }, 'scheme.json：缺少名称（name）'],
    ['no indicators', null, { indicators: [] }, 'scheme.json：至少要有一项指标'],
    ['a bad missing rule', null, { missing: 'skip' }, '无数据处理方式（missing）应为 zero（计 0 分）、full（计满分）或 exclude（不计入并折算）'],
  ])('rejects %s', (_what, index, change, expected) => {
    const error = broken(index, change)
    expect(error.message).toContain(expected)
    expect(error.message).not.toMatch(/Expected|Required|Invalid/)
  })

  it('reports every problem in details, the first in the message', () => {
    const error = broken(null, { indicators: [{ ...GOOD.indicators[0], weight: -1 }, { ...GOOD.indicators[1], metric: 'nope' }, GOOD.indicators[2]] })
    expect(error.message).toContain('另有 2 处问题')
    expect((error.details as Array<{ path: string }>).map((d) => d.path)).toEqual(['indicators.0.weight', 'indicators.1.metric', 'indicators'])
  })

  it('fails with a FileError for a missing file', () => {
    const error = errorOf(() => loadScheme(join(dir, 'none.json')))
    expect(error).toBeInstanceOf(FileError)
    expect(error.code).toBe('ASSESSMENT_SCHEME_NOT_FOUND')
  })
})

describe('the default scheme', () => {
  it('loads, its weights sum to 100 and it scores the plan\'s goals', () => {
    const { scheme } = loadScheme(DEFAULT_SCHEME_FILE)
    expect(scheme.indicators.reduce((a, i) => a + i.weight, 0)).toBe(100)
    expect(scheme.indicators.every((i) => i.metric in METRICS)).toBe(true)
    const byMetric = new Map(scheme.indicators.map((i) => [i.metric, i]))
    expect(byMetric.get('deviceRate')).toMatchObject({ target: 0.8 })
    expect(byMetric.get('pairingFullRate')).toMatchObject({ target: 1 })
    for (const metric of ['exitRate', 'housingRate', 'educationRate', 'benefitCoverage', 'letterSignedRate', 'taskOnTrackRate'] as const) {
      expect(byMetric.has(metric)).toBe(true)
    }
  })
})

describe('printing a result', () => {
  const scheme = parseScheme({
    name: '测试方案', basis: '行动计划', indicators: [
      { code: 'exit', name: '脱贫退出', metric: 'exitRate', weight: 60, target: 1 },
      { code: 'device', name: '辅助器具适配', metric: 'deviceRate', weight: 30, target: '80%', floor: '40%' },
      { code: 'overdue', name: '逾期任务', metric: 'tasksOverdue', weight: 10, target: 0, scoring: 'threshold' },
    ],
  }, 't.json')
  const figures = [
    region('1', { exitRate: 1, deviceRate: 0.9, tasksOverdue: 0 }, '甲镇'),
    region('2', { exitRate: 0.5, deviceRate: 0.6, tasksOverdue: 2 }, '乙镇'),
    region('3', { exitRate: 0.8, deviceRate: null, tasksOverdue: 0 }, '丙镇'),
    region('4', { exitRate: 0.9, deviceRate: 0.8, tasksOverdue: 1 }, '丁镇'),
  ]
  const result: AssessmentResult = scoreRegions(scheme, figures)
  // 甲 60+30+10 = 100; 丁 54+30+0 = 84; 丙 48+0+10 = 58; 乙 30+15+0 = 45

  it('scores the example by hand', () => {
    expect(result.regions.map((r) => [r.name, r.total, r.rank])).toEqual([['甲镇', 100, 1], ['丁镇', 84, 2], ['丙镇', 58, 3], ['乙镇', 45, 4]])
    expect(result.averageTotal).toBe(71.75)
  })

  it('makes a sheet with figures (rates in percent) beside the scores', () => {
    const sheet = assessmentSheet(result)
    expect(sheet.headers).toEqual([
      '排名', '区划代码', '地区', '脱贫退出（%）', '脱贫退出得分（满分 60）', '辅助器具适配（%）', '辅助器具适配得分（满分 30）',
      '逾期任务（实际值）', '逾期任务得分（满分 10）', '总分', '未达目标的指标', '无数据的指标',
    ])
    expect(sheet.rows[1]).toEqual([2, '4', '丁镇', 90, 54, 80, 30, 1, 0, 84, '脱贫退出、逾期任务', ''])
    expect(sheet.rows[2]).toEqual([3, '3', '丙镇', 80, 48, '', 0, 0, 10, 58, '脱贫退出', '辅助器具适配'])
    expect(assessmentSheet(result, { values: false }).headers).toHaveLength(3 + 3 + 3)
  })

  it('writes a report that explains itself', () => {
    const doc = assessmentReport(result, { title: '威宁县助残脱贫工作考核结果', issuer: '威宁县残联', date: '2026-12-20', period: '2026' })
    expect(doc).toMatchObject({ title: '威宁县助残脱贫工作考核结果', subtitle: '（2026年度）', issuer: '威宁县残联', date: '2026-12-20' })
    const paragraph = doc.blocks.find((b) => b.type === 'paragraph') as Extract<ReportBlock, { type: 'paragraph' }>
    expect(paragraph.text).toBe(
      '按《测试方案》对 4 个地区进行考核，满分 100 分，平均 71.75 分。得分前三位：甲镇（100 分）、丁镇（84 分）、丙镇（58 分）。'
      + '得分最低的是：乙镇（45 分）。未达目标的地区最多的指标：脱贫退出（3 个地区未达标）、逾期任务（2 个地区未达标）、辅助器具适配（1 个地区未达标）。'
      + '1 个地区有指标无数据：辅助器具适配（1 个）；无数据的指标计 0 分。',
    )
    const tables = doc.blocks.filter((b) => b.type === 'table').map((b) => (b as Extract<ReportBlock, { type: 'table' }>).table)
    const [scoresTable, completion, schemeTable] = tables
    expect(scoresTable.columns.map((c) => c.header)).toEqual(['地区', '脱贫退出（60）', '辅助器具适配（30）', '逾期任务（10）', '总分', '排名'])
    expect(scoresTable.rows[0]).toEqual({ cells: ['甲镇', '60', '30', '10', '100', '1'], highlight: [] })
    expect(scoresTable.rows[1]).toEqual({ cells: ['丁镇', '54', '30', '0', '84', '2'], highlight: [1, 3] })
    expect(scoresTable.rows[4]).toMatchObject({ cells: ['平均', '48', '18.75', '5', '71.75', ''], total: true })
    expect(completion.rows[1].cells).toEqual(['辅助器具适配', '80.0%', '76.7%', '2', '1', '1', '18.75 / 30'])
    expect(schemeTable.rows.map((r) => r.cells.slice(0, 4))).toEqual([
      ['脱贫退出', '脱贫率', '60', '≥ 100.0%'], ['辅助器具适配', '辅助器具适配率', '30', '≥ 80.0%'], ['逾期任务', '任务逾期', '10', '≤ 0'], ['合计', '', '100', ''],
    ])
    expect(schemeTable.rows[1].cells[4]).toBe('不高于 40.0% 不得分，40.0% 至 80.0% 之间按比例计分，达到 80.0% 得满分')
    expect(schemeTable.rows[2].cells[4]).toBe('不高于 0 得 10 分，否则不得分')
    expect(schemeTable.note).toContain('依据：行动计划')
    const chart = doc.blocks.find((b) => b.type === 'chart') as Extract<ReportBlock, { type: 'chart' }>
    expect(chart.chart.bars).toEqual([
      { label: '甲镇', value: 100, highlight: false }, { label: '丁镇', value: 84, highlight: false },
      { label: '丙镇', value: 58, highlight: true }, { label: '乙镇', value: 45, highlight: true },
    ])
    expect(chart.chart.target).toEqual({ value: 71.75, label: '平均 71.75 分' })
  })

  it('describes each rule in a sentence', () => {
    const s = (raw: Json) => describeRule(withFiller(raw).indicators[0])
    expect(s({ metric: 'exitRate', weight: 20, target: 1 })).toBe('按完成比例计分（实际值 ÷ 100.0% × 20），达到 100.0% 得满分')
    expect(s({ metric: 'deviceRate', weight: 10, target: 0.8, cap: 1.1 })).toContain('超过目标按同一比例加分，最多 11 分')
    expect(s({ metric: 'gaps', weight: 10, target: 0, zeroAt: 50 })).toBe('不高于 0 得满分，高于时按比例扣分，达到 50 不得分')
    expect(s({ metric: 'letterSignedRate', weight: 10, target: 1, scoring: 'threshold', partial: 0.5 })).toBe('达到 100.0% 得 10 分，未达到得 5 分')
  })
})

describe('saveAssessment', () => {
  let t: TestDb
  beforeEach(() => (t = makeTestDb()))
  afterEach(() => t.close())

  const townships = builtinRegions().children('520526').slice(0, 3)
  const scheme = withFiller({ metric: 'exitRate', weight: 100, target: 1 })
  const resultFor = (rates: number[]) => scoreRegions(scheme, townships.map((r, i) => ({ code: r.code, name: r.name, values: { exitRate: rates[i] } })))
  const rows = () => t.db.prepare('SELECT scheme_name, scheme_sha256, period, region_code, total_score, rank, details_json, created_by FROM assessments ORDER BY period, rank, region_code').all() as Array<Record<string, any>>

  it('writes one row per region and an audit line', () => {
    const out = saveAssessment(t.db, resultFor([0.9, 0.5, 0.9]), { period: '2026', schemeName: '测试方案', schemeSha256: 'abc', operator: '考核员' })
    expect(out).toEqual({ saved: 3, replaced: 0 })
    const saved = rows()
    expect(saved.map((r) => [r.region_code, r.total_score, r.rank])).toEqual([[townships[0].code, 90, 1], [townships[2].code, 90, 1], [townships[1].code, 50, 3]])
    expect(saved[0]).toMatchObject({ scheme_name: '测试方案', scheme_sha256: 'abc', period: '2026', created_by: '考核员' })
    expect(JSON.parse(saved[0].details_json)).toMatchObject({ scoredWeight: 100, missing: [], indicators: [{ code: 'x', metric: 'exitRate', value: 0.9, score: 90, fullMarks: 100, met: false }] })
    expect(listAudit(t.db, 1)[0]).toMatchObject({ operator: '考核员', action: 'assessment.save', target: '测试方案 2026', details: { regions: 3, replaced: 0 } })
  })

  it('replaces earlier rows for the same scheme, period and region only', () => {
    saveAssessment(t.db, resultFor([0.9, 0.5, 0.9]), { period: '2026', schemeName: '测试方案', schemeSha256: 'abc', operator: '考核员' })
    saveAssessment(t.db, resultFor([0.9, 0.5, 0.9]), { period: '2026-06', schemeName: '测试方案', schemeSha256: 'abc', operator: '考核员' })
    saveAssessment(t.db, resultFor([0.9, 0.5, 0.9]), { period: '2026', schemeName: '另一方案', schemeSha256: null, operator: '考核员' })
    const again = saveAssessment(t.db, resultFor([1, 1, 0.2]), { period: '2026', schemeName: '测试方案', schemeSha256: 'def', operator: '考核员' })
    expect(again).toEqual({ saved: 3, replaced: 3 })
    expect(rows()).toHaveLength(9)
    const current = rows().filter((r) => r.period === '2026' && r.scheme_name === '测试方案')
    expect(current.map((r) => [r.total_score, r.scheme_sha256])).toEqual([[100, 'def'], [100, 'def'], [20, 'def']])
  })

  it('refuses an unknown region and writes nothing', () => {
    const result = scoreRegions(scheme, [{ code: townships[0].code, name: townships[0].name, values: {} }, { code: '999999999', name: '无此镇', values: {} }])
    expect(() => saveAssessment(t.db, result, { period: '2026', schemeName: '测试方案', schemeSha256: null, operator: '考核员' })).toThrow(NotFoundError)
    expect(rows()).toHaveLength(0)
    expect(() => saveAssessment(t.db, result, { period: ' ', schemeName: '测试方案', schemeSha256: null, operator: '考核员' })).toThrow(UsageError)
  })
})
