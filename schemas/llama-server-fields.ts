// llama-server's own request fields that this server does not honour. Listed so that a request
// relying on one is refused with a 400 naming it, never answered as if it had been honoured.
// Each field's inert value (llama-server's default, which changes nothing) and null are accepted.
import { t } from "elysia";
import type { TOptional, TUnknown } from "@sinclair/typebox";

interface UnhonouredField {
  /** What the field does, for the error message and the OpenAPI document. */
  what: string;
  /** The values that ask for nothing (the default): accepted. */
  inert: (value: unknown) => boolean;
}

const is = (expected: unknown) => (value: unknown) => value === expected;
const atMost = (limit: number) => (value: unknown) => typeof value === "number" && value <= limit;
const empty = (value: unknown) => Array.isArray(value) && value.length === 0;
const never = () => false;

export const UNHONOURED_LLAMA_SERVER_FIELDS = {
  typical_p: { what: "Locally typical sampling (typical_p other than 1)", inert: is(1) },
  mirostat: { what: "Mirostat sampling", inert: is(0) },
  dynatemp_range: { what: "Dynamic temperature", inert: is(0) },
  top_n_sigma: { what: "Top-n-sigma sampling", inert: atMost(0) },
  adaptive_target: { what: "Adaptive-p sampling", inert: atMost(-Number.MIN_VALUE) },
  min_keep: { what: "min_keep", inert: is(0) },
  samplers: { what: "A custom sampler order", inert: never },
  backend_sampling: { what: "Backend sampling", inert: is(false) },
  n_keep: { what: "Context shifting (n_keep)", inert: is(0) },
  n_discard: { what: "Context shifting (n_discard)", inert: is(0) },
  n_indent: { what: "Minimum line indentation (n_indent)", inert: is(0) },
  n_cmpl: { what: "Several completions (n_cmpl)", inert: is(1) },
  n_cache_reuse: { what: "KV cache reuse by shifting (n_cache_reuse)", inert: is(0) },
  t_max_predict_ms: { what: "A time limit on generation (t_max_predict_ms)", inert: atMost(0) },
  id_slot: { what: "Choosing a slot (id_slot)", inert: is(-1) },
  lora: { what: "LoRA adapters", inert: empty },
  grammar_lazy: { what: "A lazy grammar", inert: is(false) },
  grammar_triggers: { what: "Grammar triggers", inert: empty },
  preserved_tokens: { what: "preserved_tokens", inert: empty },
  chat_format: { what: "Choosing the chat format (chat_format)", inert: never },
  // Reasoning is always separated from the content (in `reasoning`): only the formats that do that are accepted.
  reasoning_format: { what: "reasoning_format other than auto or deepseek", inert: (v) => v === "auto" || v === "deepseek" },
  reasoning_budget_tokens: { what: "reasoning_budget_tokens", inert: is(-1) },
  parse_tool_calls: { what: "Turning tool-call parsing off (parse_tool_calls)", inert: is(true) },
  continue_final_message: { what: "Continuing the final message", inert: is(false) },
  echo: { what: "echo", inert: is(false) },
  return_tokens: { what: "return_tokens", inert: is(false) },
  return_progress: { what: "return_progress", inert: is(false) },
  timings_per_token: { what: "timings_per_token", inert: is(false) },
  post_sampling_probs: { what: "post_sampling_probs", inert: is(false) },
  response_fields: { what: "response_fields", inert: empty },
  sse_ping_interval: { what: "sse_ping_interval", inert: never },
  verbose: { what: "verbose", inert: is(false) },
} satisfies Record<string, UnhonouredField>;

type FieldName = keyof typeof UNHONOURED_LLAMA_SERVER_FIELDS;

/** The first listed field the body sets to something other than its inert value. */
export function unhonouredLlamaServerField(body: Record<string, unknown>): { name: string; what: string } | undefined {
  for (const [name, field] of Object.entries(UNHONOURED_LLAMA_SERVER_FIELDS) as [string, UnhonouredField][]) {
    const value = body[name];
    if (value != null && !field.inert(value)) return { name, what: field.what };
  }
  return undefined;
}

/** The fields as schema properties, so the OpenAPI document lists them and what they accept. */
export const UnhonouredLlamaServerFields = Object.fromEntries(
  Object.entries(UNHONOURED_LLAMA_SERVER_FIELDS).map(([name, field]) => [
    name,
    t.Optional(t.Unknown({ description: `llama-server: ${field.what}. Not supported: only its default is accepted, another value is a 400.` })),
  ]),
) as Record<FieldName, TOptionalUnknown>;

type TOptionalUnknown = TOptional<TUnknown>;
