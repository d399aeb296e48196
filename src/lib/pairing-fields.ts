/**
 * The pairing list's fields and the Chinese header names (and their common variants) that map to
 * them: one table, like roster-fields.ts, read through the same normalizeHeader.
 */
import { normalizeHeader } from './roster-fields.js'

export const PAIRING_FIELDS = [
  'helperName', 'unit', 'phone', 'partyMember', 'householdNo', 'idNumber', 'measures', 'funds', 'startDate', 'endDate',
] as const

export type PairingField = (typeof PAIRING_FIELDS)[number]

/** The header this tool writes for each field (first) and the variants it recognises. */
export const PAIRING_HEADERS: Record<PairingField, readonly string[]> = {
  helperName: ['帮扶人姓名', '帮扶人', '帮扶责任人', '结对帮扶人', '帮扶责任人姓名', '帮扶干部', '帮扶干部姓名', '结对帮扶责任人'],
  unit: ['工作单位', '帮扶单位', '单位', '帮扶人单位', '帮扶人工作单位', '所在单位', '帮扶责任单位'],
  phone: ['联系电话', '电话', '手机', '手机号', '手机号码', '联系方式', '帮扶人电话', '帮扶人联系电话', '电话号码'],
  partyMember: ['是否党员', '党员', '政治面貌', '是否中共党员'],
  householdNo: ['户编号', '户号', '贫困户编号', '家庭编号', '帮扶户编号'],
  idNumber: ['身份证号', '身份证号码', '公民身份号码', '证件号码', '身份证', '帮扶对象身份证号', '户主身份证号', '残疾人身份证号'],
  measures: ['帮扶措施', '措施', '主要帮扶措施', '帮扶内容'],
  funds: ['帮扶资金', '资金', '帮扶资金(元)', '帮扶资金（元）', '帮扶金额', '资金(元)', '帮扶资金(万元)'],
  startDate: ['开始日期', '结对时间', '结对日期', '开始时间', '帮扶开始日期', '帮扶开始时间'],
  endDate: ['结束日期', '结束时间', '帮扶结束日期', '帮扶结束时间'],
}

/** The Chinese name of a field, for messages when the file's own header is not at hand. */
export function pairingFieldLabel(field: PairingField): string {
  return PAIRING_HEADERS[field][0]
}

const LOOKUP: Map<string, PairingField> = new Map(
  PAIRING_FIELDS.flatMap((field) => PAIRING_HEADERS[field].map((h): [string, PairingField] => [normalizeHeader(h), field])),
)

/** The field a header names, or undefined for a column kept only with rejected rows. */
export function pairingFieldForHeader(header: string): PairingField | undefined {
  return LOOKUP.get(normalizeHeader(header))
}
