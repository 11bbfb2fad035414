// The admin API's bodies: API tokens (create, list, revoke). Times are Unix seconds.
import { t } from "elysia";
import { Int, opt } from "./common.ts";
import { SCOPES } from "../store/tokens.ts";

const Scope = t.Union([...SCOPES, "all"].map((s) => t.Literal(s)), { description: "An endpoint scope; `all` stands for every one." });
const Names = t.Array(t.String({ minLength: 1 }), { minItems: 1 });

export const TokenCreateRequest = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 64, description: "Unique among live tokens; `token revoke <name>` finds it." }),
    scopes: t.Array(Scope, { minItems: 1, description: `Endpoints the token may call: ${SCOPES.join(", ")}.` }),
    models: opt(Names, "Model ids or aliases it may use (an alias and its model's id are the same model); absent = any."),
    groups: opt(Names, "Groups it may use; absent = any."),
    expires_at: opt(t.Union([t.String({ format: "date-time" }), Int({ minimum: 1 })]), "When it stops working: ISO 8601 date-time or Unix seconds."),
    expires_in: opt(t.String({ pattern: "^[0-9]+[smhdw]$" }), "Lifetime from now: 45s, 90m, 12h, 30d, 2w. Not with expires_at."),
    requests_per_minute: opt(Int({ minimum: 1 }), "Generation requests per rolling minute (in-flight ones count)."),
    tokens_per_day: opt(Int({ minimum: 1 }), "Prompt + completion tokens per calendar day (UTC)."),
    credits_per_month: opt(t.Number({ exclusiveMinimum: 0 }), "Credits per calendar month (UTC), from the models' prices."),
  },
  { additionalProperties: false },
);
export type TokenCreateRequest = typeof TokenCreateRequest.static;

const nullable = <T extends Parameters<typeof t.Union>[0][number]>(schema: T, description?: string) => t.Union([schema, t.Null()], { description });

export const TokenObject = t.Object({
  id: t.String(),
  object: t.Literal("api_token"),
  name: t.String(),
  prefix: t.String({ description: "The secret's first characters, to tell tokens apart." }),
  scopes: t.Array(t.String()),
  models: nullable(t.Array(t.String()), "null = any model."),
  groups: nullable(t.Array(t.String()), "null = any group."),
  expires_at: nullable(Int(), "null = never."),
  quotas: t.Object({
    requests_per_minute: nullable(Int()),
    tokens_per_day: nullable(Int()),
    credits_per_month: nullable(t.Number()),
  }),
  created_at: Int(),
  revoked_at: nullable(Int()),
  last_used_at: nullable(Int(), "Updated at most once a minute."),
});
export type TokenObject = typeof TokenObject.static;

export const CreatedToken = t.Composite([
  TokenObject,
  t.Object({ secret: t.String({ description: "The bearer token. Shown this once: only its hash is stored." }) }),
]);

export const TokenList = t.Object({ object: t.Literal("list"), data: t.Array(TokenObject) });
