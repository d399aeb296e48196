/**
 * Sample data for the benefit side of the demo and the tests: the extra roster columns the default
 * 应享未享 rules read (就业状况, 辅具需求, 住房状况 …), drawn from each person's ID so that every month
 * agrees, and the lists other departments send (民政's 低保 list, the 护理补贴 payment sheet, the
 * 辅具适配 register) with realistic coverage, a few people not on the roster and a bad row.
 */
import type { SamplePerson } from './sample.js'
import { idCheckChar } from './idcard.js'

/** Columns the roster keeps as they are; the default rules read them (templates/benefit-rules.json). */
export const SITUATION_HEADERS = ['就业状况', '主要生活来源', '劳动能力', '辅具需求', '住房状况', '文化程度', '在校情况', '主要供养人年龄'] as const

/** A number in [0, 1) from a person's ID and a salt: the same person gets the same situation every month. */
function draw(id: string, salt: number): number {
  let h = 2166136261 ^ salt
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619)
  h ^= h >>> 13
  h = Math.imul(h, 0x5bd1e995)
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296
}

export function ageAt(birthDate: string, period: string): number {
  const [y, m] = period.split('-').map(Number)
  return y - Number(birthDate.slice(0, 4)) - (Number(birthDate.slice(5, 7)) > m ? 1 : 0)
}

/** The extra cells of a person, in SITUATION_HEADERS order. */
export function situationCells(p: SamplePerson, period: string): string[] {
  const age = ageAt(p.birthDate, period)
  const severe = p.grade <= 2
  const adult = age >= 18 && age < 60
  const employed = adult && draw(p.idNumber, 1) < (severe ? 0.15 : 0.45)
  const income = employed ? '本人劳动' : draw(p.idNumber, 2) < 0.7 ? '家庭供养' : '社会救助'
  const labour = !adult ? '无' : severe ? (draw(p.idNumber, 3) < 0.3 ? '弱' : '无') : draw(p.idNumber, 3) < 0.6 ? '有' : '弱'
  const device = draw(p.idNumber, 4) < (severe ? 0.45 : 0.2) ? '是' : '否'
  const housing = draw(p.idNumber, 5) < 0.06 ? '危房' : '安全'
  const schooling = age >= 15 && draw(p.idNumber, 6) < (age > 50 ? 0.35 : 0.12) ? '文盲' : age < 15 ? '小学' : draw(p.idNumber, 6) < 0.7 ? '小学' : '初中'
  const inSchool = age >= 6 && age <= 22 ? (draw(p.idNumber, 7) < 0.8 ? '在校' : '不在校') : ''
  const supporter = age < 60 && draw(p.idNumber, 8) < 0.15 ? String(60 + Math.floor(draw(p.idNumber, 9) * 20)) : ''
  return [employed ? '已就业' : adult ? '未就业' : '', income, labour, device, housing, schooling, inSchool, supporter]
}

export interface SampleList {
  /** The benefit type's name as the importer knows it. */
  type: string
  period: string
  file: string
  title: string
  headers: string[]
  rows: Array<Array<string | number>>
}

/** A valid ID from another county of Guizhou, for people on a list but not on the roster. */
function outsiderId(n: number): string {
  const first17 = `520502198${String(n % 10)}0${(n % 9) + 1}1${String(n % 10)}${String(100 + n).slice(-3)}`
  return first17 + idCheckChar(first17)
}

const OUTSIDER_NAMES = ['王德贵', '陈秀英', '杨光明']

/**
 * Three department lists for a month's persons: 低保 (every member of about 45 % of households),
 * 重度残疾人护理补贴 (about 85 % of grade 1–2 people, plus one grade-3 person who should not be on it)
 * and 辅助器具适配 (about 60 % of those who need a device, a one-off register from an earlier month).
 * Each has people not on the roster; the 低保 list has one row with a mistyped ID.
 */
export function sampleBenefitLists(persons: SamplePerson[], period: string, devicePeriod: string): SampleList[] {
  const households = new Map<string, SamplePerson[]>()
  for (const p of persons) households.set(p.householdNo, [...(households.get(p.householdNo) ?? []), p])
  const dibao: SampleList = {
    type: '低保', period, file: `${period} 低保对象名单（县民政局）.xlsx`, title: `威宁县农村低保对象花名册（${period.replace('-', '年')}月）`,
    headers: ['序号', '乡镇', '村', '低保证号', '姓名', '身份证号', '与户主关系', '保障人数', '月保障金(元)'], rows: [],
  }
  for (const [hh, members] of households) {
    if (draw(hh, 11) >= 0.45) continue
    for (const m of members) {
      dibao.rows.push([dibao.rows.length + 1, m.townshipName, m.villageName, `DB${hh.slice(-8)}`, m.name, m.idNumber, m.relation, m.householdSize, 200 + 50 * Math.floor(draw(hh, 12) * 6)])
    }
  }
  OUTSIDER_NAMES.slice(0, 2).forEach((name, i) => dibao.rows.push([dibao.rows.length + 1, '', '', `DB9000000${i}`, name, outsiderId(i + 1), '户主', 3, 300]))
  if (dibao.rows.length > 3) {
    const bad = dibao.rows[Math.floor(dibao.rows.length / 2)]
    const id = String(bad[5])
    bad[5] = id.slice(0, 17) + (id[17] === '1' ? '2' : '1') // a mistyped check character
  }

  const care: SampleList = {
    type: '护理补贴', period, file: `${period} 重度残疾人护理补贴发放表.csv`, title: '',
    headers: ['序号', '姓名', '身份证号', '残疾人证号', '残疾等级', '补贴金额（元）'], rows: [],
  }
  let strayAdded = false
  for (const p of persons) {
    if ((p.grade <= 2 && draw(p.idNumber, 13) < 0.85) || (!strayAdded && p.grade === 3)) {
      if (p.grade === 3) strayAdded = true
      care.rows.push([care.rows.length + 1, p.name, p.idNumber, p.certNumber, `${['一', '二', '三', '四'][p.grade - 1]}级`, p.grade === 1 ? 100 : 80])
    }
  }
  care.rows.push([care.rows.length + 1, OUTSIDER_NAMES[2], outsiderId(3), `${outsiderId(3)}41`, '一级', 100])

  const device: SampleList = {
    type: '辅助器具适配', period: devicePeriod, file: `${devicePeriod} 辅助器具适配登记表.xlsx`, title: '威宁县残疾人基本辅助器具适配登记表',
    headers: ['序号', '乡镇', '姓名', '身份证号', '适配辅具', '适配日期'], rows: [],
  }
  const DEVICES = ['轮椅', '助行器', '助听器', '盲杖', '坐便椅', '拐杖']
  for (const p of persons) {
    if (situationCells(p, period)[3] !== '是' || draw(p.idNumber, 14) >= 0.6 + 0.3 * draw(p.townshipCode, 15)) continue
    device.rows.push([device.rows.length + 1, p.townshipName, p.name, p.idNumber, DEVICES[Math.floor(draw(p.idNumber, 16) * DEVICES.length)], `${devicePeriod}-15`])
  }
  return [dibao, care, device]
}
