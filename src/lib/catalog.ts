/**
 * 计划目录: the plan's 10 重点行动, 15 保障措施, its indicators with targets and the departments it
 * names, as data (data/plan-catalog.json, hand-extracted from 黔残联发〔2017〕30号).
 *
 * An office extends it with its own copy (config key catalog.file): entries there are laid over the
 * built-in ones by code, so a file holding only the additions works as well as an edited full copy.
 * The merged catalogue is copied into the actions and indicators tables whenever it differs from
 * them; rows are never deleted, because tasks point at them.
 */
import { readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { recordAudit } from './audit.js'
import { getConfigValue } from './config.js'
import type { Db } from './db.js'
import { FileError, NotFoundError, ValidationError } from './errors.js'
import { seedPlanUnits } from './units.js'

const CODE_ACTION = /^[A-Z]{2,4}\d{2,3}$/
const CODE_INDICATOR = /^[a-z][a-z0-9_]{1,62}$/
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

const name = (what: string) => z.string({ required_error: `缺少${what}`, invalid_type_error: `${what}应为文字` }).trim().min(1, `${what}不能为空`)
const isoDate = (what: string) =>
  name(what).regex(ISO_DATE, `${what}应写成 年-月-日，如 2020-12-31`).refine((v) => isRealDate(v), `${what}不是真实存在的日期`)

export const CatalogActionSchema = z.object({
  code: name('编号').regex(CODE_ACTION, '编号应为 2–4 个大写字母加 2–3 位数字，如 KA03、SG15'),
  kind: z.enum(['key_action', 'safeguard'], { errorMap: () => ({ message: '类别（kind）应为 key_action（重点行动）或 safeguard（保障措施）' }) }),
  seq: z.number({ required_error: '缺少序号（seq）', invalid_type_error: '序号（seq）应为数字' }).int('序号（seq）应为整数').positive('序号（seq）应大于 0'),
  title: name('名称（title）'),
  content: name('内容（content）'),
  leadUnits: z.array(name('责任单位'), { required_error: '缺少责任单位（leadUnits）', invalid_type_error: '责任单位（leadUnits）应为列表' }).min(1, '至少要有一个责任单位'),
})
export type CatalogAction = z.infer<typeof CatalogActionSchema>

export const CatalogIndicatorSchema = z.object({
  code: name('指标代码').regex(CODE_INDICATOR, '指标代码应为小写英文字母、数字和下划线，如 device_fitting_rate'),
  name: name('指标名称（name）'),
  unit: name('计量单位（unit）'),
  target: z.number({ required_error: '缺少目标值（target）', invalid_type_error: '目标值（target）应为数字' }).nonnegative('目标值（target）不能为负数'),
  comparison: z.enum(['>=', '<=', '='], { errorMap: () => ({ message: '比较方式（comparison）应为 >=、<= 或 =' }) }),
  deadline: isoDate('截止日期（deadline）'),
  action: name('所属行动（action）').nullable(),
  computed: z.boolean({ required_error: '缺少 computed（能否由数据计算）', invalid_type_error: 'computed 应为 true 或 false' }),
  description: z.string({ invalid_type_error: '说明（description）应为文字' }).default(''),
})
export type CatalogIndicator = z.infer<typeof CatalogIndicatorSchema>

export const CatalogDepartmentSchema = z.object({ name: name('单位简称（name）'), fullName: name('单位全称（fullName）').optional() })

/** A department of the addressee line, named after the database's area: {area}残联 → 威宁县残联. */
export const LocalDepartmentSchema = z.object({
  name: name('单位名称模板（name）').refine((v) => v.includes('{area}'), '单位名称模板应含有 {area}，如 {area}残联'),
  levels: z.array(z.enum(['city', 'county'], { errorMap: () => ({ message: '适用级别应为 city 或 county' }) })).optional(),
})
export type LocalDepartment = z.infer<typeof LocalDepartmentSchema>

export const CatalogFileSchema = z.object({
  title: z.string().optional(),
  document: z.string().optional(),
  issuedAt: z.string().optional(),
  periodEnd: isoDate('计划截止日期（periodEnd）').optional(),
  departments: z.array(CatalogDepartmentSchema).default([]),
  localDepartments: z.array(LocalDepartmentSchema).default([]),
  actions: z.array(CatalogActionSchema).default([]),
  indicators: z.array(CatalogIndicatorSchema).default([]),
})
export type CatalogFile = z.infer<typeof CatalogFileSchema>

export interface Catalog {
  title: string
  document: string
  periodEnd: string
  departments: Array<z.infer<typeof CatalogDepartmentSchema>>
  localDepartments: LocalDepartment[]
  actions: Array<CatalogAction & { builtin: boolean }>
  indicators: Array<CatalogIndicator & { builtin: boolean }>
  /** The office's file, when one is configured. */
  officeFile: string | null
}

const BUILTIN_URL = new URL('../../data/plan-catalog.json', import.meta.url)

function isRealDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text
}

