import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type ConfigEntry, setConfig } from '../../lib/config.js'

export default class ConfigSet extends BaseCommand<typeof ConfigSet> {
  static summary = '修改一个配置项'
  static description = '值会先检查再保存，修改记入审计日志。'
  static examples = ['<%= config.bin %> <%= command.id %> operator 张三', '<%= config.bin %> <%= command.id %> backup.keep 30']
  static args = {
    key: Args.string({ required: true, description: '配置项名称' }),
    value: Args.string({ required: true, description: '新的值' }),
  }

  async run(): Promise<ConfigEntry> {
    const entry = setConfig(this.db, this.args.key, this.args.value, this.operator)
    this.info(`已设置 ${entry.key} = ${entry.value}`)
    return entry
  }
}
