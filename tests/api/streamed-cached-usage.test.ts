// Cached prompt tokens are known only when a generation ends: every protocol's streamed final
// usage must carry them (the stream's first frames went out before they were known).
import { describe, expect, test } from "bun:test";
import { MessageStreamConverter } from "../../api/anthropic/streamConverter.ts";
import { ThinkingSigner } from "../../api/anthropic/thinkingSignature.ts";
import type { SseFrame } from "../../api/http/sse.ts";
import { ChatStreamConverter, type UsageMode } from "../../api/openai/streamConverter.ts";
import { fromResponsesRequest } from "../../api/responses/fromRequest.ts";
import { ResponsesStreamConverter } from "../../api/responses/streamConverter.ts";
import type { GenerateEvent } from "../../core/index.ts";
import type { ResponsesRequest } from "../../schemas/openai-responses.ts";
import { usage } from "../support/scriptedEngine.ts";

const EVENTS: GenerateEvent[] = [
  { type: "start", promptTokens: 50 },
  { type: "text", text: "Hi" },
  { type: "done", finishReason: "eos", usage: { ...usage, promptTokens: 50, cachedPromptTokens: 42, completionTokens: 3 } },
];

const payloads = (frames: SseFrame[]) => frames.flatMap((f) => ("data" in f && f.data !== "[DONE]" ? [JSON.parse(f.data)] : []));

describe("streamed usage with cached prompt tokens", () => {
  test.each(["final", "separate"] as UsageMode[])("Chat Completions (%s usage): prompt_tokens_details.cached_tokens on the usage chunk", (mode) => {
    const converter = new ChatStreamConverter({ id: "chatcmpl-1", created: 1, model: "m", usage: mode });
    const chunks = payloads(EVENTS.flatMap((e) => converter.process(e)));
    const withUsage = chunks.filter((c) => c.usage);
    expect(withUsage).toHaveLength(1);
    expect(withUsage[0].usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 3, total_tokens: 53, prompt_tokens_details: { cached_tokens: 42 } });
  });

  test("Responses: response.completed's usage has input_tokens_details.cached_tokens", () => {
    const body = { model: "m", input: "x" } as unknown as ResponsesRequest;
    const converter = new ResponsesStreamConverter({
      id: "resp_1",
      createdAt: 1,
      body,
      toolPlan: fromResponsesRequest(body, {}).toolPlan,
      wants: { encryptedReasoning: false, reasoningSummary: false, logprobs: false },
    });
    const events = payloads(EVENTS.flatMap((e) => converter.process(e)));
    // Created and in-progress come before the end: no usage yet.
    expect(events.filter((e) => e.type !== "response.completed" && e.response).every((e) => e.response.usage === null)).toBe(true);
    const completed = events.find((e) => e.type === "response.completed");
    expect(completed.response.usage).toEqual({
      input_tokens: 50,
      input_tokens_details: { cached_tokens: 42 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 53,
    });
  });

  test("Anthropic: message_start keeps the whole prompt as input; message_delta splits it into cache reads and the rest", () => {
    const converter = new MessageStreamConverter({ id: "msg_1", model: "m", stopSequences: [], omitThinking: false, signer: new ThinkingSigner() });
    const events = payloads(EVENTS.flatMap((e) => converter.process(e)));
    expect(events[0].message.usage).toEqual({ input_tokens: 50, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    const delta = events.find((e) => e.type === "message_delta");
    expect(delta.usage).toEqual({ input_tokens: 8, output_tokens: 3, cache_read_input_tokens: 42, cache_creation_input_tokens: 0 });
  });
});
