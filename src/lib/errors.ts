/**
 * Typed errors. Every error a person can cause is an AppError with a stable English code, a Chinese
 * message and an optional Chinese hint; BaseCommand.catch() maps the class to the exit code.
 */

export interface ErrorOptions {
  hint?: string
  details?: unknown
  cause?: unknown
}

export abstract class AppError extends Error {
  abstract readonly exitCode: number
  readonly code: string
  readonly hint?: string
  readonly details?: unknown

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.hint = options.hint
    this.details = options.details
  }
}

/** Bad or missing flags, or a prompt that is needed when nobody can answer it. Exit 2. */
export class UsageError extends AppError {
  readonly exitCode = 2
}

/** Input that breaks the rules: bad rows, bad template fields, bad config values. Exit 3. */
export class ValidationError extends AppError {
  readonly exitCode = 3
}

/** An unknown region, person, task, batch or template. Exit 4. */
export class NotFoundError extends AppError {
  readonly exitCode = 4
}

/** Something already exists or has already happened. Exit 5. */
export class ConflictError extends AppError {
  readonly exitCode = 5
}

/** The database cannot be opened, is locked, damaged or too new. Exit 6. */
export class DatabaseError extends AppError {
  readonly exitCode = 6
}

/** Unreadable input, unwritable output, a failed render. Exit 7. */
export class FileError extends AppError {
  readonly exitCode = 7
}

/** The person cancelled (Ctrl-C or an aborted prompt). Exit 130. */
export class CancelledError extends AppError {
  readonly exitCode = 130
}

export const EXIT_CODES = {
  ok: 0,
  internal: 1,
  usage: 2,
  validation: 3,
  notFound: 4,
  conflict: 5,
  database: 6,
  file: 7,
  cancelled: 130,
} as const
