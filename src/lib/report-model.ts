/**
 * The shapes shared by the reports (通报 and 考核): the per-region figures a progress notice computes,
 * the catalogue of those figures that an assessment scheme may score, and a renderer-neutral document
 * (headings, paragraphs, tables, bar charts) that report-pdf.ts lays out for print.
 */

// ───────────────────────────── figures ─────────────────────────────

/** How a figure reads: a share (0..1, printed as a percentage), a count, or an amount in yuan. */
export type MetricKind = 'rate' | 'count' | 'amount'

export interface MetricInfo {
  /** Chinese name used in tables and in assessment schemes' error messages. */
  name: string
  kind: MetricKind
  /** 'higher' = more is better (coverage); 'lower' = less is better (gaps, overdue tasks). */
  better: 'higher' | 'lower'
  /** The plan's target, where the plan states one (device fitting ≥ 80 %, pairing 100 %). */
  target?: number
}

/**
 * Every figure a progress notice computes per region. Assessment schemes name these codes. Add freely;
 * never rename (schemes in the offices' hands refer to them).
 */
export const METRICS = {
  registered: { name: '建档立卡贫困残疾人', kind: 'count', better: 'higher' },
  households: { name: '户数', kind: 'count', better: 'higher' },
  poor: { name: '未脱贫', kind: 'count', better: 'lower' },
  exited: { name: '已脱贫', kind: 'count', better: 'higher' },
  returned: { name: '返贫', kind: 'count', better: 'lower' },
  monitored: { name: '监测对象', kind: 'count', better: 'lower' },
  exitRate: { name: '脱贫率', kind: 'rate', better: 'higher', target: 1 },
  returnRate: { name: '返贫率', kind: 'rate', better: 'lower', target: 0 },
  newThisPeriod: { name: '本期新增', kind: 'count', better: 'lower' },
  leftThisPeriod: { name: '本期减少', kind: 'count', better: 'higher' },
  helperRate: { name: '结对帮扶覆盖率（有帮扶人）', kind: 'rate', better: 'higher', target: 1 },
  measuresRate: { name: '有帮扶措施比例', kind: 'rate', better: 'higher', target: 1 },
  fundsRate: { name: '有帮扶资金比例', kind: 'rate', better: 'higher', target: 1 },
  pairingFullRate: { name: '帮扶人、措施、资金“三到位”比例', kind: 'rate', better: 'higher', target: 1 },
  benefitEligible: { name: '应享政策人次', kind: 'count', better: 'higher' },
  benefitReceived: { name: '已享政策人次', kind: 'count', better: 'higher' },
  benefitCoverage: { name: '政策覆盖率', kind: 'rate', better: 'higher', target: 1 },
  gaps: { name: '应享未享人次', kind: 'count', better: 'lower' },
  violations: { name: '疑似违规享受人次', kind: 'count', better: 'lower' },
  deviceRate: { name: '辅助器具适配率', kind: 'rate', better: 'higher', target: 0.8 },
  housingRate: { name: '危房改造完成率', kind: 'rate', better: 'higher', target: 1 },
  educationRate: { name: '教育资助覆盖率', kind: 'rate', better: 'higher', target: 1 },
  literacyRate: { name: '扫盲覆盖率', kind: 'rate', better: 'higher', target: 1 },
  trainingRate: { name: '技能培训覆盖率', kind: 'rate', better: 'higher', target: 1 },
  lettersIssued: { name: '责任状已下发', kind: 'count', better: 'higher' },
  lettersSigned: { name: '责任状已签订', kind: 'count', better: 'higher' },
  letterSignedRate: { name: '责任状签订率', kind: 'rate', better: 'higher', target: 1 },
  tasks: { name: '任务数', kind: 'count', better: 'higher' },
  tasksMet: { name: '任务已达标', kind: 'count', better: 'higher' },
  tasksOverdue: { name: '任务逾期', kind: 'count', better: 'lower' },
  taskOnTrackRate: { name: '任务未逾期比例', kind: 'rate', better: 'higher', target: 1 },
} as const satisfies Record<string, MetricInfo>

export type MetricCode = keyof typeof METRICS

/** One region's figures for one period; null = the data does not say (no list imported, nobody eligible). */
export interface RegionFigures {
  code: string
  name: string
  values: Partial<Record<MetricCode, number | null>>
}

// ───────────────────────────── printable document ─────────────────────────────

export interface ReportColumn {
  header: string
  align?: 'left' | 'center' | 'right'
  /** Relative width; default 1. */
  width?: number
}

export interface ReportRow {
  cells: string[]
  /** Cells to mark as below target (true = the whole row). */
  highlight?: boolean | number[]
  /** A total row, printed bold with a rule above it. */
  total?: boolean
}

export interface ReportTable {
  title?: string
  columns: ReportColumn[]
  rows: ReportRow[]
  /** Small print under the table (sources, what a highlight means). */
  note?: string
}

export interface BarChart {
  title: string
  /** '%' for rates given as 0..100, else the unit printed after values (人, 户 …). */
  unit: string
  bars: Array<{ label: string; value: number; highlight?: boolean }>
  /** A dashed line across the bars, e.g. the plan's 80 %. */
  target?: { value: number; label: string }
  /** The axis maximum; default: the largest of the values and the target, rounded up. */
  max?: number
}

export type ReportBlock =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'table'; table: ReportTable }
  | { type: 'chart'; chart: BarChart }
  | { type: 'pageBreak' }

export interface ReportDocument {
  /** e.g. 威宁县助残脱贫工作进展情况通报 */
  title: string
  /** e.g. （2026年11月） */
  subtitle?: string
  /** The issuing unit, printed under the title and at the end with the date. */
  issuer: string
  /** YYYY-MM-DD */
  date: string
  blocks: ReportBlock[]
  /** Wide tables read better on landscape pages; default portrait. */
  orientation?: 'portrait' | 'landscape'
}
