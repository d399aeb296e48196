import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { endPairing, type PairingItem } from '../../lib/pairing.js'

export default class PairEnd extends BaseCommand<typeof PairEnd> {
  static summary = '结束一条结对帮扶（如帮扶人调走、该户已不在册）'
  static description = '结束后这条结对不再计入 pair check 的覆盖；记录本身保留，可用 pair list --all 查看。'
  static examples = [
    '<%= config.bin %> <%= command.id %> 12',
    '<%= config.bin %> <%= command.id %> 12 --date 2026-06-30',
  ]
  static args = { id: Args.integer({ required: true, description: '结对记录编号（见 pair list）' }) }
  static flags = {
    date: Flags.string({ summary: '结束日期（默认今天）' }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号和电话（默认打码）' }),
  }

  async run(): Promise<PairingItem> {
    const item = endPairing(this.db, this.args.id, { date: this.flags.date, operator: this.operator, reveal: this.flags.reveal })
    this.info(`已结束结对记录 ${item.id}：${item.helper}（${item.unit}）帮扶 ${item.household} 户，结束日期 ${item.endDate}`)
    return item
  }
}
