import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { formatValue, recordProgress } from '../../lib/tasks.js'

export default class TaskProgress extends BaseCommand<typeof TaskProgress> {
  static summary = '填报一项任务的完成值'
  static description = '每次填报都保留（task show 可查看历史），以最新一次为准。能由数据计算的指标（如脱贫率）以计算值为准。'
  static examples = [
    '<%= config.bin %> <%= command.id %> 12 --value 65',
    '<%= config.bin %> <%= command.id %> 15 --value 3 --note 第三季度入户核实 --json',
  ]
  static args = { task: Args.string({ required: true, description: '任务编号' }) }
  static flags = {
    value: Flags.string({ char: 'v', summary: '完成值（与目标同一计量单位）', required: true }),
    note: Flags.string({ summary: '说明' }),
  }

  async run() {
    const result = recordProgress(this.db, this.args.task, { value: this.flags.value, note: this.flags.note }, this.operator)
    const t = result.task
    this.info(`已记录任务 ${t.id}（${t.regionName}）完成值 ${formatValue(result.progress.value, t.targetUnit)}${result.previous === null ? '' : `，上次为 ${formatValue(result.previous, t.targetUnit)}`}；当前状态：${t.statusName}`)
    return result
  }
}
