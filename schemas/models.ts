// The model objects of GET /v1/models: OpenAI's fields (what its SDK parses) and this server's
// own (status, aliases, capabilities, context, memory), which OpenAI clients ignore.
import { t } from "elysia";
import { Int } from "./common.ts";

export const ModelObject = t.Object({
  id: t.String(),
  object: t.Literal("model"),
  created: Int({ description: "Unix seconds." }),
  owned_by: t.String(),
  status: t.Union([t.Literal("unloaded"), t.Literal("loading"), t.Literal("loaded"), t.Literal("failed")], {
    description: "unloaded models load on their first request.",
  }),
  aliases: t.Array(t.String(), { description: "Other names reaching this model: exact names, glob patterns (`claude-*`), `default`." }),
  capabilities: t.Optional(
    t.Object(
      { tools: t.Boolean(), reasoning: t.Boolean(), vision: t.Boolean(), audio: t.Boolean() },
      { description: "From the chat template and the projector; known once the model has loaded." },
    ),
  ),
  context_length: t.Optional(Int({ description: "Tokens of context one request may use." })),
  memory: t.Optional(
    t.Object(
      { ram_bytes: Int(), vram_bytes: Int() },
      { description: "Estimated memory while loaded: weights, KV cache at the configured context, compute buffers." },
    ),
  ),
  error: t.Optional(t.String({ description: "Why the last load failed (status failed)." })),
});
export type ModelObject = typeof ModelObject.static;

export const ModelList = t.Object({
  object: t.Literal("list"),
  data: t.Array(ModelObject),
});

/** Anthropic's GET /v1/models shapes (answered when the request has an anthropic-version header). */
export const AnthropicModel = t.Object({
  type: t.Literal("model"),
  id: t.String(),
  display_name: t.String(),
  created_at: t.String({ description: "RFC 3339." }),
});

export const AnthropicModelList = t.Object({
  data: t.Array(AnthropicModel),
  has_more: t.Boolean(),
  first_id: t.Union([t.String(), t.Null()]),
  last_id: t.Union([t.String(), t.Null()]),
});