const SECTION_NAMES: Record<string, string> = {
  actions: '行动（actions）',
  indicators: '指标（indicators）',
  departments: '单位（departments）',
  localDepartments: '本级单位（localDepartments）',
}

/** 「指标（indicators）第 3 项（device_fitting_rate）」 for a zod path, reading the entry's code from the data. */
function entryLabel(raw: unknown, path: Array<string | number>): string {
  const [section, index] = path
  if (typeof section !== 'string') return '文件'
  const label = SECTION_NAMES[section] ?? `「${section}」`
  if (typeof index !== 'number') return label
  const entry = (raw as Record<string, unknown[]>)?.[section]?.[index] as Record<string, unknown> | undefined
  const id = typeof entry?.code === 'string' ? entry.code : typeof entry?.name === 'string' ? entry.name : null
  return `${label}第 ${index + 1} 项${id ? `（${id}）` : ''}`
}

function issueMessage(issue: z.ZodIssue): string {
  // zod's own English texts are replaced; the schema's Chinese messages pass through.
  if (issue.code === 'invalid_type' && issue.message === 'Required') return `缺少「${String(issue.path.at(-1))}」`
  if (issue.code === 'invalid_type' && issue.message.startsWith('Expected')) return `「${String(issue.path.at(-1))}」的类型不对`
  if (issue.code === 'unrecognized_keys') return `有不认识的项：${issue.keys.join('、')}`
  return issue.message
}

/**
 * Reads and checks one catalogue file.
 * @throws FileError CATALOG_FILE_NOT_FOUND, CATALOG_FILE_UNREADABLE; ValidationError CATALOG_INVALID
 */
export function readCatalogFile(file: string): CatalogFile {
  let text: string
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '')
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ENOENT') {
      throw new FileError('CATALOG_FILE_NOT_FOUND', `找不到计划目录文件 ${file}`, {
        hint: '检查配置项 catalog.file（`cjfp config get catalog.file`），相对路径按数据库所在文件夹计',
      })
    }
    throw new FileError('CATALOG_FILE_UNREADABLE', `无法读取计划目录文件 ${file}：${(error as Error).message}`, { cause: error })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ValidationError('CATALOG_INVALID', `计划目录文件 ${basename(file)} 不是有效的 JSON：${(error as Error).message}`, {
      hint: '用文本编辑器检查引号、逗号和括号是否成对',
      details: [{ file, entry: '文件', message: (error as Error).message }],
    })
  }
  const parsed = CatalogFileSchema.safeParse(raw)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ file, entry: entryLabel(raw, issue.path), path: issue.path.join('.'), message: issueMessage(issue) }))
    throw catalogError(file, problems)
  }
  const problems: Array<{ file: string; entry: string; path: string; message: string }> = []
  const seen = (section: 'actions' | 'indicators', codes: string[]) =>
    codes.forEach((code, i) => {
      if (codes.indexOf(code) !== i) problems.push({ file, entry: entryLabel(raw, [section, i]), path: `${section}.${i}.code`, message: `编号 ${code} 重复` })
    })
  seen('actions', parsed.data.actions.map((a) => a.code))
  seen('indicators', parsed.data.indicators.map((a) => a.code))
  if (problems.length) throw catalogError(file, problems)
  return parsed.data
}

