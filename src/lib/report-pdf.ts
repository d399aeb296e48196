/**
 * Prints a ReportDocument (a 通报 or a 考核) on A4 for a leader to read on paper: a 黑体 title block,
 * headings and 宋体 paragraphs, ruled tables whose shaded header repeats on every page and whose rows
 * are never split, horizontal bar charts drawn as vectors that continue across pages, the issuer and
 * date at the end, and '— 1 —' page numbers.
 *
 * Like pdf.ts (whose line breaker and font fallback rules this shares) we place every line ourselves:
 * CJK text breaks between any two characters with 避头尾, and a rare character may come from a
 * fallback font. Output is deterministic: the same report gives the same bytes.
 */
import { ValidationError } from './errors.js'
import { advanceOf, loadFont, SANS_FONT_FILE, SERIF_FONT_FILE, systemFallbackFonts, type LoadedFont } from './fonts.js'
import { breakLines, FIXED_PDF_DATE, missingGlyphError, newPdfDocument, PdfFonts, type Item, type Line } from './pdf.js'
import type { BarChart, ReportDocument, ReportTable } from './report-model.js'

export interface ReportPdfOptions {
  /** Tried in order for characters the shipped faces lack; default: SimSun/SimSun-ExtB etc. if present. [] = none. */
  fallbackFonts?: string[]
  /** CreationDate and ModDate; default FIXED_PDF_DATE, so that output does not depend on the clock. */
  date?: Date
  /** Deflate page contents (default true); false leaves the drawing operators readable for tests. */
  compress?: boolean
}

const MM = 72 / 25.4
const A4 = { short: 595.28, long: 841.89 }
const MARGIN = { top: 25 * MM, bottom: 22 * MM, left: 25 * MM, right: 20 * MM }

// Sizes in points: 小二 title, 小四 body, 五号 tables (down to 7 pt when a wide table needs it), 小五 charts.
const SIZE = { title: 18, subtitle: 13, body: 12, caption: 11, table: 10.5, tableMin: 7, chart: 9, small: 9, pageNumber: 12 }
const BODY_PITCH = SIZE.body * 1.75

const COLOR = {
  text: '#000000',
  headerFill: '#E4E4E4',
  highlightFill: '#FADCDC',
  highlightText: '#A50000',
  bar: '#4A78A8',
  barHighlight: '#C8372D',
  grid: '#C8C8C8',
  target: '#C00000',
  muted: '#444444',
}

type Align = 'left' | 'center' | 'right'

/** Marks that may not begin a line (pdf.ts's 避头尾 set): they stay with the character before them. */
const CLOSING = /[，。、；：？！）》」』】〕〗〉”’…·％‰℃!),.:;?\]}%]/

/**
 * Renders a report to PDF bytes: A4 in the report's orientation, with the shipped CJK fonts.
 * Throws ValidationError REPORT_TABLE_INVALID (a row with the wrong number of cells) or
 * REPORT_CHART_INVALID (a value that is not a finite number), FileError FONT_UNREADABLE when a font
 * cannot be read, and FileError FONT_MISSING_GLYPH (as pdf.ts) when no font has a character.
 */
export async function renderReportPdf(report: ReportDocument, options: ReportPdfOptions = {}): Promise<Buffer> {
  const renderer = new ReportRenderer(report, options)
  try {
    renderer.render()
  } catch (error) {
    renderer.abort()
    throw error
  }
  return renderer.end()
}

interface TableRowLayout {
  cells: Line[][]
  height: number
  fill: boolean[]
  total: boolean
}

interface ChartRow {
  label: Line[]
  value: number
  valueText: Line
  highlight: boolean
  height: number
}

class ReportRenderer {
  private readonly doc: PDFKit.PDFDocument
  private readonly report: ReportDocument
  private readonly serif: LoadedFont
  private readonly sans: LoadedFont
  private readonly fallbackSpecs: string[]
  private readonly fonts: PdfFonts
  private readonly chunks: Buffer[] = []
  private readonly done: Promise<Buffer>
  private readonly page: { width: number; height: number }
  private readonly box: { left: number; right: number; top: number; bottom: number; width: number }
  private y = 0

