import { Flags } from '@oclif/core'
import { BaseCommand } from '../../base-command.js'
import { getArea } from '../../lib/area.js'
import { resolveLetterTemplate } from '../../lib/letter-template.js'
import { buildPairingLetters, buildResponsibilityLetters, type LetterTarget, renderLetters, type RenderResult } from '../../lib/letters.js'

export default class LetterGenerate extends BaseCommand<typeof LetterGenerate> {
  static summary = '生成责任状或帮扶责任书 PDF（每份一个文件，或合订为一个文件）'
  static description = `责任状：从 --from 区划向其下级（--to townships 乡镇、--to counties 县）各签一份，列出下级的任务、目标值和完成时限；没有任务的下级只在加 --include-empty 时生成。--from 为省或市州而 --to townships 时，一次生成其中所有县向各乡镇的责任状（甲方为各乡镇所属的县）。
帮扶责任书：每个在帮的结对一份，可用 --township、--helper 限定；帮扶人和户主姓名、电话默认打码，加 --reveal 打印全名。
模板默认用 templates/letters/ 中的内置模板，--template 可指定本单位修改过的副本。每份生成的文件都记入台账（文件路径、sha256、任务），供 letter list/sign/status 跟踪。`
  static examples = [
    '<%= config.bin %> <%= command.id %> --kind responsibility --from 威宁县 --to townships --out 责任状 --date 2017-03-15',
    '<%= config.bin %> <%= command.id %> --kind responsibility --from 52 --to townships --out 全省责任状 --combined --json',
    '<%= config.bin %> <%= command.id %> --kind pairing --township 海边街道 --out 帮扶责任书 --template 我的模板.json',
  ]
  static flags = {
    kind: Flags.string({ summary: '文书种类：responsibility（责任状）或 pairing（帮扶责任书）', options: ['responsibility', 'pairing'], required: true }),
    from: Flags.string({ summary: '责任状的发出区划（名称或代码），如 威宁县；默认本库辖区' }),
    to: Flags.string({ summary: '责任状签到哪一级：townships 或 counties', options: ['townships', 'counties'] }),
    out: Flags.string({ char: 'o', summary: '输出文件夹（不存在时新建）', required: true }),
    combined: Flags.boolean({ summary: '合订为一个 PDF（每份另起一页，页码各自从 1 起）' }),
    template: Flags.string({ summary: '模板文件（JSON，默认内置模板）' }),
    date: Flags.string({ summary: '签订日期（年-月-日，默认今天），印在落款并作为 PDF 日期' }),
    year: Flags.integer({ summary: '年度（默认取签订日期的年份）；给出时只列截止日期在该年及以后的任务', min: 2000, max: 2100 }),
    'include-empty': Flags.boolean({ summary: '没有任务的下级区划也生成责任状' }),
    issuer: Flags.string({ summary: '甲方名称（默认：本库辖区为本单位名称，否则为该区划人民政府）' }),
    township: Flags.string({ summary: '帮扶责任书：只生成某乡镇（街道）的' }),
    helper: Flags.string({ summary: '帮扶责任书：只生成某帮扶人（姓名或编号）的' }),
    reveal: Flags.boolean({ summary: '帮扶责任书中打印全名和完整电话（默认打码）' }),
  }

  async run(): Promise<RenderResult & { skipped: Array<{ code: string; name: string }>; warnings: string[] }> {
    const f = this.flags
    const kind = f.kind as 'responsibility' | 'pairing'
    const template = resolveLetterTemplate(kind, f.template)
    const built = kind === 'responsibility'
      ? buildResponsibilityLetters(this.db, { from: f.from ?? getArea(this.db).code, to: (f.to ?? 'townships') as LetterTarget, year: f.year, date: f.date, includeEmpty: f['include-empty'], issuer: f.issuer })
      : buildPairingLetters(this.db, { township: f.township, helper: f.helper, date: f.date })
    for (const warning of built.warnings) this.notice(warning)
    const result = await renderLetters(this.db, built.letters, template, { outDir: f.out, combined: f.combined, reveal: f.reveal, operator: this.operator })
    this.printTable(result.letters, [
      { key: 'id', header: '编号', align: 'right' },
      { key: 'recipient', header: '乙方' },
      { key: 'tasks', header: '任务数', align: 'right' },
      { key: 'pages', header: '页数', align: 'right' },
      { key: 'file', header: '文件' },
    ])
    this.info(result.letters.length ? `已生成 ${result.letters.length} 份${template.name}，${result.files.length} 个文件，保存在 ${result.outDir}` : '没有需要生成的文书')
    return { ...result, skipped: built.skipped, warnings: built.warnings }
  }
}
