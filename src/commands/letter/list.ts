import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { type LetterKind, type LetterRecord, listLetters } from '../../lib/letters.js'

export default class LetterList extends BaseCommand<typeof LetterList> {
  static summary = '列出已生成的责任状和帮扶责任书'
  static description = '按编号倒序列出台账中记录的每份文书：种类、甲乙双方、文件、sha256、印发和签收日期。'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --kind responsibility --unsigned --json',
  ]
  static flags = {
    kind: Flags.string({ summary: '只列某种文书', options: ['responsibility', 'pairing'] }),
    region: Flags.string({ char: 'r', summary: '只列某区划及其下级的文书' }),
    unsigned: Flags.boolean({ summary: '只列未签收的', exclusive: ['signed'] }),
    signed: Flags.boolean({ summary: '只列已签收的', exclusive: ['unsigned'] }),
  }

  async run(): Promise<LetterRecord[]> {
    const f = this.flags
    const letters = listLetters(this.db, { kind: f.kind as LetterKind | undefined, region: f.region, signed: f.signed ? true : f.unsigned ? false : undefined })
    this.printTable(letters, [
      { key: 'id', header: '编号', align: 'right' },
      { key: 'kindName', header: '种类' },
      { key: 'issuer', header: '甲方' },
      { key: 'recipient', header: '乙方' },
      { key: 'issuedAt', header: '印发日期' },
      { key: 'signedAt', header: '签收日期' },
      { key: 'filePath', header: '文件' },
    ])
    if (!letters.length) this.info('还没有符合条件的文书')
    return letters
  }
}
