/**
 * 演示: a realistic sample county (威宁县) written the way a clerk receives its files, then the
 * monthly cycle run on it through the same library functions the commands use.
 */
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { initArea } from './area.js'
import { ensureCatalog } from './catalog.js'
import { type Db, openDatabase } from './db.js'
import { FileError } from './errors.js'
import { builtinRegions } from './regions.js'
import { type ImportResult, importRoster, rejectedRows, rejectsSheet } from './roster.js'
import { resolveLetterTemplate } from './letter-template.js'
import { buildPairingLetters, buildResponsibilityLetters, renderLetters, signLetter } from './letters.js'
import { assessmentReport, DEFAULT_SCHEME_FILE, loadScheme, type RegionAssessment, scoreRegions } from './assessment.js'
import { checkBenefits, gapSheets } from './benefit-check.js'
import { DEFAULT_RULES_FILE, loadRules } from './benefit-rules.js'
import { importBenefitList } from './benefits.js'
import { progressDocument, progressReport, progressSheet, type ProgressReport } from './progress.js'
import { writeReportFiles } from './report-output.js'
import { sampleBenefitLists, type SampleList, SITUATION_HEADERS, situationCells } from './sample-benefits.js'
import { checkPairing, importPairings, type PairingCheck } from './pairing.js'
import { diffPeriods, diffSheets, listPeriods, presentDiff } from './roster-query.js'
import { sampleRows, type SampleOptions, type SampleRows } from './sample.js'
import { writeTable } from './table-writer.js'
import { type AssignInput, assignTask, cascadeTask, formatTarget } from './tasks.js'

export interface DemoOptions {
  dir: string
  persons: number
  seed: number
  operator: string
  onStep?: (message: string) => void
}

export interface DemoResult {
  dir: string
  db: string
  county: { code: string; name: string }
  files: {
    month1: string; month2: string; rejects: string; diff: string; pairing: string; letters: string; agreements: string
    lists: string[]; gaps: string; notice: string; noticeSheet: string; assessment: string
  }
  imports: Array<Pick<ImportResult, 'batch' | 'period' | 'file' | 'rows'> & { warnings: number }>
  /** The comparison of the two months, IDs masked. */
  diff: ReturnType<typeof presentDiff>
  /** The helpers list imported and the 每户都有帮扶人、帮扶措施、帮扶资金 check on it. */
  pairing: { imported: number; rejected: number; check: PairingCheck['total'] }
  /** The plan's tasks assigned to the county and cascaded to its townships. */
  tasks: Array<{ id: number; title: string; target: string; children: number; childrenTotal: number | null }>
  /** 责任状 to every township and 帮扶责任书 for one township's pairings. */
  letters: { responsibility: number; pairing: number; township: string; pages: number }
  /** The department lists imported and the 应享未享 check on them. */
  benefits: {
    lists: Array<{ type: string; period: string; accepted: number; rejected: number; offRoster: number }>
    totals: { eligible: number; received: number; gaps: number; reviews: number; violations: number; coverage: number | null }
    rules: Array<{ title: string; benefit: string; checked: boolean; eligible: number; received: number; gaps: number }>
  }
  /** The month's progress notice (as the report command builds it) and the assessment by the default scheme. */
  progress: ProgressReport
  assessment: RegionAssessment[]
  seconds: number
}

const COUNTY = '520526'
const MONTH1 = '2026-10'
const MONTH2 = '2026-11'

/** The files the demo owns in its folder; only these are replaced on a second run. */
function demoFiles(dir: string) {
  return {
    db: join(dir, '示例台账.db'),
    month1: join(dir, `${MONTH1} 威宁县建档立卡贫困残疾人花名册.xlsx`),
    month2: join(dir, `${MONTH2} 花名册（Excel另存的GBK）.csv`),
    rejects: join(dir, `${MONTH1} 退回行.xlsx`),
    pairing: join(dir, '结对帮扶名单.xlsx'),
    letters: join(dir, '责任状'),
    agreements: join(dir, '帮扶责任书'),
    gaps: join(dir, `应享未享 ${MONTH2}.xlsx`),
    notice: join(dir, `${MONTH2} 助残脱贫工作进展情况通报.pdf`),
    noticeSheet: join(dir, `${MONTH2} 通报数据.xlsx`),
    assessment: join(dir, `${MONTH2} 考核结果.pdf`),
    diff: join(dir, `动态比对 ${MONTH1} 至 ${MONTH2}.xlsx`),
  }
}

