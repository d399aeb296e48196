/**
 * 考核: scores each region's figures (RegionFigures, computed for a progress notice) against a scheme
 * file that states the indicators, their weights and scoring rules (the plan's 明确考核内容、权重分值),
 * ranks the regions, prints the result (sheet, report document) and keeps it in the assessments table.
 *
 * Scoring rules, per indicator of weight w and target T (rates are fractions 0..1; a scheme file may
 * also write them as "80%"):
 * - Which way is good comes from METRICS[metric].better, overridable with the indicator's `better`.
 * - higher-is-better, `linear`: w × value / T, capped at cap × w (cap 1 by default; 1.1 lets a
 *   region earn up to 10 % more for beating the target). With `floor` F: 0 at or below F, then
 *   w × (value − F) / (T − F), capped the same way.
 * - higher-is-better, `threshold`: w if value ≥ T, else partial × w (partial 0 by default).
 * - lower-is-better, `linear`: w at or below T, falling linearly to 0 at `zeroAt` Z (required), 0 beyond.
 * - lower-is-better, `threshold`: w if value ≤ T, else partial × w.
 * - met: value ≥ T (higher) or value ≤ T (lower), whatever the rule.
 * - No data (null): the scheme's `missing` ("zero" by default), overridable per indicator:
 *   "zero" scores 0, "full" scores w, "exclude" leaves the indicator out and rescales the region's
 *   total to 100 over the weights that remain. Every region lists the indicators it had no data for.
 * - Indicator scores are rounded to 2 decimals and the total is the sum of the rounded scores (so a
 *   printed row adds up), except when rescaled; ranks are competition ranks (1, 2, 2, 4) by total.
 *
 * A scheme's weights sum to 100. Mistakes in a scheme file are reported in Chinese with the file,
 * the indicator (position, code and name) and the reason.
 */
import { readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { decodeText, locateJsonError } from './json-file.js'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { dirname, isAbsolute, resolve } from 'node:path'
import { recordAudit } from './audit.js'
import { getConfigValue } from './config.js'
import type { Db } from './db.js'
import { FileError, NotFoundError, UsageError, ValidationError } from './errors.js'
import { METRICS, type MetricCode, type MetricKind, type RegionFigures, type ReportDocument, type ReportRow } from './report-model.js'

/** The default scheme, written from the plan; found from this module so it works from src/ and dist/. */
export const DEFAULT_SCHEME_FILE = fileURLToPath(new URL('../../templates/assessment-scheme.json', import.meta.url))

export type MissingMode = 'zero' | 'full' | 'exclude'

/** The scheme to use: the one given, else config assessment.scheme (relative to the database's folder), else the default. */
export function schemeFileFor(db: Db, given?: string): string {
  if (given) return given
  const configured = getConfigValue(db, 'assessment.scheme')
  if (!configured) return DEFAULT_SCHEME_FILE
  return isAbsolute(configured) ? configured : resolve(dirname(db.name), configured)
}

const EPS = 1e-9
const MISSING_NAMES: Record<MissingMode, string> = { zero: '计 0 分', full: '计满分', exclude: '不计入，总分按其余指标折算为百分制' }

// ───────────────────────────── scheme ─────────────────────────────

const FIELD_LABELS: Record<string, string> = {
  name: '名称（name）',
  basis: '依据（basis）',
  note: '说明（note）',
  missing: '无数据处理方式（missing）',
  indicators: '指标列表（indicators）',
  code: '代码（code）',
  metric: '考核数据（metric）',
  weight: '权重（weight）',
  target: '目标值（target）',
  scoring: '计分方式（scoring）',
  better: '好坏方向（better）',
  floor: '下限（floor）',
  zeroAt: '得零分的值（zeroAt）',
  cap: '封顶倍数（cap）',
  partial: '未达标得分比例（partial）',
}
const label = (key: string) => FIELD_LABELS[key] ?? `「${key}」`

/** A number, or a percentage written as text ("80%"); checked against the metric's kind later. */
const amount = (key: string) =>
  z.custom<number | string>((v) => typeof v === 'number' || typeof v === 'string', { message: `${label(key)}应为数字或百分数，如 0.8 或 "80%"` }).optional()
const nonEmpty = (key: string) => z.string({ required_error: `缺少${label(key)}`, invalid_type_error: `${label(key)}应为文字` }).trim().min(1, `${label(key)}不能为空`)
const missingMode = z.enum(['zero', 'full', 'exclude'], {
  errorMap: () => ({ message: `${label('missing')}应为 zero（计 0 分）、full（计满分）或 exclude（不计入并折算）` }),
})

const IndicatorInputSchema = z
  .object({
    code: nonEmpty('code').regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, `${label('code')}应为英文字母开头的字母、数字、_ 或 -（不超过 32 个），如 device`),
    name: nonEmpty('name').optional(),
    metric: nonEmpty('metric'),
    weight: z.number({ required_error: `缺少${label('weight')}`, invalid_type_error: `${label('weight')}应为数字` }),
    target: amount('target'),
    scoring: z.enum(['linear', 'threshold'], { errorMap: () => ({ message: `${label('scoring')}应为 linear（按比例计分）或 threshold（达标得分）` }) }).default('linear'),
    better: z.enum(['higher', 'lower'], { errorMap: () => ({ message: `${label('better')}应为 higher（越高越好）或 lower（越低越好）` }) }).optional(),
    floor: amount('floor'),
    zeroAt: amount('zeroAt'),
    cap: z.number({ invalid_type_error: `${label('cap')}应为数字` }).optional(),
    partial: amount('partial'),
    missing: missingMode.optional(),
    note: z.string({ invalid_type_error: `${label('note')}应为文字` }).optional(),
  })
  .strict()

