import { Config } from '@oclif/core'
import { ExitPromptError } from '@inquirer/core'
import { describe, expect, it } from 'vitest'
import { exitCodeFor } from '../../src/base-command.js'
import {
  CancelledError, ConflictError, DatabaseError, FileError, NotFoundError, UsageError, ValidationError,
} from '../../src/lib/errors.js'
import { ROOT, runCli } from '../support/cli.js'

describe('command contract', () => {
  it('every command has a Chinese summary and at least one example', async () => {
    const config = await Config.load(ROOT)
    expect(config.commands.length).toBeGreaterThan(5)
    for (const command of config.commands) {
      expect(command.summary, command.id).toMatch(/[\u4e00-\u9fff]/)
      expect(command.examples?.length, command.id).toBeGreaterThan(0)
    }
  })

  it('--help lists the topics with Chinese summaries', () => {
    const r = runCli(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/region\s+查询内置的贵州省行政区划/)
    expect(r.stdout).toMatch(/db\s+数据库维护/)
  })

  it.each([
    [new UsageError('X', 'x'), 2],
    [new ValidationError('X', 'x'), 3],
    [new NotFoundError('X', 'x'), 4],
    [new ConflictError('X', 'x'), 5],
    [new DatabaseError('X', 'x'), 6],
    [new FileError('X', 'x'), 7],
    [new CancelledError('X', 'x'), 130],
    [new ExitPromptError('User force closed the prompt'), 130],
    [new TypeError('a bug'), 1],
  ])('maps %o to exit code %i', (error, code) => {
    expect(exitCodeFor(error)).toBe(code)
  })

  it('an unknown flag is a usage error (exit 2) with a Chinese message', () => {
    const r = runCli(['region', 'list', '--nope'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('错误：参数有误')
  })

  it('errors in JSON mode are {"error": {code, message, hint}} on stdout', () => {
    const r = runCli(['region', 'show', '999999', '--json'])
    expect(r.code).toBe(4)
    expect(r.json()).toEqual({ error: { code: 'REGION_NOT_FOUND', message: '找不到行政区划代码 999999', hint: expect.any(String) } })
  })
})
