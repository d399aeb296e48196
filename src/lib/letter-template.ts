/**
 * Letter templates: JSON files in templates/letters/ that an office copies and edits without code
 * (title, paragraphs with {{占位符}}, the task table's columns, the signature roles, the date line
 * and a few layout choices). A template is checked before any letter is printed, and every problem
 * names the file, the line in the JSON text and, where there is one, the placeholder.
 *
 * JSON.parse forgets where things are, so the file is read by a small parser that remembers the line
 * of every key and value; zod then checks the shape and its issue paths are turned back into lines.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { FileError, NotFoundError, ValidationError } from './errors.js'

export const LETTER_KINDS = ['responsibility', 'pairing'] as const
export type LetterKind = (typeof LETTER_KINDS)[number]
export const LETTER_KIND_NAMES: Record<LetterKind, string> = { responsibility: '责任状', pairing: '帮扶责任书' }

/** templates/letters/, found from this module so that it works from src/ (tests) and dist/ alike. */
export const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/letters/', import.meta.url))

/** The placeholder that stands alone in the body where the task table goes. */
export const TABLE_PLACEHOLDER = '任务表'

/** Placeholders of the whole letter, by kind. */
export const LETTER_PLACEHOLDERS: Record<LetterKind, readonly string[]> = {
  responsibility: ['甲方', '乙方', '甲方区划', '乙方区划', '年度', '期限', '签订日期', '任务数', TABLE_PLACEHOLDER],
  pairing: ['甲方', '乙方', '帮扶人', '帮扶人单位', '帮扶人电话', '户主', '户编号', '乡镇', '村', '家庭成员', '帮扶措施', '帮扶资金', '期限', '年度', '签订日期'],
}
/** Placeholders of one row of the task table. */
export const ROW_PLACEHOLDERS: readonly string[] = ['序号', '任务', '行动', '指标', '目标', '完成时限', '责任单位']

const text = z.string({ required_error: '缺少', invalid_type_error: '应为文字' })

export const TemplateColumnSchema = z.object({
  header: text.min(1, '不能为空'),
  value: text,
  width: z.number({ invalid_type_error: '应为数字' }).positive('应大于 0').default(1),
  align: z.enum(['left', 'center', 'right'], { errorMap: () => ({ message: '应为 left、center 或 right' }) }).default('left'),
}).strict()

const PartyTemplateSchema = z.object({
  role: text.min(1, '不能为空'),
  name: text,
  signatory: text.default('负责人（签字）：'),
  seal: z.boolean({ invalid_type_error: '应为 true 或 false' }).default(true),
}).strict()

export const BodyItemSchema = z.union([text, z.object({ heading: text.min(1, '不能为空') }).strict(), z.object({ paragraph: text }).strict()], {
  errorMap: () => ({ message: '应为一段文字，或 { "heading": "…" }、{ "paragraph": "…" }' }),
})

export const LetterTemplateSchema = z.object({
  kind: z.enum(LETTER_KINDS, { errorMap: () => ({ message: '应为 responsibility（责任状）或 pairing（帮扶责任书）' }) }),
  name: text.min(1, '不能为空'),
  title: text.min(1, '不能为空'),
  body: z.array(BodyItemSchema, { required_error: '缺少', invalid_type_error: '应为数组' }).min(1, '至少要有一段'),
  table: z.object({ columns: z.array(TemplateColumnSchema, { required_error: '缺少' }).min(1, '至少要有一列') }).strict().optional(),
  signatures: z.object({ partyA: PartyTemplateSchema, partyB: PartyTemplateSchema }, { required_error: '缺少' }).strict(),
  dateLine: text.default('{{签订日期}}'),
  layout: z.object({
    titleFontSize: z.number().min(12, '不能小于 12').max(36, '不能大于 36').default(22),
    bodyFontSize: z.number().min(10, '不能小于 10').max(24, '不能大于 24').default(16),
    tableFontSize: z.number().min(9, '不能小于 9').max(20, '不能大于 20').default(14),
    pageNumbers: z.boolean({ invalid_type_error: '应为 true 或 false' }).default(true),
  }).strict().default({}),
  $comment: z.unknown().optional(),
}).strict()
export type LetterTemplate = z.output<typeof LetterTemplateSchema> & { file: string; fileName: string }

type Path = Array<string | number>

