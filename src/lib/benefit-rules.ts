/**
 * 应享未享 rules as data: a JSON file the office can edit (county and year differ), checked on load and
 * compiled into predicates over one roster row. The default file, templates/benefit-rules.json, is
 * written from the plan (四、保障措施（一）（四）（五）（七）（八）, 三、（三）（四）).
 *
 * A rule: who (a condition on the roster row) should receive which benefit. Conditions:
 *   { "field": "grade", "in": [1, 2] }            a roster field (see RULE_FIELDS)
 *   { "column": "辅具需求", "in": ["是", "有"] }    a column of the clerk's roster the tool keeps as is
 *                                                  (a list of names for a column written differently)
 *   { "receives": "低保" }                          on that benefit's current list (for a household
 *                                                  benefit: the person or anyone of the household)
 *   { "all": [ … ] }, { "any": [ … ] }, { "not": { … } }
 * Tests: eq, ne, in, notIn, gte, gt, lte, lt, exists (true: the cell is not blank), contains.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { type BenefitType, resolveBenefitType } from './benefits.js'
import { getConfigValue } from './config.js'
import type { Db } from './db.js'
import { AppError, FileError, ValidationError } from './errors.js'
import { CATEGORY_NAMES } from './idcard.js'
import { decodeText, locateJsonError } from './json-file.js'
import { normalizeHeader } from './roster-fields.js'

/** Benefits one rule file may name (a person's receipts are the bits of one 32-bit number). */
export const MAX_BENEFITS = 30

export const DEFAULT_RULES_FILE = fileURLToPath(new URL('../../templates/benefit-rules.json', import.meta.url))

/** Roster fields a rule may test, with their Chinese names for messages. */
export const RULE_FIELDS = {
  grade: { name: '残疾等级', kind: 'number' },
  category: { name: '残疾类别', kind: 'number' },
  age: { name: '年龄（按期末计）', kind: 'number' },
  gender: { name: '性别', kind: 'text' },
  povertyStatus: { name: '脱贫状态', kind: 'text' },
  relation: { name: '与户主关系', kind: 'text' },
  householdSize: { name: '家庭人口', kind: 'number' },
  householdDisabled: { name: '本户在册残疾人数', kind: 'number' },
  povertyCause: { name: '致贫原因', kind: 'text' },
  exitYear: { name: '脱贫年度', kind: 'number' },
} as const
export type RuleField = keyof typeof RULE_FIELDS

/** Figures of the progress notice that a rule can stand for (its coverage is that figure). */
export const RULE_METRICS = ['deviceRate', 'housingRate', 'educationRate', 'literacyRate', 'trainingRate'] as const

const Value = z.union([z.string(), z.number()])
const TESTS = ['eq', 'ne', 'in', 'notIn', 'gte', 'gt', 'lte', 'lt', 'exists', 'contains'] as const
const TestShape = {
  eq: Value.optional(), ne: Value.optional(), in: z.array(Value).min(1).optional(), notIn: z.array(Value).min(1).optional(),
  gte: z.number().optional(), gt: z.number().optional(), lte: z.number().optional(), lt: z.number().optional(),
  exists: z.boolean().optional(), contains: z.string().min(1).optional(),
}

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { receives: string }
  | ({ field: RuleField } & Tests)
  | ({ column: string | string[] } & Tests)
type Tests = { [K in (typeof TESTS)[number]]?: K extends 'in' | 'notIn' ? Array<string | number> : K extends 'exists' ? boolean : string | number }

const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ any: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ not: ConditionSchema }).strict(),
    z.object({ receives: z.string().min(1) }).strict(),
    z.object({ field: z.enum(Object.keys(RULE_FIELDS) as [RuleField, ...RuleField[]]), ...TestShape }).strict(),
    z.object({ column: z.union([z.string().min(1).regex(/^[^"\\]+$/), z.array(z.string().min(1).regex(/^[^"\\]+$/)).min(1)]), ...TestShape }).strict(),
  ]),
) as z.ZodType<Condition>

const LEVELS = { entitled: 'entitled', review: 'review', 应享: 'entitled', 核查: 'review' } as const

export const RuleSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
    title: z.string().min(2),
    benefit: z.string().min(1),
    when: ConditionSchema,
    /** entitled (应享): a person matching should receive it (a gap otherwise); review (核查): may qualify, to be checked. */
    level: z.enum(['entitled', 'review', '应享', '核查']).default('entitled').transform((l) => LEVELS[l]),
    basis: z.string().optional(),
    /** The rule is the benefit's whole eligibility: someone receiving it without matching is 违规享受. */
    strict: z.boolean().default(false),
    metric: z.enum(RULE_METRICS).optional(),
    /** Coverage the plan asks for (0..1), e.g. 0.8 for 辅助器具适配; regions below are highlighted. */
    target: z.number().min(0).max(1).optional(),
  })
  .strict()

