/**
 * The CJK fonts letters are printed with: the two subsets shipped in templates/fonts/ (made by
 * scripts/build-font.sh from Debian's fonts-noto-cjk, SIL OFL 1.1) and, for the rare name character
 * they lack, fallback fonts already on the office PC (SimSun and SimSun-ExtB on Windows).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { create, type Font, type FontCollection } from 'fontkit'
import { FileError } from './errors.js'

/** templates/fonts/, found from this module so that it works from src/ (tests) and dist/ alike. */
export const FONT_DIR = fileURLToPath(new URL('../../templates/fonts/', import.meta.url))
/** Body text: Noto Serif CJK SC Regular (a Song/Ming face), GB 2312 + 通用规范汉字表 subset. */
export const SERIF_FONT_FILE = join(FONT_DIR, 'NotoSerifCJKsc-Regular-subset.otf')
/** Headings and table headers: Noto Sans CJK SC Bold (a Hei face), the same character set. */
export const SANS_FONT_FILE = join(FONT_DIR, 'NotoSansCJKsc-Bold-subset.otf')

/** A parsed font with the few metrics the layout needs, cached per file for the whole process. */
export interface LoadedFont {
  /** The spec it was loaded from: a path, or `path#PostScriptName` for one face of a .ttc. */
  spec: string
  font: Font
  unitsPerEm: number
  /** hhea ascent in em; pdfkit places text by it, the layout by the baseline. */
  ascent: number
  /** Advance widths in em by code point, filled as characters are met. */
  advances: Map<number, number>
}

// Parsing a 3 MB CFF font costs tens of milliseconds; letters are rendered by the thousand, so every
// document shares one parsed font (pdfkit keeps the per-document subset apart).
const loaded = new Map<string, LoadedFont>()

/**
 * Parses a font file once per process. `spec` is a path, or `path#PostScriptName` to pick one face
 * of a collection (.ttc); without a name the first face is used.
 * Throws FileError FONT_UNREADABLE when the file is missing or is not a font fontkit can read.
 */
export function loadFont(spec: string): LoadedFont {
  const cached = loaded.get(spec)
  if (cached) return cached
  const hash = spec.lastIndexOf('#')
  const file = hash > 0 ? spec.slice(0, hash) : spec
  const face = hash > 0 ? spec.slice(hash + 1) : undefined
  if (/\.woff2?$/i.test(file)) {
    // pdfkit decompresses WOFF glyph by glyph: minutes for one letter.
    throw new FileError('FONT_UNREADABLE', `字体文件 ${file} 是 WOFF 网页字体，不能用于打印`, { hint: '请改用 TTF 或 OTF 字体文件' })
  }
  let font: Font
  try {
    const parsed = create(readFileSync(file), face) as Font | FontCollection
    font = parsed && (parsed.type === 'TTC' || parsed.type === 'DFont') ? (parsed as FontCollection).fonts[0] : (parsed as Font)
    if (!font || typeof font.hasGlyphForCodePoint !== 'function') throw new Error('no font face')
  } catch (error) {
    throw new FileError('FONT_UNREADABLE', `无法读取字体文件 ${spec}`, {
      hint: '请确认文件存在且是 TTF、OTF 或 TTC 字体',
      cause: error,
    })
  }
  const result: LoadedFont = { spec, font, unitsPerEm: font.unitsPerEm, ascent: font.ascent / font.unitsPerEm, advances: new Map() }
  loaded.set(spec, result)
  return result
}

/** Whether the font draws this code point with a real glyph (not .notdef). */
export function hasGlyph(font: LoadedFont, codePoint: number): boolean {
  return font.advances.has(codePoint) || font.font.hasGlyphForCodePoint(codePoint)
}

/** Advance width of one code point in em. */
export function advanceOf(font: LoadedFont, codePoint: number): number {
  let advance = font.advances.get(codePoint)
  if (advance === undefined) {
    advance = font.font.glyphForCodePoint(codePoint).advanceWidth / font.unitsPerEm
    font.advances.set(codePoint, advance)
  }
  return advance
}

/**
 * Fonts on this computer that cover rare hanzi the shipped subset lacks (CJK Extension A/B name
 * characters such as 𠮷), in the order they are tried. Only existing files are returned; they are
 * parsed lazily, the first time a character needs them.
 */
export function systemFallbackFonts(platform: NodeJS.Platform = process.platform): string[] {
  const candidates =
    platform === 'win32'
      ? ['C:\\Windows\\Fonts\\simsun.ttc#SimSun', 'C:\\Windows\\Fonts\\simsunb.ttf', 'C:\\Windows\\Fonts\\msyh.ttc#MicrosoftYaHei']
      : platform === 'darwin'
        ? ['/System/Library/Fonts/Supplemental/Songti.ttc', '/System/Library/Fonts/PingFang.ttc']
        : [
            '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc#NotoSerifCJKsc-Regular',
            '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#NotoSansCJKsc-Regular',
            '/usr/share/fonts/truetype/arphic/uming.ttc',
          ]
  return candidates.filter((spec) => existsSync(spec.replace(/#[^#\\/]*$/, '')))
}
