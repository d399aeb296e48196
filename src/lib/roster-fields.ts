/**
 * The roster's fields and the Chinese header names (and their common variants) that map to them.
 * One table, used by the importer to read a clerk's file and by the sample generator to write one.
 */

export const ROSTER_FIELDS = [
  'countyName',
  'townshipName',
  'villageName',
  'villageCode',
  'householdNo',
  'name',
  'gender',
  'idNumber',
  'relation',
  'householdSize',
  'certNumber',
  'category',
  'grade',
  'povertyStatus',
  'exitYear',
  'povertyCause',
  'phone',
] as const

export type RosterField = (typeof ROSTER_FIELDS)[number]

/** The header this tool writes for each field (first) and the variants it recognises. */
export const ROSTER_HEADERS: Record<RosterField, readonly string[]> = {
  countyName: ['县区', '县(市、区)', '区县', '县(市,区)', '县市区', '县', '县名', '所属县', '所属县区', '县(区)'],
  townshipName: ['乡镇', '乡镇(街道)', '乡(镇)', '乡镇街道', '乡(镇、街道)', '所属乡镇', '乡镇名称', '街道'],
  villageName: ['村', '村(社区)', '行政村', '村委会', '村(居)', '村(居委会)', '所属村', '村名', '村居', '社区'],
  villageCode: ['村代码', '村级代码', '行政区划代码', '区划代码', '村(社区)代码', '村编码'],
  householdNo: ['户编号', '户号', '家庭编号', '户籍编号', '贫困户编号'],
  name: ['姓名', '残疾人姓名', '名字'],
  gender: ['性别'],
  idNumber: ['身份证号', '身份证号码', '公民身份号码', '证件号码', '身份证', '公民身份证号码', '居民身份证号码', '残疾人身份证号'],
  relation: ['与户主关系', '户主关系', '与户主的关系'],
  householdSize: ['家庭人口', '家庭人口数', '户人口数', '家庭人数', '家庭成员数', '人口数'],
  certNumber: ['残疾人证号', '残疾证号', '残疾证编号', '残疾人证编号', '持证号', '残疾证号码', '第二代残疾人证号'],
  category: ['残疾类别', '残疾类型', '残疾种类'],
  grade: ['残疾等级', '残疾级别', '等级'],
  povertyStatus: ['脱贫状态', '贫困状态', '脱贫情况', '贫困户状态', '脱贫属性', '户类型'],
  exitYear: ['脱贫年度', '脱贫年份', '脱贫时间', '脱贫年'],
  povertyCause: ['致贫原因', '主要致贫原因'],
  phone: ['联系电话', '电话', '手机号', '联系方式', '手机号码', '电话号码'],
}

/** Fields a row cannot be imported without. */
export const REQUIRED_ROSTER_FIELDS: readonly RosterField[] = ['name', 'idNumber']

/** The Chinese name of a field, as used in messages when the file's own header is not at hand. */
export function fieldLabel(field: RosterField): string {
  return ROSTER_HEADERS[field][0]
}

/**
 * Folds the ways one header is written: spaces and line breaks inside the cell, full-width
 * brackets and commas, a trailing （必填） or *, and a leading 序号-style number.
 */
export function normalizeHeader(header: string): string {
  return header
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/[*＊※]/g, '')
    .replace(/\((必填|选填|必填项)\)$/, '')
    .replace(/[，、]/g, (c) => (c === '，' ? ',' : '、'))
    .replace(/^\d+[.、]/, '')
}

const HEADER_LOOKUP: Map<string, RosterField> = new Map(
  ROSTER_FIELDS.flatMap((field) => ROSTER_HEADERS[field].map((h): [string, RosterField] => [normalizeHeader(h), field])),
)

/** The field a header names, or undefined for a column the tool keeps but does not interpret. */
export function fieldForHeader(header: string): RosterField | undefined {
  return HEADER_LOOKUP.get(normalizeHeader(header))
}