export const RuleFileSchema = z
  .object({
    name: z.string().min(1),
    version: z.literal(1).default(1),
    description: z.string().optional(),
    rules: z.array(RuleSchema).min(1),
    /** Pairs of benefits one person may not receive together (e.g. 特困供养 and 低保). */
    exclusions: z.array(z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/), benefits: z.tuple([z.string(), z.string()]), reason: z.string().min(1) }).strict()).default([]),
    /** Benefits only registered poor disabled people may receive: a recipient off the roster is 违规享受. */
    rosterOnly: z.array(z.string()).default([]),
  })
  .strict()

export type RuleFile = z.output<typeof RuleFileSchema>
export type Rule = z.output<typeof RuleSchema>

/** One roster row as the predicates read it: fixed fields, then the clerk's columns the rules name. */
export interface PersonView {
  grade: number | null
  category: number | null
  age: number | null
  gender: string | null
  povertyStatus: string | null
  relation: string | null
  householdSize: number | null
  householdDisabled: number
  povertyCause: string | null
  exitYear: number | null
  /** Cell text of each column slot (see CompiledRules.columns). */
  columns: Array<string | null>
  /** Whether the person (or, for a household benefit, the household) is on the benefit's list. */
  receives(code: string): boolean
}

export type Predicate = (p: PersonView) => boolean

/**
 * One field or column condition, or one `receives`: what it reads and its test. A rule is a formula over
 * these atoms, so a check can work out each atom once per distinct value (a few hundred grades, ages
 * and answers) and each rule once per distinct combination of atoms, instead of once per person.
 */
export interface Atom {
  input: { field: RuleField } | { slot: number } | { receives: string }
  test: Predicate
}

/** Whether a rule matches, given the atoms that hold as bits (bit k: atom k of CompiledRules.atoms). */
export type Formula = (atoms: number) => boolean

/** Rules with more atoms than this are checked person by person (their atoms would not fit in one number). */
export const MAX_ATOMS = 30

export interface CompiledRule extends Rule {
  type: BenefitType
  test: Predicate
  /** The same condition over atom bits; meaningful when CompiledRules.atoms has at most MAX_ATOMS atoms. */
  formula: Formula
  /** Column slots the rule reads. */
  columnSlots: number[]
  /** Benefit codes its condition asks about. */
  receivesCodes: string[]
}

export interface CompiledRules {
  name: string
  file: string
  sha256: string
  rules: CompiledRule[]
  exclusions: Array<{ id: string; reason: string; benefits: [BenefitType, BenefitType] }>
  rosterOnly: BenefitType[]
  /** Column slots: each the names one column may go by. */
  columns: string[][]
  /** Every field, column and receives condition of every rule. */
  atoms: Atom[]
}

/** The rule file to use: the one given, else config benefit.rules (relative to the database's folder), else the default. */
export function rulesFileFor(db: Db, given?: string): string {
  if (given) return given
  const configured = getConfigValue(db, 'benefit.rules')
  if (!configured) return DEFAULT_RULES_FILE
  return isAbsolute(configured) ? configured : resolve(dirname(db.name), configured)
}

/**
 * Reads, checks and compiles a rule file. Every mistake names the file, the rule and the reason.
 * @throws FileError RULES_UNREADABLE; ValidationError RULES_INVALID
 */
