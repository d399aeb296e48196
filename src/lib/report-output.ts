/**
 * Writes a report (通报 or 考核) to the files a person asked for: a PDF for a leader, an XLSX or CSV
 * for the next level up. Each file is written beside its target and renamed, so a failure never leaves
 * half a file.
 */
import { randomBytes } from 'node:crypto'
import { rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { FileError } from './errors.js'
import type { ReportDocument } from './report-model.js'
import { renderReportPdf } from './report-pdf.js'
import { type TableSheet, writeTable } from './table-writer.js'

export interface ReportFiles {
  pdf?: string
  xlsx?: string
  csv?: string
}

export interface WrittenReport {
  pdf: { file: string; bytes: number } | null
  xlsx: { file: string; rows: number } | null
  csv: { file: string; rows: number } | null
}

/** @throws FileError FILE_FORMAT (wrong extension), FILE_WRITE_FAILED */
export async function writeReportFiles(files: ReportFiles, document: () => ReportDocument, sheets: () => TableSheet[]): Promise<WrittenReport> {
  const check = (file: string | undefined, ext: string, flag: string) => {
    if (file && extname(file).toLowerCase() !== ext) {
      throw new FileError('FILE_FORMAT', `${flag} 的文件名应以 ${ext} 结尾：${basename(file)}`, { hint: `例如 ${flag} 通报${ext}` })
    }
  }
  check(files.pdf, '.pdf', '--pdf')
  check(files.xlsx, '.xlsx', '--xlsx')
  check(files.csv, '.csv', '--csv')
  const written: WrittenReport = { pdf: null, xlsx: null, csv: null }
  if (files.xlsx) written.xlsx = await writeTable(files.xlsx, sheets())
  if (files.csv) written.csv = await writeTable(files.csv, sheets()[0])
  if (files.pdf) {
    const bytes = await renderReportPdf(document())
    const temp = join(dirname(files.pdf), `.${basename(files.pdf)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      await writeFile(temp, bytes)
      await rename(temp, files.pdf)
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined)
      throw new FileError('FILE_WRITE_FAILED', `写不了 ${files.pdf}：${(error as NodeJS.ErrnoException).code === 'ENOENT' ? '文件夹不存在' : (error as NodeJS.ErrnoException).code === 'EBUSY' || (error as NodeJS.ErrnoException).code === 'EPERM' ? '文件正被其他程序（如 PDF 阅读器）打开' : (error as Error).message}`, {
        hint: '关闭打开该文件的程序，或换一个文件名',
      })
    }
    written.pdf = { file: files.pdf, bytes: bytes.length }
  }
  return written
}
