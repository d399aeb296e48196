// letter generate/list/sign/status end to end: the real CLI on a 威宁县 database.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliFor, readDb, useRosterDb } from '../support/roster.js'

const NOTO_TTC = '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc'

let dir: string
let db: string
let cli: ReturnType<typeof cliFor>
useRosterDb((t) => ({ dir, db, cli } = t))

const compact = (s: string): string => s.replace(/\s+/g, '')
const pdftotext = (file: string): string => compact(spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout)
const pageCount = (file: string): number => Number(/^Pages:\s+(\d+)/m.exec(spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout)?.[1])

/** A county task of 82 人, cascaded evenly to the 41 townships. */
function assignAndCascade(): number {
  const assigned = cli('task', 'assign', '--action', 'KA01', '--region', '威宁县', '--target', '82', '--target-unit', '人', '--deadline', '2020-12-31', '--title', '农村贫困残疾人实用技术培训', '--json')
  expect(assigned.code, assigned.stderr).toBe(0)
  const id = assigned.json().task.id as number
  const cascade = cli('task', 'cascade', String(id), '--to', 'townships', '--split', 'even', '--json')
  expect(cascade.code, cascade.stderr).toBe(0)
  return id
}

describe('letter generate', () => {
  it('writes one PDF per township whose text has both parties, the task and its target', () => {
    assignAndCascade()
    const out = join(dir, '责任状')
    const r = cli('letter', 'generate', '--kind', 'responsibility', '--from', '威宁县', '--to', 'townships', '--out', out, '--date', '2017-03-15', '--json')
    expect(r.code, r.stderr).toBe(0)
    const result = r.json()
    expect(result).toMatchObject({ kind: 'responsibility', template: 'responsibility.json', combined: false, skipped: [] })
    expect(result.letters).toHaveLength(41)
    expect(readdirSync(out).filter((f) => f.endsWith('.pdf'))).toHaveLength(41)
    const haibian = result.letters.find((l: { regionName: string }) => l.regionName === '海边街道')
    expect(haibian).toMatchObject({ recipient: '海边街道办事处', tasks: 1, pages: 2, file: join(out, '责任状-海边街道.pdf') })
    const text = pdftotext(haibian.file)
    for (const part of ['海边街道2017年度', '残疾人脱贫攻坚目标责任状', '威宁彝族回族苗族自治县残疾人联合会', '海边街道办事处', '农村贫困残疾人实用技术培训', '≥2人', '2020年12月31日', '2017年3月15日']) {
      expect(text).toContain(part)
    }
    const rows = readDb(db, (d) => d.prepare("SELECT count(*) AS n, count(DISTINCT sha256) AS files FROM letters WHERE kind = 'responsibility'").get())
    expect(rows).toEqual({ n: 41, files: 41 })
  })

  it('--combined gives one PDF with every letter, page numbers restarting', () => {
    assignAndCascade()
    const r = cli('letter', 'generate', '--kind', 'responsibility', '--to', 'townships', '--out', dir, '--combined', '--date', '2017-03-15', '--json')
    expect(r.code, r.stderr).toBe(0)
    const { files, letters } = r.json()
    expect(files).toHaveLength(1)
    expect(pageCount(files[0].file)).toBe(41 * 2)
    expect(letters.every((l: { pages: number }) => l.pages === 2)).toBe(true)
    const text = spawnSync('pdftotext', ['-f', '3', '-l', '3', files[0].file, '-'], { encoding: 'utf8' }).stdout
    expect(compact(text)).toContain('—1—')
  })

  it('a recipient with a character outside the font renders with the fallback or fails naming it', () => {
    assignAndCascade()
    expect(cli('unit', 'add', '𠮷利扶贫工作站', '--kind', 'other', '--region', '海边街道', '--json').code).toBe(0)
    // Two of 海边街道's three tasks fall to that unit, so it is the letter's 乙方.
    for (const action of ['KA02', 'KA04']) {
      const assigned = cli('task', 'assign', '--action', action, '--region', '海边街道', '--unit', '𠮷利扶贫工作站', '--target', '3', '--target-unit', '户', '--deadline', '2019-12-31', '--json')
      expect(assigned.code, assigned.stderr).toBe(0)
    }
    const r = cli('letter', 'generate', '--kind', 'responsibility', '--to', 'townships', '--out', dir, '--json')
    if (existsSync(NOTO_TTC)) {
      expect(r.code, r.stderr).toBe(0)
      const letter = r.json().letters.find((l: { regionName: string }) => l.regionName === '海边街道')
      expect(letter.recipient).toBe('𠮷利扶贫工作站')
      expect(pdftotext(letter.file)).toContain('𠮷利扶贫工作站')
    } else {
      expect(r.code).toBe(7)
      expect(r.json().error).toMatchObject({ code: 'FONT_MISSING_GLYPH', details: { character: '𠮷', recipient: '𠮷利扶贫工作站' } })
    }
  })

  it('a broken template fails with exit 3 naming file, line and placeholder; a missing one with exit 4', () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, '{\n  "kind": "responsibility",\n  "name": "x",\n  "title": "{{乙方单位}}责任状",\n  "body": ["x"],\n  "signatures": {}\n}\n')
    const r = cli('letter', 'generate', '--kind', 'responsibility', '--out', dir, '--template', file, '--json')
    expect(r.code).toBe(3)
    expect(r.json().error).toMatchObject({ code: 'TEMPLATE_INVALID', details: { file, line: 6 } })
    const bad = join(dir, 'bad2.json')
    writeFileSync(bad, '{\n  "kind": "responsibility",\n  "name": "x",\n  "title": "{{乙方单位}}责任状",\n  "body": ["x"],\n  "signatures": { "partyA": { "role": "甲方", "name": "{{甲方}}" }, "partyB": { "role": "乙方", "name": "{{乙方}}" } }\n}\n')
    const r2 = cli('letter', 'generate', '--kind', 'responsibility', '--out', dir, '--template', bad)
    expect(r2.code).toBe(3)
    expect(r2.stderr).toContain('bad2.json 第 4 行')
    expect(r2.stderr).toContain('{{乙方单位}}')
    expect(cli('letter', 'generate', '--kind', 'responsibility', '--out', dir, '--template', join(dir, 'none.json')).code).toBe(4)
  })
})