/** A parsed JSON value with the line of every key (for object members) or value (for array items). */
interface LocatedJson {
  value: unknown
  lines: Map<string, number>
}

const pathKey = (path: Path): string => JSON.stringify(path)

class JsonSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message)
  }
}

/** A strict JSON parser (RFC 8259) that records lines; throws JsonSyntaxError with the line. */
function parseLocatedJson(source: string): LocatedJson {
  const textIn = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source
  const lines = new Map<string, number>()
  let i = 0
  let line = 1
  const fail = (what: string): never => {
    throw new JsonSyntaxError(i >= textIn.length ? `文件意外结束，${what}` : `${what}，却遇到「${textIn[i]}」`, line)
  }
  const space = (): void => {
    while (i < textIn.length && /[ \t\r\n]/.test(textIn[i])) {
      if (textIn[i] === '\n') line++
      i++
    }
  }
  const string = (): string => {
    if (textIn[i] !== '"') fail('这里应为带双引号的文字')
    let end = i + 1
    while (end < textIn.length && textIn[end] !== '"') {
      if (textIn[end] === '\n') throw new JsonSyntaxError('文字没有结束的双引号', line)
      end += textIn[end] === '\\' ? 2 : 1
    }
    if (end >= textIn.length) throw new JsonSyntaxError('文字没有结束的双引号', line)
    const raw = textIn.slice(i, end + 1)
    i = end + 1
    try {
      return JSON.parse(raw) as string
    } catch {
      throw new JsonSyntaxError(`文字 ${raw.slice(0, 20)} 中有无效的转义符`, line)
    }
  }
  const value = (path: Path): unknown => {
    space()
    lines.set(pathKey(path), lines.get(pathKey(path)) ?? line)
    const ch = textIn[i]
    if (ch === '{') {
      i++
      const out: Record<string, unknown> = {}
      space()
      if (textIn[i] === '}') return i++, out
      for (;;) {
        space()
        const keyLine = line
        const key = string()
        lines.set(pathKey([...path, key]), keyLine)
        space()
        if (textIn[i] !== ':') fail(`「${key}」后面应为冒号`)
        i++
        out[key] = value([...path, key])
        space()
        if (textIn[i] === ',') i++
        else if (textIn[i] === '}') return i++, out
        else fail('这里应为逗号或 }（是否漏了逗号？）')
      }
    }
    if (ch === '[') {
      i++
      const out: unknown[] = []
      space()
      if (textIn[i] === ']') return i++, out
      for (;;) {
        out.push(value([...path, out.length]))
        space()
        if (textIn[i] === ',') i++
        else if (textIn[i] === ']') return i++, out
        else fail('这里应为逗号或 ]（是否漏了逗号？）')
      }
    }
    if (ch === '"') return string()
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(textIn.slice(i, i + 40))
    if (!m) fail('这里应为一个值（文字、数字、true/false、数组或对象）')
    i += m![0].length
    return JSON.parse(m![0])
  }
  const result = value([])
  space()
  if (i < textIn.length) fail('文件在完整的 JSON 之后还有多余内容')
  return { value: result, lines }
}

/** The line of a path, or of its nearest ancestor that is in the file. */
function lineOf(lines: Map<string, number>, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const found = lines.get(pathKey(path.slice(0, n)))
    if (found !== undefined) return found
  }
  return 1
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

/** The names of the {{placeholders}} in a text. */
export function placeholdersIn(textIn: string): string[] {
  return [...textIn.matchAll(PLACEHOLDER)].map((m) => m[1])
}

/** Replaces {{name}} with its value; names were checked when the template was loaded. */
export function fillPlaceholders(textIn: string, values: Record<string, string>): string {
  return textIn.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '')
}

function invalid(file: string, line: number, message: string, extra: Record<string, unknown> = {}): ValidationError {
  const name = basename(file)
  return new ValidationError('TEMPLATE_INVALID', `模板 ${name} 第 ${line} 行：${message}`, {
    hint: '改正模板后重试；可对照 templates/letters/ 中的内置模板',
    details: { file, line, ...extra },
  })
}

/**
 * Reads and checks a template file.
 * @throws NotFoundError TEMPLATE_NOT_FOUND; FileError TEMPLATE_UNREADABLE; ValidationError TEMPLATE_INVALID
 *   (bad JSON, a missing or wrong field, an unknown or misplaced placeholder) naming file, line and placeholder
 */
