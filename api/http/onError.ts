// A protocol plugin's onError: validation errors are re-checked against the client's original
// body (Elysia normalizes it first and may name the wrong field), then shaped by the protocol.
import type { TSchema } from "@sinclair/typebox";
import { rawBodyOf } from "./body.ts";
import { ApiError } from "./errors.ts";
import { requestContext } from "./requestContext.ts";
import { validationErrorFor } from "./validation.ts";

/** `requestId`: the request's own, for protocols that put it on their errors (Anthropic's request-id). */
type ErrorResponder = (err: unknown, code: string | number | undefined, requestId: string) => Response;

export function protocolErrorHandler(schema: TSchema, respond: ErrorResponder, name: string) {
  return ({ code, error, request }: { code: string | number; error: unknown; request: Request }) => {
    const raw = code === "VALIDATION" ? rawBodyOf(request) : undefined;
    const precise = raw === undefined ? undefined : validationErrorFor(schema, JSON.parse(raw));
    const res = respond(precise ?? error, code, requestContext(request).requestId);
    if (res.status >= 500 && !(error instanceof ApiError)) console.error(`${name} route error:`, error);
    return res;
  };
}
