// Any error -> OpenAI's `{"error": {message, type, param, code}}` body and its HTTP status.
import type { EngineErrorInfo, ErrorKind } from "../../core/index.ts";
import { INTERNAL_ERROR, toApiError } from "../http/errors.ts";
import type { OpenAIErrorBody } from "../../schemas/openai-chat.ts";

export const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  context_exceeded: 400,
  unsupported: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  timeout: 408,
  rate_limited: 429,
  internal: 500,
  overloaded: 503,
  unavailable: 503,
  insufficient_memory: 507,
};

/** OpenAI's `error.type` for a status. */
function errorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export interface OpenAIError {
  status: number;
  body: OpenAIErrorBody;
}

export function openAIError(api: EngineErrorInfo): OpenAIError {
  const status = STATUS[api.kind];
  return { status, body: { error: { message: api.message, type: errorType(status), param: api.param ?? null, code: api.code } } };
}

/** `code` is Elysia's error code from onError. Internals never leak: the caller logs them. */
export function toOpenAIError(err: unknown, code?: string | number): OpenAIError {
  return openAIError(toApiError(err, code) ?? INTERNAL_ERROR);
}

export function openAIErrorResponse(err: unknown, code?: string | number): Response {
  const api = toApiError(err, code) ?? INTERNAL_ERROR;
  const { status, body } = openAIError(api);
  return Response.json(body, { status, headers: api.headers });
}
