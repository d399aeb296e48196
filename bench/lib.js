// Shared helpers for the benchmark scripts: run the real CLI, time it, read its peak RSS.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { spawn as spawnAsync } from 'node:child_process'
import { readFileSync } from 'node:fs'

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

/**
 * Runs `cjfp …` once WITHOUT --json, so the human path runs: tables rendered with cli-table3 and
 * written to stdout. The base command (src/base-command.ts) chooses JSON only for --json (or oclif's
 * CJFP_CONTENT_TYPE=json, removed here); a stdout that is not a TTY still gets the table, only
 * without colour (NO_COLOR is set as well). Returns seconds, peak RSS in MB and the text written.
 */
export function runCjfpText(args, { env = {} } = {}) {
  const base = { ...process.env }
  delete base.CJFP_CONTENT_TYPE
  const started = process.hrtime.bigint()
  const result = spawnSync(process.execPath, ['--import', HOOK, BIN, ...args], {
    env: { ...base, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const rss = Number(/@@maxrss_kb=(\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024
  const stderr = result.stderr.replace(/\n?@@maxrss_kb=\d+\n?/, '')
  if (result.status !== 0) throw new Error(`cjfp ${args.join(' ')} exited ${result.status}\n${result.stdout.slice(0, 2000)}\n${stderr.slice(0, 2000)}`)
  return { seconds, rssMb: rss, stdout: result.stdout, stderr }
}

/**
 * Runs `cjfp …` once, with --json or without (the terminal path, as runCjfpText), while this process
 * reads /proc/<pid>/status of the child every 20 ms (Linux; null elsewhere):
 * - hwmMb: the child's VmHWM, its own peak RSS. Prefer it to rssMb, the peak the child reports itself
 *   (bench/rss-hook.js, getrusage): on Linux ru_maxrss survives fork + exec, so a child never reports
 *   less than its parent's RSS at spawn (a 40 MB child of a 600 MB parent reports 604 MB).
 * - anonMb, fileMb: the largest anonymous (heap, native buffers) and file-backed resident sizes seen;
 *   the latter is mostly database pages SQLite maps (db.ts sets mmap_size), which the OS can drop.
 * Resolves to seconds, rssMb, hwmMb, anonMb, fileMb, stdout, stderr (without the hook's line) and json.
 */
export async function runCjfpMeasured(args, { json = true, env = {} } = {}) {
  const base = { ...process.env }
  delete base.CJFP_CONTENT_TYPE
  const started = process.hrtime.bigint()
  const child = spawnAsync(process.execPath, ['--import', HOOK, BIN, ...args, ...(json ? ['--json'] : [])], {
    env: { ...base, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = []
  const err = []
  child.stdout.on('data', (chunk) => out.push(chunk))
  child.stderr.on('data', (chunk) => err.push(chunk))
  let anonKb = null
  let fileKb = null
  let hwmKb = null
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const anon = /RssAnon:\s+(\d+)/.exec(status)
      const file = /RssFile:\s+(\d+)/.exec(status)
      const hwm = /VmHWM:\s+(\d+)/.exec(status)
      if (anon) anonKb = Math.max(anonKb ?? 0, Number(anon[1]))
      if (file) fileKb = Math.max(fileKb ?? 0, Number(file[1]))
      if (hwm) hwmKb = Math.max(hwmKb ?? 0, Number(hwm[1]))
    } catch {
      // not Linux, or the child has just exited
    }
  }
  const timer = setInterval(sample, 20)
  const status = await new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code))
  })
  clearInterval(timer)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const stdout = Buffer.concat(out).toString('utf8')
  const rawErr = Buffer.concat(err).toString('utf8')
  const rss = Number(/@@maxrss_kb=(\d+)/.exec(rawErr)?.[1] ?? 0) / 1024
  const stderr = rawErr.replace(/\n?@@maxrss_kb=\d+\n?/, '')
  if (status !== 0) throw new Error(`cjfp ${args.join(' ')} exited ${status}\n${stdout.slice(0, 2000)}\n${stderr.slice(0, 2000)}`)
  let parsed = null
  if (json) {
    try {
      parsed = JSON.parse(stdout)
    } catch {
      parsed = null
    }
  }
  const mb = (kb) => (kb === null ? null : kb / 1024)
  return { seconds, rssMb: rss, hwmMb: mb(hwmKb), anonMb: mb(anonKb), fileMb: mb(fileKb), stdout, stderr, json: parsed }
}
