import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type ImportResult, importRoster, type MappingQuestion, presentWarnings } from '../../lib/roster.js'
import type { RosterField } from '../../lib/roster-fields.js'
import { summarizeImport } from '../../lib/roster-report.js'

export default class RosterImport extends BaseCommand<typeof RosterImport> {
  static summary = '导入一个月的建档立卡贫困残疾人花名册（.xlsx 或 .csv）'
  static description = `检查每一行：合格的行写入该期花名册，不合格的行连同原始内容和原因一起保存，可用 roster rejects 导出修改后再导入。
能自动修正的（全角数字、多余空格、小写 x、「二级」等写法）照常导入并列出修正前后的值。
整个文件在一个事务里写入：中途出错或按 Ctrl-C，数据库保持导入前的样子。同一文件（内容相同）再次导入不会有任何改动。`
  static examples = [
    '<%= config.bin %> <%= command.id %> 2026年10月花名册.xlsx --period 2026-10',
    '<%= config.bin %> <%= command.id %> 花名册.csv --period 2026-11 --dry-run',
    '<%= config.bin %> <%= command.id %> 花名册.xlsx --period 2026-11 --sheet 汇总表 --map 证件号=idNumber',
  ]
  static args = { file: Args.string({ required: true, description: '花名册文件（.xlsx 或 .csv）' }) }
  static flags = {
    period: Flags.string({ char: 'p', required: true, summary: '期别（年-月），如 2026-10' }),
    sheet: Flags.string({ summary: '要导入的工作表名称（默认第一个工作表）' }),
    encoding: Flags.string({ summary: 'CSV 文件的编码（默认自动识别 UTF-8 / GBK）', options: ['auto', 'utf8', 'gbk'], default: 'auto' }),
    'dry-run': Flags.boolean({ summary: '只检查并报告结果，不写入数据库' }),
    strict: Flags.boolean({ summary: '只要有一行不合格就整个文件都不导入（退出码 3）' }),
    force: Flags.boolean({ summary: '内容相同的文件已导入过时，仍然重新导入（替换原批次）' }),
    replace: Flags.boolean({ summary: '用这个文件替换本期已导入的全部批次（如上报了更正后的完整花名册）' }),
    map: Flags.string({ summary: '指明列的含义：列名=字段（可多次使用，会被记住），如 证件号=idNumber', multiple: true }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号和电话（默认打码）' }),
  }

  async run(): Promise<ImportResult> {
    const map = Object.fromEntries((this.flags.map ?? []).map((m) => [m.slice(0, m.indexOf('=')), m.slice(m.indexOf('=') + 1)]))
    const progress = this.progress('正在导入')
    let result: ImportResult
    try {
      result = await importRoster(this.db, this.args.file, {
        period: this.flags.period, operator: this.operator, sheet: this.flags.sheet, encoding: this.flags.encoding as 'auto' | 'utf8' | 'gbk',
        dryRun: this.flags['dry-run'], strict: this.flags.strict, force: this.flags.force, replace: this.flags.replace, map,
        resolveMapping: this.interactive ? (q) => this.askMapping(q) : undefined,
        onProgress: progress.update,
      })
    } finally {
      progress.stop()
    }
    const shown = { ...result, warnings: presentWarnings(result.warnings, this.flags.reveal) }
    if (!this.jsonMode) this.print(summarizeImport(shown, { color: this.color, bin: this.config.bin }))
    return shown
  }

  private async askMapping(question: MappingQuestion): Promise<Record<string, RosterField>> {
    const answer: Record<string, RosterField> = {}
    for (const field of question.missing) {
      const label = question.fields.find((f) => f.field === field)?.label ?? field
      const header = await this.choose(`${question.file} 中哪一列是「${label}」？`, question.headers.map((h) => ({ name: h, value: h })))
      answer[header] = field
    }
    return answer
  }
}
