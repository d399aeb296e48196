import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileError } from '../../src/lib/errors.js'
import { openTable, type SourceRow } from '../../src/lib/table-reader.js'
import { neutralizeFormula, writeTable } from '../../src/lib/table-writer.js'
import { tempDir } from '../support/cli.js'

async function readAll(file: string, sheet?: string): Promise<SourceRow[]> {
  const rows: SourceRow[] = []
  for await (const batch of (await openTable(file, { sheet })).batches()) rows.push(...batch)
  return rows
}

const headers = ['行号', '姓名', '身份证号', '错误原因']
const rows: Array<Array<string | number | null>> = [
  [3, '张三', '52052119900101001X', '=HYPERLINK("http://example.com","点我")'],
  [4, '李四', '520521199202020022', '+1 乡镇为空'],
  [5, '王五', null, '－不是数字'],
  [6, '赵六,小名"六子"', '@SUM(A1)', '第一行\n第二行'],
  [7, '\t制表符开头', -3.5, '-5'],
]

describe('table writer', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => {
    ;({ dir, cleanup } = tempDir())
  })
  afterEach(() => cleanup())

  it('neutralises text that a spreadsheet would run as a formula, in half- and full-width forms', () => {
    for (const text of ['=1+1', '+1', '-1', '@A1', '＝1', '＋1', '－1', '＠A1', '\tx', '\rx']) expect(neutralizeFormula(text)).toBe(`'${text}`)
    for (const text of ['张三', '1-2', 'a=b', '', ' =1']) expect(neutralizeFormula(text)).toBe(text)
  })

  it('writes an .xlsx that reads back with formulas neutralised and numbers kept as numbers', async () => {
    const file = join(dir, '退回.xlsx')
    const result = await writeTable(file, { name: '退回行', headers, rows })
    expect(result).toEqual({ file, rows: 5 })

    const read = await readAll(file)
    expect(read.map((r) => [r.rowNumber, ...r.cells])).toEqual([
      [1, ...headers],
      [2, '3', '张三', '52052119900101001X', `'=HYPERLINK("http://example.com","点我")`],
      [3, '4', '李四', '520521199202020022', "'+1 乡镇为空"],
      [4, '5', '王五', '', "'－不是数字"],
      [5, '6', '赵六,小名"六子"', "'@SUM(A1)", '第一行\n第二行'],
      [6, '7', "'\t制表符开头", '-3.5', "'-5"],
    ])
    expect(read[5].numericCells).toEqual([0, 2])
    expect(read[1].numericCells).toEqual([0])
  })

  it('gives the .xlsx a bold, frozen header and column widths that fit Chinese text', async () => {
    const file = join(dir, 'out.xlsx')
    await writeTable(file, { name: '退回行', headers, rows })

    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(file)
    const sheet = workbook.getWorksheet('退回行')!
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(sheet.getColumn(3).width).toBeGreaterThanOrEqual(20)
    expect(sheet.getColumn(1).width).toBeGreaterThanOrEqual(8)
    expect(sheet.getCell('A1').type).toBe(ExcelJS.ValueType.String)
    expect(sheet.getCell('D2').type).toBe(ExcelJS.ValueType.String)
  })

  it('writes several sheets to one .xlsx, from arrays or generators', async () => {
    const file = join(dir, '比对.xlsx')
    function* generated() {
      for (let i = 0; i < 12_000; i++) yield [i, `人员${i}`]
    }
    const result = await writeTable(file, [
      { name: '新增', headers: ['序号', '姓名'], rows: generated() },
      { name: '减少', headers: ['序号', '姓名'], rows: [[1, '张三']] },
    ])

    expect(result.rows).toBe(12_001)
    expect((await openTable(file)).sheets).toEqual(['新增', '减少'])
    expect((await readAll(file, '新增')).length).toBe(12_001)
    expect((await readAll(file, '减少')).map((r) => r.cells)).toEqual([['序号', '姓名'], ['1', '张三']])
  })

  it('writes a .csv as UTF-8 with a BOM, CRLF and RFC 4180 quoting, which reads back the same', async () => {
    const file = join(dir, '退回.csv')
    const result = await writeTable(file, [{ name: '退回行', headers, rows }, { name: '忽略', headers: ['x'], rows: [['y']] }])
    expect(result).toEqual({ file, rows: 5 })

    const bytes = readFileSync(file)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = bytes.toString('utf8').slice(1)
    expect(text.split('\r\n')[0]).toBe('行号,姓名,身份证号,错误原因')
    expect(text).toContain('"赵六,小名""六子"""')
    expect(text.endsWith('\r\n')).toBe(true)

    const source = await openTable(file)
    expect(source.encoding).toBe('utf-8-bom')
    const read: SourceRow[] = []
    for await (const batch of source.batches()) read.push(...batch)
    expect(read.map((r) => r.cells)).toEqual([
      headers,
      ['3', '张三', '52052119900101001X', `'=HYPERLINK("http://example.com","点我")`],
      ['4', '李四', '520521199202020022', "'+1 乡镇为空"],
      ['5', '王五', '', "'－不是数字"],
      ['6', '赵六,小名"六子"', "'@SUM(A1)", '第一行\n第二行'],
      ['7', "'\t制表符开头", '-3.5', "'-5"],
    ])
  })

  it('refuses other extensions with FILE_FORMAT', async () => {
    await expect(writeTable(join(dir, 'out.xls'), { name: 'a', headers: ['a'], rows: [] })).rejects.toMatchObject({ code: 'FILE_FORMAT' })
  })

  it('throws FILE_WRITE_FAILED naming the file when it cannot be written', async () => {
    const file = join(dir, '不存在的文件夹', 'out.xlsx')
    const error = await writeTable(file, { name: 'a', headers: ['a'], rows: [['b']] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FileError)
    expect(error).toMatchObject({ code: 'FILE_WRITE_FAILED' })
    expect((error as Error).message).toContain(file)

    expect(readdirSync(dir)).toEqual([])
  })

  it('passes on an error from the row source and leaves no partial file behind', async () => {
    const failing = function* () {
      yield ['ok']
      throw new TypeError('数据源出错')
    }
    for (const name of ['half.xlsx', 'half.csv']) {
      await expect(writeTable(join(dir, name), { name: 'a', headers: ['a'], rows: failing() })).rejects.toThrow(TypeError)
    }
    expect(readdirSync(dir)).toEqual([])
  })
})
