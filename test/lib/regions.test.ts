import { describe, expect, it } from 'vitest'
import { NotFoundError, UsageError } from '../../src/lib/errors.js'
import { builtinRegions, describeRegion, listRegions, normalizeRegionCode, shortNamesOf } from '../../src/lib/regions.js'

describe('built-in regions', () => {
  const index = builtinRegions()

  it('holds Guizhou with its 9 市州 and 88 县级 units', () => {
    const guizhou = index.find('52')
    expect(guizhou.name).toBe('贵州省')
    expect(listRegions(index, guizhou, 'city')).toHaveLength(9)
    expect(listRegions(index, guizhou, 'county')).toHaveLength(88)
    expect(listRegions(index, guizhou, 'township').length).toBeGreaterThan(1400)
  })

  it('accepts 12-digit statistical codes padded with zeros', () => {
    expect(normalizeRegionCode('520526000000')).toBe('520526')
    expect(normalizeRegionCode('520526001000')).toBe('520526001')
    expect(normalizeRegionCode('5205')).toBe('5205')
    expect(normalizeRegionCode('52052')).toBeNull()
    expect(normalizeRegionCode('威宁')).toBeNull()
    expect(index.find('520526000000').name).toBe('威宁彝族回族苗族自治县')
  })

  it('derives the short names clerks write for autonomous areas', () => {
    expect(shortNamesOf({ name: '黔南布依族苗族自治州', level: 'city' })).toEqual(['黔南', '黔南州'])
    expect(shortNamesOf({ name: '威宁彝族回族苗族自治县', level: 'county' })).toEqual(['威宁', '威宁县'])
    expect(shortNamesOf({ name: '道真仡佬族苗族自治县', level: 'county' })).toEqual(['道真', '道真县'])
    expect(shortNamesOf({ name: '贵州省', level: 'province' })).toEqual(['贵州'])
    expect(shortNamesOf({ name: '六枝特区', level: 'county' })).toEqual(['六枝'])
  })

  it('finds a region by full name, short name or code', () => {
    expect(index.find('黔南州').code).toBe('5227')
    expect(index.find('威宁县').code).toBe('520526')
    expect(index.find('毕节').code).toBe('5205')
    expect(index.find('三都县').name).toBe('三都水族自治县')
  })

  it('fails with REGION_NOT_FOUND for unknown names and codes', () => {
    expect(() => index.find('不存在县')).toThrow(NotFoundError)
    expect(() => index.find('529999')).toThrow(expect.objectContaining({ code: 'REGION_NOT_FOUND' }))
  })

  it('refuses a name that fits several regions and lists them', () => {
    const matches = index.all().filter((r) => r.name === '新店镇')
    expect(matches.length).toBeGreaterThan(1)
    expect(() => index.find('新店镇')).toThrow(UsageError)
    expect(index.find('新店镇', matches[0].code.slice(0, 6)).code).toBe(matches[0].code)
  })

  it('marks 仁怀市 and 威宁县 as reporting directly to the province', () => {
    const weining = describeRegion(index, index.find('520526'))
    expect(weining.parent).toEqual({ code: '5205', name: '毕节市' })
    expect(weining.reportsTo).toEqual({ code: '52', name: '贵州省' })
    expect(weining.directToProvince).toBe(true)
    expect(describeRegion(index, index.find('仁怀市')).directToProvince).toBe(true)
    const dafang = describeRegion(index, index.find('大方县'))
    expect(dafang.directToProvince).toBe(false)
    expect(dafang.reportsTo).toEqual({ code: '5205', name: '毕节市' })
  })
})
