import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { ensureCatalog, showAction } from '../../lib/catalog.js'
import { formatTarget } from '../../lib/tasks.js'

export default class ActionShow extends BaseCommand<typeof ActionShow> {
  static summary = '查看一项行动或保障措施：内容、责任单位、指标和目标'
  static examples = ['<%= config.bin %> <%= command.id %> KA03', '<%= config.bin %> <%= command.id %> SG05 --json']
  static args = { code: Args.string({ required: true, description: '行动编号，如 KA03、SG05' }) }

  async run() {
    ensureCatalog(this.db, this.operator)
    const action = showAction(this.db, this.args.code)
    this.printRecord([
      ['编号', action.code],
      ['类别', action.kindName],
      ['名称', action.title],
      ['内容', action.content],
      ['责任单位', action.leadUnits.join('、')],
      ['已分配任务', `${action.tasks} 项`],
    ])
    if (action.indicatorDetails.length) {
      this.printTable(action.indicatorDetails, [
        { key: 'code', header: '指标代码' },
        { key: 'name', header: '指标' },
        { key: 'target', header: '目标', format: (v, row) => formatTarget(row.target, row.unit, row.comparison) },
        { key: 'deadline', header: '截止日期' },
        { key: 'computed', header: '数据计算', format: (v) => (v ? '是' : '手工填报') },
      ])
    }
    return action
  }
}