/**
 * Builds the sample county and runs every step of the cycle that exists so far.
 * @throws FileError DEMO_DIR when the folder cannot be written
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now()
  const step = options.onStep ?? (() => {})
  const dir = resolve(options.dir)
  const files = demoFiles(dir)
  try {
    mkdirSync(dir, { recursive: true })
    for (const file of [files.db, `${files.db}-wal`, `${files.db}-shm`, files.month1, files.month2, files.rejects, files.diff, files.pairing,
      files.gaps, files.notice, files.noticeSheet, files.assessment]) {
      rmSync(file, { force: true })
    }
    for (const folder of [join(dir, 'cjfp-backups'), files.letters, files.agreements]) rmSync(folder, { recursive: true, force: true })
  } catch (error) {
    throw new FileError('DEMO_DIR', `无法写入演示文件夹 ${dir}：${(error as Error).message}`, { cause: error })
  }
  const county = builtinRegions().find(COUNTY)
  const sample: SampleOptions = { countyCode: COUNTY, persons: options.persons, seed: options.seed, firstPeriod: MONTH1 }

  step(`生成示例花名册：${county.name}，约 ${options.persons} 人，两个月`)
  // The columns the 应享未享 rules read (就业状况, 辅具需求, 住房状况 …) follow the roster's own.
  const withSituation = (rows: SampleRows, period: string) => ({
    headers: [...rows.headers, ...SITUATION_HEADERS],
    rows: rows.rows.map((r, i) => [...r, ...situationCells(rows.persons[i], period)]),
  })
  const month1 = sampleRows(sample, MONTH1, { defects: true, serial: true })
  const month1Cells = withSituation(month1, MONTH1)
  await writeClerkWorkbook(files.month1, `${county.name}${MONTH1.replace('-', '年')}月建档立卡贫困残疾人花名册`, month1Cells.headers, month1Cells.rows)
  const month2 = sampleRows(sample, MONTH2, { serial: true })
  const month2Cells = withSituation(month2, MONTH2)
  writeGbkCsv(files.month2, [month2Cells.headers, ...month2Cells.rows])

  step('建库')
  const { db } = openDatabase(files.db, { mode: 'create' })
  try {
    initArea(db, county, { operator: options.operator })
    const imports: DemoResult['imports'] = []
    for (const [file, period] of [[files.month1, MONTH1], [files.month2, MONTH2]] as const) {
      step(`导入 ${period} 花名册`)
      const result = await importRoster(db, file, { period, operator: options.operator })
      imports.push({ batch: result.batch, period: result.period, file: result.file, rows: result.rows, warnings: result.warningCount })
      if (period === MONTH1 && result.batch) {
        await writeTable(files.rejects, rejectsSheet(rejectedRows(db, result.batch), false))
      }
    }
    step('比对两个月')
    const diff = presentDiff(diffPeriods(db, MONTH1, MONTH2), false)
    await writeTable(files.diff, diffSheets(diff))

    step('导入结对帮扶名单，检查每户是否都有帮扶人、帮扶措施、帮扶资金')
    await writePairingWorkbook(files.pairing, month2.persons, options.seed)
    const pairs = await importPairings(db, files.pairing, { operator: options.operator })
    const pairing = { imported: pairs.rows.accepted, rejected: pairs.rows.rejected, check: checkPairing(db).total }

    step('把行动计划的任务下达到县，再按各乡镇的登记人数分解到乡镇')
    const tasks = await assignDemoTasks(db, county.code, options.operator)

    step('打印各乡镇的责任状和一个乡镇的帮扶责任书')
    const letterDate = '2026-11-20'
    const responsibility = buildResponsibilityLetters(db, { from: county.code, to: 'townships', date: letterDate })
    const printed = await renderLetters(db, responsibility.letters, resolveLetterTemplate('responsibility'), { outDir: files.letters, operator: options.operator })
    const township = builtinRegions().children(county.code)[0]
    const agreements = buildPairingLetters(db, { township: township.name, date: letterDate })
    const agreed = await renderLetters(db, agreements.letters, resolveLetterTemplate('pairing'), { outDir: files.agreements, combined: true, operator: options.operator })
    // Most townships have signed and returned theirs.
    printed.letters.forEach((l, i) => {
      if (i % 3 !== 2) signLetter(db, l.id, '2026-11-25', options.operator)
    })
    const letters = {
      responsibility: printed.letters.length,
      pairing: agreed.letters.length,
      township: township.name,
      pages: [...printed.letters, ...agreed.letters].reduce((sum, l) => sum + l.pages, 0),
    }
    step('导入民政低保名单、护理补贴发放表和辅具适配登记表，比对应享未享')
    const lists = sampleBenefitLists(month2.persons, MONTH2, MONTH1)
    const listFiles: string[] = []
    const imported: DemoResult['benefits']['lists'] = []
    for (const list of lists) {
      const file = join(dir, list.file)
      rmSync(file, { force: true })
      await writeList(file, list)
      listFiles.push(file)
      const r = await importBenefitList(db, file, { type: list.type, period: list.period, operator: options.operator })
      imported.push({ type: r.benefit.name, period: r.period, accepted: r.rows.accepted, rejected: r.rows.rejected, offRoster: r.offRoster.count })
    }
    const rules = loadRules(db, DEFAULT_RULES_FILE)
    const check = await checkBenefits(db, rules, { period: MONTH2, items: true })
    await writeTable(files.gaps, gapSheets(check, false))

    step('生成本月进展情况通报（表格和 PDF）和考核结果')
    const today = new Date('2026-11-28T10:00:00+08:00')
    const progress = await progressReport(db, { period: MONTH2, rules, today })
    const { scheme } = loadScheme(DEFAULT_SCHEME_FILE)
    const assessed = scoreRegions(scheme, progress.regions)
    await writeReportFiles({ pdf: files.notice, xlsx: files.noticeSheet }, () => progressDocument(db, progress, today), () => [progressSheet(progress)])
    await writeReportFiles({ pdf: files.assessment }, () => assessmentReport(assessed, {
      title: `${county.name}助残脱贫工作考核结果`, issuer: progress.area.orgName, date: '2026-11-28', period: MONTH2,
    }), () => [])
    return {
      dir,
      db: files.db,
      county: { code: county.code, name: county.name },
      files: {
        month1: files.month1, month2: files.month2, rejects: files.rejects, diff: files.diff, pairing: files.pairing, letters: files.letters, agreements: files.agreements,
        lists: listFiles, gaps: files.gaps, notice: files.notice, noticeSheet: files.noticeSheet, assessment: files.assessment,
      },
      imports,
      diff,
      pairing,
      tasks,
      letters,
      benefits: {
        lists: imported,
        totals: check.totals,
        rules: check.rules.map((r) => ({ title: r.title, benefit: r.benefit.name, checked: r.checked, eligible: r.eligible, received: r.received, gaps: r.gaps })),
      },
      progress,
      assessment: assessed.regions,
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    db.close()
  }
}

const HELPER_SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '龙', '吴', '罗', '安', '禄', '赵']
const HELPER_GIVEN = ['建国', '志强', '红梅', '晓东', '德明', '玉兰', '光荣', '永福', '春燕', '文华', '世英', '正权']
const HELPER_UNITS = ['县残联', '县扶贫办', '县民政局', '县教育局', '县卫生健康局', '乡镇人民政府', '县人社局', '县农业农村局']
const MEASURES = ['产业帮扶：发展养殖', '就业帮扶：推荐公益岗位', '康复帮扶：辅助器具适配', '教育帮扶：落实资助', '危房改造跟进', '技能培训：实用技术']

/**
 * The helpers list a county collects from its departments: one helper per household, with a few
 * households left without a helper, measures or funds so that the check has something to show.
 */
