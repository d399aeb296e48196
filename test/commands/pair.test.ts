// pair import / assign / end / list / check / rejects, end to end: the real CLI on a real SQLite file
// whose roster is imported through the library (as createRosterDb sets up the area).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/lib/db.js'
import { importRoster } from '../../src/lib/roster.js'
import { tempDir } from '../support/cli.js'
import { writeCsv, writeXlsx } from '../support/files.js'
import { cliFor, createRosterDb, HEADERS, personRow, readDb, readRows, weiningId } from '../support/roster.js'

const H1 = '5205260010010001'
const H2 = '5205260010010002'
const H3 = '5205261000010003'
const wangFang = weiningId('19650312', 232)
const wangQiang = weiningId('19900101', 111)
const liMing = weiningId('19781105', 441)
const zhaoQiang = weiningId('19900720', 113)
const CAOHAI = { 乡镇: '草海镇', 村: '新华村' }

let dir: string
let cleanup: () => void
let db: string
let cli: ReturnType<typeof cliFor>
beforeEach(async () => {
  ;({ dir, cleanup } = tempDir())
  db = createRosterDb(dir)
  cli = cliFor(db)
  // H1 has two disabled members; H2 lives in 海边街道, H3 in 草海镇.
  const file = join(dir, 'roster.csv')
  writeCsv(file, [[...HEADERS], personRow(wangFang, '王芳', { 户编号: H1 }), personRow(wangQiang, '王强', { 户编号: H1 }),
    personRow(liMing, '李明', { 户编号: H2 }), personRow(zhaoQiang, '赵强', { 户编号: H3, ...CAOHAI })], { encoding: 'utf8', eol: '\n' })
  const { db: handle } = openDatabase(db, { mode: 'write' })
  try {
    await importRoster(handle, file, { period: '2026-10', operator: '测试员' })
  } finally {
    handle.close()
  }
})
afterEach(() => cleanup())

describe('pair import', () => {
  it('reads an .xlsx with a title row and header variants, keeps rejected rows with codes, and changes nothing on re-import', async () => {
    const file = join(dir, '结对帮扶名单.xlsx')
    await writeXlsx(file, [{
      name: '结对',
      merges: ['A1:I1'],
      rows: [
        ['威宁县残疾人贫困户结对帮扶花名册'],
        ['序号', '帮扶责任人', '帮扶单位', '手机', '政治面貌', '户号', '措施', '帮扶资金（元）', '结对时间'],
        [1, '陈明', '县残联', 13800001234, '中共党员', H1, '产业帮扶', '5,000', new Date(Date.UTC(2026, 2, 1))],
        [2, '吴兰', '草海镇政府', '139 0000 5678', '群众', H3, '就业帮扶', '0.5万', '2026年3月'],
        [3, '吴兰', '草海镇政府', '', '群众', '9999', '', '', ''],
        [4, '陈明', '县残联', 13800001234, '中共党员', H1, '再写一遍', '100', ''],
        [5, '', '县残联', '', '', H2, '', '1000元', ''],
      ],
    }])
    const r = cli('pair', 'import', file, '--json')
    expect(r.code).toBe(0)
    const out = r.json()
    expect(out).toMatchObject({
      batch: 2, period: '2026-10', format: 'xlsx', headerRow: 2, alreadyImported: false,
      rows: { total: 5, accepted: 2, rejected: 3, skipped: 0 }, helpers: { created: 2 }, pairings: { created: 2, updated: 0 },
      mapping: { 帮扶责任人: 'helperName', 帮扶单位: 'unit', 手机: 'phone', 政治面貌: 'partyMember', 户号: 'householdNo', 措施: 'measures', '帮扶资金（元）': 'funds', 结对时间: 'startDate' },
    })
    expect(out.rejected.map((p: { row: number; column: string; code: string }) => [p.row, p.column, p.code])).toEqual([
      [5, '户号', 'household_not_found'], [6, '帮扶责任人', 'duplicate_pairing'], [7, '帮扶责任人', 'missing_field'],
    ])
    expect(out.rejected[1].message).toContain('第 3 行已保留')
    const phoneFix = out.warnings.find((w: { field: string }) => w.field === 'phone')
    expect(phoneFix).toMatchObject({ row: 4, from: '*********5678', to: '139****5678' })
    expect(JSON.stringify(out)).not.toContain('13900005678')

    expect(readDb(db, (d) => d.prepare('SELECT h.name, h.phone, h.party_member, p.household_no, p.funds, p.start_date FROM pairings p JOIN helpers h ON h.id = p.helper_id ORDER BY p.id').all())).toEqual([
      { name: '陈明', phone: '13800001234', party_member: 1, household_no: H1, funds: 5000, start_date: '2026-03-01' },
      { name: '吴兰', phone: '13900005678', party_member: 0, household_no: H3, funds: 5000, start_date: '2026-03-01' },
    ])

    const again = cli('pair', 'import', file, '--json')
    expect(again.code).toBe(0)
    expect(again.json()).toMatchObject({ alreadyImported: true, batch: 2, rows: { accepted: 2, rejected: 3 } })
    expect(readDb(db, (d) => d.prepare("SELECT (SELECT count(*) FROM pairings) AS p, (SELECT count(*) FROM import_batches WHERE kind = 'pairing') AS b").get())).toEqual({ p: 2, b: 1 })

    const out2 = join(dir, '退回.xlsx')
    const rejects = cli('pair', 'rejects', '--batch', '2', '--out', out2, '--json')
    expect(rejects.code).toBe(0)
    const rows = await readRows(out2)
    expect(rows[0]).toEqual(['序号', '帮扶责任人', '帮扶单位', '手机', '政治面貌', '户号', '措施', '帮扶资金（元）', '结对时间', '错误原因', '原行号'])
    expect(rows[2][3]).toBe('138****1234')
    expect(rows.slice(1).map((row) => row.at(-1))).toEqual(['5', '6', '7'])
  })

  it('reads a GBK CSV and refuses the whole file under --strict (exit 3)', () => {
    const file = join(dir, '帮扶人.csv')
    writeCsv(file, [
      ['帮扶人姓名', '工作单位', '联系电话', '是否党员', '身份证号', '帮扶措施', '帮扶资金', '开始日期'],
      ['陈明', '县残联', '13800001234', '是', liMing, '产业帮扶', '5000元', '2026/3/1'],
      ['吴兰', '镇政府', '', '否', '520526199001011234', '产业帮扶', '5000', ''],
    ], { encoding: 'gbk', eol: '\r\n' })
    const strict = cli('pair', 'import', file, '--strict', '--json')
    expect(strict.code).toBe(3)
    expect(strict.json().error.code).toBe('PAIRING_REJECTED_STRICT')
    expect(readDb(db, (d) => d.prepare('SELECT count(*) AS n FROM pairings').get())).toEqual({ n: 0 })

    const r = cli('pair', 'import', file, '--json')
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ encoding: 'gb18030', rows: { accepted: 1, rejected: 1 }, rejected: [{ row: 3, column: '身份证号', code: expect.stringMatching(/^id_/) }] })
    expect(readDb(db, (d) => d.prepare('SELECT household_no, id_number FROM pairings').all())).toEqual([{ household_no: H2, id_number: liMing }])
  })
})

