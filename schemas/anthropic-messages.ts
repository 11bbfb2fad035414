// TypeBox schemas for the Anthropic Messages API (POST /v1/messages, /v1/messages/count_tokens):
// request validation and the OpenAPI document. Blocks are one open object type checked by
// api/anthropic/fromRequest.ts, so that a wrong block gets a 400 naming it precisely rather
// than TypeBox's "expected union value".
import { t } from "elysia";
import { SAMPLING_DEFAULTS as D } from "../core/index.ts";
import { Int, opt } from "./common.ts";
import { LlamaSamplingFields, modelDefault } from "./sampling.ts";

// ---- request ----

const ignored = (what: string) => t.Optional(t.Unknown({ description: `${what} Accepted and ignored.` }));

const CacheControl = ignored("Prompt-cache breakpoint: this server caches every prompt's prefix on its own.");

export const ContentBlockParam = t.Object(
  {
    type: t.String({
      description:
        "text, image (models with a vision projector), tool_use, tool_result, thinking, redacted_thinking; " +
        "document, search_result and server-tool blocks are refused with 400.",
    }),
    text: t.Optional(t.String({ description: "text: the text." })),
    id: t.Optional(t.String({ description: "tool_use: the call id, answered by a tool_result's tool_use_id." })),
    name: t.Optional(t.String({ description: "tool_use: the tool called." })),
    input: t.Optional(t.Unknown({ description: "tool_use: the arguments object." })),
    tool_use_id: t.Optional(t.String({ description: "tool_result: the tool_use this answers." })),
    content: t.Optional(
      t.Union([t.String(), t.Array(t.Object({ type: t.String(), text: t.Optional(t.String()) }, { additionalProperties: true }))], {
        description: "tool_result: a string or blocks: text, and tool_reference (a tool search result, given to the model as the tool's name).",
      }),
    ),
    source: t.Optional(
      t.Object(
        {
          type: t.String({ description: "base64 or url." }),
          media_type: t.Optional(t.String({ description: "base64: image/png, image/jpeg, image/gif..." })),
          data: t.Optional(t.String({ description: "base64: the image." })),
          url: t.Optional(t.String({ description: "url: fetched by the server under its remote-media rules." })),
        },
        { additionalProperties: true, description: "image: where the image is." },
      ),
    ),
    is_error: t.Optional(t.Boolean({ description: "tool_result: the tool failed." })),
    thinking: t.Optional(t.String({ description: "thinking: the reasoning text (empty when it was omitted)." })),
    signature: t.Optional(t.String({ description: "thinking: sent back verbatim; this server's own carry the reasoning." })),
    data: t.Optional(t.String({ description: "redacted_thinking: opaque; dropped from the prompt." })),
    cache_control: CacheControl,
    citations: ignored("Citations of a text block."),
  },
  { additionalProperties: true, description: "A content block." },
);
export type ContentBlockParam = typeof ContentBlockParam.static;

export const MessageParam = t.Object(
  {
    role: t.Union([t.Literal("user"), t.Literal("assistant"), t.Literal("system")], {
      description: 'Author of the message; "system" messages are merged into the system prompt.',
    }),
    content: t.Union([t.String(), t.Array(ContentBlockParam)], { description: "A string or content blocks." }),
    output_config: t.Optional(
      t.Object({ effort: t.Optional(t.String()) }, { additionalProperties: true, description: "system messages: effort from this turn on." }),
    ),
  },
  { additionalProperties: true, description: "One message of the conversation." },
);
export type MessageParam = typeof MessageParam.static;

export const TextBlockParam = t.Object(
  { type: t.Literal("text"), text: t.String(), cache_control: CacheControl },
  { additionalProperties: true },
);

