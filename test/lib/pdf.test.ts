import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileError, ValidationError } from '../../src/lib/errors.js'
import { createDocument, type PdfOptions } from '../../src/lib/pdf.js'
import { tempDir } from '../support/cli.js'

// Debian's full Noto CJK collection, when installed (fonts-noto-cjk), covers 𠮷 and serves as the fallback.
const NOTO_TTC = '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc'
const MM = 72 / 25.4

let dir: string
let cleanup: () => void
beforeEach(() => ({ dir, cleanup } = tempDir('cjfp-pdf-')))
afterEach(() => cleanup())

const TASKS = [
  ['1', '为有需求的贫困残疾人提供基本康复服务', '≥80%', '2018年12月31日'],
  ['2', '开展辅助器具适配，重点保障贫困残疾儿童', '≥80%', '2018年12月31日'],
  ['3', '贫困重度残疾人家庭无障碍改造', '120户', '2019年12月31日'],
]

async function renderLetter(options: PdfOptions = {}, partyB = '龙场镇人民政府'): Promise<{ pdf: Buffer; pages: number }> {
  const d = createDocument({ fallbackFonts: [], ...options })
  d.addTitle('威宁自治县龙场镇\n残疾人脱贫攻坚目标责任状')
  d.addParagraph('为贯彻落实《贵州省“十三五”残疾人脱贫攻坚实施方案》，经研究，甲乙双方签订本责任状。乙方应当逐户落实帮扶人、帮扶措施和帮扶资金，完成下表所列任务。')
  d.addParagraph('本责任状一式两份，甲乙双方各执一份，自签订之日起生效。')
  d.addTable(
    [
      { header: '序号', width: 2.2, align: 'center' },
      { header: '任务内容', width: 12 },
      { header: '目标', width: 3.6, align: 'center' },
      { header: '完成时限', width: 7.2, align: 'center' },
    ],
    TASKS,
  )
  d.addSignatureBlocks({ role: '甲方', name: '威宁自治县残疾人联合会' }, { role: '乙方', name: partyB }, '2017年3月15日')
  return { pdf: await d.end(), pages: d.pageCount }
}

function save(pdf: Buffer, name = 'letter.pdf'): string {
  const file = join(dir, name)
  writeFileSync(file, pdf)
  return file
}

