import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type BenefitListSummary, listBenefitLists } from '../../lib/benefits.js'

export default class BenefitLists extends BaseCommand<typeof BenefitLists> {
  static summary = '列出已导入的政策名单（批次、期别、行数、在册人数）'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --type 低保']
  static flags = {
    type: Flags.string({ char: 't', summary: '只看一种政策' }),
    period: Flags.string({ char: 'p', summary: '只看一个期别' }),
  }

  async run(): Promise<BenefitListSummary[]> {
    const lists = listBenefitLists(this.db, { type: this.flags.type, period: this.flags.period })
    this.printTable(lists.map((l) => ({ ...l, statusName: l.status === 'active' ? '有效' : '已替换' })), [
      { key: 'batch', header: '批次', align: 'right' }, { key: 'period', header: '期别' }, { key: 'name', header: '政策' }, { key: 'file', header: '文件' },
      { key: 'accepted', header: '导入', align: 'right' }, { key: 'rejected', header: '退回', align: 'right' }, { key: 'onRoster', header: '在册', align: 'right' },
      { key: 'statusName', header: '状态' },
    ])
    if (lists.length === 0) this.info('还没有导入政策名单；用 `cjfp benefit import 文件 --type 低保 --period 年-月` 导入')
    return lists
  }
}