function catalogError(file: string, problems: Array<{ entry: string; message: string }>): ValidationError {
  const first = problems[0]
  const more = problems.length > 1 ? `（另有 ${problems.length - 1} 处问题，见 details）` : ''
  return new ValidationError('CATALOG_INVALID', `计划目录文件 ${file} 中${first.entry}：${first.message}${more}`, {
    hint: '修改该文件后重试；也可以用 `cjfp config set catalog.file` 改指其他文件',
    details: problems,
  })
}

/** The office's catalogue file from config catalog.file, resolved against the database's folder. */
export function officeCatalogFile(db: Db): string | null {
  const configured = getConfigValue(db, 'catalog.file')
  if (!configured) return null
  return isAbsolute(configured) ? configured : resolve(dirname(db.name), configured)
}

/**
 * The built-in catalogue with the office's file laid over it by code; references checked.
 * @throws FileError, ValidationError CATALOG_INVALID (file, entry and reason)
 */
export function loadCatalog(officeFile: string | null = null): Catalog {
  const builtinPath = fileURLToPath(BUILTIN_URL)
  const builtin = readCatalogFile(builtinPath)
  const office = officeFile ? readCatalogFile(officeFile) : null
  const overlay = <T extends { code: string }>(base: T[], extra: T[] | undefined) => {
    const merged = new Map(base.map((e) => [e.code, { ...e, builtin: true }]))
    for (const e of extra ?? []) merged.set(e.code, { ...e, builtin: false })
    return [...merged.values()]
  }
  const byName = <T extends { name: string }>(base: T[], extra: T[] | undefined) => [...new Map([...base, ...(extra ?? [])].map((e) => [e.name, e])).values()]
  const actions = overlay(builtin.actions, office?.actions)
  const indicators = overlay(builtin.indicators, office?.indicators)
  const actionCodes = new Set(actions.map((a) => a.code))
  const problems: Array<{ file: string; entry: string; path: string; message: string }> = []
  ;(office?.indicators ?? []).forEach((indicator, i) => {
    if (indicator.action && !actionCodes.has(indicator.action)) {
      problems.push({ file: officeFile!, entry: `指标（indicators）第 ${i + 1} 项（${indicator.code}）`, path: `indicators.${i}.action`, message: `所属行动 ${indicator.action} 不存在` })
    }
  })
  if (problems.length) throw catalogError(officeFile!, problems)
  return {
    title: office?.title ?? builtin.title ?? '',
    document: office?.document ?? builtin.document ?? '',
    periodEnd: office?.periodEnd ?? builtin.periodEnd ?? '2020-12-31',
    departments: byName(builtin.departments, office?.departments),
    localDepartments: byName(builtin.localDepartments, office?.localDepartments),
    actions: actions.sort((a, b) => a.kind.localeCompare(b.kind) || a.seq - b.seq || a.code.localeCompare(b.code)),
    indicators,
    officeFile,
  }
}

export interface CatalogSync {
  actionsAdded: number
  actionsUpdated: number
  indicatorsAdded: number
  indicatorsUpdated: number
  unitsAdded: number
  officeFile: string | null
}

interface ActionRow { code: string; kind: string; seq: number; title: string; content: string; lead_units: string; builtin: number }
interface IndicatorRow {
  code: string; name: string; unit: string; target_value: number; comparison: string; deadline: string
  action_code: string | null; computed: number; description: string; builtin: number
}

/**
 * Makes the actions, indicators and plan units tables match the catalogue (built-in plus the
 * office's file). Writes, in one transaction with an audit line, only when something differs, so
 * calling it before every command is cheap and idempotent.
 * @throws FileError, ValidationError CATALOG_INVALID
 */
