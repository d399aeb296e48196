// Removes a build folder before compiling, so that deleted sources leave no stale commands behind.
import { rmSync } from 'node:fs'
for (const dir of process.argv.slice(2)) rmSync(dir, { recursive: true, force: true })
