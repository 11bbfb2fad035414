// Bearer-token authentication ahead of every protocol plugin: who is calling (401), may this token
// call this endpoint and model (403), is it within its quotas (429 with Retry-After). Errors come
// in the shape of the path's protocol. Used only when auth is on.
import { Elysia } from "elysia";
import type { Engine } from "../core/index.ts";
import type { UsageLedger } from "../store/ledger.ts";
import type { Scope, TokenRecord, TokenStore } from "../store/tokens.ts";
import { anthropicError, requestIdHeaders } from "./anthropic/errors.ts";
import { ApiError } from "./http/errors.ts";
import { requestContext } from "./http/requestContext.ts";
import { openAIError } from "./openai/errors.ts";
import { QuotaGate } from "./quota.ts";

export interface AuthOptions {
  tokens: TokenStore;
  ledger: UsageLedger;
}

/** What a path needs: a scope, any valid token ("token"), or nothing ("open"). */
type Need = Scope | "token" | "open";

/**
 * The scope of a request. Paths are taken as the router sees them; bare paths (/chat/completions)
 * count as their /v1 route. Anything not listed needs `admin`, so a route added later, or a path
 * spelled oddly, is never more open than intended.
 */
export function scopeFor(method: string, path: string): Need {
  if (path === "/health" || path === "/openapi" || path.startsWith("/openapi/")) return "open";
  const p = (path.startsWith("/v1/") ? path.slice(3) : path).replace(/(.)\/+$/, "$1");
  if (p.split("/").some((s) => s === "." || s === ".." || s === "%2e" || s === "%2e%2e" || s === "%2E" || s === "%2E%2E")) return "admin";
  if (p === "/chat/completions" || p === "/chat/resume") return "chat-completions";
  if (p === "/messages" || p === "/messages/count_tokens") return "messages";
  if (/^\/responses(\/[^/]+(\/(cancel|input_items))?)?$/.test(p)) return "responses";
  if (method === "GET" && (p === "/models" || p.startsWith("/models/"))) return "models";
  if (p === "/metrics") return "metrics";
  if (p === "/usage") return "token";
  return "admin";
}

/** Requests that generate, and so count against quotas (the ones the usage ledger records). */
const isGeneration = (method: string, path: string) =>
  method === "POST" && /^(\/v1)?\/(chat\/completions|chat\/resume|messages|responses)\/?$/.test(path);

/** Requests whose body names a model the token may be limited to (a resume continues its group's). */
const namesModel = (method: string, path: string) =>
  method === "POST" && /^(\/v1)?\/(chat\/completions|messages|messages\/count_tokens|responses)\/?$/.test(path);

/** The secret from `Authorization: Bearer` or (Anthropic's SDK) `x-api-key`. */
export function presentedSecret(headers: Headers): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "")?.[1];
  return bearer ?? (headers.get("x-api-key")?.trim() || undefined);
}

/**
 * The path exactly as Elysia's router reads it (from the first "/" at index 11 or later), so the
 * scope is decided on the path that gets routed, whatever the Host header (a one-letter host
 * shifts that start into the path).
 */
function pathOf(url: string): string {
  const start = url.indexOf("/", 11);
  const query = url.indexOf("?", start + 1);
  return query === -1 ? url.substring(start) : url.substring(start, query);
}

/** Anthropic's shape on its paths, and on the model list when an Anthropic client asks (as the models routes answer). */
const isAnthropic = (request: Request, path: string) =>
  /^(\/v1)?\/messages(\/|$)/.test(path) || (/^(\/v1)?\/models(\/|$)/.test(path) && request.headers.has("anthropic-version"));

/** An error in the shape of the path's protocol, with the request id and any CORS headers set so far. */
function refuse(request: Request, path: string, error: ApiError, set: Record<string, unknown>): Response {
  const { requestId } = requestContext(request);
  const headers = new Headers();
  for (const [k, v] of Object.entries(set)) if (typeof v === "string") headers.set(k, v);
  for (const [k, v] of Object.entries(error.headers ?? {})) headers.set(k, v);
  headers.set("x-request-id", requestId);
  if (isAnthropic(request, path)) {
    const { status, body } = anthropicError(error);
    for (const [k, v] of Object.entries(requestIdHeaders(requestId))) headers.set(k, v);
    return Response.json(body, { status, headers });
  }
  const { status, body } = openAIError(error);
  return Response.json({ error: { ...body.error, request_id: requestId } }, { status, headers });
}

