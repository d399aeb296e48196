/**
 * Lets go of garbage at a point where a command knows a large piece of work has just ended and another is
 * about to start: V8 collects lazily, so a province's gap check leaves ≈ 100 MB of dead arrays that would
 * still be counted when the export of half a million rows adds its own (peak 500 → 450 MB). Costs a full
 * collection (≈ 0.05 s); a no-op where the runtime does not allow it.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let collect: (() => void) | null | undefined

export function collectGarbage(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    } catch {
      collect = null
    }
  }
  collect?.()
}
