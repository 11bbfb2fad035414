// Any error -> OpenAI's `{"error": {message, type, param, code}}` body and its HTTP status.
import { NotFoundError, ParseError, ValidationError } from "elysia";
import { ApiError } from "../errors.ts";
import { validationError } from "./validation.ts";
import type { EngineErrorInfo } from "../../engine/types.ts";
import type { OpenAIErrorBody } from "../../schemas/openai-chat.ts";

export interface OpenAIError {
  status: number;
  body: OpenAIErrorBody;
}

/** `code` is Elysia's error code from onError, for errors that are not Elysia's own classes. */
export function toOpenAIError(err: unknown, code?: string | number): OpenAIError {
  const api = toApiError(err, code);
  if (api)
    return {
      status: api.status,
      body: { error: { message: api.message, type: api.type, param: api.param ?? null, code: api.code } },
    };
  // Never leak internals (stack traces, paths) to clients; the server logs the original.
  return {
    status: 500,
    body: { error: { message: "Internal server error.", type: "server_error", param: null, code: "internal_error" } },
  };
}

export function openAIErrorResponse(err: unknown, code?: string | number): Response {
  const { status, body } = toOpenAIError(err, code);
  return Response.json(body, { status });
}

export const engineError = (e: EngineErrorInfo) => new ApiError(e.status, e.code, e.message, e.param);

function toApiError(err: unknown, code?: string | number): ApiError | undefined {
  if (err instanceof ApiError) return err;
  // A response that fails its schema is our bug, not the client's: leave it a 500.
  if (err instanceof ValidationError && err.type === "response") return undefined;
  if (err instanceof ValidationError || code === "VALIDATION") return validationError(err as ValidationError);
  if (err instanceof ParseError || code === "PARSE") {
    // A custom parse hook's own ApiError (413, invalid_json) arrives wrapped as the cause.
    const cause = (err as Error | undefined)?.cause;
    if (cause instanceof ApiError) return cause;
    return new ApiError(400, "invalid_json", "We could not parse the JSON body of your request.");
  }
  if (err instanceof NotFoundError || code === "NOT_FOUND")
    return new ApiError(404, "not_found", "The requested resource does not exist.");
  return undefined;
}
