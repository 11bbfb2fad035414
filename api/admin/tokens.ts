// Admin endpoints for API tokens: create (the secret is answered this once), list, revoke (at
// once: every request looks its token up). The auth plugin requires the `admin` scope here.
import { Elysia, t } from "elysia";
import { CreatedToken, TokenCreateRequest, TokenList, TokenObject } from "../../schemas/admin.ts";
import { OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import { parseExpiry, parseScopes, TokenError, type TokenRecord, type TokenSpec, type TokenStore } from "../../store/tokens.ts";
import { DEFAULT_MAX_BODY_BYTES, jsonBody } from "../http/body.ts";
import { ApiError, badRequest } from "../http/errors.ts";
import { protocolErrorHandler } from "../http/onError.ts";
import { openAIErrorResponse } from "../openai/errors.ts";

const errors = { 400: OpenAIErrorBody, 401: OpenAIErrorBody, 403: OpenAIErrorBody, 404: OpenAIErrorBody, 409: OpenAIErrorBody };

const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.floor(ms / 1000));

export function toTokenObject(token: TokenRecord): TokenObject {
  return {
    id: token.id,
    object: "api_token",
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    models: token.models ?? null,
    groups: token.groups ?? null,
    expires_at: seconds(token.expiresAt),
    quotas: {
      requests_per_minute: token.quotas.requestsPerMinute ?? null,
      tokens_per_day: token.quotas.tokensPerDay ?? null,
      credits_per_month: token.quotas.creditsPerMonth ?? null,
    },
    created_at: seconds(token.createdAt)!,
    revoked_at: seconds(token.revokedAt),
    last_used_at: seconds(token.lastUsedAt),
  };
}

/** The request body as a TokenSpec; every field is used or refused. */
function toSpec(body: TokenCreateRequest, now: number): TokenSpec {
  if (body.expires_at != null && body.expires_in != null) throw badRequest("give expires_at or expires_in, not both", "expires_in");
  let expiresAt: number | undefined;
  if (typeof body.expires_at === "number") expiresAt = body.expires_at * 1000;
  else if (typeof body.expires_at === "string") expiresAt = Date.parse(body.expires_at);
  else if (body.expires_in != null) expiresAt = parseExpiry(body.expires_in, now);
  return {
    name: body.name,
    scopes: parseScopes(body.scopes),
    models: body.models ?? undefined,
    groups: body.groups ?? undefined,
    expiresAt,
    quotas: {
      requestsPerMinute: body.requests_per_minute ?? undefined,
      tokensPerDay: body.tokens_per_day ?? undefined,
      creditsPerMonth: body.credits_per_month ?? undefined,
    },
  };
}

const fromTokenError = (error: unknown) =>
  error instanceof TokenError
    ? new ApiError(error.kind === "conflict" ? "conflict" : "invalid_request", error.kind === "conflict" ? "token_name_taken" : "invalid_request", error.message, error.field === "expires" ? "expires_at" : error.field)
    : error;

export function adminTokenRoutes(tokens: TokenStore, options: { maxBodyBytes?: number } = {}) {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return new Elysia({ name: "admin-tokens", detail: { tags: ["Admin"] } })
    .onError(protocolErrorHandler(TokenCreateRequest, openAIErrorResponse, "admin"))
    .post(
      "/v1/admin/tokens",
      // An unknown field is refused by jsonBody's check (the schema is closed), naming it.
      ({ body, set }) => {
        try {
          const { token, secret } = tokens.create(toSpec(body, Date.now()));
          set.status = 201;
          return { ...toTokenObject(token), secret };
        } catch (error) {
          throw fromTokenError(error);
        }
      },
      {
        parse: jsonBody(limit, TokenCreateRequest),
        body: TokenCreateRequest,
        response: { 201: CreatedToken, ...errors },
        detail: { summary: "Create an API token", description: "Answers the secret once; only its hash is stored. Needs the `admin` scope." },
      },
    )
    .get("/v1/admin/tokens", () => ({ object: "list" as const, data: tokens.list().map(toTokenObject) }), {
      response: { 200: TokenList, ...errors },
      detail: { summary: "List API tokens", description: "Never the secrets: ids, names, prefixes, scopes, limits, quotas, revocation, last use." },
    })
    .delete(
      "/v1/admin/tokens/:id",
      ({ params }) => {
        const token = tokens.revoke(params.id);
        if (!token) throw new ApiError("not_found", "token_not_found", `No token with the id or name '${params.id.slice(0, 64)}'.`, "id");
        return toTokenObject(token);
      },
      {
        params: t.Object({ id: t.String() }),
        response: { 200: TokenObject, ...errors },
        detail: { summary: "Revoke an API token (by id or name)", description: "Takes effect at the next request." },
      },
    );
}
