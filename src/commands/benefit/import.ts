import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type BenefitImportResult, importBenefitList, presentBenefitImport } from '../../lib/benefits.js'

export default class BenefitImport extends BaseCommand<typeof BenefitImport> {
  static summary = '导入其他部门的政策名单（低保、两项补贴、医保代缴、危房改造、辅具适配……），按身份证号与花名册比对'
  static description = `名单按身份证号对应到同期（没有同期则取之前最近一期）花名册；名单上有而花名册上没有的人照常保存并列出，不会丢弃。
表头位置、列名写法、GBK/UTF-8 编码自动识别；不合格的行连同原始内容和原因一起保存，可用 benefit rejects 导出修改后再导入。
整个文件在一个事务里写入；内容相同的文件再次导入不会有任何改动。同一政策同一期别的更正名单用 --replace 替换先前导入的名单。`
  static examples = [
    '<%= config.bin %> <%= command.id %> 低保名单.xlsx --type 低保 --period 2026-11',
    '<%= config.bin %> <%= command.id %> 护理补贴发放表.csv --type 护理补贴 --period 2026-11 --dry-run',
  ]
  static args = { file: Args.string({ required: true, description: '名单文件（.xlsx 或 .csv）' }) }
  static flags = {
    type: Flags.string({ char: 't', required: true, summary: '政策类型：名称、简称或代码（见 benefit types），如 低保、生活补贴、护理补贴、医保缴费补贴' }),
    period: Flags.string({ char: 'p', required: true, summary: '名单所属期别，年-月，如 2026-11' }),
    sheet: Flags.string({ summary: '要导入的工作表名称（默认第一个工作表）' }),
    encoding: Flags.string({ summary: 'CSV 文件的编码（默认自动识别 UTF-8 / GBK）', options: ['auto', 'utf8', 'gbk'], default: 'auto' }),
    replace: Flags.boolean({ summary: '替换同一政策同一期别先前导入的名单（更正后的整份名单）' }),
    'dry-run': Flags.boolean({ summary: '只检查并报告结果，不写入数据库' }),
    strict: Flags.boolean({ summary: '只要有一行不合格就整个文件都不导入（退出码 3）' }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号（默认打码）' }),
  }

  async run(): Promise<BenefitImportResult> {
    const f = this.flags
    const result = presentBenefitImport(
      await importBenefitList(this.db, this.args.file, {
        type: f.type, period: f.period, operator: this.operator, sheet: f.sheet, encoding: f.encoding as 'auto' | 'utf8' | 'gbk',
        dryRun: f['dry-run'], strict: f.strict, replace: f.replace,
      }),
      f.reveal,
    )
    if (result.alreadyImported) {
      this.print(`${result.file} 与第 ${result.batch} 批内容完全相同，已导入过，本次没有改动`)
      return result
    }
    const { rows, offRoster } = result
    this.print(`${result.dryRun ? '（试运行，未写入）' : ''}${result.file}（${result.benefit.name}，${result.period}）：共 ${rows.total} 行，导入 ${rows.accepted} 行，` +
      `退回 ${rows.rejected} 行，跳过 ${rows.skipped} 行${result.replaced.length > 0 ? `；替换了第 ${result.replaced.join('、')} 批` : ''}`)
    this.print(result.rosterPeriod
      ? `对照 ${result.rosterPeriod} 期花名册：在册 ${result.onRoster} 人；不在花名册 ${offRoster.count} 人（其中已移出 ${offRoster.left} 人，从未在册 ${offRoster.never} 人）`
      : '还没有导入这一期或更早的花名册，名单上的人暂时都无法比对')
    if (offRoster.items.length > 0) {
      this.printTable(offRoster.items.slice(0, 20).map((p) => ({ ...p, statusName: p.status === 'left' ? `已移出（最后在册 ${p.lastPeriod}）` : '从未在册' })), [
        { key: 'row', header: '行号', align: 'right' }, { key: 'name', header: '姓名' }, { key: 'id', header: '身份证号' }, { key: 'statusName', header: '花名册情况' },
      ])
      if (offRoster.items.length > 20) this.info(`另有 ${offRoster.count - 20} 人未列出，加 --json 可看全部`)
    }
    if (result.rejected.length > 0) {
      this.printTable(result.rejected.slice(0, 50), [{ key: 'row', header: '行号', align: 'right' }, { key: 'column', header: '列' }, { key: 'message', header: '原因' }])
      if (result.batch) this.info(`退回的行可用 \`${this.config.bin} benefit rejects --batch ${result.batch} --out 退回行.xlsx\` 导出修改后重新导入`)
    }
    return result
  }
}
