// One generation driver for every protocol: await the first event (so an early failure still
// chooses the HTTP status), then either collect the whole answer or stream it through the
// protocol's StreamConverter.
import type { Engine, EngineErrorInfo, GenerateEvent, GenerateRequest, TokenLogprob, ToolCall, Usage, FinishReason } from "../core/index.ts";
import { ApiError, INTERNAL_ERROR, modelNotFound, toApiError } from "./http/errors.ts";
import type { SseFrame } from "./http/sse.ts";

/** A protocol's stateful translation of GenerateEvents into its own SSE frames. */
export interface StreamConverter {
  process(event: GenerateEvent): SseFrame[];
  /** The event source ended without "done" or "error". */
  end(): SseFrame[];
  /** A failure after the stream began, as the protocol's error frame(s). */
  fail(error: EngineErrorInfo): SseFrame[];
  /** No more frames will come. */
  readonly finished: boolean;
}

export interface Generation {
  first: GenerateEvent;
  events: AsyncIterator<GenerateEvent>;
}

export function ensureModel(engine: Engine, name: string): void {
  if (engine.resolveModel(name) === undefined) throw modelNotFound(name, engine.listModels().map((m) => m.id));
}

/** Starts a generation; throws the ApiError of a failure before the first token. */
export async function startGeneration(engine: Engine, req: GenerateRequest, signal: AbortSignal): Promise<Generation> {
  ensureModel(engine, req.model);
  const events = engine.generate(req, signal)[Symbol.asyncIterator]();
  const first = await events.next();
  if (first.done || first.value.type === "error") {
    await events.return?.();
    if (first.done) throw new ApiError("internal", "internal_error", "The generation ended without starting.");
    throw ApiError.from((first.value as Extract<GenerateEvent, { type: "error" }>).error);
  }
  return { first: first.value, events };
}

/** Every event up to "done" or "error". */
export async function collectEvents({ first, events }: Generation): Promise<GenerateEvent[]> {
  const all = [first];
  try {
    for (let r = await events.next(); !r.done; r = await events.next()) {
      all.push(r.value);
      if (r.value.type === "done" || r.value.type === "error") break;
    }
  } finally {
    await events.return?.();
  }
  return all;
}

/** A finished generation, protocol-neutral: what each protocol's toResponse shapes. */
export interface Completion {
  prompt?: string;
  text: string;
  reasoning: string;
  logprobs: TokenLogprob[];
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  stopSequence?: string;
  usage: Usage;
}

/**
 * A finished generation of n choices: each choice's Completion (its usage: the prompt and that
 * choice's own tokens), in choice order, and the usage of the whole request.
 */
export interface Completions {
  prompt?: string;
  choices: Completion[];
  usage: Usage;
}

/** Folds the events of a single-choice generation; an error event throws its ApiError. */
export function accumulate(events: GenerateEvent[]): Completion {
  const { choices, usage } = accumulateChoices(events);
  return { ...choices[0]!, usage };
}

type Ending = Pick<Completion, "finishReason" | "stopSequence" | "usage">;

/** Folds the events of a generation of one or more choices; an error event throws its ApiError. */
export function accumulateChoices(events: GenerateEvent[]): Completions {
  let prompt: string | undefined;
  const parts: { text: string; reasoning: string; logprobs: TokenLogprob[]; calls: ToolCall[]; end?: Ending }[] = [];
  const at = (choice = 0) => (parts[choice] ??= { text: "", reasoning: "", logprobs: [], calls: [] });
  for (const ev of events) {
    switch (ev.type) {
      case "start":
        prompt = ev.prompt;
        break;
      case "text": {
        const part = at(ev.choice);
        part.text += ev.text;
        if (ev.logprobs) part.logprobs.push(...ev.logprobs);
        break;
      }
      case "reasoning":
        at(ev.choice).reasoning += ev.text;
        break;
      case "tool_call_start":
        at(ev.choice).calls[ev.index] = { id: ev.id, name: ev.name, arguments: "" };
        break;
      case "tool_call_delta": {
        const call = at(ev.choice).calls[ev.index];
        if (call) call.arguments += ev.argumentsDelta;
        break;
      }
      case "tool_call_end":
        break;
      case "choice_done":
        at(ev.choice).end = ending(ev);
        break;
      case "done": {
        // A single choice has no "choice_done": "done" ends it.
        if (!parts.some((part) => part?.end)) at(0).end = ending(ev);
        const choices = [...parts].map((part, choice) => {
          if (!part?.end) throw new ApiError("internal", "internal_error", `Choice ${choice} of the generation did not finish.`);
          const { text, reasoning, logprobs, calls, end } = part;
          return { prompt, text, reasoning, logprobs, toolCalls: calls.filter(Boolean), ...end };
        });
        return { prompt, choices, usage: ev.usage };
      }
      case "error":
        throw ApiError.from(ev.error);
    }
  }
  throw new ApiError("internal", "internal_error", "The generation ended without finishing.");
}

const ending = (ev: Ending): Ending => ({ finishReason: ev.finishReason, stopSequence: ev.stopSequence, usage: ev.usage });

/**
 * The generation as SSE frames. Its finally returns the engine iterator, which cancels the
 * sequence (a client disconnect cancels the response stream, which returns this generator).
 */
export async function* streamFrames(
  { first, events }: Generation,
  converter: StreamConverter,
  log: (message: string, err: unknown) => void = (message, err) => console.error(message, err),
): AsyncGenerator<SseFrame, void, undefined> {
  try {
    yield* converter.process(first);
    while (!converter.finished) {
      const r = await events.next();
      yield* r.done ? converter.end() : converter.process(r.value);
    }
  } catch (err) {
    // Headers are sent: the only way left to report is the protocol's error frame.
    const api = toApiError(err);
    if (!api) log("stream error:", err);
    yield* converter.fail(api ?? INTERNAL_ERROR);
  } finally {
    await events.return?.();
  }
}
