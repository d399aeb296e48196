/**
 * 本库辖区: the area a database serves (a county, or a whole city or the province for the offices
 * that merge and report one level up), stored in the meta table when the database is set up.
 */
import { recordAudit } from './audit.js'
import type { Db } from './db.js'
import { SCHEMA_VERSION } from './db.js'
import { ConflictError, DatabaseError, UsageError } from './errors.js'
import { builtinRegions, LEVEL_NAMES, type Region, type RegionLevel, regionIndexFor, seedRegions } from './regions.js'

export interface Area {
  code: string
  name: string
  level: RegionLevel
  levelName: string
  orgName: string
  createdAt: string
  createdBy: string
}

export interface InitResult {
  area: Area
  regionsLoaded: number
  schemaVersion: number
}

function readMeta(db: Db): Map<string, string> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as Array<{ key: string; value: string }>
  return new Map(rows.map((r) => [r.key, r.value]))
}

export function isInitialised(db: Db): boolean {
  return readMeta(db).has('area_code')
}

/**
 * A database serves a county, a city or the province.
 * @throws UsageError AREA_LEVEL
 */
export function assertAreaLevel(region: Region): void {
  if (region.level === 'township' || region.level === 'village') {
    throw new UsageError('AREA_LEVEL', `辖区应为县、市州或省，「${region.name}」是${LEVEL_NAMES[region.level]}`, {
      hint: '乡镇和村的数据由县残联的数据库统一管理',
    })
  }
}

/** The usual name of a county office: 威宁彝族回族苗族自治县残疾人联合会. */
export function defaultOrgName(region: Region): string {
  return `${region.name}残疾人联合会`
}

/**
 * Sets up a new database for an area and loads the province's regions.
 * @throws ConflictError DB_ALREADY_INITIALISED; UsageError AREA_LEVEL
 */
export function initArea(db: Db, region: Region, options: { operator: string; orgName?: string }): InitResult {
  if (isInitialised(db)) {
    const area = getArea(db)
    throw new ConflictError('DB_ALREADY_INITIALISED', `这个数据库已经建好，辖区为 ${area.name}（${area.code}）`, {
      hint: '换一个 --db 文件名新建，或用 `cjfp db info` 查看现有数据库',
    })
  }
  assertAreaLevel(region)
  const now = new Date().toISOString()
  const orgName = options.orgName?.trim() || defaultOrgName(region)
  const result = db.transaction(() => {
    const regionsLoaded = seedRegions(db, region.code.slice(0, 2))
    const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
    put.run('area_code', region.code)
    put.run('org_name', orgName)
    put.run('created_at', now)
    put.run('created_by', options.operator)
    recordAudit(db, options.operator, 'init', region.code, { orgName, regionsLoaded })
    return regionsLoaded
  })()
  return { area: getArea(db), regionsLoaded: result, schemaVersion: SCHEMA_VERSION }
}

/**
 * The database's area.
 * @throws DatabaseError DB_NOT_INITIALISED
 */
export function getArea(db: Db): Area {
  const meta = readMeta(db)
  const code = meta.get('area_code')
  if (!code) {
    throw new DatabaseError('DB_NOT_INITIALISED', '这个数据库还没有设定辖区', { hint: '先运行 `cjfp init --area 县名或代码`' })
  }
  // An area is a county or above, which the built-in table has: the villages a database learnt are not needed.
  const region = builtinRegions().get(code) ?? regionIndexFor(db).find(code)
  return {
    code,
    name: region.name,
    level: region.level,
    levelName: LEVEL_NAMES[region.level],
    orgName: meta.get('org_name') ?? defaultOrgName(region),
    createdAt: meta.get('created_at') ?? '',
    createdBy: meta.get('created_by') ?? '',
  }
}
