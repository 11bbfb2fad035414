// TypeBox schemas for OpenAI Chat Completions: request validation and the OpenAPI document.
// Use `t` from elysia (TypeBox 0.34); the `typebox` 1.x package breaks Elysia 1.4.
import { t } from "elysia";
import { SAMPLING_DEFAULTS } from "../core/index.ts";
import { Int, opt } from "./common.ts";
import { UnhonouredLlamaServerFields } from "./llama-server-fields.ts";
import { LlamaSamplingFields, modelDefault } from "./sampling.ts";

/** Defaults shared with the other protocols live in core/sampling.ts. */
const D = SAMPLING_DEFAULTS;

// ---- request ----

export const ContentPart = t.Object(
  {
    type: t.String({ description: 'Content part type: "text", "image_url" or "input_audio" (models with a projector); other types are rejected with 400.' }),
    text: t.Optional(t.String({ description: "The text of a text part." })),
    image_url: t.Optional(
      t.Object(
        {
          url: t.String({ description: "An http(s) URL (fetched by the server under its remote-media rules) or a data:image/...;base64, URI." }),
          detail: t.Optional(
            t.Union([t.Literal("auto"), t.Literal("low"), t.Literal("high")], {
              description: "auto, low or high: accepted and ignored, the projector decides the resolution.",
            }),
          ),
        },
        { additionalProperties: true, description: "image_url parts: the image." },
      ),
    ),
    input_audio: t.Optional(
      t.Object(
        {
          data: t.String({ description: "Base64 audio." }),
          format: t.String({ description: '"wav" or "mp3".' }),
        },
        { additionalProperties: true, description: "input_audio parts: the clip (models with an audio projector)." },
      ),
    ),
  },
  { additionalProperties: true, description: "A content part." },
);
export type ContentPart = typeof ContentPart.static;

export const MessageToolCall = t.Object(
  {
    id: t.String({ description: "Id of the tool call, answered by a tool message's tool_call_id." }),
    type: t.Optional(t.Literal("function", { description: 'Always "function".' })),
    function: t.Object({
      name: t.String({ description: "Name of the function called." }),
      arguments: t.String({ description: "JSON text of the arguments." }),
    }),
  },
  { additionalProperties: true },
);
export type MessageToolCall = typeof MessageToolCall.static;

export const ToolFunction = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 64, pattern: "^[a-zA-Z0-9_.-]+$", description: "Function name." }),
    description: t.Optional(t.String({ description: "What the function does; shown to the model." })),
    parameters: t.Optional(t.Record(t.String(), t.Any(), { description: "JSON schema of the arguments object." })),
    strict: t.Optional(t.Union([t.Boolean(), t.Null()], { description: "Accepted; arguments are always grammar-checked when a call is forced." })),
  },
  { additionalProperties: true },
);

export const Tool = t.Object(
  { type: t.Literal("function", { description: 'Always "function".' }), function: ToolFunction },
  { additionalProperties: true, description: "A function the model may call." },
);

export const ToolChoice = t.Union(
  [
    t.Union([t.Literal("none"), t.Literal("auto"), t.Literal("required")]),
    t.Object({ type: t.Literal("function"), function: t.Object({ name: t.String() }) }, { additionalProperties: true }),
  ],
  { description: 'none, auto (default with tools), required, or {"type":"function","function":{"name":...}}.' },
);

export const ResponseFormat = t.Union(
  [
    t.Object({ type: t.Literal("text") }),
    t.Object({
      type: t.Literal("json_object"),
      schema: t.Optional(
        t.Record(t.String(), t.Any(), { description: "llama-server extension: the JSON schema the object must match." }),
      ),
    }),
    t.Object({
      type: t.Literal("json_schema"),
      json_schema: t.Object(
        {
          name: t.Optional(t.String({ description: "Name of the schema." })),
          description: t.Optional(t.String()),
          schema: t.Optional(t.Record(t.String(), t.Any(), { description: "The JSON schema the output must match." })),
          strict: t.Optional(t.Union([t.Boolean(), t.Null()], { description: "Absent additionalProperties count as false." })),
        },
        { additionalProperties: true },
      ),
    }),
  ],
  { description: "Output format: text, any JSON object, or JSON matching a schema (enforced with a grammar)." },
);

