import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type LetterRecord, signLetter } from '../../lib/letters.js'

export default class LetterSign extends BaseCommand<typeof LetterSign> {
  static summary = '登记一份责任状或帮扶责任书已签收'
  static description = '签字盖章的文书交回后，记下签收日期（默认今天）；同一份不能重复签收，签收日期不能早于印发日期。'
  static examples = [
    '<%= config.bin %> <%= command.id %> 12 --date 2017-03-20',
    '<%= config.bin %> <%= command.id %> 12 --json',
  ]
  static args = { id: Args.string({ required: true, description: '文书编号（letter list 可查）' }) }
  static flags = { date: Flags.string({ summary: '签收日期（年-月-日，默认今天）' }) }

  async run(): Promise<LetterRecord> {
    const letter = signLetter(this.db, this.args.id, this.flags.date, this.operator)
    this.info(`已登记 ${letter.id} 号${letter.kindName}（${letter.recipient}）于 ${letter.signedAt} 签收`)
    return letter
  }
}
