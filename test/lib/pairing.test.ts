import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/errors.js'
import {
  assignPairing, checkPairing, endPairing, importPairings, listPairings, pairingCoverage, parseDate, parseFunds, parsePartyMember,
  rejectedPairingRows,
} from '../../src/lib/pairing.js'
import { importRoster } from '../../src/lib/roster.js'
import { makeTestDb, type TestDb } from '../support/db.js'
import { writeCsv } from '../support/files.js'
import { HEADERS, personRow, weiningId } from '../support/roster.js'

const OP = '测试员'
const TODAY = new Date(2026, 10, 15)
const H1 = '5205260010010001'
const H2 = '5205260010010002'
const H3 = '5205261000010003'
const H4 = '5205261000010004'
const H6 = '5205261000010006'
const ids = {
  wangFang: weiningId('19650312', 232), wangQiang: weiningId('19900101', 111), liMing: weiningId('19781105', 441),
  zhaoQiang: weiningId('19900720', 113), zhangSan: weiningId('19700101', 121), liuLiu: weiningId('19800202', 131), sunQi: weiningId('19600303', 141),
}
const CAOHAI = { 乡镇: '草海镇', 村: '新华村' }

let t: TestDb
beforeEach(() => {
  t = makeTestDb('520526')
})
afterEach(() => t.close())

async function roster(period: string, rows: string[][]): Promise<void> {
  const file = join(t.dir, `roster-${period}.csv`)
  writeCsv(file, [[...HEADERS], ...rows], { encoding: 'utf8', eol: '\n' })
  await importRoster(t.db, file, { period, operator: OP })
}

/** Five households: H1 with two disabled members, H2, H3 and H4, and 刘六 whose roster row has no 户编号. */
const OCTOBER = () => [
  personRow(ids.wangFang, '王芳', { 户编号: H1 }), personRow(ids.wangQiang, '王强', { 户编号: H1 }),
  personRow(ids.liMing, '李明', { 户编号: H2 }),
  personRow(ids.zhaoQiang, '赵强', { 户编号: H3, ...CAOHAI }), personRow(ids.zhangSan, '张三', { 户编号: H4, ...CAOHAI }),
  personRow(ids.liuLiu, '刘六', { 户编号: '', ...CAOHAI }),
]

async function pairingFile(rows: string[][], name = 'pairs.csv'): Promise<string> {
  const file = join(t.dir, name)
  writeCsv(file, [['帮扶人姓名', '工作单位', '联系电话', '是否党员', '户编号', '身份证号', '帮扶措施', '帮扶资金', '开始日期'], ...rows], { encoding: 'utf8', eol: '\n' })
  return file
}

describe('value parsers', () => {
  it('reads funds as clerks write them, in yuan', () => {
    expect(parseFunds('5,000')).toBe(5000)
    expect(parseFunds('5000元')).toBe(5000)
    expect(parseFunds('0.5万')).toBe(5000)
    expect(parseFunds('１２００')).toBe(1200)
    expect(parseFunds('3', true)).toBe(30000)
    expect(parseFunds('')).toBeNull()
    expect(parseFunds('五千')).toBe('invalid')
    expect(parseFunds('-5')).toBe('invalid')
  })

  it('reads dates and party membership', () => {
    expect(parseDate('2026年3月5日')).toBe('2026-03-05')
    expect(parseDate('2026/3/5')).toBe('2026-03-05')
    expect(parseDate('2026年3月')).toBe('2026-03-01')
    expect(parseDate('20260305')).toBe('2026-03-05')
    expect(parseDate('2026-02-30')).toBe('invalid')
    expect(parsePartyMember('中共党员')).toBe(true)
    expect(parsePartyMember('群众')).toBe(false)
    expect(parsePartyMember('否')).toBe(false)
    expect(parsePartyMember('也许')).toBe('invalid')
  })
})

