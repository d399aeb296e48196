import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type ConfigEntry, getConfig } from '../../lib/config.js'

export default class ConfigGet extends BaseCommand<typeof ConfigGet> {
  static summary = '查看一个配置项'
  static examples = ['<%= config.bin %> <%= command.id %> operator', '<%= config.bin %> <%= command.id %> backup.keep --json']
  static args = { key: Args.string({ required: true, description: '配置项名称，如 operator、org.name、backup.keep' }) }

  async run(): Promise<ConfigEntry> {
    const entry = getConfig(this.db, this.args.key)
    this.print(entry.value ?? '（未设置）')
    return entry
  }
}
