// benefit import / rejects / lists / types / type-add / gaps / coverage, end to end: the real CLI on a
// real SQLite file. Rosters are imported through the library (as pair.test.ts does) to spare a CLI
// start; every benefit list goes through `cjfp benefit import`.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/lib/db.js'
import { EXIT_CODES } from '../../src/lib/errors.js'
import { importRoster } from '../../src/lib/roster.js'
import { runCli } from '../support/cli.js'
import { writeCsv, writeXlsx } from '../support/files.js'
import { cliFor, HEADERS, NOT_FORMULA, personRow, readDb, readRows, useRosterDb, weiningId } from '../support/roster.js'

let dir: string
let db: string
let cli: ReturnType<typeof cliFor>
useRosterDb((t) => ({ dir, db, cli } = t))

const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}`
const fullWidth = (text: string) => text.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
/** The same ID with a wrong check character. */
const badCheck = (id: string) => id.slice(0, 17) + (id[17] === '1' ? '2' : '1')

/** Imports a roster file (header row + rows) for a period through the library. */
async function roster(period: string, header: readonly string[], rows: string[][]): Promise<void> {
  const file = join(dir, `roster-${period}.csv`)
  writeCsv(file, [[...header], ...rows], { encoding: 'utf8', eol: '\n' })
  const { db: handle } = openDatabase(db, { mode: 'write' })
  try {
    const result = await importRoster(handle, file, { period, operator: '测试员' })
    expect(result.rows.rejected, JSON.stringify(result.rejected.slice(0, 3))).toBe(0)
  } finally {
    handle.close()
  }
}

const count = (sql: string): number => readDb(db, (d) => (d.prepare(sql).get() as { n: number }).n)
const counts = () => ({
  records: count('SELECT count(*) AS n FROM benefit_records'),
  batches: count("SELECT count(*) AS n FROM import_batches WHERE kind = 'benefit'"),
  rejected: count('SELECT count(*) AS n FROM rejected_rows'),
  warnings: count('SELECT count(*) AS n FROM import_warnings'),
})

// ───────────────────────────── import ─────────────────────────────

describe('benefit import', () => {
  const wangFang = weiningId('19650312', 232)
  const wangQiang = weiningId('19900101', 111)
  const liMing = weiningId('19781105', 441)
  const zhaoQiang = weiningId('19900720', 113)
  const zhangSan = weiningId('19700101', 121) // on the 2026-10 roster only
  const outsider = weiningId('19820303', 151, '520102') // on no roster
  const H1 = '5205260010010001'

  async function rosters(): Promise<void> {
    await roster('2026-10', HEADERS, [personRow(wangFang, '王芳', { 户编号: H1 }), personRow(liMing, '李明', { 户编号: '5205260010010002' }),
      personRow(zhangSan, '张三', { 户编号: '5205260010010009' })])
    await roster('2026-11', HEADERS, [personRow(wangFang, '王芳', { 户编号: H1 }), personRow(wangQiang, '王强', { 户编号: H1 }),
      personRow(liMing, '李明', { 户编号: '5205260010010002' }), personRow(zhaoQiang, '赵强', { 户编号: '5205260010010003' })])
  }

  /** 民政's 低保 list: a merged title, then every kind of bad and odd row. */
  async function dibaoXlsx(file: string): Promise<void> {
    await writeXlsx(file, [{
      name: '低保名单',
      merges: ['A1:F1'],
      rows: [
        ['威宁县2026年11月农村低保保障对象名单'],
        ['序号', '姓名', '身份证号', '低保证号', '月保障金', '纳入时间'],
        [1, '王芳', wangFang, 'DB-001', 320, '2026-01-01'], // row 3: on the roster
        [2, '李明', Number(liMing), 'DB-002', 320, ''], // row 4: a number cell, Excel kept 15 digits
        [3, '李某', badCheck(liMing), 'DB-003', 320, ''], // row 5: wrong check character
        [4, '王芳', wangFang, 'DB-001', 320, ''], // row 6: the same person again
        [5, '无名', '', 'DB-005', 320, ''], // row 7: no ID
        [6, '李明', fullWidth(liMing), 'DB-002', 320, ''], // row 8: full-width digits, fixed with a warning
        [7, '赵四', zhaoQiang, 'DB-007', 320, ''], // row 9: the roster says 赵强
        [8, '张三', zhangSan, 'DB-008', 320, ''], // row 10: left the roster after 2026-10
        [9, '外县人', outsider, 'DB-009', 320, ''], // row 11: never on a roster
        [10, '=1+1', '52052619800101', 'DB-010', 320, ''], // row 12: too short, and a name that looks like a formula
      ],
    }])
  }

  it('reads an .xlsx below a title row, rejects mangled, wrong, duplicate and missing IDs, and reports people not on the roster', async () => {
    await rosters()
    const file = join(dir, '低保名单.xlsx')
    await dibaoXlsx(file)
    const r = cli('benefit', 'import', file, '--type', '低保', '--period', '2026-11', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    expect(out).toMatchObject({
      period: '2026-11', benefit: { code: 'dibao', name: '低保', scope: 'household' }, format: 'xlsx', headerRow: 2, alreadyImported: false, dryRun: false,
      rosterPeriod: '2026-11', rows: { total: 10, accepted: 5, rejected: 5, skipped: 0 }, onRoster: 3,
      offRoster: { count: 2, never: 1, left: 1 },
      mapping: { 姓名: 'name', 身份证号: 'idNumber', 低保证号: 'householdNo', 月保障金: 'amount', 纳入时间: 'startDate' },
    })
    expect(out.rejected.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([
      [4, '身份证号', 'id_excel_truncated'], [5, '身份证号', 'id_checksum'], [6, '身份证号', 'duplicate_id'], [7, '身份证号', 'missing_field'],
      [12, '身份证号', 'id_format'],
    ])
    expect(out.rejected[0].message).toContain('「文本」格式')
    expect(out.rejected[2].message).toContain('与第 3 行重复')
    expect(out.rejected[3].message).toBe('第 7 行「身份证号」为空')
    expect(out.warnings).toEqual(expect.arrayContaining([
      expect.objectContaining({ row: 8, code: 'id_normalized', to: masked(liMing) }),
      { row: 9, column: '姓名', code: 'name_mismatch', from: '赵四', to: '赵强' },
    ]))
    expect(out.offRoster.items).toEqual([
      { row: 10, id: masked(zhangSan), name: '张三', status: 'left', lastPeriod: '2026-10' },
      { row: 11, id: masked(outsider), name: '外县人', status: 'never', lastPeriod: null },
    ])
    // IDs are masked everywhere in the JSON.
    const text = JSON.stringify(out)
    for (const id of [wangFang, liMing, zhaoQiang, zhangSan, outsider]) expect(text).not.toContain(id)

    // People off the roster are stored all the same.
    expect(readDb(db, (d) => d.prepare('SELECT id_number, name, household_no, amount, start_date, row_number FROM benefit_records ORDER BY row_number').all())).toEqual([
      { id_number: wangFang, name: '王芳', household_no: 'DB-001', amount: 320, start_date: '2026-01-01', row_number: 3 },
      { id_number: liMing, name: '李明', household_no: 'DB-002', amount: 320, start_date: null, row_number: 8 },
      { id_number: zhaoQiang, name: '赵四', household_no: 'DB-007', amount: 320, start_date: null, row_number: 9 },
      { id_number: zhangSan, name: '张三', household_no: 'DB-008', amount: 320, start_date: null, row_number: 10 },
      { id_number: outsider, name: '外县人', household_no: 'DB-009', amount: 320, start_date: null, row_number: 11 },
    ])
    expect(counts()).toMatchObject({ records: 5, batches: 1, rejected: 5 })

    // The same bytes again change nothing.
    const before = counts()
    const again = cli('benefit', 'import', file, '--type', '最低生活保障', '--period', '2026-11', '--json')
    expect(again.code).toBe(0)
    expect(again.json()).toMatchObject({ alreadyImported: true, batch: out.batch, rows: { accepted: 5, rejected: 5 } })
    expect(counts()).toEqual(before)

    // The rejected rows, exported with their reasons: IDs masked, the formula-like name kept as text.
    const rejectsFile = join(dir, '退回行.xlsx')
    const rejects = cli('benefit', 'rejects', '--batch', String(out.batch), '--out', rejectsFile, '--json')
    expect(rejects.code, rejects.stderr).toBe(0)
    expect(rejects.json()).toMatchObject({ batch: out.batch, file: '低保名单.xlsx', out: rejectsFile })
    const rows = await readRows(rejectsFile)
    expect(rows[0]).toEqual(['序号', '姓名', '身份证号', '低保证号', '月保障金', '纳入时间', '错误原因', '原行号'])
    expect(rows.slice(1).map((row) => row.at(-1))).toEqual(['4', '5', '6', '7', '12'])
    expect(rows[2][2]).toBe(masked(badCheck(liMing)))
    expect(rows[3][2]).toBe(masked(wangFang))
    expect(rows[1][6]).toContain('「文本」格式')
    expect(rows[2][6]).toContain('校验位')
    const formulaRow = rows.find((row) => row.at(-1) === '12')!
    expect(formulaRow[1]).toContain('1+1')
    for (const row of rows) for (const cell of row) if (cell !== '') expect(cell).toMatch(NOT_FORMULA)
    expect(JSON.stringify(rows)).not.toContain(wangFang)

    const revealed = join(dir, '退回行-完整.xlsx')
    expect(cli('benefit', 'rejects', '--batch', String(out.batch), '--out', revealed, '--reveal', '--json').code).toBe(0)
    expect((await readRows(revealed))[3][2]).toBe(wangFang)
  })

  it('masks IDs in the terminal output unless --reveal', async () => {
    await rosters()
    const file = join(dir, '低保名单.xlsx')
    await dibaoXlsx(file)
    const dry = cli('benefit', 'import', file, '--type', '低保', '--period', '2026-11', '--dry-run')
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('试运行')
    expect(dry.stdout).toContain(masked(zhangSan))
    expect(dry.stdout).toContain(masked(outsider))
    expect(dry.stdout + dry.stderr).not.toContain(zhangSan)
    expect(dry.stdout + dry.stderr).not.toContain(outsider)

    const shown = cli('benefit', 'import', file, '--type', '低保', '--period', '2026-11', '--reveal', '--dry-run')
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain(zhangSan)
    expect(shown.stdout).toContain(outsider)
  })

  it('--dry-run reports what an import would do and writes nothing', async () => {
    await rosters()
    const file = join(dir, '低保名单.xlsx')
    await dibaoXlsx(file)
    const before = counts()
    const r = cli('benefit', 'import', file, '--type', '低保', '--period', '2026-11', '--dry-run', '--json')
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ dryRun: true, batch: null, rows: { total: 10, accepted: 5, rejected: 5 }, offRoster: { count: 2 } })
    expect(counts()).toEqual(before)
    // A dry run does not count as imported: the real import afterwards writes the list.
    const real = cli('benefit', 'import', file, '--type', '低保', '--period', '2026-11', '--json')
    expect(real.json()).toMatchObject({ alreadyImported: false, rows: { accepted: 5 } })
    expect(counts().records).toBe(5)
  })

  it('reads a GBK CSV; --strict with a bad row writes nothing and exits 3', async () => {
    await rosters()
    const file = join(dir, '护理补贴发放表.csv')
    writeCsv(file, [
      ['序号', '姓名', '公民身份号码', '补贴金额(元)', '发放日期'],
      ['1', '王芳', wangFang, '100', '2026/11/5'],
      ['2', '王强', wangQiang, '100元', '2026年11月5日'],
      ['3', '李明', badCheck(liMing), '100', ''],
    ], { encoding: 'gbk', eol: '\r\n' })
    const before = counts()
    const strict = cli('benefit', 'import', file, '--type', '护理补贴', '--period', '2026-11', '--strict', '--json')
    expect(strict.code).toBe(EXIT_CODES.validation)
    expect(strict.json().error).toMatchObject({ code: 'BENEFIT_REJECTED_STRICT', message: expect.stringContaining('没有导入任何数据') })
    expect(counts()).toEqual(before)

    const r = cli('benefit', 'import', file, '--type', '护理补贴', '--period', '2026-11', '--json')
    expect(r.code).toBe(0)
    const out = r.json()
    expect(out).toMatchObject({
      encoding: 'gb18030', format: 'csv', benefit: { code: 'care_subsidy', name: '重度残疾人护理补贴' }, rows: { total: 3, accepted: 2, rejected: 1 },
      onRoster: 2, offRoster: { count: 0 }, rejected: [{ row: 4, column: '公民身份号码', code: 'id_checksum' }],
    })
    expect(out.warnings.map((w: { row: number; code: string; to: string }) => [w.row, w.code, w.to])).toEqual(expect.arrayContaining([
      [2, 'date_normalized', '2026-11-05'], [3, 'amount_normalized', '100'], [3, 'date_normalized', '2026-11-05'],
    ]))
    expect(readDb(db, (d) => d.prepare("SELECT id_number, amount, start_date FROM benefit_records WHERE benefit_code = 'care_subsidy' ORDER BY row_number").all())).toEqual([
      { id_number: wangFang, amount: 100, start_date: '2026-11-05' }, { id_number: wangQiang, amount: 100, start_date: '2026-11-05' },
    ])
  })

  it('matches a household list that gives only 户主身份证号, and masks that column in the rejects export', async () => {
    await rosters()
    const file = join(dir, '危房改造.xlsx')
    await writeXlsx(file, [{
      name: 'Sheet1',
      rows: [
        ['户主姓名', '户主身份证号', '改造日期'],
        ['王芳', wangFang, '2026-06-30'],
        ['李某', badCheck(liMing), '2026-06-30'],
      ],
    }])
    const r = cli('benefit', 'import', file, '--type', '危改', '--period', '2026-11', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    expect(out).toMatchObject({
      benefit: { code: 'housing_renovation', scope: 'household' }, mapping: { 户主身份证号: 'headIdNumber', 改造日期: 'startDate' },
      rows: { accepted: 1, rejected: 1 }, onRoster: 1, rejected: [{ row: 3, column: '户主身份证号', code: 'id_checksum' }],
    })
    expect(readDb(db, (d) => d.prepare('SELECT id_number, name, start_date FROM benefit_records').all())).toEqual([
      { id_number: wangFang, name: null, start_date: '2026-06-30' },
    ])
    const rejectsFile = join(dir, '危改退回.xlsx')
    expect(cli('benefit', 'rejects', '--batch', String(out.batch), '--out', rejectsFile).code).toBe(0)
    const rows = await readRows(rejectsFile)
    expect(rows[1][1]).toBe(masked(badCheck(liMing)))
  })

  it('--replace supersedes the earlier list of the type and period; a second list without it only adds people', async () => {
    await rosters()
    const first = join(dir, '生活补贴-11月.csv')
    writeCsv(first, [['姓名', '身份证号'], ['王芳', wangFang], ['李明', liMing]], { encoding: 'utf8', eol: '\n' })
    const a = cli('benefit', 'import', first, '--type', '生活补贴', '--period', '2026-11', '--json')
    expect(a.code, a.stderr).toBe(0)
    expect(a.json()).toMatchObject({ benefit: { code: 'living_subsidy', name: '困难残疾人生活补贴' }, rows: { accepted: 2 } })

    // A supplementary list: 李明 again is kept once and said once; 赵强 is added.
    const extra = join(dir, '生活补贴-11月补充.csv')
    writeCsv(extra, [['姓名', '身份证号'], ['李明', liMing], ['赵强', zhaoQiang]], { encoding: 'utf8', eol: '\n' })
    const b = cli('benefit', 'import', extra, '--type', '生活补贴', '--period', '2026-11', '--json')
    expect(b.code).toBe(0)
    expect(b.json()).toMatchObject({ rows: { accepted: 1, skipped: 1 }, warnings: [{ row: 2, code: 'already_listed', from: masked(liMing) }] })
    const ids = () => readDb(db, (d) => (d.prepare("SELECT id_number FROM benefit_records WHERE benefit_code = 'living_subsidy' ORDER BY id_number").all() as Array<{ id_number: string }>).map((x) => x.id_number))
    expect(ids()).toEqual([liMing, wangFang, zhaoQiang].sort())

    // The corrected whole list replaces both.
    const corrected = join(dir, '生活补贴-11月更正.csv')
    writeCsv(corrected, [['姓名', '身份证号'], ['王强', wangQiang]], { encoding: 'utf8', eol: '\n' })
    const c = cli('benefit', 'import', corrected, '--type', 'living_subsidy', '--period', '2026-11', '--replace', '--json')
    expect(c.code).toBe(0)
    const out = c.json()
    expect(out.replaced).toEqual([a.json().batch, b.json().batch])
    expect(ids()).toEqual([wangQiang])

    const lists = cli('benefit', 'lists', '--type', '生活补贴', '--json')
    expect(lists.code).toBe(0)
    expect(lists.json().map((l: { batch: number; status: string; accepted: number; onRoster: number }) => [l.batch, l.status, l.accepted, l.onRoster])).toEqual([
      [a.json().batch, 'superseded', 2, 0], [b.json().batch, 'superseded', 1, 0], [out.batch, 'active', 1, 1],
    ])
  })

  it('resolves short type names, and an unknown type fails in Chinese without a stack trace', async () => {
    await rosters()
    const file = join(dir, '医保.csv')
    writeCsv(file, [['姓名', '身份证号'], ['王芳', wangFang]], { encoding: 'utf8', eol: '\n' })
    const ok = cli('benefit', 'import', file, '--type', '医保缴费补贴', '--period', '2026-11', '--dry-run', '--json')
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json().benefit).toEqual({ code: 'medical_insurance', name: '医保个人缴费补贴', scope: 'person' })

    const unknown = cli('benefit', 'import', file, '--type', '残疾人彩票补贴', '--period', '2026-11')
    expect(unknown.code).toBe(EXIT_CODES.notFound)
    expect(unknown.stderr).toContain('错误：没有名为「残疾人彩票补贴」的政策类型')
    expect(unknown.stderr).toContain('提示：')
    expect(unknown.stderr).not.toMatch(/\n\s+at /)
    const json = cli('benefit', 'import', file, '--type', '残疾人彩票补贴', '--period', '2026-11', '--json')
    expect(json.code).toBe(EXIT_CODES.notFound)
    expect(json.json().error.code).toBe('BENEFIT_TYPE_NOT_FOUND')

    const ambiguous = cli('benefit', 'import', file, '--type', '补贴', '--period', '2026-11')
    expect(ambiguous.code).toBe(EXIT_CODES.usage)
    expect(ambiguous.stderr).toContain('可以指')
    expect(ambiguous.stderr).not.toMatch(/\n\s+at /)

    const badPeriod = cli('benefit', 'import', file, '--type', '低保', '--period', '2026-13', '--json')
    expect(badPeriod.code).toBe(EXIT_CODES.usage)
    expect(badPeriod.json().error.code).toBe('PERIOD_INVALID')

    const noId = join(dir, '没有身份证号.csv')
    writeCsv(noId, [['姓名', '金额'], ['王芳', '100']], { encoding: 'utf8', eol: '\n' })
    const headerless = cli('benefit', 'import', noId, '--type', '低保', '--period', '2026-11', '--json')
    expect(headerless.code).toBe(EXIT_CODES.validation)
    expect(headerless.json().error).toMatchObject({ code: 'BENEFIT_HEADER_NOT_FOUND', message: expect.stringContaining('找不到「身份证号」列') })
    expect(counts()).toEqual({ records: 0, batches: 0, rejected: 0, warnings: 0 })
  })

  it('lists the built-in types; type-add adds one that imports work with and refuses a clashing name', async () => {
    await rosters()
    const types = cli('benefit', 'types', '--json')
    expect(types.code).toBe(0)
    const list = types.json()
    expect(list).toHaveLength(20)
    expect(list.slice(0, 4).map((t: { code: string }) => t.code)).toEqual(['dibao', 'tekun', 'living_subsidy', 'care_subsidy'])
    expect(list.find((t: { code: string }) => t.code === 'assistive_device')).toMatchObject({ name: '辅助器具适配', recurring: false, scope: 'person', builtin: true })

    const added = cli('benefit', 'type-add', '--name', '残疾人就业补贴', '--code', 'employment_subsidy', '--alias', '就业扶持', '--json')
    expect(added.code, added.stderr).toBe(0)
    expect(added.json()).toEqual({ code: 'employment_subsidy', name: '残疾人就业补贴', scope: 'person', recurring: true, aliases: ['就业扶持'], builtin: false })
    expect(cli('benefit', 'types', '--json').json()).toHaveLength(21)

    const file = join(dir, '就业补贴.csv')
    writeCsv(file, [['姓名', '身份证号', '金额'], ['李明', liMing, '500']], { encoding: 'utf8', eol: '\n' })
    const r = cli('benefit', 'import', file, '--type', '就业扶持', '--period', '2026-11', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ benefit: { code: 'employment_subsidy' }, rows: { accepted: 1 }, onRoster: 1 })

    const clash = cli('benefit', 'type-add', '--name', '低保', '--code', 'dibao_two', '--json')
    expect(clash.code).toBe(EXIT_CODES.conflict)
    expect(clash.json().error).toMatchObject({ code: 'BENEFIT_TYPE_EXISTS', message: expect.stringContaining('「低保」已是政策类型') })
    const clashAlias = cli('benefit', 'type-add', '--name', '新政策', '--code', 'new_one', '--alias', '护理补贴', '--json')
    expect(clashAlias.code).toBe(EXIT_CODES.conflict)
    const badCode = cli('benefit', 'type-add', '--name', '新政策', '--code', 'New-One', '--json')
    expect(badCode.code).toBe(EXIT_CODES.validation)
    expect(cli('benefit', 'types', '--json').json()).toHaveLength(21)
  })
})

// ───────────────────────────── gaps, violations and coverage ─────────────────────────────

/** Roster columns this tool keeps as they are and the default rules read. */
const EXTRA = ['就业状况', '主要生活来源', '辅具需求', '住房状况', '文化程度', '在校情况', '主要供养人年龄', '劳动能力', '家庭类型'] as const
type Extra = (typeof EXTRA)[number]
type ListKey = 'care' | 'living' | 'dibao' | 'dibaoAugust' | 'tekun' | 'medical' | 'pension' | 'deviceMay' | 'housing' | 'education' | 'training' | 'literacy'

interface Person {
  name: string
  /** YYYYMMDD; age in 2026-11 = 2026 − year − (month > 11). */
  birth: string
  grade: number
  hh?: string
  caohai?: boolean
  cols?: Partial<Record<Extra, string>>
  on?: ListKey[]
}

const H_DIBAO = '5205260010019001'
/** The people of the 2026-11 roster, by key. Every one is on the 医保 and 养老保险 lists unless the lists below leave them out. */
const PEOPLE = {
  care1: { name: '护理缺', birth: '19800315', grade: 1 }, // 46
  care2: { name: '护理享', birth: '19750620', grade: 2, on: ['care'] },
  grade3: { name: '三级享', birth: '19700101', grade: 3, on: ['care'] },
  dbHead: { name: '低保甲', birth: '19600808', grade: 3, hh: H_DIBAO, on: ['dibao', 'dibaoAugust', 'living'] }, // 66
  dbMember: { name: '低保乙', birth: '19880909', grade: 4, hh: H_DIBAO },
  dbOld: { name: '旧低保', birth: '19850404', grade: 3, on: ['dibaoAugust'] },
  single: { name: '单人户', birth: '19960101', grade: 1, cols: { 就业状况: '未就业', 主要生活来源: '家庭供养' }, on: ['care'] }, // 30
  minor: { name: '未成年', birth: '20090615', grade: 2, cols: { 就业状况: '未就业', 主要生活来源: '家庭供养', 在校情况: '在校' }, on: ['care', 'education'] }, // 17
  employed: { name: '有工作', birth: '19860101', grade: 1, cols: { 就业状况: '就业', 主要生活来源: '家庭供养' }, on: ['care'] },
  oldCarer: { name: '老养残', birth: '19900303', grade: 3, cols: { 主要供养人年龄: '65' } },
  youngCarer: { name: '中年供养', birth: '19920202', grade: 3, cols: { 主要供养人年龄: '59' } },
  familyType: { name: '家庭类型', birth: '19930303', grade: 4, cols: { 家庭类型: '以老养残' } },
  tekunDibao: { name: '特困低保', birth: '19700707', grade: 3, caohai: true, on: ['tekun', 'dibao', 'living'] },
  tekunCare: { name: '特困护理', birth: '19720808', grade: 1, caohai: true, on: ['tekun', 'care'] },
  deviceGap: { name: '辅具缺', birth: '19800101', grade: 2, cols: { 辅具需求: '是' }, on: ['care'] },
  deviceOld: { name: '辅具享', birth: '19810101', grade: 2, cols: { 辅具需求: '有' }, on: ['care', 'deviceMay'] },
  noDevice: { name: '无辅具', birth: '19820101', grade: 4, cols: { 辅具需求: '否' } },
  houseGap: { name: '危房缺', birth: '19830101', grade: 4, caohai: true, cols: { 住房状况: '危房' } },
  houseDone: { name: '危房已改', birth: '19840101', grade: 4, cols: { 住房状况: 'D级危房' }, on: ['housing'] },
  pupil: { name: '在校缺', birth: '20110310', grade: 4, caohai: true, cols: { 在校情况: '在校' } }, // 15
  grad: { name: '在校超龄', birth: '20010101', grade: 4, cols: { 在校情况: '在校' } }, // 25
  illiterate: { name: '文盲缺', birth: '19860606', grade: 4, cols: { 文化程度: '文盲' } }, // 40
  illiterateOld: { name: '文盲超龄', birth: '19710101', grade: 4, cols: { 文化程度: '文盲' } }, // 55
  illiterateDone: { name: '文盲已扫', birth: '19870707', grade: 4, cols: { 文化程度: '半文盲' }, on: ['literacy'] },
  trainGap: { name: '培训缺', birth: '19960606', grade: 4, caohai: true, cols: { 劳动能力: '有' } }, // 30
  noLabour: { name: '无劳力', birth: '19960707', grade: 4, cols: { 劳动能力: '无' } },
  trained: { name: '已培训', birth: '19810808', grade: 4, cols: { 劳动能力: '弱劳动能力' }, on: ['training'] },
  pension59: { name: '五十九', birth: '19661201', grade: 4 }, // 2026 − 1966 − 1 = 59
  pension60: { name: '六十', birth: '19660501', grade: 4 }, // 60
} satisfies Record<string, Person>
type Key = keyof typeof PEOPLE
const KEYS = Object.keys(PEOPLE) as Key[]
const person = (k: Key): Person => PEOPLE[k]
const idOf = (k: Key) => weiningId(person(k).birth, 101 + 2 * KEYS.indexOf(k))
const hhOf = (k: Key) => person(k).hh ?? `52052600100${String(1000 + KEYS.indexOf(k))}`
/** On the 2026-10 roster only. */
const LEAVER = weiningId('19770505', 901)
/** On no roster; the 医保 list names them "=1+1". */
const STRANGER = weiningId('19790909', 903, '520102')

const NOT_ON_MEDICAL: Key[] = ['care1']
const NOT_ON_PENSION: Key[] = ['care1', 'pension59', 'pension60', 'pupil']
const onList = (k: Key, list: ListKey): boolean => {
  if (list === 'medical') return !NOT_ON_MEDICAL.includes(k)
  if (list === 'pension') return !NOT_ON_PENSION.includes(k)
  return ((person(k).on ?? []) as ListKey[]).includes(list)
}

const GAP_HEADER = [...HEADERS, ...EXTRA]
function rosterRow(k: Key): string[] {
  const p = person(k)
  const place = p.caohai ? { 乡镇: '草海镇', 村: '新华村' } : {}
  return [...personRow(idOf(k), p.name, { 户编号: hhOf(k), 残疾等级: String(p.grade), 残疾人证号: `${idOf(k)}4${p.grade}`, ...place }), ...EXTRA.map((c) => p.cols?.[c] ?? '')]
}

describe('benefit gaps and coverage with the default rules', () => {
  /** Writes a list of the people on `list` (plus `more` rows) and imports it through the CLI. */
  function importList(list: ListKey, type: string, period: string, more: string[][] = []): void {
    const file = join(dir, `${list}-${period}.csv`)
    const rows = KEYS.filter((k) => onList(k, list)).map((k) => [person(k).name, idOf(k)])
    writeCsv(file, [['姓名', '身份证号'], ...rows, ...more], { encoding: 'utf8', eol: '\n' })
    const r = cli('benefit', 'import', file, '--type', type, '--period', period, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().rows.rejected).toBe(0)
  }

  async function fixture(): Promise<void> {
    await roster('2026-10', GAP_HEADER, [[...personRow(LEAVER, '离开者', { 户编号: '5205260010018888' }), ...EXTRA.map(() => '')]])
    await roster('2026-11', GAP_HEADER, KEYS.map(rosterRow))
    importList('care', '护理补贴', '2026-11')
    importList('dibaoAugust', '低保', '2026-08')
    importList('dibao', '低保', '2026-11') // names 低保甲 but not 低保乙 of the same household
    importList('living', '生活补贴', '2026-11')
    importList('tekun', '特困供养', '2026-11')
    importList('medical', '医保缴费补贴', '2026-11', [['离开者', LEAVER], ['=1+1', STRANGER]])
    importList('pension', '养老保险代缴', '2026-11')
    importList('deviceMay', '辅具适配', '2026-05') // one-off: an earlier list still counts
    importList('education', '教育资助', '2026-11')
    importList('training', '技能培训', '2026-11')
    // 危房改造: a household list naming only the 户主.
    const housing = join(dir, '危房改造.csv')
    writeCsv(housing, [['户主姓名', '户主身份证号'], ['危房已改', idOf('houseDone')]], { encoding: 'utf8', eol: '\n' })
    expect(cli('benefit', 'import', housing, '--type', '危房改造', '--period', '2026-11', '--json').code).toBe(0)
  }

  type GapJson = { rule: string; id: string; name: string; level: string; township: string }
  const gapsByRule = (gaps: GapJson[]) => {
    const by: Record<string, string[]> = {}
    for (const g of gaps) (by[g.rule] ??= []).push(g.id)
    for (const ids of Object.values(by)) ids.sort()
    return by
  }
  const idsOf = (...keys: Key[]) => keys.map(idOf).sort()

  it('catches exactly the people each default rule names and leaves the controls alone', async () => {
    await fixture()
    const r = cli('benefit', 'gaps', '--period', '2026-11', '--json', '--reveal')
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    expect(out.persons).toBe(KEYS.length)
    const by = gapsByRule(out.gaps)
    // care-subsidy: grade 1–2 off the 护理补贴 list; grade 3 is not eligible.
    expect(by['care-subsidy']).toEqual(idsOf('care1'))
    // living-subsidy: 低保乙 is covered by 低保甲's 低保 (household scope); 旧低保's August list was replaced by November's.
    expect(by['living-subsidy']).toEqual(idsOf('dbMember'))
    // dibao-single: adult, grade 1–2, 未就业, 家庭供养 — not 17-year-old 未成年, not 有工作.
    expect(by['dibao-single']).toEqual(idsOf('single'))
    // tekun: two registered disabled in one household, a carer aged 65, a 以老养残 family — not a carer aged 59.
    expect(by.tekun).toEqual(idsOf('dbHead', 'dbMember', 'oldCarer', 'familyType'))
    expect(by['medical-insurance']).toEqual(idsOf('care1'))
    // pension-premium: 16–59 at the end of 2026-11 — 五十九 (born 1966-12) is 59, 六十 (born 1966-05) is 60, 在校缺 is 15.
    expect(by['pension-premium']).toEqual(idsOf('care1', 'pension59'))
    // assistive-device: 辅具享's May list counts (one-off); 无辅具 needs none.
    expect(by['assistive-device']).toEqual(idsOf('deviceGap'))
    // housing: 危房已改's household is on the 户主 list.
    expect(by.housing).toEqual(idsOf('houseGap'))
    // education: ≤ 22 and 在校 — 在校超龄 is 25, 未成年 is on the list.
    expect(by.education).toEqual(idsOf('pupil'))
    expect(by.training).toEqual(idsOf('trainGap'))
    // literacy: no 扫盲 list yet — not checked, nobody listed.
    expect(by.literacy).toBeUndefined()
    expect(Object.keys(by).sort()).toEqual(['assistive-device', 'care-subsidy', 'dibao-single', 'education', 'housing', 'living-subsidy', 'medical-insurance', 'pension-premium', 'tekun', 'training'])

    const outcome = (id: string) => out.ruleOutcomes.find((o: { id: string }) => o.id === id)
    expect(outcome('literacy')).toMatchObject({ checked: false, listPeriods: [], eligible: 0, gaps: 0, rate: null })
    expect(outcome('assistive-device')).toMatchObject({ checked: true, listPeriods: ['2026-05'], eligible: 2, received: 1, gaps: 1, rate: 0.5 })
    expect(outcome('living-subsidy')).toMatchObject({ checked: true, eligible: 3, received: 2, gaps: 1 })
    expect(outcome('care-subsidy')).toMatchObject({ listPeriods: ['2026-11'], eligible: 8, received: 7, gaps: 1, missingColumns: [] })
    expect(out.lists.find((l: { code: string }) => l.code === 'dibao')).toEqual({ code: 'dibao', name: '低保', periods: ['2026-11'] })
    expect(out.gaps.find((g: GapJson) => g.id === idOf('pupil'))).toMatchObject({ name: '在校缺', township: '草海镇', level: 'entitled', benefit: '教育资助' })
    expect(out.gaps.find((g: GapJson) => g.rule === 'tekun')).toMatchObject({ level: 'review' })
    expect(r.stderr).toContain('「15 至 50 周岁的文盲贫困残疾人应纳入扫盲」未检查')

    // The reverse direction.
    const violations = out.violations.map((v: { kind: string; id: string; benefits: string[] }) => [v.kind, v.id, v.benefits])
    expect(violations).toEqual(expect.arrayContaining([
      ['ineligible', idOf('grade3'), ['重度残疾人护理补贴']],
      ['exclusive', idOf('tekunDibao'), ['特困供养', '低保']],
      ['exclusive', idOf('tekunCare'), ['特困供养', '重度残疾人护理补贴']],
      ['left_roster', LEAVER, ['医保个人缴费补贴']],
      ['off_roster', STRANGER, ['医保个人缴费补贴']],
    ]))
    expect(violations).toHaveLength(5)
    expect(out.violationsByKind).toEqual({ ineligible: 1, exclusive: 2, off_roster: 1, left_roster: 1 })
    expect(out.violations.find((v: { kind: string }) => v.kind === 'left_roster').reason).toContain('2026-10')
    expect(out.violations.find((v: { kind: string }) => v.kind === 'off_roster').name).toBe('=1+1')
    expect(out.totals).toMatchObject({ violations: 5, reviews: 1 + 4 + 1, gaps: 1 + 1 + 1 + 2 + 1 + 1 + 1 })
  })

  it('checks a rule once its benefit has a list: 扫盲 catches an illiterate 15–50-year-old', async () => {
    await fixture()
    importList('literacy', '扫盲', '2026-11')
    const out = cli('benefit', 'gaps', '--period', '2026-11', '--json', '--reveal').json()
    expect(gapsByRule(out.gaps).literacy).toEqual(idsOf('illiterate'))
    expect(out.ruleOutcomes.find((o: { id: string }) => o.id === 'literacy')).toMatchObject({ checked: true, eligible: 2, received: 1, gaps: 1 })
  })

  it('masks IDs in JSON and in the terminal unless --reveal', async () => {
    await fixture()
    const json = cli('benefit', 'gaps', '--period', '2026-11', '--json')
    expect(json.code).toBe(0)
    const out = json.json()
    expect(out.gaps.find((g: GapJson) => g.rule === 'housing').id).toBe(masked(idOf('houseGap')))
    expect(out.violations.find((v: { kind: string }) => v.kind === 'off_roster').id).toBe(masked(STRANGER))
    const text = JSON.stringify(out)
    for (const k of KEYS) expect(text).not.toContain(idOf(k))
    const table = cli('benefit', 'gaps', '--period', '2026-11', '--limit', '100')
    expect(table.code).toBe(0)
    expect(table.stdout).toContain(masked(idOf('houseGap')))
    expect(table.stdout).toContain('危房缺')
    for (const k of KEYS) expect(table.stdout).not.toContain(idOf(k))
  })

  it('--out writes 汇总, one sheet per township and 疑似违规享受, with no formulas', async () => {
    await fixture()
    const file = join(dir, '应享未享.xlsx')
    const r = cli('benefit', 'gaps', '--period', '2026-11', '--out', file, '--json')
    expect(r.code, r.stderr).toBe(0)
    const summary = await readRows(file, '汇总')
    expect(summary[0]).toEqual(['规则编号', '规则', '政策', '级别', '符合条件', '已享受', '未享受', '覆盖率', '使用的名单期别', '依据'])
    expect(summary.slice(1).map((row) => row[0])).toEqual(['care-subsidy', 'living-subsidy', 'dibao-single', 'tekun', 'medical-insurance', 'pension-premium',
      'assistive-device', 'housing', 'education', 'literacy', 'training'])
    expect(summary.find((row) => row[0] === 'literacy')![4]).toBe('未检查（无名单）')
    expect(summary.find((row) => row[0] === 'assistive-device')!.slice(4, 9)).toEqual(['2', '1', '1', '50%', '2026-05'])

    const haibian = await readRows(file, '海边街道')
    const caohai = await readRows(file, '草海镇')
    expect(haibian[0]).toEqual(['类别', '乡镇', '村', '姓名', '身份证号', '残疾等级', '年龄', '应享政策', '规则'])
    const names = (rows: string[][]) => rows.slice(1).map((row) => `${row[3]}:${row[7]}`).sort()
    expect(names(caohai)).toEqual(['危房缺:危房改造', '在校缺:教育资助', '培训缺:职业/实用技术培训'].sort())
    expect(names(haibian)).toEqual([
      '护理缺:重度残疾人护理补贴', '护理缺:医保个人缴费补贴', '护理缺:养老保险代缴', '低保乙:困难残疾人生活补贴', '单人户:低保', '低保甲:特困供养', '低保乙:特困供养',
      '老养残:特困供养', '家庭类型:特困供养', '五十九:养老保险代缴', '辅具缺:辅助器具适配',
    ].sort())
    expect(caohai.slice(1).every((row) => row[1] === '草海镇')).toBe(true)
    expect(haibian.find((row) => row[3] === '五十九')!.slice(4, 7)).toEqual([masked(idOf('pension59')), '4', '59'])

    const violations = await readRows(file, '疑似违规享受')
    expect(violations[0]).toEqual(['问题', '乡镇', '村', '姓名', '身份证号', '政策', '说明'])
    expect(violations.slice(1).map((row) => row[0]).sort()).toEqual(['不在花名册', '不符合享受条件', '同时享受互斥政策', '同时享受互斥政策', '已移出花名册'].sort())
    const stranger = violations.find((row) => row[4] === masked(STRANGER))!
    expect(stranger.slice(0, 3)).toEqual(['不在花名册', '', ''])
    expect(stranger[3]).toContain('1+1')
    for (const sheet of [summary, haibian, caohai, violations]) {
      for (const row of sheet) for (const cell of row) if (cell !== '') expect(cell).toMatch(NOT_FORMULA)
    }

    // A .csv holds the gap people of every township in one table.
    const csv = join(dir, '应享未享.csv')
    expect(cli('benefit', 'gaps', '--period', '2026-11', '--out', csv, '--json').code).toBe(0)
    const flat = await readRows(csv)
    expect(flat[0]).toEqual(haibian[0])
    expect(flat.slice(1).map((row) => `${row[3]}:${row[7]}`).sort()).toEqual([...names(haibian), ...names(caohai)].sort())
  })

  it('finds the same when the period is read on worker threads (as a province is) as on the main thread', async () => {
    await fixture()
    // Below 50,000 rows the check runs on the main thread; these variables force each way.
    const run = (threads: string, ...args: string[]) => {
      const r = runCli([...args, '--db', db, '--operator', '测试员'], { env: { CJFP_THREADS: threads, CJFP_PARALLEL_MIN_ROWS: '0' } })
      expect(r.code, r.stderr).toBe(0)
      return r.json()
    }
    for (const args of [['benefit', 'gaps', '--period', '2026-11', '--json', '--reveal'], ['benefit', 'coverage', '--period', '2026-11', '--json'],
      ['benefit', 'coverage', '--period', '2026-11', '--level', 'village', '--json']]) {
      const single = run('1', ...args)
      expect(run('3', ...args)).toEqual(single)
      expect(run('2', ...args)).toEqual(single)
    }
    // The threaded run really found people: the fixture has gaps, a leaver and a stranger.
    const gaps = run('3', 'benefit', 'gaps', '--period', '2026-11', '--json', '--reveal')
    expect(gaps.gaps.length).toBeGreaterThan(5)
    expect(gaps.violationsByKind).toMatchObject({ left_roster: 1, off_roster: 1 })
  })

  it('coverage equals the counts computed here from the fixture', async () => {
    await fixture()
    const r = cli('benefit', 'coverage', '--period', '2026-11', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    expect(out.level).toBe('township')

    // The entitled rules that have a list, written out from the plan rather than read from the rule file.
    const age = (k: Key) => 2026 - Number(person(k).birth.slice(0, 4)) - (Number(person(k).birth.slice(4, 6)) > 11 ? 1 : 0)
    const col = (k: Key, c: Extra) => person(k).cols?.[c] ?? ''
    const householdOn = (k: Key, list: ListKey) => KEYS.some((o) => hhOf(o) === hhOf(k) && onList(o, list))
    const entitled: Array<{ eligible: (k: Key) => boolean; received: (k: Key) => boolean }> = [
      { eligible: (k) => person(k).grade <= 2, received: (k) => onList(k, 'care') },
      { eligible: (k) => householdOn(k, 'dibao'), received: (k) => onList(k, 'living') },
      { eligible: () => true, received: (k) => onList(k, 'medical') },
      { eligible: (k) => age(k) >= 16 && age(k) <= 59, received: (k) => onList(k, 'pension') },
      { eligible: (k) => ['是', '有'].includes(col(k, '辅具需求')), received: (k) => onList(k, 'deviceMay') },
      { eligible: (k) => col(k, '住房状况').includes('危房'), received: (k) => householdOn(k, 'housing') },
      { eligible: (k) => age(k) <= 22 && col(k, '在校情况') === '在校', received: (k) => onList(k, 'education') },
    ]
    const tally = (keys: Key[]) => {
      let eligible = 0
      let received = 0
      for (const k of keys) {
        for (const rule of entitled) {
          if (!rule.eligible(k)) continue
          eligible++
          if (rule.received(k)) received++
        }
      }
      return { persons: keys.length, eligible, received, gaps: eligible - received, coverage: received / eligible }
    }
    const caohai = KEYS.filter((k) => person(k).caohai)
    const haibian = KEYS.filter((k) => !person(k).caohai)
    const region = (name: string) => out.regions.find((x: { name: string }) => x.name === name)
    expect(region('草海镇')).toMatchObject({ ...tally(caohai), violations: 2 })
    expect(region('海边街道')).toMatchObject({ ...tally(haibian), violations: 1 })
    expect(region('合计')).toMatchObject({ ...tally(KEYS), code: '', violations: 5 })
    expect(out.regions.at(-1).name).toBe('合计')
    expect(out.regions).toHaveLength(3)
    expect(out.rules.find((x: { id: string }) => x.id === 'literacy')).toMatchObject({ checked: false })

    const table = cli('benefit', 'coverage', '--period', '2026-11')
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/草海镇[\s│|]+5\b/)
    expect(table.stdout).toContain('合计')
    expect(table.stderr).toContain('未检查')
  })

  it('reports a recipient on a later roster only as off the roster, not as having left, when checking an earlier period', async () => {
    await roster('2026-10', GAP_HEADER, [[...personRow(LEAVER, '离开者', { 户编号: '5205260010018888' }), ...EXTRA.map(() => '')]])
    await roster('2026-11', GAP_HEADER, [rosterRow('care1')])
    const file = join(dir, '医保-10月.csv')
    writeCsv(file, [['姓名', '身份证号'], ['离开者', LEAVER], ['护理缺', idOf('care1')]], { encoding: 'utf8', eol: '\n' })
    const imported = cli('benefit', 'import', file, '--type', '医保缴费补贴', '--period', '2026-10', '--json', '--reveal')
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.json()).toMatchObject({ rosterPeriod: '2026-10', onRoster: 1, offRoster: { count: 1, never: 1, left: 0 } })
    expect(imported.json().offRoster.items).toEqual([{ row: 3, id: idOf('care1'), name: '护理缺', status: 'never', lastPeriod: null }])
    const out = cli('benefit', 'gaps', '--period', '2026-10', '--json', '--reveal').json()
    expect(out.violations.map((v: { kind: string; id: string }) => [v.kind, v.id])).toEqual([['off_roster', idOf('care1')]])
    // In 2026-11 the 2026-10 list is still the newest 医保 list: the leaver has left, 护理缺 is covered.
    const later = cli('benefit', 'gaps', '--period', '2026-11', '--json', '--reveal').json()
    expect(later.violations.map((v: { kind: string; id: string }) => [v.kind, v.id])).toEqual([['left_roster', LEAVER]])
  })

  it('reads a rule column whose roster header is written with a line break or spaces (住房\\n状况, 辅具 需求)', async () => {
    const header = [...HEADERS, '住房\n状况', '辅具 需求']
    await roster('2026-11', header, [
      [...personRow(idOf('houseGap'), '危房缺', { 户编号: hhOf('houseGap'), 残疾等级: '4', 残疾人证号: `${idOf('houseGap')}44` }), '危房', '否'],
      [...personRow(idOf('deviceGap'), '辅具缺', { 户编号: hhOf('deviceGap'), 残疾等级: '4', 残疾人证号: `${idOf('deviceGap')}44` }), '', '是'],
    ])
    const housing = join(dir, '危房改造.csv')
    writeCsv(housing, [['户主姓名', '户主身份证号'], ['某人', idOf('care1')]], { encoding: 'utf8', eol: '\n' })
    expect(cli('benefit', 'import', housing, '--type', '危房改造', '--period', '2026-11', '--json').code).toBe(0)
    const device = join(dir, '辅具.csv')
    writeCsv(device, [['姓名', '身份证号'], ['某人', idOf('care1')]], { encoding: 'utf8', eol: '\n' })
    expect(cli('benefit', 'import', device, '--type', '辅具适配', '--period', '2026-11', '--json').code).toBe(0)
    const out = cli('benefit', 'gaps', '--period', '2026-11', '--json', '--reveal').json()
    const outcome = (id: string) => out.ruleOutcomes.find((o: { id: string }) => o.id === id)
    expect(outcome('housing')).toMatchObject({ checked: true, missingColumns: [], eligible: 1, gaps: 1 })
    expect(outcome('assistive-device')).toMatchObject({ checked: true, missingColumns: [], eligible: 1, gaps: 1 })
    expect(gapsByRule(out.gaps)).toMatchObject({ housing: idsOf('houseGap'), 'assistive-device': idsOf('deviceGap') })
  })

  it('fails with exit 4 for a period that has no roster', async () => {
    await roster('2026-11', HEADERS, [personRow(idOf('care1'), '护理缺')])
    const r = cli('benefit', 'gaps', '--period', '2026-09', '--json')
    expect(r.code).toBe(EXIT_CODES.notFound)
    expect(r.json().error.code).toBe('PERIOD_NOT_FOUND')
  })
})