const SchemeInputSchema = z
  .object({
    name: nonEmpty('name'),
    basis: z.string({ invalid_type_error: `${label('basis')}应为文字` }).optional(),
    note: z.string({ invalid_type_error: `${label('note')}应为文字` }).optional(),
    missing: missingMode.default('zero'),
    indicators: z
      .array(IndicatorInputSchema, { required_error: `缺少${label('indicators')}`, invalid_type_error: `${label('indicators')}应为列表 [ … ]` })
      .min(1, '至少要有一项指标'),
  })
  .strict()

type IndicatorInput = z.infer<typeof IndicatorInputSchema>

/** Keys starting with _ or $ are comments (JSON has none of its own) and are dropped before checking. */
function dropCommentKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropCommentKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('_') && !k.startsWith('$')).map(([k, v]) => [k, dropCommentKeys(v)]))
  }
  return value
}

const FULL_WIDTH = /[０-９．％＋－]/g
/** 0.8, "0.8", "80%", "８０％" → 0.8 with percent = true for the last two; null when it is not a number. */
function readAmount(raw: number | string): { value: number; percent: boolean } | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? { value: raw, percent: false } : null
  const t = raw.replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\s+/g, '')
  const m = /^([+-]?\d+(?:\.\d+)?)(%?)$/.exec(t)
  if (!m) return null
  return m[2] ? { value: Number(m[1]) / 100, percent: true } : { value: Number(m[1]), percent: false }
}

const isMetric = (code: string): code is MetricCode => Object.hasOwn(METRICS, code)

/** Reads target, floor, zeroAt or partial for a metric of the given kind; adds an issue and returns null when it is wrong. */
function checkAmount(ctx: z.RefinementCtx, path: Array<string | number>, key: string, raw: number | string | undefined, kind: MetricKind | 'fraction' | null, metricName: string): number | null {
  if (raw === undefined) return null
  const read = readAmount(raw)
  const shown = typeof raw === 'string' ? `"${raw}"` : String(raw)
  const issue = (message: string) => {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: [...path, key], message })
    return null
  }
  if (!read) return issue(`${label(key)} ${shown} 不是数字或百分数，应写成如 0.8 或 "80%"`)
  if (read.value < 0) return issue(`${label(key)}不能为负数，现为 ${shown}`)
  if (kind === 'fraction' && read.value > 1) return issue(`${label(key)}是满分的比例，应在 0 到 1 之间（或 0% 到 100%），现为 ${shown}`)
  if (kind === 'rate' && read.value > 1) {
    return issue(`${label(key)} ${shown} 超出 0–1：「${metricName}」是比例，应写成小数（如 0.8）或百分数（如 "80%"）`)
  }
  if ((kind === 'count' || kind === 'amount') && read.percent) return issue(`「${metricName}」是${kind === 'count' ? '数量' : '金额'}，不是比例，${label(key)}不能写成百分数（现为 ${shown}）`)
  return read.value
}

/** A suggestion for a mistyped metric: exitrate → exitRate, 脱贫率 → exitRate. */
function suggestMetric(given: string): MetricCode | null {
  const lower = given.toLowerCase()
  for (const [code, info] of Object.entries(METRICS)) if (code.toLowerCase() === lower || info.name === given) return code as MetricCode
  return null
}

function suggestKey(key: string, known: string[]): string {
  const match = known.find((k) => k.toLowerCase() === key.toLowerCase())
  return match ? `（是不是 ${match}？）` : ''
}

