import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { diffPeriods, diffSheets, presentDiff } from '../../lib/roster-query.js'
import { summarizeDiff } from '../../lib/roster-report.js'
import { writeTable } from '../../lib/table-writer.js'

export default class RosterDiff extends BaseCommand<typeof RosterDiff> {
  static summary = '比对两期花名册：新增、脱贫、返贫、迁入、迁出、减少、信息变更'
  static description = '先列出人数平衡表（上月末 + 新增 + 迁入 − 迁出 − 减少 = 本月末），再列明细。迁出指本期表中此人的县区已是外县（该行因不属本县而未导入）。'
  static examples = [
    '<%= config.bin %> <%= command.id %> --from 2026-10 --to 2026-11',
    '<%= config.bin %> <%= command.id %> --from 2026-10 --to 2026-11 --out 动态比对.xlsx',
  ]
  static flags = {
    from: Flags.string({ required: true, summary: '上一期（年-月）' }),
    to: Flags.string({ required: true, summary: '本期（年-月）' }),
    out: Flags.string({ char: 'o', summary: '把汇总和明细导出到 .xlsx 或 .csv' }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号和电话（默认打码）' }),
  }

  async run() {
    const diff = presentDiff(diffPeriods(this.db, this.flags.from, this.flags.to), this.flags.reveal)
    if (this.flags.out) {
      const written = await writeTable(this.flags.out, diffSheets(diff))
      this.info(`已导出到 ${written.file}`)
    }
    this.print(summarizeDiff(diff, { color: this.color }))
    return diff
  }
}
