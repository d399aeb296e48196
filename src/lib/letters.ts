/**
 * 责任状 and 帮扶责任书: the letter model (parties, tasks with targets and deadlines, the pairing),
 * rendering it through a template into GB/T 9704 PDFs, the record of every letter printed, and
 * signing and follow-up.
 *
 * Files are written first (each atomically, through a temporary name and a rename) and recorded
 * afterwards in one transaction, so the table never points at a file that was not written; a crash
 * in between leaves files that are simply printed again. The PDF bytes depend only on the input and
 * the letter's issue date, so printing the same letters twice gives the same sha256.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { getArea } from './area.js'
import { recordAudit } from './audit.js'
import { getConfigValue } from './config.js'
import type { Db } from './db.js'
import { AppError, ConflictError, FileError, NotFoundError, UsageError, ValidationError } from './errors.js'
import {
  fillPlaceholders, LETTER_KIND_NAMES, type LetterKind, type LetterTemplate, TABLE_PLACEHOLDER,
} from './letter-template.js'
import { maskIdNumber, maskPhone } from './output.js'
import { createDocument, type PdfLetterDocument } from './pdf.js'
import type { RegionLevel } from './regions.js'
import { latestPeriod, periodParams } from './roster-query.js'
import { normalizeDate, today } from './tasks.js'
import { governmentName, resolveDbRegion } from './units.js'

export { LETTER_KIND_NAMES, type LetterKind } from './letter-template.js'

export interface LetterTask {
  taskId: number
  title: string
  actionCode: string | null
  actionTitle: string | null
  indicatorName: string | null
  target: number | null
  targetUnit: string | null
  comparison: '>=' | '<=' | '='
  /** ≥80%, ≥120户, as printed. */
  targetText: string
  deadline: string | null
  unitName: string | null
}

export interface PairingParty {
  helper: { id: number; name: string; unit: string | null; phone: string | null }
  household: { householdNo: string; head: string | null; township: string | null; village: string | null; members: string[] }
  measures: string | null
  funds: number | null
  startDate: string | null
  endDate: string | null
}

/** Everything one letter says, before a template turns it into pages. */
export interface LetterModel {
  kind: LetterKind
  /** 甲方. */
  issuer: string
  issuerRegion: { code: string; name: string } | null
  /** 乙方. */
  recipient: string
  region: { code: string; name: string; level: RegionLevel } | null
  pairingId: number | null
  /** YYYY-MM-DD: printed on the letter and written as the PDF's creation date. */
  issueDate: string
  year: number
  period: { start: string; end: string }
  tasks: LetterTask[]
  pairing: PairingParty | null
  /** The file name without .pdf, safe on Windows. */
  fileStem: string
}

export type LetterTarget = 'townships' | 'counties'
const TARGET_LEVEL: Record<LetterTarget, RegionLevel> = { townships: 'township', counties: 'county' }
const LEVEL_RANK: Record<RegionLevel, number> = { province: 0, city: 1, county: 2, township: 3, village: 4 }

export interface ResponsibilityOptions {
  from: string
  to: LetterTarget
  year?: number
  /** The issue date, YYYY-MM-DD (default today). */
  date?: string
  includeEmpty?: boolean
  /** 甲方 instead of the default (the office for its own area, else the region's government). */
  issuer?: string
}

export interface BuildResult {
  letters: LetterModel[]
  /** Regions left out because they have no tasks (without includeEmpty). */
  skipped: Array<{ code: string; name: string }>
  warnings: string[]
}

/** A household key as printed: the pairing code keys a household without a number by a member's 身份证号, which is masked. */
function householdLabel(key: string): string {
  return /^\d{17}[\dX]$/i.test(key) ? maskIdNumber(key) : key
}

/** 2017年3月15日. */
export function chineseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number)
  return `${y}年${m}月${d}日`
}

/** A file name safe on Windows: no \ / : * ? " < > |, no control characters, no trailing dots or spaces. */
export function safeFileName(name: string): string {
  const clean = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '').replace(/[. ]+$/, '').trim()
  return clean || '未命名'
}

/** 张*, 欧阳** : the surname and a star for each other character. */
export function maskName(name: string | null): string {
  if (!name) return ''
  const chars = Array.from(name)
  return chars.length <= 1 ? name : chars[0] + '*'.repeat(chars.length - 1)
}

