import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type ActionItem, ensureCatalog, listActions } from '../../lib/catalog.js'

export default class ActionList extends BaseCommand<typeof ActionList> {
  static summary = '列出行动计划的 10 项重点行动和 15 项保障措施'
  static description = '计划目录内置于本工具（摘自黔残联发〔2017〕30号及其附件），责任单位取自附件分工表。配置了 catalog.file 时，本单位扩展的条目一并列出。'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --kind key_action --json']
  static flags = {
    kind: Flags.string({ summary: '只列一类：key_action（重点行动）或 safeguard（保障措施）', options: ['key_action', 'safeguard'] }),
  }

  async run(): Promise<ActionItem[]> {
    ensureCatalog(this.db, this.operator)
    const actions = listActions(this.db, { kind: this.flags.kind })
    this.printTable(actions, [
      { key: 'code', header: '编号' },
      { key: 'kindName', header: '类别' },
      { key: 'title', header: '名称' },
      { key: 'leadUnits', header: '责任单位', format: (v) => (v as string[]).join('、') },
      { key: 'indicators', header: '指标', format: (v) => (v as string[]).join('、') },
      { key: 'tasks', header: '任务数', align: 'right' },
    ])
    return actions
  }
}
