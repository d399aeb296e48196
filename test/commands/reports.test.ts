// report progress / report assessment, end to end: two months of a small county imported through the
// CLI, a helpers list, two department lists, a task and a signed letter; every figure of the notice is
// checked against counts this file computes from its own fixture table.
import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../support/cli.js'
import { writeCsv, writeXlsx } from '../support/files.js'
import { cliFor, createRosterDb, HEADERS, personRow, readDb, readRows, weiningId } from '../support/roster.js'

type Town = '海边街道' | '五里岗街道' | '六桥街道'
interface Person {
  id: string
  name: string
  town: Town
  hh: string
  grade: number
  /** null: not on that month's roster. */
  oct: string | null
  nov: string | null
  device: '是' | '否'
  fitted: boolean
  care: boolean
  /** helper: has a helper; measures / funds recorded. */
  pairing: 'full' | 'nofunds' | 'none'
}

const TOWNS: Town[] = ['海边街道', '五里岗街道', '六桥街道']
const hh = (n: number) => `52052600100100${String(n).padStart(2, '0')}`
const P = (n: number, town: Town, household: number, grade: number, oct: string | null, nov: string | null, device: '是' | '否', fitted: boolean, care: boolean, pairing: Person['pairing']): Person => ({
  id: weiningId(`19${60 + n}0315`, 100 + n), name: `测试${'甲乙丙丁戊己庚辛壬癸'[n - 1]}`, town, hh: hh(household), grade, oct, nov, device, fitted, care, pairing,
})
const PEOPLE: Person[] = [
  P(1, '海边街道', 1, 1, '未脱贫', '已脱贫', '是', true, true, 'full'),
  P(2, '海边街道', 1, 2, '已脱贫', '已脱贫', '是', false, false, 'full'),
  P(3, '海边街道', 3, 3, '未脱贫', '未脱贫', '否', false, false, 'nofunds'),
  P(4, '海边街道', 4, 4, null, '未脱贫', '是', true, false, 'none'),
  P(5, '五里岗街道', 5, 3, '已脱贫', '返贫', '否', false, false, 'full'),
  P(6, '五里岗街道', 6, 4, '未脱贫', null, '否', false, false, 'none'),
  P(7, '五里岗街道', 7, 1, '已脱贫', '已脱贫', '是', true, false, 'full'),
  P(8, '六桥街道', 8, 2, '未脱贫', '已脱贫', '是', false, true, 'full'),
  P(9, '六桥街道', 9, 4, '未脱贫', '未脱贫', '否', false, false, 'none'),
  P(10, '六桥街道', 10, 3, '已脱贫', '已脱贫', '是', true, false, 'nofunds'),
]
const EXTRA = ['辅具需求']

function rosterRows(month: 'oct' | 'nov'): string[][] {
  return [[...HEADERS, ...EXTRA], ...PEOPLE.filter((p) => p[month]).map((p) => [
    ...personRow(p.id, p.name, { 乡镇: p.town, 村: '测试村', 户编号: p.hh, 残疾等级: String(p.grade), 残疾人证号: `${p.id}4${p.grade}`, 脱贫状态: p[month]! }),
    p.device,
  ])]
}

/** What the notice should say for a group of people, computed here from the fixture. */
function expected(people: Person[]) {
  const nov = people.filter((p) => p.nov)
  const oct = people.filter((p) => p.oct)
  const households = new Map<string, Person[]>()
  for (const p of nov) households.set(p.hh, [...(households.get(p.hh) ?? []), p])
  const complete = [...households.values()].filter((members) => members.some((m) => m.pairing === 'full')).length
  const needDevice = nov.filter((p) => p.device === '是')
  const severe = nov.filter((p) => p.grade <= 2)
  const exited = nov.filter((p) => p.nov === '已脱贫').length
  return {
    registered: nov.length,
    previous: oct.length,
    exited,
    returned: nov.filter((p) => p.nov === '返贫').length,
    exitRate: exited / nov.length,
    newThisPeriod: nov.filter((p) => !p.oct).length,
    leftThisPeriod: oct.filter((p) => !p.nov).length,
    households: households.size,
    pairingFullRate: complete / households.size,
    deviceRate: needDevice.length ? needDevice.filter((p) => p.fitted).length / needDevice.length : null,
    benefitEligible: needDevice.length + severe.length,
    benefitReceived: needDevice.filter((p) => p.fitted).length + severe.filter((p) => p.care).length,
  }
}

let dir: string
let cleanup: () => void
let cli: ReturnType<typeof cliFor>
let db: string
let letterId: number