function targetText(value: number | null, unit: string | null, comparison: string): string {
  if (value === null) return ''
  const sign = comparison === '>=' ? '≥' : comparison === '<=' ? '≤' : ''
  const number = Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100)
  return `${sign}${number}${unit ?? ''}`
}

function checkDate(text: string | undefined, flag: string): string {
  if (text === undefined) return today()
  const iso = normalizeDate(text)
  if (!iso) throw new UsageError('LETTER_DATE_INVALID', `${flag}「${text}」不是有效日期，应写成 年-月-日，如 2017-03-15`)
  return iso
}

/** The name the database's office signs with: config org.name, else the name given at init. */
function officeName(db: Db): string {
  return getConfigValue(db, 'org.name') ?? getArea(db).orgName
}

interface RegionRow { code: string; name: string; level: RegionLevel; parent_code: string | null; reports_to: string | null }
interface LetterTaskRow {
  id: number; region_code: string; title: string; action_code: string | null; action_title: string | null; indicator_name: string | null
  target_value: number | null; target_unit: string | null; comparison: '>=' | '<=' | '='; deadline: string | null; unit_name: string | null
}

/**
 * 责任状 models from one region to each region of a lower level inside it: 甲方 is the region that
 * assigns (the office for the database's own area, otherwise its people's government; with a
 * province or city as `from`, each recipient's direct superior, so one run prints every county's
 * letters), 乙方 the unit responsible for the recipient's tasks (its government when none is named).
 * @throws UsageError LETTER_LEVEL, LETTER_DATE_INVALID; NotFoundError REGION_NOT_FOUND
 */
export function buildResponsibilityLetters(db: Db, options: ResponsibilityOptions): BuildResult {
  const from = resolveDbRegion(db, options.from)
  const level = TARGET_LEVEL[options.to]
  if (LEVEL_RANK[from.level] >= LEVEL_RANK[level]) {
    throw new UsageError('LETTER_LEVEL', `${from.name}是${from.level === 'township' ? '乡镇' : from.level === 'county' ? '县级' : '上级'}区划，没有下级的${options.to === 'townships' ? '乡镇' : '县'}可签责任状`, {
      hint: '县向乡镇签用 --to townships；省、市州向县签用 --to counties',
    })
  }
  const issueDate = checkDate(options.date, '--date')
  const year = options.year ?? Number(issueDate.slice(0, 4))
  const area = getArea(db)
  const regions = db
    .prepare(`SELECT code, name, level, parent_code, reports_to FROM regions
      WHERE level = @level AND substr(code, 1, length(@from)) = @from AND code <> @from ORDER BY code`)
    .all({ level, from: from.code }) as RegionRow[]
  const names = new Map((db.prepare('SELECT code, name, level FROM regions WHERE level IN (\'province\', \'city\', \'county\')').all() as RegionRow[]).map((r) => [r.code, r]))
  const rows = db
    .prepare(`SELECT t.id, t.region_code, t.title, t.action_code, a.title AS action_title, i.name AS indicator_name, t.target_value, t.target_unit,
        t.comparison, t.deadline, u.name AS unit_name
      FROM tasks t JOIN regions r ON r.code = t.region_code
      LEFT JOIN actions a ON a.code = t.action_code LEFT JOIN units u ON u.id = t.unit_id LEFT JOIN indicators i ON i.code = t.indicator_code
      WHERE t.status <> 'cancelled' AND r.level = @level AND substr(t.region_code, 1, length(@from)) = @from
        AND (@year IS NULL OR t.deadline IS NULL OR t.deadline >= @yearStart)
      ORDER BY t.region_code, t.action_code, t.id`)
    .all({ level, from: from.code, year: options.year ?? null, yearStart: `${year}-01-01` }) as LetterTaskRow[]
  const byRegion = new Map<string, LetterTaskRow[]>()
  for (const row of rows) {
    const list = byRegion.get(row.region_code)
    if (list) list.push(row)
    else byRegion.set(row.region_code, [row])
  }

  const letters: LetterModel[] = []
  const skipped: BuildResult['skipped'] = []
  for (const region of regions) {
    const taskRows = byRegion.get(region.code) ?? []
    if (taskRows.length === 0 && !options.includeEmpty) {
      skipped.push({ code: region.code, name: region.name })
      continue
    }
    const direct = region.parent_code === from.code || region.reports_to === from.code
    const issuerRegion = direct ? from : names.get(region.reports_to ?? region.parent_code ?? '') ?? from
    const issuer = options.issuer ?? (issuerRegion.code === area.code ? officeName(db) : governmentName(issuerRegion))
    const recipient = mostCommon(taskRows.map((t) => t.unit_name).filter((n): n is string => Boolean(n))) ?? governmentName(region)
    const deadlines = taskRows.map((t) => t.deadline).filter((d): d is string => Boolean(d)).sort()
    const end = deadlines.at(-1) ?? `${year}-12-31`
    letters.push({
      kind: 'responsibility',
      issuer,
      issuerRegion: { code: issuerRegion.code, name: issuerRegion.name },
      recipient,
      region: { code: region.code, name: region.name, level: region.level },
      pairingId: null,
      issueDate,
      year,
      period: { start: issueDate, end: end < issueDate ? issueDate : end },
      tasks: taskRows.map((t) => ({
        taskId: t.id, title: t.title, actionCode: t.action_code, actionTitle: t.action_title, indicatorName: t.indicator_name,
        target: t.target_value, targetUnit: t.target_unit, comparison: t.comparison, targetText: targetText(t.target_value, t.target_unit, t.comparison),
        deadline: t.deadline, unitName: t.unit_name,
      })),
      pairing: null,
      fileStem: safeFileName(`责任状-${region.name}`),
    })
  }
  const warnings = skipped.length ? [`${skipped.length} 个区划没有任务，未生成责任状（加 --include-empty 也为它们生成）`] : []
  return { letters, skipped, warnings }
}

