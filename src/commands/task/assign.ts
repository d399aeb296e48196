import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { ensureCatalog } from '../../lib/catalog.js'
import { assignTask, formatTarget, indicatorDefaults } from '../../lib/tasks.js'

export default class TaskAssign extends BaseCommand<typeof TaskAssign> {
  static summary = '把计划中的一项行动作为任务分配给区划和责任单位，定目标值和截止日期'
  static description = `给出 --indicator 时，目标值、计量单位、比较方式和截止日期缺省取计划中该指标的值。
不给 --unit 时由该区划的人民政府（街道为办事处）负责，首次使用时自动建立该单位。
在终端中缺少必填项会逐项询问；脚本中缺少时退出码 2 并指明缺少的参数。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --action KA03 --region 威宁县 --unit 县残联 --indicator device_fitting_rate --target 80 --target-unit % --deadline 2020-12-31',
    '<%= config.bin %> <%= command.id %> --action KA01 --region 威宁县 --target 500 --target-unit 人 --deadline 2020-12-31 --title 实用技术培训 --json',
  ]
  static flags = {
    action: Flags.string({ char: 'a', summary: '行动编号，如 KA03（`action list` 可查）' }),
    region: Flags.string({ char: 'r', summary: '区划名称或代码，如 威宁县、海边街道' }),
    unit: Flags.string({ summary: '责任单位名称或编号（默认为该区划的人民政府）' }),
    indicator: Flags.string({ char: 'i', summary: '指标代码，如 device_fitting_rate（`action indicators` 可查）' }),
    target: Flags.string({ summary: '目标值（数字）' }),
    'target-unit': Flags.string({ summary: '计量单位，如 %、人、户、个' }),
    comparison: Flags.string({ summary: '达标条件（默认取指标的，否则 >=）', options: ['>=', '<=', '='] }),
    deadline: Flags.string({ summary: '截止日期（年-月-日）' }),
    title: Flags.string({ summary: '任务名称（默认为「行动：指标」）' }),
  }

  async run() {
    const f = this.flags
    const action = f.action ?? (await this.ask('action', '行动编号（如 KA03，可用 action list 查看）：'))
    const region = f.region ?? (await this.ask('region', '区划（名称或代码，如 威宁县）：'))
    ensureCatalog(this.db, this.operator)
    const defaults = indicatorDefaults(this.db, f.indicator)
    const target = f.target ?? (defaults.target === undefined ? await this.ask('target', '目标值：') : undefined)
    const targetUnit = f['target-unit'] ?? (defaults.targetUnit === undefined ? await this.ask('target-unit', '计量单位（如 %、人、户、个）：') : undefined)
    const deadline = f.deadline ?? (defaults.deadline === undefined ? await this.ask('deadline', '截止日期（年-月-日）：') : undefined)
    const result = assignTask(this.db, {
      action, region, unit: f.unit, indicator: f.indicator, target, targetUnit, deadline, title: f.title,
      comparison: f.comparison as '>=' | '<=' | '=' | undefined,
    }, this.operator)
    for (const warning of result.warnings) this.notice(warning)
    const t = result.task
    this.info(`已分配任务 ${t.id}${result.unitCreated ? `（新建责任单位 ${t.unitName}）` : ''}`)
    this.printRecord([
      ['编号', t.id], ['任务', t.title], ['区划', t.regionName], ['责任单位', t.unitName],
      ['目标', formatTarget(t.target, t.targetUnit, t.comparison)], ['截止日期', t.deadline],
    ])
    return result
  }
}
