// A growing conversation with each server's prompt cache on: a long system prompt, then turns
// that each add the previous answer and a short user message. Turn 1 processes the whole
// prompt; later turns can reuse the cached prefix, which their time to first token shows.
import { sample, serverCpuMs } from "./load.ts";
import type { ConversationSamples } from "./measurements.ts";
import { checkAnswer, type Session } from "./measure.ts";
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

/** A server in the conversation phase: where its samples go, and its unmeasured short request. */
export type ConversationSide = Pick<Session, "server" | "m" | "short">;

/**
 * One conversation on every server in lockstep: turn k on each in the same order, then turn
 * k + 1, so both meet the same drift of this machine's speed, which moves a single turn's time by
 * half within a minute (whole conversations one server at a time differed by a fifth in turn 1
 * alone). Which server goes first alternates by conversation. As for the short-prompt TTFT
 * (measure.ts), each turn comes right after an unmeasured short request on the same server: a
 * turn that followed the other server's ran 100-180 ms slower on both (ours by more: three of its
 * processes' state is displaced), a cost of running two servers side by side, not of serving;
 * an agent's next call follows its own last one. The short request shares no prefix with the
 * conversation, so it takes another sequence, and the turn's cached share shows it did. The
 * servers not answering have their CPU recorded meanwhile: work a server leaves running after its
 * answers slows whoever comes next.
 * One sample is the conversation on all servers: a retry starts new conversations (`first` +
 * attempt), so it never profits from the cache the discarded attempt filled.
 */
export async function conversationInLockstep(sides: ConversationSide[], options: Options, first: number): Promise<void> {
  let next = first;
  await sample(
    sides.map((side) => side.server.proc.pid),
    sides.map((side) => side.m),
    async () => {
      const conversation = next++;
      const answers = sides.map((): string[] => []);
      const samples = sides.map((): ConversationSamples => ({ ttftMs: [], promptTokens: [], cachedTokens: [] }));
      for (let turn = 1; turn <= options.convTurns; turn++) {
        for (const [k, side] of sides.entries()) {
          const { server, m } = side;
          await side.short(2);
          const idle = sides.filter((other) => other !== side).map((other) => ({ other, cpuMs: serverCpuMs(other.server.proc.pid) }));
          const r = await conversationTurn(server, conversation, answers[k]!, options.convMaxTokens);
          for (const { other, cpuMs } of idle) other.m.idleCpuMs.push(serverCpuMs(other.server.proc.pid) - cpuMs);
          checkAnswer(server, m, r, options.convMaxTokens, `conversation turn ${turn}`);
          answers[k]!.push(r.text);
          samples[k]!.ttftMs.push(r.ttftMs);
          samples[k]!.promptTokens.push(r.promptTokens);
          samples[k]!.cachedTokens.push(r.cachedTokens);
          console.error(`    ${server.name} turn ${turn}: ${describeTurn(r)}`);
        }
      }
      return samples;
    },
    (samples, load) => {
      samples.forEach((c, k) => {
        const { server, m } = sides[k]!;
        m.conversations.push(c);
        console.error(`  ${server.name} conversation: ttft ${c.ttftMs.map((t) => t.toFixed(0)).join("/")} ms by turn (${load})`);
      });
    },
  );
}
