// Builds roster files from arrays, so that what a test reads is visible in the test itself.
import { writeFileSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'

export interface XlsxSheet {
  name: string
  /** Numbers stay number cells; Date objects become date cells; { formula, result } a formula; null or undefined no cell. */
  rows: unknown[][]
  /** Ranges such as 'A1:F1'. */
  merges?: string[]
  state?: 'visible' | 'hidden'
}

/** An .xlsx written by exceljs, the way Excel stores it (shared strings, styles). */
export async function writeXlsx(file: string, sheets: XlsxSheet[]): Promise<void> {
  const workbook = new ExcelJS.Workbook()
  for (const sheet of sheets) {
    const worksheet = workbook.addWorksheet(sheet.name, { state: sheet.state ?? 'visible' })
    sheet.rows.forEach((row, i) => {
      // Row by row, so blank rows stay blank and a null leaves its cell out.
      row.forEach((value, j) => {
        if (value !== null && value !== undefined) worksheet.getCell(i + 1, j + 1).value = value as ExcelJS.CellValue
      })
    })
    for (const range of sheet.merges ?? []) worksheet.mergeCells(range)
  }
  await workbook.xlsx.writeFile(file)
}

export interface CsvOptions {
  encoding: 'utf8' | 'utf8-bom' | 'gbk'
  eol: '\r\n' | '\n'
}

/** A CSV with RFC 4180 quoting where a field needs it. */
export function writeCsv(file: string, rows: string[][], options: CsvOptions): void {
  const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)
  const text = rows.map((row) => row.map(quote).join(',')).join(options.eol) + options.eol
  writeFileSync(file, encodeText(text, options.encoding))
}

export function encodeText(text: string, encoding: CsvOptions['encoding']): Buffer {
  if (encoding === 'gbk') return iconv.encode(text, 'gbk')
  return Buffer.concat([encoding === 'utf8-bom' ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')])
}

/**
 * A zip of the given parts, stored without compression: for .xlsx files whose XML a test spells out
 * (element prefixes, inline strings, shapes other writers produce).
 */
export function writeZip(file: string, parts: Record<string, string>): void {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, content] of Object.entries(parts)) {
    const nameBytes = Buffer.from(name, 'utf8')
    const data = Buffer.from(content, 'utf8')
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, data)
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(Object.keys(parts).length, 8)
  end.writeUInt16LE(Object.keys(parts).length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  writeFileSync(file, Buffer.concat([...locals, directory, end]))
}

const NS = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'

/**
 * A one-sheet .xlsx whose sheetData (and optional sharedStrings items and cellXfs) a test writes by
 * hand. Every element carries the x: prefix, as some .NET exporters write it.
 */
export function writeHandmadeXlsx(file: string, parts: { sheetData: string; sharedStrings?: string; cellXfs?: string; numFmts?: string; date1904?: boolean }): void {
  writeZip(file, {
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    '_rels/.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<?xml version="1.0" encoding="UTF-8"?><x:workbook ${NS}>${parts.date1904 ? '<x:workbookPr date1904="1"/>' : ''}<x:sheets><x:sheet name="数据" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>`,
    'xl/_rels/workbook.xml.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="/xl/worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
    'xl/worksheets/sheet1.xml': `<?xml version="1.0" encoding="UTF-8"?>\n<x:worksheet ${NS}>\n  <x:sheetData>${parts.sheetData}</x:sheetData>\n</x:worksheet>`,
    'xl/sharedStrings.xml': `<?xml version="1.0" encoding="UTF-8"?><x:sst ${NS}>${parts.sharedStrings ?? ''}</x:sst>`,
    'xl/styles.xml': `<?xml version="1.0" encoding="UTF-8"?><x:styleSheet ${NS}>${parts.numFmts ? `<x:numFmts>${parts.numFmts}</x:numFmts>` : ''}<x:cellXfs>${parts.cellXfs ?? '<x:xf numFmtId="0"/>'}</x:cellXfs></x:styleSheet>`,
  })
}
