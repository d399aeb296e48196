import { BaseCommand } from '../../base-command.js'
import { type BenefitType, listBenefitTypes } from '../../lib/benefits.js'

export default class BenefitTypes extends BaseCommand<typeof BenefitTypes> {
  static summary = '列出政策/帮扶措施类型（内置 20 项及本单位添加的）'
  static description = '导入名单时 --type 可用名称、其他名称或代码；一次性措施（危房改造、辅具适配等）比对时计入以往各期名单，经常性政策只看最近一期名单。'
  static examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<BenefitType[]> {
    const types = listBenefitTypes(this.db)
    this.printTable(types.map((t) => ({ ...t, scopeName: t.scope === 'household' ? '按户' : '按人', kind: t.recurring ? '经常性' : '一次性', other: t.aliases.join('、'), source: t.builtin ? '内置' : '本单位' })), [
      { key: 'code', header: '代码' }, { key: 'name', header: '名称' }, { key: 'scopeName', header: '对象' }, { key: 'kind', header: '性质' },
      { key: 'other', header: '其他名称' }, { key: 'source', header: '来源' },
    ])
    return types
  }
}
