/**
 * Figures a report computed over a whole period, kept in the database until the data changes: a
 * clerk prints the notice as a table, then as a PDF, then as a sheet for the city, and a province's
 * 500,000 people are read once, not three times. The schema's triggers count every change to the
 * tables reports read in meta.data_version; an entry made at another version is never used.
 */
import type { Db } from './db.js'

function dataVersion(db: Db): number {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'data_version'").get() as { value: string } | undefined
  return Number(row?.value ?? 0)
}

/**
 * The value stored under `key` at the current data version, else `compute()`'s, stored for next time
 * (older entries are dropped). A database that cannot be written (read-only file) just computes.
 */
export async function cachedReport<T>(db: Db, key: string, compute: () => Promise<T>): Promise<T> {
  const version = dataVersion(db)
  const hit = db.prepare('SELECT data_json FROM report_cache WHERE key = ? AND data_version = ?').get(key, version) as { data_json: string } | undefined
  if (hit) return JSON.parse(hit.data_json) as T
  const value = await compute()
  try {
    db.transaction(() => {
      db.prepare('DELETE FROM report_cache WHERE data_version <> ?').run(version)
      db.prepare('INSERT OR REPLACE INTO report_cache (key, data_version, created_at, data_json) VALUES (?, ?, ?, ?)')
        .run(key, version, new Date().toISOString(), JSON.stringify(value))
    })()
  } catch (error) {
    if (!(error instanceof Error && /readonly|read-only|SQLITE_READONLY/i.test(`${(error as { code?: string }).code ?? ''} ${error.message}`))) throw error
  }
  return value
}

