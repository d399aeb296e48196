import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { listRegions, type RegionListItem, regionIndexFor } from '../../lib/regions.js'
import { openIfPresent } from '../../lib/db.js'

export default class RegionList extends BaseCommand<typeof RegionList> {
  static summary = '列出下级行政区划'
  static description = '不给参数时列出贵州省的 9 个市州；给出市州或县时列出它的下级。--level 可一次列出某一级的全部区划。'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> 毕节市',
    '<%= config.bin %> <%= command.id %> 52 --level county --json',
  ]
  static dbMode = 'none' as const
  static args = { parent: Args.string({ description: '上级区划的代码或名称（默认 52 贵州省）', default: '52' }) }
  static flags = {
    level: Flags.string({ summary: '列出该级别的全部区划', options: ['city', 'county', 'township', 'village'] }),
  }

  async run(): Promise<RegionListItem[]> {
    const db = openIfPresent(this.flags.db)
    try {
      const index = regionIndexFor(db)
      const items = listRegions(index, index.find(this.args.parent), this.flags.level as RegionListItem['level'] | undefined)
      this.printTable(items, [
        { key: 'code', header: '代码' },
        { key: 'name', header: '名称' },
        { key: 'levelName', header: '级别' },
        { key: 'parentName', header: '上级' },
        { key: 'directToProvince', header: '备注', format: (v) => (v ? '省直管' : '') },
      ])
      this.info(`共 ${items.length} 个`)
      return items
    } finally {
      db?.close()
    }
  }
}
