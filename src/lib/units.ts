/**
 * 责任单位: the departments the plan names (annex and addressee line), local governments (one per
 * region, added when a task goes to a region without a unit) and whatever units an office adds.
 */
import { z } from 'zod'
import { getArea } from './area.js'
import { recordAudit } from './audit.js'
import type { Db } from './db.js'
import { ConflictError, NotFoundError, UsageError } from './errors.js'
import { type Region, regionIndexFor, shortNamesOf } from './regions.js'

export const UNIT_KINDS = ['department', 'government', 'other'] as const
export type UnitKind = (typeof UNIT_KINDS)[number]
export const UNIT_KIND_NAMES: Record<UnitKind, string> = { department: '部门', government: '地方政府', other: '其他' }
export type UnitSource = 'plan' | 'auto' | 'manual'
export const UNIT_SOURCE_NAMES: Record<UnitSource, string> = { plan: '计划列明', auto: '分配任务时自动添加', manual: '手工添加' }

export interface Unit {
  id: number
  name: string
  fullName: string | null
  kind: UnitKind
  kindName: string
  regionCode: string | null
  regionName: string | null
  source: UnitSource
  sourceName: string
  tasks: number
  createdAt: string
  createdBy: string
}

interface UnitRow {
  id: number; name: string; full_name: string | null; kind: UnitKind; region_code: string | null; region_name: string | null
  source: UnitSource; tasks: number; created_at: string; created_by: string
}

const UNIT_SQL = `SELECT u.id, u.name, u.full_name, u.kind, u.region_code, r.name AS region_name, u.source, u.created_at, u.created_by,
    (SELECT count(*) FROM tasks t WHERE t.unit_id = u.id AND t.status <> 'cancelled') AS tasks
  FROM units u LEFT JOIN regions r ON r.code = u.region_code`

function toUnit(row: UnitRow): Unit {
  return {
    id: row.id, name: row.name, fullName: row.full_name, kind: row.kind, kindName: UNIT_KIND_NAMES[row.kind],
    regionCode: row.region_code, regionName: row.region_name, source: row.source, sourceName: UNIT_SOURCE_NAMES[row.source],
    tasks: row.tasks, createdAt: row.created_at, createdBy: row.created_by,
  }
}

/** The name an area goes by in its departments' names: 威宁县 (for 威宁彝族回族苗族自治县), 黔南州, 毕节市. */
export function areaShortName(region: Pick<Region, 'name' | 'level'>): string {
  if (/自治(州|县)$/.test(region.name)) return shortNamesOf(region).find((s) => /[州县]$/.test(s)) ?? region.name
  return region.name
}

/**
 * The local government of a region: 威宁彝族回族苗族自治县人民政府, 雪山镇人民政府. A 街道 has no
 * people's government of its own (it is an agency of the county's), so 海边街道 → 海边街道办事处;
 * villages and communities have their committees.
 */
export function governmentName(region: Pick<Region, 'name' | 'level'>): string {
  const name = region.name
  if (region.level === 'township' && name.endsWith('街道')) return `${name}办事处`
  if (region.level === 'village') return name.endsWith('社区') ? `${name}居民委员会` : `${name}${name.endsWith('村') ? '村' : ''}民委员会`
  return `${name}人民政府`
}

interface PlanUnits {
  departments: Array<{ name: string; fullName?: string }>
  localDepartments: Array<{ name: string; levels?: Array<'city' | 'county'> }>
}

/**
 * Adds the plan's departments that are missing: the provincial ones of the annex, and the addressee
 * line's departments named after the database's area (威宁县残联, 共青团威宁县委 …). Returns how many
 * were added; call it inside the caller's transaction.
 */
export function seedPlanUnits(db: Db, plan: PlanUnits, operator: string): number {
  const area = getArea(db)
  const province = area.code.slice(0, 2)
  const wanted: Array<{ name: string; full_name: string | null; region_code: string }> = plan.departments.map((d) => ({
    name: d.name, full_name: d.fullName ?? null, region_code: province,
  }))
  if (area.level === 'city' || area.level === 'county') {
    const short = areaShortName(area)
    for (const local of plan.localDepartments) {
      if (local.levels && !local.levels.includes(area.level)) continue
      wanted.push({ name: local.name.replaceAll('{area}', short), full_name: null, region_code: area.code })
    }
  }
  const existing = new Set((db.prepare('SELECT name FROM units').all() as Array<{ name: string }>).map((r) => r.name))
  const missing = wanted.filter((u) => !existing.has(u.name))
  if (missing.length === 0) return 0
  const insert = db.prepare(`INSERT OR IGNORE INTO units (name, full_name, kind, region_code, source, created_at, created_by)
    VALUES (@name, @full_name, 'department', @region_code, 'plan', @at, @operator)`)
  const at = new Date().toISOString()
  let added = 0
  for (const unit of missing) added += insert.run({ ...unit, at, operator }).changes
  recordAudit(db, operator, 'unit.seed', area.code, { added })
  return added
}

/**
 * The region's local government as a unit, added (source auto, audited) the first time it is needed.
 * Call it inside the caller's transaction.
 */
export function ensureGovernmentUnit(db: Db, region: Pick<Region, 'code' | 'name' | 'level'>, operator: string): { id: number; name: string; created: boolean } {
  const name = governmentName(region)
  const found = db.prepare('SELECT id FROM units WHERE name = ?').get(name) as { id: number } | undefined
  if (found) return { id: found.id, name, created: false }
  const id = Number(
    db.prepare(`INSERT INTO units (name, kind, region_code, source, created_at, created_by) VALUES (?, 'government', ?, 'auto', ?, ?)`)
      .run(name, region.code, new Date().toISOString(), operator).lastInsertRowid,
  )
  recordAudit(db, operator, 'unit.add', name, { id, kind: 'government', regionCode: region.code, auto: true })
  return { id, name, created: true }
}

