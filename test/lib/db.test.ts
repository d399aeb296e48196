import Database from 'better-sqlite3'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { recordAudit } from '../../src/lib/audit.js'
import { backupFile, openDatabase, SCHEMA_VERSION, verifyDatabase } from '../../src/lib/db.js'
import { DatabaseError, FileError } from '../../src/lib/errors.js'
import { tempDir } from '../support/cli.js'

describe('openDatabase', () => {
  let cleanup = () => {}
  afterEach(() => cleanup())
  const dir = () => {
    const t = tempDir()
    cleanup = t.cleanup
    return t.dir
  }

  it('creates a migrated WAL database with foreign keys on', () => {
    const file = join(dir(), '新建 台账.db')
    const { db, created } = openDatabase(file, { mode: 'create' })
    expect(created).toBe(true)
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(verifyDatabase(db).ok).toBe(true)
    db.close()
  })

  it('refuses a missing file unless asked to create one', () => {
    expect(() => openDatabase(join(dir(), 'none.db'), { mode: 'write' })).toThrow(expect.objectContaining({ code: 'DB_NOT_FOUND' }))
  })

  it('leaves a file that is not SQLite byte-for-byte unchanged', () => {
    const file = join(dir(), 'roster.db')
    const bytes = Buffer.from('姓名,身份证号\n张三,1\n', 'utf8')
    writeFileSync(file, bytes)
    for (const mode of ['create', 'write', 'inspect'] as const) {
      expect(() => openDatabase(file, { mode })).toThrow(expect.objectContaining({ code: 'DB_NOT_SQLITE' }))
    }
    expect(readFileSync(file).equals(bytes)).toBe(true)
  })

  it('refuses another program\'s SQLite file', () => {
    const file = join(dir(), 'other.sqlite')
    const other = new Database(file)
    other.exec('CREATE TABLE t (x)')
    other.close()
    const before = readFileSync(file)
    expect(() => openDatabase(file, { mode: 'write' })).toThrow(expect.objectContaining({ code: 'DB_FOREIGN' }))
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it('refuses a database written by a newer version and does not alter it', () => {
    const file = join(dir(), 'new.db')
    openDatabase(file, { mode: 'create' }).db.close()
    const raw = new Database(file)
    raw.pragma('journal_mode = DELETE')
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    const before = readFileSync(file)
    expect(() => openDatabase(file, { mode: 'write' })).toThrow(DatabaseError)
    expect(() => openDatabase(file, { mode: 'write' })).toThrow(expect.objectContaining({ code: 'DB_TOO_NEW' }))
    expect(readFileSync(file).equals(before)).toBe(true)
  })

  it('rejects rows that break the foreign keys', () => {
    const { db } = openDatabase(join(dir(), 'fk.db'), { mode: 'create' })
    expect(() =>
      db.prepare("INSERT INTO regions (code, name, level, parent_code, created_at) VALUES ('520526001', '海边街道', 'township', '520526', 'x')").run(),
    ).toThrow(/FOREIGN KEY/)
    db.close()
  })
})

describe('backupFile', () => {
  it('writes a consistent copy and keeps only the newest copies', () => {
    const { dir, cleanup } = tempDir()
    try {
      const file = join(dir, '威宁.db')
      const { db } = openDatabase(file, { mode: 'create' })
      recordAudit(db, '测试员', 'test', null)
      const outs = [1, 2, 3, 4].map(() => backupFile(file, join(dir, '备份'), 'manual', 3))
      db.close()
      const kept = readdirSync(join(dir, '备份'))
      expect(kept).toHaveLength(3)
      const copy = new Database(outs[3], { readonly: true })
      expect((copy.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n).toBe(1)
      copy.close()
    } finally {
      cleanup()
    }
  })

  it('fails with a FileError when the backup folder cannot be made', () => {
    const { dir, cleanup } = tempDir()
    try {
      const file = join(dir, 'a.db')
      openDatabase(file, { mode: 'create' }).db.close()
      writeFileSync(join(dir, 'blocker'), 'x')
      expect(() => backupFile(file, join(dir, 'blocker', 'sub'), 'manual')).toThrow(FileError)
    } finally {
      cleanup()
    }
  })
})
