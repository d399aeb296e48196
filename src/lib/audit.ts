/**
 * 审计日志: every write records who did it, when, and what. Details never hold 身份证号 or phone
 * numbers in clear text; callers pass counts and identifiers of records, not personal data.
 */
import type { Db } from './db.js'

export interface AuditEntry {
  id: number
  at: string
  operator: string
  action: string
  target: string | null
  details: unknown
}

/** Appends one line to the audit log; call it inside the same transaction as the write it records. */
export function recordAudit(db: Db, operator: string, action: string, target: string | null, details?: unknown): void {
  db.prepare('INSERT INTO audit_log (at, operator, action, target, details_json) VALUES (@at, @operator, @action, @target, @details)').run({
    at: new Date().toISOString(),
    operator,
    action,
    target,
    details: details === undefined ? null : JSON.stringify(details),
  })
}

/** The newest entries first. */
export function listAudit(db: Db, limit = 50): AuditEntry[] {
  const rows = db
    .prepare('SELECT id, at, operator, action, target, details_json FROM audit_log ORDER BY id DESC LIMIT ?')
    .all(limit) as Array<Omit<AuditEntry, 'details'> & { details_json: string | null }>
  return rows.map(({ details_json, ...row }) => ({ ...row, details: details_json ? JSON.parse(details_json) : null }))
}