describe('importPairings', () => {
  it('maps households by 户编号 or a member 身份证号, upserts helpers and rejects bad rows with codes and row numbers', async () => {
    await roster('2026-10', OCTOBER())
    const file = await pairingFile([
      ['陈明', '县残联', '13800001234', '中共党员', H1, '', '产业帮扶', '5,000', '2026-03-01'],
      ['陈明', '县残联', '13800001234', '是', '', ids.liuLiu, '就业帮扶', '0.5万', '2026年3月'],
      ['吴兰', '草海镇政府', '', '群众', 'NOPE', '', '产业', '100', ''],
      ['吴兰', '草海镇政府', '', '群众', '', weiningId('19700101', 999).slice(0, 17) + '0', '产业', '100', ''],
      ['', '草海镇政府', '', '', H3, '', '', '', ''],
      ['吴兰', '草海镇政府', '', '党员吗', H3, '', '', '五千', '明天'],
      ['陈明', '县残联', '13800001234', '是', '', ids.wangQiang, '再次', '1', ''],
      ['吴兰', '草海镇政府', '', '', H3, '', '', '', ''],
    ])
    const r = await importPairings(t.db, file, { operator: OP, today: TODAY })
    expect(r).toMatchObject({
      batch: expect.any(Number), period: '2026-10', alreadyImported: false, headerRow: 1,
      rows: { total: 8, accepted: 3, rejected: 5, skipped: 0 }, helpers: { created: 2, updated: 0 }, pairings: { created: 3, updated: 0 },
    })
    const codes = r.rejected.map((p) => [p.row, p.column, p.code])
    expect(codes).toEqual([
      [4, '户编号', 'household_not_found'],
      [5, '身份证号', 'id_checksum'],
      [6, '帮扶人姓名', 'missing_field'],
      [7, '是否党员', 'invalid_value'],
      [7, '帮扶资金', 'invalid_value'],
      [7, '开始日期', 'invalid_value'],
      [8, '帮扶人姓名', 'duplicate_pairing'],
    ])
    expect(r.rejected[0].message).toBe('第 4 行「户编号」「NOPE」不在 2026-10 期花名册上')
    const pairs = t.db.prepare('SELECT household_no, funds, start_date FROM pairings ORDER BY id').all()
    expect(pairs).toEqual([
      { household_no: H1, funds: 5000, start_date: '2026-03-01' },
      { household_no: ids.liuLiu, funds: 5000, start_date: '2026-03-01' },
      { household_no: H3, funds: null, start_date: null },
    ])
    const rejects = rejectedPairingRows(t.db, r.batch!)
    expect(rejects.rows.map((x) => x.row)).toEqual([4, 5, 6, 7, 8])
    expect(rejects.rows[0].cells[4]).toBe('NOPE')
  })

  it('changes nothing for the same bytes twice, nothing on --dry-run, and nothing at all under --strict with a bad row', async () => {
    await roster('2026-10', OCTOBER())
    const good = await pairingFile([['陈明', '县残联', '', '', H1, '', '产业', '5000', '']], 'good.csv')
    const dry = await importPairings(t.db, good, { operator: OP, dryRun: true })
    expect(dry).toMatchObject({ batch: null, dryRun: true, rows: { accepted: 1 }, pairings: { created: 1 } })
    expect(t.db.prepare('SELECT count(*) AS n FROM pairings').get()).toEqual({ n: 0 })
    const first = await importPairings(t.db, good, { operator: OP })
    const again = await importPairings(t.db, good, { operator: OP })
    expect(again).toMatchObject({ alreadyImported: true, batch: first.batch, rows: { accepted: 1 } })
    expect(t.db.prepare('SELECT count(*) AS n FROM pairings').get()).toEqual({ n: 1 })

    const bad = await pairingFile([['吴兰', '镇政府', '', '', H2, '', '产业', '5000', ''], ['吴兰', '镇政府', '', '', 'NOPE', '', '', '', '']], 'bad.csv')
    const error = await importPairings(t.db, bad, { operator: OP, strict: true }).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.code).toBe('PAIRING_REJECTED_STRICT')
    expect(t.db.prepare("SELECT count(*) AS n FROM import_batches WHERE kind = 'pairing'").get()).toEqual({ n: 1 })
  })

  it('fails with the missing columns named when the header has no household column', async () => {
    await roster('2026-10', OCTOBER())
    const file = join(t.dir, 'nohh.csv')
    writeCsv(file, [['帮扶人', '单位', '措施'], ['陈明', '县残联', '产业']], { encoding: 'utf8', eol: '\n' })
    const error = await importPairings(t.db, file, { operator: OP }).catch((e) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.code).toBe('PAIRING_HEADER_NOT_FOUND')
    expect(error.message).toContain('「户编号」或「身份证号」')
  })
})

