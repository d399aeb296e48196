/**
 * A small layout engine on pdfkit for letters that look like official documents (GB/T 9704-2012
 * 党政机关公文格式): A4, margins 37/35/28/26 mm, a 22-line × 28-character grid for 3号 body text,
 * a 2号 title, 4号 page numbers '— 1 —' below the text area, tables whose header repeats on every
 * page, and 甲方/乙方 signature blocks with room for the seal.
 *
 * We place every line ourselves instead of using pdfkit's text wrapping: CJK text breaks between any
 * two characters, Chinese punctuation must obey 避头尾, full-width characters sit on the character
 * grid, and a line may mix the shipped font with a fallback font for a rare name character.
 * Output is deterministic: fixed dates and document ID, so the same input gives the same bytes.
 */
import { createRequire } from 'node:module'
import type PDFDocumentClass from 'pdfkit'
import { z } from 'zod'
import { FileError, ValidationError } from './errors.js'
import { advanceOf, hasGlyph, loadFont, SANS_FONT_FILE, SERIF_FONT_FILE, systemFallbackFonts, type LoadedFont } from './fonts.js'

/**
 * pdfkit, loaded the first time a document is made (≈ 0.1 s): every command that could print one
 * (the notice, letters) would otherwise pay for it at start.
 */
const requireCjs = createRequire(import.meta.url)
let pdfkit: typeof PDFDocumentClass | undefined
export function newPdfDocument(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  pdfkit ??= requireCjs('pdfkit') as typeof PDFDocumentClass
  return new pdfkit(options)
}

const MM = 72 / 25.4
const A4 = { width: 595.28, height: 841.89 }
/** The default creation date written into every PDF, so that output does not depend on the clock. */
export const FIXED_PDF_DATE = new Date('2016-01-01T00:00:00.000Z')

/** Document options; every field has the GB/T 9704 default. Sizes in points, margins in millimetres. */
export const PdfOptionsSchema = z
  .object({
    /** CreationDate and ModDate; also seeds the document ID. */
    date: z.date().default(FIXED_PDF_DATE),
    title: z.string().optional(),
    author: z.string().optional(),
    subject: z.string().optional(),
    /** Body face (Song/Ming style); a TTF/OTF path or `file.ttc#PostScriptName`. */
    serifFont: z.string().min(1).default(SERIF_FONT_FILE),
    /** Heading and table-header face (Hei style). */
    sansFont: z.string().min(1).default(SANS_FONT_FILE),
    /** Tried in order for characters the two faces lack; default: SimSun/SimSun-ExtB etc. if present. [] = none. */
    fallbackFonts: z.array(z.string().min(1)).optional(),
    margins: z
      .object({
        top: z.number().min(5).max(80).default(37),
        bottom: z.number().min(5).max(80).default(35),
        left: z.number().min(5).max(80).default(28),
        right: z.number().min(5).max(80).default(26),
      })
      .default({}),
    titleFontSize: z.number().min(8).max(40).default(22),
    bodyFontSize: z.number().min(8).max(30).default(16),
    tableFontSize: z.number().min(6).max(30).default(14),
    pageNumberFontSize: z.number().min(6).max(30).default(14),
    /** The nominal grid: lines per page and full-width characters per line. */
    linesPerPage: z.number().int().min(10).max(60).default(22),
    charsPerLine: z.number().int().min(10).max(60).default(28),
    /** GB/T 9704: odd pages at the right, even pages at the left, one character in from the edge. */
    pageNumbers: z.enum(['outside', 'center', 'none']).default('outside'),
    compress: z.boolean().default(true),
  })
  .strict()
export type PdfOptions = z.input<typeof PdfOptionsSchema>
type ResolvedOptions = z.output<typeof PdfOptionsSchema>

/** One column of a table: its header, its share of the table width, and how cells are aligned. */
export const TableColumnSchema = z.object({
  header: z.string(),
  width: z.number().positive().default(1),
  align: z.enum(['left', 'center', 'right']).default('left'),
})
export type TableColumn = z.input<typeof TableColumnSchema>

