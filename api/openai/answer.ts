// A started chat generation -> its answer: a chat.completion, or its SSE stream. Shared by
// /v1/chat/completions and /v1/chat/resume, which answer alike.
import type { GenerateEvent, GenerateRequest, Receipt } from "../../core/index.ts";
import type { ChatCompletion } from "../../schemas/openai-chat.ts";
import { accumulateChoices, collectEvents, streamFrames, type Generation } from "../generation.ts";
import { sseResponse } from "../http/sse.ts";
import { ChatStreamConverter, type UsageMode } from "./streamConverter.ts";
import { toChatCompletion, type CompletionContext } from "./toResponse.ts";

/** `stream`: the usage mode of a streamed answer; undefined for one JSON body. */
export async function answerChat(
  generation: Generation,
  req: GenerateRequest,
  model: string,
  stream: UsageMode | undefined,
): Promise<ChatCompletion> {
  const ctx: CompletionContext = {
    id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
    model,
    logprobs: req.topLogprobs !== undefined,
    returnPrompt: req.returnPrompt,
    caller: req.caller,
  };
  if (stream === undefined) {
    const events = await collectEvents(generation);
    return toChatCompletion(accumulateChoices(events), ctx, receiptOf(events));
  }
  const converter = new ChatStreamConverter({ ...ctx, usage: stream, n: req.n });
  // Elysia sends a Response as is (no response validation); the cast only satisfies its
  // typing, which does not accept a union of a schema type and Response.
  return sseResponse(streamFrames(generation, converter)) as unknown as ChatCompletion;
}

/** The receipt the accounting layer put on "done", if it did. */
function receiptOf(events: GenerateEvent[]): Receipt | undefined {
  const done = events.findLast((ev) => ev.type === "done");
  return done?.type === "done" ? done.receipt : undefined;
}
