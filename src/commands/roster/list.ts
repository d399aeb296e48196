import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { listRoster } from '../../lib/roster-query.js'

export const filterFlags = {
  period: Flags.string({ char: 'p', summary: '期别（年-月），默认最新一期' }),
  township: Flags.string({ summary: '乡镇名称或代码' }),
  village: Flags.string({ summary: '村名称或代码' }),
  status: Flags.string({ summary: '脱贫状态，如 未脱贫、已脱贫、返贫' }),
  category: Flags.string({ summary: '残疾类别，如 肢体' }),
  grade: Flags.string({ summary: '残疾等级 1–4' }),
}

export default class RosterList extends BaseCommand<typeof RosterList> {
  static summary = '按条件列出某期花名册中的人员'
  static examples = [
    '<%= config.bin %> <%= command.id %> --township 海边街道 --status 未脱贫',
    '<%= config.bin %> <%= command.id %> --period 2026-10 --grade 1 --json',
  ]
  static flags = {
    ...filterFlags,
    limit: Flags.integer({ summary: '最多列出多少人', default: 200, min: 1 }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号和电话（默认打码）' }),
  }

  async run() {
    const { limit, reveal, ...filter } = this.flags
    const result = listRoster(this.db, filter, { limit, reveal })
    this.printTable(result.items, [
      { key: 'id', header: '身份证号' },
      { key: 'name', header: '姓名' },
      { key: 'gender', header: '性别' },
      { key: 'township', header: '乡镇' },
      { key: 'village', header: '村' },
      { key: 'category', header: '类别' },
      { key: 'grade', header: '等级', align: 'right' },
      { key: 'povertyStatus', header: '脱贫状态' },
      { key: 'phone', header: '电话' },
    ])
    this.info(`${result.period} 期符合条件的共 ${result.total} 人${result.total > result.items.length ? `，列出前 ${result.items.length} 人（--limit 可调整）` : ''}`)
    return result
  }
}
