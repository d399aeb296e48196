// Shared helpers for the benchmark scripts: run the real CLI, time it, read its peak RSS.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(ROOT, 'bin', 'run.js')
const HOOK = join(ROOT, 'bench', 'rss-hook.js')

/** Runs `cjfp …` once; returns seconds, peak RSS in MB and the parsed JSON output. */
export function runCjfp(args, { env = {} } = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args, '--json'], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const rss = Number(/@@maxrss_kb=(\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024
  if (result.status !== 0) throw new Error(`cjfp ${args.join(' ')} exited ${result.status}\n${result.stdout.slice(0, 2000)}\n${result.stderr.slice(0, 2000)}`)
  let json = null
  try {
    json = JSON.parse(result.stdout)
  } catch {
    json = null
  }
  return { seconds, rssMb: rss, json }
}

/** Times any command. */
export function timeCommand(command, args, options = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}: ${result.stderr}`)
  return { seconds }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
