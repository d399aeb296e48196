import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { maskIdNumber } from '../../lib/output.js'
import { personHistory } from '../../lib/roster-query.js'

export default class RosterHistory extends BaseCommand<typeof RosterHistory> {
  static summary = '查看一个人逐月在花名册中的情况'
  static examples = ['<%= config.bin %> <%= command.id %> 52242719800101123X', '<%= config.bin %> <%= command.id %> 52242719800101123X --json --reveal']
  static args = { id: Args.string({ required: true, description: '身份证号' }) }
  static flags = { reveal: Flags.boolean({ summary: '显示完整的身份证号（默认打码）' }) }

  async run() {
    const history = personHistory(this.db, this.args.id)
    const id = this.flags.reveal ? history.id : maskIdNumber(history.id)
    this.print(`${history.name ?? ''}（${id}）`)
    this.printTable(history.entries, [
      { key: 'period', header: '期别' },
      { key: 'povertyStatus', header: '脱贫状态', format: (v, r) => (r.onRoster ? `${v}${r.exitYear ? `（${r.exitYear}）` : ''}` : '—') },
      { key: 'township', header: '乡镇' },
      { key: 'village', header: '村' },
      { key: 'category', header: '类别' },
      { key: 'grade', header: '等级' },
      { key: 'householdNo', header: '户编号' },
      { key: 'note', header: '备注', format: (v, r) => (v ? String(v) : `第 ${r.batch} 批第 ${r.row} 行`) },
    ])
    return { ...history, id }
  }
}