async function writePairingWorkbook(file: string, persons: SampleRows['persons'], seed: number): Promise<void> {
  let state = seed >>> 0
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]
  const seen = new Set<string>()
  const workbook = new ExcelJS.Workbook()
  workbook.created = new Date('2026-11-05T09:00:00+08:00')
  workbook.modified = workbook.created
  const sheet = workbook.addWorksheet('结对帮扶')
  const headers = ['序号', '帮扶人姓名', '工作单位', '联系电话', '是否党员', '户编号', '帮扶措施', '帮扶资金（元）', '结对时间']
  sheet.addRow(['威宁县建档立卡残疾人贫困户结对帮扶花名册'])
  sheet.mergeCells(1, 1, 1, headers.length)
  sheet.addRow(headers).font = { bold: true }
  for (const person of persons) {
    if (!person.householdNo || seen.has(person.householdNo)) continue
    seen.add(person.householdNo)
    const roll = next()
    if (roll < 0.03) continue // no helper yet
    const phone = `13${Math.floor(100000000 + next() * 899999999)}`
    sheet.addRow([
      seen.size, pick(HELPER_SURNAMES) + pick(HELPER_GIVEN), pick(HELPER_UNITS), phone, next() < 0.7 ? '是' : '否', person.householdNo,
      roll < 0.05 ? '' : pick(MEASURES), roll >= 0.05 && roll < 0.07 ? '' : 500 * (1 + Math.floor(next() * 10)), '2026-03-01',
    ])
  }
  await workbook.xlsx.writeFile(file)
}