export function loadRules(db: Db, file: string = DEFAULT_RULES_FILE): CompiledRules {
  const name = basename(file)
  let text: string
  try {
    text = decodeText(readFileSync(file))
  } catch (error) {
    throw new FileError('RULES_UNREADABLE', `读不了规则文件 ${file}：${(error as NodeJS.ErrnoException).code === 'ENOENT' ? '文件不存在' : (error as Error).message}`, {
      hint: `默认规则见 ${DEFAULT_RULES_FILE}，可复制一份修改后用 --rules 指定`,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    const found = locateJsonError(text)
    throw invalid(name, `不是有效的 JSON：${found ? `第 ${found.line} 行第 ${found.column} 列，${found.reason}` : (error as Error).message}`, '用文本编辑器检查该处的引号、逗号、冒号和括号；标点须为英文半角')
  }
  const parsed = RuleFileSchema.safeParse(json)
  if (!parsed.success) throw invalid(name, describeIssue(json, parsed.error.issues[0]))
  const data = parsed.data
  const seen = new Set<string>()
  const columns: string[][] = []
  const atoms: Atom[] = []
  const slotOf = (names: string[]): number => {
    const key = names.map(normalizeHeader).join('|')
    const found = columns.findIndex((c) => c.map(normalizeHeader).join('|') === key)
    if (found >= 0) return found
    columns.push(names)
    return columns.length - 1
  }
  const typeOf = (where: string, text: string): BenefitType => {
    try {
      return resolveBenefitType(db, text)
    } catch (error) {
      if (error instanceof AppError) throw invalid(name, `${where}：${error.message}`, error.hint)
      throw error
    }
  }
  const rules = data.rules.map((rule, index): CompiledRule => {
    const where = `第 ${index + 1} 条规则（${rule.id}）`
    if (seen.has(rule.id)) throw invalid(name, `${where}：编号 ${rule.id} 与前面的规则重复`)
    seen.add(rule.id)
    const slots: number[] = []
    const receivesCodes: string[] = []
    const { test, formula } = compile(rule.when, {
      where, file: name,
      atom: (input, predicate) => atoms.push({ input, test: predicate }) - 1,
      slot: (names) => {
        const slot = slotOf(names)
        slots.push(slot)
        return slot
      },
      benefit: (text) => {
        const code = typeOf(where, text).code
        receivesCodes.push(code)
        return code
      },
    })
    return { ...rule, type: typeOf(where, rule.benefit), test, formula, columnSlots: [...new Set(slots)], receivesCodes }
  })
  const exclusions = data.exclusions.map((e, i) => {
    const where = `第 ${i + 1} 条互斥规则（${e.id}）`
    const a = typeOf(where, e.benefits[0])
    const b = typeOf(where, e.benefits[1])
    if (a.code === b.code) throw invalid(name, `${where}：两项政策是同一项（${a.name}）`)
    return { id: e.id, reason: e.reason, benefits: [a, b] as [BenefitType, BenefitType] }
  })
  const rosterOnly = data.rosterOnly.map((b, i) => typeOf(`rosterOnly 第 ${i + 1} 项`, b))
  // A check keeps each person's benefits as bits of one 32-bit number.
  const named = new Set([...rules.flatMap((r) => [r.type.code, ...r.receivesCodes]), ...exclusions.flatMap((e) => e.benefits.map((b) => b.code)), ...rosterOnly.map((b) => b.code)])
  if (named.size > MAX_BENEFITS) throw invalid(name, `一共涉及 ${named.size} 项政策，一个规则文件最多 ${MAX_BENEFITS} 项`, '把规则分成两个文件分别比对')
  return { name: data.name, file, sha256: createHash('sha256').update(text).digest('hex'), rules, exclusions, rosterOnly, columns, atoms }
}

function invalid(file: string, reason: string, hint?: string): ValidationError {
  return new ValidationError('RULES_INVALID', `规则文件 ${file} 有误，${reason}`, {
    hint: hint ?? '改正后重试；规则的写法见 templates/benefit-rules.json 开头的说明和 README',
  })
}

const FIELD_NAMES: Record<string, string> = {
  name: '规则集名称 name', rules: '规则列表 rules', id: '编号 id', title: '标题 title', benefit: '政策 benefit', when: '条件 when', level: '级别 level',
  strict: 'strict', metric: '对应指标 metric', target: '目标值 target', exclusions: '互斥规则 exclusions', benefits: '政策 benefits',
  reason: '理由 reason', rosterOnly: 'rosterOnly', basis: '依据 basis', version: '版本 version',
}

/** The keys that pick a branch of ConditionSchema's union, in the union's order. */
const CONDITION_KEYS = ['all', 'any', 'not', 'receives', 'field', 'column'] as const

const valueAt = (json: unknown, path: Array<string | number>): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), json)

