import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ensureCatalog } from '../../src/lib/catalog.js'
import { ConflictError, FileError, UsageError, ValidationError } from '../../src/lib/errors.js'
import { builtinTemplateFile, loadLetterTemplate, resolveLetterTemplate } from '../../src/lib/letter-template.js'
import { buildPairingLetters, buildResponsibilityLetters, letterStatus, letterValues, listLetters, renderLetters, safeFileName, signLetter } from '../../src/lib/letters.js'
import { assignTask, cascadeTask } from '../../src/lib/tasks.js'
import { makeTestDb, type TestDb } from '../support/db.js'

const OP = '测试员'
let t: TestDb
beforeEach(() => {
  t = makeTestDb('520526')
  ensureCatalog(t.db, OP)
})
afterEach(() => t.close())

/** Two county tasks cascaded evenly to the 41 townships of 威宁县. */
async function cascadeTwo(): Promise<void> {
  const a = assignTask(t.db, { action: 'KA01', region: '威宁县', target: 82, targetUnit: '人', deadline: '2020-12-31', title: '实用技术培训' }, OP)
  const b = assignTask(t.db, { action: 'KA03', region: '威宁县', indicator: 'device_fitting_rate' }, OP)
  await cascadeTask(t.db, a.task.id, { to: 'townships', split: 'even' }, OP)
  await cascadeTask(t.db, b.task.id, { to: 'townships', split: 'even' }, OP)
}

/** A copy of the built-in template with one text replaced; returns the file. */
function brokenTemplate(from: string, to: string): string {
  const text = readFileSync(builtinTemplateFile('responsibility'), 'utf8')
  expect(text).toContain(from)
  const file = join(t.dir, '坏模板.json')
  writeFileSync(file, text.replace(from, to))
  return file
}

const lineOf = (file: string, needle: string): number => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1

describe('buildResponsibilityLetters', () => {
  it('gives each township a letter from the county office with its own tasks and targets', async () => {
    await cascadeTwo()
    const { letters, skipped } = buildResponsibilityLetters(t.db, { from: '威宁县', to: 'townships', date: '2017-03-15' })
    expect(letters).toHaveLength(41)
    expect(skipped).toEqual([])
    const haibian = letters.find((l) => l.region?.name === '海边街道')!
    expect(haibian).toMatchObject({
      kind: 'responsibility', issuer: '威宁彝族回族苗族自治县残疾人联合会', recipient: '海边街道办事处', issueDate: '2017-03-15', year: 2017,
      period: { start: '2017-03-15', end: '2020-12-31' }, fileStem: '责任状-海边街道',
    })
    expect(haibian.tasks.map((task) => [task.title, task.targetText])).toEqual([
      ['实用技术培训', expect.stringMatching(/^≥[23]人$/)],
      [expect.stringContaining('辅助器具适配率'), '≥80%'],
    ])
    const total = letters.reduce((sum, l) => sum + l.tasks[0].target!, 0)
    expect(total).toBe(82)
  })

  it('leaves out townships without tasks unless includeEmpty', () => {
    assignTask(t.db, { action: 'KA01', region: '海边街道', target: 5, targetUnit: '人', deadline: '2020-12-31' }, OP)
    const some = buildResponsibilityLetters(t.db, { from: '520526', to: 'townships' })
    expect(some.letters.map((l) => l.region?.name)).toEqual(['海边街道'])
    expect(some.skipped).toHaveLength(40)
    expect(buildResponsibilityLetters(t.db, { from: '520526', to: 'townships', includeEmpty: true }).letters).toHaveLength(41)
  })

  it('refuses a level that has no lower level to sign with', () => {
    expect(() => buildResponsibilityLetters(t.db, { from: '海边街道', to: 'townships' })).toThrow(UsageError)
  })
})

describe('letter templates', () => {
  it('loads the built-in templates', () => {
    expect(resolveLetterTemplate('responsibility').table?.columns).toHaveLength(4)
    expect(resolveLetterTemplate('pairing').kind).toBe('pairing')
  })

  it('names the file, line and placeholder of an unknown placeholder', () => {
    const file = brokenTemplate('自签字盖章之日起生效', '自{{生效日期}}起生效')
    try {
      loadLetterTemplate(file)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError)
      const e = error as ValidationError
      expect(e.code).toBe('TEMPLATE_INVALID')
      expect(e.details).toMatchObject({ file, line: lineOf(file, '{{生效日期}}'), placeholder: '生效日期' })
      expect(e.message).toContain(`坏模板.json 第 ${lineOf(file, '{{生效日期}}')} 行`)
      expect(e.message).toContain('{{生效日期}}')
    }
  })

  it('rejects a row placeholder outside the table, bad JSON and a missing field with their lines', () => {
    const misplaced = brokenTemplate('"dateLine": "{{签订日期}}"', '"dateLine": "{{完成时限}}"')
    expect(() => loadLetterTemplate(misplaced)).toThrow(expect.objectContaining({ details: expect.objectContaining({ line: lineOf(misplaced, '"dateLine"'), placeholder: '完成时限' }) }))
    const badJson = brokenTemplate('"name": "残疾人脱贫攻坚目标责任状",', '"name": "残疾人脱贫攻坚目标责任状"')
    expect(() => loadLetterTemplate(badJson)).toThrow(expect.objectContaining({ code: 'TEMPLATE_INVALID', details: expect.objectContaining({ line: lineOf(badJson, '"title"') }) }))
    const missing = brokenTemplate('"role": "乙方", ', '')
    expect(() => loadLetterTemplate(missing)).toThrow(expect.objectContaining({ details: expect.objectContaining({ line: lineOf(missing, '"partyB"'), field: 'signatures.partyB.role' }) }))
  })
})