/** The rules zod's shapes cannot say: the metric exists, values fit its kind, fields fit the rule, weights sum to 100. */
function checkScheme(scheme: z.infer<typeof SchemeInputSchema>, ctx: z.RefinementCtx): void {
  const codes = new Map<string, number>()
  scheme.indicators.forEach((ind, i) => {
    const at = ['indicators', i]
    const add = (key: string | null, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: key ? [...at, key] : at, message })
    const metric = isMetric(ind.metric) ? METRICS[ind.metric] : null
    if (!metric) {
      const guess = suggestMetric(ind.metric)
      add('metric', `没有名为「${ind.metric}」的考核数据（metric）${guess ? `，是不是 ${guess}（${METRICS[guess].name}）？` : ''}`)
    }
    const kind = metric?.kind ?? null
    const metricName = metric?.name ?? ind.metric
    if (ind.weight <= 0) add('weight', `${label('weight')}应大于 0，现为 ${ind.weight}`)
    const first = codes.get(ind.code)
    if (first !== undefined) add('code', `代码 ${ind.code} 与第 ${first + 1} 项指标重复`)
    else codes.set(ind.code, i)

    const target = checkAmount(ctx, at, 'target', ind.target, kind, metricName)
    if (ind.target === undefined) add('target', `缺少${label('target')}`)
    const floor = checkAmount(ctx, at, 'floor', ind.floor, kind, metricName)
    const zeroAt = checkAmount(ctx, at, 'zeroAt', ind.zeroAt, kind, metricName)
    const partial = checkAmount(ctx, at, 'partial', ind.partial, 'fraction', metricName)
    const better = ind.better ?? metric?.better ?? 'higher'
    const linear = ind.scoring === 'linear'
    const fmt = (v: number) => (kind ? formatMetricAmount(kind, v) : String(v))

    if (better === 'higher' && linear && target !== null && target <= 0 && ind.floor === undefined) {
      add('target', `越高越好的指标按比例计分时，${label('target')}应大于 0`)
    }
    if (ind.floor !== undefined && !(better === 'higher' && linear)) add('floor', `${label('floor')}只用于越高越好、按比例计分（linear）的指标`)
    else if (floor !== null && target !== null && floor >= target) add('floor', `${label('floor')} ${fmt(floor)} 应小于${label('target')} ${fmt(target)}`)
    if (better === 'lower' && linear) {
      if (ind.zeroAt === undefined) add('zeroAt', `越低越好的指标按比例计分（linear）时必须给出${label('zeroAt')}，即达到多少时得 0 分`)
      else if (zeroAt !== null && target !== null && zeroAt <= target) add('zeroAt', `${label('zeroAt')} ${fmt(zeroAt)} 应大于${label('target')} ${fmt(target)}`)
    } else if (ind.zeroAt !== undefined) {
      add('zeroAt', `${label('zeroAt')}只用于越低越好、按比例计分（linear）的指标`)
    }
    if (ind.cap !== undefined) {
      if (!(better === 'higher' && linear)) add('cap', `${label('cap')}只用于越高越好、按比例计分（linear）的指标`)
      else if (!(ind.cap >= 1 && ind.cap <= 2)) add('cap', `${label('cap')}应在 1 到 2 之间（1 为不加分，1.1 为最多多得 10%），现为 ${ind.cap}`)
    }
    if (ind.partial !== undefined && linear) add('partial', `${label('partial')}只用于达标得分（threshold）的指标`)
    else if (partial !== null && partial >= 1) add('partial', `${label('partial')}应小于 1，否则未达标也得满分`)
  })
  const weights = scheme.indicators.map((ind) => ind.weight)
  const sum = weights.reduce((a, b) => a + b, 0)
  if (Math.abs(sum - 100) > 1e-6) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['indicators'], message: `各项指标权重合计为 ${round2(sum)}，应为 100（${scheme.indicators.map((ind) => `${ind.code} ${ind.weight}`).join(' + ')}）` })
  }
}

function normaliseScheme(scheme: z.infer<typeof SchemeInputSchema>) {
  return {
    name: scheme.name,
    basis: scheme.basis ?? null,
    note: scheme.note ?? null,
    missing: scheme.missing as MissingMode,
    indicators: scheme.indicators.map((ind: IndicatorInput) => {
      const metric = ind.metric as MetricCode
      const num = (raw: number | string | undefined) => (raw === undefined ? null : readAmount(raw)!.value)
      return {
        code: ind.code,
        name: ind.name ?? METRICS[metric].name,
        metric,
        weight: ind.weight,
        target: num(ind.target)!,
        scoring: ind.scoring as 'linear' | 'threshold',
        better: (ind.better ?? METRICS[metric].better) as 'higher' | 'lower',
        floor: num(ind.floor),
        zeroAt: num(ind.zeroAt),
        cap: ind.cap ?? 1,
        partial: num(ind.partial) ?? 0,
        /** Overrides the scheme's `missing` for this indicator; null = the scheme's. */
        missing: (ind.missing ?? null) as MissingMode | null,
        note: ind.note ?? null,
      }
    }),
  }
}

/**
 * A scheme file's content. Parsing normalises it: percentages become fractions, `name` defaults to the
 * metric's Chinese name, `better` to the metric's, cap to 1, partial to 0, absent options to null.
 */
