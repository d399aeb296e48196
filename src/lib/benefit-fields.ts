/**
 * The columns of a department's benefit list (低保名单, 两项补贴发放表, 医保代缴名册 …) and the Chinese
 * header names that map to them: one table, read through the roster's normalizeHeader.
 */
import { normalizeHeader } from './roster-fields.js'

export const BENEFIT_FIELDS = ['idNumber', 'headIdNumber', 'name', 'householdNo', 'amount', 'startDate', 'endDate'] as const

export type BenefitField = (typeof BENEFIT_FIELDS)[number]

/** The header this tool writes for each field (first) and the variants it recognises. */
export const BENEFIT_HEADERS: Record<BenefitField, readonly string[]> = {
  idNumber: [
    '身份证号', '身份证号码', '公民身份号码', '证件号码', '身份证', '公民身份证号码', '居民身份证号码', '残疾人身份证号', '成员身份证号',
    '成员身份证号码', '享受人身份证号', '保障对象身份证号', '救助对象身份证号', '对象身份证号', '参保人身份证号', '受助人身份证号',
  ],
  headIdNumber: ['户主身份证号', '户主身份证号码', '户主公民身份号码', '户主证件号码'],
  name: ['姓名', '成员姓名', '享受人姓名', '保障对象姓名', '救助对象姓名', '残疾人姓名', '参保人姓名', '对象姓名', '受助人姓名'],
  householdNo: ['户编号', '户号', '家庭编号', '贫困户编号', '低保证号', '低保户编号', '保障证号', '救助证编号'],
  amount: [
    '金额', '发放金额', '补贴金额', '补助金额', '金额(元)', '发放金额(元)', '补贴金额(元)', '月补助金额', '月保障金', '保障金额', '救助金额',
    '补助标准', '补贴标准', '月发放金额', '代缴金额', '补助资金', '资金(元)',
  ],
  startDate: ['开始日期', '享受日期', '开始享受日期', '纳入时间', '批准日期', '发放日期', '起始日期', '实施日期', '适配日期', '改造日期', '竣工日期'],
  endDate: ['结束日期', '停发日期', '截止日期', '退出日期', '终止日期'],
}

/** The Chinese name of a field, for messages when the file's own header is not at hand. */
export function benefitFieldLabel(field: BenefitField): string {
  return BENEFIT_HEADERS[field][0]
}

const LOOKUP: Map<string, BenefitField> = new Map(
  BENEFIT_FIELDS.flatMap((field) => BENEFIT_HEADERS[field].map((h): [string, BenefitField] => [normalizeHeader(h), field])),
)

/** The field a header names, or undefined for a column kept only with rejected rows. */
export function benefitFieldForHeader(header: string): BenefitField | undefined {
  return LOOKUP.get(normalizeHeader(header))
}
