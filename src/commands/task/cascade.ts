import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { ensureCatalog } from '../../lib/catalog.js'
import { CASCADE_LEVELS, type CascadeLevel, type CascadeResult, cascadeTask, formatValue, type SplitMethod } from '../../lib/tasks.js'

export default class TaskCascade extends BaseCommand<typeof TaskCascade> {
  static summary = '把一项任务分解到下一级区划（层层分解任务）'
  static description = `为每个下级区划建立一项子任务，由该区划的人民政府（街道为办事处）负责。
人数、户数等按整数分解（最大余数法，各下级合计恰好等于上级目标）；百分比目标不分解，各下级沿用。
--split proportional 按最新一期花名册各区划登记人数的比例（默认）；even 平均；file 按文件（列：区划、目标值）。
同一任务不能重复分解；加 --force 重新分解时，原下级任务标为已撤销，记录保留。`
  static examples = [
    '<%= config.bin %> <%= command.id %> 12 --to townships',
    '<%= config.bin %> <%= command.id %> 12 --to townships --split even --json',
    '<%= config.bin %> <%= command.id %> 12 --to townships --split file --file 分解表.csv --force',
  ]
  static args = { task: Args.string({ required: true, description: '任务编号' }) }
  static flags = {
    to: Flags.string({ summary: '分解到哪一级：cities（市州及省直管县）、counties、townships', options: Object.keys(CASCADE_LEVELS), required: true }),
    split: Flags.string({ summary: '分解方式（默认 proportional，有 --file 时为 file）', options: ['proportional', 'even', 'file'] }),
    file: Flags.string({ summary: '分解表（.csv 或 .xlsx，列：区划、目标值）' }),
    force: Flags.boolean({ summary: '已分解过时重新分解（原下级任务撤销）' }),
  }

  async run(): Promise<CascadeResult> {
    ensureCatalog(this.db, this.operator)
    const result = await cascadeTask(this.db, this.args.task, {
      to: this.flags.to as CascadeLevel, split: this.flags.split as SplitMethod | undefined, file: this.flags.file, force: this.flags.force,
    }, this.operator)
    for (const warning of result.warnings) this.notice(warning)
    const unit = result.parent.targetUnit
    this.printTable(result.children, [
      { key: 'id', header: '编号', align: 'right' },
      { key: 'regionName', header: '区划' },
      { key: 'unitName', header: '责任单位' },
      { key: 'weight', header: result.split === 'proportional' ? '登记人数' : '权重', align: 'right' },
      { key: 'target', header: '目标', align: 'right', format: (v) => formatValue(v as number | null, unit) },
    ])
    const total = result.childrenTotal === null ? '' : `，合计 ${formatValue(result.childrenTotal, unit)}`
    this.info(`任务 ${result.parent.id} 已分解为 ${result.children.length} 项子任务${total}${result.basis ? `（依据：${result.basis}）` : ''}${result.replaced ? `；撤销原子任务 ${result.replaced} 项` : ''}`)
    return result
  }
}
