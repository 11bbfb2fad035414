// Any error -> Anthropic's `{"type":"error","error":{type,message}}` body and its HTTP status.
import type { EngineErrorInfo, ErrorKind } from "../../core/index.ts";
import { INTERNAL_ERROR, toApiError } from "../http/errors.ts";

const SHAPE: Record<ErrorKind, [status: number, type: string]> = {
  invalid_request: [400, "invalid_request_error"],
  context_exceeded: [400, "invalid_request_error"],
  unsupported: [400, "invalid_request_error"],
  authentication: [401, "authentication_error"],
  permission: [403, "permission_error"],
  not_found: [404, "not_found_error"],
  conflict: [409, "invalid_request_error"],
  gone: [410, "invalid_request_error"],
  too_large: [413, "request_too_large"],
  timeout: [408, "invalid_request_error"],
  rate_limited: [429, "rate_limit_error"],
  internal: [500, "api_error"],
  overloaded: [529, "overloaded_error"],
  unavailable: [529, "overloaded_error"],
  insufficient_memory: [507, "api_error"],
};

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
}

export function anthropicError(err: EngineErrorInfo): { status: number; body: AnthropicErrorBody } {
  const [status, type] = SHAPE[err.kind];
  // Anthropic bodies have no `param`: name the field in the message instead.
  const message = err.param && !err.message.includes(err.param) ? `${err.param}: ${err.message}` : err.message;
  return { status, body: { type: "error", error: { type, message } } };
}

/** `requestId`: the request's own id (requestContext: x-request-id, metadata.request_id or a generated one). */
export function anthropicErrorResponse(err: unknown, code: string | number | undefined, requestId: string): Response {
  const api = toApiError(err, code) ?? INTERNAL_ERROR;
  const { status, body } = anthropicError(api);
  return Response.json(body, { status, headers: { ...api.headers, ...requestIdHeaders(requestId) } });
}

/** On every answer: the SDKs read `request-id`, some proxies `anthropic-request-id`. */
export const requestIdHeaders = (id: string) => ({ "request-id": id, "anthropic-request-id": id });
