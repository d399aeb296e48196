import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/lib/errors.js'
import { builtinRegions } from '../../src/lib/regions.js'
import { ROSTER_FIELDS, ROSTER_HEADERS } from '../../src/lib/roster-fields.js'
import {
  DISABILITY_CATEGORIES,
  type SampleOptions,
  type SamplePerson,
  describeChanges,
  idCheckChar,
  isValidIdNumber,
  rosterCells,
  sampleRows,
  samplePersons,
  sampleVillages,
  shiftPeriod,
} from '../../src/lib/sample.js'

const WEINING: SampleOptions = { countyCode: '520526', persons: 2000, seed: 1, firstPeriod: '2026-09' }
const col = (field: (typeof ROSTER_FIELDS)[number]) => ROSTER_FIELDS.indexOf(field)

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1
  return out
}

describe('idCheckChar', () => {
  it('computes the ISO 7064 MOD 11-2 check character, including X', () => {
    expect(idCheckChar('11010519491231002')).toBe('X') // the example printed in GB 11643
    expect(idCheckChar('44052418800101001')).toBe('4')
    expect(isValidIdNumber('11010519491231002X')).toBe(true)
    expect(isValidIdNumber('110105194912310021')).toBe(false)
    expect(isValidIdNumber('11010519490231002X'.slice(0, 17) + idCheckChar('11010519490231002'))).toBe(false) // 2月31日
  })
})