describe('checkPairing', () => {
  async function setUp(): Promise<void> {
    await roster('2026-10', OCTOBER())
    const file = await pairingFile([
      ['陈明', '县残联', '13800001234', '是', H1, '', '产业帮扶', '5000', '2026-03-01'],
      ['吴兰', '草海镇政府', '', '', H3, '', '', '3000', ''],
      ['吴兰', '草海镇政府', '', '', H4, '', '就业帮扶', '0', ''],
      ['吴兰', '草海镇政府', '', '', '', ids.liuLiu, '教育帮扶', '800', ''],
    ])
    await importPairings(t.db, file, { operator: OP, today: TODAY })
  }

  it('finds each kind of gap, counts a household with two disabled members once, and groups by township', async () => {
    await setUp()
    const check = checkPairing(t.db, { today: TODAY })
    expect(check.period).toBe('2026-10')
    expect(check.total).toEqual({ households: 5, withHelper: 4, withMeasures: 3, withFunds: 3, complete: 2, rate: 40, gaps: 3 })
    expect(check.townships).toEqual([
      { townshipCode: '520526001', township: '海边街道', households: 2, withHelper: 1, withMeasures: 1, withFunds: 1, complete: 1, rate: 50, gaps: 1 },
      { townshipCode: '520526100', township: '草海镇', households: 3, withHelper: 3, withMeasures: 2, withFunds: 2, complete: 1, rate: 33.33, gaps: 2 },
    ])
    expect(check.gaps.map((g) => [g.household, g.missing, g.members])).toEqual([
      [H2, ['helper', 'measures', 'funds'], ['李明']],
      [H3, ['measures'], ['赵强']],
      [H4, ['funds'], ['张三']],
    ])
    expect(check.gaps[1].missingText).toBe('帮扶措施')
    expect(check.stale).toEqual([])
    expect(checkPairing(t.db, { today: TODAY, township: '草海镇' }).total.households).toBe(3)
    expect(pairingCoverage(t.db, '2026-10', '520526001', { today: TODAY })).toEqual({
      households: 2, withHelper: 1, withMeasures: 1, withFunds: 1, complete: 1, rate: 50,
    })
    expect(pairingCoverage(t.db, '2026-10', '520526', { today: TODAY }).households).toBe(5)
  })

  it('stops counting an ended pairing, and lists an active pairing of a household no longer on the roster as stale', async () => {
    await roster('2026-09', [...OCTOBER(), personRow(ids.sunQi, '孙七', { 户编号: H6, ...CAOHAI })])
    const old = assignPairing(t.db, { helperName: '王五', unit: '县民政局', household: H6, measures: '危房改造', funds: '1万' }, { operator: OP, today: TODAY })
    const h2 = assignPairing(t.db, { helperName: '王五', unit: '县民政局', household: H2, measures: '产业', funds: 2000, start: '2026-01-01' }, { operator: OP, today: TODAY })
    expect(h2).toMatchObject({ household: H2, township: '海边街道', members: ['李明'], funds: 2000, active: true })
    expect(checkPairing(t.db, { today: TODAY }).gaps.map((g) => g.household)).not.toContain(H2)
    await roster('2026-10', OCTOBER())

    const ended = endPairing(t.db, h2.id, { date: '2026-11-01', operator: OP, today: TODAY })
    expect(ended).toMatchObject({ active: false, endDate: '2026-11-01' })
    const check = checkPairing(t.db, { today: TODAY })
    expect(check.gaps.find((g) => g.household === H2)?.missing).toEqual(['helper', 'measures', 'funds'])
    expect(check.stale).toEqual([{ id: old.id, helper: '王五', unit: '县民政局', household: H6, startDate: '2026-11-15' }])
    expect(listPairings(t.db, {}, { today: TODAY }).map((p) => [p.id, p.stale])).toEqual([[old.id, true]])
    expect(listPairings(t.db, { active: false }, { today: TODAY })).toHaveLength(2)

    const again = (() => { try { endPairing(t.db, h2.id, { operator: OP, today: TODAY }) } catch (e) { return e } })()
    expect(again).toBeInstanceOf(ConflictError)
  })

  it('refuses a second active pairing of the same helper and household, and an unknown household', async () => {
    await roster('2026-10', OCTOBER())
    const input = { helperName: '陈明', unit: '县残联', phone: '13800001234', idNumber: ids.wangQiang, measures: '产业', funds: '5000' }
    const made = assignPairing(t.db, input, { operator: OP, today: TODAY })
    expect(made).toMatchObject({ household: H1, phone: '138****1234', members: ['王芳', '王强'] })
    expect(() => assignPairing(t.db, { ...input, idNumber: undefined, household: H1 }, { operator: OP, today: TODAY })).toThrow(ConflictError)
    expect(() => assignPairing(t.db, { ...input, idNumber: undefined, household: 'NOPE' }, { operator: OP })).toThrow(NotFoundError)
    const audit = t.db.prepare("SELECT action, target FROM audit_log WHERE action LIKE 'pairing.%'").all()
    expect(audit).toEqual([{ action: 'pairing.assign', target: `pairing:${made.id}` }])
  })
})