describe('renderLetters and the record', () => {
  it('writes one PDF per township, the same bytes twice, and records each letter', async () => {
    await cascadeTwo()
    const template = resolveLetterTemplate('responsibility')
    const { letters } = buildResponsibilityLetters(t.db, { from: '威宁县', to: 'townships', date: '2017-03-15' })
    const first = await renderLetters(t.db, letters.slice(0, 3), template, { outDir: join(t.dir, 'a'), operator: OP })
    const again = await renderLetters(t.db, letters.slice(0, 3), template, { outDir: join(t.dir, 'b'), operator: OP })
    expect(first.files).toHaveLength(3)
    expect(readFileSync(first.files[0].file).subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(again.letters.map((l) => l.sha256)).toEqual(first.letters.map((l) => l.sha256))
    const listed = listLetters(t.db)
    expect(listed).toHaveLength(6)
    expect(listed.at(-1)).toMatchObject({ kind: 'responsibility', template: 'responsibility.json', issuedAt: '2017-03-15', signed: false, tasks: [{ title: '实用技术培训' }, {}] })
  })

  it('puts all letters in one combined PDF', async () => {
    await cascadeTwo()
    const { letters } = buildResponsibilityLetters(t.db, { from: '威宁县', to: 'townships', date: '2017-03-15' })
    const result = await renderLetters(t.db, letters, resolveLetterTemplate('responsibility'), { outDir: t.dir, combined: true, operator: OP })
    expect(result.files).toHaveLength(1)
    expect(result.files[0].pages).toBe(result.letters.reduce((sum, l) => sum + l.pages, 0))
    expect(new Set(result.letters.map((l) => l.file)).size).toBe(1)
  })

  it('fails with FONT_MISSING_GLYPH naming the recipient and the character when no font has it', async () => {
    await cascadeTwo()
    const { letters } = buildResponsibilityLetters(t.db, { from: '威宁县', to: 'townships', date: '2017-03-15' })
    const odd = { ...letters[0], recipient: '𠮷利镇人民政府' }
    const run = renderLetters(t.db, [odd], resolveLetterTemplate('responsibility'), { outDir: t.dir, operator: OP, fallbackFonts: [] })
    await expect(run).rejects.toBeInstanceOf(FileError)
    await expect(run).rejects.toMatchObject({ code: 'FONT_MISSING_GLYPH', details: { character: '𠮷', recipient: '𠮷利镇人民政府' } })
    expect(listLetters(t.db)).toEqual([])
  })

  it('signs a letter once and counts unsigned letters older than N days', async () => {
    await cascadeTwo()
    const { letters } = buildResponsibilityLetters(t.db, { from: '威宁县', to: 'townships', date: '2017-03-15' })
    const made = await renderLetters(t.db, letters.slice(0, 2), resolveLetterTemplate('responsibility'), { outDir: t.dir, operator: OP })
    expect(signLetter(t.db, made.letters[0].id, '2017-03-20', OP)).toMatchObject({ signedAt: '2017-03-20', signed: true })
    expect(() => signLetter(t.db, made.letters[0].id, '2017-03-21', OP)).toThrow(ConflictError)
    expect(() => signLetter(t.db, made.letters[1].id, '2017-03-01', OP)).toThrow(ValidationError)
    const status = letterStatus(t.db, { unsignedAfterDays: 30, asOf: '2017-05-01' })
    expect(status.totals).toEqual({ issued: 2, signed: 1, unsigned: 1, overdue: 1 })
    expect(status.overdueLetters).toEqual([expect.objectContaining({ id: made.letters[1].id, days: 47 })])
    expect(letterStatus(t.db, { unsignedAfterDays: 60, asOf: '2017-05-01' }).totals.overdue).toBe(0)
  })

  it('makes file names safe on Windows', () => {
    expect(safeFileName('责任状-a/b:c*?"<>|.')).toBe('责任状-abc')
  })
})

describe('buildPairingLetters', () => {
  it('gives one 帮扶责任书 per active pairing, names and phone masked in the PDF unless reveal', async () => {
    const db = t.db
    db.prepare("INSERT INTO helpers (id, name, unit, phone, created_at) VALUES (1, '王帮扶', '威宁县残联', '13812345678', '2017-01-01')").run()
    const pair = db.prepare(`INSERT INTO pairings (helper_id, household_no, measures, funds, start_date, end_date, created_at, created_by)
      VALUES (1, ?, '发展养殖', 2000, '2017-01-01', ?, '2017-01-01', '测试员')`)
    pair.run('5205260010010001', null)
    pair.run('5205260010010002', '2016-12-31')
    const { letters } = buildPairingLetters(db, { date: '2017-03-15' })
    expect(letters).toHaveLength(1)
    expect(letters[0]).toMatchObject({ kind: 'pairing', issuer: '王帮扶', pairing: { measures: '发展养殖', funds: 2000, household: { householdNo: '5205260010010001' } } })
    const values = letterValues(letters[0], false)
    expect(values).toMatchObject({ 帮扶人: '王**', 帮扶人电话: '138****5678', 帮扶资金: '2,000元' })
    expect(letterValues(letters[0], true)).toMatchObject({ 帮扶人: '王帮扶', 帮扶人电话: '13812345678' })
    const result = await renderLetters(db, letters, resolveLetterTemplate('pairing'), { outDir: t.dir, operator: OP })
    expect(result.letters[0]).toMatchObject({ pairingId: 1, recipient: expect.any(String), pages: expect.any(Number) })
    expect(() => buildPairingLetters(db, { helper: '李四' })).toThrow(expect.objectContaining({ code: 'HELPER_NOT_FOUND' }))
  })
})
