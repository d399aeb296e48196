import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { importPairings, type PairingImportResult, presentPairingImport } from '../../lib/pairing.js'

export default class PairImport extends BaseCommand<typeof PairImport> {
  static summary = '导入结对帮扶名单（帮扶人、工作单位、帮扶户、帮扶措施、帮扶资金）'
  static description = `按户编号或家庭成员的身份证号，把每一行对应到最新一期花名册上的户；帮扶人按 姓名+工作单位+电话 识别，同一帮扶人与同一户只有一条在帮结对。
不合格的行连同原始内容和原因一起保存，可用 pair rejects 导出修改后再导入。整个文件在一个事务里写入；内容相同的文件再次导入不会有任何改动。`
  static examples = [
    '<%= config.bin %> <%= command.id %> 结对帮扶名单.xlsx',
    '<%= config.bin %> <%= command.id %> 帮扶人.csv --dry-run',
  ]
  static args = { file: Args.string({ required: true, description: '结对帮扶名单（.xlsx 或 .csv）' }) }
  static flags = {
    sheet: Flags.string({ summary: '要导入的工作表名称（默认第一个工作表）' }),
    encoding: Flags.string({ summary: 'CSV 文件的编码（默认自动识别 UTF-8 / GBK）', options: ['auto', 'utf8', 'gbk'], default: 'auto' }),
    'dry-run': Flags.boolean({ summary: '只检查并报告结果，不写入数据库' }),
    strict: Flags.boolean({ summary: '只要有一行不合格就整个文件都不导入（退出码 3）' }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号和电话（默认打码）' }),
  }

  async run(): Promise<PairingImportResult> {
    const result = presentPairingImport(
      await importPairings(this.db, this.args.file, {
        operator: this.operator, sheet: this.flags.sheet, encoding: this.flags.encoding as 'auto' | 'utf8' | 'gbk',
        dryRun: this.flags['dry-run'], strict: this.flags.strict,
      }),
      this.flags.reveal,
    )
    if (result.alreadyImported) {
      this.print(`${result.file} 与第 ${result.batch} 批内容完全相同，已导入过，本次没有改动`)
      return result
    }
    const { rows, helpers, pairings } = result
    this.print(`${result.dryRun ? '（试运行，未写入）' : ''}${result.file}：共 ${rows.total} 行，导入 ${rows.accepted} 行，退回 ${rows.rejected} 行，跳过 ${rows.skipped} 行；` +
      `新帮扶人 ${helpers.created} 人，新结对 ${pairings.created} 户，更新结对 ${pairings.updated} 户（对照 ${result.period} 期花名册）`)
    if (result.rejected.length > 0) {
      this.printTable(result.rejected, [
        { key: 'row', header: '行号', align: 'right' },
        { key: 'column', header: '列' },
        { key: 'message', header: '原因' },
      ])
      if (result.batch) this.info(`退回的行可用 \`${this.config.bin} pair rejects --batch ${result.batch} --out 退回行.xlsx\` 导出修改后重新导入`)
    }
    return result
  }
}
