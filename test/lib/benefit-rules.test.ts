// The 应享未享 rule file: the default loads, every kind of mistake fails with the file, the rule
// (position and id) and the reason, and an edited copy changes who is listed.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkBenefits } from '../../src/lib/benefit-check.js'
import { DEFAULT_RULES_FILE, loadRules, MAX_ATOMS } from '../../src/lib/benefit-rules.js'
import { importBenefitList } from '../../src/lib/benefits.js'
import { setConfig } from '../../src/lib/config.js'
import { AppError, EXIT_CODES, FileError, ValidationError } from '../../src/lib/errors.js'
import { importRoster } from '../../src/lib/roster.js'
import { makeTestDb, type TestDb } from '../support/db.js'
import { writeCsv } from '../support/files.js'
import { cliFor, HEADERS, personRow, weiningId } from '../support/roster.js'

const OP = '测试员'
let t: TestDb
beforeEach(() => {
  t = makeTestDb('520526')
})
afterEach(() => t.close())

type RuleFileJson = {
  name: string
  rules: Array<Record<string, unknown> & { id: string; when?: unknown }>
  exclusions: Array<{ id: string; benefits: string[]; reason: string }>
  rosterOnly: string[]
}
const defaults = (): RuleFileJson => JSON.parse(readFileSync(DEFAULT_RULES_FILE, 'utf8'))

/** Writes `content` (an object, or text as is) to bad.json in the test folder. */
function ruleFile(content: unknown, name = 'bad.json'): string {
  const file = join(t.dir, name)
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return file
}

/** The error loadRules throws for the file. */
function failure(file: string): AppError {
  try {
    loadRules(t.db, file)
  } catch (error) {
    return error as AppError
  }
  throw new Error('loadRules accepted the file')
}