beforeAll(async () => {
  ;({ dir, cleanup } = tempDir())
  db = createRosterDb(dir)
  cli = cliFor(db)
  const ok = (r: ReturnType<typeof cli>) => {
    expect(r.code, r.stderr + r.stdout).toBe(0)
    return r
  }
  await writeXlsx(join(dir, 'oct.xlsx'), [{ name: '花名册', rows: [['威宁县花名册（2026年10月）'], ...rosterRows('oct')] }])
  writeCsv(join(dir, 'nov.csv'), rosterRows('nov'), { encoding: 'gbk', eol: '\r\n' })
  ok(cli('roster', 'import', join(dir, 'oct.xlsx'), '--period', '2026-10', '--json'))
  ok(cli('roster', 'import', join(dir, 'nov.csv'), '--period', '2026-11', '--json'))

  const pairs = PEOPLE.filter((p) => p.nov && p.pairing !== 'none')
  writeCsv(join(dir, 'pairs.csv'), [['帮扶人姓名', '工作单位', '户编号', '帮扶措施', '帮扶资金'],
    ...pairs.map((p) => ['张帮扶', '县残联', p.hh, '产业帮扶', p.pairing === 'full' ? '3000' : ''])], { encoding: 'utf8', eol: '\n' })
  ok(cli('pair', 'import', join(dir, 'pairs.csv'), '--json'))

  const outsider = weiningId('19700101', 901, '520502')
  writeCsv(join(dir, 'device.csv'), [['姓名', '身份证号', '适配辅具'], ...PEOPLE.filter((p) => p.fitted).map((p) => [p.name, p.id, '轮椅']), ['外县人', outsider, '拐杖']],
    { encoding: 'utf8', eol: '\n' })
  // A one-off register from an earlier month still counts in November.
  ok(cli('benefit', 'import', join(dir, 'device.csv'), '--type', '辅助器具适配', '--period', '2026-09', '--json'))
  writeCsv(join(dir, 'care.csv'), [['姓名', '身份证号', '补贴金额'], ...PEOPLE.filter((p) => p.care).map((p) => [p.name, p.id, '100'])], { encoding: 'utf8', eol: '\n' })
  ok(cli('benefit', 'import', join(dir, 'care.csv'), '--type', '护理补贴', '--period', '2026-11', '--json'))

  ok(cli('task', 'assign', '--action', 'KA02', '--region', '海边街道', '--title', '测试任务', '--target', '10', '--target-unit', '户', '--deadline', '2026-06-30', '--json'))
  const letters = ok(cli('letter', 'generate', '--kind', 'responsibility', '--from', '威宁县', '--to', 'townships', '--out', join(dir, 'letters'), '--date', '2026-11-20', '--json')).json()
  letterId = letters.letters[0].id
  ok(cli('letter', 'sign', String(letterId), '--date', '2026-11-25', '--json'))
}, 120_000)
afterAll(() => cleanup())

