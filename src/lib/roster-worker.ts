/**
 * Runs a RosterStream in a worker thread, so that reading and validating a large file (one core)
 * overlaps with writing it to SQLite (the other core). Messages:
 *   in:  setup (StreamSetup) · header (extra mappings) · start · ack (one batch consumed)
 *   out: header (HeaderFound) · batch (RowBatch) · done · error (a serialised AppError)
 * At most MAX_IN_FLIGHT batches wait unconsumed, so memory stays flat however fast the reader is.
 */
import { parentPort } from 'node:worker_threads'
import { AppError } from './errors.js'
import { RosterStream, type StreamSetup } from './roster-stream.js'
import type { RosterField } from './roster-fields.js'

export const MAX_IN_FLIGHT = 3

export type ToWorker =
  | { type: 'setup'; setup: StreamSetup }
  | { type: 'header'; add: Array<[string, RosterField]> }
  | { type: 'start' }
  | { type: 'ack' }

export interface SerializedError {
  appError: boolean
  name: string
  code?: string
  message: string
  hint?: string
  details?: unknown
  stack?: string
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof AppError) {
    return { appError: true, name: error.name, code: error.code, message: error.message, hint: error.hint, details: error.details }
  }
  const e = error as Error
  return { appError: false, name: e?.name ?? 'Error', message: e?.message ?? String(error), stack: e?.stack }
}

if (parentPort) {
  const port = parentPort
  let stream: RosterStream | null = null
  let credits = MAX_IN_FLIGHT
  let wake: (() => void) | null = null

  const run = async () => {
    for await (const batch of stream!.batches()) {
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve))
      credits--
      port.postMessage({ type: 'batch', batch })
    }
    port.postMessage({ type: 'done' })
  }

  port.on('message', (message: ToWorker) => {
    const fail = (error: unknown) => port.postMessage({ type: 'error', error: serializeError(error) })
    try {
      if (message.type === 'setup') {
        RosterStream.open(message.setup).then((s) => {
          stream = s
          port.postMessage({ type: 'header', header: s.header() })
        }, fail)
      } else if (message.type === 'header') {
        port.postMessage({ type: 'header', header: stream!.header(message.add) })
      } else if (message.type === 'start') {
        run().catch(fail)
      } else if (message.type === 'ack') {
        credits++
        wake?.()
        wake = null
      }
    } catch (error) {
      fail(error)
    }
  })
}
