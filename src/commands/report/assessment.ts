import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { assessmentReport, assessmentSheet, loadScheme, saveAssessment, schemeFileFor, scoreRegions } from '../../lib/assessment.js'
import { loadRules, rulesFileFor } from '../../lib/benefit-rules.js'
import { localDate } from '../../lib/pairing.js'
import { progressReport } from '../../lib/progress.js'
import { writeReportFiles } from '../../lib/report-output.js'

export default class ReportAssessment extends BaseCommand<typeof ReportAssessment> {
  static summary = '考核：按评分方案（指标、权重、计分规则）给各地区打分、排名'
  static description = `评分方案是数据文件（默认 templates/assessment-scheme.json，依据行动计划编写；可复制修改后用 --scheme 指定或 config set assessment.scheme）。
各项指标的数据与进展情况通报相同；权重之和须为 100，方案有误时指出文件、指标和原因。--save 把结果存入数据库，供年中检查、年度考评对照。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --period 2026-11',
    '<%= config.bin %> <%= command.id %> --scheme 2026年度考核方案.json --period 2026-12 --pdf 考核结果.pdf --xlsx 考核结果.xlsx --save',
  ]
  static flags = {
    scheme: Flags.string({ char: 's', summary: '评分方案文件（默认配置 assessment.scheme，否则内置方案）' }),
    period: Flags.string({ char: 'p', summary: '期别，年-月（默认最新一期）' }),
    level: Flags.string({ char: 'l', summary: '考核哪一级地区（默认本级的下一级）', options: ['county', 'township', 'village'] }),
    rules: Flags.string({ summary: '应享未享比对规则文件（默认配置 benefit.rules，否则内置规则）' }),
    pdf: Flags.string({ summary: '生成 PDF 考核结果' }),
    xlsx: Flags.string({ summary: '导出 .xlsx' }),
    csv: Flags.string({ summary: '导出 .csv' }),
    save: Flags.boolean({ summary: '把得分和排名存入数据库' }),
  }

  async run() {
    const { scheme, sha256 } = loadScheme(schemeFileFor(this.db, this.flags.scheme))
    const rules = loadRules(this.db, rulesFileFor(this.db, this.flags.rules))
    const report = await progressReport(this.db, { period: this.flags.period, level: this.flags.level as 'county' | 'township' | 'village' | undefined, rules })
    const result = scoreRegions(scheme, report.regions)
    const sheet = assessmentSheet(result, { values: false })
    this.printTable(sheet.rows.map((r) => Object.fromEntries(r.map((c, i) => [`c${i}`, c]))), sheet.headers.map((h, i) => ({ key: `c${i}`, header: h, align: i <= 2 ? ('left' as const) : ('right' as const) })))
    const title = `${report.area.name}助残脱贫工作考核结果`
    const written = await writeReportFiles(
      { pdf: this.flags.pdf, xlsx: this.flags.xlsx, csv: this.flags.csv },
      () => assessmentReport(result, { title, issuer: report.area.orgName, date: localDate(), period: report.period }),
      () => [{ name: '考核结果', ...assessmentSheet(result) }],
    )
    for (const w of [written.pdf, written.xlsx, written.csv]) if (w) this.info(`已生成 ${w.file}`)
    const saved = this.flags.save ? saveAssessment(this.db, result, { period: report.period, schemeName: scheme.name, schemeSha256: sha256, operator: this.operator }) : null
    if (saved) this.info(`已保存 ${saved.saved} 个地区的考核结果`)
    this.info(`考核方案：${scheme.name}；${report.period} 期，${report.levelName} ${result.regions.length} 个`)
    return { period: report.period, level: report.level, scheme: { name: scheme.name, sha256, indicators: scheme.indicators }, regions: result.regions, indicators: result.indicators, averageTotal: result.averageTotal, saved, files: written }
  }
}
