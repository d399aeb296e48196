import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { rejectedRows } from '../../lib/roster.js'

export default class RosterRejects extends BaseCommand<typeof RosterRejects> {
  static summary = '列出或导出某批花名册中被退回的行'
  static description = `导出的文件保留原表的全部列，并在最后加一列「错误原因」；在 Excel 中改正后，用原来的期别重新导入即可。
身份证号默认打码；要改正后重新导入，请加 --reveal 导出完整号码（注意妥善保管文件）。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --batch 3',
    '<%= config.bin %> <%= command.id %> --batch 3 --out 退回行.xlsx --reveal',
  ]
  static flags = {
    batch: Flags.integer({ char: 'b', required: true, summary: '导入批次号（见 roster import 的结果或 roster periods）' }),
    out: Flags.string({ char: 'o', summary: '导出到 .xlsx 或 .csv 文件' }),
    reveal: Flags.boolean({ summary: '导出和显示完整的身份证号（默认打码）' }),
  }

  async run() {
    return this.showRejects(rejectedRows(this.db, this.flags.batch), { out: this.flags.out, reveal: this.flags.reveal, masked: '身份证号' })
  }
}