export const ReasoningEffort = t.Union(
  [t.Literal("none"), t.Literal("minimal"), t.Literal("low"), t.Literal("medium"), t.Literal("high")],
  { description: "How much the model should think (templates that read reasoning_effort); default medium." },
);

export const ChatMessage = t.Object(
  {
    role: t.Union(
      [t.Literal("system"), t.Literal("developer"), t.Literal("user"), t.Literal("assistant"), t.Literal("tool")],
      { description: 'Author of the message; "developer" is treated as "system".' },
    ),
    content: opt(
      t.Union([t.String(), t.Array(ContentPart)]),
      "Text, or an array of parts (text, image_url, input_audio). May be null or absent only for assistant messages.",
    ),
    name: t.Optional(t.String({ description: "Participant name, passed to the chat template (templates that know it print it)." })),
    tool_calls: t.Optional(t.Array(MessageToolCall, { description: "Tool calls made by an assistant message." })),
    tool_call_id: t.Optional(t.String({ description: "For tool messages: the tool call this result answers." })),
    reasoning_content: t.Optional(t.String({ description: "Previous reasoning of an assistant message." })),
    reasoning: t.Optional(t.String({ description: "Alias of reasoning_content." })),
  },
  { additionalProperties: true, description: "One message of the conversation." },
);
export type ChatMessage = typeof ChatMessage.static;

const notSupported = (what: string) =>
  t.Optional(t.Unknown({ description: `${what} Not supported yet: a non-trivial value is rejected with 400.` }));

