/**
 * 配置: a small set of named settings stored in the database, each checked by zod.
 * @throws UsageError CONFIG_UNKNOWN_KEY; ValidationError CONFIG_INVALID
 */
import { z } from 'zod'
import { recordAudit } from './audit.js'
import type { Db } from './db.js'
import { UsageError, ValidationError } from './errors.js'

interface ConfigKey {
  summary: string
  schema: z.ZodType<string>
  defaultValue?: string
}

const text = (max: number) => z.string().trim().min(1, '不能为空').max(max, `不能超过 ${max} 个字`)

export const CONFIG_KEYS: Record<string, ConfigKey> = {
  operator: { summary: '默认操作员姓名（未用 --operator 时记入审计日志）', schema: text(50) },
  'org.name': { summary: '本单位名称，用于责任状、通报等文件的落款', schema: text(100) },
  'backup.keep': {
    summary: '每个数据库保留的自动备份份数',
    schema: z.string().trim().regex(/^\d+$/, '应为正整数').refine((v) => Number(v) >= 1 && Number(v) <= 1000, '应在 1 到 1000 之间'),
    defaultValue: '20',
  },
  'backup.dir': { summary: '备份文件夹（默认为数据库所在文件夹下的 cjfp-backups）', schema: text(500) },
  'benefit.rules': { summary: '本单位的应享未享比对规则文件（benefit-rules.json 的副本；相对路径按数据库所在文件夹计）', schema: text(500) },
  'assessment.scheme': { summary: '本单位的考核评分方案文件（assessment-scheme.json 的副本；相对路径按数据库所在文件夹计）', schema: text(500) },
  'catalog.file': { summary: '本单位扩展的计划目录文件（plan-catalog.json 的副本；相对路径按数据库所在文件夹计）', schema: text(500) },
}

export interface ConfigEntry {
  key: string
  value: string | null
  isDefault: boolean
  summary: string
  updatedAt: string | null
  updatedBy: string | null
}

function keyInfo(key: string): ConfigKey {
  const info = CONFIG_KEYS[key]
  if (!info) {
    throw new UsageError('CONFIG_UNKNOWN_KEY', `没有名为「${key}」的配置项`, {
      hint: `可用的配置项：${Object.keys(CONFIG_KEYS).join('、')}`,
    })
  }
  return info
}

/** The stored value, else the default, else null. */
export function getConfigValue(db: Db, key: string): string | null {
  const info = keyInfo(key)
  const row = db.prepare('SELECT value FROM config WHERE key = ?').get(key) as { value: string } | undefined
  return row?.value ?? info.defaultValue ?? null
}

export function getConfig(db: Db, key: string): ConfigEntry {
  const info = keyInfo(key)
  const row = db.prepare('SELECT value, updated_at, updated_by FROM config WHERE key = ?').get(key) as
    | { value: string; updated_at: string; updated_by: string }
    | undefined
  return {
    key,
    value: row?.value ?? info.defaultValue ?? null,
    isDefault: !row,
    summary: info.summary,
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  }
}

export function listConfig(db: Db): ConfigEntry[] {
  return Object.keys(CONFIG_KEYS).map((key) => getConfig(db, key))
}

/** Validates and stores one setting, with an audit line. */
export function setConfig(db: Db, key: string, value: string, operator: string): ConfigEntry {
  const info = keyInfo(key)
  const parsed = info.schema.safeParse(value)
  if (!parsed.success) {
    throw new ValidationError('CONFIG_INVALID', `配置项 ${key} 的值「${value}」无效：${parsed.error.issues[0]?.message ?? '格式不对'}`)
  }
  const stored = parsed.data.trim()
  db.transaction(() => {
    const before = db.prepare('SELECT value FROM config WHERE key = ?').get(key) as { value: string } | undefined
    db.prepare(
      `INSERT INTO config (key, value, updated_at, updated_by) VALUES (@key, @value, @at, @operator)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ).run({ key, value: stored, at: new Date().toISOString(), operator })
    recordAudit(db, operator, 'config.set', key, { from: before?.value ?? null, to: stored })
  })()
  return getConfig(db, key)
}
