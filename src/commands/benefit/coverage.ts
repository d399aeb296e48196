import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { checkBenefits, checkNotes, coverageByRegion, type GroupLevel } from '../../lib/benefit-check.js'
import { loadRules, rulesFileFor } from '../../lib/benefit-rules.js'
import { getArea } from '../../lib/area.js'
import { defaultLevel, percent } from '../../lib/progress.js'

export default class BenefitCoverage extends BaseCommand<typeof BenefitCoverage> {
  static summary = '政策覆盖率：按地区统计应享政策的人次、已享人次、覆盖率和应享未享人次'
  static description = '只计“应享”规则（“核查”规则的对象需入户核实，不计入）；各项规则的覆盖率见 --json 或 benefit gaps。'
  static examples = ['<%= config.bin %> <%= command.id %> --period 2026-11', '<%= config.bin %> <%= command.id %> --level village --json']
  static flags = {
    period: Flags.string({ char: 'p', summary: '期别，年-月（默认最新一期）' }),
    level: Flags.string({ char: 'l', summary: '按哪一级地区统计（默认本级的下一级）', options: ['county', 'township', 'village'] }),
    rules: Flags.string({ summary: '比对规则文件（默认配置 benefit.rules，否则内置规则）' }),
  }

  async run() {
    const rules = loadRules(this.db, rulesFileFor(this.db, this.flags.rules))
    const level = (this.flags.level as GroupLevel | undefined) ?? defaultLevel(getArea(this.db).level)
    const result = await checkBenefits(this.db, rules, { period: this.flags.period, groupBy: level })
    const rows = coverageByRegion(this.db, result)
    this.printTable(rows.map((r) => ({ ...r, pct: percent(r.coverage) })), [
      { key: 'name', header: '地区' }, { key: 'persons', header: '在册', align: 'right' }, { key: 'eligible', header: '应享人次', align: 'right' },
      { key: 'received', header: '已享人次', align: 'right' }, { key: 'pct', header: '覆盖率', align: 'right' }, { key: 'gaps', header: '应享未享', align: 'right' },
      { key: 'violations', header: '疑似违规', align: 'right' },
    ])
    for (const note of checkNotes(result)) this.notice(note)
    return { period: result.period, level, rules: result.rules.map(({ id, title, benefit, level, checked, eligible, received, gaps, rate }) => ({ id, title, benefit, level, checked, eligible, received, gaps, rate })), regions: rows }
  }
}
