import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { addBenefitType, type BenefitType } from '../../lib/benefits.js'

export default class BenefitTypeAdd extends BaseCommand<typeof BenefitTypeAdd> {
  static summary = '添加本单位的政策/帮扶措施类型'
  static examples = [
    '<%= config.bin %> <%= command.id %> --name 残疾人就业补贴 --code employment_subsidy',
    '<%= config.bin %> <%= command.id %> --name 庭院经济扶持 --code courtyard --scope household --one-off --alias 庭院经济',
  ]
  static flags = {
    name: Flags.string({ required: true, summary: '名称，如 残疾人就业补贴' }),
    code: Flags.string({ required: true, summary: '代码：小写英文字母开头，只含小写字母、数字和下划线' }),
    scope: Flags.string({ summary: '享受对象：person 按人，household 按户', options: ['person', 'household'], default: 'person' }),
    'one-off': Flags.boolean({ summary: '一次性措施（享受过即算，如改造、适配）；默认为按期发放的经常性政策' }),
    alias: Flags.string({ summary: '其他名称（可多次使用）', multiple: true }),
  }

  async run(): Promise<BenefitType> {
    const f = this.flags
    const type = addBenefitType(this.db, { name: f.name, code: f.code, scope: f.scope as 'person' | 'household', recurring: !f['one-off'], aliases: f.alias ?? [] }, this.operator)
    this.info(`已添加政策类型「${type.name}」（${type.code}）`)
    return type
  }
}