function mostCommon(values: string[]): string | null {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  let best: string | null = null
  for (const [v, n] of counts) if (best === null || n > counts.get(best)!) best = v
  return best
}

export interface PairingOptions {
  township?: string
  /** A helper's id or name. */
  helper?: string
  date?: string
}

/**
 * 帮扶责任书 models, one per active pairing (no end date, or one on or after the issue date), with
 * the household's members from the newest roster period.
 * @throws UsageError LETTER_DATE_INVALID; NotFoundError REGION_NOT_FOUND, HELPER_NOT_FOUND
 */
export function buildPairingLetters(db: Db, options: PairingOptions = {}): BuildResult {
  const issueDate = checkDate(options.date, '--date')
  const township = options.township ? resolveDbRegion(db, options.township) : null
  let helperId: number | null = null
  if (options.helper) {
    const text = options.helper.trim()
    const found = db.prepare('SELECT id FROM helpers WHERE id = @id OR name = @name ORDER BY id').all({ id: /^\d+$/.test(text) ? Number(text) : -1, name: text }) as Array<{ id: number }>
    if (found.length === 0) throw new NotFoundError('HELPER_NOT_FOUND', `找不到帮扶人「${text}」`, { hint: '用 `cjfp pair list` 查看帮扶人' })
    if (found.length > 1) throw new UsageError('HELPER_AMBIGUOUS', `有 ${found.length} 位帮扶人叫「${text}」，请改用编号`, { details: found })
    helperId = found[0].id
  }
  const pairings = db
    .prepare(`SELECT p.id, p.household_no, p.measures, p.funds, p.start_date, p.end_date, h.id AS helper_id, h.name, h.unit, h.phone
      FROM pairings p JOIN helpers h ON h.id = p.helper_id
      WHERE (p.end_date IS NULL OR p.end_date >= @date) AND (@helper IS NULL OR h.id = @helper) ORDER BY p.household_no, p.id`)
    .all({ date: issueDate, helper: helperId }) as Array<{
      id: number; household_no: string; measures: string | null; funds: number | null; start_date: string | null; end_date: string | null
      helper_id: number; name: string; unit: string | null; phone: string | null
    }>
  let period: string | null = null
  try {
    period = latestPeriod(db)
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
  }
  const memberQuery = period
    ? db.prepare(`SELECT name, relation, township_code, township_name, village_name FROM roster_entries
        WHERE id BETWEEN @lo AND @hi AND period = @period AND (household_no = @household OR (household_no IS NULL AND id_number = @household)) ORDER BY relation <> '户主', relation <> '本人', id`)
    : null
  const params = period ? periodParams(db, period) : null
  const townshipNames = new Map((db.prepare("SELECT code, name FROM regions WHERE level = 'township'").all() as RegionRow[]).map((r) => [r.code, r.name]))
  const year = Number(issueDate.slice(0, 4))
  const letters: LetterModel[] = []
  for (const p of pairings) {
    const members = (memberQuery?.all({ ...params, household: p.household_no }) ?? []) as Array<{ name: string; relation: string | null; township_code: string | null; township_name: string | null; village_name: string | null }>
    const townshipCode = members[0]?.township_code ?? null
    if (township && townshipCode !== township.code) continue
    const head = members[0]?.name ?? null
    letters.push({
      kind: 'pairing',
      issuer: p.name,
      issuerRegion: null,
      recipient: head ? `${head}户` : `户编号 ${householdLabel(p.household_no)}`,
      region: townshipCode ? { code: townshipCode, name: townshipNames.get(townshipCode) ?? members[0]?.township_name ?? '', level: 'township' } : null,
      pairingId: p.id,
      issueDate,
      year,
      period: { start: p.start_date ?? issueDate, end: p.end_date ?? `${year}-12-31` },
      tasks: [],
      pairing: {
        helper: { id: p.helper_id, name: p.name, unit: p.unit, phone: p.phone },
        household: {
          householdNo: p.household_no, head, township: townshipCode ? townshipNames.get(townshipCode) ?? members[0]?.township_name ?? null : null,
          village: members[0]?.village_name ?? null, members: members.map((m) => m.name),
        },
        measures: p.measures, funds: p.funds, startDate: p.start_date, endDate: p.end_date,
      },
      fileStem: safeFileName(`帮扶责任书-${householdLabel(p.household_no)}-${p.id}`),
    })
  }
  return { letters, skipped: [], warnings: period ? [] : ['还没有导入花名册，帮扶责任书中不列家庭成员'] }
}

