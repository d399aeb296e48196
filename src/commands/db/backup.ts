import { Flags } from '@oclif/core'
import { statSync } from 'node:fs'
import { BaseCommand } from '../../base-command.js'
import { getConfigValue } from '../../lib/config.js'
import { backupFile } from '../../lib/db.js'
import { formatBytes } from '../../lib/output.js'

export default class DbBackup extends BaseCommand<typeof DbBackup> {
  static summary = '备份数据库'
  static description = '写出数据库的一致副本（使用中也可备份）。默认放在数据库旁的 cjfp-backups 文件夹，按 backup.keep 保留最近的若干份。'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --dir D:\\台账备份']
  static dbMode = 'inspect' as const
  static flags = { dir: Flags.string({ summary: '备份文件夹（默认取配置 backup.dir，再取数据库旁的 cjfp-backups）' }) }

  async run(): Promise<{ file: string; sizeBytes: number }> {
    const { file: dbFile } = this.openDb()
    const dir = this.flags.dir ?? getConfigValue(this.db, 'backup.dir') ?? undefined
    const keep = Number(getConfigValue(this.db, 'backup.keep'))
    const file = backupFile(dbFile, dir, 'manual', keep)
    const sizeBytes = statSync(file).size
    this.print(`已备份到 ${file}（${formatBytes(sizeBytes)}）`)
    return { file, sizeBytes }
  }
}
