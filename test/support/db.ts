// A fresh, migrated database in a temporary folder, optionally set up for an area.
import { join } from 'node:path'
import { initArea } from '../../src/lib/area.js'
import { type Db, openDatabase } from '../../src/lib/db.js'
import { builtinRegions } from '../../src/lib/regions.js'
import { tempDir } from './cli.js'

export interface TestDb {
  db: Db
  file: string
  dir: string
  close: () => void
}

export function makeTestDb(area: string | null = '520526'): TestDb {
  const { dir, cleanup } = tempDir()
  const file = join(dir, 'test.db')
  const { db } = openDatabase(file, { mode: 'create' })
  if (area) initArea(db, builtinRegions().find(area), { operator: '测试员' })
  return {
    db,
    file,
    dir,
    close: () => {
      if (db.open) db.close()
      cleanup()
    },
  }
}
