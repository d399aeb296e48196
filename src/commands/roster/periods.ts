import { BaseCommand } from '../../base-command.js'
import { listBatches, listPeriods, type PeriodSummary } from '../../lib/roster-query.js'
import { formatDateTime } from '../../lib/output.js'
import { Flags } from '@oclif/core'

export default class RosterPeriods extends BaseCommand<typeof RosterPeriods> {
  static summary = '列出已导入花名册的各期：人数、户数、批次'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --batches', '<%= config.bin %> <%= command.id %> --json']
  static flags = { batches: Flags.boolean({ summary: '同时列出每个导入批次' }) }

  async run(): Promise<PeriodSummary[]> {
    const periods = listPeriods(this.db)
    this.printTable(periods, [
      { key: 'period', header: '期别' },
      { key: 'persons', header: '人数', align: 'right' },
      { key: 'households', header: '户数', align: 'right' },
      { key: 'batches', header: '批次', align: 'right' },
      { key: 'rejected', header: '退回行', align: 'right' },
    ])
    if (this.flags.batches) {
      this.printTable(listBatches(this.db), [
        { key: 'id', header: '批次', align: 'right' },
        { key: 'period', header: '期别' },
        { key: 'file', header: '文件' },
        { key: 'status', header: '状态', format: (v) => (v === 'active' ? '有效' : '已被替换') },
        { key: 'accepted', header: '导入', align: 'right' },
        { key: 'rejected', header: '退回', align: 'right' },
        { key: 'importedAt', header: '导入时间', format: (v) => formatDateTime(String(v)) },
        { key: 'operator', header: '操作员' },
      ])
    }
    return periods
  }
}
