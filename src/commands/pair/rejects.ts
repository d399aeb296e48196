import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { rejectedPairingRows } from '../../lib/pairing.js'

export default class PairRejects extends BaseCommand<typeof PairRejects> {
  static summary = '列出或导出某批结对帮扶名单中被退回的行'
  static description = `导出的文件保留原表的全部列，并在最后加「错误原因」「原行号」两列；在 Excel 中改正后用 pair import 重新导入即可。
身份证号和电话默认打码；要改正后重新导入，请加 --reveal 导出完整号码（注意妥善保管文件）。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --batch 5',
    '<%= config.bin %> <%= command.id %> --batch 5 --out 结对退回行.xlsx --reveal',
  ]
  static flags = {
    batch: Flags.integer({ char: 'b', required: true, summary: '导入批次号（见 pair import 的结果）' }),
    out: Flags.string({ char: 'o', summary: '导出到 .xlsx 或 .csv 文件' }),
    reveal: Flags.boolean({ summary: '导出和显示完整的身份证号和电话（默认打码）' }),
  }

  async run() {
    return this.showRejects(rejectedPairingRows(this.db, this.flags.batch), { out: this.flags.out, reveal: this.flags.reveal, masked: '身份证号和电话' })
  }
}