const unauthenticated = (message: string, code: string) =>
  new ApiError("authentication", code, message, undefined, { "www-authenticate": 'Bearer realm="bunllama"' });

/** Why a token may not be used now, if it may not. */
function unusable(token: TokenRecord | undefined, now: number): ApiError | undefined {
  if (!token) return unauthenticated("Invalid API token.", "invalid_api_key");
  if (token.revokedAt !== undefined) return unauthenticated("This API token has been revoked.", "token_revoked");
  if (token.expiresAt !== undefined && token.expiresAt <= now) return unauthenticated("This API token has expired.", "token_expired");
  return undefined;
}

/** The model a generation body asks for (every protocol's schema requires it). */
function requestedModel(body: unknown): string {
  const model = (body as { model?: unknown } | null)?.model;
  return typeof model === "string" ? model : "";
}

export function authPlugin(engine: Engine, { tokens, ledger }: AuthOptions) {
  const quotas = new QuotaGate(ledger);
  const sameModel = (allowed: string, requested: string) => {
    if (allowed === requested) return true;
    const id = engine.resolveModel(requested);
    return id !== undefined && engine.resolveModel(allowed) === id;
  };

  const release = (request: Request) => {
    const context = requestContext(request);
    if (context.token) quotas.release(context.token.id, context.executionId);
  };

  return new Elysia({ name: "auth" })
    .onRequest(({ request, set }) => {
      const path = pathOf(request.url);
      const need = scopeFor(request.method, path);
      if (need === "open") return;
      const headers = set.headers as Record<string, unknown>;
      const secret = presentedSecret(request.headers);
      if (!secret)
        return refuse(request, path, unauthenticated("Missing API token: send it as 'Authorization: Bearer <token>' (or 'x-api-key').", "missing_api_key"), headers);
      const now = Date.now();
      const token = tokens.verify(secret);
      const denied = unusable(token, now);
      if (denied || !token) return refuse(request, path, denied!, headers);
      if (need !== "token" && !token.scopes.includes(need))
        return refuse(request, path, new ApiError("permission", "insufficient_scope", `This token lacks the '${need}' scope this endpoint needs.`), headers);
      const context = requestContext(request);
      if (isGeneration(request.method, path)) {
        const over = quotas.admit(token, context.executionId, now);
        if (over)
          return refuse(request, path, new ApiError("rate_limited", "quota_exceeded", over.message, undefined, { "retry-after": String(over.retryAfter) }), headers);
      }
      tokens.touch(token.id, now);
      context.token = { id: token.id, name: token.name, scopes: token.scopes, models: token.models, groups: token.groups };
    })
    .onBeforeHandle(({ request, body, set }) => {
      // After parsing: the body names the model. Aliases and ids of one model are the same model.
      const allowed = requestContext(request).token?.models;
      const path = pathOf(request.url);
      if (!allowed || !namesModel(request.method, path)) return;
      const requested = requestedModel(body);
      // A group is not a model: the token's group list decides (the group engine checks it).
      if (requested.startsWith("group:")) return;
      if (allowed.some((m) => sameModel(m, requested))) return;
      release(request);
      return refuse(
        request,
        path,
        new ApiError("permission", "model_not_allowed", `This token may not use the model '${requested.slice(0, 256)}'.`, "model"),
        set.headers as Record<string, unknown>,
      );
    })
    // The quota hold ends with the answer: by then an admitted generation has its ledger row (it
    // opens with the first event, which the route awaits), and a refused one never will. Released
    // here rather than in onAfterResponse alone, which runs a tick later.
    .onAfterHandle(({ request }) => release(request))
    .onError(({ request }) => release(request))
    .onAfterResponse(({ request }) => release(request))
    .as("global");
}
