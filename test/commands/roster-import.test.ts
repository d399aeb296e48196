// roster import and roster rejects, end to end: the real CLI on a real SQLite file and real
// .xlsx/.csv files built here from arrays.
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { genderOf, idCheckChar } from '../../src/lib/idcard.js'
import { BIN, ROOT } from '../support/cli.js'
import { writeCsv, writeXlsx } from '../support/files.js'
import { cliFor, countRows, HEADERS, NOT_FORMULA, personRow, readDb, readRows, useRosterDb, weiningId, weiningIdEndingInX, writeLockProbe } from '../support/roster.js'

const MASKED_ID = /^\d{6}\*{8}\d{3}[\dX]$/
const TITLE = ['威宁县建档立卡贫困残疾人花名册']

let dir: string
let db: string
let cli: ReturnType<typeof cliFor>
useRosterDb((t) => ({ dir, db, cli } = t))

describe('roster import reads the files clerks send', () => {
  it('finds the header below a merged title and a note row, maps Chinese variants, skips 合计 and keeps an unknown column', async () => {
    const wang = weiningId('19650312', 232)
    const li = weiningId('19781105', 441)
    const zhao = weiningId('19900720', 113)
    const file = join(dir, '2026年10月花名册.xlsx')
    await writeXlsx(file, [{
      name: '花名册',
      merges: ['A1:L1'],
      rows: [
        ['威宁县2026年10月建档立卡贫困残疾人花名册'],
        ['填报单位：威宁县残联（盖章）', null, null, null, null, null, null, null, null, '填报日期：2026年11月5日'],
        ['序号', '县(市、区)', '乡镇(街道)', '村(社区)', '姓名', '性别', '身份证号码', '残疾证号', '残疾类型', '残疾级别', '脱贫状态', '帮扶责任人'],
        [1, '威宁县', '海边街道', '建设社区', '王芳', '女', wang, `${wang}42`, '肢体', 2, '未脱贫', '陈干部'],
        [2, '威宁县', '草海镇', '新华村', '李明', '男', Number(li), `${li}13`, '视力', 3, '已脱贫', '陈干部'],
        [],
        [3, '威宁县', '草海镇', '新华村', '赵强', '男', zhao, `${zhao}51`, '智力', 1, '未脱贫', '吴干部'],
        ['合计', '3人'],
      ],
    }])

    const r = cli('roster', 'import', file, '--period', '2026-10', '--json')
    expect(r.code).toBe(0)
    const out = r.json()
    expect(out).toMatchObject({
      batch: 1, format: 'xlsx', sheet: '花名册', headerRow: 3, alreadyImported: false, unknownColumns: ['帮扶责任人'],
      rows: { accepted: 2, rejected: 1, skipped: 2 },
    })
    expect(out.mapping).toMatchObject({
      '县(市、区)': 'countyName', '乡镇(街道)': 'townshipName', '村(社区)': 'villageName', 身份证号码: 'idNumber',
      残疾证号: 'certNumber', 残疾类型: 'category', 残疾级别: 'grade',
    })
    expect(out.rejected).toEqual([
      { row: 5, column: '身份证号码', code: 'id_excel_truncated', message: expect.stringContaining('第 5 行「身份证号码」') },
    ])

    const entries = readDb(db, (d) =>
      d.prepare('SELECT id_number, row_number, township_code, category, grade, extra_json FROM roster_entries ORDER BY row_number').all())
    expect(entries).toEqual([
      { id_number: wang, row_number: 4, township_code: '520526001', category: 4, grade: 2, extra_json: JSON.stringify({ 帮扶责任人: '陈干部' }) },
      { id_number: zhao, row_number: 7, township_code: '520526100', category: 5, grade: 1, extra_json: JSON.stringify({ 帮扶责任人: '吴干部' }) },
    ])
    expect(countRows(db)).toEqual({ entries: 2, rejected: 1, batches: 1 })
  })

  it('reads the roster from the second sheet when the first holds only instructions', async () => {
    const id = weiningId('19650312', 232)
    const file = join(dir, '含说明页的花名册.xlsx')
    await writeXlsx(file, [
      { name: '填表说明', rows: [['填表说明'], ['1. 身份证号请设为文本格式'], ['2. 残疾等级填 1 至 4']] },
      { name: '花名册', rows: [[...HEADERS], personRow(id, '王芳')] },
    ])
    const named = cli('roster', 'import', file, '--period', '2026-10', '--sheet', '填表说明', '--json')
    expect(named.code).toBe(3)
    expect(named.json().error.code).toBe('ROSTER_HEADER_NOT_FOUND')
    const out = cli('roster', 'import', file, '--period', '2026-10', '--json').json()
    expect(out).toMatchObject({ sheet: '花名册', rows: { total: 1, accepted: 1, rejected: 0 } })
  })

  it('counts the blank row between data rows as skipped, as the README says', async () => {
    const a = weiningId('19650312', 232)
    const b = weiningId('19781105', 441)
    const file = join(dir, '花名册.xlsx')
    await writeXlsx(file, [{ name: '花名册', rows: [[...HEADERS], personRow(a, '王芳'), [], personRow(b, '李明'), ['合计', '2人']] }])
    const out = cli('roster', 'import', file, '--period', '2026-10', '--json').json()
    expect(out.rows).toEqual({ total: 4, accepted: 2, rejected: 0, skipped: 2 })
  })

  it('detects a GBK CSV, a UTF-8 CSV with BOM and CRLF, and a plain UTF-8 LF CSV, storing Chinese names intact', () => {
    const files = [
      { name: 'gbk.csv', period: '2026-10', encoding: 'gbk', eol: '\r\n', expected: 'gb18030', people: [[weiningId('19650312', 232), '禄丽芬'], [weiningId('19781105', 441), '岑龙海']] },
      { name: 'bom.csv', period: '2026-11', encoding: 'utf8-bom', eol: '\r\n', expected: 'utf-8-bom', people: [[weiningId('19700101', 221), '虎翠莲'], [weiningId('19820203', 315), '陇正光']] },
      { name: 'plain.csv', period: '2026-12', encoding: 'utf8', eol: '\n', expected: 'utf-8', people: [[weiningId('19550505', 118), '管绍明'], [weiningId('19610606', 427), '聂芬']] },
    ] as const
    for (const f of files) {
      const file = join(dir, f.name)
      writeCsv(file, [[...HEADERS], ...f.people.map(([id, name]) => personRow(id, name))], { encoding: f.encoding, eol: f.eol })
      const r = cli('roster', 'import', file, '--period', f.period, '--json')
      expect(r.code, f.name).toBe(0)
      expect(r.json(), f.name).toMatchObject({ format: 'csv', encoding: f.expected, rows: { total: 2, accepted: 2, rejected: 0 }, mapping: { 县区: 'countyName' } })
    }
    const list = cli('roster', 'list', '--period', '2026-10', '--json', '--reveal').json()
    expect(list.items.map((p: { id: string; name: string; phone: string }) => [p.id, p.name, p.phone]).sort()).toEqual([
      [weiningId('19650312', 232), '禄丽芬', '13800001234'],
      [weiningId('19781105', 441), '岑龙海', '13800001234'],
    ].sort())
    for (const f of files) {
      const stored = readDb(db, (d) => d.prepare('SELECT id_number, name, phone FROM roster_entries WHERE period = ?').raw().all(f.period))
      expect(stored.sort(), f.name).toEqual(f.people.map(([id, name]) => [id, name, '13800001234']).sort())
    }
  })
})

