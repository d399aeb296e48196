import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileError, NotFoundError } from '../../src/lib/errors.js'
import { numberCellText, openTable, sha256File, type OpenTableOptions, type SourceRow } from '../../src/lib/table-reader.js'
import { tempDir } from '../support/cli.js'
import { encodeText, writeCsv, writeHandmadeXlsx, writeXlsx } from '../support/files.js'

async function readAll(file: string, options?: OpenTableOptions): Promise<SourceRow[]> {
  const source = await openTable(file, options)
  const rows: SourceRow[] = []
  for await (const batch of source.batches()) rows.push(...batch)
  return rows
}

const cellsOf = (rows: SourceRow[]) => rows.map((r) => [r.rowNumber, ...r.cells])

describe('table reader', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => {
    ;({ dir, cleanup } = tempDir())
  })
  afterEach(() => cleanup())

  describe('xlsx', () => {
    it('reads a clerk\'s sheet: merged title, note row, blank rows, a missing middle cell, an ID Excel made a number, a date and a formula', async () => {
      const file = join(dir, '花名册.xlsx')
      await writeXlsx(file, [
        {
          name: '五月',
          merges: ['A1:E1'],
          rows: [
            ['大方县贫困残疾人花名册（2024年5月）'],
            ['填表说明：身份证号请填18位'],
            ['姓名', '身份证号', '出生日期', '家庭人口', '人均收入'],
            [],
            ['张三', '52052119900101001X', new Date(Date.UTC(1990, 0, 1)), 4, { formula: 'E6*2', result: 2400.5 }],
            ['李四', 520102199001011000, null, 3, 1200.25],
            [],
            ['王五', null, null, null, 'x'],
          ],
        },
      ])

      const source = await openTable(file)
      expect(source).toMatchObject({ format: 'xlsx', encoding: null, sheet: '五月', sheets: ['五月'] })
      const rows: SourceRow[] = []
      for await (const batch of source.batches()) rows.push(...batch)

      expect(cellsOf(rows)).toEqual([
        [1, '大方县贫困残疾人花名册（2024年5月）'],
        [2, '填表说明：身份证号请填18位'],
        [3, '姓名', '身份证号', '出生日期', '家庭人口', '人均收入'],
        [5, '张三', '52052119900101001X', '1990-01-01', '4', '2400.5'],
        [6, '李四', '520102199001011000', '', '3', '1200.25'],
        [8, '王五', '', '', '', 'x'],
      ])
      expect(rows.find((r) => r.rowNumber === 6)!.numericCells).toEqual([1, 3, 4])
      expect(rows.find((r) => r.rowNumber === 5)!.numericCells).toEqual([3, 4])
      expect(rows.find((r) => r.rowNumber === 3)!.numericCells).toEqual([])
    })

    it('chooses a sheet by name, and by default the first visible one', async () => {
      const file = join(dir, 'book.xlsx')
      await writeXlsx(file, [
        { name: '说明', state: 'hidden', rows: [['本表由系统导出']] },
        { name: '汇总', rows: [['合计', 2]] },
        { name: '明细', rows: [['姓名'], ['张三'], ['李四']] },
      ])

      const first = await openTable(file)
      expect(first.sheet).toBe('汇总')
      expect(first.sheets).toEqual(['说明', '汇总', '明细'])
      expect(cellsOf(await readAll(file, { sheet: '明细' }))).toEqual([[1, '姓名'], [2, '张三'], [3, '李四']])
      expect((await openTable(file, { sheet: ' 明细 ' })).sheet).toBe('明细')
    })

    it('throws SHEET_NOT_FOUND naming the sheets there are', async () => {
      const file = join(dir, 'book.xlsx')
      await writeXlsx(file, [{ name: '一月', rows: [['a']] }, { name: '二月', rows: [['b']] }])

      const error = await openTable(file, { sheet: '三月' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(NotFoundError)
      expect(error).toMatchObject({ code: 'SHEET_NOT_FOUND', details: { sheets: ['一月', '二月'] } })
      expect((error as Error).message).toContain('一月、二月')
    })

    it('reads rich text, booleans, and shared strings with escapes and phonetic runs', async () => {
      const file = join(dir, 'rich.xlsx')
      await writeXlsx(file, [
        {
          name: 'S',
          rows: [[{ richText: [{ text: '贵州', font: { bold: true } }, { text: '省' }] }, true, false, 'A&B <C> "D"', ' 前后空格 ']],
        },
      ])

      expect(cellsOf(await readAll(file))).toEqual([[1, '贵州省', 'TRUE', 'FALSE', 'A&B <C> "D"', ' 前后空格 ']])
    })

    it('reads prefixed XML, inline strings, cells and rows without references, and every cell type', async () => {
      const file = join(dir, 'handmade.xlsx')
      writeHandmadeXlsx(file, {
        sharedStrings:
          '<x:si><x:t>姓名</x:t></x:si><x:si><x:r><x:t xml:space="preserve">张 </x:t></x:r><x:r><x:rPr/><x:t>三</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ちょう</x:t></x:rPh></x:si>' +
          '<x:si/><x:si><x:t>第一行_x000D__x000A_第二行 &amp; 5&#x2103;</x:t></x:si>',
        numFmts: '<x:numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><x:numFmt numFmtId="165" formatCode="0.00_);[Red]\\(0.00\\)"/>',
        cellXfs: '<x:xf numFmtId="0"/><x:xf numFmtId="164"/><x:xf numFmtId="165"/><x:xf numFmtId="22"/><x:xf numFmtId="20"/>',
        sheetData: `
          <x:row r="2" spans="1:9">
            <x:c r="A2" t="s"><x:v>0</x:v></x:c>
            <x:c r="C2" t="s"><x:v>1</x:v></x:c>
            <x:c t="s"><x:v>3</x:v></x:c>
          </x:row>
          <x:row>
            <x:c r="A3" t="inlineStr"><x:is><x:t>行内</x:t></x:is></x:c><x:c r="B3" s="1"><x:v>45413</x:v></x:c><x:c r="C3" s="2"><x:v>3.5</x:v></x:c>
            <x:c r="D3" s="3"><x:v>45413.5</x:v></x:c><x:c r="E3" s="4"><x:v>0.75</x:v></x:c><x:c r="F3" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c>
            <x:c r="G3" t="str"><x:f>A3&amp;"x"</x:f><x:v>行内x</x:v></x:c><x:c r="H3" t="d"><x:v>2024-05-01T00:00:00Z</x:v></x:c><x:c r="AB3" t='b'><x:v>1</x:v></x:c>
          </x:row>
          <x:row r="5" spans="1:3"/>
          <x:row r="6"><x:c r="A6" s="1"/><x:c r="B6" t="s"><x:v>2</x:v></x:c><x:c r="C6"><x:v>-1.5E-7</x:v></x:c><x:c r="D6"><x:v>1.23456789012345678E+19</x:v></x:c></x:row>`,
      })

      const rows = await readAll(file)
      expect(cellsOf(rows)).toEqual([
        [2, '姓名', '', '张 三', '第一行\r\n第二行 & 5℃'],
        [3, '行内', '2024-05-01', '3.5', '2024-05-01 12:00:00', '18:00:00', '#DIV/0!', '行内x', '2024-05-01', ...Array(19).fill(''), 'TRUE'],
        [6, '', '', '-0.00000015', '12345678901234600000'],
      ])
      expect(rows[1].numericCells).toEqual([2])
      expect(rows[2].numericCells).toEqual([2, 3])
    })

    it('counts dates from 1904 when the workbook says so', async () => {
      const file = join(dir, 'mac.xlsx')
      writeHandmadeXlsx(file, { date1904: true, cellXfs: '<x:xf numFmtId="0"/><x:xf numFmtId="14"/>', sheetData: '<x:row r="1"><x:c r="A1" s="1"><x:v>0</x:v></x:c></x:row>' })

      expect(cellsOf(await readAll(file))).toEqual([[1, '1904-01-01']])
    })

    it('reads a sheet of many rows in batches, in order', async () => {
      const file = join(dir, 'big.xlsx')
      const rows = Array.from({ length: 5000 }, (_, i) => [`人员${i}`, i, '52052119900101001X'])
      await writeXlsx(file, [{ name: '数据', rows }])

      const source = await openTable(file)
      const sizes: number[] = []
      let expected = 1
      for await (const batch of source.batches()) {
        sizes.push(batch.length)
        for (const row of batch) expect(row.rowNumber).toBe(expected++)
      }
      expect(expected - 1).toBe(5000)
      expect(sizes.length).toBeGreaterThan(1)
    })

    it('rejects an old .xls, an encrypted workbook and a damaged one with FILE_FORMAT and how to save as .xlsx', async () => {
      const xls = join(dir, '旧表.xls')
      writeFileSync(xls, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))
      const xlsError = await openTable(xls).catch((e: unknown) => e)
      expect(xlsError).toBeInstanceOf(FileError)
      expect(xlsError).toMatchObject({ code: 'FILE_FORMAT' })
      expect((xlsError as FileError).hint).toContain('另存为')

      const encrypted = join(dir, '加密.xlsx')
      writeFileSync(encrypted, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]))
      await expect(openTable(encrypted)).rejects.toMatchObject({ code: 'FILE_FORMAT', message: expect.stringContaining('密码') })

      const damaged = join(dir, '损坏.xlsx')
      writeFileSync(damaged, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 7)]))
      await expect(openTable(damaged)).rejects.toMatchObject({ code: 'FILE_FORMAT' })

      await expect(openTable(join(dir, 'a.pdf'))).rejects.toMatchObject({ code: 'FILE_FORMAT' })
    })

    it('reports a damaged sheet as FILE_FORMAT instead of dropping its rows', async () => {
      const file = join(dir, 'damaged.xlsx')
      writeHandmadeXlsx(file, {
        sharedStrings: '<x:si><x:t>姓名</x:t></x:si>',
        sheetData: '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row><x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:row>',
      })

      await expect(readAll(file)).rejects.toMatchObject({ code: 'FILE_FORMAT' })
    })

    it('reads a workbook that was saved with a .csv name as a workbook', async () => {
      const file = join(dir, '其实是表格.csv')
      await writeXlsx(file, [{ name: 'S', rows: [['姓名'], ['张三']] }])

      const source = await openTable(file)
      expect(source.format).toBe('xlsx')
    })
  })

  describe('csv', () => {
    const roster = [
      ['大方县花名册', '', ''],
      ['姓名', '身份证号', '乡镇'],
      ['张三', '52052119900101001X', '六龙镇'],
      ['李四', '520521199202020022', '凤山彝族蒙古族乡'],
    ]

    it('detects GBK and decodes the Chinese text', async () => {
      const file = join(dir, 'gbk.csv')
      writeCsv(file, roster, { encoding: 'gbk', eol: '\r\n' })

      const source = await openTable(file)
      expect(source).toMatchObject({ format: 'csv', encoding: 'gb18030', sheet: null, sheets: [] })
      const rows: SourceRow[] = []
      for await (const batch of source.batches()) rows.push(...batch)
      expect(rows.map((r) => r.cells)).toEqual(roster)
      expect(rows[0].numericCells).toBeUndefined()
    })

    it('reads UTF-8 with a BOM and CRLF, and plain UTF-8 with LF, the same way', async () => {
      const bom = join(dir, 'bom.csv')
      const plain = join(dir, 'plain.csv')
      writeCsv(bom, roster, { encoding: 'utf8-bom', eol: '\r\n' })
      writeCsv(plain, roster, { encoding: 'utf8', eol: '\n' })

      expect((await openTable(bom)).encoding).toBe('utf-8-bom')
      expect((await openTable(plain)).encoding).toBe('utf-8')
      expect((await readAll(bom)).map((r) => r.cells)).toEqual(roster)
      expect((await readAll(plain)).map((r) => r.cells)).toEqual(roster)
    })

    it('keeps commas, quotes and line breaks inside quoted fields and counts a multi-line record once', async () => {
      const file = join(dir, 'quoted.csv')
      writeCsv(
        file,
        [
          ['姓名', '住址', '备注'],
          ['张三', '六龙镇,新村', '他说"好"'],
          ['李四', '第一行\r\n第二行', ''],
          ['王五', ' 前后空格 ', '"'],
        ],
        { encoding: 'utf8', eol: '\r\n' },
      )

      expect(cellsOf(await readAll(file))).toEqual([
        [1, '姓名', '住址', '备注'],
        [2, '张三', '六龙镇,新村', '他说"好"'],
        [3, '李四', '第一行\r\n第二行', ''],
        [4, '王五', ' 前后空格 ', '"'],
      ])
    })

    it('counts blank lines as records but yields no row for them, and reads a last line without a newline', async () => {
      const file = join(dir, 'blank.csv')
      writeFileSync(file, '标题\r\n\r\n姓名,乡镇\r\n,,\r\n张三,"六龙\n镇"\r\n\r\n李四,大方镇')

      expect(cellsOf(await readAll(file))).toEqual([
        [1, '标题'],
        [3, '姓名', '乡镇'],
        [5, '张三', '六龙\n镇'],
        [7, '李四', '大方镇'],
      ])
    })

    it('keeps text after a closing quote and quotes inside unquoted fields, as Excel does', async () => {
      const file = join(dir, 'odd.csv')
      writeFileSync(file, 'a"b,"c"d,"e"\r\n')

      expect(cellsOf(await readAll(file))).toEqual([[1, 'a"b', 'cd', 'e']])
    })

    it('splits records the same way when quoted fields straddle the 1 MB read chunks', async () => {
      const file = join(dir, 'big.csv')
      const rows: string[][] = []
      for (let i = 0; i < 40_000; i++) {
        rows.push(i % 7 === 0 ? [String(i), `多行\r\n备注${i}`, '含"引号"'] : [String(i), `六龙镇${'村'.repeat(i % 13)}`, 'x,y'])
      }
      writeCsv(file, rows, { encoding: 'utf8', eol: '\r\n' })
      expect(readFileSync(file).length).toBeGreaterThan(1024 * 1024)

      const read = await readAll(file)
      expect(read.length).toBe(rows.length)
      expect(read.map((r) => r.cells)).toEqual(rows)
      expect(read[39_999].rowNumber).toBe(40_000)
    })

    it('carries a quote, a doubled quote or a CRLF cut by the 1 MB chunk boundary over to the next chunk', async () => {
      const boundary = 1024 * 1024
      for (const tail of ['x,"a""b\r\nc"\r\n', 'p,q\r\n']) {
        for (let at = 0; at < tail.length; at++) {
          const file = join(dir, `cut-${at}.csv`)
          const lines: string[] = []
          let length = 0
          while (length < boundary - at - 100) {
            lines.push(`${lines.length},y`)
            length += lines.at(-1)!.length + 2
          }
          lines.push(`pad,${'z'.repeat(boundary - at - length - 6)}`)
          writeFileSync(file, lines.join('\r\n') + '\r\n' + tail + 'end,1\r\n')
          expect(readFileSync(file).indexOf(tail)).toBe(boundary - at)

          const rows = await readAll(file)
          expect(rows.length).toBe(lines.length + 2)
          expect(rows.at(-2)!.cells).toEqual(tail.startsWith('x') ? ['x', 'a"b\r\nc'] : ['p', 'q'])
          expect(rows.at(-1)).toEqual({ rowNumber: lines.length + 2, cells: ['end', '1'] })
        }
      }
    })

    it('detects GBK that only starts after a megabyte of plain ASCII', async () => {
      const file = join(dir, 'late.csv')
      const ascii = Array.from({ length: 60_000 }, (_, i) => `${i},52052119900101001X,ok`).join('\r\n')
      writeFileSync(file, Buffer.concat([Buffer.from(ascii + '\r\n'), encodeText('60000,张三,六龙镇\r\n', 'gbk')]))

      const source = await openTable(file)
      expect(source.encoding).toBe('gb18030')
      const rows: SourceRow[] = []
      for await (const batch of source.batches()) rows.push(...batch)
      expect(rows.at(-1)!.cells).toEqual(['60000', '张三', '六龙镇'])
    })

    it('fails with FILE_FORMAT when bytes after the sampled megabyte are not UTF-8', async () => {
      const file = join(dir, 'mixed.csv')
      const utf8 = Array.from({ length: 60_000 }, (_, i) => `${i},张三,六龙镇`).join('\r\n')
      writeFileSync(file, Buffer.concat([Buffer.from(utf8 + '\r\n'), encodeText('60000,李四,大方镇\r\n', 'gbk')]))

      await expect(readAll(file)).rejects.toMatchObject({ code: 'FILE_FORMAT', hint: expect.stringContaining('GBK') })
    })

    it('decodes as the caller says when the encoding is forced', async () => {
      const file = join(dir, 'gbk.csv')
      writeCsv(file, roster, { encoding: 'gbk', eol: '\n' })

      expect((await openTable(file, { encoding: 'gbk' })).encoding).toBe('gb18030')
      const forcedUtf8 = await openTable(file, { encoding: 'utf8' })
      expect(forcedUtf8.encoding).toBe('utf-8')
      const rows: SourceRow[] = []
      for await (const batch of forcedUtf8.batches()) rows.push(...batch)
      expect(rows[1].cells[0]).not.toBe('姓名')
      expect(rows[1].cells[0]).toContain('\uFFFD')
    })

    it('reads a tab-separated .txt', async () => {
      const file = join(dir, 'export.txt')
      writeFileSync(file, '姓名\t乡镇\r\n张三\t六龙镇,新村\r\n')

      expect(cellsOf(await readAll(file))).toEqual([[1, '姓名', '乡镇'], [2, '张三', '六龙镇,新村']])
    })

    it('reports an unpaired quote with its row', async () => {
      const file = join(dir, 'broken.csv')
      writeFileSync(file, '姓名,备注\r\n张三,"没有结束\r\n李四,好\r\n')

      await expect(readAll(file)).rejects.toMatchObject({ code: 'FILE_FORMAT', message: expect.stringContaining('第 2 行') })
    })
  })

  describe('files', () => {
    it('throws FILE_NOT_FOUND for a missing file and FILE_UNREADABLE for a folder', async () => {
      await expect(openTable(join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      await expect(openTable(join(dir, 'nope.xlsx'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      await expect(sha256File(join(dir, 'nope.csv'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      mkdirSync(join(dir, 'folder.csv'))
      await expect(openTable(join(dir, 'folder.csv'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' })
    })

    it('lets the rows be read only once', async () => {
      const file = join(dir, 'a.csv')
      writeFileSync(file, 'a\n')
      const source = await openTable(file)
      for await (const _ of source.batches()) void _
      expect(() => source.batches()).toThrow()
    })

    it('hashes the file\'s bytes with sha256', async () => {
      const file = join(dir, 'a.csv')
      writeFileSync(file, '姓名\r\n张三\r\n')
      expect(await sha256File(file)).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'))
    })
  })

  describe('numberCellText', () => {
    it('shows numbers the way Excel does, with IDs typed as numbers expanded to 15 significant digits', () => {
      expect(numberCellText(520102199001011000)).toBe('520102199001011000')
      expect(numberCellText(5.20102199001011e17)).toBe('520102199001011000')
      expect(numberCellText(520102199001011234)).toBe('520102199001011000')
      expect(numberCellText(123456789012345)).toBe('123456789012345')
      expect(numberCellText(-42)).toBe('-42')
      expect(numberCellText(0)).toBe('0')
      expect(numberCellText(-0)).toBe('0')
      expect(numberCellText(1200.25)).toBe('1200.25')
      expect(numberCellText(0.1 + 0.2)).toBe('0.30000000000000004')
      expect(numberCellText(1e-7)).toBe('0.0000001')
      expect(numberCellText(1.5e20)).toBe('150000000000000000000')
    })
  })
})
