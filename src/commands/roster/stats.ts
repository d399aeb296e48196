import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { rosterStats, STAT_DIMENSIONS, type StatDimension } from '../../lib/roster-query.js'
import { filterFlags } from './list.js'

export default class RosterStats extends BaseCommand<typeof RosterStats> {
  static summary = '按乡镇、村、脱贫状态、残疾类别或等级统计某期花名册'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --by category --township 海边街道 --json']
  static flags = {
    ...filterFlags,
    by: Flags.string({ summary: '分组方式', options: Object.keys(STAT_DIMENSIONS), default: 'township' }),
  }

  async run() {
    const { by, ...filter } = this.flags
    const stats = rosterStats(this.db, filter, by as StatDimension)
    this.print(`${stats.period} 期，按${STAT_DIMENSIONS[stats.by].label}统计`)
    this.printTable([...stats.groups, stats.total], [
      { key: 'group', header: STAT_DIMENSIONS[stats.by].label },
      { key: 'persons', header: '人数', align: 'right' },
      { key: 'households', header: '户数', align: 'right' },
      { key: 'exited', header: '已脱贫', align: 'right' },
      { key: 'poor', header: '未脱贫/返贫', align: 'right' },
      { key: 'severe', header: '一二级重度', align: 'right' },
    ])
    return stats
  }
}
