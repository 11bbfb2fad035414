// The one error a pull throws: a one-line message a person can act on, and a kind for callers.

export type DownloadErrorKind =
  | "invalid_ref" // the reference cannot be read
  | "not_found" // 404, or no file in the repo matches
  | "ambiguous" // several files match and none is preferred
  | "unauthorized" // 401/403: a token may be needed
  | "network" // the host cannot be reached, or the connection dropped
  | "http" // any other HTTP status
  | "integrity" // size, sha256 or GGUF header check failed
  | "cancelled"
  | "io"; // the cache folder cannot be written

export class DownloadError extends Error {
  override name = "DownloadError";
  readonly kind: DownloadErrorKind;
  /** The HTTP status behind the error, when there was one. */
  readonly status?: number;
  /** Worth another attempt: a connection dropped or reset (not refused), a 5xx, a 429. */
  readonly retryable: boolean;

  constructor(kind: DownloadErrorKind, message: string, options: { cause?: unknown; status?: number; retryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    const s = options.status;
    this.retryable = options.retryable ?? (kind === "http" && s !== undefined && (s >= 500 || s === 429));
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof DownloadError && error.retryable;
}
