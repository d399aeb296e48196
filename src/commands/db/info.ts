import { BaseCommand } from '../../base-command.js'
import { type Area, getArea, isInitialised } from '../../lib/area.js'
import { type DbInfo, describeDatabase } from '../../lib/db.js'
import { formatBytes, formatDateTime } from '../../lib/output.js'

const TABLE_NAMES: Record<string, string> = {
  regions: '行政区划', persons: '人员', households: '户', roster_entries: '花名册记录', import_batches: '导入批次',
  rejected_rows: '退回行', benefit_records: '政策享受记录', tasks: '任务', pairings: '结对帮扶', letters: '责任状/责任书',
  assessments: '考核结果', audit_log: '审计日志',
}

export default class DbInfoCommand extends BaseCommand<typeof DbInfoCommand> {
  static summary = '查看数据库的基本信息：辖区、结构版本、大小、各类记录数'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --db 威宁.db --json']
  static dbMode = 'inspect' as const

  async run(): Promise<DbInfo & { area: Area | null }> {
    const info = describeDatabase(this.db, this.flags.db)
    const area = isInitialised(this.db) ? getArea(this.db) : null
    this.printRecord([
      ['文件', info.file],
      ['辖区', area ? `${area.name}（${area.code}）` : '（未设定）'],
      ['单位', area?.orgName ?? ''],
      ['大小', formatBytes(info.sizeBytes)],
      ['结构版本', `${info.schemaVersion}${info.schemaVersion < info.expectedSchemaVersion ? `（可升级到 ${info.expectedSchemaVersion}，运行 cjfp db migrate）` : ''}`],
      ['最近写入', formatDateTime(info.lastWriteAt)],
      ...Object.entries(info.counts).map(([table, n]): [string, string] => [TABLE_NAMES[table] ?? table, String(n)]),
    ])
    return { ...info, area }
  }
}