export function ensureCatalog(db: Db, operator: string): CatalogSync {
  const officeFile = officeCatalogFile(db)
  const catalog = loadCatalog(officeFile)
  const actionRows: ActionRow[] = catalog.actions.map((a) => ({
    code: a.code, kind: a.kind, seq: a.seq, title: a.title, content: a.content, lead_units: JSON.stringify(a.leadUnits), builtin: a.builtin ? 1 : 0,
  }))
  const indicatorRows: IndicatorRow[] = catalog.indicators.map((i) => ({
    code: i.code, name: i.name, unit: i.unit, target_value: i.target, comparison: i.comparison, deadline: i.deadline,
    action_code: i.action, computed: i.computed ? 1 : 0, description: i.description, builtin: i.builtin ? 1 : 0,
  }))
  const existingActions = new Map((db.prepare('SELECT code, kind, seq, title, content, lead_units, builtin FROM actions').all() as ActionRow[]).map((r) => [r.code, r]))
  const existingIndicators = new Map(
    (db.prepare('SELECT code, name, unit, target_value, comparison, deadline, action_code, computed, description, builtin FROM indicators').all() as IndicatorRow[]).map((r) => [r.code, r]),
  )
  const same = (a: object, b: object | undefined) => b !== undefined && Object.entries(a).every(([k, v]) => (b as Record<string, unknown>)[k] === v)
  const actionChanges = actionRows.filter((r) => !same(r, existingActions.get(r.code)))
  const indicatorChanges = indicatorRows.filter((r) => !same(r, existingIndicators.get(r.code)))
  const result: CatalogSync = {
    actionsAdded: actionChanges.filter((r) => !existingActions.has(r.code)).length,
    actionsUpdated: actionChanges.filter((r) => existingActions.has(r.code)).length,
    indicatorsAdded: indicatorChanges.filter((r) => !existingIndicators.has(r.code)).length,
    indicatorsUpdated: indicatorChanges.filter((r) => existingIndicators.has(r.code)).length,
    unitsAdded: 0,
    officeFile,
  }
  db.transaction(() => {
    if (actionChanges.length || indicatorChanges.length) {
      const upsertAction = db.prepare(`INSERT INTO actions (code, kind, seq, title, content, lead_units, builtin)
        VALUES (@code, @kind, @seq, @title, @content, @lead_units, @builtin)
        ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, seq = excluded.seq, title = excluded.title, content = excluded.content,
          lead_units = excluded.lead_units, builtin = excluded.builtin`)
      const upsertIndicator = db.prepare(`INSERT INTO indicators (code, name, unit, target_value, comparison, deadline, action_code, computed, description, builtin)
        VALUES (@code, @name, @unit, @target_value, @comparison, @deadline, @action_code, @computed, @description, @builtin)
        ON CONFLICT (code) DO UPDATE SET name = excluded.name, unit = excluded.unit, target_value = excluded.target_value,
          comparison = excluded.comparison, deadline = excluded.deadline, action_code = excluded.action_code, computed = excluded.computed,
          description = excluded.description, builtin = excluded.builtin`)
      for (const row of actionChanges) upsertAction.run(row)
      for (const row of indicatorChanges) upsertIndicator.run(row)
      const { unitsAdded: _, ...details } = result
      recordAudit(db, operator, 'catalog.sync', officeFile ?? 'builtin', details)
    }
    result.unitsAdded = seedPlanUnits(db, { departments: catalog.departments, localDepartments: catalog.localDepartments }, operator)
  })()
  return result
}

export interface IndicatorItem {
  code: string
  name: string
  unit: string
  target: number | null
  comparison: string
  deadline: string | null
  actionCode: string | null
  computed: boolean
  description: string
  builtin: boolean
}

export interface ActionItem {
  code: string
  kind: 'key_action' | 'safeguard'
  kindName: string
  seq: number
  title: string
  content: string
  leadUnits: string[]
  builtin: boolean
  indicators: string[]
  tasks: number
}

export const ACTION_KIND_NAMES = { key_action: '重点行动', safeguard: '保障措施' } as const

const ACTION_SQL = `SELECT a.code, a.kind, a.seq, a.title, a.content, a.lead_units, a.builtin,
    (SELECT group_concat(code) FROM (SELECT code FROM indicators i WHERE i.action_code = a.code ORDER BY code)) AS indicator_codes,
    (SELECT count(*) FROM tasks t WHERE t.action_code = a.code AND t.status <> 'cancelled') AS tasks
  FROM actions a`