/** One side of the signature blocks. */
export const PartySchema = z.object({
  /** 甲方 or 乙方 (or 责任单位, 帮扶人 …). */
  role: z.string().min(1),
  name: z.string(),
  /** The line for the handwritten signature. */
  signatoryLabel: z.string().default('负责人（签字）：'),
  /** Whether the party stamps a seal (a person signing a 帮扶责任书 has none). */
  seal: z.boolean().default(true),
})
export type Party = z.input<typeof PartySchema>

export interface PdfLetterDocument {
  /** The pdfkit document, for drawing this module does not cover. */
  readonly doc: PDFKit.PDFDocument
  /** Pages so far. */
  readonly pageCount: number
  /** 2号 title, centred, faux-bold Song; followed by one blank line. */
  addTitle(text: string): this
  /** A 3号 黑体 heading (一、…), on the grid. */
  addHeading(text: string): this
  /** A body paragraph on the grid: first line indented two characters, justified. `\n` starts a new paragraph. */
  addParagraph(text: string, options?: { indent?: boolean; align?: 'justify' | 'left' | 'center' | 'right' }): this
  /** Empty grid lines. */
  addBlankLines(count?: number): this
  /** A ruled table as wide as the text area; the header row repeats on every page, cells wrap by character. */
  addTable(columns: TableColumn[], rows: string[][]): this
  /** 甲方 and 乙方 side by side, with room to sign and stamp, and the date (blank for handwriting when omitted). */
  addSignatureBlocks(partyA: Party, partyB: Party, date?: string): this
  /** Starts a new page; `restartPageNumbers` begins the next letter of a combined PDF at '— 1 —'. */
  addPageBreak(options?: { restartPageNumbers?: boolean }): this
  /** Finishes the PDF and returns its bytes. */
  end(): Promise<Buffer>
}

// 避头尾: these may not begin a line …
const NO_LINE_START = new Set(Array.from('，。、；：？！）》」』】〕〗〉”’…—·％‰℃!),.:;?]}%'))
// … and these may not end one.
const NO_LINE_END = new Set(Array.from('（《「『【〔〖〈“‘([{'))
// Pairs that must stay together: —— and …….
const UNSPLITTABLE = new Set(['——', '……'])

/** One shaped character, as breakLines() takes it. */
export interface Item {
  ch: string
  font: LoadedFont
  /** Natural advance in points at the drawn size. */
  advance: number
  /** Width on the line before justification (a grid cell for full-width characters). */
  width: number
  space: boolean
  narrow: boolean
}

export interface Line {
  items: Item[]
  width: number
  /** Last line of its paragraph: not justified. */
  last: boolean
}

interface TextStyle {
  fonts: LoadedFont[]
  size: number
  /** Width of one full-width character on the grid; undefined = natural widths. */
  cell?: number
}

/**
 * Opens a new letter document.
 * Throws ValidationError PDF_OPTIONS_INVALID for bad options, FileError FONT_UNREADABLE when a font
 * cannot be read, and (from the add… methods) FileError FONT_MISSING_GLYPH when no font has a
 * character, naming the text and the character.
 */
export function createDocument(options: PdfOptions = {}): PdfLetterDocument {
  const parsed = PdfOptionsSchema.safeParse(options)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ValidationError('PDF_OPTIONS_INVALID', `PDF 选项「${issue.path.join('.') || '(整体)'}」无效：${issue.message}`, {
      details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    })
  }
  return new LetterDocument(parsed.data)
}

/**
 * The faces a PDF draws with: the first of the preferred faces that has a character, else the
 * document's own faces, else a fallback font (parsed only when a character needs it: SimSun is 18 MB);
 * each face registered with pdfkit once. Shared by letters (pdf.ts) and reports (report-pdf.ts).
 */
export class PdfFonts {
  private fallbacks: LoadedFont[] | undefined
  private readonly keys = new Map<LoadedFont, string>()

  constructor(private readonly doc: PDFKit.PDFDocument, private readonly faces: LoadedFont[], private readonly fallbackSpecs: string[]) {}

  fontFor(cp: number, preferred: LoadedFont[]): LoadedFont | undefined {
    for (const f of preferred) if (hasGlyph(f, cp)) return f
    for (const f of this.faces) if (hasGlyph(f, cp)) return f
    this.fallbacks ??= this.fallbackSpecs.map((spec) => loadFont(spec))
    for (const f of this.fallbacks) if (hasGlyph(f, cp)) return f
    return undefined
  }