  constructor(report: ReportDocument, options: ReportPdfOptions) {
    this.report = report
    this.serif = loadFont(SERIF_FONT_FILE)
    this.sans = loadFont(SANS_FONT_FILE)
    this.fallbackSpecs = options.fallbackFonts ?? systemFallbackFonts()
    const landscape = report.orientation === 'landscape'
    this.page = landscape ? { width: A4.long, height: A4.short } : { width: A4.short, height: A4.long }
    const right = this.page.width - MARGIN.right
    const bottom = this.page.height - MARGIN.bottom
    this.box = { left: MARGIN.left, right, top: MARGIN.top, bottom, width: right - MARGIN.left }
    const date = options.date ?? FIXED_PDF_DATE
    this.doc = newPdfDocument({
      size: 'A4',
      layout: landscape ? 'landscape' : 'portrait',
      margin: 0,
      autoFirstPage: false,
      // Page numbers are written last, on pages kept in memory.
      bufferPages: true,
      compress: options.compress ?? true,
      lang: 'zh-CN',
      info: { Title: report.title, Author: report.issuer, Producer: 'cjfp', Creator: 'cjfp', CreationDate: date, ModDate: date },
      // A fontkit font object as the default font spares pdfkit parsing Helvetica's AFM per document.
      font: this.serif.font as unknown as string,
    })
    this.fonts = new PdfFonts(this.doc, [this.serif, this.sans], this.fallbackSpecs)
    this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk))
    this.done = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)))
      this.doc.on('error', reject)
    })
  }

  render(): void {
    this.newPage()
    this.titleBlock()
    for (const block of this.report.blocks) {
      if (block.type === 'heading') this.heading(block.text)
      else if (block.type === 'paragraph') this.paragraph(block.text)
      else if (block.type === 'table') this.table(block.table)
      else if (block.type === 'chart') this.chart(block.chart)
      else if (this.y > this.box.top + 0.01) this.newPage()
    }
    this.closing()
    this.pageNumbers()
  }

  end(): Promise<Buffer> {
    this.doc.end()
    return this.done
  }

  /** Ends a document whose rendering failed, so that pdfkit leaves nothing pending. */
  abort(): void {
    this.doc.on('error', () => undefined)
    this.done.catch(() => undefined)
    try {
      this.doc.end()
    } catch {
      // The error being thrown is the one that matters.
    }
  }

  // ───────────────────────────── blocks ─────────────────────────────

  private titleBlock(): void {
    const { title, subtitle, issuer, date } = this.report
    const titleLines = this.lines(title, [this.sans, this.serif], SIZE.title, this.box.width - 4 * SIZE.title)
    this.y += SIZE.title * 0.5
    for (const line of titleLines) this.drawCentered(line, SIZE.title, SIZE.title * 1.5)
    if (subtitle) for (const line of this.lines(subtitle, [this.serif], SIZE.subtitle, this.box.width)) this.drawCentered(line, SIZE.subtitle, SIZE.subtitle * 1.6)
    this.y += SIZE.body * 0.3
    const byline = [issuer, formatDate(date)].filter(Boolean).join('　　')
    for (const line of this.lines(byline, [this.serif], SIZE.body, this.box.width)) this.drawCentered(line, SIZE.body, BODY_PITCH)
    this.y += SIZE.body * 0.4
    this.doc.save().lineWidth(0.8).strokeColor(COLOR.text).moveTo(this.box.left, this.y).lineTo(this.box.right, this.y).stroke().restore()
    this.y += BODY_PITCH * 0.6
  }

  private heading(text: string): void {
    const size = SIZE.body
    const lines = this.lines(text, [this.sans, this.serif], size, this.box.width, 2 * size)
    if (this.y > this.box.top + 0.01) this.y += BODY_PITCH * 0.3
    // A heading never stands alone at the foot of a page: keep two lines of what follows with it.
    this.ensureSpace((lines.length + 2) * BODY_PITCH)
    lines.forEach((line, k) => {
      this.drawLine(line, this.box.left + (k === 0 ? 2 * size : 0), this.y, BODY_PITCH, size)
      this.y += BODY_PITCH
    })
  }

  private paragraph(text: string): void {
    const size = SIZE.body
    const indent = 2 * size
    for (const para of text.split(/\r?\n/)) {
      breakLines(this.shape(para, [this.serif], size), this.box.width, indent).forEach((line, k) => {
        this.ensureSpace(BODY_PITCH)
        const start = k === 0 ? indent : 0
        this.drawLine(line, this.box.left + start, this.y, BODY_PITCH, size, { justifyTo: line.last ? undefined : this.box.width - start })
        this.y += BODY_PITCH
      })
    }
  }

  /** The issuer and the date at the end (落款): the name centred over the date, the date four characters in from the right. */
  private closing(): void {
    const { issuer, date } = this.report
    const size = SIZE.body
    const dateLine = this.lines(formatDate(date), [this.serif], size, this.box.width)[0]
    const issuerLines = this.lines(issuer, [this.serif], size, this.box.width - 4 * size)
    this.y += BODY_PITCH
    this.ensureSpace((issuerLines.length + 1) * BODY_PITCH)
    const dateRight = this.box.right - 4 * size
    const centre = Math.max(this.box.left + this.box.width / 2, dateRight - dateLine.width / 2)
    for (const line of issuerLines) {
      const x = Math.min(Math.max(this.box.left, centre - line.width / 2), this.box.right - line.width)
      this.drawLine(line, x, this.y, BODY_PITCH, size)
      this.y += BODY_PITCH
    }
    this.drawLine(dateLine, Math.max(this.box.left, dateRight - dateLine.width), this.y, BODY_PITCH, size)
    this.y += BODY_PITCH
  }

  private pageNumbers(): void {
    const range = this.doc.bufferedPageRange()
    for (let i = 0; i < range.count; i++) {
      this.doc.switchToPage(range.start + i)
      const [line] = this.lines(`— ${i + 1} —`, [this.serif], SIZE.pageNumber, this.box.width)
      const top = this.page.height - MARGIN.bottom / 2 - SIZE.pageNumber / 2
      this.drawLine(line, this.box.left + (this.box.width - line.width) / 2, top, SIZE.pageNumber, SIZE.pageNumber)
    }
  }

  // ───────────────────────────── tables ─────────────────────────────

  private table(table: ReportTable): void {
    const n = table.columns.length
    const name = table.title ? `表格「${table.title}」` : '表格'
    if (n === 0) throw new ValidationError('REPORT_TABLE_INVALID', `${name}没有列`)
    table.rows.forEach((row, r) => {
      if (row.cells.length !== n) {
        throw new ValidationError('REPORT_TABLE_INVALID', `${name}第 ${r + 1} 行有 ${row.cells.length} 列，表头有 ${n} 列`, {
          details: { title: table.title, row: r + 1, cells: row.cells.length, columns: n },
        })
      }
    })
    const headFonts = [this.sans, this.serif]
    const bodyFonts = [this.serif]
    const totalFonts = [this.sans, this.serif]
    const fontsOf = (r: number): LoadedFont[] => (table.rows[r].total ? totalFonts : bodyFonts)
    const { size, widths } = this.tableWidths(table, headFonts, fontsOf)
    const pitch = size * 1.32
    const padX = size * 0.3
    const padY = size * 0.32
    const aligns: Align[] = table.columns.map((c, i) => c.align ?? (isNumericColumn(table, i) ? 'right' : 'left'))
    const xs = widths.map((_, i) => this.box.left + widths.slice(0, i).reduce((a, b) => a + b, 0))
    const wrap = (text: string, fonts: LoadedFont[], i: number): Line[] => this.lines(text, fonts, size, widths[i] - 2 * padX)
    const rowHeight = (cells: Line[][]): number => Math.max(1, ...cells.map((l) => l.length)) * pitch + 2 * padY

    const headerCells = table.columns.map((c, i) => this.balancedLines(c.header, headFonts, size, widths[i] - 2 * padX))
    const headerHeight = rowHeight(headerCells)
    const titlePitch = SIZE.caption * 1.6
    const titleLines = table.title ? this.lines(table.title, headFonts, SIZE.caption, this.box.width) : []
    const continuedLines = table.title ? this.lines(`${table.title}（续）`, headFonts, SIZE.caption, this.box.width) : []
    const capacity = this.box.bottom - this.box.top - headerHeight - continuedLines.length * titlePitch
    const rows: TableRowLayout[] = []
    table.rows.forEach((row, r) => {
      const cells = row.cells.map((text, i) => wrap(text, fontsOf(r), i))
      const fill = row.cells.map((_, i) => row.highlight === true || (Array.isArray(row.highlight) && row.highlight.includes(i)))
      // A row taller than a whole page (pages of text in one cell) is the one case that has to be split.
      const perPage = Math.max(1, Math.floor((capacity - 2 * padY) / pitch))
      const lineCount = Math.max(1, ...cells.map((l) => l.length))
      for (let from = 0; from < lineCount; from += perPage) {
        const part = cells.map((l) => l.slice(from, from + perPage))
        rows.push({ cells: part, height: rowHeight(part), fill, total: Boolean(row.total) && from === 0 })
      }
    })

    const note = table.note ? this.lines(table.note, [this.serif], SIZE.small, this.box.width) : []
    const notePitch = SIZE.small * 1.5
    const noteHeight = note.length ? note.length * notePitch + SIZE.small * 0.4 : 0

    if (this.y > this.box.top + 0.01) this.y += BODY_PITCH * 0.35
    // The title is kept with the header and the first row.
    this.ensureSpace(titleLines.length * titlePitch + headerHeight + (rows[0]?.height ?? 0))

    let segmentTop = 0
    let rules: Array<{ y: number; width: number }> = []
    const drawCaption = (continued: boolean): void => {
      for (const line of continued ? continuedLines : titleLines) this.drawCentered(line, SIZE.caption, titlePitch)
    }
    const drawCells = (cells: Line[][], height: number, alignOf: (i: number) => Align, colorOf: (i: number) => string): void => {
      cells.forEach((lines, i) => {
        const inner = widths[i] - 2 * padX
        const top = this.y + (height - lines.length * pitch) / 2
        lines.forEach((line, k) => {
          const align = alignOf(i)
          const offset = align === 'center' ? (inner - line.width) / 2 : align === 'right' ? inner - line.width : 0
          this.drawLine(line, xs[i] + padX + Math.max(0, offset), top + k * pitch, pitch, size, { color: colorOf(i) })
        })
      })
      this.y += height
    }
    const startSegment = (): void => {
      segmentTop = this.y
      rules = []
      this.doc.rect(this.box.left, this.y, this.box.width, headerHeight).fill(COLOR.headerFill)
      drawCells(headerCells, headerHeight, () => 'center', () => COLOR.text)
      rules.push({ y: this.y, width: 0.75 })
    }
    const endSegment = (): void => {
      const doc = this.doc
      doc.save().strokeColor(COLOR.text).lineWidth(0.4)
      for (const x of xs.slice(1)) doc.moveTo(x, segmentTop).lineTo(x, this.y)
      for (const rule of rules) if (rule.width < 0.5 && rule.y < this.y - 0.01) doc.moveTo(this.box.left, rule.y).lineTo(this.box.right, rule.y)
      doc.stroke()
      for (const width of [0.75, 1]) {
        const at = rules.filter((r) => r.width === width && r.y < this.y - 0.01)
        if (!at.length) continue
        doc.lineWidth(width)
        for (const rule of at) doc.moveTo(this.box.left, rule.y).lineTo(this.box.right, rule.y)
        doc.stroke()
      }
      doc.lineWidth(1).rect(this.box.left, segmentTop, this.box.width, this.y - segmentTop).stroke().restore()
    }

    drawCaption(false)
    startSegment()
    rows.forEach((row, r) => {
      const last = r === rows.length - 1
      // The note is kept with the last row when it is short enough not to waste a page.
      const keep = last && noteHeight < (this.box.bottom - this.box.top) / 4 ? noteHeight : 0
      if (this.y + row.height + keep > this.box.bottom + 0.01) {
        endSegment()
        this.newPage()
        drawCaption(true)
        startSegment()
      }
      if (row.total) rules[rules.length - 1] = { y: this.y, width: 1 }
      if (row.fill.every(Boolean)) this.doc.rect(this.box.left, this.y, this.box.width, row.height).fill(COLOR.highlightFill)
      else row.fill.forEach((f, i) => f && this.doc.rect(xs[i], this.y, widths[i], row.height).fill(COLOR.highlightFill))
      drawCells(row.cells, row.height, (i) => aligns[i], (i) => (row.fill[i] ? COLOR.highlightText : COLOR.text))
      rules.push({ y: this.y, width: 0.4 })
    })
    endSegment()

    if (note.length) {
      this.y += SIZE.small * 0.4
      for (const line of note) {
        this.ensureSpace(notePitch)
        this.drawLine(line, this.box.left, this.y, notePitch, SIZE.small, { color: COLOR.muted })
        this.y += notePitch
      }
    }
    this.y += BODY_PITCH * 0.5
  }

  /**
   * Column widths in points and the font size: each column gets at least its longest unbreakable
   * run (a number, a percentage) so that figures never wrap, and, when the page allows, its longest
   * cell on one line; explicit `width`s share out the rest. A table too wide at 五号 is set smaller.
   */
  private tableWidths(table: ReportTable, headFonts: LoadedFont[], fontsOf: (r: number) => LoadedFont[]): { size: number; widths: number[] } {
    const n = table.columns.length
    const minEm = new Array<number>(n).fill(1)
    const maxEm = new Array<number>(n).fill(2)
    table.columns.forEach((column, i) => {
      const head = this.measureEm(column.header, headFonts)
      minEm[i] = Math.max(minEm[i], head.token)
      // Headers may wrap to about three lines rather than widen a column of short figures.
      maxEm[i] = Math.max(maxEm[i], head.token, Math.min(head.natural, Math.max(4, Math.ceil(head.natural / 3))))
    })
    table.rows.forEach((row, r) => {
      row.cells.forEach((text, i) => {
        const m = this.measureEm(text, fontsOf(r))
        // Names are broken anywhere, but not two characters a line: a wide table is set smaller instead.
        minEm[i] = Math.max(minEm[i], m.token, Math.min(m.natural, 3))
        maxEm[i] = Math.max(maxEm[i], m.natural)
      })
    })
    const available = this.box.width
    const padEm = 0.6
    let size = SIZE.table
    while (size > SIZE.tableMin && minEm.reduce((sum, m) => sum + (m + padEm) * size, 0) > available) size -= 0.5
    const min = minEm.map((m) => (m + padEm) * size)
    const max = maxEm.map((m, i) => Math.max(min[i], (m + padEm) * size))
    const sumMin = min.reduce((a, b) => a + b, 0)
    const sumMax = max.reduce((a, b) => a + b, 0)
    // Even at the smallest size the figures do not fit: shrink every column alike; long runs then wrap.
    if (sumMin > available) return { size, widths: min.map((m) => (m * available) / sumMin) }

    if (table.columns.some((c) => c.width !== undefined)) {
      const weights = table.columns.map((c) => Math.max(c.width ?? 1, 0.01))
      const widths = new Array<number>(n).fill(0)
      const fixed = new Set<number>()
      for (;;) {
        const room = available - [...fixed].reduce((sum, i) => sum + min[i], 0)
        const free = weights.reduce((sum, w, i) => (fixed.has(i) ? sum : sum + w), 0)
        let changed = false
        for (let i = 0; i < n; i++) {
          if (fixed.has(i)) continue
          widths[i] = (weights[i] / free) * room
          if (widths[i] < min[i]) {
            fixed.add(i)
            changed = true
          }
        }
        if (!changed) break
      }
      for (const i of fixed) widths[i] = min[i]
      return { size, widths }
    }
    if (sumMax <= available) return { size, widths: max.map((m) => m + ((available - sumMax) * m) / sumMax) }
    // Too wide for every cell on one line: cap the widest columns (long names, which wrap well) at one
    // width found by bisection, so that short figures and headers keep their natural width.
    const fill = (cap: number): number[] => max.map((m, i) => Math.max(min[i], Math.min(m, cap)))
    let low = 0
    let high = Math.max(...max)
    for (let k = 0; k < 40; k++) {
      const cap = (low + high) / 2
      if (fill(cap).reduce((a, b) => a + b, 0) > available) high = cap
      else low = cap
    }
    const widths = fill(low)
    const spare = available - widths.reduce((a, b) => a + b, 0)
    const capped = widths.map((w, i) => w < max[i] - 0.01)
    const count = capped.filter(Boolean).length || n
    return { size, widths: widths.map((w, i) => w + (capped[i] || count === n ? spare / count : 0)) }
  }

  // ───────────────────────────── charts ─────────────────────────────

  private chart(chart: BarChart): void {
    for (const bar of chart.bars) {
      if (!Number.isFinite(bar.value)) {
        throw new ValidationError('REPORT_CHART_INVALID', `图表「${chart.title}」中「${bar.label}」的数值无效：${bar.value}`)
      }
    }
    for (const [what, value] of [['目标值', chart.target?.value], ['最大值', chart.max]] as const) {
      if (value !== undefined && !(Number.isFinite(value) && (what !== '最大值' || value > 0))) {
        throw new ValidationError('REPORT_CHART_INVALID', `图表「${chart.title}」的${what}无效：${value}`)
      }
    }
    const size = SIZE.chart
    const doc = this.doc
    const percent = chart.unit === '%'
    // One number format for the whole chart: 60.0% next to 73.1%, not 60%.
    const decimals = chart.bars.some((b) => !Number.isInteger(b.value)) ? 1 : 0
    const scale = niceScale(chart.max ?? Math.max(0, ...chart.bars.map((b) => b.value), chart.target?.value ?? 0))
    const max = chart.max ?? scale.max
    const ticks: number[] = []
    for (let t = 0; t <= max + scale.step * 1e-6; t += scale.step) ticks.push(Math.round(t * 1e6) / 1e6)

    const labelFonts = [this.serif]
    const naturalLabel = Math.max(0, ...chart.bars.map((b) => this.measureEm(b.label, labelFonts).natural * size))
    const labelWidth = Math.min(naturalLabel, this.box.width * 0.3)
    const rows: ChartRow[] = chart.bars.map((bar) => {
      const label = this.lines(bar.label, labelFonts, size, Math.max(labelWidth, size))
      const valueText = this.lines(`${formatNumber(bar.value, decimals)}${percent ? '%' : ''}`, labelFonts, size, this.box.width)[0]
      const height = Math.max(size * 1.5, label.length * size * 1.2 + size * 0.35)
      return { label, value: bar.value, valueText, highlight: Boolean(bar.highlight), height }
    })
    const valueWidth = Math.max(0, ...rows.map((r) => r.valueText.width)) + size * 0.5
    const plotLeft = this.box.left + labelWidth + size * 0.6
    const plotWidth = this.box.right - plotLeft - Math.max(valueWidth, size * 2)
    const xOf = (v: number): number => plotLeft + (Math.min(Math.max(v, 0), max) / max) * plotWidth

    const titleFonts = [this.sans, this.serif]
    const titlePitch = SIZE.caption * 1.6
    const titleLines = (continued: boolean): Line[] => this.lines(continued ? `${chart.title}（续）` : chart.title, titleFonts, SIZE.caption, this.box.width)
    const unitLine = !percent && chart.unit ? this.lines(`单位：${chart.unit}`, labelFonts, size, this.box.width)[0] : undefined
    const targetLine = chart.target ? this.lines(chart.target.label, labelFonts, size, plotWidth)[0] : undefined
    const topBand = size * (unitLine || targetLine ? 1.8 : 0.6)
    const axisBand = size * 2.4
    const headHeight = (continued: boolean): number => titleLines(continued).length * titlePitch + topBand

    if (this.y > this.box.top + 0.01) this.y += BODY_PITCH * 0.35
    // A chart starts on a new page unless it fits whole or a good part of it (not three bars at the foot) does.
    const whole = headHeight(false) + rows.reduce((sum, r) => sum + r.height, 0) + axisBand
    const firstBars = rows.slice(0, 3).reduce((sum, r) => sum + r.height, 0)
    this.ensureSpace(Math.min(whole, Math.max(headHeight(false) + firstBars + axisBand, 0.4 * (this.box.bottom - this.box.top))))

    let next = 0
    let continued = false
    do {
      if (continued) this.newPage()
      for (const line of titleLines(continued)) this.drawCentered(line, SIZE.caption, titlePitch)
      const bandTop = this.y
      const plotTop = this.y + topBand
      let plotBottom = plotTop
      const start = next
      const room = this.box.bottom - plotTop - axisBand + 0.01
      let end = start
      for (let used = 0; end < rows.length && (end === start || used + rows[end].height <= room); end++) used += rows[end].height
      // When the rest needs one more page, share it out evenly rather than leave a few bars over.
      const rest = rows.slice(end).reduce((sum, r) => sum + r.height, 0)
      if (end < rows.length && rest <= this.box.bottom - this.box.top - headHeight(true) - axisBand) {
        end = Math.max(start + 1, Math.min(end, start + Math.ceil((rows.length - start) / 2)))
      }
      while (next < end) plotBottom += rows[next++].height
      if (rows.length === 0) plotBottom += size * 1.5

      doc.save().lineWidth(0.4).strokeColor(COLOR.grid)
      for (const t of ticks.slice(1)) doc.moveTo(xOf(t), plotTop).lineTo(xOf(t), plotBottom)
      doc.stroke().restore()

      let rowTop = plotTop
      const barHeight = size * 0.95
      const segment = rows.slice(start, next).map((row) => {
        const top = rowTop
        rowTop += row.height
        return { row, top }
      })
      for (const highlight of [false, true]) {
        const bars = segment.filter((s) => s.row.highlight === highlight && xOf(s.row.value) > plotLeft)
        if (!bars.length) continue
        for (const { row, top } of bars) doc.rect(plotLeft, top + (row.height - barHeight) / 2, xOf(row.value) - plotLeft, barHeight)
        doc.fill(highlight ? COLOR.barHighlight : COLOR.bar)
      }
      const targetX = chart.target ? xOf(chart.target.value) : undefined
      if (targetX !== undefined) {
        doc.save().lineWidth(1).strokeColor(COLOR.target).dash(4, { space: 2.5 })
        doc.moveTo(targetX, plotTop - size * 0.3).lineTo(targetX, plotBottom).stroke().undash().restore()
      }
      for (const { row, top } of segment) {
        const labelTop = top + (row.height - row.label.length * size * 1.2) / 2
        row.label.forEach((line, k) => this.drawLine(line, plotLeft - size * 0.5 - line.width, labelTop + k * size * 1.2, size * 1.2, size))
        const x = xOf(row.value) + size * 0.3
        // A value the target line runs through is knocked out of the line so that it stays legible.
        if (targetX !== undefined && targetX > x - 1 && targetX < x + row.valueText.width + 1) {
          doc.rect(x - 1, top + (row.height - size * 1.1) / 2, row.valueText.width + 2, size * 1.1).fill('#FFFFFF')
        }
        this.drawLine(row.valueText, x, top, row.height, size, { color: row.highlight ? COLOR.highlightText : COLOR.text })
      }

      doc.save().lineWidth(0.75).strokeColor(COLOR.text)
      doc.moveTo(plotLeft, plotTop).lineTo(plotLeft, plotBottom).lineTo(plotLeft + plotWidth, plotBottom)
      for (const t of ticks) doc.moveTo(xOf(t), plotBottom).lineTo(xOf(t), plotBottom + size * 0.3)
      doc.stroke().restore()
      for (const t of ticks) {
        const [line] = this.lines(`${String(t)}${percent ? '%' : ''}`, labelFonts, size * 0.9, this.box.width)
        const x = Math.min(Math.max(xOf(t) - line.width / 2, this.box.left), this.box.right - line.width)
        this.drawLine(line, x, plotBottom + size * 0.4, size * 1.2, size * 0.9, { color: COLOR.muted })
      }
      if (unitLine) this.drawLine(unitLine, this.box.right - unitLine.width, bandTop, size * 1.4, size, { color: COLOR.muted })
      if (targetX !== undefined && targetLine) {
        const x = targetX
        let labelX = Math.min(Math.max(x - targetLine.width / 2, plotLeft), this.box.right - targetLine.width)
        // Keep clear of the unit, which sits at the right of the same band.
        if (unitLine && labelX + targetLine.width > this.box.right - unitLine.width - size) labelX = Math.max(plotLeft, x - targetLine.width - size * 0.3)
        this.drawLine(targetLine, labelX, bandTop, size * 1.4, size, { color: COLOR.target })
      }
      this.y = plotBottom + axisBand
      continued = true
    } while (next < rows.length)
    this.y += BODY_PITCH * 0.4
  }

  // ───────────────────────────── text ─────────────────────────────

  private lines(text: string, fonts: LoadedFont[], size: number, width: number, indent = 0): Line[] {
    return text.split(/\r?\n/).flatMap((para) => breakLines(this.shape(para, fonts, size), width, indent))
  }

  /** Lines of even length: a header wraps as 政策覆/盖率, not 政策覆盖/率. */
  private balancedLines(text: string, fonts: LoadedFont[], size: number, width: number): Line[] {
    const lines = this.lines(text, fonts, size, width)
    if (lines.length < 2) return lines
    let low = 0
    let high = width
    for (let k = 0; k < 12; k++) {
      const mid = (low + high) / 2
      if (this.lines(text, fonts, size, mid).length > lines.length) low = mid
      else high = mid
    }
    return this.lines(text, fonts, size, high)
  }

  /** Maps text to characters with their font and advance, choosing for each the first font that has it. */
  private shape(text: string, fonts: LoadedFont[], size: number): Item[] {
    const items: Item[] = []
    for (const raw of text) {
      const ch = raw === '\t' ? ' ' : raw
      const cp = ch.codePointAt(0)!
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue
      const font = this.fonts.fontFor(cp, fonts)
      if (!font) throw missingGlyphError(text, ch)
      const em = advanceOf(font, cp)
      items.push({ ch, font, advance: em * size, width: em * size, space: ch === ' ', narrow: em < 0.75 })
    }
    return items
  }

  /** Widths in em: the whole text on one line (its longest paragraph) and its longest run that may not break. */
  private measureEm(text: string, fonts: LoadedFont[]): { natural: number; token: number } {
    let natural = 0
    let token = 0
    for (const para of text.split(/\r?\n/)) {
      let line = 0
      let run = 0
      let narrow = false
      for (const ch of para) {
        const cp = ch.codePointAt(0)!
        const font = this.fonts.fontFor(cp, fonts)
        if (!font) throw missingGlyphError(text, ch)
        const em = advanceOf(font, cp)
        line += em
        // Digits and Latin letters stick together (breakLines breaks them only when it must), and a
        // closing mark stays with what precedes it.
        if (ch === ' ') run = 0
        else if (CLOSING.test(ch)) run += em
        else if (em < 0.75) run = (narrow ? run : 0) + em
        else run = em
        narrow = ch !== ' ' && em < 0.75
        token = Math.max(token, run)
      }
      natural = Math.max(natural, line)
    }
    return { natural, token }
  }

  private drawCentered(line: Line, size: number, pitch: number): void {
    this.ensureSpace(pitch)
    this.drawLine(line, this.box.left + (this.box.width - line.width) / 2, this.y, pitch, size)
    this.y += pitch
  }

  /**
   * Draws one line in a line box of height `pitch` whose top is `top`. Characters are grouped into
   * runs of one font so that pdfkit writes few text operators; `justifyTo` spreads the line to that width.
   */
  private drawLine(line: Line, x: number, top: number, pitch: number, size: number, options: { color?: string; justifyTo?: number } = {}): void {
    const items = line.items
    if (!items.length) return
    const gaps = items.length - 1
    const gap = options.justifyTo !== undefined && gaps > 0 ? Math.max(0, (options.justifyTo - line.width) / gaps) : 0
    // The ideographic em box (-0.12 em to 0.88 em around the baseline) is centred in the line box.
    const baseline = top + (pitch - size) / 2 + 0.88 * size
    const doc = this.doc
    doc.fillColor(options.color ?? COLOR.text)
    let i = 0
    while (i < items.length) {
      const first = items[i]
      let text = first.ch
      let width = first.width + gap
      let j = i + 1
      while (j < items.length && items[j].font === first.font) {
        text += items[j].ch
        width += items[j].width + gap
        j++
      }
      doc.font(this.fonts.key(first.font)).fontSize(size)
      doc.text(text, x, baseline, { lineBreak: false, baseline: 'alphabetic', characterSpacing: gap })
      x += width
      i = j
    }
  }

  // ───────────────────────────── pages ─────────────────────────────

  private newPage(): void {
    this.doc.addPage({ size: 'A4', layout: this.report.orientation === 'landscape' ? 'landscape' : 'portrait', margin: 0 })
    this.y = this.box.top
  }

  private ensureSpace(height: number): void {
    if (this.y + height > this.box.bottom + 0.01 && this.y > this.box.top + 0.01) this.newPage()
  }
}

