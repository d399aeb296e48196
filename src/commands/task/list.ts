import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { ensureCatalog } from '../../lib/catalog.js'
import { formatTarget, formatValue, listTasks, type TaskStatus, TASK_STATUS_NAMES, type TaskView } from '../../lib/tasks.js'

export default class TaskList extends BaseCommand<typeof TaskList> {
  static summary = '列出任务：目标、实际完成、状态（达标/未达标/逾期）和截止日期'
  static description = `实际值：能由数据计算的指标取计算值（脱贫率 = 最新一期花名册中已脱贫人数占比），否则取最新填报值；人数、户数等未填报的，取下级任务填报值之和。
状态：实际值达到目标为达标；未达到且已过截止日期为逾期；其余为未达标。--as-of 按指定日期判断（并取该日期所在月份及以前最新一期花名册）。`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --overdue --as-of 2021-01-01',
    '<%= config.bin %> <%= command.id %> --region 海边街道 --action KA03 --json',
  ]
  static flags = {
    region: Flags.string({ char: 'r', summary: '只列某区划及其下级的任务' }),
    action: Flags.string({ char: 'a', summary: '只列某项行动的任务，如 KA03' }),
    parent: Flags.integer({ summary: '只列某任务分解出的子任务' }),
    overdue: Flags.boolean({ summary: '只列逾期任务' }),
    status: Flags.string({ summary: '只列某状态的任务', options: ['met', 'unmet', 'overdue'] }),
    'as-of': Flags.string({ summary: '按此日期判断逾期（年-月-日，默认今天）' }),
    all: Flags.boolean({ summary: '包括已撤销的任务' }),
  }

  async run(): Promise<TaskView[]> {
    const f = this.flags
    ensureCatalog(this.db, this.operator)
    const tasks = listTasks(this.db, {
      region: f.region, action: f.action, parent: f.parent, overdue: f.overdue, status: f.status as TaskStatus | undefined, asOf: f['as-of'], includeCancelled: f.all,
    })
    this.printTable(tasks, [
      { key: 'id', header: '编号', align: 'right' },
      { key: 'parentId', header: '上级' },
      { key: 'actionCode', header: '行动' },
      { key: 'regionName', header: '区划' },
      { key: 'unitName', header: '责任单位' },
      { key: 'title', header: '任务' },
      { key: 'target', header: '目标', format: (v, t) => formatTarget(t.target, t.targetUnit, t.comparison) },
      { key: 'actual', header: '实际', format: (v, t) => formatValue(t.actual, t.targetUnit) + (t.actualSource === 'computed' ? '（计算）' : t.actualSource === 'children' ? '（下级合计）' : '') },
      { key: 'statusName', header: '状态' },
      { key: 'deadline', header: '截止日期' },
    ])
    if (!tasks.length) this.info('没有符合条件的任务')
    else this.info(`共 ${tasks.length} 项：${(['met', 'unmet', 'overdue'] as const).map((s) => `${TASK_STATUS_NAMES[s]} ${tasks.filter((t) => t.status === s).length}`).join('，')}`)
    return tasks
  }
}