describe('sample roster content', () => {
  const { headers, rows, persons } = sampleRows(WEINING, '2026-09')

  it('is the same for the same seed and different for another seed', () => {
    expect(sampleRows(WEINING, '2026-09').rows).toEqual(rows)
    const other = sampleRows({ ...WEINING, seed: 2 }, '2026-09').rows
    expect(other).not.toEqual(rows)
    expect(other.filter((r, i) => rows[i] && r[col('idNumber')] === rows[i][col('idNumber')])).toHaveLength(0)
  })

  it('holds exactly the requested number of people in the first month', () => {
    expect(rows).toHaveLength(2000)
    expect([...samplePersons(WEINING, '2026-09')].map(rosterCells)).toEqual(rows)
  })

  it('writes the header row in ROSTER_FIELDS order, optionally after 序号', () => {
    expect(headers).toEqual(ROSTER_FIELDS.map((f) => ROSTER_HEADERS[f][0]))
    const serial = sampleRows({ ...WEINING, persons: 3 }, '2026-09', { serial: true })
    expect(serial.headers[0]).toBe('序号')
    expect(serial.rows.map((r) => r[0])).toEqual(['1', '2', '3'])
  })

  it('gives every person a unique ID with a valid check character and a birth date from 1940 to 2015', () => {
    const ids = persons.map((p) => p.idNumber)
    expect(new Set(ids).size).toBe(ids.length)
    for (const p of persons) {
      expect(isValidIdNumber(p.idNumber), p.idNumber).toBe(true)
      const year = Number(p.idNumber.slice(6, 10))
      expect(year).toBeGreaterThanOrEqual(1940)
      expect(year).toBeLessThanOrEqual(2015)
      expect(p.birthDate.replace(/-/g, '')).toBe(p.idNumber.slice(6, 14))
    }
    const endingX = ids.filter((id) => id.endsWith('X')).length
    expect(endingX).toBeGreaterThan(100) // about 1 in 11
    expect(endingX).toBeLessThan(300)
  })

  it('uses the county code for most IDs and older or neighbouring codes for about 15%', () => {
    const codes = countBy(persons, (p) => p.idNumber.slice(0, 6))
    const other = 2000 - codes['520526']
    expect(other).toBeGreaterThan(200)
    expect(other).toBeLessThan(400)
    expect(codes['522427']).toBeGreaterThan(100) // 威宁's code from the 毕节地区 era
    for (const code of Object.keys(codes)) expect(code === '522427' || code.startsWith('5205')).toBe(true)
  })

  it('takes 性别 from the 17th digit of the ID (odd is 男)', () => {
    for (const p of persons) expect(p.gender).toBe(Number(p.idNumber[16]) % 2 === 1 ? '男' : '女')
    const men = persons.filter((p) => p.gender === '男').length
    expect(men).toBeGreaterThan(850)
    expect(men).toBeLessThan(1150)
  })

  it('builds each certificate from the ID, the category digit and the grade digit', () => {
    for (const [i, p] of persons.entries()) {
      expect(p.certNumber).toBe(p.idNumber + (DISABILITY_CATEGORIES.indexOf(p.category) + 1) + p.grade)
      expect(rows[i][col('category')]).toBe(p.category)
      expect(rows[i][col('grade')]).toBe(String(p.grade))
    }
  })

  it('mixes categories with 肢体 most common and grades with 3 and 4 most common', () => {
    const categories = countBy(persons, (p) => p.category)
    const order = Object.entries(categories).sort((a, b) => b[1] - a[1]).map(([c]) => c)
    expect(order[0]).toBe('肢体')
    expect(order.slice(1, 3)).toContain('视力')
    expect(Object.keys(categories).sort()).toEqual([...DISABILITY_CATEGORIES].sort())
    const grades = countBy(persons, (p) => String(p.grade))
    expect(grades['3'] + grades['4']).toBeGreaterThan(grades['1'] + grades['2'])
    expect(grades['1']).toBeGreaterThan(0)
  })

  it('places people in real 威宁 townships and stable villages numbered under them', () => {
    const townships = new Map(builtinRegions().children('520526').map((r) => [r.code, r.name]))
    expect(townships.size).toBe(41)
    for (const p of persons) {
      expect(p.countyName).toBe('威宁彝族回族苗族自治县')
      expect(townships.get(p.townshipCode)).toBe(p.townshipName)
      expect(p.villageCode).toMatch(new RegExp(`^${p.townshipCode}0\\d\\d$`))
      expect(p.villageName).toMatch(/(村|社区)$/)
    }
    expect(new Set(persons.map((p) => p.townshipCode)).size).toBe(41)
    const caohai = builtinRegions().get('520526100')!
    expect(sampleVillages(caohai)).toEqual(sampleVillages({ ...caohai }))
    expect(sampleVillages(caohai)[0].code).toBe('520526100001')
  })

  it('groups people into households of 1–6 that share village, size, cause and phone', () => {
    const households = new Map<string, SamplePerson[]>()
    for (const p of persons) households.set(p.householdNo, [...(households.get(p.householdNo) ?? []), p])
    const withSeveral = [...households.values()].filter((members) => members.length > 1)
    expect(withSeveral.length).toBeGreaterThan(100)
    for (const [no, members] of households) {
      expect(no).toMatch(new RegExp(`^${members[0].villageCode}\\d{4}$`))
      expect(members[0].householdSize).toBeGreaterThanOrEqual(members.length)
      expect(members[0].householdSize).toBeLessThanOrEqual(6)
      expect(members.filter((m) => m.relation === '户主').length).toBeLessThanOrEqual(1)
      for (const m of members) {
        expect([m.villageCode, m.householdSize, m.povertyCause, m.phone, m.povertyStatus]).toEqual([
          members[0].villageCode, members[0].householdSize, members[0].povertyCause, members[0].phone, members[0].povertyStatus,
        ])
      }
    }
    // Household members are adjacent in the file.
    const order = persons.map((p) => p.householdNo).filter((no, i, all) => i === 0 || all[i - 1] !== no)
    expect(new Set(order).size).toBe(order.length)
  })

  it('fills phones with 11-digit mobiles for most people and leaves some blank', () => {
    const blank = persons.filter((p) => p.phone === '').length
    expect(blank).toBeGreaterThan(100)
    expect(blank).toBeLessThan(400)
    for (const p of persons) if (p.phone) expect(p.phone).toMatch(/^1[3-9]\d{9}$/)
  })

  it('matches 脱贫状态 to the period', () => {
    const early = [...samplePersons({ ...WEINING, firstPeriod: '2015-06' }, '2015-06')]
    expect(new Set(early.map((p) => p.povertyStatus))).toEqual(new Set(['未脱贫']))
    const statuses = countBy(persons, (p) => p.povertyStatus)
    expect(statuses['已脱贫']).toBeGreaterThan(1800)
    expect(statuses['未脱贫']).toBeGreaterThan(0)
    expect(statuses['返贫']).toBeGreaterThan(0)
    expect((statuses['脱贫不稳定户'] ?? 0) + (statuses['边缘易致贫户'] ?? 0)).toBeLessThan(100)
    for (const p of persons) {
      if (p.povertyStatus === '已脱贫') expect(p.exitYear).toBeGreaterThanOrEqual(2016)
      if (p.povertyStatus === '未脱贫') expect(p.exitYear).toBeNull()
    }
    const exitYears = countBy(persons.filter((p) => p.exitYear !== null), (p) => String(p.exitYear))
    expect(Object.keys(exitYears).sort()).toEqual(['2016', '2017', '2018', '2019', '2020'])
  })

  it('rejects a county outside Guizhou, a bad period and a month before the first', () => {
    expect(() => sampleRows({ ...WEINING, countyCode: '110105' }, '2026-09')).toThrow(UsageError)
    expect(() => sampleRows(WEINING, '2026-13')).toThrow(expect.objectContaining({ code: 'PERIOD_INVALID' }))
    expect(() => sampleRows(WEINING, '2026-08')).toThrow(expect.objectContaining({ code: 'PERIOD_BEFORE_FIRST' }))
  })

  it('keeps IDs apart between counties generated with the same seed', () => {
    const ids = new Set([...samplePersons(WEINING, '2026-09')].map((p) => p.idNumber))
    for (const countyCode of ['520525', '520527']) {
      for (const p of samplePersons({ ...WEINING, countyCode, persons: 3000 }, '2026-09')) expect(ids.has(p.idNumber)).toBe(false)
    }
  })
})