describe('roster import rejects a bad row with its row, column and code, and imports the rest', () => {
  const A = weiningId('19650312', 231)
  const B = weiningId('19781105', 442)
  // Clerks' header variants: the rejection names the column as the file writes it.
  const FILE_HEADERS = HEADERS.map((h) => ({ 县区: '县(市、区)', 身份证号: '身份证号码', 残疾人证号: '残疾证号', 残疾类别: '残疾类型', 残疾等级: '残疾级别' } as Record<string, string>)[h] ?? h)
  const ID = HEADERS.indexOf('身份证号')

  it.each([
    { code: 'id_format', column: '身份证号码', cells: { 身份证号: '52052619650312231' } },
    { code: 'id_format', column: '身份证号码', cells: { 身份证号: '520526650312231' } },
    { code: 'id_checksum', column: '身份证号码', cells: { 身份证号: A.slice(0, 17) + (A[17] === '5' ? '6' : '5') } },
    { code: 'id_birthdate', column: '身份证号码', cells: { 身份证号: weiningId('19650231', 231) } },
    { code: 'id_birthdate', column: '身份证号码', cells: { 身份证号: weiningId('20991231', 231) } },
    { code: 'id_scientific_notation', column: '身份证号码', cells: { 身份证号: '5.20102E+17' } },
    { code: 'id_excel_truncated', column: '身份证号码', cells: {}, idAsNumber: weiningId('19720808', 337) },
    { code: 'cert_format', column: '残疾证号', cells: { 残疾人证号: `${A}4` } },
    { code: 'cert_id_mismatch', column: '残疾证号', cells: { 残疾人证号: `${B}42` } },
    { code: 'cert_category_mismatch', column: '残疾证号', cells: { 残疾人证号: `${A}12` } },
    { code: 'cert_grade_mismatch', column: '残疾证号', cells: { 残疾人证号: `${A}43` } },
    { code: 'missing_field', column: '姓名', cells: { 姓名: '' } },
    { code: 'county_mismatch', column: '县(市、区)', cells: { 县区: '赫章县' } },
    { code: 'invalid_value', column: '残疾级别', cells: { 残疾等级: '五级' } },
  ])('$code: $cells', async ({ code, column, cells, idAsNumber }) => {
    const bad: unknown[] = idAsNumber ? personRow(idAsNumber, '李明', cells) : personRow(A, '李明', cells)
    if (idAsNumber) bad[ID] = Number(idAsNumber) // a number cell: Excel keeps 15 significant digits
    const file = join(dir, '花名册.xlsx')
    await writeXlsx(file, [{ name: '花名册', rows: [TITLE, FILE_HEADERS, personRow(B, '王芳'), bad] }])

    const r = cli('roster', 'import', file, '--period', '2026-10', '--json')
    expect(r.code).toBe(0)
    const out = r.json()
    expect(out.rows).toEqual({ total: 2, accepted: 1, rejected: 1, skipped: 0 })
    expect(out.rejected).toEqual([{ row: 4, column, code, message: expect.stringContaining(`第 4 行「${column}」`) }])
    expect(countRows(db)).toEqual({ entries: 1, rejected: 1, batches: 1 })
    const kept = readDb(db, (d) => d.prepare('SELECT row_number, errors_json FROM rejected_rows').get() as { row_number: number; errors_json: string })
    expect(kept.row_number).toBe(4)
    expect(JSON.parse(kept.errors_json)).toEqual([expect.objectContaining({ column, code })])
  })

  it('id_excel_truncated: an ID stored as a number is rejected even when its 15 kept digits end in a valid check character', async () => {
    // 520526196503122318 typed as a number is stored as 520526196503122000 (15 significant digits),
    // and 52052619650312200 happens to have the check character 0. Without a certificate to compare,
    // only the number cell tells that the last digits are lost.
    expect(A).toBe('520526196503122318')
    expect(idCheckChar('52052619650312200')).toBe('0')
    const bad: unknown[] = personRow(A, '李明', { 残疾人证号: '' })
    bad[ID] = Number(A)
    const file = join(dir, '花名册.xlsx')
    await writeXlsx(file, [{ name: '花名册', rows: [TITLE, FILE_HEADERS, personRow(B, '王芳'), bad] }])
    const out = cli('roster', 'import', file, '--period', '2026-10', '--json').json()
    expect(out.rejected).toEqual([{ row: 4, column: '身份证号码', code: 'id_excel_truncated', message: expect.stringContaining('第 4 行「身份证号码」') }])
    expect(readDb(db, (d) => d.prepare('SELECT id_number FROM roster_entries').all())).toEqual([{ id_number: B }])
  })

  it('duplicate_id: keeps the first row, rejects the later one naming the first row', () => {
    const file = join(dir, '花名册.csv')
    writeCsv(file, [TITLE, [...HEADERS], personRow(A, '李明'), personRow(B, '王芳'), personRow(A, '李明')], { encoding: 'utf8', eol: '\r\n' })
    const out = cli('roster', 'import', file, '--period', '2026-10', '--json').json()
    expect(out.rows).toMatchObject({ accepted: 2, rejected: 1 })
    expect(out.rejected).toEqual([{ row: 5, column: '身份证号', code: 'duplicate_id', message: expect.stringContaining('第 3 行') }])
    const rows = readDb(db, (d) => ({
      entry: d.prepare('SELECT row_number FROM roster_entries WHERE id_number = ?').all(A),
      rejected: d.prepare('SELECT row_number, id_number FROM rejected_rows').all(),
    }))
    expect(rows).toEqual({ entry: [{ row_number: 3 }], rejected: [{ row_number: 5, id_number: A }] })
  })

  it('county_mismatch goes by 县区, not by the ID: 赫章县 is rejected, a 赫章-coded ID living in 威宁 is accepted', () => {
    const hezhangBorn = weiningId('19720808', 337, '520527')
    const file = join(dir, '花名册.csv')
    writeCsv(file, [[...HEADERS], personRow(A, '李明', { 县区: '赫章县' }), personRow(hezhangBorn, '马光', { 县区: '威宁县', 乡镇: '草海镇' })], { encoding: 'utf8', eol: '\n' })
    const out = cli('roster', 'import', file, '--period', '2026-10', '--json').json()
    expect(out.rejected).toEqual([{ row: 2, column: '县区', code: 'county_mismatch', message: expect.stringContaining('赫章县') }])
    const stored = readDb(db, (d) => ({
      entries: d.prepare('SELECT id_number, county_code, township_code FROM roster_entries').all(),
      rejected: d.prepare('SELECT id_number, county_code FROM rejected_rows').all(),
    }))
    expect(stored).toEqual({
      entries: [{ id_number: hezhangBorn, county_code: '520526', township_code: '520526100' }],
      rejected: [{ id_number: A, county_code: '520527' }],
    })
  })

  it('accepts safe fixes and lists each with from → to; IDs in warnings are masked without --reveal', () => {
    const fullwidth = (s: string) => s.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
    const x = weiningIdEndingInX('19660606')
    const ids = [weiningId('19500101', 111), weiningId('19500102', 113), weiningId('19500103', 115), weiningId('19500104', 117), weiningId('19500105', 119), weiningId('19500106', 121)]
    const file = join(dir, '花名册.csv')
    writeCsv(file, [
      [...HEADERS],
      personRow(A, '李明', { 身份证号: fullwidth(A) }), // row 2
      personRow(ids[0], ' 张三 '), // row 3
      personRow(x, '王五', { 身份证号: x.toLowerCase() }), // row 4
      personRow(ids[1], '赵一', { 残疾等级: '二级' }), // row 5
      personRow(ids[2], '钱二', { 残疾等级: '贰级' }), // row 6
      personRow(ids[3], '孙三', { 残疾等级: '2级' }), // row 7
      personRow(ids[4], '周四', { 残疾类别: '肢体残疾' }), // row 8
      personRow(ids[5], '吴五', { 性别: '女' }), // row 9: the ID says 男
    ], { encoding: 'utf8', eol: '\r\n' })

    const dry = cli('roster', 'import', file, '--period', '2026-10', '--dry-run', '--json').json()
    const maskedFullwidth = dry.warnings.find((w: { code: string }) => w.code === 'fullwidth')
    expect(maskedFullwidth.to).toMatch(MASKED_ID)

    const out = cli('roster', 'import', file, '--period', '2026-10', '--json', '--reveal').json()
    expect(out.rows).toEqual({ total: 8, accepted: 8, rejected: 0, skipped: 0 })
    const seen = out.warnings.map((w: { row: number; column: string; code: string; from: string; to: string }) => [w.row, w.column, w.code, w.from, w.to])
    expect(seen).toEqual(expect.arrayContaining([
      [2, '身份证号', 'fullwidth', fullwidth(A), A],
      [3, '姓名', 'trimmed', ' 张三 ', '张三'],
      [4, '身份证号', 'lowercase_x', x.toLowerCase(), x],
      [5, '残疾等级', 'grade_normalized', '二级', '2'],
      [6, '残疾等级', 'grade_normalized', '贰级', '2'],
      [7, '残疾等级', 'grade_normalized', '2级', '2'],
      [8, '残疾类别', 'category_normalized', '肢体残疾', '肢体'],
      [9, '性别', 'gender_from_id', '女', '男'],
    ]))
    const stored = readDb(db, (d) => d.prepare('SELECT id_number, name, gender, category, grade FROM roster_entries ORDER BY row_number').all())
    expect(stored).toEqual([
      { id_number: A, name: '李明', gender: '男', category: 4, grade: 2 },
      { id_number: ids[0], name: '张三', gender: '男', category: 4, grade: 2 },
      { id_number: x, name: '王五', gender: genderOf(x), category: 4, grade: 2 },
      { id_number: ids[1], name: '赵一', gender: '男', category: 4, grade: 2 },
      { id_number: ids[2], name: '钱二', gender: '男', category: 4, grade: 2 },
      { id_number: ids[3], name: '孙三', gender: '男', category: 4, grade: 2 },
      { id_number: ids[4], name: '周四', gender: '男', category: 4, grade: 2 },
      { id_number: ids[5], name: '吴五', gender: '男', category: 4, grade: 2 },
    ])
  })

  it('tells the clerk in Chinese which row and column is wrong and why', () => {
    const file = join(dir, '十月花名册.csv')
    writeCsv(file, [
      TITLE,
      ['填报单位：威宁县残联'],
      [...HEADERS],
      personRow(weiningId('19500101', 111), '张三'),
      personRow(weiningId('19500102', 113), '李四'),
      personRow(weiningId('19500103', 115), '王五'),
      personRow(A, '赵六', { 身份证号: A.slice(0, 17) + (A[17] === '5' ? '6' : '5') }),
    ], { encoding: 'utf8', eol: '\r\n' })
    const r = cli('roster', 'import', file, '--period', '2026-10')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('十月花名册.csv（编码 utf-8，表头在第 3 行）→ 2026-10 期，第 1 批')
    expect(r.stdout).toContain('退回原因：身份证号校验位错误 1 处')
    expect(r.stdout).toContain('第 7 行「身份证号」校验位（最后一位）不对，请核对号码')
    expect(r.stdout).toContain('roster rejects --batch 1 --out 退回行.xlsx')
    expect(r.stdout).not.toContain('\u001b[')
  })
})

