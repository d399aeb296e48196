import { BaseCommand } from '../../base-command.js'
import { type ConfigEntry, listConfig } from '../../lib/config.js'
import { formatDateTime } from '../../lib/output.js'

export default class ConfigList extends BaseCommand<typeof ConfigList> {
  static summary = '列出全部配置项及其当前值'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ConfigEntry[]> {
    const entries = listConfig(this.db)
    this.printTable(entries, [
      { key: 'key', header: '配置项' },
      { key: 'value', header: '当前值', format: (v, row) => (v === null ? '（未设置）' : `${v}${row.isDefault ? '（默认）' : ''}`) },
      { key: 'summary', header: '说明' },
      { key: 'updatedAt', header: '修改时间', format: (v, row) => (v ? `${formatDateTime(String(v))} ${row.updatedBy}` : '') },
    ])
    return entries
  }
}
