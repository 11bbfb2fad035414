// GET /v1/usage: the usage ledger summed per bucket (model, day, token, endpoint) and overall.
import { t } from "elysia";
import { Int } from "./common.ts";

export const UsageQuery = t.Object(
  {
    from: t.Optional(t.String({ description: "Start, inclusive: Unix seconds, an ISO date (00:00 UTC) or an ISO date-time." })),
    to: t.Optional(
      t.String({ description: "End, exclusive: Unix seconds or an ISO date-time; an ISO date includes that whole day (UTC)." }),
    ),
    group_by: t.Optional(
      t.String({ description: "Comma-separated buckets: model, day (UTC), token, endpoint; default `model,day`; empty: the total only." }),
    ),
    token_id: t.Optional(t.String({ description: "Admin tokens (and a server without auth): one token's usage only." })),
  },
  // Open so that an unknown parameter is named in the 400 (Elysia would drop it).
  { additionalProperties: true },
);
export type UsageQuery = typeof UsageQuery.static;

const sums = {
  requests: Int({ description: "Requests recorded (admitted by the engine), finished or not." }),
  errors: Int({ description: "Requests that ended with a status of 400 or more (499: the client went away)." }),
  in_flight: Int({ description: "Requests not finished yet (or cut by a server crash)." }),
  prompt_tokens: Int(),
  cached_tokens: Int({ description: "Prompt tokens served from the prompt cache (part of prompt_tokens)." }),
  completion_tokens: Int({ description: "Generated tokens, reasoning included." }),
  reasoning_tokens: Int(),
  total_tokens: Int({ description: "prompt_tokens + completion_tokens." }),
  credits: t.Number({ description: "Credits charged, from the models' prices per 1K tokens." }),
};

export const UsageSums = t.Object(sums);
export type UsageSums = typeof UsageSums.static;

export const UsageBucket = t.Object({
  model: t.Optional(t.String({ description: "The model id (not the alias the client sent)." })),
  day: t.Optional(t.String({ description: "YYYY-MM-DD, UTC." })),
  token_id: t.Optional(t.Union([t.String(), t.Null()], { description: "null: requests made without a token (auth off)." })),
  endpoint: t.Optional(t.String({ description: "chat-completions, messages or responses." })),
  ...sums,
});
export type UsageBucket = typeof UsageBucket.static;

export const UsageReport = t.Object({
  object: t.Literal("usage.report"),
  from: t.Union([t.String(), t.Null()], { description: "The start asked for (ISO), or null." }),
  to: t.Union([t.String(), t.Null()], { description: "The end asked for (ISO, exclusive), or null." }),
  token_id: t.Union([t.String(), t.Null()], { description: "Whose usage: one token's, or null for every token's." }),
  group_by: t.Array(t.String()),
  data: t.Array(UsageBucket, { description: "One entry per bucket, ordered by the group_by values." }),
  total: UsageSums,
});
export type UsageReport = typeof UsageReport.static;