  /** The pdfkit font name of a face, registering it the first time. */
  key(font: LoadedFont): string {
    let key = this.keys.get(font)
    if (!key) {
      key = `cjk${this.keys.size}`
      this.keys.set(font, key)
      this.doc.registerFont(key, font.font as unknown as string)
    }
    return key
  }
}

class LetterDocument implements PdfLetterDocument {
  readonly doc: PDFKit.PDFDocument
  private readonly o: ResolvedOptions
  private readonly serif: LoadedFont
  private readonly sans: LoadedFont
  private readonly fallbackSpecs: string[]
  private readonly fonts: PdfFonts
  private readonly chunks: Buffer[] = []
  private readonly done: Promise<Buffer>
  private readonly box: { left: number; right: number; top: number; bottom: number; width: number }
  private readonly linePitch: number
  private readonly cell: number
  private pages = 0
  private pageNumber = 0
  private y = 0

  constructor(o: ResolvedOptions) {
    this.o = o
    this.serif = loadFont(o.serifFont)
    this.sans = loadFont(o.sansFont)
    this.fallbackSpecs = o.fallbackFonts ?? systemFallbackFonts()
    const left = o.margins.left * MM
    const right = A4.width - o.margins.right * MM
    const top = o.margins.top * MM
    const bottom = A4.height - o.margins.bottom * MM
    this.box = { left, right, top, bottom, width: right - left }
    this.linePitch = (bottom - top) / o.linesPerPage
    this.cell = this.box.width / o.charsPerLine
    const info: Record<string, unknown> = { Producer: 'cjfp', Creator: 'cjfp', CreationDate: o.date, ModDate: o.date }
    if (o.title) info.Title = o.title
    if (o.author) info.Author = o.author
    if (o.subject) info.Subject = o.subject
    this.doc = newPdfDocument({
      size: 'A4',
      margin: 0,
      autoFirstPage: false,
      compress: o.compress,
      lang: 'zh-CN',
      info: info as PDFKit.DocumentInfo,
      // A fontkit font object as the default font spares pdfkit parsing Helvetica's AFM per document.
      font: this.serif.font as unknown as string,
    })
    this.fonts = new PdfFonts(this.doc, [this.serif], this.fallbackSpecs)
    this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk))
    this.done = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)))
      this.doc.on('error', reject)
    })
    this.newPage()
  }

  get pageCount(): number {
    return this.pages
  }

  addTitle(text: string): this {
    const size = this.o.titleFontSize
    const pitch = Math.max(this.linePitch, size * 1.3)
    const style: TextStyle = { fonts: [this.serif], size }
    for (const para of splitParagraphs(text)) {
      // Titles keep a character of air on each side so a long one wraps into a centred block.
      for (const line of breakLines(this.shape(para, style), this.box.width - 2 * size, 0)) {
        this.ensureSpace(pitch)
        this.drawLine(line, { x: this.box.left + (this.box.width - line.width) / 2, top: this.y, pitch, size, justifyTo: undefined, bold: true })
        this.y += pitch
      }
    }
    return this.addBlankLines(1)
  }

  addHeading(text: string): this {
    const style: TextStyle = { fonts: [this.sans, this.serif], size: this.o.bodyFontSize, cell: this.cell }
    return this.flow(text, style, { indent: true, align: 'left' })
  }

  addParagraph(text: string, options: { indent?: boolean; align?: 'justify' | 'left' | 'center' | 'right' } = {}): this {
    const style: TextStyle = { fonts: [this.serif], size: this.o.bodyFontSize, cell: this.cell }
    return this.flow(text, style, { indent: options.indent ?? true, align: options.align ?? 'justify' })
  }

  addBlankLines(count = 1): this {
    for (let i = 0; i < count; i++) {
      // A blank line at the foot of a page is not carried over to the next one.
      if (this.y + this.linePitch > this.box.bottom + 0.01) this.newPage()
      else this.y += this.linePitch
    }
    return this
  }

  addTable(columnsIn: TableColumn[], rows: string[][]): this {
    const columns = z.array(TableColumnSchema).min(1).parse(columnsIn)
    const size = this.o.tableFontSize
    const pitch = size * 1.45
    const padX = size * 0.3
    const padY = size * 0.25
    const total = columns.reduce((sum, c) => sum + c.width, 0)
    const widths = columns.map((c) => (c.width / total) * this.box.width)
    const xs = widths.map((_, i) => this.box.left + widths.slice(0, i).reduce((a, b) => a + b, 0))
    const bodyStyle: TextStyle = { fonts: [this.serif], size }
    const headStyle: TextStyle = { fonts: [this.sans, this.serif], size }
    const wrap = (text: string, style: TextStyle, i: number): Line[] =>
      splitParagraphs(text).flatMap((p) => breakLines(this.shape(p, style), widths[i] - 2 * padX, 0))
    const header = columns.map((c, i) => wrap(c.header, headStyle, i))
    const headerHeight = Math.max(...header.map((l) => l.length)) * pitch + 2 * padY
    const body = rows.map((row, r) => {
      if (row.length !== columns.length) {
        throw new ValidationError('PDF_TABLE_INVALID', `表格第 ${r + 1} 行有 ${row.length} 列，表头有 ${columns.length} 列`)
      }
      return row.map((cell, i) => wrap(cell, bodyStyle, i))
    })

    const drawRow = (cells: Line[][], height: number, header: boolean): void => {
      const top = this.y
      cells.forEach((lines, i) => {
        this.doc.lineWidth(0.75).rect(xs[i], top, widths[i], height).stroke()
        lines.forEach((line, k) => {
          const inner = widths[i] - 2 * padX
          const align = header ? 'center' : columns[i].align
          const offset = align === 'center' ? (inner - line.width) / 2 : align === 'right' ? inner - line.width : 0
          this.drawLine(line, { x: xs[i] + padX + offset, top: top + padY + k * pitch, pitch, size, justifyTo: undefined, bold: false })
        })
      })
      this.y = top + height
    }
    const drawHeader = (): void => drawRow(header, headerHeight, true)

    // The header never stands alone at the foot of a page.
    const firstRows = body.length ? Math.max(...body[0].map((l) => l.length)) : 0
    this.ensureSpace(headerHeight + Math.min(firstRows, 1) * pitch + 2 * padY)
    drawHeader()
    const fullPage = this.box.bottom - this.box.top - headerHeight
    for (const cells of body) {
      let remaining = cells
      let rowLines = Math.max(1, ...remaining.map((l) => l.length))
      // A row that fits on a fresh page is moved there whole rather than split.
      if (rowLines * pitch + 2 * padY <= fullPage && this.y + rowLines * pitch + 2 * padY > this.box.bottom + 0.01) {
        this.newPage()
        drawHeader()
      }
      while (rowLines > 0) {
        let fit = Math.floor((this.box.bottom - this.y - 2 * padY + 0.01) / pitch)
        if (fit < 1) {
          this.newPage()
          drawHeader()
          fit = Math.floor((this.box.bottom - this.y - 2 * padY + 0.01) / pitch)
        }
        const take = Math.min(fit, rowLines)
        drawRow(
          remaining.map((l) => l.slice(0, take)),
          take * pitch + 2 * padY,
          false,
        )
        remaining = remaining.map((l) => l.slice(take))
        rowLines -= take
      }
    }
    // Body text continues on the grid below the table.
    const offset = (this.y - this.box.top) % this.linePitch
    if (offset > 0.01) this.y += this.linePitch - offset
    return this
  }

  addSignatureBlocks(partyAIn: Party, partyBIn: Party, date?: string): this {
    const parties = [PartySchema.parse(partyAIn), PartySchema.parse(partyBIn)]
    const size = this.o.bodyFontSize
    const style: TextStyle = { fonts: [this.serif], size, cell: this.cell }
    const gutter = 2 * this.cell
    const colWidth = (this.box.width - gutter) / 2
    const dateText = date ?? '　　　　年　　月　　日'
    const columns = parties.map((p) => {
      // The name gets a line of its own so that a long unit name is not broken after the label.
      const lines = [
        ...breakLines(this.shape(`${p.role}${p.seal ? '（盖章）' : ''}：`, style), colWidth, 0),
        ...breakLines(this.shape(p.name, style), colWidth, 0),
        ...breakLines(this.shape(p.signatoryLabel, style), colWidth, 0),
      ]
      return { lines, date: breakLines(this.shape(dateText, style), colWidth, 0) }
    })
    const textRows = Math.max(...columns.map((c) => c.lines.length))
    // One blank line above, the party lines, three lines for the signature and the 42 mm seal, the date.
    const sealRows = 3
    const dateRows = Math.max(...columns.map((c) => c.date.length))
    const height = (1 + textRows + sealRows + dateRows) * this.linePitch
    if (this.y + height > this.box.bottom + 0.01) {
      // Official-document practice: a page that carries only the signatures says so at its top.
      this.newPage()
      const note = breakLines(this.shape('（此页无正文）', style), this.box.width, 0)[0]
      this.drawLine(note, { x: this.box.left + 2 * this.cell, top: this.y, pitch: this.linePitch, size, justifyTo: undefined, bold: false })
      this.y += this.linePitch
    }
    const top = this.y + this.linePitch
    columns.forEach((c, i) => {
      const x = this.box.left + i * (colWidth + gutter)
      c.lines.forEach((line, k) => this.drawLine(line, { x, top: top + k * this.linePitch, pitch: this.linePitch, size, justifyTo: undefined, bold: false }))
      c.date.forEach((line, k) =>
        this.drawLine(line, {
          x: x + colWidth - line.width - this.cell,
          top: top + (textRows + sealRows + k) * this.linePitch,
          pitch: this.linePitch,
          size,
          justifyTo: undefined,
          bold: false,
        }),
      )
    })
    this.y += height
    return this
  }

  addPageBreak(options: { restartPageNumbers?: boolean } = {}): this {
    if (options.restartPageNumbers) this.pageNumber = 0
    this.newPage()
    return this
  }

  end(): Promise<Buffer> {
    this.doc.end()
    return this.done
  }

  private flow(text: string, style: TextStyle, options: { indent: boolean; align: 'justify' | 'left' | 'center' | 'right' }): this {
    for (const para of splitParagraphs(text)) {
      const indent = options.indent ? 2 * (style.cell ?? style.size) : 0
      const lines = breakLines(this.shape(para, style), this.box.width, indent)
      lines.forEach((line, k) => {
        this.ensureSpace(this.linePitch)
        const start = k === 0 ? indent : 0
        const room = this.box.width - start
        const x =
          this.box.left +
          start +
          (options.align === 'center' ? (room - line.width) / 2 : options.align === 'right' ? room - line.width : 0)
        const justifyTo = options.align === 'justify' && !line.last ? room : undefined
        this.drawLine(line, { x, top: this.y, pitch: this.linePitch, size: style.size, justifyTo, bold: false })
        this.y += this.linePitch
      })
    }
    return this
  }

  /** Maps text to positioned characters, choosing for each the first font that has it. */
  private shape(text: string, style: TextStyle): Item[] {
    const items: Item[] = []
    for (const raw of text) {
      const ch = raw === '\t' ? ' ' : raw
      const cp = ch.codePointAt(0)!
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue
      const font = this.fonts.fontFor(cp, style.fonts) ?? this.missingGlyph(text, ch)
      const em = advanceOf(font, cp)
      const advance = em * style.size
      // Full-width characters sit on the grid cell; Latin letters and digits keep their own width.
      const width = style.cell !== undefined && em > 0.9 ? style.cell : advance
      items.push({ ch, font, advance, width, space: ch === ' ', narrow: em < 0.75 })
    }
    return items
  }

  private missingGlyph(text: string, ch: string): never {
    throw missingGlyphError(text, ch)
  }

  private newPage(): void {
    this.doc.addPage({ size: 'A4', margin: 0 })
    this.pages++
    this.pageNumber++
    this.y = this.box.top
    if (this.o.pageNumbers !== 'none') this.drawPageNumber()
  }

  private ensureSpace(height: number): void {
    if (this.y + height > this.box.bottom + 0.01 && this.y > this.box.top + 0.01) this.newPage()
  }

  private drawPageNumber(): void {
    const size = this.o.pageNumberFontSize
    const style: TextStyle = { fonts: [this.serif], size }
    const [line] = breakLines(this.shape(`— ${this.pageNumber} —`, style), this.box.width, 0)
    // GB/T 9704 7.5: the rule above the number sits 7 mm below the text area.
    const top = this.box.bottom + 7 * MM - (size * 0.5 - size * 0.12)
    const odd = this.pageNumber % 2 === 1
    const x =
      this.o.pageNumbers === 'center'
        ? this.box.left + (this.box.width - line.width) / 2
        : odd
          ? this.box.right - size - line.width
          : this.box.left + size
    this.drawLine(line, { x, top, pitch: size, size, justifyTo: undefined, bold: false })
  }

  /**
   * Draws one line. Characters are grouped into runs of one font and one spacing so that pdfkit
   * writes few text operators; `justifyTo` spreads the line to that width.
   */
  private drawLine(line: Line, at: { x: number; top: number; pitch: number; size: number; justifyTo: number | undefined; bold: boolean }): void {
    const items = line.items
    if (!items.length) return
    const gaps = items.length - 1
    const gap = at.justifyTo !== undefined && gaps > 0 ? Math.max(0, (at.justifyTo - line.width) / gaps) : 0
    // The ideographic em box (-0.12 em to 0.88 em around the baseline) is centred in the line box.
    const baseline = at.top + (at.pitch - at.size) / 2 + 0.88 * at.size
    const doc = this.doc
    if (at.bold) doc.lineWidth(at.size * 0.03).strokeColor('black')
    let x = at.x
    let i = 0
    while (i < items.length) {
      const first = items[i]
      const spacing = first.width - first.advance + gap
      let text = first.ch
      let width = first.width + gap
      let j = i + 1
      while (j < items.length && items[j].font === first.font && Math.abs(items[j].width - items[j].advance + gap - spacing) < 1e-6) {
        text += items[j].ch
        width += items[j].width + gap
        j++
      }
      doc.font(this.fonts.key(first.font)).fontSize(at.size)
      doc.text(text, x, baseline, {
        lineBreak: false,
        baseline: 'alphabetic',
        characterSpacing: spacing,
        fill: true,
        stroke: at.bold,
      })
      x += width
      i = j
    }
  }
}