/** The values of a letter's placeholders; personal data masked unless `reveal`. */
export function letterValues(model: LetterModel, reveal: boolean): Record<string, string> {
  const values: Record<string, string> = {
    甲方: model.issuer, 乙方: model.recipient, 甲方区划: model.issuerRegion?.name ?? '', 乙方区划: model.region?.name ?? '',
    年度: String(model.year), 期限: `${chineseDate(model.period.start)}至${chineseDate(model.period.end)}`, 签订日期: chineseDate(model.issueDate),
    任务数: String(model.tasks.length),
  }
  const p = model.pairing
  if (p) {
    const name = (n: string | null) => (reveal ? n ?? '' : maskName(n))
    const phone = p.helper.phone ? (reveal ? p.helper.phone : maskPhone(p.helper.phone)) : '（未填写）'
    Object.assign(values, {
      甲方: name(p.helper.name), 乙方: name(p.household.head), 帮扶人: name(p.helper.name), 帮扶人单位: p.helper.unit || '（未填写）',
      帮扶人电话: phone, 户主: name(p.household.head) || '（户主未登记）', 户编号: reveal ? p.household.householdNo : householdLabel(p.household.householdNo),
      乡镇: p.household.township ?? '', 村: p.household.village ?? (p.household.township ? '' : '（住址未登记）'), 家庭成员: p.household.members.map(name).join('、') || '（花名册中未登记）',
      帮扶措施: p.measures?.replace(/[。；;]+$/, '') || '（未填写）', 帮扶资金: p.funds === null ? '（未填写）' : `${p.funds.toLocaleString('zh-CN', { maximumFractionDigits: 2 })}元`,
    })
  }
  return values
}

function taskRows(model: LetterModel, template: LetterTemplate): string[][] {
  const columns = template.table?.columns ?? []
  if (model.tasks.length === 0) return [columns.map((_, i) => (i === 0 ? '—' : ''))]
  return model.tasks.map((t, k) => {
    const row: Record<string, string> = {
      序号: String(k + 1), 任务: t.title, 行动: t.actionTitle ?? '', 指标: t.indicatorName ?? '', 目标: t.targetText,
      完成时限: t.deadline ? chineseDate(t.deadline) : '', 责任单位: t.unitName ?? '',
    }
    return columns.map((c) => fillPlaceholders(c.value, row))
  })
}

