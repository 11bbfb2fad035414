// OpenAI Chat Completions conversions: request -> GenerateRequest, events -> response / chunks,
// errors -> OpenAI error bodies. Pure functions only; HTTP shaping is in openai-chat-routes.test.ts.
import { describe, expect, test } from "bun:test";
import { NotFoundError, ParseError } from "elysia";
import { accumulate } from "../../api/generation.ts";
import { ApiError } from "../../api/http/errors.ts";
import { STATUS, toOpenAIError } from "../../api/openai/errors.ts";
import { toParam } from "../../api/http/validation.ts";
import { fromChatRequest, normalizeStop, wantsUsage } from "../../api/openai/fromRequest.ts";
import { ChatStreamConverter, type UsageMode } from "../../api/openai/streamConverter.ts";
import type { SseFrame } from "../../api/http/sse.ts";
import { toChatCompletion as shapeCompletion, type CompletionContext } from "../../api/openai/toResponse.ts";
import { resolveSampling, SAMPLING_DEFAULTS, type GenerateEvent, type Usage } from "../../core/index.ts";
import type { ChatCompletionRequest } from "../../schemas/openai-chat.ts";

const req = (extra: Partial<ChatCompletionRequest> & Record<string, unknown> = {}): ChatCompletionRequest => ({
  model: "m",
  messages: [{ role: "user", content: "Hi" }],
  ...extra,
});

const expectApiError = (fn: () => unknown, status: number, param?: string, code?: string) => {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ApiError);
  const err = caught as ApiError;
  expect(STATUS[err.kind]).toBe(status);
  if (param !== undefined) expect(err.param).toBe(param);
  if (code !== undefined) expect(err.code).toBe(code);
  return err;
};

/** Events of one generation -> chat.completion, as the route does it. */
const toChatCompletion = (events: GenerateEvent[], c: CompletionContext) => shapeCompletion(accumulate(events), c);

const usage: Usage = {
  promptTokens: 25,
  cachedPromptTokens: 0,
  completionTokens: 12,
  reasoningTokens: 0,
  tokensPerSecond: 85.4999,
  promptMs: 10,
  generationMs: 140,
};
const ctx = { id: "chatcmpl-abc123", created: 1234567890, model: "qwen3-8b-q8_0" };

