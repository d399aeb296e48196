// Builds dist/ and the oclif manifest once before the command tests run bin/run.js, so they never
// test stale code. Type errors are printed but do not stop the run (tsc still emits); `npm run build`,
// which `npm ci` runs through `prepare`, is where they fail the build.
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  rmSync(join(root, 'oclif.manifest.json'), { force: true })
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' })
  if (tsc.status !== 0) process.stderr.write(`tsc reported problems:\n${tsc.stdout}${tsc.stderr}\n`)
  const manifest = spawnSync(process.execPath, ['node_modules/oclif/bin/run.js', 'manifest'], { cwd: root, encoding: 'utf8' })
  if (manifest.status !== 0) throw new Error(`oclif manifest failed:\n${manifest.stdout}${manifest.stderr}`)
}