export function loadLetterTemplate(file: string, expectedKind?: LetterKind): LetterTemplate {
  let source: string
  try {
    source = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NotFoundError('TEMPLATE_NOT_FOUND', `找不到模板文件 ${file}`, { hint: '可复制 templates/letters/ 中的内置模板修改后使用' })
    }
    throw new FileError('TEMPLATE_UNREADABLE', `无法读取模板文件 ${file}`, { cause: error })
  }
  let located: LocatedJson
  try {
    located = parseLocatedJson(source)
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw invalid(file, error.line, `不是有效的 JSON：${error.message}`)
    throw error
  }
  const parsed = LetterTemplateSchema.safeParse(located.value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue.path.join('.') || '(整体)'
    const message = issue.code === 'unrecognized_keys' ? `不认识的字段「${issue.keys.join('、')}」` : `字段「${field}」${issue.message}`
    throw invalid(file, lineOf(located.lines, issue.path), message, { field })
  }
  const template = parsed.data
  if (expectedKind && template.kind !== expectedKind) {
    throw invalid(file, lineOf(located.lines, ['kind']), `这是${LETTER_KIND_NAMES[template.kind]}模板，不能用于生成${LETTER_KIND_NAMES[expectedKind]}`, { field: 'kind' })
  }
  checkPlaceholders(file, template, located.lines)
  return { ...template, file, fileName: basename(file) }
}

function checkPlaceholders(file: string, t: z.output<typeof LetterTemplateSchema>, lines: Map<string, number>): void {
  const allowed = new Set(LETTER_PLACEHOLDERS[t.kind])
  const check = (value: string, path: Path, names: Set<string>, where: string): void => {
    for (const name of placeholdersIn(value)) {
      if (name === TABLE_PLACEHOLDER && names.has(name)) {
        throw invalid(file, lineOf(lines, path), `{{${name}}} 只能单独占一段，放在${where}中不行`, { placeholder: name })
      }
      if (!names.has(name)) {
        const rowHint = ROW_PLACEHOLDERS.includes(name) ? `（{{${name}}} 只能用在 table.columns 的 value 中）` : ''
        throw invalid(file, lineOf(lines, path), `不认识的占位符 {{${name}}}${rowHint}；可用：${[...names].filter((n) => n !== TABLE_PLACEHOLDER).join('、')}`, { placeholder: name })
      }
    }
  }
  check(t.title, ['title'], allowed, '标题')
  t.body.forEach((item, k) => {
    const value = typeof item === 'string' ? item : 'heading' in item ? item.heading : item.paragraph
    const path = typeof item === 'string' ? ['body', k] : ['body', k, 'heading' in item ? 'heading' : 'paragraph']
    if (value.trim() === `{{${TABLE_PLACEHOLDER}}}`) {
      if (t.kind !== 'responsibility') throw invalid(file, lineOf(lines, path), `帮扶责任书没有任务表，不能用 {{${TABLE_PLACEHOLDER}}}`, { placeholder: TABLE_PLACEHOLDER })
      return
    }
    check(value, path, allowed, '段落')
  })
  const hasTable = t.body.some((item) => typeof item === 'string' && item.trim() === `{{${TABLE_PLACEHOLDER}}}`)
  if (hasTable && !t.table) throw invalid(file, lineOf(lines, ['body']), `正文有 {{${TABLE_PLACEHOLDER}}}，但模板没有 table.columns`, { placeholder: TABLE_PLACEHOLDER })
  const rowNames = new Set(ROW_PLACEHOLDERS)
  t.table?.columns.forEach((c, k) => check(c.value, ['table', 'columns', k, 'value'], rowNames, '表格列'))
  check(t.signatures.partyA.name, ['signatures', 'partyA', 'name'], allowed, '落款')
  check(t.signatures.partyB.name, ['signatures', 'partyB', 'name'], allowed, '落款')
  check(t.dateLine, ['dateLine'], allowed, '日期行')
}

/** The built-in template of a kind, from templates/letters/. */
export function builtinTemplateFile(kind: LetterKind): string {
  return `${TEMPLATE_DIR}${kind}.json`
}

/** `file` when given, else the built-in template of the kind. Throws as loadLetterTemplate. */
export function resolveLetterTemplate(kind: LetterKind, file?: string): LetterTemplate {
  return loadLetterTemplate(file ?? builtinTemplateFile(kind), kind)
}