/** Turns the first zod issue into a sentence naming the rule (by position and id) and the problem. */
function describeIssue(json: unknown, issue: z.ZodIssue): string {
  const path = issue.path
  // A condition that says which kind it is ({"field": …}) is judged by that kind's own mistake (a
  // string after gte, an unknown field), not by the list of every kind a condition may be.
  if (issue.code === 'invalid_union') {
    const value = valueAt(json, path)
    const branch = value !== null && typeof value === 'object' && !Array.isArray(value) ? CONDITION_KEYS.findIndex((k) => k in value) : -1
    const inner = branch >= 0 ? issue.unionErrors[branch]?.issues[0] : undefined
    if (inner) return describeIssue(json, inner)
  }
  if (path.length === 0 && issue.code === 'invalid_type') return '整个文件应为一个 JSON 对象：{ "name": …, "rules": [ … ] }'
  let where = ''
  if ((path[0] === 'rules' || path[0] === 'exclusions') && typeof path[1] === 'number') {
    const list = (json as Record<string, Array<{ id?: unknown }>>)[path[0]]
    const id = list?.[path[1]]?.id
    where = `${path[0] === 'rules' ? '' : '互斥规则'}第 ${path[1] + 1} 条${path[0] === 'rules' ? '规则' : ''}${typeof id === 'string' ? `（${id}）` : ''}`
  }
  const rest = path.slice(where ? 2 : 0).filter((p) => typeof p === 'string') as string[]
  const key = rest.length > 0 ? rest[rest.length - 1] : ''
  const label = rest[0] === 'when' ? `条件 when${rest.length > 1 ? ` 中的 ${key}` : ''}` : FIELD_NAMES[key] ?? key
  const reason = (() => {
    if (issue.code === 'invalid_union' && valueAt(json, path) === undefined) return '缺少这一项'
    if (issue.code === 'invalid_union') return `写法不对：每个条件应为 {"field": …}、{"column": …}、{"receives": …}、{"all": […]}、{"any": […]} 或 {"not": …} 之一，可用字段：${Object.entries(RULE_FIELDS).map(([k, v]) => `${k}（${v.name}）`).join('、')}`
    if (issue.code === 'unrecognized_keys') {
      return `有不认识的项 ${issue.keys.join('、')}${rest[0] === 'when' ? `（可用的比较：${TESTS.join('、')}）` : ''}`
    }
    if (issue.code === 'invalid_type' && issue.received === 'undefined') return '缺少这一项'
    if (issue.code === 'invalid_type') return `类型不对（应为${issue.expected === 'number' ? '数字' : issue.expected === 'string' ? '文字' : issue.expected === 'array' ? '列表' : issue.expected === 'boolean' ? 'true/false' : issue.expected === 'object' ? '{ … }' : issue.expected}）`
    if (issue.code === 'invalid_enum_value') {
      const names = key === 'field' ? Object.entries(RULE_FIELDS).map(([k, v]) => `${k}（${v.name}）`) : issue.options
      return `「${String(issue.received)}」不对，应为 ${names.join('、')} 之一`
    }
    if (issue.code === 'too_small' && issue.type === 'array') return '不能为空列表'
    if (issue.code === 'too_big' || issue.code === 'too_small') return `超出范围（${issue.message}）`
    if (issue.code === 'invalid_string') return key === 'id' ? '编号只能用英文字母、数字、- 和 _' : '写法不对'
    return issue.message
  })()
  return `${where}${where && label ? '的' : ''}${label}${reason.startsWith('缺少') ? '' : ' '}${reason}`
}

interface CompileContext {
  where: string
  file: string
  /** Registers an atom; returns its index. */
  atom(input: Atom['input'], test: Predicate): number
  slot(names: string[]): number
  benefit(text: string): string
}

interface Compiled { test: Predicate; formula: Formula }

function compile(c: Condition, ctx: CompileContext): Compiled {
  // Predicates run for every person and rule (5 million times on a province): plain loops, no closures made per call.
  if ('all' in c) {
    const parts = c.all.map((x) => compile(x, ctx))
    const formulas = parts.map((x) => x.formula)
    return {
      test: every(parts.map((x) => x.test)),
      formula: formulas.length === 1 ? formulas[0] : (b) => {
        for (let i = 0; i < formulas.length; i++) if (!formulas[i](b)) return false
        return true
      },
    }
  }
  if ('any' in c) {
    const parts = c.any.map((x) => compile(x, ctx))
    if (parts.length === 1) return parts[0]
    const tests = parts.map((x) => x.test)
    const formulas = parts.map((x) => x.formula)
    return {
      test: (p) => {
        for (let i = 0; i < tests.length; i++) if (tests[i](p)) return true
        return false
      },
      formula: (b) => {
        for (let i = 0; i < formulas.length; i++) if (formulas[i](b)) return true
        return false
      },
    }
  }
  if ('not' in c) {
    const inner = compile(c.not, ctx)
    return { test: (p) => !inner.test(p), formula: (b) => !inner.formula(b) }
  }
  if ('receives' in c) {
    const code = ctx.benefit(c.receives)
    return atom(ctx, { receives: code }, (p) => p.receives(code))
  }
  const tests = TESTS.filter((t) => c[t] !== undefined)
  const subject = 'field' in c ? `字段 ${c.field}` : `列「${[c.column].flat().join('/')}」`
  if (tests.length === 0) throw invalid(ctx.file, `${ctx.where}：${subject} 没有给出比较（${TESTS.join('、')} 之一）`)
  let read: (p: PersonView) => string | number | null
  let numeric = false
  let input: Atom['input']
  if ('field' in c) {
    const field = c.field
    numeric = RULE_FIELDS[field].kind === 'number'
    read = FIELD_READERS[field]
    input = { field }
  } else {
    const slot = ctx.slot([c.column].flat())
    read = (p) => p.columns[slot]
    input = { slot }
  }
  return atom(ctx, input, every(tests.map((t) => compileTest(t, c[t]!, read, numeric, field(c), ctx))))
}