describe('loadRules', () => {
  it('loads the default file: eleven rules, two exclusions, three roster-only benefits, each resolved to a type', () => {
    const rules = loadRules(t.db)
    expect(rules.rules.map((r) => [r.id, r.type.code, r.level, r.strict])).toEqual([
      ['care-subsidy', 'care_subsidy', 'entitled', true],
      ['living-subsidy', 'living_subsidy', 'entitled', false],
      ['dibao-single', 'dibao', 'review', false],
      ['tekun', 'tekun', 'review', false],
      ['medical-insurance', 'medical_insurance', 'entitled', false],
      ['pension-premium', 'pension_premium', 'entitled', false],
      ['assistive-device', 'assistive_device', 'entitled', false],
      ['housing', 'housing_renovation', 'entitled', false],
      ['education', 'education_aid', 'entitled', false],
      ['literacy', 'literacy', 'entitled', false],
      ['training', 'skills_training', 'review', false],
    ])
    expect(rules.rules[1].receivesCodes).toEqual(['dibao'])
    expect(rules.exclusions.map((e) => [e.id, e.benefits.map((b) => b.code)])).toEqual([['tekun-dibao', ['tekun', 'dibao']], ['tekun-care', ['tekun', 'care_subsidy']]])
    expect(rules.rosterOnly.map((b) => b.code)).toEqual(['medical_insurance', 'pension_premium', 'special_loan'])
  })

  it('names the line and column of a JSON syntax error', () => {
    const text = readFileSync(DEFAULT_RULES_FILE, 'utf8')
    const lines = text.split('\n')
    const at = lines.findIndex((l) => l.includes('"level": "entitled",'))
    lines[at] = lines[at].replace('"entitled",', '"entitled"') // the comma before "strict" is gone
    const error = failure(ruleFile(lines.join('\n')))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.code).toBe('RULES_INVALID')
    const column = lines[at + 1].indexOf('"') + 1
    expect(error.message).toBe(`规则文件 bad.json 有误，不是有效的 JSON：第 ${at + 2} 行第 ${column} 列，上一项后面缺少逗号`)

    // A trailing comma: Node's own message names no position here.
    const trailing = text.split('\n')
    const care = trailing.findIndex((l) => l.includes('"in": [1, 2]'))
    trailing[care] = trailing[care].replace('[1, 2]', '[1, 2,]')
    expect(failure(ruleFile(trailing.join('\n'))).message).toMatch(new RegExp(`第 ${care + 1} 行第 \\d+ 列`))
    expect(failure(ruleFile('')).message).toContain('第 1 行第 1 列')
  })

  it.each([
    ['an unknown field', (f: RuleFileJson) => { f.rules[1].when = { field: 'salary', gte: 1 } }, '第 2 条规则（living-subsidy）', ['「salary」不对', 'grade（残疾等级）']],
    ['an unknown key of a rule', (f: RuleFileJson) => { f.rules[1].benifit = '低保' }, '第 2 条规则（living-subsidy）', ['不认识的项 benifit']],
    ['an unknown benefit name', (f: RuleFileJson) => { f.rules[2].benefit = '彩票补贴' }, '第 3 条规则（dibao-single）', ['没有名为「彩票补贴」的政策类型']],
    ['an unknown benefit after receives', (f: RuleFileJson) => { f.rules[1].when = { receives: '彩票补贴' } }, '第 2 条规则（living-subsidy）', ['没有名为「彩票补贴」的政策类型']],
    ['a duplicate id', (f: RuleFileJson) => { f.rules[3].id = 'care-subsidy' }, '第 4 条规则（care-subsidy）', ['编号 care-subsidy 与前面的规则重复']],
    ['a missing when', (f: RuleFileJson) => { delete f.rules[4].when }, '第 5 条规则（medical-insurance）', ['条件 when', '缺少这一项']],
    ['a bad operator', (f: RuleFileJson) => { f.rules[0].when = { field: 'grade', between: [1, 2] } }, '第 1 条规则（care-subsidy）', ['不认识的项 between', '可用的比较：eq']],
    ['gte with a string', (f: RuleFileJson) => { (f.rules[5].when as { all: unknown[] }).all[0] = { field: 'age', gte: '16' } }, '第 6 条规则（pension-premium）', ['gte', '应为数字']],
    ['a condition without a test', (f: RuleFileJson) => { f.rules[0].when = { field: 'grade' } }, '第 1 条规则（care-subsidy）', ['字段 grade 没有给出比较']],
    ['a bad level', (f: RuleFileJson) => { f.rules[0].level = 'must' }, '第 1 条规则（care-subsidy）', ['级别 level', '应为 entitled、review、应享、核查 之一']],
    ['an unknown benefit in an exclusion', (f: RuleFileJson) => { f.exclusions[1].benefits = ['特困供养', '彩票'] }, '第 2 条互斥规则（tekun-care）', ['没有名为「彩票」']],
  ])('fails on %s with the file, the rule and the reason', (_what, edit, where, reasons) => {
    const json = defaults()
    edit(json)
    const error = failure(ruleFile(json))
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.code).toBe('RULES_INVALID')
    expect(error.message).toContain('规则文件 bad.json 有误')
    expect(error.message).toContain(where)
    for (const reason of reasons) expect(error.message).toContain(reason)
    // Never zod's own English.
    expect(error.message).not.toMatch(/Expected|Required|Invalid|Unrecognized/)
  })

  it('fails on a file that is not an object or has no rules', () => {
    expect(failure(ruleFile('[]')).message).toBe('规则文件 bad.json 有误，整个文件应为一个 JSON 对象：{ "name": …, "rules": [ … ] }')
    expect(failure(ruleFile({ name: '空', rules: [] })).message).toBe('规则文件 bad.json 有误，规则列表 rules 不能为空列表')
  })

  it('fails with a FileError for a file that does not exist', () => {
    const error = failure(join(t.dir, 'missing.json'))
    expect(error).toBeInstanceOf(FileError)
    expect(error.code).toBe('RULES_UNREADABLE')
    expect(error.message).toContain('文件不存在')
  })
})

