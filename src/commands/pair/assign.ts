import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { assignPairing, type PairingItem } from '../../lib/pairing.js'

export default class PairAssign extends BaseCommand<typeof PairAssign> {
  static summary = '为一户指定帮扶人（结对），写明帮扶措施和帮扶资金'
  static description = `按户编号或家庭成员的身份证号在最新一期花名册上找到这一户。帮扶人按 姓名+工作单位+电话 识别，没有则新建。
同一帮扶人与同一户已有在帮结对时报冲突（退出码 5）；要修改，先用 pair end 结束原结对。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --helper 陈明 --unit 县残联 --phone 13800001234 --party-member --household 5205260010010001 --measures 产业帮扶 --funds 5000',
    '<%= config.bin %> <%= command.id %> --helper 吴兰 --unit 草海镇政府 --id 520526196503122321 --measures 就业帮扶 --funds 0.5万 --start 2026-03-01',
  ]
  static flags = {
    helper: Flags.string({ required: true, summary: '帮扶人姓名' }),
    unit: Flags.string({ required: true, summary: '帮扶人工作单位' }),
    phone: Flags.string({ summary: '帮扶人联系电话' }),
    'party-member': Flags.boolean({ summary: '帮扶人是中共党员（--no-party-member：不是）', allowNo: true }),
    household: Flags.string({ summary: '户编号', exactlyOne: ['household', 'id'] }),
    id: Flags.string({ summary: '家庭成员的身份证号（代替户编号）', exactlyOne: ['household', 'id'] }),
    measures: Flags.string({ required: true, summary: '帮扶措施' }),
    funds: Flags.string({ required: true, summary: '帮扶资金（元），如 5000、5000元、0.5万' }),
    start: Flags.string({ summary: '结对开始日期（默认今天）' }),
    reveal: Flags.boolean({ summary: '显示完整的身份证号和电话（默认打码）' }),
  }

  async run(): Promise<PairingItem> {
    const f = this.flags
    const item = assignPairing(this.db, {
      helperName: f.helper, unit: f.unit, phone: f.phone, partyMember: f['party-member'], household: f.household, idNumber: f.id,
      measures: f.measures, funds: f.funds, start: f.start,
    }, { operator: this.operator, reveal: f.reveal })
    this.info(`已结对：${item.helper}（${item.unit}）帮扶 ${item.township ?? ''}${item.village ?? ''} ${item.household} 户（${item.members.join('、')}），结对记录 ${item.id}`)
    return item
  }
}
