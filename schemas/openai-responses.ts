// TypeBox schemas for the OpenAI Responses API: request validation and the OpenAPI document.
// Input items and tools are checked loosely here and precisely in api/responses/fromRequest.ts,
// which names the failing field (input[2].call_id) the way OpenAI does.
import { t } from "elysia";
import { SAMPLING_DEFAULTS as D } from "../core/index.ts";
import { Int, opt } from "./common.ts";
import { LlamaSamplingFields, modelDefault } from "./sampling.ts";

const open = { additionalProperties: true } as const;

export const ResponseInputItem = t.Object(
  {
    type: t.Optional(
      t.String({
        description:
          "message (default when role is given), function_call, function_call_output, custom_tool_call, " +
          "custom_tool_call_output, reasoning. Other item types are refused with 400.",
      }),
    ),
    role: t.Optional(t.String({ description: "For messages: user, assistant, system or developer (= system)." })),
    content: t.Optional(t.Unknown({ description: "For messages: a string or input_text/output_text parts." })),
  },
  { ...open, description: "One item of the conversation." },
);
export type ResponseInputItem = typeof ResponseInputItem.static;

export const ResponseTool = t.Object(
  {
    type: t.String({
      description:
        "function (flat, or nested under `function`), namespace (its function/custom tools offered as " +
        "`<namespace>__<name>`), custom (freeform text input). Tools the server cannot run (web_search, " +
        "tool_search, file_search, hosted tools) are left out and listed in the x-bunllama-ignored-tools header.",
    }),
    name: t.Optional(t.String()),
  },
  { ...open, description: "A tool the model may call." },
);
export type ResponseTool = typeof ResponseTool.static;

export const ResponseToolChoice = t.Union(
  [
    t.Union([t.Literal("none"), t.Literal("auto"), t.Literal("required")]),
    t.Object({ type: t.String(), name: t.Optional(t.String()) }, open),
  ],
  { description: 'none, auto (default with tools), required, or {"type":"function"|"custom","name":...}.' },
);

export const ReasoningEffort = t.Union(
  [t.Literal("none"), t.Literal("minimal"), t.Literal("low"), t.Literal("medium"), t.Literal("high"), t.Literal("xhigh")],
  { description: "How much the model should think (templates that read reasoning_effort); xhigh counts as high." },
);

export const ResponseTextFormat = t.Object(
  {
    type: t.Union([t.Literal("text"), t.Literal("json_object"), t.Literal("json_schema")]),
    name: t.Optional(t.String()),
    description: t.Optional(t.String()),
    schema: t.Optional(t.Record(t.String(), t.Any(), { description: "The JSON schema the output must match." })),
    strict: opt(t.Boolean(), "Absent additionalProperties count as false."),
  },
  { ...open, description: "Output format: text, any JSON object, or JSON matching a schema (enforced with a grammar)." },
);

