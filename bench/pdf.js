// Speed of the PDF layout engine (src/lib/pdf.ts) for two-page 责任状: one PDF per letter, and all
// letters in one combined PDF. In-process (no database, no CLI) so that it measures the renderer and
// the font subsetting alone; `letter generate` adds its own costs on top.
//
//   npm run build && node bench/pdf.js [--letters 200] [--combined 1500] [--runs 3]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { arg, median, ROOT } from './lib.js'

const { createDocument } = await import(pathToFileURL(join(ROOT, 'dist', 'lib', 'pdf.js')).href)

const LETTERS = Number(arg('letters', 200))
const COMBINED = Number(arg('combined', 1500))
const RUNS = Number(arg('runs', 3))
const OUT = join(ROOT, 'bench', 'out', 'letters')

const TOWNS = ['城关镇', '龙场镇', '雪山镇', '哲觉镇', '黑石头镇', '盐仓镇', '秀水镇', '么站镇', '草海镇', '小海镇', '金钟镇', '炉山镇', '羊街镇', '牛棚镇', '迤那镇', '中水镇']
const ACTIONS = [
  ['实施精准康复服务行动，为有需求的贫困残疾人提供基本康复服务', '≥80%', '2018年12月31日'],
  ['开展辅助器具适配，重点保障贫困残疾儿童和老年残疾人', '≥80%', '2018年12月31日'],
  ['落实困难残疾人生活补贴和重度残疾人护理补贴制度', '100%', '2017年12月31日'],
  ['推进贫困残疾人家庭危房改造，优先安排建档立卡户', '156户', '2018年12月31日'],
  ['实施贫困重度残疾人家庭无障碍改造', '120户', '2019年12月31日'],
  ['开展农村贫困残疾人实用技术培训和职业技能培训', '300人次', '2020年12月31日'],
  ['扶持残疾人扶贫基地、合作社带动贫困残疾人增收', '3个', '2019年6月30日'],
  ['保障贫困残疾儿童少年接受义务教育，入学率达到95%', '≥95%', '2020年9月1日'],
  ['建立县级残疾人托养服务机构，开展日间照料服务', '1个', '2020年12月31日'],
  ['落实结对帮扶，做到每户都有帮扶人、帮扶措施、帮扶资金', '100%', '2017年6月30日'],
]

/** One two-page 责任状 into a letter document (a new one, or the combined one). */
function addLetter(d, i) {
  const town = `${TOWNS[i % TOWNS.length]}${i >= TOWNS.length ? `（第${Math.floor(i / TOWNS.length) + 1}片区）` : ''}`
  d.addTitle(`威宁自治县${town}\n残疾人脱贫攻坚目标责任状`)
  d.addParagraph(
    `为贯彻落实《贵州省“十三五”残疾人脱贫攻坚实施方案》，确保贫困残疾人与全省同步实现全面小康，经研究，威宁自治县残疾人联合会（甲方）与${town}人民政府（乙方）签订本责任状。乙方应当按照“精准扶贫、精准脱贫”的要求，逐户落实帮扶人、帮扶措施和帮扶资金，完成下表所列任务。`,
  )
  d.addParagraph('本责任状一式两份，甲乙双方各执一份，自签订之日起生效。完成情况纳入年度目标考核，考核结果作为评先选优的重要依据；未完成任务的，按规定予以通报。')
  d.addTable(
    [
      { header: '序号', width: 2.2, align: 'center' },
      { header: '任务内容', width: 12 },
      { header: '目标', width: 3.6, align: 'center' },
      { header: '完成时限', width: 7.2, align: 'center' },
    ],
    ACTIONS.map(([task, target, deadline], k) => [String(k + 1), task, target, deadline]),
  )
  d.addSignatureBlocks({ role: '甲方', name: '威宁自治县残疾人联合会' }, { role: '乙方', name: `${town}人民政府` }, '2017年3月15日')
}

function peakRssMb() {
  return process.resourceUsage().maxRSS / 1024
}

async function onePerFile() {
  rmSync(OUT, { recursive: true, force: true })
  mkdirSync(OUT, { recursive: true })
  const started = process.hrtime.bigint()
  let bytes = 0
  let maxBytes = 0
  let pages = 0
  for (let i = 0; i < LETTERS; i++) {
    const d = createDocument({ title: '残疾人脱贫攻坚目标责任状' })
    addLetter(d, i)
    const pdf = await d.end()
    pages += d.pageCount
    writeFileSync(join(OUT, `letter-${String(i + 1).padStart(4, '0')}.pdf`), pdf)
    bytes += pdf.length
    maxBytes = Math.max(maxBytes, pdf.length)
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return { seconds, perSecond: LETTERS / seconds, avgKb: bytes / LETTERS / 1024, maxKb: maxBytes / 1024, pagesPerLetter: pages / LETTERS }
}

async function combined() {
  const started = process.hrtime.bigint()
  const d = createDocument({ title: '残疾人脱贫攻坚目标责任状（合订）' })
  for (let i = 0; i < COMBINED; i++) {
    if (i > 0) d.addPageBreak({ restartPageNumbers: true })
    addLetter(d, i)
  }
  const pdf = await d.end()
  writeFileSync(join(ROOT, 'bench', 'out', 'letters-combined.pdf'), pdf)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  return { seconds, pages: d.pageCount, mb: pdf.length / 1024 / 1024 }
}

const single = []
const joined = []
for (let run = 0; run < RUNS; run++) {
  single.push(await onePerFile())
  joined.push(await combined())
  console.error(`run ${run + 1}: ${single.at(-1).perSecond.toFixed(1)} letters/s one per file, combined ${COMBINED} in ${joined.at(-1).seconds.toFixed(1)} s`)
}
const result = {
  letters: LETTERS,
  onePerFile: {
    medianSeconds: median(single.map((r) => r.seconds)),
    medianLettersPerSecond: median(single.map((r) => r.perSecond)),
    avgKbPerLetter: single[0].avgKb,
    maxKbPerLetter: single[0].maxKb,
    pagesPerLetter: single[0].pagesPerLetter,
  },
  combined: { letters: COMBINED, medianSeconds: median(joined.map((r) => r.seconds)), pages: joined[0].pages, mb: joined[0].mb },
  peakRssMb: peakRssMb(),
}
writeFileSync(join(ROOT, 'bench', 'out', 'pdf-results.json'), JSON.stringify(result, null, 2))
console.log(JSON.stringify(result, null, 2))