/** '2026-11-30' → '2026年11月30日'; anything else is printed as given. */
function formatDate(date: string): string {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(date.trim())
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : date
}

function formatNumber(value: number, decimals: number): string {
  return value.toFixed(decimals)
}

/** A column whose filled body cells are all figures (1 234, 83.5%, -2, 12.0万) is right-aligned. */
function isNumericColumn(table: ReportTable, i: number): boolean {
  const cells = table.rows.filter((r) => !r.total).map((r) => r.cells[i].trim()).filter((c) => c && c !== '—' && c !== '-')
  return cells.length > 0 && cells.every((c) => /^[-+−]?[\d,，.]+\s*(%|‰|万|亿|元|人|户|个|项|次|人次)?$/.test(c))
}

/** An axis maximum of at most six steps of 1, 2, 2.5 or 5 × 10ⁿ. */
function niceScale(value: number): { max: number; step: number } {
  if (!(value > 0)) return { max: 10, step: 2 }
  const magnitude = 10 ** Math.floor(Math.log10(value / 5))
  for (const f of [1, 2, 2.5, 5, 10, 20]) {
    const step = f * magnitude
    if (Math.ceil(value / step - 1e-9) <= 6) return { max: Math.ceil(value / step - 1e-9) * step, step }
  }
  return { max: value, step: value / 5 }
}
