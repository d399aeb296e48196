import { describe, expect, it } from 'vitest'
import { idCheckChar } from '../../src/lib/idcard.js'
import { builtinRegions } from '../../src/lib/regions.js'
import { ROSTER_FIELDS, ROSTER_HEADERS } from '../../src/lib/roster-fields.js'
import { isTotalRow, type RowContext, validateRosterRow } from '../../src/lib/roster-validate.js'

const regions = builtinRegions()
const headers = ROSTER_FIELDS.map((f) => ROSTER_HEADERS[f][0])
const columns = Object.fromEntries(ROSTER_FIELDS.map((f, i) => [f, i]))
const id = (first17: string) => first17 + idCheckChar(first17)
const ID = id('52242719800101123')

function ctx(area = '520526'): RowContext {
  return {
    area: regions.find(area), regions, headers, columns, unknownColumns: [],
    statuses: new Map([['未脱贫', '未脱贫'], ['已脱贫', '已脱贫'], ['返贫', '返贫'], ['脱贫户', '已脱贫']]),
    today: new Date('2026-11-29'), countyCache: new Map(), townshipCache: new Map(),
  }
}

function row(values: Partial<Record<(typeof ROSTER_FIELDS)[number], string>>): string[] {
  const base = {
    countyName: '威宁县', townshipName: '海边街道', villageName: '新华村', villageCode: '', householdNo: '5205260010010001', name: '张三', gender: '男',
    idNumber: ID, relation: '户主', householdSize: '4', certNumber: `${ID}42`, category: '肢体', grade: '2', povertyStatus: '已脱贫',
    exitYear: '2019', povertyCause: '因残', phone: '13800001234', ...values,
  }
  return ROSTER_FIELDS.map((f) => base[f])
}

describe('validateRosterRow', () => {
  it('accepts a clean row and resolves the township code', () => {
    const out = validateRosterRow(5, row({}), undefined, ctx())
    expect(out.ok).toBe(true)
    if (!out.ok) return
    expect(out.warnings).toEqual([])
    expect(out.record).toMatchObject({ idNumber: ID, countyCode: '520526', townshipCode: '520526001', category: 4, grade: 2, povertyStatus: '已脱贫', exitYear: 2019, gender: '男' })
  })

  it('normalises 二级, 肢体残疾, a lowercase x and a contradicting 性别, reporting from → to', () => {
    const xId = id('52242719800101129').replace('X', 'x') // a man's ID ending in X
    const out = validateRosterRow(6, row({ idNumber: ` ${xId}`, certNumber: '', grade: '二级', category: '肢体残疾', gender: '女', name: ' 李四 ', povertyStatus: '脱贫户' }), undefined, ctx())
    expect(out.ok).toBe(true)
    const codes = out.warnings.map((w) => `${w.column}:${w.code}:${w.from}→${w.to}`)
    expect(codes).toContain('残疾等级:grade_normalized:二级→2')
    expect(codes).toContain('残疾类别:category_normalized:肢体残疾→肢体')
    expect(codes).toContain('姓名:trimmed: 李四 →李四')
    expect(codes).toContain('脱贫状态:status_normalized:脱贫户→已脱贫')
    expect(out.warnings.some((w) => w.code === 'gender_from_id' && w.from === '女' && w.to === '男')).toBe(true)
    expect(out.warnings.some((w) => w.code === 'lowercase_x')).toBe(true)
  })

  it('rejects a certificate whose category digit disagrees with 残疾类别', () => {
    const out = validateRosterRow(7, row({ certNumber: `${ID}12` }), undefined, ctx())
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.problems).toEqual([expect.objectContaining({ row: 7, column: '残疾人证号', code: 'cert_category_mismatch' })])
    expect(out.problems[0].message).toContain('第 7 行「残疾人证号」')
  })

  it('rejects a row naming another county and remembers that county for 迁出', () => {
    const out = validateRosterRow(8, row({ countyName: '赫章县', townshipName: '' }), undefined, ctx())
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.problems[0].code).toBe('county_mismatch')
    expect(out.countyCode).toBe('520527')
    expect(out.idNumber).toBe(ID)
  })

  it('accepts a row whose ID was first issued elsewhere: the ID prefix never decides the county', () => {
    const out = validateRosterRow(9, row({ idNumber: id('11010519491231002'), certNumber: '' }), undefined, ctx())
    expect(out.ok).toBe(true)
  })

  it('collects several problems of one row together', () => {
    const out = validateRosterRow(10, row({ name: '', idNumber: '5.22427E+17', grade: '五级' }), undefined, ctx())
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.problems.map((p) => p.code).sort()).toEqual(['id_scientific_notation', 'invalid_value', 'missing_field'])
  })

  it('lets a city database take rows from any of its counties but requires the county', () => {
    expect(validateRosterRow(11, row({ countyName: '赫章县', townshipName: '' }), undefined, ctx('5205')).ok).toBe(true)
    const out = validateRosterRow(12, row({ countyName: '' , townshipName: ''}), undefined, ctx('5205'))
    expect(out.ok).toBe(false)
  })

  it('accepts a county written with its province and city, a township with 办事处, a status with a remark and 2019年12月', () => {
    const out = validateRosterRow(13, row({ countyName: '贵州省毕节市威宁县', townshipName: '海边街道办事处', povertyStatus: '已脱贫（2019年）', exitYear: '2019年12月' }), undefined, ctx())
    expect(out.ok).toBe(true)
    if (!out.ok) return
    expect(out.record).toMatchObject({ countyCode: '520526', townshipCode: '520526001', povertyStatus: '已脱贫', exitYear: 2019 })
  })

  it('still rejects a county written with another county inside a full address', () => {
    const out = validateRosterRow(14, row({ countyName: '贵州省毕节市赫章县', townshipName: '' }), undefined, ctx())
    expect(out.ok).toBe(false)
    if (out.ok) return
    expect(out.problems[0].code).toBe('county_mismatch')
  })

  it('recognises closing 合计 rows', () => {
    expect(isTotalRow(['合计', '', '2000'])).toBe(true)
    expect(isTotalRow(['', '总 计', ''])).toBe(true)
    expect(isTotalRow(['1', '张合计'])).toBe(false)
  })
})