export const AssessmentSchemeSchema = z.preprocess(dropCommentKeys, SchemeInputSchema.superRefine(checkScheme).transform(normaliseScheme))
export type AssessmentScheme = z.infer<typeof AssessmentSchemeSchema>
export type AssessmentIndicator = AssessmentScheme['indicators'][number]

export interface SchemeProblem {
  /** 「第 2 项指标（device「辅助器具适配」）」, or null for the file as a whole. */
  indicator: string | null
  /** The field, as a dotted path (indicators.1.floor). */
  path: string
  message: string
}

function indicatorLabel(raw: unknown, index: number): string {
  const list = (raw as { indicators?: unknown })?.indicators
  const entry = (Array.isArray(list) ? list[index] : undefined) as Record<string, unknown> | undefined
  const code = typeof entry?.code === 'string' && entry.code.trim() ? entry.code.trim() : null
  const name = typeof entry?.name === 'string' && entry.name.trim() ? entry.name.trim() : null
  const id = code && name ? `${code}「${name}」` : code ?? (name ? `「${name}」` : null)
  return `第 ${index + 1} 项指标${id ? `（${id}）` : ''}`
}

const TYPE_NAMES: Record<string, string> = { string: '文字', number: '数字', array: '列表 [ … ]', object: '对象 { … }', boolean: 'true 或 false' }

function issueMessage(issue: z.ZodIssue): string {
  const key = [...issue.path].reverse().find((p) => typeof p === 'string') as string | undefined
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const known = issue.path.length === 0 ? Object.keys(SchemeInputSchema.shape) : Object.keys(IndicatorInputSchema.shape)
    return `有不认识的项：${issue.keys.map((k) => `${k}${suggestKey(k, known)}`).join('、')}`
  }
  if (issue.code === z.ZodIssueCode.invalid_type && issue.path.length === 0) return '文件内容应为一个对象 { … }，含 name 和 indicators'
  if (issue.code === z.ZodIssueCode.invalid_type && (issue.message === 'Required' || issue.message.startsWith('Expected'))) {
    if (issue.received === 'undefined') return `缺少${label(key ?? '')}`
    return `${key ? label(key) : '这一项'}应为${TYPE_NAMES[issue.expected] ?? issue.expected}`
  }
  return issue.message
}

function schemeError(file: string, problems: SchemeProblem[]): ValidationError {
  const first = problems[0]
  const more = problems.length > 1 ? `（另有 ${problems.length - 1} 处问题，见 details）` : ''
  const unknownMetric = problems.some((p) => p.path.endsWith('.metric') && p.message.startsWith('没有名为'))
  const hint = unknownMetric
    ? `可用的考核数据（metric）：${Object.entries(METRICS).map(([code, info]) => `${code}（${info.name}）`).join('、')}`
    : '修改该文件后重试；默认方案见 templates/assessment-scheme.json'
  return new ValidationError('ASSESSMENT_SCHEME_INVALID', `考核方案 ${file}${first.indicator ? ` ${first.indicator}` : ''}：${first.message}${more}`, {
    hint,
    details: problems.map((p) => ({ file, ...p })),
  })
}

/**
 * Checks a scheme already read from JSON; `file` names it in messages.
 * @throws ValidationError ASSESSMENT_SCHEME_INVALID (file, indicator and reason, in Chinese)
 */
export function parseScheme(raw: unknown, file: string): AssessmentScheme {
  const parsed = AssessmentSchemeSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((issue) => ({
    indicator: issue.path[0] === 'indicators' && typeof issue.path[1] === 'number' ? indicatorLabel(raw, issue.path[1]) : null,
    path: issue.path.join('.'),
    message: issueMessage(issue),
  }))
  throw schemeError(file, problems)
}

/**
 * Reads, checks and normalises a scheme file (UTF-8 with or without BOM, or GB18030).
 * @throws FileError ASSESSMENT_SCHEME_NOT_FOUND, ASSESSMENT_SCHEME_UNREADABLE;
 *   ValidationError ASSESSMENT_SCHEME_INVALID (bad JSON with line and column, or a bad indicator)
 */
export function loadScheme(file: string): { scheme: AssessmentScheme; sha256: string } {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new FileError('ASSESSMENT_SCHEME_NOT_FOUND', `找不到考核方案文件 ${file}`, { hint: '检查文件路径；默认方案见 templates/assessment-scheme.json' })
    }
    throw new FileError('ASSESSMENT_SCHEME_UNREADABLE', `无法读取考核方案文件 ${file}：${(error as Error).message}`, { cause: error })
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const content = decodeText(bytes)
  let raw: unknown
  try {
    raw = JSON.parse(content)
  } catch (error) {
    const found = locateJsonError(content)
    const where = found ? `第 ${found.line} 行第 ${found.column} 列：${found.reason}` : (error as Error).message
    throw new ValidationError('ASSESSMENT_SCHEME_INVALID', `考核方案 ${file} 不是有效的 JSON，${where}`, {
      hint: '用文本编辑器检查该处的引号、逗号、冒号和括号；标点须为英文半角',
      details: [{ file, indicator: null, path: '', message: where, ...(found ? { line: found.line, column: found.column } : {}) }],
    })
  }
  return { scheme: parseScheme(raw, file), sha256 }
}


