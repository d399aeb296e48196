// The lean .xlsx writer behind writeTable (src/lib/xlsx-writer.ts): what a spreadsheet reads back from
// it, pages of a long sheet joined into one deflate stream, and text XML could not hold as it is.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateRawSync } from 'node:zlib'
import ExcelJS from 'exceljs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeTable } from '../../src/lib/table-writer.js'
import { xmlText } from '../../src/lib/xlsx-writer.js'
import { tempDir } from '../support/cli.js'

/** The entries of a zip, read from its central directory, each inflated and checked against its sizes. */
function unzip(file: string): Map<string, string> {
  const zip = readFileSync(file)
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const entries = new Map<string, string>()
  for (let k = 0; k < count; k++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50)
    const compressed = zip.readUInt32LE(at + 20)
    const size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const offset = zip.readUInt32LE(at + 42)
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8')
    const local = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28)
    const data = inflateRawSync(zip.subarray(local, local + compressed))
    expect(data.length, name).toBe(size)
    entries.set(name, data.toString('utf8'))
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
  }
  return entries
}

describe('xlsx writer', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => {
    ;({ dir, cleanup } = tempDir())
  })
  afterEach(() => cleanup())

  it('keeps markup, spaces, wide characters and emoji as text, and drops characters XML cannot hold', async () => {
    const file = join(dir, '特殊字符.xlsx')
    const cells = ['<b>&amp;"引号"</b>', '  前后有空格  ', '𠀀𪚥 生僻字 😀', '控\u0001制\u001f符', 'R&D > 0', '']
    await writeTable(file, { name: 'A&B<表>', headers: ['一', '二', '三', '四', '五', '六'], rows: [cells, [1.5, -2, 0, 1e21, null, 3]] })
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(file)
    const sheet = workbook.worksheets[0]
    expect(sheet.name).toBe('A&B<表>')
    // An empty text is an empty cell.
    expect(sheet.getRow(2).values).toEqual([undefined, '<b>&amp;"引号"</b>', '  前后有空格  ', '𠀀𪚥 生僻字 😀', '控制符', 'R&D > 0'])
    expect(sheet.getRow(3).values).toEqual([undefined, 1.5, -2, 0, 1e21, undefined, 3])
    expect(xmlText('a\u0000b<c>&\ud83d\ude00')).toBe('ab&lt;c&gt;&amp;\ud83d\ude00')
  })

  it('writes a long sheet as pages that inflate as one stream, and the same rows give the same bytes', async () => {
    const file = join(dir, '长表.xlsx')
    const rows = function* () {
      for (let i = 0; i < 60_000; i++) yield [i, `第${i}行 村民委员会`, i % 7 === 0 ? null : `5205211990${String(i).padStart(8, '0')}`]
    }
    const result = await writeTable(file, { name: '长表', headers: ['序号', '名称', '号码'], rows: rows() })
    expect(result.rows).toBe(60_000)
    const entries = unzip(file)
    expect([...entries.keys()]).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/worksheets/sheet1.xml'])
    const sheetXml = entries.get('xl/worksheets/sheet1.xml')!
    expect(sheetXml.length).toBeGreaterThan(1 << 20) // several pages
    expect(sheetXml).toContain('<row r="60001"><c r="A60001"><v>59999</v></c><c r="B60001" t="inlineStr"><is><t>第59999行 村民委员会</t></is></c>')
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(file)
    expect(workbook.worksheets[0].rowCount).toBe(60_001)
    expect(workbook.worksheets[0].getCell('C60001').value).toBe('520521199000059999')

    const again = join(dir, '长表2.xlsx')
    await writeTable(again, { name: '长表', headers: ['序号', '名称', '号码'], rows: rows() })
    expect(readFileSync(again).equals(readFileSync(file))).toBe(true)
  })
})
