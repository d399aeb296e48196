import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { ensureCatalog, type IndicatorItem, listIndicators } from '../../lib/catalog.js'
import { formatTarget } from '../../lib/tasks.js'

export default class ActionIndicators extends BaseCommand<typeof ActionIndicators> {
  static summary = '列出行动计划的指标及其目标值、截止日期'
  static description = '指标代码用于 task assign --indicator。「数据计算」为是的指标由本库数据计算实际值（脱贫率由花名册计算），其余以手工填报为准。'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --action KA04 --json']
  static flags = { action: Flags.string({ summary: '只列某项行动的指标，如 KA04' }) }

  async run(): Promise<IndicatorItem[]> {
    ensureCatalog(this.db, this.operator)
    const indicators = listIndicators(this.db, { action: this.flags.action })
    this.printTable(indicators, [
      { key: 'code', header: '指标代码' },
      { key: 'name', header: '指标' },
      { key: 'actionCode', header: '行动', format: (v) => (v as string | null) ?? '总体目标' },
      { key: 'target', header: '目标', format: (v, row) => formatTarget(row.target, row.unit, row.comparison) },
      { key: 'deadline', header: '截止日期' },
      { key: 'computed', header: '数据计算', format: (v) => (v ? '是' : '手工填报') },
    ])
    return indicators
  }
}
