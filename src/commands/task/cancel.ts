import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { UsageError } from '../../lib/errors.js'
import { cancelTask, getTask } from '../../lib/tasks.js'

export default class TaskCancel extends BaseCommand<typeof TaskCancel> {
  static summary = '撤销一项任务及由它分解出的全部子任务'
  static description = '任务和填报记录都保留，只标为已撤销（task list --all 可见）；撤销记入审计日志。'
  static examples = ['<%= config.bin %> <%= command.id %> 12 --yes', '<%= config.bin %> <%= command.id %> 12 --yes --json']
  static args = { task: Args.string({ required: true, description: '任务编号' }) }
  static flags = { yes: Flags.boolean({ char: 'y', summary: '不再询问，直接撤销' }) }

  async run() {
    if (!this.flags.yes) {
      if (!this.interactive) throw new UsageError('FLAG_REQUIRED', '非交互模式下必须提供 --yes', { hint: '确认要撤销时加 --yes' })
      const task = getTask(this.db, this.args.task)
      const answer = await this.choose(`撤销任务 ${task.id}（${task.regionName}：${task.title}）及其全部子任务？`, [
        { name: '撤销', value: 'yes' }, { name: '不撤销', value: 'no' },
      ])
      if (answer !== 'yes') return { id: task.id, cancelled: [] }
    }
    const result = cancelTask(this.db, this.args.task, this.operator)
    this.info(`已撤销 ${result.cancelled.length} 项任务`)
    return result
  }
}
