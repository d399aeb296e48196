import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listAudit } from '../../src/lib/audit.js'
import { getConfig, getConfigValue, listConfig, setConfig } from '../../src/lib/config.js'
import { UsageError, ValidationError } from '../../src/lib/errors.js'
import { makeTestDb, type TestDb } from '../support/db.js'

describe('config', () => {
  let t: TestDb
  beforeEach(() => {
    t = makeTestDb()
  })
  afterEach(() => t.close())

  it('returns defaults until a value is set, then the value, with an audit line', () => {
    expect(getConfig(t.db, 'backup.keep')).toMatchObject({ value: '20', isDefault: true })
    setConfig(t.db, 'backup.keep', ' 30 ', '李四')
    expect(getConfigValue(t.db, 'backup.keep')).toBe('30')
    expect(getConfig(t.db, 'backup.keep')).toMatchObject({ isDefault: false, updatedBy: '李四' })
    expect(listAudit(t.db, 1)[0]).toMatchObject({ operator: '李四', action: 'config.set', target: 'backup.keep', details: { from: null, to: '30' } })
  })

  it('rejects values that break the key\'s rule', () => {
    expect(() => setConfig(t.db, 'backup.keep', '0', '李四')).toThrow(ValidationError)
    expect(() => setConfig(t.db, 'operator', '   ', '李四')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }))
    expect(getConfigValue(t.db, 'operator')).toBeNull()
  })

  it('names the known keys when a key is unknown', () => {
    expect(() => getConfig(t.db, 'nope')).toThrow(UsageError)
    expect(listConfig(t.db).map((e) => e.key)).toEqual(['operator', 'org.name', 'backup.keep', 'backup.dir', 'benefit.rules', 'assessment.scheme', 'catalog.file'])
  })
})
