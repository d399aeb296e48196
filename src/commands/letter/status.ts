import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type LetterStatus, letterStatus } from '../../lib/letters.js'

export default class LetterStatusCommand extends BaseCommand<typeof LetterStatusCommand> {
  static summary = '签收情况：已印发、已签收、超过 N 天未签收，按种类和区划'
  static description = '同一乙方重新生成过的，只算最新的一份。超期：印发后超过 --days 天（默认 30）仍未签收。'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --days 15 --as-of 2017-04-30 --json',
  ]
  static flags = {
    days: Flags.integer({ summary: '超过多少天未签收算超期（默认 30）', default: 30, min: 0 }),
    'as-of': Flags.string({ summary: '按此日期计算（年-月-日，默认今天）' }),
  }

  async run(): Promise<LetterStatus> {
    const status = letterStatus(this.db, { unsignedAfterDays: this.flags.days, asOf: this.flags['as-of'] })
    this.printTable(status.byRegion, [
      { key: 'kind', header: '种类', format: (v) => (v === 'pairing' ? '帮扶责任书' : '责任状') },
      { key: 'regionName', header: '区划' },
      { key: 'issued', header: '已印发', align: 'right' },
      { key: 'signed', header: '已签收', align: 'right' },
      { key: 'unsigned', header: '未签收', align: 'right' },
      { key: 'overdue', header: `超 ${status.unsignedAfterDays} 天未签收`, align: 'right' },
    ])
    const t = status.totals
    this.info(`共印发 ${t.issued} 份，已签收 ${t.signed} 份，未签收 ${t.unsigned} 份，其中超过 ${status.unsignedAfterDays} 天的 ${t.overdue} 份`)
    return status
  }
}
