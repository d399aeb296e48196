import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { ensureCatalog } from '../../lib/catalog.js'
import { listUnits, type Unit, UNIT_KINDS } from '../../lib/units.js'

export default class UnitList extends BaseCommand<typeof UnitList> {
  static summary = '列出责任单位'
  static description = '计划列明的部门排在前面，其次是手工添加的单位和分配任务时自动建立的地方政府。'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --kind government --region 威宁县 --json']
  static flags = {
    kind: Flags.string({ summary: '只列一类', options: [...UNIT_KINDS] }),
    region: Flags.string({ summary: '只列某区划（含下级）的单位' }),
  }

  async run(): Promise<Unit[]> {
    ensureCatalog(this.db, this.operator)
    const units = listUnits(this.db, { kind: this.flags.kind, region: this.flags.region })
    this.printTable(units, [
      { key: 'id', header: '编号', align: 'right' },
      { key: 'name', header: '名称' },
      { key: 'kindName', header: '类别' },
      { key: 'regionName', header: '区划' },
      { key: 'sourceName', header: '来源' },
      { key: 'tasks', header: '任务数', align: 'right' },
    ])
    return units
  }
}