/** The FileError FONT_MISSING_GLYPH for a character no font has, naming the text and the character. */
export function missingGlyphError(text: string, ch: string): FileError {
  const codePoint = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
  return new FileError('FONT_MISSING_GLYPH', `字体中没有「${ch}」(${codePoint})，无法打印：${text}`, {
    hint: '请核对该字是否录入正确；生僻字需在电脑上安装含该字的字体（如 Windows 自带的 SimSun-ExtB）后重试',
    details: { text, character: ch, codePoint },
  })
}

function splitParagraphs(text: string): string[] {
  return text.split(/\r?\n/)
}

/**
 * Greedy line breaking for CJK text with 避头尾: a break may fall between any two characters except
 * inside a run of narrow (Latin, digit) characters, before a closing mark, after an opening mark or
 * inside —— and ……. When the character that overflows may not begin a line, the break moves back
 * and carries the previous character with it (推出). A run with no break at all is cut where it
 * overflows, so nothing ever runs past the margin.
 */
export function breakLines(items: Item[], maxWidth: number, firstIndent: number): Line[] {
  const lines: Line[] = []
  let start = 0
  while (start < items.length) {
    while (start < items.length && items[start].space) start++
    if (start >= items.length) break
    const limit = maxWidth - (lines.length === 0 ? firstIndent : 0) + 0.01
    let width = 0
    let end = start
    let lastBreak = -1
    while (end < items.length) {
      if (end > start && canBreak(items, end)) lastBreak = end
      const w = items[end].width
      if (width + w > limit && !items[end].space) break
      width += w
      end++
    }
    if (end < items.length) {
      if (lastBreak > start) end = lastBreak
      else if (end === start) end = start + 1 // a single character wider than the line
    }
    const slice = items.slice(start, end)
    while (slice.length && slice[slice.length - 1].space) slice.pop()
    lines.push({ items: slice, width: slice.reduce((sum, it) => sum + it.width, 0), last: end >= items.length })
    start = end
  }
  if (lines.length === 0) lines.push({ items: [], width: 0, last: true })
  return lines
}

function canBreak(items: Item[], i: number): boolean {
  const prev = items[i - 1]
  const next = items[i]
  if (next.space) return false
  if (prev.space) return true
  if (NO_LINE_START.has(next.ch) || NO_LINE_END.has(prev.ch)) return false
  if (UNSPLITTABLE.has(prev.ch + next.ch)) return false
  return !(prev.narrow && next.narrow)
}