// ───────────────────────────── scoring ─────────────────────────────

export interface IndicatorScore {
  code: string
  /** The region's figure; null = no data. */
  value: number | null
  /** Rounded to 2 decimals; null only when the indicator was excluded for missing data. */
  score: number | null
  /** The indicator's weight (a bonus can take the score above it). */
  fullMarks: number
  /** Whether the value reaches the target; null = no data. */
  met: boolean | null
  missing: boolean
}

export interface RegionAssessment {
  code: string
  name: string
  /** In the scheme's order. */
  indicators: IndicatorScore[]
  /** Rounded to 2 decimals: the sum of the scores, or, when indicators were excluded, rescaled to 100. */
  total: number
  /** The weights the total was scored over before rescaling (100 unless indicators were excluded). */
  scoredWeight: number
  /** Competition rank by total: 1, 2, 2, 4. */
  rank: number
  /** Codes of the indicators this region had no data for. */
  missing: string[]
  /** Codes of the indicators whose value is below (or, for lower-is-better, above) the target. */
  belowTarget: string[]
}

export interface IndicatorSummary {
  code: string
  name: string
  metric: MetricCode
  weight: number
  /** Over the regions with a score. */
  averageScore: number | null
  /** Over the regions with data; rates as fractions. */
  averageValue: number | null
  met: number
  belowTarget: number
  missing: number
}

export interface AssessmentResult {
  scheme: AssessmentScheme
  /** By rank; tied regions in the order they were given. */
  regions: RegionAssessment[]
  indicators: IndicatorSummary[]
  averageTotal: number | null
}

const round2 = (v: number) => Math.round((v + Math.sign(v) * EPS) * 100) / 100
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
const average = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null)

/** One indicator's unrounded score and whether the value meets the target. */
function scoreValue(ind: AssessmentIndicator, value: number): { score: number; met: boolean } {
  const w = ind.weight
  if (ind.better === 'higher') {
    const met = value >= ind.target - EPS
    if (ind.scoring === 'threshold') return { met, score: met ? w : ind.partial * w }
    const floor = ind.floor ?? 0
    const ratio = value <= floor ? 0 : (value - floor) / (ind.target - floor)
    return { met, score: w * clamp(ratio, 0, ind.cap) }
  }
  const met = value <= ind.target + EPS
  if (ind.scoring === 'threshold') return { met, score: met ? w : ind.partial * w }
  const zeroAt = ind.zeroAt!
  const ratio = met ? 1 : value >= zeroAt ? 0 : (zeroAt - value) / (zeroAt - ind.target)
  return { met, score: w * ratio }
}

/**
 * Scores every region against the scheme and ranks them. Pure: reads nothing, writes nothing.
 * @throws UsageError ASSESSMENT_DUPLICATE_REGION when a region appears twice in `figures`
 */
export function scoreRegions(scheme: AssessmentScheme, figures: RegionFigures[]): AssessmentResult {
  const seen = new Set<string>()
  for (const f of figures) {
    if (seen.has(f.code)) throw new UsageError('ASSESSMENT_DUPLICATE_REGION', `地区 ${f.name}（${f.code}）出现了两次，无法排名`)
    seen.add(f.code)
  }
  const scored = figures.map((f): Omit<RegionAssessment, 'rank'> => {
    let sum = 0
    let scoredWeight = 0
    let excluded = false
    const indicators = scheme.indicators.map((ind): IndicatorScore => {
      const raw = f.values[ind.metric]
      const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null
      if (value === null) {
        const mode = ind.missing ?? scheme.missing
        if (mode === 'exclude') {
          excluded = true
          return { code: ind.code, value, score: null, fullMarks: ind.weight, met: null, missing: true }
        }
        const score = mode === 'full' ? ind.weight : 0
        sum += score
        scoredWeight += ind.weight
        return { code: ind.code, value, score, fullMarks: ind.weight, met: null, missing: true }
      }
      const { score, met } = scoreValue(ind, value)
      const rounded = round2(score)
      sum += rounded
      scoredWeight += ind.weight
      return { code: ind.code, value, score: rounded, fullMarks: ind.weight, met, missing: false }
    })
    const total = !excluded ? round2(sum) : scoredWeight > 0 ? round2((sum * 100) / scoredWeight) : 0
    return {
      code: f.code,
      name: f.name,
      indicators,
      total,
      scoredWeight: round2(scoredWeight),
      missing: indicators.filter((s) => s.missing).map((s) => s.code),
      belowTarget: indicators.filter((s) => s.met === false).map((s) => s.code),
    }
  })
  const regions = scored
    .map((r) => ({ ...r, rank: 1 + scored.filter((o) => o.total > r.total).length }))
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.rank - b.r.rank || a.i - b.i)
    .map(({ r }) => r)
  const indicators = scheme.indicators.map((ind, k): IndicatorSummary => {
    const cells = regions.map((r) => r.indicators[k])
    const avgScore = average(cells.flatMap((c) => (c.score === null ? [] : [c.score])))
    const avgValue = average(cells.flatMap((c) => (c.value === null ? [] : [c.value])))
    return {
      code: ind.code,
      name: ind.name,
      metric: ind.metric,
      weight: ind.weight,
      averageScore: avgScore === null ? null : round2(avgScore),
      averageValue: avgValue,
      met: cells.filter((c) => c.met === true).length,
      belowTarget: cells.filter((c) => c.met === false).length,
      missing: cells.filter((c) => c.missing).length,
    }
  })
  const avgTotal = average(regions.map((r) => r.total))
  return { scheme, regions, indicators, averageTotal: avgTotal === null ? null : round2(avgTotal) }
}

