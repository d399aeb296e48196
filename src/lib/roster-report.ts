/**
 * The text a clerk reads after an import or a comparison. Strings only; the command prints them.
 */
import { colorizer, renderTable, type RenderOptions } from './output.js'
import type { ImportResult } from './roster.js'
import type { presentDiff } from './roster-query.js'
import { REJECT_CODES, WARNING_CODES } from './roster-validate.js'

const SHOWN_REJECTS = 10

export function summarizeImport(result: ImportResult, options: RenderOptions & { bin: string }): string {
  const c = colorizer(options.color)
  const lines: string[] = []
  const where = result.sheet ? `工作表「${result.sheet}」` : result.encoding ? `编码 ${result.encoding}` : ''
  if (result.alreadyImported) {
    lines.push(`${result.file} 已在 ${result.period} 期导入过（第 ${result.batch} 批，内容完全相同），本次没有任何改动。`)
    lines.push(`如需重新导入，加 --force。`)
    return lines.join('\n')
  }
  lines.push(`${result.dryRun ? c.yellow('【试运行，未写入数据库】') : ''}${result.file}（${where}${result.headerRow ? `，表头在第 ${result.headerRow} 行` : ''}）→ ${result.period} 期${result.batch ? `，第 ${result.batch} 批` : ''}`)
  lines.push(
    renderTable(
      [{ total: result.rows.total, accepted: result.rows.accepted, rejected: result.rows.rejected, skipped: result.rows.skipped, warnings: result.warningCount }],
      [
        { key: 'total', header: '读取行数', align: 'right' },
        { key: 'accepted', header: '导入', align: 'right' },
        { key: 'rejected', header: '退回', align: 'right', format: (v) => (Number(v) > 0 ? c.red(String(v)) : String(v)) },
        { key: 'skipped', header: '跳过（空行、合计行）', align: 'right' },
        { key: 'warnings', header: '自动修正', align: 'right' },
      ],
      options,
    ),
  )
  if (result.replacedBatches.length > 0) lines.push(`已替换本期原有的批次：${result.replacedBatches.map((b) => `第 ${b} 批`).join('、')}`)
  if (result.unknownColumns.length > 0) lines.push(`未识别的列已原样保存：${result.unknownColumns.join('、')}`)
  if (result.rejected.length > 0) {
    const byCode = Object.entries(result.rejectedByCode)
    lines.push(`退回原因：${byCode.map(([code, n]) => `${REJECT_CODES[code as keyof typeof REJECT_CODES] ?? code} ${n} 处`).join('，')}`)
    lines.push(
      renderTable(result.rejected.slice(0, SHOWN_REJECTS), [
        { key: 'row', header: '行号', align: 'right' },
        { key: 'column', header: '列' },
        { key: 'code', header: '代码' },
        { key: 'message', header: '原因' },
      ], options),
    )
    const problems = Object.values(result.rejectedByCode).reduce((a, b) => a + b, 0)
    if (problems > SHOWN_REJECTS) lines.push(`……另有 ${problems - SHOWN_REJECTS} 处问题未列出`)
    if (result.batch) {
      lines.push(c.cyan(`提示：用 ${options.bin} roster rejects --batch ${result.batch} --out 退回行.xlsx 导出退回的行，改正后以同一期别（--period ${result.period}）重新导入。`))
    }
  }
  if (result.warnings.length > 0) {
    const byCode = Object.entries(result.warningsByCode)
    lines.push(`自动修正：${byCode.map(([code, n]) => `${WARNING_CODES[code as keyof typeof WARNING_CODES] ?? code} ${n} 处`).join('，')}`)
    lines.push(
      renderTable(result.warnings.slice(0, 5), [
        { key: 'row', header: '行号', align: 'right' },
        { key: 'column', header: '列' },
        { key: 'from', header: '原值' },
        { key: 'to', header: '改为' },
      ], options),
    )
  }
  return lines.join('\n')
}

const SHOWN_PER_KIND = 4

export function summarizeDiff(diff: ReturnType<typeof presentDiff>, options: RenderOptions): string {
  const c = colorizer(options.color)
  const n = diff.counts
  const lines: string[] = [`${diff.from} → ${diff.to} 动态比对`]
  lines.push(
    renderTable(
      [{ previous: n.previous, added: n.new, movedIn: n.movedIn, movedOut: n.movedOut, removed: n.removed, current: n.current, exited: n.exited, returned: n.returned, changed: n.changed }],
      [
        { key: 'previous', header: '上月末', align: 'right' },
        { key: 'added', header: '新增', align: 'right' },
        { key: 'movedIn', header: '迁入', align: 'right' },
        { key: 'movedOut', header: '迁出', align: 'right' },
        { key: 'removed', header: '减少', align: 'right' },
        { key: 'current', header: '本月末', align: 'right' },
        { key: 'exited', header: '脱贫', align: 'right' },
        { key: 'returned', header: '返贫', align: 'right' },
        { key: 'changed', header: '信息变更', align: 'right' },
      ],
      options,
    ),
  )
  const balance = `${n.previous} + ${n.new} + ${n.movedIn} − ${n.movedOut} − ${n.removed} = ${n.previous + n.new + n.movedIn - n.movedOut - n.removed}`
  lines.push(n.balanced ? `平衡：上月末 + 新增 + 迁入 − 迁出 − 减少 = 本月末（${balance}）` : c.red(`不平衡：${balance}，本月末为 ${n.current}`))
  const d = diff.details
  const rows: Array<{ kind: string; id: string; name: string; township: string; village: string; note: string }> = []
  let hidden = 0
  const push = (kind: string, list: Array<{ id: string; name: string; township: string | null; village: string | null }>, note: (p: any) => string = () => '') => {
    for (const p of list.slice(0, SHOWN_PER_KIND)) rows.push({ kind, id: p.id, name: p.name, township: p.township ?? '', village: p.village ?? '', note: note(p) })
    hidden += Math.max(0, list.length - SHOWN_PER_KIND)
  }
  push('新增', d.new)
  push('迁入', d.movedIn, (p) => `来自 ${p.fromCountyName ?? p.fromCounty}`)
  push('迁出', d.movedOut, (p) => `迁往 ${p.toCountyName ?? p.toCounty}`)
  push('减少', d.removed)
  push('脱贫', d.exited)
  push('返贫', d.returned, (p) => `${p.fromStatus} → ${p.toStatus}`)
  push('变更', d.changed, (p) => p.fields.map((f: { label: string; from: unknown; to: unknown }) => `${f.label}：${f.from ?? '空'} → ${f.to ?? '空'}`).join('；'))
  if (rows.length > 0) {
    lines.push(
      renderTable(rows, [
        { key: 'kind', header: '类别' },
        { key: 'id', header: '身份证号' },
        { key: 'name', header: '姓名' },
        { key: 'township', header: '乡镇' },
        { key: 'village', header: '村' },
        { key: 'note', header: '说明' },
      ], options),
    )
    if (hidden > 0) lines.push(`每类只列前 ${SHOWN_PER_KIND} 条，另有 ${hidden} 条未列出；用 --out 文件.xlsx 导出全部明细`)
  }
  return lines.join('\n')
}