describe("fromChatRequest", () => {
  test("maps max_completion_tokens over max_tokens", () => {
    expect(fromChatRequest(req({ max_tokens: 10, max_completion_tokens: 20 })).maxTokens).toBe(20);
    expect(fromChatRequest(req({ max_tokens: 10 })).maxTokens).toBe(10);
    expect(fromChatRequest(req()).maxTokens).toBeUndefined();
  });

  test("sampling carries only what the request says (null = not said); the engine fills the rest", () => {
    const g = fromChatRequest(req({ temperature: null, top_k: null }));
    expect(g.sampling).toEqual({});
    expect(resolveSampling(g.sampling)).toEqual({ ...SAMPLING_DEFAULTS, drySequenceBreakers: ["\n", ":", '"', "*"] });
    expect(resolveSampling(fromChatRequest(req({ top_k: 3 })).sampling, { topK: 7, temperature: 0.1 })).toMatchObject({ topK: 3, temperature: 0.1, topP: 0.9 });
    expect(g.stop).toEqual([]);
    expect(g.topLogprobs).toBeUndefined();
    expect(g.returnPrompt).toBe(false);
  });

  test("maps every sampling field", () => {
    const s = fromChatRequest(
      req({
        temperature: 0.2,
        top_k: 5,
        top_p: 0.5,
        min_p: 0.05,
        repeat_penalty: 1.3,
        repeat_last_n: -1,
        presence_penalty: 0.4,
        frequency_penalty: -0.4,
        dry_multiplier: 0.8,
        dry_base: 2,
        dry_allowed_length: 3,
        dry_penalty_last_n: 128,
        dry_sequence_breakers: ["\n"],
        xtc_probability: 0.5,
        xtc_threshold: 0.2,
        xtc_min_keep: 2,
        seed: 42,
      }),
    ).sampling;
    expect(s).toEqual({
      temperature: 0.2,
      topK: 5,
      topP: 0.5,
      minP: 0.05,
      repeatPenalty: 1.3,
      repeatLastN: -1,
      presencePenalty: 0.4,
      frequencyPenalty: -0.4,
      dryMultiplier: 0.8,
      dryBase: 2,
      dryAllowedLength: 3,
      dryPenaltyLastN: 128,
      drySequenceBreakers: ["\n"],
      xtcProbability: 0.5,
      xtcThreshold: 0.2,
      xtcMinKeep: 2,
      seed: 42,
    });
  });

  test("negative seed means random; large seeds wrap to uint32", () => {
    const random = fromChatRequest(req({ seed: -1 })).sampling;
    expect("seed" in random && random.seed === undefined).toBe(true);
    expect(resolveSampling(random, { seed: 5 }).seed).toBeUndefined();
    expect(fromChatRequest(req({ seed: 2 ** 32 + 7 })).sampling.seed).toBe(7);
  });

  test("stop strings normalize", () => {
    expect(normalizeStop("END")).toEqual(["END"]);
    expect(normalizeStop(["a", "", "b"])).toEqual(["a", "b"]);
    expect(normalizeStop(null)).toEqual([]);
    expect(normalizeStop(undefined)).toEqual([]);
    expect(fromChatRequest(req({ stop: "\n\n" })).stop).toEqual(["\n\n"]);
  });

  test("n above 1 reaches the request; 1, null or absent leave it unset", () => {
    expect(fromChatRequest(req({ n: 3 })).n).toBe(3);
    for (const n of [1, null, undefined]) expect(fromChatRequest(req({ n })).n).toBeUndefined();
  });

  test("top_logprobs without logprobs is rejected with param top_logprobs", () => {
    expectApiError(() => fromChatRequest(req({ top_logprobs: 3 })), 400, "top_logprobs");
    expectApiError(() => fromChatRequest(req({ top_logprobs: 3, logprobs: false })), 400, "top_logprobs");
  });

  test("logprobs maps to topLogprobs (0 alternatives unless top_logprobs)", () => {
    expect(fromChatRequest(req({ logprobs: true })).topLogprobs).toBe(0);
    expect(fromChatRequest(req({ logprobs: true, top_logprobs: 5 })).topLogprobs).toBe(5);
    expect(fromChatRequest(req({ logprobs: false })).topLogprobs).toBeUndefined();
  });

  test("return_prompt maps to returnPrompt", () => {
    expect(fromChatRequest(req({ return_prompt: true })).returnPrompt).toBe(true);
  });

  test("messages: developer becomes system, content arrays become parts, tool calls and results map", () => {
    const g = fromChatRequest(
      req({
        messages: [
          { role: "developer", content: "Be brief." },
          { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
          {
            role: "assistant",
            content: null,
            reasoning_content: "think",
            tool_calls: [{ id: "call_1", type: "function", function: { name: "get", arguments: '{"x":1}' } }],
          },
          { role: "tool", tool_call_id: "call_1", content: "42" },
        ],
      }),
    );
    expect(g.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "Be brief." }] },
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      {
        role: "assistant",
        content: [],
        toolCalls: [{ id: "call_1", name: "get", arguments: '{"x":1}' }],
        reasoning: "think",
      },
      { role: "tool", content: [{ type: "text", text: "42" }], toolCallId: "call_1" },
    ]);
  });

  test("messages: semantic errors name the parameter", () => {
    expectApiError(
      () => fromChatRequest(req({ messages: [{ role: "tool", content: "x" }] })),
      400,
      "messages[0].tool_call_id",
    );
    expectApiError(() => fromChatRequest(req({ messages: [{ role: "user", content: null }] })), 400, "messages[0].content");
    expectApiError(
      () => fromChatRequest(req({ messages: [{ role: "user", content: [{ type: "file" }] }] })),
      400,
      "messages[0].content[0].type",
      "unsupported_parameter",
    );
    // An image part without its url names the missing field (images themselves are accepted).
    expectApiError(
      () => fromChatRequest(req({ messages: [{ role: "user", content: [{ type: "image_url" }] }] })),
      400,
      "messages[0].content[0].image_url.url",
    );
    expectApiError(
      () =>
        fromChatRequest(
          req({
            messages: [
              { role: "user", content: "x", tool_calls: [{ id: "c", function: { name: "f", arguments: "{}" } }] },
            ],
          }),
        ),
      400,
      "messages[0].tool_calls",
    );
  });

  test("recognized but unsupported fields are rejected with unsupported_parameter", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ functions: [] }, "functions"],
      [{ logit_bias: { "50256": -100 } }, "logit_bias"],
      [{ modalities: ["text", "audio"] }, "modalities"],
      [{ prediction: { type: "content", content: "x" } }, "prediction"],
    ];
    for (const [extra, param] of cases) {
      const err = expectApiError(() => fromChatRequest(req(extra)), 400, param, "unsupported_parameter");
      expect(err.message).toContain("not supported yet");
    }
  });

  test("tools, tool_choice and parallel_tool_calls map to the internal request", () => {
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object" } } }];
    const auto = fromChatRequest(req({ tools }));
    expect(auto.tools).toEqual([{ name: "get_weather", description: undefined, parameters: { type: "object" } }]);
    expect(auto.toolChoice).toBe("auto");
    expect(auto.parallelToolCalls).toBe(true);
    expect(fromChatRequest(req({ tools, tool_choice: "required" })).toolChoice).toBe("required");
    const named = fromChatRequest(req({ tools, tool_choice: { type: "function", function: { name: "get_weather" } }, parallel_tool_calls: false }));
    expect(named.toolChoice).toEqual({ name: "get_weather" });
    expect(named.parallelToolCalls).toBe(false);
    expect(fromChatRequest(req()).toolChoice).toBe("none");
  });

  test("tool_choice that needs tools, or names a missing one, is a 400", () => {
    expectApiError(() => fromChatRequest(req({ tool_choice: "required" })), 400, "tool_choice");
    const tools = [{ type: "function" as const, function: { name: "a" } }];
    expectApiError(() => fromChatRequest(req({ tools, tool_choice: { type: "function", function: { name: "b" } } })), 400, "tool_choice");
  });

  test("response_format maps json_object and json_schema", () => {
    expect(fromChatRequest(req({ response_format: { type: "json_object" } })).responseFormat).toEqual({ type: "json_object" });
    const schema = { type: "object", properties: { a: { type: "string" } } };
    expect(fromChatRequest(req({ response_format: { type: "json_schema", json_schema: { name: "x", schema, strict: true } } })).responseFormat)
      .toEqual({ type: "json_schema", name: "x", schema, strict: true });
    expect(fromChatRequest(req({ response_format: { type: "text" } })).responseFormat).toBeUndefined();
    expectApiError(() => fromChatRequest(req({ response_format: { type: "json_schema", json_schema: { name: "x" } } })), 400, "response_format.json_schema.schema");
  });

  test("a message name is kept for the template", () => {
    expect(fromChatRequest(req({ messages: [{ role: "user", name: "ada", content: "hi" }] })).messages[0]!.name).toBe("ada");
  });

  test("enable_thinking accepts booleans and strings; reasoning_effort and reasoning{} map", () => {
    expect(fromChatRequest(req()).reasoning).toEqual({ enabled: true, effort: "medium" });
    expect(fromChatRequest(req({ enable_thinking: "false" })).reasoning!.enabled).toBe(false);
    expect(fromChatRequest(req({ enable_thinking: false })).reasoning!.enabled).toBe(false);
    expect(fromChatRequest(req({ enable_thinking: "true" })).reasoning!.enabled).toBe(true);
    expect(fromChatRequest(req({ reasoning_effort: "high" })).reasoning).toEqual({ enabled: true, effort: "high" });
    expect(fromChatRequest(req({ reasoning_effort: "none" })).reasoning!.enabled).toBe(false);
    expect(fromChatRequest(req({ reasoning: { effort: "low", enabled: true } })).reasoning).toEqual({ enabled: true, effort: "low" });
  });

  test("trivial values of unsupported fields are accepted", () => {
    expect(() =>
      fromChatRequest(
        req({ tools: [], tool_choice: "none", response_format: { type: "text" }, logit_bias: {}, modalities: ["text"] }),
      ),
    ).not.toThrow();
  });

  test("llama-server's grammar and json_schema become the output constraint", () => {
    expect(fromChatRequest(req({ grammar: 'root ::= "a"' })).responseFormat).toEqual({ type: "grammar", grammar: 'root ::= "a"' });
    const schema = { type: "object", properties: { a: { type: "string" } } };
    // llama.cpp's reading of a schema: absent additionalProperties allow no other keys.
    expect(fromChatRequest(req({ json_schema: schema })).responseFormat).toEqual({ type: "json_schema", schema, strict: true });
    expect(fromChatRequest(req({ json_schema: {} })).responseFormat).toEqual({ type: "json_object" });
    expect(fromChatRequest(req({ response_format: { type: "json_object", schema } })).responseFormat)
      .toEqual({ type: "json_schema", schema, strict: true });
    // response_format text is no constraint, so it combines with a grammar.
    expect(fromChatRequest(req({ grammar: "root ::= [a-z]+", response_format: { type: "text" } })).responseFormat!.type).toBe("grammar");
  });

  test("two output constraints at once are a 400 naming the second", () => {
    expectApiError(() => fromChatRequest(req({ grammar: "root ::= [a]", json_schema: { type: "object" } })), 400, "json_schema");
    expectApiError(() => fromChatRequest(req({ response_format: { type: "json_object" }, grammar: "root ::= [a]" })), 400, "grammar");
  });

  test("ignore_eos reaches the sampling parameters", () => {
    expect(fromChatRequest(req({ ignore_eos: true })).sampling.ignoreEos).toBe(true);
    expect(fromChatRequest(req()).sampling.ignoreEos).toBeUndefined();
  });

  test("n_probs asks for logprobs with that many alternatives; OpenAI's fields win", () => {
    expect(fromChatRequest(req({ n_probs: 3 })).topLogprobs).toBe(3);
    expect(fromChatRequest(req({ n_probs: 0 })).topLogprobs).toBeUndefined();
    expect(fromChatRequest(req({ n_probs: 3, logprobs: true, top_logprobs: 1 })).topLogprobs).toBe(1);
    expect(fromChatRequest(req({ n_probs: 3, logprobs: true })).topLogprobs).toBe(3);
  });

  test("n_predict is a token limit (-1: none) that max_tokens overrides", () => {
    expect(fromChatRequest(req({ n_predict: 7 })).maxTokens).toBe(7);
    expect(fromChatRequest(req({ n_predict: -1 })).maxTokens).toBeUndefined();
    expect(fromChatRequest(req({ n_predict: 7, max_tokens: 3 })).maxTokens).toBe(3);
    expectApiError(() => fromChatRequest(req({ n_predict: 0 })), 400, "n_predict");
  });

  test("cache_prompt is accepted", () => {
    expect(() => fromChatRequest(req({ cache_prompt: true }))).not.toThrow();
    expect(() => fromChatRequest(req({ cache_prompt: false }))).not.toThrow();
  });

  test("chat_template_kwargs: enable_thinking and reasoning_effort honoured, other keys refused by name", () => {
    expect(fromChatRequest(req({ chat_template_kwargs: { enable_thinking: false } })).reasoning!.enabled).toBe(false);
    expect(fromChatRequest(req({ chat_template_kwargs: { reasoning_effort: "low" } })).reasoning!.effort).toBe("low");
    // The top-level fields win over the template variables.
    expect(fromChatRequest(req({ enable_thinking: true, chat_template_kwargs: { enable_thinking: false } })).reasoning!.enabled).toBe(true);
    expectApiError(() => fromChatRequest(req({ chat_template_kwargs: { custom_flag: 1 } })), 400, "chat_template_kwargs.custom_flag", "unsupported_parameter");
    expectApiError(() => fromChatRequest(req({ chat_template_kwargs: { enable_thinking: "no" } })), 400, "chat_template_kwargs.enable_thinking");
    expectApiError(() => fromChatRequest(req({ chat_template_kwargs: { reasoning_effort: "max" } })), 400, "chat_template_kwargs.reasoning_effort");
  });

  test("llama-server fields not honoured are refused by name; their defaults are accepted", () => {
    const refused: [string, unknown][] = [
      ["mirostat", 2],
      ["typical_p", 0.5],
      ["samplers", ["top_k"]],
      ["n_keep", 16],
      ["id_slot", 1],
      ["lora", [{ id: 0, scale: 1 }]],
      ["grammar_triggers", [{ type: "word", value: "x" }]],
      ["reasoning_format", "none"],
      ["timings_per_token", true],
      ["top_n_sigma", 1.5],
    ];
    for (const [field, value] of refused) {
      const err = expectApiError(() => fromChatRequest(req({ [field]: value })), 400, field, "unsupported_parameter");
      expect(err.message).toContain("not supported");
    }
    const defaults = { mirostat: 0, typical_p: 1, n_keep: 0, id_slot: -1, lora: [], reasoning_format: "auto", timings_per_token: false, top_n_sigma: -1, samplers: null };
    expect(() => fromChatRequest(req(defaults))).not.toThrow();
  });

  test("wantsUsage: on by default, either switch turns it off", () => {
    expect(wantsUsage(req())).toBe(true);
    expect(wantsUsage(req({ stream_options: { include_usage: false } }))).toBe(false);
    expect(wantsUsage(req({ include_usage: false }))).toBe(false);
    expect(wantsUsage(req({ stream_options: { include_usage: true } }))).toBe(true);
  });
});

