import { Args } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { describeRegion, type RegionInfo, regionIndexFor } from '../../lib/regions.js'
import { openIfPresent } from '../../lib/db.js'

export default class RegionShow extends BaseCommand<typeof RegionShow> {
  static summary = '查看一个行政区划：全称、代码、上级、汇报关系'
  static description = '可按代码（6 位、9 位或 12 位）、全称或简称（如 威宁县、黔南州）查询。不需要数据库；若 --db 指向已有数据库，也能查到花名册中出现过的村。'
  static examples = ['<%= config.bin %> <%= command.id %> 520526', '<%= config.bin %> <%= command.id %> 黔南州 --json']
  static dbMode = 'none' as const
  static args = { region: Args.string({ required: true, description: '区划代码或名称' }) }

  async run(): Promise<RegionInfo> {
    const db = openIfPresent(this.flags.db)
    try {
      const index = regionIndexFor(db)
      const info = describeRegion(index, index.find(this.args.region))
      this.printRecord([
        ['名称', info.name],
        ['代码', `${info.code}（${info.fullCode}）`],
        ['级别', info.levelName],
        ['所属', info.path.slice(0, -1).map((r) => r.name).join(' / ') || '—'],
        ['汇报对象', info.reportsTo ? `${info.reportsTo.name}${info.directToProvince ? '（省直管）' : ''}` : '—'],
        ['简称', info.shortNames.join('、') || '—'],
        ['下级区划', `${info.children} 个`],
      ])
      return info
    } finally {
      db?.close()
    }
  }
}
