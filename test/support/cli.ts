// Runs the real CLI (node bin/run.js) as a child process, the way a clerk or a script would.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  json<T = any>(): T
}

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {}): CliResult {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', CJFP_DB: undefined, CJFP_OPERATOR: undefined, DEBUG: undefined, ...options.env }
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: env as NodeJS.ProcessEnv,
    input: options.input ?? '',
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    json() {
      try {
        return JSON.parse(result.stdout)
      } catch {
        throw new Error(`stdout is not JSON (exit ${result.status}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`)
      }
    },
  }
}

/** A fresh temporary folder; remove it with the returned function. */
export function tempDir(prefix = 'cjfp-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
