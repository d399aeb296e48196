/**
 * A thread reading parts of a period scan (period-scan.ts): it opens the database read-only, takes the
 * next unclaimed part until none is left, and posts each result with its arrays handed over.
 */
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { runScanTask, transferables, type WorkerMessage, type WorkerSetup } from './period-scan.js'

if (parentPort) {
  const port = parentPort
  const { file, spec, tasks, next } = workerData as WorkerSetup
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    // Pages are read into the connection's own cache rather than mapped: mapped pages count towards the
    // process's memory once per connection that maps them, and reading them here is no slower.
    db.pragma('mmap_size = 0')
    // 8 MB of cache each: the parts read mostly in order; 16 MB was no faster and 20–40 MB more memory in all.
    db.pragma('cache_size = -8000')
    for (;;) {
      const index = Atomics.add(next, 0, 1)
      if (index >= tasks.length) break
      const result = runScanTask(db, spec, tasks[index])
      port.postMessage({ type: 'result', index, result } satisfies WorkerMessage, transferables(result))
    }
    db.close()
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    port.postMessage({ type: 'error', message: e.message, stack: e.stack } satisfies WorkerMessage)
  }
}
