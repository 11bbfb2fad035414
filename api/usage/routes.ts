// GET /v1/usage: the usage ledger summed per bucket and overall. A token sees its own usage; an
// admin token (and anyone, on a server without auth: it is local) sees every token's.
import { Elysia } from "elysia";
import { OpenAIErrorBody } from "../../schemas/openai-chat.ts";
import { UsageQuery, UsageReport, type UsageBucket, type UsageSums } from "../../schemas/usage.ts";
import type { UsageGroup, UsageLedger, UsageBucket as LedgerBucket, UsageSums as LedgerSums } from "../../store/ledger.ts";
import { ApiError, badRequest, echo } from "../http/errors.ts";
import { requestContext } from "../http/requestContext.ts";
import { openAIErrorResponse } from "../openai/errors.ts";
import { parseTime } from "./timeRange.ts";

export interface UsageRoutesOptions {
  /** Auth is on: a request without a token is refused here too (the auth plugin refuses it first). */
  auth: boolean;
}

const GROUPS = new Set<UsageGroup>(["model", "day", "token", "endpoint"]);
const KNOWN = new Set(["from", "to", "group_by", "token_id"]);
const errors = { 400: OpenAIErrorBody, 401: OpenAIErrorBody, 403: OpenAIErrorBody };

export function usageRoutes(ledger: UsageLedger, options: UsageRoutesOptions) {
  return new Elysia({ name: "usage", detail: { tags: ["Usage"] } })
    .onError(({ code, error }) => openAIErrorResponse(error, code))
    .get(
      "/v1/usage",
      ({ query, request }) => {
        for (const key of Object.keys(query)) if (!KNOWN.has(key)) throw badRequest(`Unknown query parameter '${echo(key)}'.`, key, "unknown_parameter");
        const fromMs = parseTime(one(query.from, "from"), "from", false);
        const toMs = parseTime(one(query.to, "to"), "to", true);
        if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) throw badRequest("from must be before to.", "from", "invalid_value");
        const groupBy = groups(query.group_by);
        const tokenId = whose(request, one(query.token_id, "token_id"), options);
        const { buckets, total } = ledger.report({ fromMs, toMs, tokenId, groupBy });
        return {
          object: "usage.report" as const,
          from: fromMs === undefined ? null : new Date(fromMs).toISOString(),
          to: toMs === undefined ? null : new Date(toMs).toISOString(),
          token_id: tokenId ?? null,
          group_by: groupBy,
          data: buckets.map(toBucket),
          total: toSums(total),
        };
      },
      {
        query: UsageQuery,
        response: { 200: UsageReport, ...errors },
        detail: {
          summary: "Usage per model and day",
          description:
            "Requests, tokens and credits from the usage ledger, per bucket and in total. A token sees its own usage; " +
            "an `admin` token sees every token's (or one's, with `token_id`). Without auth, everything is visible.",
        },
      },
    );
}

/** A parameter given twice is ambiguous: refused rather than one of them picked. */
function one(value: unknown, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badRequest(`${param} may be given once.`, param);
  return value;
}

function groups(value: unknown): UsageGroup[] {
  const list = Array.isArray(value) ? value.join(",") : (one(value, "group_by") ?? "model,day");
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of names)
    if (!GROUPS.has(name as UsageGroup))
      throw badRequest(`group_by: '${echo(name)}' is not one of model, day, token, endpoint.`, "group_by", "invalid_value");
  return [...new Set(names as UsageGroup[])];
}

/** Whose rows: undefined for every token's. */
function whose(request: Request, asked: string | undefined, options: UsageRoutesOptions): string | undefined {
  const token = requestContext(request).token;
  if (!token) {
    if (options.auth) throw new ApiError("authentication", "missing_api_key", "Missing API token.");
    return asked;
  }
  if (token.scopes.includes("admin")) return asked;
  if (asked !== undefined && asked !== token.id)
    throw new ApiError("permission", "insufficient_scope", "Only an admin token may read another token's usage.", "token_id");
  return token.id;
}

function toSums(s: LedgerSums): UsageSums {
  return {
    requests: s.requests,
    errors: s.errors,
    in_flight: s.inFlight,
    prompt_tokens: s.promptTokens,
    cached_tokens: s.cachedTokens,
    completion_tokens: s.completionTokens,
    reasoning_tokens: s.reasoningTokens,
    total_tokens: s.promptTokens + s.completionTokens,
    credits: Math.round(s.credits * 1e6) / 1e6,
  };
}

function toBucket(b: LedgerBucket): UsageBucket {
  const bucket: UsageBucket = {} as UsageBucket;
  if (b.model !== undefined) bucket.model = b.model;
  if (b.day !== undefined) bucket.day = b.day;
  if (b.tokenId !== undefined) bucket.token_id = b.tokenId;
  if (b.endpoint !== undefined) bucket.endpoint = b.endpoint;
  return Object.assign(bucket, toSums(b));
}
