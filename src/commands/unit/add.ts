import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { ensureCatalog } from '../../lib/catalog.js'
import { addUnit, type Unit, UNIT_KINDS } from '../../lib/units.js'

export default class UnitAdd extends BaseCommand<typeof UnitAdd> {
  static summary = '添加一个责任单位（部门、地方政府或其他）'
  static description = '计划附件和发文对象中列明的部门、各区划的人民政府（办事处）在首次使用时自动建立，不必手工添加。添加记入审计日志。'
  static examples = [
    '<%= config.bin %> <%= command.id %> 威宁县残联康复中心 --kind other --region 威宁县',
    '<%= config.bin %> <%= command.id %> 威宁县乡村振兴局 --kind department --region 520526 --json',
  ]
  static args = { name: Args.string({ required: true, description: '单位名称' }) }
  static flags = {
    kind: Flags.string({ summary: '类别：department（部门）、government（地方政府）、other（其他）', options: [...UNIT_KINDS], required: true }),
    region: Flags.string({ summary: '所属区划（名称或代码）' }),
    'full-name': Flags.string({ summary: '单位全称（用于责任状落款）' }),
  }

  async run(): Promise<Unit> {
    ensureCatalog(this.db, this.operator)
    const unit = addUnit(this.db, { name: this.args.name, kind: this.flags.kind as Unit['kind'], region: this.flags.region, fullName: this.flags['full-name'] }, this.operator)
    this.info(`已添加责任单位 ${unit.id}：${unit.name}（${unit.kindName}${unit.regionName ? `，${unit.regionName}` : ''}）`)
    return unit
  }
}