describe('month-to-month evolution', () => {
  const options: SampleOptions = { ...WEINING, persons: 20_000 }
  const first = [...samplePersons(options, '2026-09')]
  const second = [...samplePersons(options, '2026-10')]
  const changes = describeChanges(options, '2026-09', '2026-10')
  const byId = (list: SamplePerson[]) => new Map(list.map((p) => [p.idNumber, p]))
  const before = byId(first)
  const after = byId(second)

  it('adds 1–2% new people, removes about 0.5% and moves about 0.3% out', () => {
    const { counts } = changes
    expect(counts.new).toBeGreaterThanOrEqual(200)
    expect(counts.new).toBeLessThanOrEqual(400)
    expect(counts.removed).toBeGreaterThan(50)
    expect(counts.removed).toBeLessThan(160)
    expect(counts.moved).toBeGreaterThan(25)
    expect(counts.moved).toBeLessThan(110)
    expect(counts.exited + counts.returned).toBeGreaterThan(0)
    expect(counts.phone).toBeGreaterThan(0)
    expect(counts.householdSize).toBeGreaterThan(0)
    expect(counts.grade).toBeGreaterThan(0)
    expect(second.length).toBe(first.length + counts.new - counts.removed)
  })

  it('tags each row of the next month with the same changes describeChanges counts', () => {
    for (const kind of ['new', 'moved', 'exited', 'returned', 'status', 'grade', 'phone', 'householdSize'] as const) {
      const tagged = second.filter((p) => p.changes.includes(kind)).map((p) => p.idNumber)
      expect(tagged.sort(), kind).toEqual([...changes.ids[kind]].sort())
    }
    for (const id of changes.ids.removed) expect(after.has(id)).toBe(false)
    for (const id of changes.ids.new) expect(before.has(id)).toBe(false)
  })

  it('writes a moved person once more under another Guizhou county, then drops them', () => {
    const guizhou = new Set(builtinRegions().all().filter((r) => r.level === 'county' && r.code.startsWith('52')).map((r) => r.name))
    for (const id of changes.ids.moved) {
      const p = after.get(id)!
      expect(p.countyName).not.toBe('威宁彝族回族苗族自治县')
      expect(guizhou.has(p.countyName)).toBe(true)
      expect(builtinRegions().get(p.townshipCode)?.parentCode).toBe(p.countyCode)
    }
    const third = byId([...samplePersons(options, '2026-11')])
    for (const id of changes.ids.moved) expect(third.has(id)).toBe(false)
    expect(describeChanges(options, '2026-09', '2026-11').ids.moved).toEqual(expect.arrayContaining(changes.ids.moved))
  })

  it('changes only what it reports', () => {
    const reported = { status: ['exited', 'returned', 'status'], grade: ['grade'], phone: ['phone'], householdSize: ['householdSize'] }
    for (const p of second) {
      const was = before.get(p.idNumber)
      if (!was || p.changes.includes('moved')) continue
      const { changes: _a, ...now } = p
      const { changes: _b, ...then } = was
      const differs = (Object.keys(now) as Array<keyof typeof now>).filter((k) => now[k] !== then[k])
      for (const field of differs) {
        const kinds = field === 'povertyStatus' || field === 'exitYear' ? reported.status : field === 'certNumber' ? reported.grade : reported[field as keyof typeof reported]
        expect(kinds, `${p.idNumber} ${field}`).toBeDefined()
        expect(p.changes.some((c) => kinds.includes(c)), `${p.idNumber} ${field}`).toBe(true)
      }
    }
  })

  it('moves 未脱贫 people to 已脱贫 with the exit year of the month', () => {
    for (const id of changes.ids.exited) {
      expect(before.get(id)!.povertyStatus).not.toBe('已脱贫')
      expect(after.get(id)!.povertyStatus).toBe('已脱贫')
      expect(after.get(id)!.exitYear).not.toBeNull()
    }
    for (const id of changes.ids.returned) expect(after.get(id)!.povertyStatus).toBe('返贫')
    expect(shiftPeriod('2026-12', 1)).toBe('2027-01')
  })
})