export const ChatCompletionRequest = t.Object(
  {
    model: t.String({ description: "Model id or alias, as listed by GET /v1/models." }),
    messages: t.Array(ChatMessage, { minItems: 1, description: "The conversation so far." }),
    stream: opt(t.Boolean(), "Stream the answer as server-sent events.", { default: false }),
    stream_options: opt(
      t.Object(
        { include_usage: t.Optional(t.Boolean({ description: "Send usage in the final chunk." })) },
        { additionalProperties: true },
      ),
      "Streaming options.",
    ),
    include_usage: opt(t.Boolean(), "Send usage in the final streamed chunk (false turns it off).", { default: true }),
    temperature: opt(t.Number({ minimum: 0 }), modelDefault("Sampling temperature; 0 = greedy.", D.temperature)),
    top_p: opt(t.Number({ minimum: 0, maximum: 1 }), modelDefault("Nucleus sampling; 1 = off.", D.topP)),
    ...LlamaSamplingFields,
    max_tokens: opt(Int({ minimum: 1 }), "Maximum generated tokens (default: rest of the context)."),
    max_completion_tokens: opt(Int({ minimum: 1 }), "Maximum generated tokens; wins over max_tokens."),
    stop: opt(
      t.Union([t.String(), t.Array(t.String(), { maxItems: 16 })]),
      "Up to 16 strings that end the generation; never part of the output.",
    ),
    seed: opt(Int(), "Sampling seed; absent or negative = random."),
    return_prompt: opt(t.Boolean(), "Add the rendered prompt to the response as `prompt`.", { default: false }),
    logprobs: opt(t.Boolean(), "Return the log probability of each output token.", { default: false }),
    top_logprobs: opt(Int({ minimum: 0, maximum: 20 }), "Alternatives per token (0..20); needs logprobs=true."),
    n: opt(
      Int({ minimum: 1, maximum: 128 }),
      "Number of choices (1..128, and at most the model's --parallel sequences): the prompt is processed once, choice i samples with seed+i. Usage counts the prompt once and sums the choices' completion tokens.",
      { default: 1 },
    ),
    user: opt(t.String(), "End-user id (accepted, ignored)."),
    metadata: opt(
      t.Record(t.String(), t.String()),
      "Up to 16 string key-value pairs (keys up to 64 characters, values up to 512). `request_id` (1-128 visible ASCII " +
        "characters) becomes the request's id: the `x-request-id` header, `kitemesh.request_id` and the usage ledger; " +
        "`mode` is recorded in the ledger; other keys are checked, then ignored (no stored completions here). Without `request_id` " +
        "the id is the `x-request-id` request header's, else a generated one.",
    ),
    tools: opt(t.Array(Tool, { maxItems: 128 }), "Functions the model may call."),
    tool_choice: opt(ToolChoice, "Whether and which tool the model must call."),
    parallel_tool_calls: opt(t.Boolean(), "Allow several tool calls in one turn.", { default: true }),
    response_format: opt(ResponseFormat, "Structured output."),
    enable_thinking: opt(
      t.Union([t.Boolean(), t.Literal("true"), t.Literal("false")]),
      "Thinking on or off for models that support it (default true).",
    ),
    reasoning_effort: opt(ReasoningEffort, "Reasoning effort."),
    reasoning: opt(
      t.Object(
        { effort: t.Optional(ReasoningEffort), enabled: t.Optional(t.Boolean()) },
        // Open here so that fromChatRequest can name an unknown key in its 400 (Elysia would strip it).
        { additionalProperties: true },
      ),
      "Reasoning options in one object: effort and enabled (alternative to reasoning_effort/enable_thinking).",
    ),
    functions: notSupported("Deprecated function definitions."),
    function_call: notSupported("Deprecated function choice."),
    logit_bias: notSupported("Token biases (an empty object is accepted)."),
    audio: notSupported("Audio output."),
    modalities: notSupported('Output modalities (["text"] is accepted).'),
    prediction: notSupported("Predicted output."),
    // llama-server's own fields.
    grammar: opt(t.String(), "llama-server: a GBNF grammar the output must follow (not with response_format or json_schema)."),
    json_schema: opt(
      t.Record(t.String(), t.Any()),
      "llama-server: a JSON schema the output must match; absent additionalProperties allow no other keys, as in llama.cpp.",
    ),
    n_probs: opt(Int({ minimum: 0, maximum: 20 }), "llama-server: alternatives per token (0..20); above 0 turns logprobs on."),
    n_predict: opt(Int({ minimum: -1 }), "llama-server: maximum generated tokens; -1 = no limit. max_tokens wins."),
    cache_prompt: opt(
      t.Boolean(),
      "llama-server: reuse the cached prompt prefix (default true); false processes the whole prompt again. The answer is the same either way.",
    ),
    chat_template_kwargs: opt(
      t.Record(t.String(), t.Unknown()),
      "llama-server: extra template variables. enable_thinking and reasoning_effort are honoured; others are a 400.",
    ),
    ...UnhonouredLlamaServerFields,
  },
  { additionalProperties: true, description: "OpenAI Chat Completions request. Unknown fields are ignored." },
);
export type ChatCompletionRequest = typeof ChatCompletionRequest.static;

// ---- response ----

export const TopLogprob = t.Object({
  token: t.String(),
  logprob: t.Number(),
  bytes: t.Union([t.Array(Int()), t.Null()]),
});

export const TokenLogprob = t.Object({
  token: t.String(),
  logprob: t.Number(),
  bytes: t.Union([t.Array(Int()), t.Null()]),
  top_logprobs: t.Array(TopLogprob),
});

export const ChoiceLogprobs = t.Union([t.Object({ content: t.Array(TokenLogprob) }), t.Null()], {
  description: "Per-token log probabilities when requested, else null.",
});
export type ChoiceLogprobs = typeof ChoiceLogprobs.static;

export const ResponseToolCall = t.Object({
  id: t.String(),
  type: t.Literal("function"),
  function: t.Object({ name: t.String(), arguments: t.String() }),
});
export type ResponseToolCall = typeof ResponseToolCall.static;

