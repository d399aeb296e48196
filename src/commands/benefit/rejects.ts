import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { rejectedBenefitRows } from '../../lib/benefits.js'
import { rejectsSheet } from '../../lib/roster.js'
import { writeTable } from '../../lib/table-writer.js'

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
    const data = rejectedBenefitRows(this.db, this.flags.batch)
    const sheet = rejectsSheet(data, this.flags.reveal)
    if (this.flags.out) {
      const written = await writeTable(this.flags.out, sheet)
      this.info(`已导出 ${written.rows} 行到 ${written.file}${this.flags.reveal ? '' : '（身份证号和电话已打码；改正后重新导入需加 --reveal 导出）'}`)
    }
    this.printTable(data.rows.map((r) => ({ row: r.row, reasons: r.reasons })), [
      { key: 'row', header: '行号', align: 'right' },
      { key: 'reasons', header: '错误原因' },
    ])
    this.info(`第 ${data.batch} 批（${data.file}）共退回 ${data.rows.length} 行`)
    return {
      batch: data.batch, file: data.file, out: this.flags.out ?? null, headers: sheet.headers,
      rows: data.rows.map((r, i) => ({ row: r.row, reasons: r.reasons, cells: sheet.rows[i].slice(0, -2) })),
    }
  }
}
