import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { rejectedBenefitRows } from '../../lib/benefits.js'

export default class BenefitRejects extends BaseCommand<typeof BenefitRejects> {
  static summary = '列出或导出某批政策名单中被退回的行'
  static description = `导出的文件保留原表的全部列，并在最后加「错误原因」「原行号」两列；在 Excel 中改正后用 benefit import 重新导入即可。
身份证号默认打码；要改正后重新导入，请加 --reveal 导出完整号码（注意妥善保管文件）。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --batch 5',
    '<%= config.bin %> <%= command.id %> --batch 5 --out 低保名单退回行.xlsx --reveal',
  ]
  static flags = {
    batch: Flags.integer({ char: 'b', required: true, summary: '导入批次号（见 benefit import 的结果或 benefit lists）' }),
    out: Flags.string({ char: 'o', summary: '导出到 .xlsx 或 .csv 文件' }),
    reveal: Flags.boolean({ summary: '导出和显示完整的身份证号和电话（默认打码）' }),
  }

  async run() {
    return this.showRejects(rejectedBenefitRows(this.db, this.flags.batch), { out: this.flags.out, reveal: this.flags.reveal, masked: '身份证号' })
  }
}