export const ResponsesRequest = t.Object(
  {
    model: t.String({ description: "Model id or alias, as listed by GET /v1/models." }),
    input: opt(t.Union([t.String(), t.Array(ResponseInputItem)]), "A user message, or conversation items."),
    instructions: opt(t.String(), "A system message put first; not carried over by previous_response_id."),
    previous_response_id: opt(t.String(), "Continue the conversation of a stored response."),
    store: opt(t.Boolean(), "Keep the response (GET /v1/responses/{id}, previous_response_id).", { default: true }),
    stream: opt(t.Boolean(), "Stream server-sent events.", { default: false }),
    stream_options: opt(t.Object({}, open), "Accepted (include_obfuscation has nothing to hide here)."),
    tools: opt(t.Array(ResponseTool, { maxItems: 256 }), "Tools the model may call."),
    tool_choice: opt(ResponseToolChoice, "Whether and which tool the model must call."),
    parallel_tool_calls: opt(t.Boolean(), "Allow several tool calls in one turn.", { default: true }),
    max_output_tokens: opt(Int({ minimum: 1 }), "Maximum generated tokens, reasoning included (default: rest of the context)."),
    max_tool_calls: opt(Int({ minimum: 1 }), "Not supported: a value is refused with 400."),
    truncation: opt(
      t.Union([t.Literal("auto"), t.Literal("disabled")]),
      "auto: drop the oldest turns until the prompt fits; disabled: 400 when it does not fit.",
      { default: "disabled" },
    ),
    reasoning: opt(
      t.Object(
        {
          effort: opt(ReasoningEffort, "Reasoning effort."),
          summary: opt(t.String(), "auto, concise or detailed: the reasoning text is given as its own summary."),
          generate_summary: opt(t.String(), "Deprecated spelling of summary."),
        },
        open,
      ),
      "Reasoning options.",
    ),
    text: opt(
      t.Object(
        {
          format: t.Optional(ResponseTextFormat),
          verbosity: opt(t.String(), "low, medium or high: accepted, not honoured (no verbosity control)."),
        },
        open,
      ),
      "Text output options.",
    ),
    include: opt(
      t.Array(t.String()),
      "reasoning.encrypted_content (reasoning items carry it, encrypted with this server's key), " +
        "message.output_text.logprobs (with top_logprobs). Other values are accepted and have no effect.",
    ),
    metadata: opt(t.Record(t.String(), t.String()), "Up to 16 key-value pairs kept with the response."),
    prompt_cache_key: opt(t.String(), "Steers the request to the sequence that last served the same key; the prompt cache is automatic either way."),
    client_metadata: opt(t.Record(t.String(), t.Any()), "Accepted and ignored (Codex sends it)."),
    user: opt(t.String(), "Accepted and ignored."),
    safety_identifier: opt(t.String(), "Accepted and ignored."),
    service_tier: opt(t.String(), "Accepted and ignored."),
    background: opt(t.Boolean(), "Not supported: true is refused with 400."),
    temperature: opt(t.Number({ minimum: 0 }), modelDefault("Sampling temperature; 0 = greedy.", D.temperature)),
    top_p: opt(t.Number({ minimum: 0, maximum: 1 }), modelDefault("Nucleus sampling; 1 = off.", D.topP)),
    top_logprobs: opt(Int({ minimum: 0, maximum: 20 }), "Alternatives per token (0..20) in output_text logprobs."),
    seed: opt(Int(), "Sampling seed; absent or negative = random."),
    stop: opt(t.Union([t.String(), t.Array(t.String(), { maxItems: 16 })]), "Strings that end the generation (extension)."),
    ...LlamaSamplingFields,
    conversation: t.Optional(t.Unknown({ description: "Not supported: a value is refused with 400." })),
    prompt: t.Optional(t.Unknown({ description: "Stored prompt templates: not supported, a value is refused with 400." })),
  },
  { ...open, description: "OpenAI Responses request. Unknown fields are ignored." },
);
export type ResponsesRequest = typeof ResponsesRequest.static;

export const ResponsesInputTokensRequest = t.Object(
  {
    model: t.String(),
    input: opt(t.Union([t.String(), t.Array(ResponseInputItem)]), "A user message, or conversation items."),
    instructions: opt(t.String(), "A system message put first."),
    previous_response_id: opt(t.String(), "Count the stored conversation too."),
    tools: opt(t.Array(ResponseTool), "Tools, rendered into the prompt as for a generation."),
    tool_choice: opt(ResponseToolChoice, "As for a generation."),
    parallel_tool_calls: opt(t.Boolean(), "As for a generation."),
    reasoning: opt(t.Object({}, open), "As for a generation."),
    text: opt(t.Object({}, open), "As for a generation."),
    truncation: opt(t.Union([t.Literal("auto"), t.Literal("disabled")]), "As for a generation."),
  },
  { ...open, description: "Count the input tokens of a Responses request without generating." },
);
export type ResponsesInputTokensRequest = typeof ResponsesInputTokensRequest.static;

// ---- response (kept open: every item type has its own shape; see the OpenAI reference) ----

export const ResponseUsage = t.Object({
  input_tokens: Int(),
  input_tokens_details: t.Object({ cached_tokens: Int() }),
  output_tokens: Int({ description: "Generated tokens, reasoning included." }),
  output_tokens_details: t.Object({ reasoning_tokens: Int() }),
  total_tokens: Int(),
});
export type ResponseUsage = typeof ResponseUsage.static;

export const ResponseObject = t.Object(
  {
    id: t.String({ description: "resp_..." }),
    object: t.Literal("response"),
    created_at: Int({ description: "Unix seconds." }),
    status: t.String({ description: "completed, incomplete, failed, in_progress or cancelled." }),
    model: t.String(),
    output: t.Array(t.Object({ type: t.String() }, open)),
    usage: t.Union([ResponseUsage, t.Null()]),
  },
  { ...open, description: "A response: its output items, usage, and the request's parameters echoed." },
);

export const ResponseItemList = t.Object({
  object: t.Literal("list"),
  data: t.Array(t.Object({}, open)),
  first_id: t.Union([t.String(), t.Null()]),
  last_id: t.Union([t.String(), t.Null()]),
  has_more: t.Boolean(),
});

export const ResponseDeleted = t.Object({ id: t.String(), object: t.Literal("response"), deleted: t.Literal(true) });

export const InputTokens = t.Object({ object: t.Literal("response.input_tokens"), input_tokens: Int() });
