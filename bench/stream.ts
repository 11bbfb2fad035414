// One streamed chat completion and its timing, with the SSE stream checked for well-formedness.
import { BenchError } from "./errors.ts";
import type { Server } from "./servers.ts";

/** A request normally takes a few seconds; one this slow means a starved machine (or a hang). */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface StreamResult {
  /** ms from sending the request to the first chunk carrying content. */
  ttftMs: number;
  /** ms from the first content chunk to the chunk carrying finish_reason (sent as soon as the
   *  last token is sampled; a server may hold back the last tokens' text until then, as
   *  llama-server did here, so the last content chunk is not the end of decoding). */
  decodeMs: number;
  /** Estimated tokens carried by the first content chunk (at least 1): a server may hold text
   *  back (partial UTF-8, whitespace), so it can carry several. */
  firstChunkTokens: number;
  /** ms from sending the request to the end of the stream. */
  totalMs: number;
  contentChunks: number;
  /** Longest pause between two content chunks, ms: a stall shows here. */
  maxGapMs: number;
  promptTokens: number;
  /** Prompt tokens the server took from its prompt cache (ours: usage.prompt_tokens_details.
   *  cached_tokens; llama-server: the same field, or timings.cache_n); undefined if not said. */
  cachedTokens?: number;
  completionTokens: number;
  /** Decode speed the server itself reports (ours: usage.tokens_per_second, llama-server:
   *  timings.predicted_per_second), to tell engine time from transport time. */
  serverTps?: number;
  finishReason: string;
  text: string;
}

export type Sampling = "pinned" | "defaults";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  maxTokens: number;
  /** "pinned": the same sampling parameters on both servers; "defaults": none sent, so each
   *  server samples with its own defaults (what a user who sets nothing gets). */
  sampling: Sampling;
  /** false sends cache_prompt: false (no prompt-cache reuse); true leaves the field out, so
   *  each server uses its default (reuse on). */
  cachePrompt: boolean;
  /** Longer than REQUEST_TIMEOUT_MS for long prompts. */
  timeoutMs?: number;
}

/** The main phase's two messages around one user prompt. */
export const simpleMessages = (prompt: string): ChatMessage[] => [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: prompt },
];

// Every sampling parameter pinned: the two servers' defaults differ (llama-server's
// repeat_penalty is 1.0 and its min_p 0.05, ours 1.1 and 0), and the same chain must run on both.
const PINNED = { temperature: 0, top_k: 40, top_p: 0.9, min_p: 0, repeat_penalty: 1.1, repeat_last_n: 64, seed: 42 };

function requestBody(modelId: string, request: ChatRequest) {
  return {
    model: modelId,
    messages: request.messages,
    stream: true,
    stream_options: { include_usage: true },
    ...(request.sampling === "pinned" ? PINNED : {}),
    max_tokens: request.maxTokens,
    // Both servers honour it: every request runs to max_tokens, so both do the same work
    // whatever the model (or the sampler) would pick.
    ignore_eos: true,
    ...(request.cachePrompt ? {} : { cache_prompt: false }),
  };
}

export async function streamChat(server: Server, request: ChatRequest): Promise<StreamResult> {
  const body = JSON.stringify(requestBody(server.modelId, request));
  const sent = performance.now();
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    // A fresh connection per request: a pooled keep-alive connection that the server closes
    // while idle (cpp-httplib after 5 s) would otherwise fail the next request with ECONNRESET.
    headers: { "content-type": "application/json", connection: "close" },
    keepalive: false,
    body,
    signal: AbortSignal.timeout(request.timeoutMs ?? REQUEST_TIMEOUT_MS),
  });
  if (res.status !== 200 || !res.body) {
    throw new BenchError(`${server.name}: HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
  }
  if (!(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    throw new BenchError(`${server.name}: expected text/event-stream, got ${res.headers.get("content-type")}`);
  }
  const decoder = new TextDecoder();
  let buffer = "";
  let firstAt = 0;
  let lastAt = 0;
  let chunks = 0;
  let maxGap = 0;
  let text = "";
  let firstLength = 0;
  let finishAt = 0;
  let usage: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } | undefined;
  let cacheN: number | undefined;
  let finishReason = "";
  let serverTps: number | undefined;
  let sawDone = false;

  const handleData = (data: string, at: number) => {
    if (data === "[DONE]") {
      sawDone = true;
      return;
    }
    let frame: any;
    try {
      frame = JSON.parse(data);
    } catch {
      throw new BenchError(`${server.name}: malformed SSE frame: ${data.slice(0, 200)}`);
    }
    if (frame.error) throw new BenchError(`${server.name}: error frame: ${JSON.stringify(frame.error)}`);
    if (frame.object !== "chat.completion.chunk" || !Array.isArray(frame.choices)) {
      throw new BenchError(`${server.name}: not a chat.completion.chunk: ${data.slice(0, 200)}`);
    }
    if (frame.usage) usage = frame.usage;
    if (typeof frame.usage?.tokens_per_second === "number") serverTps = frame.usage.tokens_per_second;
    if (typeof frame.timings?.predicted_per_second === "number") serverTps = frame.timings.predicted_per_second;
    if (typeof frame.timings?.cache_n === "number") cacheN = frame.timings.cache_n;
    const choice = frame.choices[0];
    if (!choice) return;
    if (choice.finish_reason) {
      finishReason = choice.finish_reason;
      finishAt = at;
    }
    const content = choice.delta?.content;
    if (typeof content === "string" && content.length > 0) {
      if (chunks === 0) {
        firstAt = at;
        firstLength = content.length;
      } else maxGap = Math.max(maxGap, at - lastAt);
      lastAt = at;
      chunks++;
      text += content;
    }
  };

  for await (const bytes of res.body) {
    const at = performance.now();
    buffer += decoder.decode(bytes, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (line.startsWith("data:")) handleData(line.slice(5).trim(), at);
      }
    }
  }
  const done = performance.now();
  if (buffer.trim().length > 0) throw new BenchError(`${server.name}: stream ended inside a frame: ${buffer.slice(0, 200)}`);
  if (!sawDone) throw new BenchError(`${server.name}: stream ended without data: [DONE]`);
  if (!usage || typeof usage.completion_tokens !== "number" || typeof usage.prompt_tokens !== "number") {
    throw new BenchError(`${server.name}: no usage in the final chunk`);
  }
  if (chunks === 0) throw new BenchError(`${server.name}: no content chunks (finish_reason ${finishReason})`);
  return {
    ttftMs: firstAt - sent,
    decodeMs: (finishAt || lastAt) - firstAt,
    // One chunk per token: the first holds one. Otherwise a server held text back; the pinned
    // output of these random-weight models is one token repeated, so text length is proportional.
    firstChunkTokens:
      chunks === usage.completion_tokens ? 1 : Math.max(1, Math.round((usage.completion_tokens * firstLength) / text.length)),
    totalMs: done - sent,
    contentChunks: chunks,
    maxGapMs: maxGap,
    promptTokens: usage.prompt_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? cacheN,
    completionTokens: usage.completion_tokens,
    serverTps,
    finishReason,
    text,
  };
}