describe('formula-looking text', () => {
  it('is stored as given and written as plain text by roster rejects --out', async () => {
    const a = weiningId('19650312', 231)
    const b = weiningId('19781105', 442)
    const file = join(dir, '花名册.csv')
    writeCsv(file, [
      [...HEADERS],
      personRow(a, '李明', { 村: '＋1', 致贫原因: '=SUM(A1)' }),
      personRow(b, '', { 村: '＋1', 致贫原因: '=SUM(A1)' }), // rejected: 姓名 is empty
    ], { encoding: 'utf8', eol: '\r\n' })
    expect(cli('roster', 'import', file, '--period', '2026-10', '--json').json().rows).toMatchObject({ accepted: 1, rejected: 1 })

    const list = cli('roster', 'list', '--json', '--reveal').json()
    expect(list.items).toEqual([expect.objectContaining({ id: a, village: '＋1' })])
    expect(readDb(db, (d) => d.prepare('SELECT village_name, poverty_cause FROM roster_entries').get())).toEqual({ village_name: '＋1', poverty_cause: '=SUM(A1)' })

    const out = join(dir, '退回行.csv')
    const rejects = cli('roster', 'rejects', '--batch', '1', '--out', out, '--reveal', '--json')
    expect(rejects.code).toBe(0)
    expect(rejects.json().rows[0].cells).toEqual(personRow(b, '', { 村: '＋1', 致贫原因: '=SUM(A1)' }))
    const [header, row] = await readRows(out)
    expect(header).toEqual([...HEADERS, '错误原因', '原行号'])
    const cell = (h: string) => row[header.indexOf(h)]
    expect(cell('村')).toMatch(NOT_FORMULA)
    expect(cell('致贫原因')).toMatch(NOT_FORMULA)
    expect(cell('村')).toContain('＋1')
    expect(cell('致贫原因')).toContain('=SUM(A1)')
  })
})

