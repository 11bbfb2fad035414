// The request id on every response (`x-request-id`), and the caller of a generation: its ids
// from the request context, the client's `metadata.request_id` and `metadata.mode`.
import { Elysia } from "elysia";
import type { RequestCaller } from "../../core/index.ts";
import { badRequest } from "./errors.ts";
import { requestContext } from "./requestContext.ts";

export const REQUEST_ID_HEADER = "x-request-id";

type Headers = Record<string, string | number | string[] | undefined>;

/**
 * Sets the header as the request arrives: Elysia merges `set.headers` into whatever answers the
 * request (a handler's value or Response, an SSE stream, onError's Response, a 404, an early
 * onRequest answer of a plugin used after this one). Use it before the other plugins.
 */
export function requestIdPlugin() {
  return new Elysia({ name: "request-id" }).onRequest(({ request, set }) => {
    set.headers[REQUEST_ID_HEADER] = requestContext(request).requestId;
  });
}

/** OpenAI's limits on a metadata map: 16 keys of up to 64 characters, string values up to 512. */
export function checkMetadata(metadata: Record<string, unknown> | null | undefined, param = "metadata"): void {
  if (metadata == null) return;
  const keys = Object.keys(metadata);
  if (keys.length > 16) throw badRequest(`${param} has ${keys.length} keys; at most 16 are allowed.`, param);
  for (const key of keys) {
    if (key.length > 64) throw badRequest(`${param} keys are at most 64 characters long.`, `${param}.${key.slice(0, 64)}`);
    const value = metadata[key];
    if (typeof value !== "string") throw badRequest(`${param}.${key} must be a string.`, `${param}.${key}`, "invalid_type");
    if (value.length > 512) throw badRequest(`${param}.${key} is at most 512 characters long.`, `${param}.${key}`);
  }
}

/**
 * The generation's caller. A `metadata.request_id` becomes the request's id from here on (the
 * header, errors, the ledger); it must fit in a header: 1 to 128 visible ASCII characters.
 */
export function requestCaller(
  request: Request,
  set: { headers: Headers },
  endpoint: string,
  metadata: { request_id?: unknown; mode?: unknown } | null | undefined,
  param = "metadata",
): RequestCaller {
  const context = requestContext(request);
  const id = metadata?.request_id;
  if (id != null) {
    if (typeof id !== "string" || !/^[\x21-\x7e]{1,128}$/.test(id))
      throw badRequest(`${param}.request_id must be 1 to 128 visible ASCII characters (no spaces).`, `${param}.request_id`);
    context.requestId = id;
    set.headers[REQUEST_ID_HEADER] = id;
  }
  const mode = metadata?.mode;
  if (mode != null && typeof mode !== "string") throw badRequest(`${param}.mode must be a string.`, `${param}.mode`, "invalid_type");
  return {
    requestId: context.requestId,
    executionId: context.executionId,
    endpoint,
    ...(context.token ? { tokenId: context.token.id } : {}),
    ...(context.token?.groups ? { tokenGroups: context.token.groups } : {}),
    ...(mode != null ? { mode } : {}),
  };
}