function pdftotext(file: string, ...args: string[]): string {
  const result = spawnSync('pdftotext', [...args, file, '-'], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`)
  return result.stdout
}

function pageCount(file: string): number {
  const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])
}

/** Every word with its page and box, from `pdftotext -bbox`. */
function words(file: string): { page: number; text: string; xMin: number; yMin: number; xMax: number; yMax: number }[] {
  const html = pdftotext(file, '-bbox')
  const out: ReturnType<typeof words> = []
  html.split('<page ').slice(1).forEach((page, index) => {
    for (const m of page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
      out.push({ page: index + 1, xMin: +m[1], yMin: +m[2], xMax: +m[3], yMax: +m[4], text: m[5] })
    }
  })
  return out
}

const compact = (s: string): string => s.replace(/\s+/g, '')

describe('createDocument', () => {
  it('renders a letter whose text pdftotext gives back in order: title, parties, tasks, punctuation', async () => {
    const { pdf, pages } = await renderLetter()
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const file = save(pdf)
    expect(pageCount(file)).toBe(pages)
    const text = compact(pdftotext(file))
    const expected = [
      '威宁自治县龙场镇',
      '残疾人脱贫攻坚目标责任状',
      '为贯彻落实《贵州省“十三五”残疾人脱贫攻坚实施方案》，经研究，',
      '完成下表所列任务。',
      '序号',
      '任务内容',
      '为有需求的贫困残疾人提供基本康复服务',
      '≥80%',
      '开展辅助器具适配，重点保障贫困残疾儿童',
      '120户',
      '2019年12月31日',
      '甲方（盖章）：',
      '威宁自治县残疾人联合会',
      '龙场镇人民政府',
      '2017年3月15日',
      '—1—',
    ]
    let from = 0
    for (const piece of expected) {
      const at = text.indexOf(piece, from)
      expect(at, `「${piece}」 after position ${from}`).toBeGreaterThanOrEqual(0)
      from = at + piece.length
    }
  })

  it('keeps Chinese punctuation off the start of a line and opening marks off the end (避头尾)', async () => {
    const d = createDocument({ fallbackFonts: [] })
    // Punctuation at every offset against the 28-character grid, so some would land at a line start.
    const marks = ['，', '。', '、', '；', '：', '？', '！', '）', '》', '」', '』']
    let text = ''
    for (let i = 0; i < 60; i++) text += '残疾人'.slice(0, (i % 3) + 1) + marks[i % marks.length] + (i % 7 === 0 ? '（《「『' : '') + '帮扶'
    d.addParagraph(text)
    const file = save(await d.end())
    const lines = pdftotext(file)
      .split('\n')
      .map((l) => l.replace(/\s+/g, ''))
      .filter((l) => l && !/^—\d+—$/.test(l))
    expect(lines.length).toBeGreaterThan(5)
    for (const line of lines) {
      expect(marks, `line starts with ${line[0]}: ${line}`).not.toContain(line[0])
      expect(['（', '《', '「', '『'], `line ends with ${line.at(-1)}: ${line}`).not.toContain(line.at(-1))
      expect(Array.from(line).length).toBeLessThanOrEqual(28)
    }
    expect(lines.join('')).toBe(text)
  })

  it('repeats the table header on every page and keeps every word inside the margins', async () => {
    const d = createDocument({ fallbackFonts: [] })
    d.addTitle('结对帮扶任务清单')
    const rows = Array.from({ length: 60 }, (_, i) => [String(i + 1), `第${i + 1}项任务：${'落实帮扶人、帮扶措施和帮扶资金'.repeat((i % 3) + 1)}`, '100%'])
    d.addTable([{ header: '序号', width: 1 }, { header: '任务内容', width: 6 }, { header: '目标', width: 1.5 }], rows)
    const file = save(await d.end())
    const pages = pageCount(file)
    expect(pages).toBeGreaterThan(2)
    const all = words(file)
    for (let page = 1; page <= pages; page++) expect(all.some((w) => w.page === page && w.text.includes('任务内容'))).toBe(true)
    const [left, right, top, bottom] = [28 * MM, 595.28 - 26 * MM, 37 * MM, 841.89 - 35 * MM]
    for (const w of all) {
      expect(w.xMin).toBeGreaterThanOrEqual(left - 0.5)
      expect(w.xMax).toBeLessThanOrEqual(right + 0.5)
      if (/^[—\d]+$/.test(w.text) && w.yMin > bottom) continue // the page number sits below the text area
      // poppler's word box runs from the font's ascent to its descent, a little outside the em box.
      expect(w.yMin).toBeGreaterThanOrEqual(top - 4)
      expect(w.yMax).toBeLessThanOrEqual(bottom + 4)
    }
  })

  it('gives identical bytes for the same input', async () => {
    const a = await renderLetter()
    const b = await renderLetter()
    expect(a.pdf.equals(b.pdf)).toBe(true)
    const c = await renderLetter({ date: new Date('2017-03-15T00:00:00Z') })
    expect(c.pdf.equals(a.pdf)).toBe(false)
  })

  it('prints a 通用规范汉字表 name character outside GB 2312 (䶮) with the shipped font', async () => {
    const { pdf } = await renderLetter({}, '刘䶮')
    expect(compact(pdftotext(save(pdf)))).toContain('刘䶮')
  })

  it('fails with FONT_MISSING_GLYPH naming the text and the character when no font has it', async () => {
    const error = await renderLetter({ fallbackFonts: [] }, '吉𠮷').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FileError)
    expect(error).toMatchObject({ code: 'FONT_MISSING_GLYPH', details: { text: '吉𠮷', character: '𠮷', codePoint: 'U+20BB7' } })
    expect((error as FileError).message).toContain('「𠮷」')
  })

  it.runIf(existsSync(NOTO_TTC))('prints a character missing from the shipped font with a fallback font', async () => {
    const { pdf } = await renderLetter({ fallbackFonts: [`${NOTO_TTC}#NotoSerifCJKsc-Regular`] }, '吉𠮷人民政府')
    expect(compact(pdftotext(save(pdf)))).toContain('吉𠮷人民政府')
  })

  it('rejects bad options and a WOFF font with typed errors', () => {
    expect(() => createDocument({ margins: { top: 1 } })).toThrow(ValidationError)
    expect(() => createDocument({ serifFont: '/nowhere/font.woff2' })).toThrow(expect.objectContaining({ code: 'FONT_UNREADABLE' }))
  })
})