function toActionItem(row: ActionRow & { indicator_codes: string | null; tasks: number }): ActionItem {
  const kind = row.kind as ActionItem['kind']
  return {
    code: row.code, kind, kindName: ACTION_KIND_NAMES[kind], seq: row.seq, title: row.title, content: row.content,
    leadUnits: JSON.parse(row.lead_units ?? '[]'), builtin: row.builtin === 1,
    indicators: row.indicator_codes ? row.indicator_codes.split(',') : [], tasks: row.tasks,
  }
}

/** Key actions first, then safeguards, each in the plan's order. */
export function listActions(db: Db, filter: { kind?: string } = {}): ActionItem[] {
  const rows = db.prepare(`${ACTION_SQL} WHERE (@kind IS NULL OR a.kind = @kind) ORDER BY a.kind, a.seq, a.code`).all({ kind: filter.kind ?? null })
  return (rows as Array<ActionRow & { indicator_codes: string | null; tasks: number }>).map(toActionItem)
}

/** KA03, ka3, KA-03 → KA03. */
export function normalizeActionCode(text: string): string {
  const m = text.trim().toUpperCase().match(/^([A-Z]{2,4})-?(\d{1,3})$/)
  return m ? `${m[1]}${m[2].padStart(2, '0')}` : text.trim()
}

/**
 * One action by code (KA03, ka3) or exact title.
 * @throws NotFoundError ACTION_NOT_FOUND
 */
export function findAction(db: Db, query: string): ActionItem {
  const row = db.prepare(`${ACTION_SQL} WHERE a.code = @code OR a.title = @title`).get({ code: normalizeActionCode(query), title: query.trim() })
  if (!row) {
    throw new NotFoundError('ACTION_NOT_FOUND', `计划中没有编号或名称为「${query}」的行动`, {
      hint: '用 `cjfp action list` 查看行动编号（重点行动 KA01–KA10，保障措施 SG01–SG15）',
    })
  }
  return toActionItem(row as ActionRow & { indicator_codes: string | null; tasks: number })
}

function toIndicatorItem(row: IndicatorRow): IndicatorItem {
  return {
    code: row.code, name: row.name, unit: row.unit, target: row.target_value, comparison: row.comparison, deadline: row.deadline,
    actionCode: row.action_code, computed: row.computed === 1, description: row.description ?? '', builtin: row.builtin === 1,
  }
}

/** Indicators, optionally of one action. */
export function listIndicators(db: Db, filter: { action?: string } = {}): IndicatorItem[] {
  const rows = db
    .prepare(`SELECT code, name, unit, target_value, comparison, deadline, action_code, computed, description, builtin FROM indicators
      WHERE (@action IS NULL OR action_code = @action) ORDER BY action_code IS NULL DESC, action_code, code`)
    .all({ action: filter.action ? normalizeActionCode(filter.action) : null }) as IndicatorRow[]
  return rows.map(toIndicatorItem)
}

/**
 * One indicator by code or exact name.
 * @throws NotFoundError INDICATOR_NOT_FOUND
 */
export function findIndicator(db: Db, query: string): IndicatorItem {
  const row = db
    .prepare('SELECT code, name, unit, target_value, comparison, deadline, action_code, computed, description, builtin FROM indicators WHERE code = @q OR name = @q')
    .get({ q: query.trim() }) as IndicatorRow | undefined
  if (!row) {
    throw new NotFoundError('INDICATOR_NOT_FOUND', `计划中没有代码或名称为「${query}」的指标`, { hint: '用 `cjfp action indicators` 查看指标代码' })
  }
  return toIndicatorItem(row)
}

/** The action with its indicators in full. @throws NotFoundError ACTION_NOT_FOUND */
export function showAction(db: Db, query: string): ActionItem & { indicatorDetails: IndicatorItem[] } {
  const action = findAction(db, query)
  return { ...action, indicatorDetails: listIndicators(db, { action: action.code }) }
}
