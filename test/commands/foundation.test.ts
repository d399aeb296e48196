import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli, tempDir } from '../support/cli.js'

describe('init, config, db and region commands', () => {
  let dir: string
  let cleanup: () => void
  let db: string
  beforeEach(() => {
    ;({ dir, cleanup } = tempDir())
    db = join(dir, '威宁 台账.db')
  })
  afterEach(() => cleanup())

  it('init without a TTY and without flags exits 2 naming --area, and creates nothing', () => {
    const r = runCli(['init', '--db', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('错误：非交互模式下必须提供 --area')
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
    expect(() => readFileSync(db)).toThrow()
  })

  it('init sets the area by short name and records the operator; a second init is a conflict', () => {
    const r = runCli(['init', '--area', '威宁县', '--operator', '张三', '--db', db, '--json'])
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({
      area: { code: '520526', name: '威宁彝族回族苗族自治县', level: 'county', orgName: '威宁彝族回族苗族自治县残疾人联合会', createdBy: '张三' },
      regionsLoaded: 1608,
    })
    const again = runCli(['init', '--area', '520526', '--db', db, '--json'])
    expect(again.code).toBe(5)
    expect(again.json().error.code).toBe('DB_ALREADY_INITIALISED')
  })

  it('--db pointing at a non-SQLite file exits 6 and leaves it byte-for-byte unchanged', () => {
    const file = join(dir, '花名册.xlsx')
    const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xe4, 0xb8, 0xad, 0x00, 0x01])
    writeFileSync(file, bytes)
    for (const args of [['init', '--area', '520526'], ['db', 'info'], ['config', 'list'], ['db', 'verify']]) {
      const r = runCli([...args, '--db', file])
      expect(r.code).toBe(6)
      expect(r.stderr).toContain('不是 SQLite 数据库文件')
    }
    expect(readFileSync(file).equals(bytes)).toBe(true)
  })

  it('config set/get/list round-trips through the database; CJFP_DB selects the file', () => {
    expect(runCli(['init', '--area', '520526', '--db', db]).code).toBe(0)
    const env = { CJFP_DB: db }
    expect(runCli(['config', 'set', 'org.name', '威宁县残联'], { env }).code).toBe(0)
    expect(runCli(['config', 'get', 'org.name'], { env }).stdout.trim()).toBe('威宁县残联')
    const list = runCli(['config', 'list', '--json'], { env }).json()
    expect(list.find((e: { key: string }) => e.key === 'org.name')).toMatchObject({ value: '威宁县残联', isDefault: false })
    const bad = runCli(['config', 'set', 'backup.keep', '很多', '--json'], { env })
    expect(bad.code).toBe(3)
    expect(bad.json().error.code).toBe('CONFIG_INVALID')
  })

  it('db backup, verify and info report on the file', () => {
    runCli(['init', '--area', '520526', '--db', db])
    const backup = runCli(['db', 'backup', '--db', db, '--json']).json()
    expect(backup.file).toContain(join(dir, 'cjfp-backups'))
    expect(readFileSync(backup.file).subarray(0, 15).toString()).toBe('SQLite format 3')
    const verify = runCli(['db', 'verify', '--db', db, '--json'])
    expect(verify.code).toBe(0)
    expect(verify.json()).toMatchObject({ ok: true, integrity: ['ok'] })
    const info = runCli(['db', 'info', '--db', db, '--json']).json()
    expect(info).toMatchObject({ schemaVersion: 2, area: { code: '520526' }, counts: { regions: 1608, audit_log: 1 } })
    const table = runCli(['db', 'info', '--db', db])
    expect(table.stdout).toContain('威宁彝族回族苗族自治县（520526）')
    expect(table.stdout).not.toContain('\u001b[')
  })

  it('commands other than init refuse a missing database with exit 6', () => {
    const r = runCli(['config', 'list', '--db', join(dir, 'none.db')])
    expect(r.code).toBe(6)
    expect(r.stderr).toContain('找不到数据库文件')
  })

  it('region show 520526 names 威宁 under 毕节市, reporting to the province', () => {
    const r = runCli(['region', 'show', '520526', '--json'], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({
      name: '威宁彝族回族苗族自治县',
      parent: { code: '5205', name: '毕节市' },
      reportsTo: { code: '52', name: '贵州省' },
      directToProvince: true,
    })
    const text = runCli(['region', 'show', '黔南州'], { cwd: dir }).stdout
    expect(text).toContain('黔南布依族苗族自治州')
  })

  it('region list shows the children and marks 省直管 counties', () => {
    const cities = runCli(['region', 'list', '--json'], { cwd: dir }).json()
    expect(cities).toHaveLength(9)
    const bijie = runCli(['region', 'list', '毕节市'], { cwd: dir }).stdout
    expect(bijie).toMatch(/威宁彝族回族苗族自治县.*省直管/)
    const missing = runCli(['region', 'show', '火星县'], { cwd: dir })
    expect(missing.code).toBe(4)
  })
})