describe('injected defects', () => {
  const ALL_CODES = [
    'id_checksum', 'id_scientific_notation', 'id_excel_truncated', 'duplicate_id', 'missing_field', 'cert_id_mismatch',
    'cert_category_mismatch', 'county_mismatch', 'fullwidth', 'lowercase_x', 'trimmed', 'grade_normalized',
    'category_normalized', 'gender_from_id', 'formula_text',
  ]

  for (const period of ['2026-09', '2026-10']) {
    it(`puts each defect exactly on the row it reports (${period})`, () => {
      const sample = sampleRows(WEINING, period, { defects: true })
      const clean = sampleRows(WEINING, period)
      expect(sample.rows.length).toBe(clean.rows.length + 1) // the repeated row is inserted
      expect(new Set(sample.defects.map((d) => d.code))).toEqual(new Set(ALL_CODES))
      expect(sample.defects.filter((d) => d.code === 'duplicate_id')).toHaveLength(2)
      expect(sample.defects.filter((d) => d.code === 'grade_normalized').map((d) => sample.rows[d.index][col('grade')]).join(' '))
        .toMatch(/^[一二三四]级 [壹贰叁肆]级 [1-4]级$/)

      const defective = new Map(sample.defects.map((d) => [d.index, d]))
      const moved = new Set(sample.moved.map((m) => m.index))
      for (const [index, row] of sample.rows.entries()) {
        const p = sample.persons[index]
        const d = defective.get(index)
        const cell = (field: (typeof ROSTER_FIELDS)[number]) => row[col(field)]
        if (!d) {
          if (!moved.has(index)) expect(row).toEqual(rosterCells(p))
          continue
        }
        const id = cell('idNumber')
        switch (d.code) {
          case 'id_checksum':
            expect(id.slice(0, 17)).toBe(p.idNumber.slice(0, 17))
            expect(id[17]).not.toBe(idCheckChar(id))
            expect(cell('certNumber').slice(0, 18)).toBe(id)
            break
          case 'id_scientific_notation':
            expect(id).toMatch(/^5(\.\d{1,5})?E\+17$/)
            break
          case 'id_excel_truncated':
            expect(id).toBe(p.idNumber.slice(0, 15) + '000')
            expect(isValidIdNumber(id)).toBe(false)
            break
          case 'fullwidth':
            expect(id).toMatch(/^[０-９]{17}[０-９X]$/)
            expect(id.normalize('NFKC')).toBe(p.idNumber)
            break
          case 'lowercase_x':
            expect(id).toBe(p.idNumber.slice(0, 17) + 'x')
            break
          case 'trimmed':
            expect(cell('name')).not.toBe(p.name)
            expect(cell('name').trim()).toBe(p.name)
            break
          case 'grade_normalized':
            expect(cell('grade')).toMatch(new RegExp(`^(${p.grade}|${'一二三四'[p.grade - 1]}|${'壹贰叁肆'[p.grade - 1]})级$`))
            break
          case 'category_normalized':
            expect(cell('category')).toBe(`${p.category}残疾`)
            break
          case 'gender_from_id':
            expect(cell('gender')).not.toBe(p.gender)
            break
          case 'duplicate_id':
            expect(sample.rows.filter((r) => r[col('idNumber')] === p.idNumber)).toHaveLength(2)
            expect(row).toEqual(rosterCells(p))
            break
          case 'missing_field':
            expect(cell('name')).toBe('')
            break
          case 'cert_id_mismatch':
            expect(cell('certNumber').slice(0, 18)).not.toBe(p.idNumber)
            expect(isValidIdNumber(cell('certNumber').slice(0, 18))).toBe(true)
            break
          case 'cert_category_mismatch':
            expect(cell('certNumber').slice(0, 18)).toBe(p.idNumber)
            expect(cell('certNumber')[18]).not.toBe(String(DISABILITY_CATEGORIES.indexOf(p.category) + 1))
            break
          case 'county_mismatch':
            expect(cell('countyName')).not.toBe(p.countyName)
            expect(builtinRegions().matchName(cell('countyName'), '52')[0]?.level).toBe('county')
            break
          case 'formula_text':
            expect(cell('povertyCause')).toBe(`=${p.povertyCause}`)
            break
        }
        expect(d.severity).toBe(
          d.code === 'formula_text' ? 'info' : ['fullwidth', 'lowercase_x', 'trimmed', 'grade_normalized', 'category_normalized', 'gender_from_id'].includes(d.code) ? 'warning' : 'error',
        )
        expect(moved.has(index)).toBe(false)
      }
    })
  }

  it('reports the rows of people who moved out as another county', () => {
    const sample = sampleRows(WEINING, '2026-10', { defects: true })
    expect(sample.moved.length).toBeGreaterThan(0)
    for (const m of sample.moved) {
      expect(sample.rows[m.index][col('countyName')]).toBe(m.countyName)
      expect(sample.persons[m.index].changes).toEqual(['moved'])
    }
    expect(sampleRows(WEINING, '2026-09').moved).toEqual([])
  })
})