/** Draws one letter into a document that is at the top of a fresh page. */
function drawLetter(doc: PdfLetterDocument, model: LetterModel, template: LetterTemplate, reveal: boolean): void {
  const values = letterValues(model, reveal)
  doc.addTitle(fillPlaceholders(template.title, values))
  for (const item of template.body) {
    if (typeof item === 'string') {
      if (item.trim() === `{{${TABLE_PLACEHOLDER}}}`) doc.addTable(template.table!.columns, taskRows(model, template))
      else doc.addParagraph(fillPlaceholders(item, values))
    } else if ('heading' in item) doc.addHeading(fillPlaceholders(item.heading, values))
    else doc.addParagraph(fillPlaceholders(item.paragraph, values))
  }
  const party = (p: LetterTemplate['signatures']['partyA']) => ({ role: p.role, name: fillPlaceholders(p.name, values), signatoryLabel: p.signatory, seal: p.seal })
  doc.addSignatureBlocks(party(template.signatures.partyA), party(template.signatures.partyB), fillPlaceholders(template.dateLine, values))
}

function openDocument(template: LetterTemplate, title: string, date: string, fallbackFonts: string[] | undefined): PdfLetterDocument {
  return createDocument({
    date: new Date(`${date}T00:00:00.000Z`), title, author: 'cjfp',
    titleFontSize: template.layout.titleFontSize, bodyFontSize: template.layout.bodyFontSize, tableFontSize: template.layout.tableFontSize,
    pageNumbers: template.layout.pageNumbers ? 'outside' : 'none',
    ...(fallbackFonts ? { fallbackFonts } : {}),
  })
}

/** FONT_MISSING_GLYPH from the layout engine, retold with the letter it happened in. */
function withLetter(error: unknown, model: LetterModel): unknown {
  if (!(error instanceof AppError) || error.code !== 'FONT_MISSING_GLYPH') return error
  const details = error.details as { character: string; codePoint: string; text: string }
  return new FileError('FONT_MISSING_GLYPH', `给「${model.recipient}」的${LETTER_KIND_NAMES[model.kind]}中有字体里没有的字「${details.character}」(${details.codePoint})，无法打印`, {
    hint: error.hint, details: { ...details, recipient: model.recipient, regionCode: model.region?.code ?? null, pairingId: model.pairingId },
  })
}

export interface RenderOptions {
  outDir: string
  combined?: boolean
  reveal?: boolean
  operator: string
  /** Fonts for characters the shipped subset lacks; default: those found on this computer. [] = none. */
  fallbackFonts?: string[]
}

export interface GeneratedLetter {
  id: number
  kind: LetterKind
  issuer: string
  recipient: string
  regionCode: string | null
  regionName: string | null
  pairingId: number | null
  tasks: number
  file: string
  sha256: string
  pages: number
  bytes: number
  issuedAt: string
}

export interface RenderResult {
  kind: LetterKind | null
  template: string
  outDir: string
  combined: boolean
  files: Array<{ file: string; sha256: string; bytes: number; pages: number; letters: number }>
  letters: GeneratedLetter[]
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Writes through a temporary name and a rename, so a reader never sees half a PDF. */
function writeAtomically(file: string, bytes: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, bytes)
    renameSync(tmp, file)
  } catch (error) {
    rmSync(tmp, { force: true })
    throw new FileError('LETTER_WRITE_FAILED', `无法写入 ${file}`, { hint: '检查输出文件夹是否可写、文件是否正被其他程序（如 PDF 阅读器）打开', cause: error })
  }
}

/**
 * Renders letters through a template: one PDF per letter (names made unique with -2, -3 …) or one
 * combined PDF in which each letter starts on a new page with its page numbers restarting; then
 * records every letter (file, sha256, tasks) and an audit line in one transaction.
 * @throws FileError LETTER_OUT_DIR, LETTER_WRITE_FAILED, FONT_MISSING_GLYPH (naming the recipient and the character), FONT_UNREADABLE
 */
