import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { listPairings, type PairingItem } from '../../lib/pairing.js'

export default class PairList extends BaseCommand<typeof PairList> {
  static summary = '列出结对帮扶（帮扶人、所帮扶的户、措施和资金）'
  static description = '默认只列在帮的结对；加 --all 连同已结束的一起列出。户所在的乡镇、村取自最新一期花名册。'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --township 海边街道 --helper 陈明 --all',
  ]
  static flags = {
    township: Flags.string({ summary: '只列这个乡镇（名称或代码）的户' }),
    village: Flags.string({ summary: '只列这个村（名称或代码）的户' }),
    helper: Flags.string({ summary: '只列姓名含这几个字的帮扶人' }),
    all: Flags.boolean({ summary: '连同已结束的结对一起列出' }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号和电话（默认打码）' }),
  }

  async run(): Promise<PairingItem[]> {
    const f = this.flags
    const items = listPairings(this.db, { township: f.township, village: f.village, helper: f.helper, active: !f.all }, { reveal: f.reveal })
    this.printTable(items, [
      { key: 'id', header: '编号', align: 'right' },
      { key: 'helper', header: '帮扶人' },
      { key: 'unit', header: '工作单位' },
      { key: 'phone', header: '电话' },
      { key: 'township', header: '乡镇', format: (v, r) => (r.stale ? '（不在最新花名册）' : String(v ?? '')) },
      { key: 'village', header: '村' },
      { key: 'household', header: '户编号' },
      { key: 'members', header: '家庭成员', format: (v) => (v as string[]).join('、') },
      { key: 'measures', header: '帮扶措施' },
      { key: 'funds', header: '资金(元)', align: 'right' },
      { key: 'endDate', header: '结束日期' },
    ])
    this.info(`共 ${items.length} 条${f.all ? '' : '在帮'}结对`)
    return items
  }
}
