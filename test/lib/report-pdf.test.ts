import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileError, ValidationError } from '../../src/lib/errors.js'
import type { BarChart, ReportDocument, ReportRow, ReportTable } from '../../src/lib/report-model.js'
import { renderReportPdf } from '../../src/lib/report-pdf.js'
import { tempDir } from '../support/cli.js'

const MM = 72 / 25.4

let dir: string
let cleanup: () => void
beforeEach(() => ({ dir, cleanup } = tempDir('cjfp-report-pdf-')))
afterEach(() => cleanup())

// Townships of 威宁县 and, past them, villages, so that a report of up to 120 regions has real-looking names.
const TOWNSHIPS = [
  '海边街道', '五里岗街道', '六桥街道', '陕桥街道', '草海镇', '幺站镇', '金钟镇', '炉山镇', '龙场镇', '黑石头镇', '哲觉镇',
  '观风海镇', '牛棚镇', '迤那镇', '中水镇', '龙街镇', '雪山镇', '羊街镇', '小海镇', '盐仓镇', '东风镇', '二塘镇', '猴场镇',
  '麻乍镇', '金斗镇', '岔河镇', '秀水镇', '双龙镇', '板底乡', '哈喇河镇', '石门乡', '云贵乡', '兔街镇', '斗古镇', '新发布依族乡',
  '大街乡', '玉龙镇', '乐利镇', '石门坎社区', '秀水光明社区',
]
const VILLAGES = ['新华', '团结', '红旗', '光明', '胜利', '和平', '民族', '双河', '龙井', '大寨']

function regionNames(n: number): string[] {
  const names: string[] = []
  for (let i = 0; i < n; i++) {
    const j = i - TOWNSHIPS.length
    names.push(j < 0 ? TOWNSHIPS[i] : `${TOWNSHIPS[j % 30].slice(0, 2)}${VILLAGES[(Math.floor(j / 30) + j) % 10]}村`)
  }
  return names
}

const HEADERS = ['序号', '乡（镇、街道）', '建档立卡贫困残疾人', '户数', '已脱贫', '未脱贫', '脱贫率', '结对帮扶覆盖率', '有帮扶措施比例', '有帮扶资金比例', '政策覆盖率', '应享未享人次', '辅助器具适配率', '综合得分']
const deviceRate = (i: number): number => 60 + ((i * 13) % 40) + (i % 10) / 10

function indicatorTable(names: string[]): ReportTable {
  const rows: ReportRow[] = names.map((name, i) => {
    const registered = i === 7 ? 12345678 : 100 + ((i * 37) % 900)
    return {
      cells: [String(i + 1), name, String(registered), String(Math.round(registered / 2.3)), String(registered - 10), '10', `${(90 + (i % 10)).toFixed(1)}%`, '100.0%', `${(80 + (i % 20)).toFixed(1)}%`, '95.5%', '88.0%', String(i % 7), `${deviceRate(i).toFixed(1)}%`, (70 + (i % 30)).toFixed(2)],
      highlight: deviceRate(i) < 80 ? [12] : i % 17 === 3 ? true : undefined,
    }
  })
  rows.push({ cells: ['', '合计', '12399999', '55555', '1200000', '34567', '97.2%', '99.0%', '90.1%', '95.5%', '88.0%', '300', '81.3%', '—'], total: true })
  return { title: '表1  各乡（镇、街道）助残脱贫主要指标', columns: HEADERS.map((header) => ({ header })), rows, note: '注：标红的为低于目标值的指标。' }
}

function rateChart(names: string[]): BarChart {
  return {
    title: '图1  各乡（镇、街道）辅助器具适配率',
    unit: '%',
    bars: names.map((label, i) => ({ label, value: deviceRate(i), highlight: deviceRate(i) < 80 })),
    target: { value: 80, label: '目标 80%' },
  }
}

function report(blocks: ReportDocument['blocks'], orientation?: ReportDocument['orientation']): ReportDocument {
  return { title: '威宁县助残脱贫工作进展情况通报', subtitle: '（2026年11月）', issuer: '威宁彝族回族苗族自治县残疾人联合会', date: '2026-11-30', blocks, orientation }
}