describe('report progress', () => {
  it('gives every figure per township and in total, with the previous month', () => {
    const r = cli('report', 'progress', '--period', '2026-11', '--level', 'township', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    expect(out).toMatchObject({ period: '2026-11', previous: '2026-10', level: 'township' })
    expect(out.regions.map((g: { name: string }) => g.name)).toEqual(TOWNS)
    const check = (values: Record<string, number | null>, previous: Record<string, number | null>, people: Person[], extra: Record<string, number>) => {
      const e = expected(people)
      expect(values).toMatchObject({
        registered: e.registered, exited: e.exited, returned: e.returned, newThisPeriod: e.newThisPeriod, leftThisPeriod: e.leftThisPeriod,
        households: e.households, benefitEligible: e.benefitEligible, benefitReceived: e.benefitReceived, gaps: e.benefitEligible - e.benefitReceived, ...extra,
      })
      expect(values.exitRate).toBeCloseTo(e.exitRate, 10)
      expect(values.pairingFullRate).toBeCloseTo(e.pairingFullRate, 10)
      if (e.deviceRate === null) expect(values.deviceRate).toBeNull()
      else expect(values.deviceRate).toBeCloseTo(e.deviceRate, 10)
      expect(previous.registered).toBe(e.previous)
    }
    for (const region of out.regions) {
      const town = region.name as Town
      check(region.values, region.previous, PEOPLE.filter((p) => (p.nov ? p.town : p.town) === town),
        town === '海边街道' ? { tasks: 1, tasksOverdue: 1, lettersIssued: 1, lettersSigned: 1 } : { tasks: 0, lettersIssued: 0 })
    }
    check(out.total.values, out.total.previous, PEOPLE, { tasks: 1, tasksOverdue: 1, lettersIssued: 1, lettersSigned: 1 })
    expect(out.summary).toContain(`在册建档立卡贫困残疾人 ${expected(PEOPLE).registered} 人`)
  })

  it('gives the same figures when the period is read on worker threads (as a province is)', () => {
    const run = (threads: string, level: string) => {
      // Each run computes its figures: the kept ones would hide the reading.
      const handle = new Database(db)
      handle.exec('DELETE FROM report_cache')
      handle.close()
      const r = runCli(['report', 'progress', '--period', '2026-11', '--level', level, '--json', '--db', db, '--operator', '测试员'],
        { env: { CJFP_THREADS: threads, CJFP_PARALLEL_MIN_ROWS: '0' } })
      expect(r.code, r.stderr).toBe(0)
      return r.json()
    }
    for (const level of ['township', 'village']) {
      const single = run('1', level)
      expect(single.total.values.registered).toBe(expected(PEOPLE).registered)
      expect(run('3', level)).toEqual(single)
    }
  })

  it('prints the table in the terminal, marks figures below target, and notes the rules it could not check', () => {
    const r = cli('report', 'progress', '--period', '2026-11')
    expect(r.code, r.stderr).toBe(0)
    for (const town of TOWNS) expect(r.stdout).toContain(town)
    expect(r.stdout).toContain('全县合计')
    expect(r.stdout).toMatch(/\d+\.\d%▼/)
    expect(r.stderr).toContain('低保') // 生活补贴's rule needs a 低保 list, which was never imported
  })

  it('writes a PDF whose text holds every region and figure, and XLSX/CSV with all figures', async () => {
    const pdf = join(dir, '通报.pdf')
    const xlsx = join(dir, '通报.xlsx')
    const csv = join(dir, '通报.csv')
    const r = cli('report', 'progress', '--period', '2026-11', '--pdf', pdf, '--xlsx', xlsx, '--csv', csv, '--json')
    expect(r.code, r.stderr).toBe(0)
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    expect(text).toContain('助残脱贫工作进展情况通报')
    for (const town of TOWNS) {
      const e = expected(PEOPLE.filter((p) => p.town === town))
      const line = text.split('\n').find((l) => new RegExp(`^\\s*${town}\\s+\\d`).test(l))
      expect(line, town).toBeDefined()
      expect(line).toContain(`${(e.exitRate * 100).toFixed(1)}%`)
      expect(line).toMatch(new RegExp(`${town}\\s+${e.registered}\\b`))
    }
    const rows = await readRows(xlsx)
    expect(rows[0].slice(0, 3)).toEqual(['区划代码', '地区', '建档立卡贫困残疾人'])
    expect(rows.slice(1).map((row) => row[1])).toEqual([...TOWNS, '全县合计'])
    // The same cells either way (an .xlsx row simply stops at its last non-empty cell).
    const trim = (table: string[][]) => table.map((row) => row.join('\t').replace(/\t+$/, ''))
    expect(trim(await readRows(csv))).toEqual(trim(rows))
  })

  it('refuses a period without a roster, and a PDF path with the wrong extension', () => {
    const none = cli('report', 'progress', '--period', '2025-01', '--json')
    expect(none.code).not.toBe(0)
    expect(none.json().error.message).toContain('2025-01')
    const bad = cli('report', 'progress', '--pdf', join(dir, 'x.docx'))
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('.pdf')
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/)
  })
})

