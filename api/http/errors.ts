// Errors as classes carrying a meaning (ErrorKind) and a code; each protocol maps the kind to
// its own HTTP status and body. Also turns Elysia's own errors into ApiErrors, once for all.
import { NotFoundError, ParseError, ValidationError } from "elysia";
import type { EngineErrorInfo, ErrorKind } from "../../core/index.ts";
import { validationError } from "./validation.ts";

export class ApiError extends Error {
  readonly param?: string;

  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    param?: string,
    /** Extra response headers (Retry-After...). */
    readonly headers?: Record<string, string>,
  ) {
    // Bounded here, whoever built the message: a value echoed from a 1 MB field stays short.
    super(bounded(message, MESSAGE_LIMIT));
    this.param = param === undefined ? undefined : bounded(param, ECHO_LIMIT);
  }

  static from(info: EngineErrorInfo): ApiError {
    return new ApiError(info.kind, info.code, info.message, info.param);
  }
}

export const badRequest = (message: string, param?: string, code = "invalid_request") =>
  new ApiError("invalid_request", code, message, param);

export const unsupportedParameter = (param: string, what = param) =>
  new ApiError("unsupported", "unsupported_parameter", `${what} is not supported yet.`, param);

/** Longest part of a client's value echoed in an error message. */
const ECHO_LIMIT = 256;
export const echo = (value: string) => (value.length > ECHO_LIMIT ? `${value.slice(0, ECHO_LIMIT)}…` : value);

/** Longest error message: room for a few echoed values and the words around them. */
const MESSAGE_LIMIT = 1024;

/** Head and tail of a long text (the tail often says what to do), cut in the middle. */
function bounded(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const tail = Math.floor(limit / 4);
  return `${text.slice(0, limit - tail - 1)}…${text.slice(-tail)}`;
}

export const modelNotFound = (name: string, available: string[]) =>
  new ApiError(
    "not_found",
    "model_not_found",
    `The model '${echo(name)}' does not exist. Available: ${available.map((m) => `'${m}'`).join(", ") || "none"}.`,
    "model",
  );

/**
 * Any thrown value -> an ApiError, or undefined for an internal error that must not leak.
 * `code` is Elysia's error code from onError, for errors that are not Elysia's own classes.
 */
export function toApiError(err: unknown, code?: string | number): ApiError | undefined {
  if (err instanceof ApiError) return err;
  // A response that fails its schema is our bug, not the client's: leave it a 500.
  if (err instanceof ValidationError && err.type === "response") return undefined;
  if (err instanceof ValidationError || code === "VALIDATION") return validationError(err as ValidationError);
  if (err instanceof ParseError || code === "PARSE") {
    // A custom parse hook's own ApiError (413, invalid_json) arrives wrapped as the cause.
    const cause = (err as Error | undefined)?.cause;
    if (cause instanceof ApiError) return cause;
    return new ApiError("invalid_request", "invalid_json", "We could not parse the JSON body of your request.");
  }
  if (err instanceof NotFoundError || code === "NOT_FOUND")
    return new ApiError("not_found", "not_found", "The requested resource does not exist.");
  return undefined;
}

export const INTERNAL_ERROR = new ApiError("internal", "internal_error", "Internal server error.");
