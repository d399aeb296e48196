import { BaseCommand } from '../../base-command.js'
import { recordAudit } from '../../lib/audit.js'
import { backupFile, migrate, SCHEMA_VERSION, schemaVersion } from '../../lib/db.js'

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static summary = '把数据库结构升级到本程序的版本（升级前自动备份）'
  static description = '平时打开旧数据库时会自动升级；这个命令用于先单独升级并确认。结构只向前升级，不会降级。'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static dbMode = 'inspect' as const

  async run(): Promise<{ from: number; to: number; backup: string | null }> {
    const { file } = this.openDb()
    const from = schemaVersion(this.db)
    if (from === SCHEMA_VERSION) {
      this.print(`数据库结构已是最新（版本 ${from}），无需升级。`)
      return { from, to: from, backup: null }
    }
    const backup = backupFile(file, undefined, `migrate-v${from}`)
    const to = migrate(this.db)
    recordAudit(this.db, this.operator, 'db.migrate', null, { from, to })
    this.print(`数据库结构已从版本 ${from} 升级到 ${to}；升级前的备份：${backup}`)
    return { from, to, backup }
  }
}
