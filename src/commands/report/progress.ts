import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { loadRules, rulesFileFor } from '../../lib/benefit-rules.js'
import { presentProgress, progressTable, progressDocument, progressReport, progressSheet } from '../../lib/progress.js'
import { writeReportFiles } from '../../lib/report-output.js'

export default class ReportProgress extends BaseCommand<typeof ReportProgress> {
  static summary = '进展情况通报：分地区的在册、脱贫、返贫、结对帮扶、政策覆盖、辅具适配、责任状、任务逾期，及较上期变化'
  static description = `默认按本级的下一级地区（县按乡镇，市、省按县）统计最新一期；低于计划目标的指标标红。
--pdf 生成可直接印发的通报（标题、综述、表格、柱状图、页码），--xlsx/--csv 导出全部指标供上级汇总。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --period 2026-11',
    '<%= config.bin %> <%= command.id %> --period 2026-11 --pdf 2026年11月通报.pdf --xlsx 2026年11月通报.xlsx',
    '<%= config.bin %> <%= command.id %> --level village --json',
  ]
  static flags = {
    period: Flags.string({ char: 'p', summary: '期别，年-月（默认最新一期）' }),
    level: Flags.string({ char: 'l', summary: '按哪一级地区统计（默认本级的下一级）', options: ['county', 'township', 'village'] }),
    rules: Flags.string({ summary: '应享未享比对规则文件（默认配置 benefit.rules，否则内置规则）' }),
    pdf: Flags.string({ summary: '生成 PDF 通报' }),
    xlsx: Flags.string({ summary: '导出 .xlsx（全部指标及上期数）' }),
    csv: Flags.string({ summary: '导出 .csv（全部指标及上期数）' }),
  }

  async run() {
    const rules = loadRules(this.db, rulesFileFor(this.db, this.flags.rules))
    const report = await progressReport(this.db, { period: this.flags.period, level: this.flags.level as 'county' | 'township' | 'village' | undefined, rules })
    const table = progressTable(report)
    this.printTable(table.rows, table.columns)
    this.print(presentProgress(report).summary)
    for (const note of report.notes) this.notice(note)
    if (report.regions.length > 0) this.info('▼ 为低于计划目标的指标')
    const written = await writeReportFiles({ pdf: this.flags.pdf, xlsx: this.flags.xlsx, csv: this.flags.csv }, () => progressDocument(this.db, report), () => [progressSheet(report)])
    for (const w of [written.pdf, written.xlsx, written.csv]) if (w) this.info(`已生成 ${w.file}`)
    return { ...presentProgress(report), files: written }
  }
}
