// The real Claude Code CLI (`claude -p`) against the server's Anthropic Messages API: a plain
// turn, and a turn where the model calls one of Claude Code's tools and gets its result back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Agent,
  describeRun,
  type Exchange,
  homeEnv,
  LOOPBACK_ONLY,
  NODE_BIN,
  runCli,
  sseEvents,
  startAgent,
  throwawayDir,
} from "../../support/agents.ts";
import { TINY_QWEN_CHATTY, TINY_QWEN_TOOL_CALLER } from "../../support/generated.ts";

const CLI_TIMEOUT_MS = 240_000;
async function claude(agent: Agent, args: string[], prepare?: (cwd: string) => void) {
  const home = throwawayDir("claude-home-");
  const work = throwawayDir("claude-work-");
  prepare?.(work.path);
  agent.proxy.exchanges.length = 0;
  const model = agent.server.modelId;
  try {
    const run = await runCli([join(NODE_BIN, "claude"), "-p", ...args], {
      cwd: work.path,
      timeoutMs: CLI_TIMEOUT_MS,
      env: {
        ...LOOPBACK_ONLY,
        ...homeEnv(home.path),
        ANTHROPIC_BASE_URL: agent.proxy.url,
        ANTHROPIC_API_KEY: "dummy",
        ANTHROPIC_MODEL: model,
        ANTHROPIC_SMALL_FAST_MODEL: model,
        ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
        ANTHROPIC_DEFAULT_SONNET_MODEL: model,
        ANTHROPIC_DEFAULT_OPUS_MODEL: model,
        DISABLE_TELEMETRY: "1",
        DISABLE_AUTOUPDATER: "1",
        DISABLE_ERROR_REPORTING: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      },
    });
    // The proxy records an exchange once its body has ended, which is before the CLI exits.
    return { run, exchanges: [...agent.proxy.exchanges], details: describeRun(run, agent.proxy.exchanges) };
  } finally {
    home.remove();
    work.remove();
  }
}

/** The model calls of one run, in order. */
function messageCalls(exchanges: Exchange[]): Exchange[] {
  return exchanges.filter((e) => e.method === "POST" && e.path === "/v1/messages");
}

/** The text and tool_use blocks of a recorded Anthropic answer (streamed or not). */
function answer(exchange: Exchange): { text: string; toolUses: { id: string; name: string }[] } {
  if (!exchange.response.startsWith("event:") && !exchange.response.startsWith("data:")) {
    const message = JSON.parse(exchange.response) as { content: { type: string; text?: string; id?: string; name?: string }[] };
    return {
      text: message.content.flatMap((block) => (block.type === "text" ? [block.text!] : [])).join(""),
      toolUses: message.content.flatMap((block) => (block.type === "tool_use" ? [{ id: block.id!, name: block.name! }] : [])),
    };
  }
  let text = "";
  const toolUses: { id: string; name: string }[] = [];
  for (const { data } of sseEvents(exchange.response)) {
    if (data.type === "content_block_delta" && data.delta.type === "text_delta") text += data.delta.text;
    if (data.type === "content_block_start" && data.content_block.type === "tool_use") {
      toolUses.push({ id: data.content_block.id, name: data.content_block.name });
    }
  }
  return { text, toolUses };
}

describe("Claude Code", () => {
  let chatty: Agent;
  let toolCaller: Agent;
  beforeAll(async () => {
    [chatty, toolCaller] = await Promise.all([startAgent(TINY_QWEN_CHATTY), startAgent(TINY_QWEN_TOOL_CALLER)]);
  });
  afterAll(() => {
    for (const agent of [chatty, toolCaller]) {
      agent?.proxy.stop();
      agent?.server.close();
    }
  });

  test("`claude -p` completes a turn and prints the server's text", async () => {
    const { run, exchanges, details } = await claude(chatty, ["say hi"]);
    expect(run.exitCode, details).toBe(0);
    const calls = messageCalls(exchanges);
    expect(calls.length, details).toBeGreaterThanOrEqual(1);
    const last = calls.at(-1)!;
    expect(last.status, details).toBe(200);
    const { text, toolUses } = answer(last);
    expect(toolUses, details).toEqual([]);
    expect(text.trim().length, details).toBeGreaterThan(0);
    expect(run.stdout, details).toContain(text.trim());
  }, 300_000);

  test("a tool round: the model calls one of the offered tools, Claude Code runs it and sends the tool_result back", async () => {
    const { run, exchanges, details } = await claude(toolCaller, ["What does hello.txt say?", "--tools", "Read"], (cwd) =>
      writeFileSync(join(cwd, "hello.txt"), "hello from a file\n"),
    );
    expect(run.exitCode, details).toBe(0);
    const calls = messageCalls(exchanges);
    expect(calls.length, details).toBeGreaterThanOrEqual(2);

    // `--tools Read` leaves Read and Claude Code's own DeferredToolPlaceholder; the grammar
    // keeps the call to one of them.
    const offered = (calls[0]!.body as { tools: { name: string }[] }).tools.map((tool) => tool.name);
    expect(offered).toContain("Read");
    const first = answer(calls[0]!);
    expect(first.toolUses, details).toHaveLength(1);
    expect(offered, details).toContain(first.toolUses[0]!.name);
    const followUp = calls[1]!.body as { messages: { role: string; content: unknown }[] };
    const results = followUp.messages
      .flatMap((message) => (message.role === "user" && Array.isArray(message.content) ? message.content : []))
      .filter((block: { type: string }) => block.type === "tool_result");
    expect(results.map((block: { tool_use_id: string }) => block.tool_use_id), details).toEqual([first.toolUses[0]!.id]);

    // Once the result is in, the model answers without calling anything, and that ends the run.
    const final = answer(calls.at(-1)!);
    expect(final.toolUses, details).toEqual([]);
    expect(run.stdout, details).toContain(final.text.trim());
  }, 300_000);
});