// ───────────────────────────── printing ─────────────────────────────

/** 2, 2.5, 0.33: at most 2 decimals, no trailing zeros. */
const num = (v: number) => String(round2(v))

function formatMetricAmount(kind: MetricKind, v: number): string {
  if (kind === 'rate') return `${(v * 100).toFixed(1)}%`
  if (kind === 'amount') return `${v.toFixed(2)} 元`
  return num(v)
}

/** A figure as people read it: rates as 85.3%, counts as numbers, amounts in yuan; — for no data. */
export function formatMetricValue(metric: MetricCode, value: number | null): string {
  return value === null ? '—' : formatMetricAmount(METRICS[metric].kind, value)
}

/** The indicator's scoring rule as one Chinese sentence, for the scheme table printed with a result. */
export function describeRule(ind: AssessmentIndicator, schemeMissing: MissingMode = 'zero'): string {
  const f = (v: number) => formatMetricValue(ind.metric, v)
  const w = num(ind.weight)
  const otherwise = ind.partial > 0 ? `得 ${num(ind.partial * ind.weight)} 分` : '不得分'
  let rule: string
  if (ind.better === 'higher' && ind.scoring === 'threshold') rule = `达到 ${f(ind.target)} 得 ${w} 分，未达到${otherwise}`
  else if (ind.better === 'lower' && ind.scoring === 'threshold') rule = `不高于 ${f(ind.target)} 得 ${w} 分，否则${otherwise}`
  else if (ind.better === 'lower') rule = `不高于 ${f(ind.target)} 得满分，高于时按比例扣分，达到 ${f(ind.zeroAt!)} 不得分`
  else {
    rule = ind.floor !== null
      ? `不高于 ${f(ind.floor)} 不得分，${f(ind.floor)} 至 ${f(ind.target)} 之间按比例计分，达到 ${f(ind.target)} 得满分`
      : `按完成比例计分（实际值 ÷ ${f(ind.target)} × ${w}），达到 ${f(ind.target)} 得满分`
    if (ind.cap > 1) rule += `，超过目标按同一比例加分，最多 ${num(ind.cap * ind.weight)} 分`
  }
  if (ind.missing && ind.missing !== schemeMissing) rule += `；无数据时${MISSING_NAMES[ind.missing]}`
  return rule
}

export interface AssessmentSheetOptions {
  /** Put each indicator's figure beside its score (default true); rates in percent, 1 decimal. */
  values?: boolean
}

/**
 * The result as one sheet for XLSX/CSV export: one row per region in rank order. Scores and figures
 * are numbers (rates as percentages, 85.3); an empty cell means no data.
 */
export function assessmentSheet(result: AssessmentResult, options: AssessmentSheetOptions = {}): { headers: string[]; rows: (string | number)[][] } {
  const values = options.values ?? true
  const inds = result.scheme.indicators
  const headers = ['排名', '区划代码', '地区']
  for (const ind of inds) {
    if (values) headers.push(`${ind.name}${METRICS[ind.metric].kind === 'rate' ? '（%）' : '（实际值）'}`)
    headers.push(`${ind.name}得分（满分 ${num(ind.weight)}）`)
  }
  headers.push('总分', '未达目标的指标', '无数据的指标')
  const nameOf = new Map(inds.map((ind) => [ind.code, ind.name]))
  const rows = result.regions.map((r) => {
    const row: (string | number)[] = [r.rank, r.code, r.name]
    r.indicators.forEach((s, k) => {
      if (values) row.push(s.value === null ? '' : METRICS[inds[k].metric].kind === 'rate' ? Math.round(s.value * 1000) / 10 : round2(s.value))
      row.push(s.score ?? '')
    })
    row.push(r.total, r.belowTarget.map((c) => nameOf.get(c)).join('、'), r.missing.map((c) => nameOf.get(c)).join('、'))
    return row
  })
  return { headers, rows }
}

