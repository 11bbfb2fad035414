// A growing conversation with each server's prompt cache on: a long system prompt, then turns
// that each add the previous answer and a short user message. Turn 1 processes the whole
// prompt; later turns can reuse the cached prefix, which their time to first token shows.
import { sample, serverCpuMs } from "./load.ts";
import type { ConversationSamples, Measurements } from "./measurements.ts";
import { checkAnswer } from "./measure.ts";
import type { Options } from "./options.ts";
import type { Server } from "./servers.ts";
import { streamChat, type ChatMessage, type StreamResult } from "./stream.ts";
import { systemPrompt, USER_TURNS } from "./systemPrompt.ts";

/** A whole 2,000-token prompt on a busy 2-core machine can take most of a minute. */
const TURN_TIMEOUT_MS = 180_000;

/** The messages of the turn after `answers` (the assistant texts of the turns before). */
export function turnMessages(conversation: number, answers: string[]): ChatMessage[] {
  const user = (i: number) => USER_TURNS[i % USER_TURNS.length]!;
  const messages: ChatMessage[] = [{ role: "system", content: systemPrompt(conversation) }];
  answers.forEach((answer, i) => messages.push({ role: "user", content: user(i) }, { role: "assistant", content: answer }));
  messages.push({ role: "user", content: user(answers.length) });
  return messages;
}

/** One turn, prompt cache on (cache_prompt left to the server's default); pinned sampling, so
 *  both servers answer with the same text and the next turn's prompt is the same on both. */
export function conversationTurn(server: Server, conversation: number, answers: string[], maxTokens: number): Promise<StreamResult> {
  return streamChat(server, {
    messages: turnMessages(conversation, answers),
    maxTokens,
    sampling: "pinned",
    cachePrompt: true,
    timeoutMs: TURN_TIMEOUT_MS,
  });
}

export const describeTurn = (r: StreamResult) => `ttft ${r.ttftMs.toFixed(0)} ms, ${r.cachedTokens ?? "?"}/${r.promptTokens} prompt tokens cached`;

/** A server in the conversation phase, with where its samples go. */
export interface ConversationSide {
  server: Server;
  m: Measurements;
}

/**
 * One conversation on one server, its turns back to back as an agent sends them; the phase
 * alternates which server goes first from one conversation to the next. (Turns interleaved
 * between the servers measured each turn half the time right after the same server's previous
 * turn and half the time after the other server's, which ran about 100 ms slower on both: the
 * other server's run had taken the caches.) The other servers' CPU meanwhile is recorded: work a
 * server leaves running after its answers slows whoever is measured next.
 * A retry starts a new conversation (`first` + attempt), so it never profits from the cache the
 * discarded attempt filled.
 */
export async function conversation(side: ConversationSide, others: ConversationSide[], options: Options, first: number): Promise<void> {
  const { server, m } = side;
  let next = first;
  await sample(
    server.proc.pid,
    m,
    async () => {
      const conversation = next++;
      const answers: string[] = [];
      const c: ConversationSamples = { ttftMs: [], promptTokens: [], cachedTokens: [] };
      const idle = others.map((other) => ({ other, cpuMs: serverCpuMs(other.server.proc.pid) }));
      for (let turn = 1; turn <= options.convTurns; turn++) {
        const r = await conversationTurn(server, conversation, answers, options.convMaxTokens);
        checkAnswer(server, m, r, options.convMaxTokens, `conversation turn ${turn}`);
        answers.push(r.text);
        c.ttftMs.push(r.ttftMs);
        c.promptTokens.push(r.promptTokens);
        c.cachedTokens.push(r.cachedTokens);
        console.error(`    turn ${turn}: ${describeTurn(r)}`);
      }
      for (const { other, cpuMs } of idle) other.m.idleCpuMs.push((serverCpuMs(other.server.proc.pid) - cpuMs) / options.convTurns);
      return c;
    },
    (c, load) => {
      m.conversations.push(c);
      console.error(`  conversation: ttft ${c.ttftMs.map((t) => t.toFixed(0)).join("/")} ms by turn (${load})`);
    },
  );
}
