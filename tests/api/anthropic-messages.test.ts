// The Anthropic Messages translations, pure: request -> GenerateRequest, Completion -> message,
// GenerateEvents -> SSE frames, and the thinking signatures.
import { describe, expect, test } from "bun:test";
import { fromCountTokensRequest, fromMessagesRequest } from "../../api/anthropic/fromRequest.ts";
import { MessageStreamConverter } from "../../api/anthropic/streamConverter.ts";
import { ThinkingSigner } from "../../api/anthropic/thinkingSignature.ts";
import { toMessage, type MessageContext } from "../../api/anthropic/toResponse.ts";
import type { Completion } from "../../api/generation.ts";
import { ApiError } from "../../api/http/errors.ts";
import type { GenerateEvent } from "../../core/index.ts";
import type { MessagesRequest } from "../../schemas/anthropic-messages.ts";
import { usage } from "../support/scriptedEngine.ts";

const signer = new ThinkingSigner();
const req = (extra: Record<string, unknown> = {}) =>
  ({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "Hi" }], ...extra }) as MessagesRequest;
const convert = (extra: Record<string, unknown> = {}) => fromMessagesRequest(req(extra), signer);
const text = (t: string) => ({ type: "text" as const, text: t });

/** The ApiError a conversion throws. */
function refusal(extra: Record<string, unknown>): ApiError {
  try {
    convert(extra);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("fromMessagesRequest", () => {
  test("the plain fields", () => {
    const r = convert({ max_tokens: 128000, stop_sequences: ["END", ""], temperature: 0.2, top_p: 0.5, top_k: 7, min_p: 0.1, seed: 3 });
    expect(r.model).toBe("m");
    // Clamped to what the context holds by the scheduler, never refused.
    expect(r.maxTokens).toBe(128000);
    expect(r.stop).toEqual(["END"]);
    expect(r.sampling).toMatchObject({ temperature: 0.2, topP: 0.5, topK: 7, minP: 0.1, seed: 3 });
    expect(r.toolCallIdPrefix).toBe("toolu_");
    expect(r.messages).toEqual([{ role: "user", content: [text("Hi")] }]);
  });

  test("system blocks and mid-conversation system messages make one system prompt; the billing header is dropped", () => {
    const r = convert({
      system: [
        { type: "text", text: "x-anthropic-billing-header: cc_version=2.1.332.58d; cc_entrypoint=sdk-cli;" },
        { type: "text", text: "You are an agent.", cache_control: { type: "ephemeral" } },
      ],
      messages: [
        { role: "user", content: [text("a"), { type: "text", text: "b", cache_control: { type: "ephemeral" } }] },
        { role: "system", content: "Environment: linux" },
        { role: "assistant", content: "ok" },
        { role: "system", content: [text("Later rule")] },
        { role: "user", content: "c" },
      ],
    });
    expect(r.messages).toEqual([
      { role: "system", content: [text("You are an agent."), text("Environment: linux"), text("Later rule")] },
      { role: "user", content: [text("a"), text("b")] },
      { role: "assistant", content: [text("ok")] },
      { role: "user", content: [text("c")] },
    ]);
  });

  test("a tool round: tool_use -> tool calls, tool_result -> tool messages ahead of the turn's text", () => {
    const r = convert({
      messages: [
        { role: "user", content: "Read it" },
        {
          role: "assistant",
          content: [text("Reading."), { type: "tool_use", id: "toolu_1", name: "Read", input: { file_path: "/a" } }, { type: "tool_use", id: "toolu_2", name: "Ls", input: {} }],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "and then?" },
            { type: "tool_result", tool_use_id: "toolu_1", content: "hello", cache_control: { type: "ephemeral" } },
            { type: "tool_result", tool_use_id: "toolu_2", content: [text("no such"), text(" dir")], is_error: true },
          ],
        },
      ],
    });
    expect(r.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: [text("Reading.")],
        toolCalls: [
          { id: "toolu_1", name: "Read", arguments: '{"file_path":"/a"}' },
          { id: "toolu_2", name: "Ls", arguments: "{}" },
        ],
      },
      { role: "tool", content: [text("hello")], toolCallId: "toolu_1" },
      { role: "tool", content: [text("no such"), text(" dir")], toolCallId: "toolu_2", isError: true },
      { role: "user", content: [text("and then?")] },
    ]);
  });

  test("a tool search's tool_reference names the tool it found; an unknown one is refused", () => {
    const tools = [{ name: "ToolSearch", input_schema: { type: "object" } }, { name: "CronCreate", input_schema: { type: "object" }, defer_loading: true }];
    const found = (name: string) => ({
      tools,
      messages: [
        { role: "user", content: "schedule it" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "ToolSearch", input: { query: "cron" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "tool_reference", tool_name: name }] }] },
      ],
    });
    expect(convert(found("CronCreate")).messages[2]).toEqual({ role: "tool", content: [text("Tool available: CronCreate")], toolCallId: "toolu_1" });
    expect(refusal(found("Nope")).param).toBe("messages[2].content[0].content[0].tool_name");
  });

  test("our own thinking comes back from its signature, even omitted; another model's is dropped", () => {
    const own = signer.sign("I should read the file.");
    const r = convert({
      messages: [
        { role: "user", content: "go" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "", signature: own },
            { type: "thinking", thinking: "Claude's thought", signature: "sig-capture-1" },
            { type: "redacted_thinking", data: "opaque" },
            { type: "tool_use", id: "toolu_1", name: "Read", input: {} },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "x" }] },
      ],
    });
    expect(r.messages[1]!.reasoning).toBe("I should read the file.");
  });

  test("images become media parts wherever they are (vision is the engine's check); unknown blocks name themselves", () => {
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBOR" } };
    const top = convert({ messages: [{ role: "user", content: [text("see"), image] }] });
    expect(top.messages[0]!.content[1]).toMatchObject({ type: "image", url: "data:image/png;base64,iVBOR", param: "messages[0].content[1].source.data" });
    const nested = convert({ messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [image] }] }] });
    expect(JSON.stringify(nested.messages)).toContain('"param":"messages[0].content[0].content[0].source.data"');
    const url = convert({ messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://x/y.png" } }] }] });
    expect(url.messages[0]!.content[0]).toMatchObject({ type: "image", url: "https://x/y.png", param: "messages[0].content[0].source.url" });
    const file = refusal({ messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }] });
    expect(file.param).toBe("messages[0].content[0].source.type");
    const doc = refusal({ messages: [{ role: "user", content: [{ type: "document", source: {} }] }] });
    expect([doc.kind, doc.param]).toEqual(["unsupported", "messages[0].content[0].type"]);
  });

  test("blocks in the wrong role, a prefill, and tool_result without its id are 400s", () => {
    expect(refusal({ messages: [{ role: "user", content: [{ type: "tool_use", id: "a", name: "b", input: {} }] }] }).param).toBe("messages[0].content[0].type");
    expect(refusal({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: [{ type: "tool_result", tool_use_id: "a" }] }, { role: "user", content: "b" }] }).param).toBe(
      "messages[1].content[0].type",
    );
    expect(refusal({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "The answer is" }] }).message).toContain("prefill");
    expect(refusal({ messages: [{ role: "user", content: [{ type: "tool_result", content: "x" }] }] }).param).toBe("messages[0].content[0].tool_use_id");
    expect(refusal({ messages: [{ role: "system", content: "only" }] }).param).toBe("messages");
  });

  test("tools: relaxed unless strict; server tools, input_examples and duplicates refused", () => {
    const schema = { type: "object", properties: { url: { type: "string", format: "uri" } } };
    const r = convert({
      tools: [
        { name: "WebFetch", description: "Fetch", input_schema: schema, cache_control: { type: "ephemeral" } },
        { name: "Exact", input_schema: schema, strict: true, type: "custom" },
        { name: "Later", input_schema: { type: "object" }, defer_loading: true },
      ],
    });
    expect(r.tools).toEqual([
      { name: "WebFetch", description: "Fetch", parameters: schema, relaxSchema: true },
      { name: "Exact", description: undefined, parameters: schema, relaxSchema: false },
      { name: "Later", description: undefined, parameters: { type: "object" }, relaxSchema: true },
    ]);
    expect(r.toolChoice).toBe("auto");
    expect(r.parallelToolCalls).toBe(true);
    expect(refusal({ tools: [{ name: "web_search", type: "web_search_20250305" }] }).param).toBe("tools[0].type");
    expect(refusal({ tools: [{ name: "a", input_schema: {}, input_examples: [{}] }] }).param).toBe("tools[0].input_examples");
    expect(refusal({ tools: [{ name: "a", input_schema: {} }, { name: "a", input_schema: {} }] }).param).toBe("tools[1].name");
    expect(refusal({ tools: [{ name: "a" }] }).param).toBe("tools[0].input_schema");
  });

  test("tool_choice: auto, any, tool, none, and disable_parallel_tool_use", () => {
    const tools = [{ name: "a", input_schema: { type: "object" } }];
    expect(convert({ tools, tool_choice: { type: "auto", disable_parallel_tool_use: true } })).toMatchObject({ toolChoice: "auto", parallelToolCalls: false });
    expect(convert({ tools, tool_choice: { type: "any" } }).toolChoice).toBe("required");
    expect(convert({ tools, tool_choice: { type: "tool", name: "a" } }).toolChoice).toEqual({ name: "a" });
    expect(convert({ tools, tool_choice: { type: "none" } }).toolChoice).toBe("none");
    expect(convert({}).toolChoice).toBe("none");
    expect(refusal({ tools, tool_choice: { type: "tool", name: "b" } }).param).toBe("tool_choice.name");
    expect(refusal({ tool_choice: { type: "any" } }).param).toBe("tool_choice");
  });

  test("thinking and effort -> reasoning options", () => {
    expect(convert({}).reasoning).toEqual({ enabled: false, effort: "medium" });
    expect(convert({ thinking: { type: "disabled" } }).reasoning).toEqual({ enabled: false, effort: "medium" });
    // Claude Code with a claude-sonnet name: the budget bounds <think> and sets the effort.
    expect(convert({ thinking: { type: "enabled", budget_tokens: 31999 } }).reasoning).toEqual({ enabled: true, effort: "high", budgetTokens: 31999 });
    expect(convert({ thinking: { type: "enabled", budget_tokens: 1024 } }).reasoning).toEqual({ enabled: true, effort: "low", budgetTokens: 1024 });
    expect(convert({ thinking: { type: "enabled", budget_tokens: 8000 }, output_config: { effort: "max" } }).reasoning).toEqual({
      enabled: true,
      effort: "high",
      budgetTokens: 8000,
    });
    expect(convert({ thinking: { type: "adaptive", display: "omitted" } }).reasoning).toEqual({ enabled: true, effort: "high" });
    expect(convert({ thinking: { type: "adaptive" }, output_config: { effort: "medium" } }).reasoning).toEqual({ enabled: true, effort: "medium" });
    // A system message's output_config sets the effort from its turn on.
    const perTurn = convert({
      thinking: { type: "adaptive" },
      output_config: { effort: "high" },
      messages: [{ role: "user", content: "a" }, { role: "system", content: "b", output_config: { effort: "low" } }],
    });
    expect(perTurn.reasoning).toEqual({ enabled: true, effort: "low" });
    expect(refusal({ thinking: { type: "enabled" } }).param).toBe("thinking.budget_tokens");
  });

  test("output_config.format is structured output; unknown output_config keys and MCP servers are refused", () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
    expect(convert({ output_config: { format: { type: "json_schema", schema } } }).responseFormat).toEqual({ type: "json_schema", schema, strict: true });
    expect(refusal({ output_config: { task_budget: { type: "tokens", total: 1000 } } }).param).toBe("output_config.task_budget");
    expect(refusal({ mcp_servers: [{ type: "url", url: "https://x", name: "x" }] }).param).toBe("mcp_servers");
  });

  test("fields that mean nothing here are accepted", () => {
    const r = convert({
      metadata: { user_id: "u" },
      context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
      cache_control: { type: "ephemeral" },
      service_tier: "auto",
      speed: "standard",
    });
    expect(r.messages).toHaveLength(1);
  });

  test("count_tokens renders the same prompt, without generation fields", () => {
    const body = { model: "m", system: "S", messages: [{ role: "user", content: "Hi" }], tools: [{ name: "a", input_schema: {} }] } as never;
    const counted = fromCountTokensRequest(body, signer);
    const generated = fromMessagesRequest({ ...(body as object), max_tokens: 5 } as MessagesRequest, signer);
    expect(counted.messages).toEqual(generated.messages);
    expect(counted.tools).toEqual(generated.tools);
    expect(counted.maxTokens).toBeUndefined();
  });
});

