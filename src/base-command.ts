/**
 * The one place that knows about oclif plumbing: shared flags, opening the database, JSON mode,
 * prompts, and the mapping from errors to exit codes.
 */
import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import type cliProgressModule from 'cli-progress'
import { createRequire } from 'node:module'
import { userInfo } from 'node:os'
import { getConfigValue } from './lib/config.js'
import { type Db, type OpenMode, type OpenResult, openDatabase } from './lib/db.js'
import { AppError, CancelledError, UsageError } from './lib/errors.js'
import { type Column, renderJson, renderKeyValue, renderTable } from './lib/output.js'
import type { RejectedRowExport } from './lib/roster.js'

// Prompts and progress bars are loaded when used (≈ 0.1 s that every command used to pay at start).
const requireCjs = createRequire(import.meta.url)

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true
  static baseFlags = {
    json: Flags.boolean({ summary: '以 JSON 格式输出结果（供脚本和上级系统使用）', helpGroup: 'GLOBAL' }),
    db: Flags.string({ summary: '数据库文件（环境变量 CJFP_DB）', env: 'CJFP_DB', default: 'cjfp.db', helpGroup: 'GLOBAL' }),
    quiet: Flags.boolean({ char: 'q', summary: '不显示进度和成功提示；数据、警告和错误照常输出', helpGroup: 'GLOBAL' }),
    operator: Flags.string({ summary: '操作员姓名，记入审计日志（默认取配置 operator，再取系统用户名）', env: 'CJFP_OPERATOR', helpGroup: 'GLOBAL' }),
  }

  /** none: no database; create: may make one (init); write: existing file, migrated if older; inspect: never migrated. */
  static dbMode: OpenMode | 'none' = 'write'

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  private opened?: OpenResult

  public async init(): Promise<void> {
    await super.init()
    const ctor = this.ctor as typeof BaseCommand
    const { args, flags } = await this.parse({
      flags: ctor.flags,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  /** The open database, opened on first use in the command's dbMode. */
  protected get db(): Db {
    return this.openDb().db
  }

  protected openDb(): OpenResult {
    if (!this.opened) {
      const mode = (this.ctor as typeof BaseCommand).dbMode
      if (mode === 'none') throw new Error(`${this.id} 声明为不使用数据库`)
      this.opened = openDatabase(this.flags.db, { mode })
      if (this.opened.migratedFrom !== null && this.opened.migratedFrom > 0) {
        this.info(`数据库已从结构版本 ${this.opened.migratedFrom} 升级，升级前的备份：${this.opened.backup}`)
      }
    }
    return this.opened
  }

  /** --operator, else the configured operator, else the OS user name. */
  protected get operator(): string {
    if (this.flags.operator?.trim()) return this.flags.operator.trim()
    if (this.opened || (this.ctor as typeof BaseCommand).dbMode !== 'none') {
      const configured = getConfigValue(this.db, 'operator')
      if (configured) return configured
    }
    return osUser()
  }

  protected get jsonMode(): boolean {
    return this.jsonEnabled()
  }

  protected get color(): boolean {
    return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !this.jsonMode
  }

  protected get interactive(): boolean {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !this.jsonMode
  }

  /** A progress or success line on stderr; silent under --quiet and --json. */
  protected info(message: string): void {
    if (this.flags?.quiet || this.jsonMode) return
    process.stderr.write(message + '\n')
  }

  /** A warning on stderr; --quiet does not hide it. */
  protected notice(message: string): void {
    process.stderr.write(`注意：${message}\n`)
  }

  /** Human output on stdout (tables, sentences); nothing in JSON mode, where run()'s value is printed. */
  protected print(text: string): void {
    if (this.jsonMode) return
    process.stdout.write(text + '\n')
  }

  protected printTable<Row extends object>(rows: Row[], columns: Column<Row>[]): void {
    // Laying out a big table costs seconds; under --json nobody sees it.
    if (this.jsonMode) return
    this.print(renderTable(rows, columns, { color: this.color }))
  }

  /**
   * What every `… rejects` command does with a batch's rejected rows: optionally writes them with their
   * original columns plus 错误原因 and 原行号, lists row and reasons, and returns them (masked unless reveal).
   */
  protected async showRejects(data: RejectedRowExport, options: { out?: string; reveal: boolean; masked: string }) {
    // Loaded here, not at the top: every command starts through this file, and exceljs takes 0.2 s to load.
    const { rejectsSheet } = await import('./lib/roster.js')
    const { writeTable } = await import('./lib/table-writer.js')
    const sheet = rejectsSheet(data, options.reveal)
    if (options.out) {
      const written = await writeTable(options.out, sheet)
      this.info(`已导出 ${written.rows} 行到 ${written.file}${options.reveal ? '' : `（${options.masked}已打码；改正后重新导入需加 --reveal 导出）`}`)
    }
    this.printTable(data.rows.map((r) => ({ row: r.row, reasons: r.reasons })), [
      { key: 'row', header: '行号', align: 'right' },
      { key: 'reasons', header: '错误原因' },
    ])
    this.info(`第 ${data.batch} 批（${data.file}${data.period ? `，${data.period} 期` : ''}）共退回 ${data.rows.length} 行`)
    return {
      batch: data.batch, period: data.period, file: data.file, out: options.out ?? null, headers: sheet.headers,
      rows: data.rows.map((r, i) => ({ row: r.row, reasons: r.reasons, cells: sheet.rows[i].slice(0, -2) })),
    }
  }

  protected printRecord(pairs: Array<[string, string | number | boolean | null | undefined]>): void {
    if (this.jsonMode) return
    this.print(renderKeyValue(pairs, { color: this.color }))
  }

  /** Asks on a TTY; elsewhere fails with the flag the person must give instead. */
  protected async ask(flag: string, message: string, validate?: (value: string) => true | string): Promise<string> {
    if (!this.interactive) {
      throw new UsageError('FLAG_REQUIRED', `非交互模式下必须提供 --${flag}`, { hint: `用 ${this.config.bin} ${this.id?.replace(/:/g, ' ')} --help 查看用法` })
    }
    const { input } = await import('@inquirer/prompts')
    return input({ message, validate: validate ?? ((v) => (v.trim() ? true : '不能为空')) })
  }

  /** Asks the person to pick one of several choices; only ever called when interactive. */
  protected async choose<V extends string>(message: string, choices: Array<{ name: string; value: V }>): Promise<V> {
    const { select } = await import('@inquirer/prompts')
    return select({ message, choices })
  }

  /** A rows-per-second progress line on a TTY's stderr; a no-op elsewhere, under --quiet and --json. */
  protected progress(label: string): { update: (rows: number) => void; stop: () => void } {
    if (!process.stderr.isTTY || this.flags.quiet || this.jsonMode) return { update: () => {}, stop: () => {} }
    const started = Date.now()
    const cliProgress = requireCjs('cli-progress') as typeof cliProgressModule
    const bar = new cliProgress.SingleBar(
      { format: `${label} {value} 行，{speed} 行/秒`, stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 5 },
      cliProgress.Presets.shades_classic,
    )
    bar.start(0, 0, { speed: 0 })
    return {
      update: (rows) => bar.update(rows, { speed: Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000)) }),
      stop: () => bar.stop(),
    }
  }

  public logJson(json: unknown): void {
    process.stdout.write(renderJson(json) + '\n')
  }

  public async catch(error: Error & { exitCode?: number }): Promise<void> {
    const appError = toAppError(error)
    if (!appError) {
      process.exitCode = 1
      const message = error?.message ?? String(error)
      if (this.jsonEnabled()) {
        this.logJson({ error: { code: 'INTERNAL', message: `内部错误：${message}` } })
      } else {
        process.stderr.write(`内部错误：${message}\n`)
        if (process.env.DEBUG) process.stderr.write(`${error?.stack ?? ''}\n`)
        else process.stderr.write('提示：这是程序缺陷，请把上面这行连同所用命令告诉维护人员；设置环境变量 DEBUG=1 可看到详细信息\n')
      }
      return
    }
    process.exitCode = appError.exitCode
    if (this.jsonEnabled()) {
      const body: Record<string, unknown> = { code: appError.code, message: appError.message }
      if (appError.hint) body.hint = appError.hint
      if (appError.details !== undefined) body.details = appError.details
      this.logJson({ error: body })
      return
    }
    process.stderr.write(`错误：${appError.message}\n`)
    if (appError.hint) process.stderr.write(`提示：${appError.hint}\n`)
    if (process.env.DEBUG) process.stderr.write(`${appError.stack ?? ''}\n`)
  }

  public async finally(error: Error | undefined): Promise<void> {
    this.opened?.db.close()
    this.opened = undefined
    await super.finally(error)
  }
}