function atom(ctx: CompileContext, input: Atom['input'], test: Predicate): Compiled {
  const k = ctx.atom(input, test)
  const bit = k < MAX_ATOMS ? 2 ** k : 0
  return { test, formula: (b) => (b & bit) !== 0 }
}

function every(parts: Predicate[]): Predicate {
  if (parts.length === 1) return parts[0]
  return (p) => {
    for (let i = 0; i < parts.length; i++) if (!parts[i](p)) return false
    return true
  }
}

/** One reader per field, each reading a fixed property (a computed key would be looked up by name each time). */
const FIELD_READERS: Record<RuleField, (p: PersonView) => string | number | null> = {
  grade: (p) => p.grade, category: (p) => p.category, age: (p) => p.age, gender: (p) => p.gender, povertyStatus: (p) => p.povertyStatus,
  relation: (p) => p.relation, householdSize: (p) => p.householdSize, householdDisabled: (p) => p.householdDisabled, povertyCause: (p) => p.povertyCause,
  exitYear: (p) => p.exitYear,
}

const field = (c: Condition): RuleField | null => ('field' in c ? c.field : null)

/** 残疾类别 may be written as 肢体 or 4. */
function normalizeValue(f: RuleField | null, v: string | number): string | number {
  if (f === 'category' && typeof v === 'string') {
    const index = CATEGORY_NAMES.indexOf(v.replace(/残疾$/, '') as (typeof CATEGORY_NAMES)[number])
    return index >= 0 ? index + 1 : v
  }
  return v
}

function compileTest(
  test: (typeof TESTS)[number], raw: string | number | boolean | Array<string | number>, read: (p: PersonView) => string | number | null,
  numeric: boolean, f: RuleField | null, ctx: CompileContext,
): Predicate {
  const asNumber = (v: string | number | null): number | null => {
    if (typeof v === 'number') return v
    if (v === null || v === '') return null
    const n = typeof v === 'number' ? v : Number(String(v).trim())
    return Number.isFinite(n) ? n : null
  }
  const same = (a: string | number | null, b: string | number) =>
    a !== null && (numeric || typeof b === 'number' ? asNumber(a) === asNumber(b) : String(a).trim() === String(b).trim())
  switch (test) {
    case 'eq': {
      const v = normalizeValue(f, raw as string | number)
      return (p) => same(read(p), v)
    }
    case 'ne': {
      const v = normalizeValue(f, raw as string | number)
      return (p) => !same(read(p), v)
    }
    case 'in':
    case 'notIn': {
      const values = (raw as Array<string | number>).map((v) => normalizeValue(f, v))
      const numbers = values.every((v) => typeof v === 'number') || numeric
      const set = new Set(values.map((v) => (numbers ? asNumber(v) : String(v).trim())))
      const has = (p: PersonView) => {
        const x = read(p)
        return x !== null && x !== '' && set.has(numbers ? asNumber(x) : String(x).trim())
      }
      return test === 'in' ? has : (p) => !has(p)
    }
    case 'gte':
    case 'gt':
    case 'lte':
    case 'lt': {
      if (typeof raw !== 'number') throw invalid(ctx.file, `${ctx.where}：${test} 后应为数字`)
      const limit = raw
      const cmp = { gte: (a: number) => a >= limit, gt: (a: number) => a > limit, lte: (a: number) => a <= limit, lt: (a: number) => a < limit }[test]
      return (p) => {
        const x = asNumber(read(p))
        return x !== null && cmp(x)
      }
    }
    case 'exists': {
      const want = raw as boolean
      return (p) => {
        const x = read(p)
        return (x !== null && String(x).trim() !== '') === want
      }
    }
    case 'contains': {
      const part = String(raw)
      return (p) => {
        const x = read(p)
        return x !== null && String(x).includes(part)
      }
    }
  }
}