export async function renderLetters(db: Db, models: LetterModel[], template: LetterTemplate, options: RenderOptions): Promise<RenderResult> {
  const outDir = resolve(options.outDir)
  try {
    mkdirSync(outDir, { recursive: true })
  } catch (error) {
    throw new FileError('LETTER_OUT_DIR', `无法创建输出文件夹 ${outDir}`, { cause: error })
  }
  const reveal = options.reveal ?? false
  const kind = models[0]?.kind ?? null
  const kindName = LETTER_KIND_NAMES[kind ?? template.kind]
  const files: RenderResult['files'] = []
  const placed: Array<{ model: LetterModel; file: string; sha256: string; pages: number; bytes: number }> = []
  if (options.combined && models.length) {
    const first = models[0]
    const doc = openDocument(template, `${template.name}（合订）`, first.issueDate, options.fallbackFonts)
    const pages: number[] = []
    for (const [k, model] of models.entries()) {
      if (k > 0) doc.addPageBreak({ restartPageNumbers: true })
      const before = k > 0 ? doc.pageCount - 1 : 0
      try {
        drawLetter(doc, model, template, reveal)
      } catch (error) {
        throw withLetter(error, model)
      }
      pages.push(doc.pageCount - before)
    }
    const bytes = await doc.end()
    const scope = first.issuerRegion?.name ?? first.region?.name ?? ''
    const file = join(outDir, safeFileName(`${kindName}-${scope ? `${scope}-` : ''}合订${models.length}份.pdf`))
    writeAtomically(file, bytes)
    const hash = sha256(bytes)
    files.push({ file, sha256: hash, bytes: bytes.length, pages: doc.pageCount, letters: models.length })
    models.forEach((model, k) => placed.push({ model, file, sha256: hash, pages: pages[k], bytes: bytes.length }))
  } else {
    const used = new Set<string>()
    for (const model of models) {
      let stem = model.fileStem
      for (let n = 2; used.has(stem.toLowerCase()); n++) stem = `${model.fileStem}-${n}`
      used.add(stem.toLowerCase())
      const doc = openDocument(template, `${template.name}：${model.recipient}`, model.issueDate, options.fallbackFonts)
      try {
        drawLetter(doc, model, template, reveal)
      } catch (error) {
        throw withLetter(error, model)
      }
      const bytes = await doc.end()
      const file = join(outDir, `${stem}.pdf`)
      writeAtomically(file, bytes)
      const hash = sha256(bytes)
      files.push({ file, sha256: hash, bytes: bytes.length, pages: doc.pageCount, letters: 1 })
      placed.push({ model, file, sha256: hash, pages: doc.pageCount, bytes: bytes.length })
    }
  }

  const letters = db.transaction(() => {
    const insert = db.prepare(`INSERT INTO letters (kind, issuer, recipient, region_code, pairing_id, template, file_path, sha256, pages, tasks_json, issued_at, created_at, created_by)
      VALUES (@kind, @issuer, @recipient, @region, @pairing, @template, @file, @sha256, @pages, @tasks, @issuedAt, @at, @operator)`)
    const at = new Date().toISOString()
    const out = placed.map(({ model, file, sha256: hash, pages, bytes }): GeneratedLetter => {
      const tasks = model.tasks.map((t) => ({ taskId: t.taskId, title: t.title, target: t.target, targetUnit: t.targetUnit, comparison: t.comparison, deadline: t.deadline }))
      const id = Number(insert.run({
        kind: model.kind, issuer: model.issuer, recipient: model.recipient, region: model.region?.code ?? null, pairing: model.pairingId,
        template: template.fileName, file, sha256: hash, pages, tasks: model.kind === 'responsibility' ? JSON.stringify(tasks) : null,
        issuedAt: model.issueDate, at, operator: options.operator,
      }).lastInsertRowid)
      return {
        id, kind: model.kind, issuer: model.kind === 'pairing' && !reveal ? maskName(model.issuer) : model.issuer,
        recipient: model.kind === 'pairing' && !reveal ? maskName(model.recipient) : model.recipient,
        regionCode: model.region?.code ?? null, regionName: model.region?.name ?? null, pairingId: model.pairingId,
        tasks: model.tasks.length, file, sha256: hash, pages, bytes, issuedAt: model.issueDate,
      }
    })
    if (out.length) {
      recordAudit(db, options.operator, 'letter.generate', kind, {
        letters: out.length, files: files.length, combined: Boolean(options.combined), template: template.fileName, outDir, firstId: out[0].id, lastId: out.at(-1)!.id,
      })
    }
    return out
  })()
  return { kind, template: template.fileName, outDir, combined: Boolean(options.combined), files, letters }
}