export const ToolParam = t.Object(
  {
    name: t.String({ pattern: "^[a-zA-Z0-9_-]{1,128}$", description: "Tool name." }),
    description: t.Optional(t.String({ description: "What the tool does; shown to the model." })),
    input_schema: t.Optional(t.Record(t.String(), t.Unknown(), {
      description:
        "JSON Schema (draft 2020-12) of the input. Keywords the grammar cannot enforce are relaxed to their plain type " +
        "(the client validates the input), unless strict is true.",
    })),
    type: t.Optional(t.Union([t.Literal("custom"), t.Null()], { description: 'Only client tools ("custom"); server tools are refused.' })),
    strict: t.Optional(t.Boolean({ description: "Refuse (400) a schema the grammar cannot enforce exactly instead of relaxing it." })),
    cache_control: CacheControl,
    defer_loading: ignored("Offered to the model like any other tool: there is no server-side tool search."),
    eager_input_streaming: ignored("Tool input is always streamed as it is generated."),
  },
  { additionalProperties: true, description: "A tool the model may call." },
);

export const ToolChoiceParam = t.Object(
  {
    type: t.Union([t.Literal("auto"), t.Literal("any"), t.Literal("tool"), t.Literal("none")], {
      description: "auto (default with tools), any (must call a tool), tool (must call `name`), none.",
    }),
    name: t.Optional(t.String({ description: "type tool: the tool to call." })),
    disable_parallel_tool_use: t.Optional(t.Boolean({ description: "At most one tool call in the turn." })),
  },
  { additionalProperties: true },
);

export const ThinkingParam = t.Object(
  {
    type: t.Union([t.Literal("enabled"), t.Literal("adaptive"), t.Literal("disabled")], {
      description: "enabled (with budget_tokens), adaptive (the model decides), disabled.",
    }),
    budget_tokens: t.Optional(
      Int({ minimum: 1, description: "Most reasoning tokens before the answer; also sets the effort when output_config has none." }),
    ),
    display: t.Optional(
      t.Union([t.Literal("summarized"), t.Literal("omitted"), t.Null()], {
        description: "omitted: thinking blocks carry only their signature; summarized (default): the full reasoning text.",
      }),
    ),
  },
  { additionalProperties: true },
);

export const Effort = t.Union([t.Literal("low"), t.Literal("medium"), t.Literal("high"), t.Literal("xhigh"), t.Literal("max")], {
  description: "Reasoning effort; xhigh and max map to high.",
});

export const OutputConfigParam = t.Object(
  {
    effort: t.Optional(t.Union([Effort, t.Null()])),
    format: t.Optional(
      t.Union(
        [
          t.Object(
            { type: t.Literal("json_schema"), schema: t.Record(t.String(), t.Unknown()) },
            { additionalProperties: true, description: "Structured output: the text answer is JSON matching the schema (grammar-enforced)." },
          ),
          t.Null(),
        ],
      ),
    ),
  },
  // Open so that fromRequest can name an unknown key in its 400 (Elysia would strip it).
  { additionalProperties: true },
);

const SystemParam = t.Union([t.String(), t.Array(TextBlockParam)], {
  description: "System prompt: a string or text blocks. Claude Code's x-anthropic-billing-header block is dropped.",
});

const notSupported = (what: string) =>
  t.Optional(t.Unknown({ description: `${what} Not supported: a request that sets it is refused with 400.` }));

/** What count_tokens and messages share: everything that shapes the prompt. */
const PromptFields = {
  model: t.String({ description: "Model id or alias, as listed by GET /v1/models." }),
  messages: t.Array(MessageParam, { minItems: 1, description: "The conversation so far." }),
  system: t.Optional(SystemParam),
  tools: t.Optional(t.Array(ToolParam, { maxItems: 128, description: "Tools the model may call." })),
  tool_choice: t.Optional(ToolChoiceParam),
  thinking: t.Optional(ThinkingParam),
  output_config: t.Optional(OutputConfigParam),
  cache_control: CacheControl,
  context_management: ignored("Server-side context editing: the prompt is rendered as sent."),
  mcp_servers: notSupported("MCP connector."),
  container: notSupported("Code-execution container."),
};

