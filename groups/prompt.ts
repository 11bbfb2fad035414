// The brain's and the agents' prompts: the group's instruction and resources as one system
// message, ahead of the client's own system text and conversation.
import { partsText, textPart, type ChatMessage } from "../core/index.ts";
import type { Group, GroupAgent } from "./types.ts";

/** Instruction, then each resource between markers; the client's system messages follow. */
export function brainMessages(group: Group, client: ChatMessage[], extra?: string): ChatMessage[] {
  const parts = [group.instruction.trim()];
  if (group.resources.length) {
    parts.push(
      "Resources:\n" + group.resources.map((r) => `--- resource: ${r.name} ---\n${r.text.trimEnd()}\n--- end of ${r.name} ---`).join("\n"),
    );
  }
  const clientSystem = client.filter((m) => m.role === "system").map((m) => partsText(m.content).trim());
  parts.push(...clientSystem);
  if (extra) parts.push(extra);
  const system = parts.filter(Boolean).join("\n\n");
  const rest = client.filter((m) => m.role !== "system");
  return system ? [{ role: "system", content: [textPart(system)] }, ...rest] : rest;
}

/** An agent answering the whole conversation (synthesis): its instruction, then the user and assistant turns. */
export function agentConversation(agent: GroupAgent, client: ChatMessage[]): ChatMessage[] {
  const turns = client
    .filter((m) => (m.role === "user" || m.role === "assistant") && partsText(m.content).trim() !== "")
    .map((m) => ({ role: m.role, content: m.content }));
  return withInstruction(agent, turns);
}

/** An agent given one task by the brain (orchestration). */
export function agentTask(agent: GroupAgent, task: string): ChatMessage[] {
  return withInstruction(agent, [{ role: "user", content: [textPart(task)] }]);
}

function withInstruction(agent: GroupAgent, turns: ChatMessage[]): ChatMessage[] {
  return agent.instruction.trim() ? [{ role: "system", content: [textPart(agent.instruction)] }, ...turns] : turns;
}

/** What the brain reads in synthesis mode: every agent's answer, by name. */
export function synthesisNote(answers: { agent: string; text: string }[]): string {
  return (
    "Your agents answered the request below. Write one answer for the user from theirs.\n" +
    answers.map((a) => `--- agent: ${a.agent} ---\n${a.text.trim() || "(no answer)"}\n--- end of ${a.agent} ---`).join("\n")
  );
}