describe('report assessment', () => {
  it('scores each township by the scheme, ranks them, and saves the result on request', () => {
    const scheme = join(dir, '方案.json')
    writeFileSync(scheme, JSON.stringify({
      name: '测试方案',
      indicators: [
        { code: 'exit', name: '脱贫退出', metric: 'exitRate', weight: 60, target: 1 },
        { code: 'device', name: '辅具适配', metric: 'deviceRate', weight: 40, target: '80%' },
      ],
    }))
    const r = cli('report', 'assessment', '--scheme', scheme, '--period', '2026-11', '--save', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    const want = TOWNS.map((town) => {
      const e = expected(PEOPLE.filter((p) => p.town === town))
      const score = (x: number) => Math.round(x * 100) / 100
      return { town, total: score(60 * e.exitRate) + score(40 * Math.min((e.deviceRate ?? 0) / 0.8, 1)) }
    }).sort((a, b) => b.total - a.total)
    expect(out.regions.map((g: { name: string; total: number }) => [g.name, g.total])).toEqual(want.map((w) => [w.town, expect.closeTo(w.total, 6)]))
    expect(out.regions.map((g: { rank: number }) => g.rank)).toEqual([1, 2, 3])
    expect(readDb(db, (d) => (d.prepare("SELECT count(*) AS n FROM assessments WHERE scheme_name = '测试方案' AND period = '2026-11'").get() as { n: number }).n)).toBe(3)
  })

  it('runs the default scheme from templates/ and writes a PDF', () => {
    const pdf = join(dir, '考核.pdf')
    const r = cli('report', 'assessment', '--period', '2026-11', '--pdf', pdf, '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = r.json()
    expect(out.scheme.indicators.reduce((n: number, i: { weight: number }) => n + i.weight, 0)).toBe(100)
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' })
    for (const g of out.regions) expect(text).toContain(g.name)
  })

  it('names the file, the indicator and the reason for a bad scheme', () => {
    const bad = join(dir, '坏方案.json')
    writeFileSync(bad, JSON.stringify({ name: 'x', indicators: [{ code: 'exit', metric: 'exitRate', weight: 50, target: 1 }, { code: 'dev', metric: 'deviceRate', weight: 40, target: 0.8 }] }))
    const sum = cli('report', 'assessment', '--scheme', bad)
    expect(sum.code).toBe(3)
    expect(sum.stderr).toContain('坏方案.json')
    expect(sum.stderr).toContain('90')
    writeFileSync(bad, JSON.stringify({ name: 'x', indicators: [{ code: 'exit', metric: 'exitRate', weight: 50, target: 1 }, { code: 'foo', metric: 'fooRate', weight: 50, target: 0.8 }] }))
    const unknown = cli('report', 'assessment', '--scheme', bad)
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toMatch(/第 2 项指标.*foo/)
    expect(unknown.stderr).not.toMatch(/at .*\.js:\d+/)
    writeFileSync(bad, '{ "name": "x", "indicators": [ { "code": "a", } ] }')
    const syntax = cli('report', 'assessment', '--scheme', bad)
    expect(syntax.code).toBe(3)
    expect(syntax.stderr).toMatch(/第 1 行/)
  })
})

describe('figures kept between runs', () => {
  it('gives the same notice again, and a new one as soon as the data changes', () => {
    const first = cli('report', 'progress', '--period', '2026-11', '--level', 'township', '--json').json()
    const again = cli('report', 'progress', '--period', '2026-11', '--level', 'township', '--json').json()
    expect(again.regions).toEqual(first.regions)
    // 测试丁 (海边街道, grade 4) has no 护理补贴; a corrected list adds 测试乙 (grade 2), who was missing.
    const fixed = join(dir, 'care-fixed.csv')
    const care = PEOPLE.filter((p) => p.care || p.name === '测试乙')
    writeCsv(fixed, [['姓名', '身份证号', '补贴金额'], ...care.map((p) => [p.name, p.id, '100'])], { encoding: 'utf8', eol: '\n' })
    expect(cli('benefit', 'import', fixed, '--type', '护理补贴', '--period', '2026-11', '--replace', '--json').code).toBe(0)
    const after = cli('report', 'progress', '--period', '2026-11', '--level', 'township', '--json').json()
    const haibian = (out: { regions: Array<{ name: string; values: { benefitReceived: number } }> }) => out.regions.find((r) => r.name === '海边街道')!.values.benefitReceived
    expect(haibian(after)).toBe(haibian(first) + 1)
  })
})

describe('a database made before benefits existed', () => {
  it('is migrated to the benefit schema when a benefit command opens it, with a backup first', () => {
    const t = tempDir()
    try {
      const old = createRosterDb(t.dir, 'old.db')
      // Put the file back to schema 1, as the previous release left it.
      const raw = new Database(old)
      for (const { name } of raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all() as Array<{ name: string }>) raw.exec(`DROP TRIGGER ${name}`)
      raw.exec(`DROP INDEX benefit_records_code_period; DROP TABLE report_cache; DELETE FROM meta WHERE key = 'data_version';
        ALTER TABLE benefit_types DROP COLUMN recurring; ALTER TABLE benefit_types DROP COLUMN aliases_json; ALTER TABLE benefit_types DROP COLUMN created_at`)
      raw.pragma('user_version = 1')
      raw.close()
      const r = cliFor(old)('benefit', 'types', '--json')
      expect(r.code, r.stderr).toBe(0)
      const types = r.json() as Array<{ code: string; recurring: boolean; aliases: string[] }>
      expect(types).toHaveLength(20)
      expect(types.find((x) => x.code === 'assistive_device')).toMatchObject({ recurring: false })
      expect(types.find((x) => x.code === 'care_subsidy')?.aliases).toContain('护理补贴')
      expect(readDb(old, (d) => d.pragma('user_version', { simple: true }))).toBe(2)
      const backups = join(t.dir, 'cjfp-backups')
      expect(existsSync(backups) && readdirSync(backups).some((f) => f.includes('migrate-v1'))).toBe(true)
    } finally {
      t.cleanup()
    }
  })
})
