// truncation "auto": drop the oldest turns until the prompt fits the model's context. System
// messages (instructions, developer) stay; a tool call leaves together with its results.
import type { ChatMessage, Engine, GenerateRequest } from "../../core/index.ts";
import { ApiError } from "../http/errors.ts";

export async function fitToContext(engine: Engine, req: GenerateRequest): Promise<GenerateRequest> {
  const id = engine.resolveModel(req.model);
  const context = engine.listModels().find((m) => m.id === id)?.contextLength;
  if (!context) return req;
  // Room for the answer: max_output_tokens, but never more than a quarter of the context.
  const reserve = Math.max(1, Math.min(req.maxTokens ?? 1, Math.floor(context / 4)));
  let messages = req.messages;
  for (;;) {
    const counted = await engine.countTokens({ ...req, messages });
    if (typeof counted !== "number") throw ApiError.from(counted.error);
    if (counted + reserve <= context) return { ...req, messages };
    const fewer = dropOldestTurn(messages);
    // Only the newest turn is left: the engine answers that it does not fit.
    if (!fewer) return { ...req, messages };
    messages = fewer;
  }
}

/** Without the oldest non-system message (and the tool results of its calls); undefined when only one is left. */
export function dropOldestTurn(messages: ChatMessage[]): ChatMessage[] | undefined {
  const candidates = messages.filter((m) => m.role !== "system");
  if (candidates.length <= 1) return undefined;
  const oldest = candidates[0]!;
  const dropped = new Set<ChatMessage>([oldest]);
  const callIds = new Set((oldest.toolCalls ?? []).map((c) => c.id));
  for (const m of messages) if (m.role === "tool" && m.toolCallId && callIds.has(m.toolCallId)) dropped.add(m);
  const rest = messages.filter((m) => !dropped.has(m));
  // Results whose call is gone mean nothing to the model.
  const liveCalls = new Set(rest.flatMap((m) => (m.toolCalls ?? []).map((c) => c.id)));
  const kept = rest.filter((m) => m.role !== "tool" || (m.toolCallId !== undefined && liveCalls.has(m.toolCallId)));
  return kept.some((m) => m.role !== "system") ? kept : undefined;
}
