import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { checkPairing, type PairingCheck, pairingCheckSheets } from '../../lib/pairing.js'
import { writeTable } from '../../lib/table-writer.js'

export default class PairCheck extends BaseCommand<typeof PairCheck> {
  static summary = '检查每户是否都有帮扶人、帮扶措施、帮扶资金（按乡镇统计覆盖率）'
  static description = `对照一期花名册（默认最新一期）上的每一户：没有在帮的帮扶人、没有帮扶措施、或没有帮扶资金（空或 0）的户列为缺口。
也列出户已不在该期花名册上、却仍在帮的结对。--out 把统计、缺口清单和这些结对写成 Excel 文件。`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --township 海边街道 --out 结对缺口.xlsx',
  ]
  static flags = {
    period: Flags.string({ char: 'p', summary: '花名册期别（年-月，默认最新一期）' }),
    township: Flags.string({ summary: '只查这个乡镇（名称或代码）' }),
    out: Flags.string({ char: 'o', summary: '把结果写到 .xlsx 或 .csv 文件（CSV 只含按乡镇统计）' }),
    reveal: Flags.boolean({ summary: '无户编号的户显示完整身份证号（默认打码）' }),
  }

  async run(): Promise<PairingCheck & { out: string | null }> {
    const check = checkPairing(this.db, { period: this.flags.period, township: this.flags.township, reveal: this.flags.reveal })
    if (this.flags.out) {
      await writeTable(this.flags.out, pairingCheckSheets(check))
      this.info(`已写入 ${this.flags.out}`)
    }
    this.printTable([...check.townships, { township: '合计', ...check.total }], [
      { key: 'township', header: '乡镇' },
      { key: 'households', header: '登记户数', align: 'right' },
      { key: 'withHelper', header: '有帮扶人', align: 'right' },
      { key: 'withMeasures', header: '有措施', align: 'right' },
      { key: 'withFunds', header: '有资金', align: 'right' },
      { key: 'gaps', header: '缺口户数', align: 'right' },
      { key: 'rate', header: '覆盖率', align: 'right', format: (v) => (v === null ? '' : `${v}%`) },
    ])
    if (check.gaps.length > 0) {
      this.printTable(check.gaps.slice(0, 50), [
        { key: 'township', header: '乡镇' },
        { key: 'village', header: '村' },
        { key: 'household', header: '户编号' },
        { key: 'members', header: '家庭成员', format: (v) => (v as string[]).join('、') },
        { key: 'missingText', header: '缺少' },
      ])
      if (check.gaps.length > 50) this.info(`缺口共 ${check.gaps.length} 户，上表只列前 50 户；加 --out 导出全部`)
    }
    if (check.stale.length > 0) this.notice(`${check.stale.length} 条在帮结对的户已不在 ${check.period} 期花名册上（结对记录 ${check.stale.slice(0, 20).map((s) => s.id).join('、')}${check.stale.length > 20 ? ' 等，全部见 --json' : ''}），可用 pair end 结束`)
    this.info(`${check.period} 期：${check.total.households} 户中 ${check.total.complete} 户三项齐全，缺口 ${check.total.gaps} 户`)
    return { ...check, out: this.flags.out ?? null }
  }
}
