// Loaded with `node --import ./bench/rss-hook.js bin/run.js …`: reports the process's peak RSS on exit,
// so the benchmark measures memory the same way on Linux and Windows.
import { writeSync } from 'node:fs'

process.on('exit', () => {
  writeSync(2, `\n@@maxrss_kb=${process.resourceUsage().maxRSS}\n`)
})