/** The 100-region notice of the speed requirement: a 14-column table and two 100-bar charts. */
function bigReport(n = 100): ReportDocument {
  const names = regionNames(n)
  return report(
    [
      { type: 'heading', text: '一、总体进展' },
      { type: 'paragraph', text: '截至2026年11月底，全县建档立卡贫困残疾人12345人，已脱贫11234人，脱贫率91.0%；辅助器具适配率为81.3%，仍有部分乡（镇、街道）低于80%的目标。' },
      { type: 'table', table: indicatorTable(names) },
      { type: 'chart', chart: rateChart(names) },
      { type: 'chart', chart: { title: '图2  各乡（镇、街道）应享未享人次', unit: '人次', bars: names.map((label, i) => ({ label, value: (i * 7) % 23 })) } },
      { type: 'heading', text: '二、下一步工作要求' },
      { type: 'paragraph', text: '各乡（镇、街道）要对照本通报逐户核实，于12月15日前完成整改。' },
    ],
    'landscape',
  )
}

function save(pdf: Buffer, name = 'report.pdf'): string {
  const file = join(dir, name)
  writeFileSync(file, pdf)
  return file
}

function pdftotext(file: string, ...args: string[]): string {
  const result = spawnSync('pdftotext', [...args, file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`)
  return result.stdout
}

function pdfinfo(file: string): { pages: number; width: number; height: number } {
  const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info)
  return { pages: Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]), width: Number(size?.[1]), height: Number(size?.[2]) }
}

const pageText = (file: string, page: number): string => pdftotext(file, '-layout', '-f', String(page), '-l', String(page))

/** Every word with its page and box, from `pdftotext -bbox`. */
function words(file: string): { page: number; text: string; xMin: number; yMin: number; xMax: number; yMax: number }[] {
  const out: ReturnType<typeof words> = []
  pdftotext(file, '-bbox')
    .split('<page ')
    .slice(1)
    .forEach((page, index) => {
      for (const m of page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
        out.push({ page: index + 1, xMin: +m[1], yMin: +m[2], xMax: +m[3], yMax: +m[4], text: m[5] })
      }
    })
  return out
}

/** Asserts that no word runs outside the text area, the page numbers below it excepted. */
function expectInsideMargins(file: string, page: { width: number; height: number }): void {
  const [left, right, top, bottom] = [25 * MM, page.width - 20 * MM, 25 * MM, page.height - 22 * MM]
  for (const w of words(file)) {
    expect(w.xMin, w.text).toBeGreaterThanOrEqual(left - 0.5)
    expect(w.xMax, w.text).toBeLessThanOrEqual(right + 0.5)
    if (/^[—\d]+$/.test(w.text) && w.yMin > bottom) continue
    // poppler's word box runs from the font's ascent to its descent, a little outside the em box.
    expect(w.yMin, w.text).toBeGreaterThanOrEqual(top - 4)
    expect(w.yMax, w.text).toBeLessThanOrEqual(bottom + 4)
  }
}

const compact = (s: string): string => s.replace(/\s+/g, '')
const countOf = (text: string, needle: string): number => text.split(needle).length - 1
/** pdfkit's fill-colour operator for a #RRGGBB colour. */
const fillOp = (hex: string): string => `${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).join(' ')} scn`

describe('renderReportPdf', () => {
  it('prints the title block, every cell exactly as given and every bar label, extractable with pdftotext -layout', async () => {
    const doc = bigReport()
    const pdf = await renderReportPdf(doc, { fallbackFonts: [] })
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const file = save(pdf)
    const text = pdftotext(file, '-layout')
    for (const piece of ['威宁县助残脱贫工作进展情况通报', '（2026年11月）', '威宁彝族回族苗族自治县残疾人联合会', '2026年11月30日', '一、总体进展', '注：标红的为低于目标值的指标。']) {
      expect(text).toContain(piece)
    }
    const table = (doc.blocks[2] as { table: ReportTable }).table
    expect(new Set(table.rows.map((r) => r.cells[1])).size).toBe(101)
    for (const row of table.rows) for (const cell of row.cells) expect(text, cell).toContain(cell)
    for (const bar of rateChart(regionNames(100)).bars) expect(text).toContain(bar.label)
    expect(text).toContain('12345678')
    expect(text).toContain('83.1%')
    expect(compact(text)).toContain('图1各乡（镇、街道）辅助器具适配率（续）')
    expectInsideMargins(file, { width: 841.89, height: 595.28 })
  })

  it('repeats the shaded header on every page of a 120-row table and never splits a row', async () => {
    const names = regionNames(120)
    // Every ninth row wraps to several lines; its first and last words (Latin, so never broken) must share a page.
    const rows: ReportRow[] = names.map((name, i) => ({
      cells: [String(i + 1), name, i % 9 === 0 ? `B${i}B ${'逐户落实帮扶人、帮扶措施和帮扶资金，'.repeat(4)} E${i}E` : '已落实', `${(i % 100) + 0.5}%`],
    }))
    const columns = [{ header: '序号', width: 1 }, { header: '乡（镇、街道）', width: 2 }, { header: '帮扶情况说明', width: 6 }, { header: '覆盖比例', width: 1.5 }]
    const file = save(await renderReportPdf(report([{ type: 'table', table: { columns, rows } }]), { fallbackFonts: [] }))
    const { pages } = pdfinfo(file)
    expect(pages).toBeGreaterThanOrEqual(3)
    const texts = Array.from({ length: pages }, (_, p) => pageText(file, p + 1))
    texts.forEach((text, p) => {
      expect(countOf(text, '帮扶情况说明'), `page ${p + 1}`).toBe(1)
      expect(countOf(text, '覆盖比例'), `page ${p + 1}`).toBe(1)
    })
    for (let i = 0; i < rows.length; i += 9) {
      const first = texts.findIndex((t) => t.includes(`B${i}B`))
      expect(first, `row ${i + 1}`).toBeGreaterThanOrEqual(0)
      expect(texts.findIndex((t) => t.includes(`E${i}E`)), `row ${i + 1}`).toBe(first)
    }
    for (const name of names) expect(texts.filter((t) => t.includes(name)).length, name).toBe(1)
    expectInsideMargins(file, { width: 595.28, height: 841.89 })
  })

  it('wraps a long name inside its own cell and keeps an 8-digit figure on one line', async () => {
    const name = '威宁彝族回族苗族自治县人民政府扶贫开发办公室'
    const columns = [{ header: '单位', width: 1 }, { header: '人数', width: 1 }, { header: '说明', width: 4 }]
    const file = save(await renderReportPdf(report([{ type: 'table', table: { columns, rows: [{ cells: [name, '12345678', '无'] }] } }]), { fallbackFonts: [] }))
    const all = words(file)
    const figure = all.find((w) => w.text === '12345678')!
    expect(figure).toBeDefined()
    const lines = all.filter((w) => w.text.length > 1 && name.includes(w.text)).sort((a, b) => a.yMin - b.yMin)
    expect(lines.length).toBeGreaterThan(1)
    expect(lines.map((w) => w.text).join('')).toBe(name)
    for (const line of lines) expect(line.xMax).toBeLessThan(figure.xMin)
  })

  it('numbers every page “— n —” at the foot, centred', async () => {
    const file = save(await renderReportPdf(bigReport(), { fallbackFonts: [] }))
    const { pages } = pdfinfo(file)
    expect(pages).toBeGreaterThan(5)
    const all = words(file)
    for (let page = 1; page <= pages; page++) {
      expect(compact(pageText(file, page))).toContain(`—${page}—`)
      const number = all.find((w) => w.page === page && w.text === String(page) && w.yMin > 595.28 - 22 * MM)
      expect(number, `page ${page}`).toBeDefined()
      expect(Math.abs((number!.xMin + number!.xMax) / 2 - (25 * MM + (841.89 - 45 * MM) / 2))).toBeLessThan(2)
    }
  })

  it('prints on landscape A4 when asked and on portrait A4 by default', async () => {
    const landscape = pdfinfo(save(await renderReportPdf(report([{ type: 'paragraph', text: '横向。' }], 'landscape'), { fallbackFonts: [] }), 'l.pdf'))
    expect(landscape).toMatchObject({ pages: 1, width: 841.89, height: 595.28 })
    const portrait = pdfinfo(save(await renderReportPdf(report([{ type: 'paragraph', text: '纵向。' }]), { fallbackFonts: [] }), 'p.pdf'))
    expect(portrait).toMatchObject({ pages: 1, width: 595.28, height: 841.89 })
  })

  it('draws an 88-bar chart with its target line across pages, every label and value inside the page', async () => {
    const names = regionNames(88)
    const chart = rateChart(names)
    const pdf = await renderReportPdf(report([{ type: 'paragraph', text: '各地辅助器具适配情况见下图。' }, { type: 'chart', chart }]), { fallbackFonts: [], compress: false })
    const file = save(pdf)
    const { pages } = pdfinfo(file)
    expect(pages).toBeGreaterThanOrEqual(2)
    const text = pdftotext(file, '-layout')
    for (const bar of chart.bars) {
      expect(text).toContain(bar.label)
      expect(text).toContain(`${bar.value.toFixed(1)}%`)
    }
    for (const tick of ['0%', '20%', '40%', '60%', '80%', '100%']) expect(text).toContain(tick)
    // The title and the target's label are repeated on every page the chart continues on.
    expect(countOf(compact(text), '图1各乡（镇、街道）辅助器具适配率')).toBe(pages)
    expect(countOf(compact(text), '（续）')).toBe(pages - 1)
    expect(countOf(text, '目标 80%')).toBe(pages)
    // Bars in two colours and a dashed line.
    const content = pdf.toString('latin1')
    expect(content).toContain(fillOp('#4A78A8'))
    expect(content).toContain(fillOp('#C8372D'))
    expect(content).toMatch(/\[4 2\.5\] 0 d/)
    expectInsideMargins(file, { width: 595.28, height: 841.89 })
  })

  it('fills highlighted cells and rows light red with dark red text, and only when asked', async () => {
    const table = (highlight: ReportRow['highlight']): ReportDocument =>
      report([{ type: 'table', table: { columns: [{ header: '乡镇' }, { header: '适配率' }], rows: [{ cells: ['龙场镇', '61.0%'], highlight }, { cells: ['合计', '81.0%'], total: true }] } }])
    const plain = (await renderReportPdf(table(undefined), { fallbackFonts: [], compress: false })).toString('latin1')
    const cell = (await renderReportPdf(table([1]), { fallbackFonts: [], compress: false })).toString('latin1')
    const row = (await renderReportPdf(table(true), { fallbackFonts: [], compress: false })).toString('latin1')
    // The colours of report-pdf.ts: #FADCDC behind, #A50000 for the text.
    for (const op of [fillOp('#FADCDC'), fillOp('#A50000')]) {
      expect(plain).not.toContain(op)
      expect(cell).toContain(op)
      expect(row).toContain(op)
    }
    expect(countOf(cell, fillOp('#A50000'))).toBe(1)
    expect(countOf(row, fillOp('#A50000'))).toBe(2)
  })

  it('gives identical bytes for the same report, and other bytes for another creation date', async () => {
    const doc = report([{ type: 'table', table: indicatorTable(regionNames(12)) }, { type: 'chart', chart: rateChart(regionNames(12)) }])
    const a = await renderReportPdf(doc, { fallbackFonts: [] })
    const b = await renderReportPdf(doc, { fallbackFonts: [] })
    expect(a.equals(b)).toBe(true)
    const c = await renderReportPdf(doc, { fallbackFonts: [], date: new Date('2026-11-30T00:00:00Z') })
    expect(c.equals(a)).toBe(false)
  })

  it('fails with FONT_MISSING_GLYPH naming the text and the character when no font has it', async () => {
    const doc = report([{ type: 'table', table: { columns: [{ header: '乡镇' }, { header: '人数' }], rows: [{ cells: ['吉𠮷村', '3'] }] } }])
    const error = await renderReportPdf(doc, { fallbackFonts: [] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FileError)
    expect(error).toMatchObject({ code: 'FONT_MISSING_GLYPH', details: { text: '吉𠮷村', character: '𠮷', codePoint: 'U+20BB7' } })
    expect((error as FileError).message).toContain('「𠮷」')
  })

  it('rejects a row with the wrong number of cells and a bar that is not a number', async () => {
    const badRow = report([{ type: 'table', table: { title: '表1', columns: [{ header: '乡镇' }, { header: '人数' }], rows: [{ cells: ['龙场镇'] }] } }])
    await expect(renderReportPdf(badRow, { fallbackFonts: [] })).rejects.toMatchObject({ code: 'REPORT_TABLE_INVALID', details: { row: 1 } })
    await expect(renderReportPdf(badRow, { fallbackFonts: [] })).rejects.toBeInstanceOf(ValidationError)
    const badBar = report([{ type: 'chart', chart: { title: '图1', unit: '%', bars: [{ label: '龙场镇', value: Number.NaN }] } }])
    await expect(renderReportPdf(badBar, { fallbackFonts: [] })).rejects.toMatchObject({ code: 'REPORT_CHART_INVALID' })
  })
})
