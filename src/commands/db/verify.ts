import { BaseCommand } from '../../base-command.js'
import { verifyDatabase, type VerifyResult } from '../../lib/db.js'
import { DatabaseError } from '../../lib/errors.js'

export default class DbVerify extends BaseCommand<typeof DbVerify> {
  static summary = '检查数据库是否完好（完整性、外键、结构版本）'
  static description = '只读检查，不改动文件。发现问题时以退出码 6 结束，并列出问题。'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static dbMode = 'inspect' as const

  async run(): Promise<VerifyResult> {
    const result = verifyDatabase(this.db)
    if (!result.ok) {
      const problems = [
        ...result.integrity.filter((line) => line !== 'ok'),
        ...result.foreignKeyProblems.map((p) => `${p.table} 第 ${p.rowid} 行引用的 ${p.parent} 不存在`),
        ...(result.schemaVersion !== result.expectedSchemaVersion ? [`结构版本为 ${result.schemaVersion}，应为 ${result.expectedSchemaVersion}`] : []),
      ]
      throw new DatabaseError('DB_VERIFY_FAILED', `数据库检查发现 ${problems.length} 个问题：${problems.slice(0, 5).join('；')}`, {
        hint: '结构版本旧可运行 `cjfp db migrate`；文件损坏请从 cjfp-backups 中的备份恢复',
        details: result,
      })
    }
    this.print('数据库检查通过：完整性正常，外键无缺失，结构版本为最新。')
    return result
  }
}
