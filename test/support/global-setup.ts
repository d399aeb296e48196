// Builds dist/ once before the command tests run bin/run.js, so they never test stale code.
// Type errors are printed but do not stop the run (tsc still emits); `npm run build`, which
// `npm ci` runs through `prepare`, is where they fail the build.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) process.stderr.write(`tsc reported problems:\n${result.stdout}${result.stderr}\n`)
}
