// The parts of a period scan (src/lib/period-scan.ts) on rows written straight into the tables, so that
// what the importers never write can be tried too: IDs that are not 18 characters (merged the slow way),
// a period whose rows are interleaved with another's, households split across the range, and numbers
// that do not fit the packed integer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ListPart, type PreviousPart, type RosterPart, type HouseholdPart, runScanTask, type ScanSpec, unpackPerson } from '../../src/lib/period-scan.js'
import { makeTestDb, type TestDb } from '../support/db.js'

let t: TestDb

beforeEach(() => {
  t = makeTestDb()
})
afterEach(() => t.close())

interface Row { period: string; id: string; hh?: string | null; grade?: number | null; size?: number | null; exit?: number | null; status?: string; village?: string }

function insert(rows: Row[]): number[] {
  const statement = t.db.prepare(`INSERT INTO roster_entries (period, id_number, batch_id, row_number, name, household_no, grade, household_size, exit_year,
      poverty_status, county_code, township_code, village_code, township_name, village_name, extra_json)
    VALUES (@period, @id, 0, 1, '某人', @hh, @grade, @size, @exit, @status, '520526', '520526001', @village, '海边街道', '某村', @extra)`)
  return rows.map((r) => Number(statement.run({
    period: r.period, id: r.id, hh: r.hh ?? null, grade: r.grade ?? null, size: r.size ?? null, exit: r.exit ?? null, status: r.status ?? '未脱贫',
    village: r.village ?? '520526001001', extra: JSON.stringify({ 辅具需求: r.grade === 1 ? '是' : '否' }),
  }).lastInsertRowid))
}

function list(code: string, period: string, ids: Array<[string, string | null]>): void {
  const statement = t.db.prepare('INSERT INTO benefit_records (batch_id, period, benefit_code, id_number, household_no) VALUES (0, ?, ?, ?, ?)')
  for (const [id, hh] of ids) statement.run(period, code, id, hh)
}

const spec = (lo: number, hi: number, more: Partial<ScanSpec> = {}): ScanSpec => ({
  period: '2026-11', lo, hi, previous: null, level: 'township', region: null, extraSql: `json_array(json_extract(extra_json, '$."辅具需求"'))`,
  year: 2026, month: 11, lists: [], pairingsOn: null, leavers: true, ...more,
})

describe('period scan parts', () => {
  it('reads each person of the period once, keyed by rowid offset, skipping the rows of another period in between', () => {
    t.db.pragma('foreign_keys = OFF')
    const ids = insert([
      { period: '2026-11', id: '520526198001010011', grade: 1, size: 300, exit: 2019, hh: 'A' },
      { period: '2026-10', id: '520526198001010011' },
      { period: '2026-11', id: '520526201512310022', grade: null, size: null, exit: null, status: '已脱贫', hh: 'A' },
    ])
    const part = runScanTask(t.db, spec(ids[0], ids[2]), { kind: 'roster', a: ids[0], b: ids[2] }) as RosterPart
    expect([...part.attrs].map((a) => (a < 0 ? null : JSON.parse(part.attrsVocab[a])[0]))).toEqual(['未脱贫', null, '已脱贫'])
    const one = unpackPerson(part.packed[0], { grade: null, category: null, householdSize: null, exitYear: null, age: 0 })
    // A household of 300 does not fit: it reads as the largest size that does, which every rule treats alike.
    expect(one).toEqual({ grade: 1, category: null, householdSize: 254, exitYear: 2019, age: 46 })
    const two = unpackPerson(part.packed[2], { grade: null, category: null, householdSize: null, exitYear: null, age: 0 })
    expect(two).toEqual({ grade: null, category: null, householdSize: null, exitYear: null, age: 10 })
    expect(part.extrasVocab.map((e) => (e === null ? null : JSON.parse(e)))).toEqual([['是'], ['否']])
    expect(JSON.parse(part.placeVocab[part.place[0]])).toEqual(['520526', '520526001', '520526001001', '海边街道', '某村'])

    const households = runScanTask(t.db, spec(ids[0], ids[2]), { kind: 'households' }) as HouseholdPart
    expect([...households.hhOf]).toEqual([0, -1, 0])
    expect([...households.size]).toEqual([2])
  })

  it('matches list IDs to the roster by merging, with 18-character IDs as numbers or any other IDs as text', () => {
    t.db.pragma('foreign_keys = OFF')
    const ids = insert([
      { period: '2026-11', id: '52052619800101001X' },
      { period: '2026-11', id: '520526198001010038' },
      { period: '2026-11', id: '520526198001010046' },
    ])
    list('medical_insurance', '2026-11', [['520526198001010038', null], ['52052619800101001X', null], ['110101199001010011', null]])
    const lists = [{ code: 'medical_insurance', bit: 4, periods: ['2026-11'], household: false, rosterOnly: true }]
    const numeric = runScanTask(t.db, spec(ids[0], ids[2], { lists }), { kind: 'lists' }) as ListPart
    expect([...numeric.mask]).toEqual([4, 4, 0])
    expect(numeric.offRoster).toEqual([{ id: '110101199001010011', bits: 4, last: null }])

    // An old 15-digit ID on both sides (never written by an import): merged as text, same outcome.
    const more = insert([{ period: '2026-11', id: '520526800101003' }])
    list('medical_insurance', '2026-11', [['520526800101003', null], ['52052680010100', null]])
    const text = runScanTask(t.db, spec(ids[0], more[0], { lists }), { kind: 'lists' }) as ListPart
    expect([...text.mask]).toEqual([4, 4, 0, 4])
    expect(text.offRoster.map((o) => o.id).sort()).toEqual(['110101199001010011', '52052680010100'])
  })

  it('finds who is new and who left since the previous period, and counts the previous period by region and status', () => {
    t.db.pragma('foreign_keys = OFF')
    const before = insert([
      { period: '2026-10', id: '520526198001010011', status: '已脱贫' },
      { period: '2026-10', id: '520526198001010038' },
    ])
    const now = insert([
      { period: '2026-11', id: '520526198001010011' },
      { period: '2026-11', id: '520526198001010046' },
    ])
    const part = runScanTask(t.db, spec(now[0], now[1], { previous: { period: '2026-10', lo: before[0], hi: before[1] } }), { kind: 'previous' }) as PreviousPart
    expect([...part.isNew]).toEqual([0, 1])
    expect(part.left).toEqual([['520526001', 1]])
    expect(part.counts.sort()).toEqual([['520526001', '已脱贫', 1], ['520526001', '未脱贫', 1]])
  })
})
