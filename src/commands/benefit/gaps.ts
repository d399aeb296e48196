import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { collectGarbage } from '../../lib/memory.js'
import { checkBenefits, checkNotes, gapListSheet, gapSheets, presentCheck, VIOLATION_NAMES } from '../../lib/benefit-check.js'
import { loadRules, rulesFileFor } from '../../lib/benefit-rules.js'
import { getArea } from '../../lib/area.js'
import { builtinRegions } from '../../lib/regions.js'
import { writeTable } from '../../lib/table-writer.js'

export default class BenefitGaps extends BaseCommand<typeof BenefitGaps> {
  static summary = '应享未享比对：按规则列出符合条件却未享受政策的人，以及疑似违规享受的人'
  static description = `--out 的 .xlsx 按乡镇分工作表（市、省的库按县分）。规则是数据文件（默认 templates/benefit-rules.json，可复制修改后用 --rules 指定或 config set benefit.rules）。
经常性政策（低保、两项补贴、医保代缴……）按该期及以前最近一期名单比对，一次性措施（危房改造、辅具适配……）计入以往各期名单；没有名单的政策不检查。
反方向同时检查：不符合享受条件仍在享受、同时享受互斥政策、只发给建档立卡对象的政策发给了花名册以外的人。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --period 2026-11',
    '<%= config.bin %> <%= command.id %> --period 2026-11 --out 应享未享.xlsx',
    '<%= config.bin %> <%= command.id %> --rules 本县比对规则.json --json',
  ]
  static flags = {
    period: Flags.string({ char: 'p', summary: '期别，年-月（默认最新一期）' }),
    rules: Flags.string({ summary: '比对规则文件（默认配置 benefit.rules，否则内置规则）' }),
    out: Flags.string({ char: 'o', summary: '导出到 .xlsx（汇总、每个乡镇一个工作表、疑似违规享受）或 .csv' }),
    limit: Flags.integer({ summary: '最多列出多少人（终端默认 30，--json 默认 10000；完整名单用 --out 导出）', min: 0 }),
    reveal: Flags.boolean({ summary: '显示和导出完整的身份证号（默认打码）' }),
  }

  async run() {
    const rules = loadRules(this.db, rulesFileFor(this.db, this.flags.rules))
    const result = await checkBenefits(this.db, rules, { period: this.flags.period, items: true })
    if (this.flags.out) {
      // The check's dead arrays go before the export piles up its own.
      if (result.gaps.length > 100_000) collectGarbage()
      const csv = this.flags.out.toLowerCase().endsWith('.csv')
      const byCounty = getArea(this.db).level !== 'county'
      const written = await writeTable(this.flags.out, csv ? gapListSheet(result, this.flags.reveal)
        : gapSheets(result, this.flags.reveal, { by: byCounty ? 'county' : 'township', countyName: (code) => builtinRegions().get(code)?.name ?? code }))
      this.info(`已导出到 ${written.file}${this.flags.reveal ? '' : '（身份证号已打码）'}`)
    }
    this.printTable(result.rules.map((r) => ({ ...r, levelName: r.level === 'entitled' ? '应享' : '核查', eligibleText: r.checked ? r.eligible : '未检查', pct: r.rate === null ? '—' : `${(r.rate * 100).toFixed(1)}%` })), [
      { key: 'title', header: '规则' }, { key: 'benefit', header: '政策', format: (b) => (b as { name: string }).name }, { key: 'levelName', header: '级别' },
      { key: 'eligibleText', header: '符合条件', align: 'right' }, { key: 'received', header: '已享受', align: 'right' }, { key: 'gaps', header: '未享受', align: 'right' },
      { key: 'pct', header: '覆盖率', align: 'right' },
    ])
    const limit = this.flags.limit ?? (this.jsonMode ? 10_000 : 30)
    const shown = presentCheck(result, this.flags.reveal, limit)
    if (shown.gaps.length > 0 && limit > 0) {
      this.printTable(shown.gaps.slice(0, limit).map((g) => ({ ...g, levelName: g.level === 'entitled' ? '应享未享' : '需核查' })), [
        { key: 'levelName', header: '类别' }, { key: 'township', header: '乡镇' }, { key: 'village', header: '村' }, { key: 'name', header: '姓名' },
        { key: 'id', header: '身份证号' }, { key: 'benefit', header: '应享政策' },
      ])
    }
    if (shown.violations.length > 0 && limit > 0) {
      this.printTable(shown.violations.slice(0, limit).map((v) => ({ ...v, kindName: VIOLATION_NAMES[v.kind], benefitText: v.benefits.join('、') })), [
        { key: 'kindName', header: '疑似违规' }, { key: 'township', header: '乡镇' }, { key: 'name', header: '姓名' }, { key: 'id', header: '身份证号' },
        { key: 'benefitText', header: '政策' }, { key: 'reason', header: '说明' },
      ])
    }
    const t = result.totals
    this.info(`${result.period} 期：在册 ${result.persons} 人；应享未享 ${t.gaps} 人次、需核查 ${t.reviews} 人次、疑似违规享受 ${t.violations} 人次` +
      `${result.gaps.length > limit ? `；终端只列出前 ${limit} 人，完整名单用 --out 导出` : ''}`)
    for (const note of checkNotes(result)) this.notice(note)
    return shown
  }
}