describe('pair check, assign, end and list', () => {
  it('reports totals and gaps by township, writes the workbook, and follows assign and end', async () => {
    const before = cli('pair', 'check', '--json')
    expect(before.code).toBe(0)
    expect(before.json()).toMatchObject({ period: '2026-10', total: { households: 3, withHelper: 0, complete: 0, rate: 0, gaps: 3 } })

    const assigned = cli('pair', 'assign', '--helper', '陈明', '--unit', '县残联', '--phone', '13800001234', '--party-member',
      '--id', wangQiang, '--measures', '产业帮扶', '--funds', '0.5万', '--start', '2026-03-01', '--json')
    expect(assigned.code).toBe(0)
    const item = assigned.json()
    expect(item).toMatchObject({ household: H1, phone: '138****1234', partyMember: true, funds: 5000, members: ['王芳', '王强'], township: '海边街道', active: true })
    expect(item.idNumber).not.toBe(wangQiang)
    expect(cli('pair', 'assign', '--helper', '吴兰', '--unit', '镇政府', '--household', H3, '--measures', '', '--funds', '0', '--json').code).toBe(2)
    expect(cli('pair', 'assign', '--helper', '吴兰', '--unit', '镇政府', '--household', H3, '--measures', '就业', '--funds', '0', '--json').code).toBe(0)
    expect(cli('pair', 'assign', '--helper', '陈明', '--unit', '县残联', '--phone', '13800001234', '--household', H1, '--measures', 'x', '--funds', '1', '--json').code).toBe(5)

    const check = cli('pair', 'check', '--json').json()
    expect(check.total).toEqual({ households: 3, withHelper: 2, withMeasures: 2, withFunds: 1, complete: 1, rate: 33.33, gaps: 2 })
    expect(check.townships.map((t: { township: string; households: number; complete: number; rate: number }) => [t.township, t.households, t.complete, t.rate]))
      .toEqual([['海边街道', 2, 1, 50], ['草海镇', 1, 0, 0]])
    expect(check.gaps.map((g: { household: string; township: string; missing: string[] }) => [g.household, g.township, g.missing]))
      .toEqual([[H2, '海边街道', ['helper', 'measures', 'funds']], [H3, '草海镇', ['funds']]])

    const xlsx = join(dir, 'gaps.xlsx')
    const written = cli('pair', 'check', '--township', '海边街道', '--out', xlsx, '--json')
    expect(written.code).toBe(0)
    expect(existsSync(xlsx)).toBe(true)
    expect((await readRows(xlsx, '按乡镇'))[1]).toEqual(['海边街道', '2', '1', '1', '1', '1', '1', '50'])
    expect((await readRows(xlsx, '缺口清单')).slice(1)).toEqual([['海边街道', '建设社区', H2, '李明', '帮扶人、帮扶措施、帮扶资金']])

    const table = cli('pair', 'list')
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('138****1234')
    expect(table.stdout).not.toContain('13800001234')
    expect(cli('pair', 'list', '--reveal', '--json').json()[0].phone).toBe('13800001234')
    expect(cli('pair', 'list', '--township', '草海镇', '--json').json().map((p: { helper: string }) => p.helper)).toEqual(['吴兰'])

    const ended = cli('pair', 'end', String(item.id), '--date', '2026-10-31', '--json')
    expect(ended.code).toBe(0)
    expect(ended.json()).toMatchObject({ id: item.id, endDate: '2026-10-31', active: false })
    expect(cli('pair', 'end', String(item.id), '--json').code).toBe(5)
    expect(cli('pair', 'end', '999', '--json').json().error.code).toBe('PAIRING_NOT_FOUND')
    expect(cli('pair', 'list', '--json').json()).toHaveLength(1)
    expect(cli('pair', 'list', '--all', '--json').json()).toHaveLength(2)
    expect(cli('pair', 'check', '--json').json().total).toMatchObject({ withHelper: 1, complete: 0 })
    expect(readDb(db, (d) => d.prepare("SELECT action FROM audit_log WHERE action LIKE 'pairing.%' ORDER BY id").all()))
      .toEqual([{ action: 'pairing.assign' }, { action: 'pairing.assign' }, { action: 'pairing.end' }])
  })
})