describe('an edited copy of the rules', () => {
  const grade1 = weiningId('19800315', 101)
  const grade2 = weiningId('19750620', 103)

  async function setup(): Promise<void> {
    const roster = join(t.dir, 'roster.csv')
    writeCsv(roster, [[...HEADERS], personRow(grade1, '一级', { 户编号: '5205260010010001', 残疾等级: '1', 残疾人证号: `${grade1}41` }),
      personRow(grade2, '二级', { 户编号: '5205260010010002', 残疾等级: '2', 残疾人证号: `${grade2}42` })], { encoding: 'utf8', eol: '\n' })
    await importRoster(t.db, roster, { period: '2026-11', operator: OP })
    const care = join(t.dir, 'care.csv')
    writeCsv(care, [['姓名', '身份证号'], ['某人', weiningId('19700101', 105)]], { encoding: 'utf8', eol: '\n' })
    await importBenefitList(t.db, care, { type: '护理补贴', period: '2026-11', operator: OP })
  }

  /** The default rules with 护理补贴 for grade 1 only. */
  function gradeOneOnly(): string {
    const json = defaults()
    json.rules[0].when = { field: 'grade', in: [1] }
    return ruleFile(json, '本县规则.json')
  }

  it('changes who the check lists', async () => {
    await setup()
    const gapIds = async (file?: string) => (await checkBenefits(t.db, loadRules(t.db, file), { period: '2026-11', items: true })).gaps
      .filter((g) => g.rule === 'care-subsidy').map((g) => g.id).sort()
    expect(await gapIds()).toEqual([grade1, grade2].sort())
    expect(await gapIds(gradeOneOnly())).toEqual([grade1])
  })

  it('judges a rule file with more conditions than fit in one number person by person, with the same result', async () => {
    await setup()
    const json = defaults()
    // 40 conditions in all: past MAX_ATOMS, so the check cannot tabulate them.
    json.rules[0].when = { all: [{ field: 'grade', in: [1] }, { any: Array.from({ length: 40 }, (_, k) => ({ field: 'age', gte: k })) }] }
    const rules = loadRules(t.db, ruleFile(json, '条件很多.json'))
    expect(rules.atoms.length).toBeGreaterThan(MAX_ATOMS)
    const many = (await checkBenefits(t.db, rules, { period: '2026-11', items: true })).gaps.filter((g) => g.rule === 'care-subsidy').map((g) => g.id)
    expect(many).toEqual([grade1])
    const few = (await checkBenefits(t.db, loadRules(t.db, gradeOneOnly()), { period: '2026-11', items: true })).gaps.filter((g) => g.rule === 'care-subsidy').map((g) => g.id)
    expect(few).toEqual(many)
  })

  it('is used through the CLI with --rules and through config benefit.rules (relative to the database folder)', async () => {
    await setup()
    const custom = gradeOneOnly()
    const cli = cliFor(t.file)
    const byDefault = cli('benefit', 'gaps', '--period', '2026-11', '--json')
    expect(byDefault.code, byDefault.stderr).toBe(0)
    expect(byDefault.json().ruleOutcomes[0]).toMatchObject({ id: 'care-subsidy', eligible: 2, gaps: 2 })
    const withFlag = cli('benefit', 'gaps', '--period', '2026-11', '--rules', custom, '--json')
    expect(withFlag.code, withFlag.stderr).toBe(0)
    expect(withFlag.json().rules.file).toBe(custom)
    expect(withFlag.json().ruleOutcomes[0]).toMatchObject({ id: 'care-subsidy', eligible: 1, gaps: 1 })

    setConfig(t.db, 'benefit.rules', '本县规则.json', OP)
    const configured = cli('benefit', 'gaps', '--period', '2026-11', '--json')
    expect(configured.code, configured.stderr).toBe(0)
    expect(configured.json().ruleOutcomes[0]).toMatchObject({ eligible: 1, gaps: 1 })
  })
})

describe('a rule file with a mistake, through the CLI', () => {
  it('exits 3 with the file, rule and reason, in JSON and for a person, without a stack trace', () => {
    const json = defaults()
    json.rules[3].id = 'care-subsidy'
    const file = ruleFile(json)
    const cli = cliFor(t.file)
    const r = cli('benefit', 'gaps', '--rules', file, '--json')
    expect(r.code).toBe(EXIT_CODES.validation)
    expect(r.json().error).toMatchObject({ code: 'RULES_INVALID', message: '规则文件 bad.json 有误，第 4 条规则（care-subsidy）：编号 care-subsidy 与前面的规则重复' })

    const human = cli('benefit', 'coverage', '--rules', file)
    expect(human.code).toBe(EXIT_CODES.validation)
    expect(human.stderr).toContain('错误：规则文件 bad.json 有误，第 4 条规则（care-subsidy）')
    expect(human.stderr).toContain('提示：')
    expect(human.stderr).not.toMatch(/\n\s+at /)

    const broken = ruleFile('{ "name": "x", "rules": [ }', 'broken.json')
    const syntax = cli('benefit', 'gaps', '--rules', broken, '--json')
    expect(syntax.code).toBe(EXIT_CODES.validation)
    expect(syntax.json().error.message).toBe('规则文件 broken.json 有误，不是有效的 JSON：第 1 行第 27 列，此处不应出现「}」')

    const missing = cli('benefit', 'gaps', '--rules', join(t.dir, 'nope.json'), '--json')
    expect(missing.code).toBe(EXIT_CODES.file)
    expect(missing.json().error.code).toBe('RULES_UNREADABLE')
  })
})