describe("toChatCompletion", () => {
  test("produces the documented shape", () => {
    const events: GenerateEvent[] = [
      { type: "start", promptTokens: 25 },
      { type: "text", text: "Hel" },
      { type: "text", text: "lo!" },
      { type: "done", finishReason: "eos", usage },
    ];
    expect(toChatCompletion(events, ctx)).toEqual({
      id: "chatcmpl-abc123",
      object: "chat.completion",
      created: 1234567890,
      model: "qwen3-8b-q8_0",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: "Hello!", reasoning: "" },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: {
        prompt_tokens: 25,
        reasoning_tokens: 0,
        completion_tokens: 12,
        output_tokens: 12,
        total_tokens: 37,
        tokens_per_second: 85.5,
        completion_tokens_details: { reasoning_tokens: 0 },
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
  });

  test("collects reasoning, tool calls and the returned prompt", () => {
    const c = toChatCompletion(
      [
        { type: "start", promptTokens: 3, prompt: "<|user|>Hi" },
        { type: "reasoning", text: "Let me " },
        { type: "reasoning", text: "think." },
        { type: "tool_call_start", index: 0, id: "call_a", name: "get_weather" },
        { type: "tool_call_delta", index: 0, argumentsDelta: '{"city":' },
        { type: "tool_call_delta", index: 0, argumentsDelta: '"Paris"}' },
        { type: "tool_call_end", index: 0 },
        { type: "done", finishReason: "tool_calls", usage: { ...usage, reasoningTokens: 4 } },
      ],
      { ...ctx, returnPrompt: true },
    );
    expect(c.prompt).toBe("<|user|>Hi");
    expect(c.choices[0]!.message).toEqual({
      role: "assistant",
      content: null,
      reasoning: "Let me think.",
      tool_calls: [{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    });
    expect(c.choices[0]!.finish_reason).toBe("tool_calls");
    expect(c.usage.reasoning_tokens).toBe(4);
    expect(c.usage.completion_tokens_details.reasoning_tokens).toBe(4);
  });

  test("logprobs in OpenAI's shape when requested, empty content when no tokens", () => {
    const lp = { token: "Hi", bytes: [72, 105], logprob: -0.1, top: [{ token: "Hi", bytes: [72, 105], logprob: -0.1 }] };
    const c = toChatCompletion(
      [
        { type: "start", promptTokens: 1 },
        { type: "text", text: "Hi", logprobs: [lp] },
        { type: "done", finishReason: "max_tokens", usage },
      ],
      { ...ctx, logprobs: true },
    );
    expect(c.choices[0]!.logprobs).toEqual({
      content: [{ token: "Hi", logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob: -0.1, bytes: [72, 105] }] }],
    });
    const empty = toChatCompletion([{ type: "done", finishReason: "max_tokens", usage }], { ...ctx, logprobs: true });
    expect(empty.choices[0]!.logprobs).toEqual({ content: [] });
  });

  test("an error event throws ApiError with the engine's status", () => {
    const err = expectApiError(
      () =>
        toChatCompletion(
          [{ type: "error", error: { kind: "context_exceeded", code: "context_length_exceeded", message: "too long", param: "messages" } }],
          ctx,
        ),
      400,
      "messages",
      "context_length_exceeded",
    );
    expect(err.message).toBe("too long");
  });

  test("events without done are a server error", () => {
    expectApiError(() => toChatCompletion([{ type: "start", promptTokens: 1 }], ctx), 500);
  });
});

describe("ChatStreamConverter", () => {
  const parse = (frames: SseFrame[]) => frames.map((f) => ("data" in f && f.data !== "[DONE]" ? JSON.parse(f.data) : f)) as any[];
  /** Frames as parsed JSON; the closing `data: [DONE]` is checked and left out. */
  const run = (events: GenerateEvent[], opts: { usage?: UsageMode; logprobs?: boolean } = {}) => {
    const conv = new ChatStreamConverter({ ...ctx, usage: opts.usage ?? "final", logprobs: opts.logprobs });
    const frames = parse(events.flatMap((e) => conv.process(e)));
    const completed = frames.at(-1)?.data === "[DONE]";
    return { conv, completed, frames: completed ? frames.slice(0, -1) : frames };
  };

  test("emits role first and usage last", () => {
    const { conv, completed, frames } = run([
      { type: "start", promptTokens: 25 },
      { type: "text", text: "Hello" },
      { type: "text", text: "!" },
      { type: "done", finishReason: "eos", usage },
    ]);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toEqual({
      id: "chatcmpl-abc123",
      object: "chat.completion.chunk",
      created: 1234567890,
      model: "qwen3-8b-q8_0",
      choices: [{ index: 0, delta: { role: "assistant", content: "Hello" }, logprobs: null, finish_reason: null }],
    });
    expect(frames[1].choices[0].delta).toEqual({ content: "!" });
    expect(frames[1].usage).toBeUndefined();
    expect(frames[2].choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
    expect(frames[2].usage.total_tokens).toBe(37);
    expect(frames[2].usage.tokens_per_second).toBe(85.5);
    expect(completed).toBe(true);
    expect(conv.end()).toEqual([]);
  });

  test("include_usage off leaves usage out of the final chunk", () => {
    const { frames } = run([{ type: "text", text: "x" }, { type: "done", finishReason: "max_tokens", usage }], {
      usage: "none",
    });
    expect(frames.at(-1).usage).toBeUndefined();
    expect(frames.at(-1).choices[0].finish_reason).toBe("length");
  });

  test("stream_options.include_usage: true sends usage OpenAI's way: a last chunk with no choices", () => {
    const { frames, completed } = run([{ type: "text", text: "x" }, { type: "done", finishReason: "eos", usage }], { usage: "separate" });
    expect(completed).toBe(true);
    expect(frames.slice(0, -1).every((f) => f.usage === null)).toBe(true);
    expect(frames.at(-2).choices[0].finish_reason).toBe("stop");
    expect(frames.at(-1).choices).toEqual([]);
    expect(frames.at(-1).usage.total_tokens).toBe(37);
  });

  test("an empty generation still sends the role chunk", () => {
    const { frames } = run([{ type: "start", promptTokens: 1 }, { type: "done", finishReason: "eos", usage }]);
    expect(frames[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(frames[1].choices[0].finish_reason).toBe("stop");
  });

  test("reasoning and tool calls become deltas", () => {
    const { frames } = run([
      { type: "reasoning", text: "hmm" },
      { type: "tool_call_start", index: 0, id: "call_1", name: "f" },
      { type: "tool_call_delta", index: 0, argumentsDelta: "{}" },
      { type: "tool_call_end", index: 0 },
      { type: "done", finishReason: "tool_calls", usage },
    ]);
    expect(frames.map((f) => f.choices[0].delta)).toEqual([
      { role: "assistant", reasoning: "hmm" },
      { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: "{}" } }] },
      {},
    ]);
    expect(frames.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  test("logprobs per chunk when requested", () => {
    const lp = { token: "a", bytes: [97], logprob: -1, top: [] };
    const { frames } = run([{ type: "text", text: "a", logprobs: [lp] }], { logprobs: true });
    expect(frames[0].choices[0].logprobs).toEqual({
      content: [{ token: "a", logprob: -1, bytes: [97], top_logprobs: [] }],
    });
  });

  test("an error event becomes an OpenAI error object and ends the stream", () => {
    const { conv, completed, frames } = run([
      { type: "text", text: "a" },
      { type: "error", error: { kind: "internal", code: "runner_crashed", message: "The model runner stopped." } },
      { type: "text", text: "ignored" },
    ]);
    expect(frames).toHaveLength(2);
    expect(frames[1]).toEqual({
      error: { message: "The model runner stopped.", type: "server_error", param: null, code: "runner_crashed" },
    });
    expect(conv.finished).toBe(true);
    expect(completed).toBe(false);
  });

  test("done() after a source that stopped without done reports an error", () => {
    const { conv } = run([{ type: "text", text: "a" }]);
    const [frame] = parse(conv.end());
    expect(frame.error.code).toBe("internal_error");
  });
});

describe("toOpenAIError", () => {
  test("maps ApiError to its status and OpenAI body", () => {
    expect(toOpenAIError(new ApiError("not_found", "model_not_found", "nope", "model"))).toEqual({
      status: 404,
      body: { error: { message: "nope", type: "not_found_error", param: "model", code: "model_not_found" } },
    });
  });

  test("unknown errors are a generic 500 without internals", () => {
    const { status, body } = toOpenAIError(new Error("secret /home/path at foo.ts:12"));
    expect(status).toBe(500);
    expect(body.error.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("secret");
  });

  test("Elysia's NOT_FOUND and PARSE become 404 and 400 invalid_json", () => {
    expect(toOpenAIError(new NotFoundError())).toMatchObject({ status: 404, body: { error: { type: "not_found_error" } } });
    expect(toOpenAIError(new Error("x"), "NOT_FOUND").status).toBe(404);
    expect(toOpenAIError(new ParseError())).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
  });

  test("validation paths become OpenAI params", () => {
    expect(toParam("/messages")).toBe("messages");
    expect(toParam("/messages/0/content/1/type")).toBe("messages[0].content[1].type");
    expect(toParam("")).toBe("");
  });
});
