/**
 * Runs a RosterStream in a worker thread, so that reading and validating a large file (one core)
 * overlaps with writing it to SQLite (the other core). Messages:
 *   in (parentPort):     setup (StreamSetup) · header (extra mappings) · start · ack (one batch consumed)
 *   out (channel port):  header (HeaderFound) · batch (RowBatch) · sha256 (when asked for) · done ·
 *                        error (a serialised AppError)
 * The writer pulls messages off the channel port when it wants the next one (receiveMessageOnPort)
 * instead of having the event loop deliver them, so a batch is only deserialised onto its heap when
 * it is about to be written; every message out also bumps a shared counter to wake a waiting writer.
 * At most MAX_IN_FLIGHT batches wait unconsumed, so memory stays flat however fast the reader is.
 * When the writer hands it the hashing too (the database has no roster import yet) and the header is
 * complete, the worker starts validating straight away rather than waiting for start.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads'
import { AppError } from './errors.js'
import { builtinRegions } from './regions.js'
import { type HeaderFound, type RowBatch, RosterStream, type StreamSetup } from './roster-stream.js'
import type { RosterField } from './roster-fields.js'
import { sha256File } from './table-reader.js'

export const MAX_IN_FLIGHT = 16

export type ToWorker =
  /** hash: also work out the file's sha256 and send it before done. */
  | { type: 'setup'; setup: StreamSetup; hash: boolean }
  | { type: 'header'; add: Array<[string, RosterField]> }
  | { type: 'start' }
  | { type: 'ack' }

export type FromWorker =
  | { type: 'header'; header: HeaderFound }
  | { type: 'batch'; batch: RowBatch }
  | { type: 'sha256'; sha256: string }
  | { type: 'done' }
  | { type: 'error'; error: SerializedError }

/** What the worker is started with: the port its messages go out on and the counter it bumps for each. */
export interface WorkerChannel {
  port: MessagePort
  signal: Int32Array
}

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
  // Build the region table now, while the writer is still reading the database for the setup.
  builtinRegions()
  const port = parentPort
  const { port: out, signal } = workerData as WorkerChannel
  let stream: RosterStream | null = null
  let started = false
  let credits = MAX_IN_FLIGHT
  let wake: (() => void) | null = null
  let hashed: Promise<void> = Promise.resolve()

  const post = (message: FromWorker) => {
    // A batch's accepted rows are one block of memory, handed over rather than copied.
    out.postMessage(message, message.type === 'batch' ? [message.batch.accepted.buffer as ArrayBuffer] : [])
    Atomics.add(signal, 0, 1)
    Atomics.notify(signal, 0)
  }
  const fail = (error: unknown) => post({ type: 'error', error: serializeError(error) })

  const run = async () => {
    if (started) return
    started = true
    for await (const batch of stream!.batches()) {
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve))
      credits--
      post({ type: 'batch', batch })
    }
    await hashed
    post({ type: 'done' })
  }

  port.on('message', (message: ToWorker) => {
    try {
      if (message.type === 'setup') {
        // Hashing reads the file a second time, interleaved with the reading for rows.
        if (message.hash) hashed = sha256File(message.setup.file).then((sha256) => post({ type: 'sha256', sha256 }))
        hashed.catch(fail)
        RosterStream.open(message.setup).then((s) => {
          stream = s
          const header = s.header()
          post({ type: 'header', header })
          // With a complete header and no earlier import to compare the file with (the writer asked for
          // the hash), the writer will want every row: start now rather than wait for its start. When the
          // writer hashes the file first, it may yet find the file imported before, and an early start
          // only slows its hashing.
          if (message.hash && header.missing.length === 0) run().catch(fail)
        }, fail)
      } else if (message.type === 'header') {
        post({ type: 'header', header: stream!.header(message.add) })
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