const ctx = (extra: Partial<MessageContext> = {}): MessageContext => ({ id: "msg_1", model: "m", stopSequences: ["END"], omitThinking: false, signer, ...extra });
const completion = (extra: Partial<Completion> = {}): Completion => ({ text: "", reasoning: "", logprobs: [], toolCalls: [], finishReason: "eos", usage, ...extra });

describe("toMessage", () => {
  test("thinking, text and tool_use blocks, in that order, with parsed input", () => {
    const msg = toMessage(
      completion({
        reasoning: "hmm",
        text: "Let me look.\n",
        toolCalls: [{ id: "toolu_x", name: "Read", arguments: '{"file_path":"/a"}' }],
        finishReason: "tool_calls",
        usage: { ...usage, promptTokens: 50, cachedPromptTokens: 40, completionTokens: 9 },
      }),
      ctx(),
    );
    expect(msg).toMatchObject({ id: "msg_1", type: "message", role: "assistant", model: "m", stop_reason: "tool_use", stop_sequence: null });
    expect(msg.content.map((b) => b.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(msg.content[1]).toEqual({ type: "text", text: "Let me look.\n" });
    expect(msg.content[2]).toEqual({ type: "tool_use", id: "toolu_x", name: "Read", input: { file_path: "/a" } });
    const thinking = msg.content[0] as { thinking: string; signature: string };
    expect(thinking.thinking).toBe("hmm");
    expect(signer.open(thinking.signature)).toBe("hmm");
    expect(msg.usage).toEqual({ input_tokens: 10, output_tokens: 9, cache_read_input_tokens: 40, cache_creation_input_tokens: 0 });
  });

  test("display omitted: the thinking text is empty, its signature still carries it", () => {
    const msg = toMessage(completion({ reasoning: "secret", text: "hi" }), ctx({ omitThinking: true }));
    const thinking = msg.content[0] as { thinking: string; signature: string };
    expect(thinking.thinking).toBe("");
    expect(signer.open(thinking.signature)).toBe("secret");
  });

  test("stop reasons", () => {
    expect(toMessage(completion({ text: "a" }), ctx()).stop_reason).toBe("end_turn");
    expect(toMessage(completion({ text: "a", finishReason: "max_tokens" }), ctx())).toMatchObject({ stop_reason: "max_tokens", stop_sequence: null });
    expect(toMessage(completion({ text: "a", finishReason: "stop_sequence", stopSequence: "END" }), ctx())).toMatchObject({
      stop_reason: "stop_sequence",
      stop_sequence: "END",
    });
    // A stop string the client did not ask for (a template-less model's fallback) ends the turn.
    expect(toMessage(completion({ text: "a", finishReason: "stop_sequence", stopSequence: "\nUser:" }), ctx())).toMatchObject({
      stop_reason: "end_turn",
      stop_sequence: null,
    });
  });

  test("whitespace-only text makes no block; an empty answer has no content", () => {
    const calls = [{ id: "toolu_1", name: "a", arguments: "{}" }];
    expect(toMessage(completion({ text: "\n\n", toolCalls: calls, finishReason: "tool_calls" }), ctx()).content.map((b) => b.type)).toEqual(["tool_use"]);
    expect(toMessage(completion(), ctx()).content).toEqual([]);
    // Arguments cut by max_tokens do not parse: the input is an empty object, never a string.
    expect(toMessage(completion({ toolCalls: [{ id: "t", name: "a", arguments: '{"x": "' }], finishReason: "max_tokens" }), ctx()).content[0]).toMatchObject({ input: {} });
  });
});

/** The SSE frames of a run of events, as [event, data] pairs. */
function stream(events: GenerateEvent[], extra: Partial<MessageContext> = {}, end = false) {
  const converter = new MessageStreamConverter(ctx(extra));
  const frames = events.flatMap((ev) => converter.process(ev));
  if (end) frames.push(...converter.end());
  return frames.map((f) => {
    if ("comment" in f) throw new Error("no comments expected");
    const data = JSON.parse(f.data);
    expect(f.event).toBe(data.type); // every frame names its event
    return data;
  });
}

describe("MessageStreamConverter", () => {
  const start: GenerateEvent = { type: "start", promptTokens: 12 };
  const done = (finishReason: "eos" | "tool_calls" = "eos"): GenerateEvent => ({ type: "done", finishReason, usage: { ...usage, promptTokens: 12, cachedPromptTokens: 8 } });

  test("thinking, text and a tool call: Anthropic's event order, the signature before the thinking block stops", () => {
    const events = stream([
      start,
      { type: "reasoning", text: "Let me " },
      { type: "reasoning", text: "think." },
      { type: "text", text: "Calling." },
      { type: "text", text: "\n" },
      { type: "tool_call_start", index: 0, id: "toolu_a", name: "Read" },
      { type: "tool_call_delta", index: 0, argumentsDelta: '{"file_path":' },
      { type: "tool_call_delta", index: 0, argumentsDelta: '"/a"}' },
      { type: "tool_call_end", index: 0 },
      { type: "text", text: "\n" },
      { type: "tool_call_start", index: 1, id: "toolu_b", name: "Ls" },
      { type: "tool_call_end", index: 1 },
      done("tool_calls"),
    ]);
    const shape = events.map((e) => (e.type === "content_block_delta" ? `${e.index}:${e.delta.type}` : e.index !== undefined ? `${e.type}:${e.index}` : e.type));
    expect(shape).toEqual([
      "message_start",
      "ping",
      "content_block_start:0",
      "0:thinking_delta",
      "0:thinking_delta",
      "0:signature_delta",
      "content_block_stop:0",
      "content_block_start:1",
      "1:text_delta",
      "1:text_delta",
      "content_block_stop:1",
      "content_block_start:2",
      "2:input_json_delta",
      "2:input_json_delta",
      "content_block_stop:2",
      "content_block_start:3",
      "content_block_stop:3",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0].message).toMatchObject({ id: "msg_1", role: "assistant", content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 0 } });
    expect(events[2].content_block).toEqual({ type: "thinking", thinking: "", signature: "" });
    expect(signer.open(events[5].delta.signature)).toBe("Let me think.");
    expect(events[11].content_block).toEqual({ type: "tool_use", id: "toolu_a", name: "Read", input: {} });
    expect(events[17]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 4, output_tokens: 2, cache_read_input_tokens: 8, cache_creation_input_tokens: 0 },
    });
  });

  test("omitted thinking sends no thinking_delta, only the signature", () => {
    const events = stream([start, { type: "reasoning", text: "private" }, { type: "text", text: "ok" }, done()], { omitThinking: true });
    expect(events.filter((e) => e.delta?.type === "thinking_delta")).toEqual([]);
    const signature = events.find((e) => e.delta?.type === "signature_delta").delta.signature;
    expect(signer.open(signature)).toBe("private");
  });

  test("leading whitespace waits for text; whitespace alone never opens a block", () => {
    const events = stream([start, { type: "text", text: " " }, { type: "text", text: "\n" }, { type: "text", text: "Hi" }, done()]);
    expect(events.filter((e) => e.type === "content_block_delta").map((e) => e.delta.text)).toEqual([" \nHi"]);
    const blank = stream([start, { type: "text", text: "\n" }, done()]);
    expect(blank.map((e) => e.type)).toEqual(["message_start", "ping", "message_delta", "message_stop"]);
  });

  test("a failure after the stream began is an error event, and nothing follows it", () => {
    const converter = new MessageStreamConverter(ctx());
    converter.process(start);
    const frames = converter.process({ type: "error", error: { kind: "overloaded", code: "runner_crashed", message: "The runner stopped." } });
    expect(frames).toEqual([{ event: "error", data: JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "The runner stopped." } }) }]);
    expect(converter.finished).toBe(true);
    expect(converter.process(done())).toEqual([]);
    const ended = stream([start, { type: "text", text: "a" }], {}, true);
    expect(ended.at(-1)).toMatchObject({ type: "error", error: { type: "api_error" } });
  });

  test("a matched stop sequence is in message_delta", () => {
    const events = stream([start, { type: "text", text: "a" }, { type: "done", finishReason: "stop_sequence", stopSequence: "END", usage }]);
    expect(events.at(-2).delta).toEqual({ stop_reason: "stop_sequence", stop_sequence: "END" });
  });
});

describe("ThinkingSigner", () => {
  test("opens its own signatures only", () => {
    const signature = signer.sign("thought é 😀");
    expect(signer.open(signature)).toBe("thought é 😀");
    expect(signer.open(signature)).toBe(signer.open(signature));
    // Another process's key, an edited signature, or anything else: foreign.
    expect(new ThinkingSigner().open(signature)).toBeUndefined();
    const bytes = Buffer.from(signature, "base64");
    bytes[bytes.length - 1] ^= 1;
    expect(signer.open(bytes.toString("base64"))).toBeUndefined();
    expect(signer.open("sig-capture-1")).toBeUndefined();
    expect(signer.open("")).toBeUndefined();
    // A fixed key opens across instances (a key kept across restarts).
    const key = new Uint8Array(32).fill(7);
    expect(new ThinkingSigner(key).open(new ThinkingSigner(key).sign("kept"))).toBe("kept");
  });
});