export const MessagesRequest = t.Object(
  {
    ...PromptFields,
    max_tokens: Int({
      minimum: 1,
      description: "Most generated tokens; more than the context holds is clamped to what remains (never a 400).",
    }),
    stream: opt(t.Boolean(), "Stream the answer as server-sent events.", { default: false }),
    stop_sequences: t.Optional(t.Array(t.String(), { maxItems: 16, description: "Strings that end the generation; never part of the output." })),
    temperature: opt(t.Number({ minimum: 0 }), modelDefault("Sampling temperature; 0 = greedy.", D.temperature)),
    top_p: opt(t.Number({ minimum: 0, maximum: 1 }), modelDefault("Nucleus sampling; 1 = off.", D.topP)),
    ...LlamaSamplingFields,
    seed: opt(Int(), "Sampling seed; absent or negative = random."),
    metadata: opt(
      t.Object(
        {
          user_id: opt(t.String(), "The end user's id (accepted, not recorded)."),
          request_id: opt(
            t.String(),
            "The request's id (1-128 visible ASCII characters): the `x-request-id` and `request-id` headers and the usage ledger.",
          ),
          mode: opt(t.String(), "Recorded in the usage ledger."),
        },
        // Open so that an unknown key is named in the 400 (Elysia would strip it).
        { additionalProperties: true },
      ),
      "Request metadata. Other keys are a 400.",
    ),
    service_tier: ignored("Capacity tier: there is one here."),
    speed: ignored("Fast mode: there is one speed here."),
    inference_geo: ignored("Inference region."),
    diagnostics: ignored("Prompt-cache diagnostics."),
  },
  { additionalProperties: true, description: "Anthropic Messages request. Unknown fields are ignored." },
);
export type MessagesRequest = typeof MessagesRequest.static;

export const CountTokensRequest = t.Object(PromptFields, {
  additionalProperties: true,
  description: "The prompt part of a Messages request (no max_tokens).",
});
export type CountTokensRequest = typeof CountTokensRequest.static;

// ---- response ----

export const AnthropicUsage = t.Object(
  {
    input_tokens: Int({ description: "Prompt tokens processed for this request (cache reads excluded)." }),
    output_tokens: Int(),
    cache_read_input_tokens: Int({ description: "Prompt tokens served from the prompt cache." }),
    cache_creation_input_tokens: Int({ description: "Always 0: caching costs nothing extra here." }),
  },
  { description: "Token counts; the prompt is input_tokens + cache_read_input_tokens." },
);
export type AnthropicUsage = typeof AnthropicUsage.static;

export const ResponseContentBlock = t.Union([
  t.Object({ type: t.Literal("text"), text: t.String() }),
  t.Object({ type: t.Literal("thinking"), thinking: t.String(), signature: t.String() }),
  t.Object({ type: t.Literal("tool_use"), id: t.String(), name: t.String(), input: t.Unknown() }),
]);
export type ResponseContentBlock = typeof ResponseContentBlock.static;

export const StopReason = t.Union([t.Literal("end_turn"), t.Literal("max_tokens"), t.Literal("stop_sequence"), t.Literal("tool_use")]);
export type StopReason = typeof StopReason.static;

export const AnthropicMessage = t.Object(
  {
    id: t.String({ description: "msg_..." }),
    type: t.Literal("message"),
    role: t.Literal("assistant"),
    content: t.Array(ResponseContentBlock),
    model: t.String({ description: "The model name as the client sent it." }),
    stop_reason: StopReason,
    stop_sequence: t.Union([t.String(), t.Null()], { description: "The stop sequence that matched, with stop_reason stop_sequence." }),
    usage: AnthropicUsage,
  },
  {
    description:
      "A message. With `stream: true` the answer is `text/event-stream` with `event:` lines: message_start, per block " +
      "content_block_start / content_block_delta / content_block_stop, message_delta, message_stop, and ping.",
  },
);
export type AnthropicMessage = typeof AnthropicMessage.static;

export const TokenCount = t.Object({ input_tokens: Int({ description: "Tokens of the rendered prompt." }) });

export const AnthropicErrorBody = t.Object(
  {
    type: t.Literal("error"),
    error: t.Object({
      type: t.String({ description: "invalid_request_error, not_found_error, overloaded_error, api_error, ..." }),
      message: t.String(),
    }),
  },
  { description: "Anthropic error body." },
);
