import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { formatDateTime } from '../../lib/output.js'
import { formatTarget, formatValue, showTask, type TaskDetail } from '../../lib/tasks.js'

export default class TaskShow extends BaseCommand<typeof TaskShow> {
  static summary = '查看一项任务：目标、实际、状态、填报历史和分解出的子任务'
  static examples = ['<%= config.bin %> <%= command.id %> 12', '<%= config.bin %> <%= command.id %> 12 --as-of 2021-01-01 --json']
  static args = { task: Args.string({ required: true, description: '任务编号' }) }
  static flags = { 'as-of': Flags.string({ summary: '按此日期判断逾期（年-月-日，默认今天）' }) }

  async run(): Promise<TaskDetail> {
    const t = showTask(this.db, this.args.task, this.flags['as-of'])
    const unit = t.targetUnit
    this.printRecord([
      ['编号', t.id], ['任务', t.title], ['行动', `${t.actionCode ?? ''} ${t.actionTitle ?? ''}`], ['区划', t.regionName], ['责任单位', t.unitName],
      ['指标', t.indicatorName], ['目标', formatTarget(t.target, unit, t.comparison)], ['截止日期', t.deadline],
      ['实际', formatValue(t.actual, unit)], ['说明', t.actualNote], ['状态', t.statusName],
      ['上级任务', t.parent ? `${t.parent.id}（${t.parent.regionName}）` : '—'],
      ['分解依据', t.splitMethod ? `${t.splitMethod}${t.splitBasis ? `，${t.splitBasis}` : ''}` : '—'],
    ])
    if (t.progress.length) {
      this.printTable(t.progress, [
        { key: 'recordedAt', header: '填报时间', format: (v) => formatDateTime(v as string) },
        { key: 'value', header: '完成值', align: 'right', format: (v) => formatValue(v as number, unit) },
        { key: 'note', header: '说明' },
        { key: 'recordedBy', header: '填报人' },
      ])
    }
    if (t.subtasks.length) {
      this.printTable(t.subtasks, [
        { key: 'id', header: '子任务', align: 'right' },
        { key: 'regionName', header: '区划' },
        { key: 'target', header: '目标', format: (v, s) => formatValue(s.target, unit) },
        { key: 'actual', header: '实际', format: (v, s) => formatValue(s.actual, unit) },
        { key: 'statusName', header: '状态' },
      ])
    }
    return t
  }
}