export const UnitInputSchema = z.object({
  name: z.string().trim().min(1, '单位名称不能为空').max(100, '单位名称不能超过 100 个字'),
  kind: z.enum(UNIT_KINDS, { errorMap: () => ({ message: '单位类别应为 department（部门）、government（地方政府）或 other（其他）' }) }),
  region: z.string().trim().min(1).optional(),
  fullName: z.string().trim().min(1).max(200, '单位全称不能超过 200 个字').optional(),
})
export type UnitInput = z.input<typeof UnitInputSchema>

/**
 * A region of this database's regions table by code or name, preferring the area's own.
 * @throws NotFoundError REGION_NOT_FOUND; UsageError REGION_AMBIGUOUS
 */
export function resolveDbRegion(db: Db, query: string): Region {
  const area = getArea(db)
  const index = regionIndexFor(db)
  let region: Region
  try {
    region = index.find(query, area.code)
  } catch (error) {
    // A name outside the area (赫章县 in 威宁's database) is still a region of the province.
    if (!(error instanceof NotFoundError) || area.code.length <= 2) throw error
    region = index.find(query, area.code.slice(0, 2))
  }
  const stored = db.prepare('SELECT 1 FROM regions WHERE code = ?').get(region.code)
  if (!stored) {
    throw new NotFoundError('REGION_NOT_FOUND', `${region.name}（${region.code}）不在本库的行政区划中`, { hint: '本库只收录本省的区划' })
  }
  return region
}

/**
 * Adds a unit by hand.
 * @throws UsageError UNIT_INPUT_INVALID; ConflictError UNIT_EXISTS; NotFoundError REGION_NOT_FOUND
 */
export function addUnit(db: Db, input: UnitInput, operator: string): Unit {
  const parsed = UnitInputSchema.safeParse(input)
  if (!parsed.success) throw new UsageError('UNIT_INPUT_INVALID', parsed.error.issues[0].message)
  const { name, kind, fullName } = parsed.data
  const region = parsed.data.region ? resolveDbRegion(db, parsed.data.region) : null
  const id = db.transaction(() => {
    const existing = db.prepare('SELECT id FROM units WHERE name = ?').get(name) as { id: number } | undefined
    if (existing) {
      throw new ConflictError('UNIT_EXISTS', `已有名为「${name}」的责任单位（编号 ${existing.id}）`, { hint: '用 `cjfp unit list` 查看现有单位' })
    }
    const newId = Number(
      db.prepare(`INSERT INTO units (name, full_name, kind, region_code, source, created_at, created_by) VALUES (?, ?, ?, ?, 'manual', ?, ?)`)
        .run(name, fullName ?? null, kind, region?.code ?? null, new Date().toISOString(), operator).lastInsertRowid,
    )
    recordAudit(db, operator, 'unit.add', name, { id: newId, kind, regionCode: region?.code ?? null })
    return newId
  })()
  return getUnit(db, id)
}

function getUnit(db: Db, id: number): Unit {
  return toUnit(db.prepare(`${UNIT_SQL} WHERE u.id = ?`).get(id) as UnitRow)
}

/** Units, the plan's first; optionally of one kind or within one region (its code prefix). */
export function listUnits(db: Db, filter: { kind?: string; region?: string } = {}): Unit[] {
  const region = filter.region ? resolveDbRegion(db, filter.region).code : null
  const rows = db
    .prepare(`${UNIT_SQL} WHERE (@kind IS NULL OR u.kind = @kind) AND (@region IS NULL OR substr(u.region_code, 1, length(@region)) = @region)
      ORDER BY CASE u.source WHEN 'plan' THEN 0 WHEN 'manual' THEN 1 ELSE 2 END, length(u.region_code), u.region_code, u.id`)
    .all({ kind: filter.kind ?? null, region }) as UnitRow[]
  return rows.map(toUnit)
}

/**
 * One unit by id, name or full name, or by the end of its name when only one unit fits (县残联 →
 * 威宁县残联).
 * @throws NotFoundError UNIT_NOT_FOUND; UsageError UNIT_AMBIGUOUS
 */
export function findUnit(db: Db, query: string): Unit {
  const text = query.trim()
  if (/^\d+$/.test(text)) {
    const row = db.prepare(`${UNIT_SQL} WHERE u.id = ?`).get(Number(text)) as UnitRow | undefined
    if (row) return toUnit(row)
  }
  const exact = db.prepare(`${UNIT_SQL} WHERE u.name = @q OR u.full_name = @q`).all({ q: text }) as UnitRow[]
  if (exact.length === 1) return toUnit(exact[0])
  const suffix = exact.length > 1 ? exact : (db.prepare(`${UNIT_SQL} WHERE substr(u.name, -length(@q)) = @q`).all({ q: text }) as UnitRow[])
  if (suffix.length === 1) return toUnit(suffix[0])
  if (suffix.length === 0) {
    throw new NotFoundError('UNIT_NOT_FOUND', `找不到责任单位「${text}」`, { hint: '用 `cjfp unit list` 查看现有单位，或用 `cjfp unit add` 添加' })
  }
  throw new UsageError('UNIT_AMBIGUOUS', `「${text}」对应多个责任单位：${suffix.slice(0, 8).map((u) => `${u.id} ${u.name}`).join('；')}`, {
    hint: '请写单位全名或编号',
    details: suffix.map((u) => ({ id: u.id, name: u.name })),
  })
}