export const ChatUsage = t.Object(
  {
    prompt_tokens: Int(),
    reasoning_tokens: Int(),
    completion_tokens: Int({ description: "Generated tokens, reasoning included." }),
    output_tokens: Int({ description: "Same as completion_tokens." }),
    total_tokens: Int(),
    tokens_per_second: t.Number({ description: "Decoding speed, prompt processing excluded." }),
    completion_tokens_details: t.Object({ reasoning_tokens: Int() }),
    prompt_tokens_details: t.Object({ cached_tokens: Int() }),
  },
  { description: "Token counts and speed." },
);
export type ChatUsage = typeof ChatUsage.static;

export const Kitemesh = t.Object(
  {
    execution_id: t.String({ description: "This server's id for this execution (a UUID)." }),
    credits_charged: t.Number({ description: "Credits charged, from the model's price per 1K prompt and completion tokens (0 when it has none)." }),
    request_id: t.String({ description: "metadata.request_id, else the request's x-request-id or a generated id." }),
    approval_id: t.Optional(t.String({ description: "A group execution paused for approval of the pending tool calls: continue it with POST /v1/chat/resume." })),
    expires_at: t.Optional(t.String({ description: "When the approval expires (ISO 8601)." })),
  },
  { description: "Accounting of the request: on the answer, or on the last chunk of a stream." },
);
export type Kitemesh = typeof Kitemesh.static;

export const FinishReason = t.Union([t.Literal("stop"), t.Literal("length"), t.Literal("tool_calls")]);

export const ChatCompletion = t.Object({
  id: t.String(),
  object: t.Literal("chat.completion"),
  created: Int({ description: "Unix seconds." }),
  model: t.String(),
  choices: t.Array(
    t.Object({
      index: Int(),
      message: t.Object({
        role: t.Literal("assistant"),
        content: t.Union([t.String(), t.Null()]),
        reasoning: t.String({ description: "Reasoning text, empty when the model did not reason." }),
        tool_calls: t.Optional(t.Array(ResponseToolCall)),
      }),
      logprobs: ChoiceLogprobs,
      finish_reason: FinishReason,
    }),
  ),
  usage: ChatUsage,
  kitemesh: t.Optional(Kitemesh),
  prompt: t.Optional(t.String({ description: "The rendered prompt, when return_prompt was set." })),
});
export type ChatCompletion = typeof ChatCompletion.static;

export const ChunkToolCall = t.Object({
  index: Int(),
  id: t.Optional(t.String()),
  type: t.Optional(t.Literal("function")),
  function: t.Object({ name: t.Optional(t.String()), arguments: t.String() }),
});
export type ChunkToolCall = typeof ChunkToolCall.static;

export const ChatCompletionChunk = t.Object(
  {
    id: t.String(),
    object: t.Literal("chat.completion.chunk"),
    created: Int(),
    model: t.String(),
    choices: t.Array(
      t.Object({
        index: Int(),
        delta: t.Object({
          role: t.Optional(t.Literal("assistant")),
          content: t.Optional(t.String()),
          reasoning: t.Optional(t.String()),
          tool_calls: t.Optional(t.Array(ChunkToolCall)),
        }),
        logprobs: ChoiceLogprobs,
        finish_reason: t.Union([FinishReason, t.Null()]),
      }),
    ),
    usage: t.Optional(ChatUsage),
    kitemesh: t.Optional(Kitemesh),
  },
  { description: "One server-sent event of a streamed completion (`data: <chunk>`), ended by `data: [DONE]`." },
);
export type ChatCompletionChunk = typeof ChatCompletionChunk.static;

export const OpenAIErrorBody = t.Object(
  {
    error: t.Object({
      message: t.String(),
      type: t.String({ description: "invalid_request_error, not_found_error, server_error, ..." }),
      param: t.Union([t.String(), t.Null()]),
      code: t.Union([t.String(), t.Null()]),
    }),
  },
  { description: "OpenAI error body." },
);
export type OpenAIErrorBody = typeof OpenAIErrorBody.static;