describe('letter list, sign and status', () => {
  it('lists the letters, signs one, and reports the unsigned ones older than N days', () => {
    assignAndCascade()
    expect(cli('letter', 'generate', '--kind', 'responsibility', '--to', 'townships', '--out', dir, '--date', '2017-03-15', '--json').code).toBe(0)
    const list = cli('letter', 'list', '--json').json() as Array<{ id: number; kind: string; recipient: string; signed: boolean; sha256: string; tasks: unknown[] }>
    expect(list).toHaveLength(41)
    expect(list[0]).toMatchObject({ kind: 'responsibility', kindName: '责任状', signed: false, signedAt: null, issuedAt: '2017-03-15', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const signed = cli('letter', 'sign', String(list[0].id), '--date', '2017-03-20', '--json')
    expect(signed.code, signed.stderr).toBe(0)
    expect(signed.json()).toMatchObject({ id: list[0].id, signedAt: '2017-03-20', signed: true })
    expect(cli('letter', 'sign', String(list[0].id), '--json').code).toBe(5)
    expect(cli('letter', 'sign', '99999', '--json').code).toBe(4)
    const status = cli('letter', 'status', '--days', '30', '--as-of', '2017-05-01', '--json').json()
    expect(status).toMatchObject({ asOf: '2017-05-01', unsignedAfterDays: 30, totals: { issued: 41, signed: 1, unsigned: 40, overdue: 40 } })
    expect(status.byKind).toEqual([expect.objectContaining({ kind: 'responsibility', issued: 41 })])
    expect(status.byRegion).toHaveLength(41)
    expect(cli('letter', 'list', '--unsigned', '--json').json()).toHaveLength(40)
  })
})