// ---------------------------------------------------------------------------------------------
// The record: list, sign, status

export interface LetterRecord {
  id: number
  kind: LetterKind
  kindName: string
  issuer: string
  recipient: string
  regionCode: string | null
  regionName: string | null
  pairingId: number | null
  template: string
  filePath: string
  sha256: string
  pages: number | null
  tasks: Array<{ taskId: number; title: string; target: number | null; targetUnit: string | null; comparison: string; deadline: string | null }>
  issuedAt: string
  signedAt: string | null
  signed: boolean
  createdAt: string
  createdBy: string
}

interface LetterRow {
  id: number; kind: LetterKind; issuer: string; recipient: string; region_code: string | null; region_name: string | null; pairing_id: number | null
  template: string; file_path: string; sha256: string; pages: number | null; tasks_json: string | null; issued_at: string; signed_at: string | null
  created_at: string; created_by: string
}

const LETTER_SQL = `SELECT l.*, r.name AS region_name FROM letters l LEFT JOIN regions r ON r.code = l.region_code`

function toRecord(row: LetterRow): LetterRecord {
  return {
    id: row.id, kind: row.kind, kindName: LETTER_KIND_NAMES[row.kind], issuer: row.issuer, recipient: row.recipient, regionCode: row.region_code,
    regionName: row.region_name, pairingId: row.pairing_id, template: row.template, filePath: row.file_path, sha256: row.sha256, pages: row.pages,
    tasks: row.tasks_json ? JSON.parse(row.tasks_json) : [], issuedAt: row.issued_at, signedAt: row.signed_at, signed: row.signed_at !== null,
    createdAt: row.created_at, createdBy: row.created_by,
  }
}

export interface LetterFilter {
  kind?: LetterKind
  region?: string
  signed?: boolean
}

/** Letters printed, newest first; optionally of one kind, within one region, signed or not. @throws NotFoundError REGION_NOT_FOUND */
export function listLetters(db: Db, filter: LetterFilter = {}): LetterRecord[] {
  const region = filter.region ? resolveDbRegion(db, filter.region).code : null
  const rows = db
    .prepare(`${LETTER_SQL} WHERE (@kind IS NULL OR l.kind = @kind) AND (@region IS NULL OR substr(l.region_code, 1, length(@region)) = @region)
      AND (@signed IS NULL OR (l.signed_at IS NOT NULL) = @signed) ORDER BY l.id DESC`)
    .all({ kind: filter.kind ?? null, region, signed: filter.signed === undefined ? null : filter.signed ? 1 : 0 }) as LetterRow[]
  return rows.map(toRecord)
}

/**
 * Records that a letter came back signed on `date` (default today).
 * @throws UsageError LETTER_ID_INVALID, LETTER_DATE_INVALID; NotFoundError LETTER_NOT_FOUND;
 *   ConflictError LETTER_ALREADY_SIGNED; ValidationError LETTER_SIGNED_BEFORE_ISSUE
 */