function osUser(): string {
  try {
    return userInfo().username || '未知用户'
  } catch {
    return '未知用户'
  }
}

/** The exit code an error ends the process with (the table in STYLE.md and the README). */
export function exitCodeFor(error: unknown): number {
  return toAppError(error)?.exitCode ?? 1
}

/** Turns prompt cancellations and oclif's parser errors into typed errors; null for real bugs. */
export function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error
  const named = error as { name?: string; message?: string; oclif?: { exit?: number } }
  if (named?.name === 'ExitPromptError' || named?.name === 'AbortPromptError') {
    return new CancelledError('CANCELLED', '已取消，未做任何改动')
  }
  if (error instanceof Errors.CLIError || named?.oclif?.exit === 2) {
    return new UsageError('USAGE', `参数有误：${translateParserMessage(named.message ?? '')}`, { hint: '加 --help 查看用法' })
  }
  return null
}

function translateParserMessage(message: string): string {
  const text = message.replace(/\u001b\[[0-9;]*m/g, '').split('\nSee more help')[0].trim()
  const rules: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
    [/^Missing required flag (\S+)/, (m) => `缺少必填参数 --${m[1]}`],
    [/^Missing (\d+) required args?/, () => `缺少必填的位置参数`],
    [/^Nonexistent flags?: (.+)/, (m) => `没有这个参数：${m[1]}`],
    [/^Unexpected arguments?: (.+)/, (m) => `多余的参数：${m[1]}`],
    [/^Expected --(\S+)=(.*) to be one of: (.+)/, (m) => `--${m[1]} 的值「${m[2]}」无效，可选：${m[3]}`],
    [/^Flag --(\S+) expects a value/, (m) => `--${m[1]} 需要一个值`],
    [/^Expected an integer but received: (.+)/, (m) => `应为整数，收到「${m[1]}」`],
  ]
  for (const [pattern, render] of rules) {
    const match = text.match(pattern)
    if (match) return render(match)
  }
  return text
}