/** The summary paragraph of an assessment: average, top and bottom three, indicators most often missed, missing data. */
export function assessmentSummary(result: AssessmentResult): string {
  const { regions, scheme } = result
  if (regions.length === 0) return `按《${scheme.name}》考核，没有可考核的地区。`
  const who = (r: RegionAssessment) => `${r.name}（${num(r.total)} 分）`
  const parts = [`按《${scheme.name}》对 ${regions.length} 个地区进行考核，满分 100 分，平均 ${num(result.averageTotal!)} 分。`]
  const top = regions.slice(0, Math.min(3, regions.length))
  const few = (n: number) => (n === 2 ? '两' : '三')
  parts.push(`${top.length === 1 ? '得分最高的是' : `得分前${few(top.length)}位`}：${top.map(who).join('、')}。`)
  const bottomCount = Math.min(3, regions.length - top.length)
  if (bottomCount > 0) {
    const bottom = regions.slice(-bottomCount).reverse()
    parts.push(`${bottomCount === 1 ? '得分最低的是' : `得分最低的${few(bottomCount)}位`}：${bottom.map(who).join('、')}。`)
  }
  const missed = result.indicators.filter((s) => s.belowTarget > 0).sort((a, b) => b.belowTarget - a.belowTarget).slice(0, 3)
  if (missed.length) parts.push(`未达目标的地区最多的指标：${missed.map((s) => `${s.name}（${s.belowTarget} 个地区未达标）`).join('、')}。`)
  else parts.push('有数据的各项指标均已达到目标。')
  const gaps = regions.filter((r) => r.missing.length > 0)
  if (gaps.length) {
    const nameOf = new Map(scheme.indicators.map((ind) => [ind.code, ind.name]))
    const list = result.indicators.filter((s) => s.missing > 0).map((s) => `${nameOf.get(s.code)}（${s.missing} 个）`)
    parts.push(`${gaps.length} 个地区有指标无数据：${list.join('、')}；无数据的指标${MISSING_NAMES[scheme.missing]}${scheme.indicators.some((i) => i.missing && i.missing !== scheme.missing) ? '（个别指标另有规定，见评分方案）' : ''}。`)
  }
  return parts.join('')
}

/** 2026-11 → 2026年11月, 2026 → 2026年度; anything else as given. */
function periodText(period: string): string {
  const month = /^(\d{4})-(\d{2})$/.exec(period)
  if (month) return `${month[1]}年${Number(month[2])}月`
  if (/^\d{4}$/.test(period)) return `${period}年度`
  return period
}

/**
 * The printable assessment: summary, score table (cells below full marks marked), a bar chart of the
 * totals, each indicator's completion, and the scheme itself so the paper explains its scores.
 */