export function signLetter(db: Db, idText: number | string, date: string | undefined, operator: string): LetterRecord {
  const m = String(idText).trim().match(/^(?:L-?)?(\d+)$/i)
  if (!m) throw new UsageError('LETTER_ID_INVALID', `「${idText}」不是责任状编号（应为数字）`, { hint: '用 `cjfp letter list` 查看编号' })
  const id = Number(m[1])
  const signedAt = checkDate(date, '签收日期')
  return db.transaction(() => {
    const row = db.prepare(`${LETTER_SQL} WHERE l.id = ?`).get(id) as LetterRow | undefined
    if (!row) throw new NotFoundError('LETTER_NOT_FOUND', `找不到编号为 ${id} 的责任状`, { hint: '用 `cjfp letter list` 查看编号' })
    if (row.signed_at) throw new ConflictError('LETTER_ALREADY_SIGNED', `${id} 号${LETTER_KIND_NAMES[row.kind]}（${row.recipient}）已于 ${row.signed_at} 签收`)
    if (signedAt < row.issued_at) {
      throw new ValidationError('LETTER_SIGNED_BEFORE_ISSUE', `签收日期 ${signedAt} 早于印发日期 ${row.issued_at}`)
    }
    db.prepare('UPDATE letters SET signed_at = ? WHERE id = ?').run(signedAt, id)
    recordAudit(db, operator, 'letter.sign', String(id), { signedAt, kind: row.kind, regionCode: row.region_code })
    return toRecord({ ...row, signed_at: signedAt })
  })()
}

export interface StatusCounts {
  issued: number
  signed: number
  unsigned: number
  /** Unsigned and issued more than unsignedAfterDays days before asOf. */
  overdue: number
}

export interface LetterStatus {
  asOf: string
  unsignedAfterDays: number
  totals: StatusCounts
  byKind: Array<{ kind: LetterKind; kindName: string } & StatusCounts>
  byRegion: Array<{ kind: LetterKind; regionCode: string | null; regionName: string | null } & StatusCounts>
  overdueLetters: Array<{ id: number; kind: LetterKind; recipient: string; regionName: string | null; issuedAt: string; days: number; filePath: string }>
}

/**
 * Issued, signed and unsigned letters, and those unsigned for more than N days, by kind and by
 * region. A recipient's letter printed again counts once: only the newest of each recipient counts.
 * @throws UsageError LETTER_DATE_INVALID, LETTER_DAYS_INVALID
 */
export function letterStatus(db: Db, options: { unsignedAfterDays?: number; asOf?: string } = {}): LetterStatus {
  const days = options.unsignedAfterDays ?? 30
  if (!Number.isInteger(days) || days < 0) throw new UsageError('LETTER_DAYS_INVALID', `天数应为不小于 0 的整数（收到 ${days}）`)
  const asOf = checkDate(options.asOf, '--as-of')
  const rows = db
    .prepare(`SELECT * FROM (${LETTER_SQL.replace('SELECT l.*', `SELECT l.*, row_number() OVER (PARTITION BY l.kind, coalesce(l.pairing_id, l.region_code, l.recipient) ORDER BY l.id DESC) AS newest`)})
      WHERE newest = 1 ORDER BY kind, region_code, id`)
    .all() as Array<LetterRow & { newest: number }>
  const cutoff = new Date(`${asOf}T00:00:00Z`).getTime()
  const age = (issued: string) => Math.floor((cutoff - new Date(`${issued}T00:00:00Z`).getTime()) / 86_400_000)
  const zero = (): StatusCounts => ({ issued: 0, signed: 0, unsigned: 0, overdue: 0 })
  const totals = zero()
  const kinds = new Map<LetterKind, StatusCounts>()
  const regions = new Map<string, LetterStatus['byRegion'][number]>()
  const overdueLetters: LetterStatus['overdueLetters'] = []
  for (const row of rows) {
    const kindCounts = kinds.get(row.kind) ?? zero()
    kinds.set(row.kind, kindCounts)
    const key = `${row.kind}|${row.region_code ?? ''}`
    const regionCounts = regions.get(key) ?? { kind: row.kind, regionCode: row.region_code, regionName: row.region_name, ...zero() }
    regions.set(key, regionCounts)
    const overdue = !row.signed_at && age(row.issued_at) > days
    for (const c of [totals, kindCounts, regionCounts]) {
      c.issued++
      if (row.signed_at) c.signed++
      else c.unsigned++
      if (overdue) c.overdue++
    }
    if (overdue) overdueLetters.push({ id: row.id, kind: row.kind, recipient: row.recipient, regionName: row.region_name, issuedAt: row.issued_at, days: age(row.issued_at), filePath: row.file_path })
  }
  return {
    asOf, unsignedAfterDays: days, totals,
    byKind: [...kinds].map(([kind, c]) => ({ kind, kindName: LETTER_KIND_NAMES[kind], ...c })),
    byRegion: [...regions.values()],
    overdueLetters,
  }
}
