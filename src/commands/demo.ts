import { Flags } from '@oclif/core'
import { relative } from 'node:path'
import { BaseCommand } from '../base-command.js'
import { type DemoResult, runDemo } from '../lib/demo.js'
import { renderTable } from '../lib/output.js'
import { progressTable, summaryText } from '../lib/progress.js'
import { summarizeDiff } from '../lib/roster-report.js'

export default class Demo extends BaseCommand<typeof Demo> {
  static summary = '用内置的示例县跑一遍每月的工作流程（不影响你的数据）'
  static description = `在 --dir 文件夹（默认 ./cjfp-demo）里生成示例县（威宁县）两个月的花名册：一个带标题行和若干常见错误的 .xlsx，
一个 Excel 在中文 Windows 上另存的 GBK 编码 .csv；然后建库、导入、导出退回行、比对两个月。示例数据按固定种子生成，人名和号码都是虚构的。
再次运行会重新生成这个文件夹中的示例文件，不会动其他文件。`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --dir D:\\演示 --persons 5000']
  static dbMode = 'none' as const
  static flags = {
    dir: Flags.string({ summary: '示例文件夹', default: 'cjfp-demo' }),
    persons: Flags.integer({ summary: '示例县第一个月的人数', default: 2000, min: 100, max: 200000 }),
    seed: Flags.integer({ summary: '随机种子（相同种子生成相同数据）', default: 20170613 }),
  }

  async run(): Promise<DemoResult> {
    const result = await runDemo({
      dir: this.flags.dir, persons: this.flags.persons, seed: this.flags.seed, operator: this.flags.operator ?? '演示操作员',
      onStep: (message) => this.info(`· ${message}`),
    })
    const rel = (file: string) => relative(process.cwd(), file) || file
    const [first, second] = result.imports
    const d = result.diff.counts
    const table = progressTable(result.progress)
    this.print(
      [
        `演示完成（${result.seconds.toFixed(1)} 秒）：${result.county.name}`,
        `1. ${first.period} 花名册 ${first.rows.total} 行：导入 ${first.rows.accepted}，退回 ${first.rows.rejected}，跳过 ${first.rows.skipped}，自动修正 ${first.warnings} 处`,
        `2. 退回的行连同原因已导出：${rel(result.files.rejects)}`,
        `3. ${second.period} 花名册（GBK 编码 CSV）：导入 ${second.rows.accepted}，退回 ${second.rows.rejected}`,
        `4. 动态比对：上月末 ${d.previous} + 新增 ${d.new} + 迁入 ${d.movedIn} − 迁出 ${d.movedOut} − 减少 ${d.removed} = 本月末 ${d.current}；其中脱贫 ${d.exited}、返贫 ${d.returned}、信息变更 ${d.changed}`,
        `   明细：${rel(result.files.diff)}`,
        '',
        summarizeDiff(result.diff, { color: this.color }),
        '',
        `5. 结对帮扶名单（${rel(result.files.pairing)}）：导入 ${result.pairing.imported} 户，退回 ${result.pairing.rejected}；` +
          `${result.pairing.check.households} 户中帮扶人、帮扶措施、帮扶资金齐全 ${result.pairing.check.complete} 户（${result.pairing.check.rate}%），缺口 ${result.pairing.check.gaps} 户`,
        `6. 任务下达与分解：${result.tasks.map((t) => `${t.title}（${t.target}，分解到 ${t.children} 个乡镇${t.childrenTotal !== null ? `，合计 ${t.childrenTotal}` : ''}）`).join('；')}`,
        `7. 责任状：${result.letters.responsibility} 份（每个乡镇一个 PDF，在 ${rel(result.files.letters)}）；${result.letters.township}的帮扶责任书 ${result.letters.pairing} 份（合订在 ${rel(result.files.agreements)}）；共 ${result.letters.pages} 页`,
        `8. 政策名单：${result.benefits.lists.map((l) => `${l.type}（${l.period}）导入 ${l.accepted} 人、退回 ${l.rejected} 行、不在花名册 ${l.offRoster} 人`).join('；')}`,
        `9. 应享未享比对：应享 ${result.benefits.totals.eligible} 人次，已享 ${result.benefits.totals.received}，应享未享 ${result.benefits.totals.gaps} 人次，` +
          `需核查 ${result.benefits.totals.reviews} 人次，疑似违规享受 ${result.benefits.totals.violations} 人次；名单：${rel(result.files.gaps)}`,
        ...result.benefits.rules.filter((r) => r.checked).map((r) => `   · ${r.title}：符合 ${r.eligible}，已享 ${r.received}，未享 ${r.gaps}`),
        `10. ${result.progress.period} 进展情况通报（PDF：${rel(result.files.notice)}）：`,
        renderTable(table.rows, table.columns, { color: this.color }),
        summaryText(result.progress),
        `11. 考核（默认评分方案，PDF：${rel(result.files.assessment)}）：${result.assessment.slice(0, 3).map((r) => `${r.rank}. ${r.name} ${r.total.toFixed(2)} 分`).join('；')}` +
          `……最后一名 ${result.assessment.at(-1)?.name} ${result.assessment.at(-1)?.total.toFixed(2)} 分`,
        '',
        `文件在 ${rel(result.dir)}：`,
        `  数据库      ${rel(result.db)}`,
        `  花名册      ${rel(result.files.month1)}`,
        `              ${rel(result.files.month2)}`,
        '',
        '接着可以试试：',
        `  ${this.config.bin} roster diff --from ${first.period} --to ${second.period} --db ${rel(result.db)}`,
        `  ${this.config.bin} roster stats --by township --db ${rel(result.db)}`,
        `  ${this.config.bin} roster rejects --batch ${first.batch} --db ${rel(result.db)}`,
        `  ${this.config.bin} task list --db ${rel(result.db)}`,
        `  ${this.config.bin} pair check --db ${rel(result.db)}`,
        `  ${this.config.bin} letter status --db ${rel(result.db)}`,
        `  ${this.config.bin} benefit gaps --db ${rel(result.db)}`,
        `  ${this.config.bin} report progress --pdf 通报.pdf --db ${rel(result.db)}`,
        `  ${this.config.bin} report assessment --db ${rel(result.db)}`,
      ].join('\n'),
    )
    return result
  }
}