describe('nothing lost, nothing half-written', () => {
  const good = [weiningId('19650312', 231), weiningId('19781105', 442), weiningId('19900720', 113)]
  const bad = weiningId('19700101', 221)
  const rowsWithOneBad = () => [
    [...HEADERS],
    personRow(good[0], '李明'),
    personRow(good[1], '王芳', { 残疾等级: '二级' }),
    personRow(bad, '张三', { 残疾人证号: `${bad}43` }), // cert_grade_mismatch
    personRow(good[2], '赵强'),
  ]

  it('--strict with one bad row exits 3 and writes no batch, entries or rejected rows', () => {
    const file = join(dir, '花名册.csv')
    writeCsv(file, rowsWithOneBad(), { encoding: 'utf8', eol: '\r\n' })
    const r = cli('roster', 'import', file, '--period', '2026-10', '--strict', '--json')
    expect(r.code).toBe(3)
    expect(r.json().error).toMatchObject({ code: 'ROSTER_REJECTED_STRICT', details: { rejected: [{ row: 4, code: 'cert_grade_mismatch' }] } })
    expect(countRows(db)).toEqual({ entries: 0, rejected: 0, batches: 0 })
  })

  it('--dry-run reports what the import then does, and writes nothing', () => {
    const file = join(dir, '花名册.csv')
    writeCsv(file, rowsWithOneBad(), { encoding: 'utf8', eol: '\r\n' })
    const dry = cli('roster', 'import', file, '--period', '2026-10', '--dry-run', '--json')
    expect(dry.code).toBe(0)
    expect(dry.json()).toMatchObject({ dryRun: true, batch: null })
    expect(countRows(db)).toEqual({ entries: 0, rejected: 0, batches: 0 })

    const real = cli('roster', 'import', file, '--period', '2026-10', '--json').json()
    expect(real).toMatchObject({ dryRun: false, batch: 1 })
    const { rows, rejected, warnings } = dry.json()
    expect({ rows, rejected, warnings }).toEqual({ rows: real.rows, rejected: real.rejected, warnings: real.warnings })
    expect(rows).toEqual({ total: 4, accepted: 3, rejected: 1, skipped: 0 })
    expect(countRows(db)).toEqual({ entries: 3, rejected: 1, batches: 1 })
  })

  it('the same bytes again, under any name, change nothing; for another period they are a conflict unless --force', () => {
    const file = join(dir, '十月.csv')
    writeCsv(file, rowsWithOneBad(), { encoding: 'utf8', eol: '\r\n' })
    expect(cli('roster', 'import', file, '--period', '2026-10', '--json').code).toBe(0)
    const after = countRows(db)

    const again = cli('roster', 'import', file, '--period', '2026-10', '--json')
    expect(again.code).toBe(0)
    expect(again.json()).toMatchObject({ alreadyImported: true, batch: 1, rows: { accepted: 3, rejected: 1 } })
    const renamed = join(dir, '十月 - 副本.csv')
    copyFileSync(file, renamed)
    expect(cli('roster', 'import', renamed, '--period', '2026-10', '--json').json()).toMatchObject({ alreadyImported: true, batch: 1, file: '十月 - 副本.csv' })
    expect(countRows(db)).toEqual(after)

    const otherMonth = cli('roster', 'import', file, '--period', '2026-11', '--json')
    expect(otherMonth.code).toBe(5)
    expect(otherMonth.json().error).toMatchObject({ code: 'ROSTER_SAME_FILE_OTHER_PERIOD', message: expect.stringContaining('2026-10') })
    expect(countRows(db)).toEqual(after)

    const forced = cli('roster', 'import', file, '--period', '2026-11', '--force', '--json')
    expect(forced.code).toBe(0)
    expect(forced.json()).toMatchObject({ batch: 2, period: '2026-11', alreadyImported: false, rows: { accepted: 3 } })
    expect(countRows(db)).toEqual({ entries: 6, rejected: 2, batches: 2 })
  })

  it('rejects --out --reveal gives the original columns and 错误原因; re-importing the fixed file adds exactly the fixed row', async () => {
    const missingName = weiningId('19551111', 331)
    const file = join(dir, '十月.xlsx')
    await writeXlsx(file, [{ name: '花名册', rows: [TITLE, ...rowsWithOneBad(), personRow(missingName, '')] }])
    const first = cli('roster', 'import', file, '--period', '2026-10', '--json').json()
    expect(first.rows).toMatchObject({ accepted: 3, rejected: 2 })

    // Without --reveal, IDs are masked on screen, in JSON and in the file.
    const masked = cli('roster', 'rejects', '--batch', '1', '--out', join(dir, '打码.csv'), '--json').json()
    const idColumn = HEADERS.indexOf('身份证号')
    expect(masked.rows.map((r: { row: number; cells: string[] }) => [r.row, r.cells[idColumn]])).toEqual([
      [5, `${bad.slice(0, 6)}********${bad.slice(-4)}`],
      [7, `${missingName.slice(0, 6)}********${missingName.slice(-4)}`],
    ])
    const maskedFile = await readRows(join(dir, '打码.csv'))
    expect(maskedFile.slice(1).map((r) => r[idColumn])).toEqual([expect.stringMatching(MASKED_ID), expect.stringMatching(MASKED_ID)])

    const out = join(dir, '退回行.xlsx')
    const rejects = cli('roster', 'rejects', '--batch', '1', '--out', out, '--reveal')
    expect(rejects.code).toBe(0)
    const [header, ...rows] = await readRows(out)
    expect(header).toEqual([...HEADERS, '错误原因', '原行号'])
    expect(rows.map((r) => r.slice(0, HEADERS.length))).toEqual([personRow(bad, '张三', { 残疾人证号: `${bad}43` }), personRow(missingName, '')])
    expect(rows.map((r) => r[HEADERS.length])).toEqual([
      expect.stringContaining('第 5 行「残疾人证号」'),
      expect.stringContaining('第 7 行「姓名」'),
    ])

    // The clerk fills in the missing name and saves the file again.
    rows[1][HEADERS.indexOf('姓名')] = '刘桂英'
    await writeXlsx(out, [{ name: '退回行', rows: [header, ...rows] }])
    const before = countRows(db)
    const again = cli('roster', 'import', out, '--period', '2026-10', '--json')
    expect(again.code).toBe(0)
    expect(again.json()).toMatchObject({ batch: 2, rows: { accepted: 1, rejected: 1 }, unknownColumns: ['错误原因', '原行号'] })
    expect(countRows(db)).toEqual({ entries: before.entries + 1, rejected: before.rejected + 1, batches: 2 })
    const added = readDb(db, (d) => d.prepare('SELECT id_number, name FROM roster_entries WHERE batch_id = 2').all())
    expect(added).toEqual([{ id_number: missingName, name: '刘桂英' }])
  })

  it('a killed import of a large file leaves the database as it was before', async () => {
    const small = join(dir, '十月.csv')
    writeCsv(small, rowsWithOneBad(), { encoding: 'utf8', eol: '\r\n' })
    expect(cli('roster', 'import', small, '--period', '2026-10', '--json').code).toBe(0)
    const before = countRows(db)

    const big = join(dir, '十一月.csv')
    const gen = spawnSync(process.execPath, ['bench/gen-roster.js', '--rows', '150000', '--county', '520526', '--period', '2026-10', '--seed', '3', '--out', big], { cwd: ROOT, encoding: 'utf8' })
    expect(gen.status, gen.stderr).toBe(0)

    const child = spawn(process.execPath, [BIN, 'roster', 'import', big, '--period', '2026-11', '--db', db, '--json'], { cwd: ROOT, stdio: 'ignore' })
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    // Bounded wait: until the import has been inside its write transaction for 200 ms (or has
    // spilled pages into the WAL), at most 5 s. SQLite keeps this transaction in the page cache,
    // so the -wal file alone only grows at COMMIT, too late to tell.
    const probe = writeLockProbe(db)
    const wal = `${db}-wal`
    const started = Date.now()
    let lockedAt: number | null = null
    try {
      while (Date.now() - started < 5000) {
        if (lockedAt === null && probe.held()) lockedAt = Date.now()
        if (lockedAt !== null && (Date.now() - lockedAt >= 200 || (existsSync(wal) && statSync(wal).size > 1 << 20))) break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    } finally {
      child.kill('SIGKILL')
      probe.close()
    }
    expect(lockedAt, 'the import never started its transaction').not.toBeNull()
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' })

    const verify = cli('db', 'verify', '--json')
    expect(verify.code).toBe(0)
    expect(verify.json()).toMatchObject({ ok: true, integrity: ['ok'] })
    expect(countRows(db)).toEqual(before)
    expect(readDb(db, (d) => d.prepare("SELECT count(*) AS n FROM import_batches WHERE period = '2026-11'").get())).toEqual({ n: 0 })
  }, 30_000)
})

describe('usage and file errors', () => {
  it('a period that is not a month exits 2 with a Chinese message', () => {
    const file = join(dir, '花名册.csv')
    writeCsv(file, [[...HEADERS], personRow(weiningId('19650312', 231), '李明')], { encoding: 'utf8', eol: '\n' })
    const r = cli('roster', 'import', file, '--period', '2026-13')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('错误：期别「2026-13」格式不对，应为 年-月，如 2026-10')
    expect(cli('roster', 'import', file, '--period', '2026-13', '--json').json().error.code).toBe('PERIOD_INVALID')
    expect(countRows(db)).toEqual({ entries: 0, rejected: 0, batches: 0 })
  })

  it('without a 身份证号 column exits 3 naming it; --map 证件号=idNumber imports, and next month remembers the mapping', () => {
    const headers = ['姓名', '性别', '证件号', '残疾类别', '残疾等级', '县区', '乡镇']
    const october = join(dir, '十月.csv')
    const november = join(dir, '十一月.csv')
    const a = weiningId('19650312', 231)
    const b = weiningId('19781105', 442)
    writeCsv(october, [headers, ['李明', '男', a, '肢体', '2', '威宁县', '草海镇']], { encoding: 'utf8', eol: '\r\n' })
    writeCsv(november, [headers, ['李明', '男', a, '肢体', '2', '威宁县', '草海镇'], ['王芳', '女', b, '视力', '3', '威宁县', '草海镇']], { encoding: 'utf8', eol: '\r\n' })

    const missing = cli('roster', 'import', october, '--period', '2026-10', '--json')
    expect(missing.code).toBe(3)
    expect(missing.json().error).toMatchObject({
      code: 'ROSTER_HEADER_NOT_FOUND', message: expect.stringContaining('找不到「身份证号」列'), details: { missing: ['idNumber'] },
    })
    expect(countRows(db)).toEqual({ entries: 0, rejected: 0, batches: 0 })

    const mapped = cli('roster', 'import', october, '--period', '2026-10', '--map', '证件号=idNumber', '--json')
    expect(mapped.code).toBe(0)
    expect(mapped.json()).toMatchObject({ rows: { accepted: 1, rejected: 0 }, mapping: { 证件号: 'idNumber' } })

    const remembered = cli('roster', 'import', november, '--period', '2026-11', '--json')
    expect(remembered.code).toBe(0)
    expect(remembered.json()).toMatchObject({ rows: { accepted: 2, rejected: 0 }, mapping: { 证件号: 'idNumber' } })
    expect(readDb(db, (d) => d.prepare("SELECT header, field FROM column_mappings WHERE kind = 'roster'").all())).toEqual([{ header: '证件号', field: 'idNumber' }])
  })

  it('a missing file and an old .xls file exit 7', () => {
    const none = cli('roster', 'import', join(dir, '没有这个文件.xlsx'), '--period', '2026-10', '--json')
    expect(none.code).toBe(7)
    expect(none.json().error.code).toBe('FILE_NOT_FOUND')

    const xls = join(dir, '花名册.xls')
    writeFileSync(xls, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]))
    const old = cli('roster', 'import', xls, '--period', '2026-10')
    expect(old.code).toBe(7)
    expect(old.stderr).toContain('是旧版 Excel 97-2003 (.xls) 文件')
    expect(old.stderr).toContain('另存为')
    expect(countRows(db)).toEqual({ entries: 0, rejected: 0, batches: 0 })
  })
})
