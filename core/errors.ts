// What went wrong, as a meaning. Each protocol maps a kind to its own HTTP status and error body
// (OpenAI 503 vs Anthropic 529 for "overloaded"); nothing here knows about HTTP.

export type ErrorKind =
  | "invalid_request"
  /** The prompt does not fit the context. */
  | "context_exceeded"
  /** A valid request for something this server does not do (a feature, a schema keyword). */
  | "unsupported"
  | "not_found"
  | "authentication"
  | "permission"
  | "conflict"
  | "gone"
  | "too_large"
  /** The client took too long to send its request. */
  | "timeout"
  | "rate_limited"
  /** Too much work queued: retry later. */
  | "overloaded"
  /** The model is not ready (loading, restarting). */
  | "unavailable"
  /** The model cannot be loaded in the memory this server may use. */
  | "insufficient_memory"
  | "internal";

export interface EngineErrorInfo {
  kind: ErrorKind;
  /** Machine-readable detail, e.g. "context_length_exceeded", "runner_crashed". */
  code: string;
  message: string;
  /** The request field at fault, in the protocol-neutral sense ("messages", "tools"). */
  param?: string;
}