/** Three of the plan's tasks for the county, each cascaded to the townships. */
async function assignDemoTasks(db: Db, county: string, operator: string): Promise<DemoResult['tasks']> {
  ensureCatalog(db, operator)
  const households = listPeriods(db).at(-1)?.households ?? 0
  const inputs: AssignInput[] = [
    { action: 'KA02', region: county, indicator: 'pairing_coverage', deadline: '2026-12-31', title: '建档立卡残疾人贫困户结对帮扶全覆盖' },
    { action: 'KA03', region: county, indicator: 'device_fitting_rate', deadline: '2026-12-31' },
    { action: 'SG08', region: county, target: households, targetUnit: '户', deadline: '2026-12-31', title: '贫困残疾人家庭劳动力至少掌握一门致富技能（户）' },
  ]
  const out: DemoResult['tasks'] = []
  for (const input of inputs) {
    const { task } = assignTask(db, input, operator)
    const cascade = await cascadeTask(db, task.id, { to: 'townships', split: 'proportional' }, operator)
    out.push({ id: task.id, title: task.title, target: formatTarget(task.target, task.targetUnit, task.comparison), children: cascade.children.length, childrenTotal: cascade.childrenTotal })
  }
  return out
}

/** An .xlsx the way counties send it: a merged title row, a note row, the header, the data, a 合计 row. */
async function writeClerkWorkbook(file: string, title: string, headers: string[], rows: string[][]): Promise<void> {
  const workbook = new ExcelJS.Workbook()
  workbook.created = new Date('2026-11-05T09:00:00+08:00')
  workbook.modified = workbook.created
  const sheet = workbook.addWorksheet('花名册')
  sheet.addRow([title])
  sheet.mergeCells(1, 1, 1, headers.length)
  sheet.getRow(1).font = { bold: true, size: 16 }
  sheet.addRow(['填报单位：威宁县残联（盖章）', '', '', '', '', '', '', '', '', '填报日期：2026年11月5日'])
  sheet.addRow(headers).font = { bold: true }
  for (const row of rows) sheet.addRow(row)
  sheet.addRow(['合计', `${rows.length}人`])
  headers.forEach((header, i) => {
    sheet.getColumn(i + 1).width = /身份证|证号/.test(header) ? 22 : 10
  })
  await workbook.xlsx.writeFile(file)
}

/** A department's list: .xlsx with its title row, or a GBK .csv. */
async function writeList(file: string, list: SampleList): Promise<void> {
  if (file.endsWith('.csv')) {
    writeGbkCsv(file, [list.headers, ...list.rows.map((r) => r.map(String))])
    return
  }
  const workbook = new ExcelJS.Workbook()
  workbook.created = new Date('2026-11-05T09:00:00+08:00')
  workbook.modified = workbook.created
  const sheet = workbook.addWorksheet('名单')
  if (list.title) {
    sheet.addRow([list.title])
    sheet.mergeCells(1, 1, 1, list.headers.length)
  }
  sheet.addRow(list.headers).font = { bold: true }
  // IDs as text, the way a careful clerk keeps them (a number cell would lose the last digits).
  for (const row of list.rows) sheet.addRow(row.map((c) => (typeof c === 'number' ? c : String(c))))
  await workbook.xlsx.writeFile(file)
}

/** A CSV as Excel on Chinese Windows saves it: GBK, CRLF, quoted only where needed. */
function writeGbkCsv(file: string, rows: string[][]): void {
  const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)
  const text = rows.map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n'
  writeFileSync(file, iconv.encode(text, 'gbk'))
}