export function assessmentReport(result: AssessmentResult, meta: { title: string; issuer: string; date: string; period: string }): ReportDocument {
  const { scheme, regions } = result
  const inds = scheme.indicators
  const scoreRows: ReportRow[] = regions.map((r) => ({
    cells: [r.name, ...r.indicators.map((s) => (s.score === null ? '—' : num(s.score))), num(r.total), String(r.rank)],
    highlight: r.indicators.flatMap((s, k) => (s.score === null || s.score < s.fullMarks - EPS ? [k + 1] : [])),
  }))
  if (regions.length > 1) {
    scoreRows.push({
      cells: ['平均', ...result.indicators.map((s) => (s.averageScore === null ? '—' : num(s.averageScore))), num(result.averageTotal!), ''],
      total: true,
    })
  }
  const excluded = regions.some((r) => r.indicators.some((s) => s.score === null))
  const scoreNote = [
    '括号内为该项满分；标色的单元格为未得满分的指标。',
    excluded ? '「—」为无数据、不计入的指标，该地区总分按其余指标折算为百分制。' : '',
  ].join('')
  const maxTotal = Math.max(100, ...regions.map((r) => Math.ceil(r.total)))
  const blocks: ReportDocument['blocks'] = [
    { type: 'heading', text: '一、总体情况' },
    { type: 'paragraph', text: assessmentSummary(result) },
    { type: 'heading', text: '二、得分与排名' },
    {
      type: 'table',
      table: {
        columns: [
          { header: '地区', align: 'left', width: 2 },
          ...inds.map((ind) => ({ header: `${ind.name}（${num(ind.weight)}）`, align: 'right' as const })),
          { header: '总分', align: 'right' },
          { header: '排名', align: 'center', width: 0.7 },
        ],
        rows: scoreRows,
        note: scoreNote,
      },
    },
  ]
  if (regions.length > 0) {
    blocks.push({
      type: 'chart',
      chart: {
        title: '各地区考核总分',
        unit: '分',
        bars: regions.map((r) => ({ label: r.name, value: r.total, highlight: r.total < result.averageTotal! - EPS })),
        target: { value: result.averageTotal!, label: `平均 ${num(result.averageTotal!)} 分` },
        max: maxTotal,
      },
    })
  }
  blocks.push(
    { type: 'heading', text: '三、各项指标完成情况' },
    {
      type: 'table',
      table: {
        columns: [
          { header: '指标', align: 'left', width: 2 },
          { header: '目标', align: 'right' },
          { header: '平均值', align: 'right' },
          { header: '达标地区', align: 'right' },
          { header: '未达标地区', align: 'right' },
          { header: '无数据', align: 'right' },
          { header: '平均得分', align: 'right' },
        ],
        rows: result.indicators.map((s, k) => ({
          cells: [
            s.name,
            formatMetricValue(s.metric, inds[k].target),
            formatMetricValue(s.metric, s.averageValue),
            String(s.met),
            String(s.belowTarget),
            String(s.missing),
            s.averageScore === null ? '—' : `${num(s.averageScore)} / ${num(s.weight)}`,
          ],
          highlight: s.belowTarget > 0 ? [4] : undefined,
        })),
        note: '平均值为有数据地区的算术平均。',
      },
    },
    { type: 'heading', text: '附：考核评分方案' },
    {
      type: 'table',
      table: {
        title: scheme.name,
        columns: [
          { header: '指标', align: 'left', width: 1.5 },
          { header: '考核数据', align: 'left', width: 2 },
          { header: '权重', align: 'right', width: 0.7 },
          { header: '目标', align: 'right', width: 0.9 },
          { header: '评分规则', align: 'left', width: 4 },
        ],
        rows: [
          ...inds.map((ind) => ({
            cells: [ind.name, METRICS[ind.metric].name, num(ind.weight), `${ind.better === 'lower' ? '≤' : '≥'} ${formatMetricValue(ind.metric, ind.target)}`, describeRule(ind, scheme.missing)],
          })),
          { cells: ['合计', '', num(inds.reduce((a, ind) => a + ind.weight, 0)), '', ''], total: true },
        ],
        note: [scheme.basis ? `依据：${scheme.basis}` : '', `无数据的指标${MISSING_NAMES[scheme.missing]}。`].filter(Boolean).join(' '),
      },
    },
  )
  return {
    title: meta.title,
    subtitle: `（${periodText(meta.period)}）`,
    issuer: meta.issuer,
    date: meta.date,
    blocks,
    orientation: inds.length > 5 ? 'landscape' : 'portrait',
  }
}

// ───────────────────────────── storage ─────────────────────────────

export interface SaveAssessmentOptions {
  period: string
  schemeName: string
  schemeSha256: string | null
  operator: string
}

/**
 * Stores one row per region in `assessments`, replacing earlier rows for the same scheme name, period
 * and region, with an audit line, in one transaction.
 * @throws UsageError ASSESSMENT_PERIOD_EMPTY; NotFoundError REGION_NOT_FOUND (nothing written)
 */
export function saveAssessment(db: Db, result: AssessmentResult, options: SaveAssessmentOptions): { saved: number; replaced: number } {
  const period = options.period.trim()
  if (!period) throw new UsageError('ASSESSMENT_PERIOD_EMPTY', '考核期间不能为空', { hint: '如 2026（年度考评）或 2026-06（年中检查）' })
  const exists = db.prepare('SELECT 1 FROM regions WHERE code = ?')
  const unknown = result.regions.find((r) => !exists.get(r.code))
  if (unknown) {
    throw new NotFoundError('REGION_NOT_FOUND', `找不到行政区划 ${unknown.name}（${unknown.code}），考核结果未保存`, { hint: '用 `cjfp region list` 查看本库的行政区划' })
  }
  const remove = db.prepare('DELETE FROM assessments WHERE scheme_name = @scheme AND period = @period AND region_code = @region')
  const insert = db.prepare(`INSERT INTO assessments (scheme_name, scheme_sha256, period, region_code, total_score, rank, details_json, created_at, created_by)
    VALUES (@scheme, @sha256, @period, @region, @total, @rank, @details, @at, @operator)`)
  const at = new Date().toISOString()
  return db.transaction(() => {
    let replaced = 0
    for (const r of result.regions) {
      const params = { scheme: options.schemeName, period, region: r.code }
      replaced += remove.run(params).changes
      const details = {
        scoredWeight: r.scoredWeight,
        missing: r.missing,
        belowTarget: r.belowTarget,
        indicators: r.indicators.map((s, k) => ({ ...s, metric: result.scheme.indicators[k].metric })),
      }
      insert.run({ ...params, sha256: options.schemeSha256, total: r.total, rank: r.rank, details: JSON.stringify(details), at, operator: options.operator })
    }
    recordAudit(db, options.operator, 'assessment.save', `${options.schemeName} ${period}`, {
      schemeSha256: options.schemeSha256,
      regions: result.regions.length,
      replaced,
    })
    return { saved: result.regions.length, replaced }
  })()
}
