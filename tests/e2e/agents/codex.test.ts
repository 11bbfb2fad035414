// The real Codex CLI (`codex exec`) against the server's Responses API, as a custom provider:
// a plain turn, and a turn where the model calls one of Codex's tools and gets its output back.
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
/**
 * A custom provider on the Responses API (the only wire API Codex 0.171 speaks), no retries so
 * that a failure shows at once; sub-agents, goals and web search off so that the model's tools
 * are the local ones (exec_command, write_stdin, request_user_input, view_image). Without the
 * update check, analytics, plugins and apps, Codex tries no host but 127.0.0.1 (otherwise
 * github.com, api.github.com, chatgpt.com and ab.chatgpt.com, seen through a recording proxy).
 */
function codexConfig(model: string, baseUrl: string): string {
  return `model = "${model}"
model_provider = "local"
web_search = "disabled"
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
goals = false
plugins = false
apps = false
remote_plugin = false

[agents]
enabled = false

[history]
persistence = "none"

[model_providers.local]
name = "local test server"
base_url = "${baseUrl}/v1"
wire_api = "responses"
env_key = "LOCAL_TEST_SERVER_KEY"
request_max_retries = 0
stream_max_retries = 0
`;
}

async function codex(agent: Agent, prompt: string, prepare?: (cwd: string) => void) {
  const home = throwawayDir("codex-home-");
  const work = throwawayDir("codex-work-");
  writeFileSync(join(home.path, "config.toml"), codexConfig(agent.server.modelId, agent.proxy.url));
  prepare?.(work.path);
  agent.proxy.exchanges.length = 0;
  try {
    // --strict-config: a key this Codex does not know fails the run instead of being ignored.
    const run = await runCli([join(NODE_BIN, "codex"), "exec", "--strict-config", "--skip-git-repo-check", prompt], {
      cwd: work.path,
      timeoutMs: CLI_TIMEOUT_MS,
      env: { ...LOOPBACK_ONLY, ...homeEnv(home.path), CODEX_HOME: home.path, LOCAL_TEST_SERVER_KEY: "dummy" },
    });
    return { run, exchanges: [...agent.proxy.exchanges], details: describeRun(run, agent.proxy.exchanges) };
  } finally {
    home.remove();
    work.remove();
  }
}

function responseCalls(exchanges: Exchange[]): Exchange[] {
  return exchanges.filter((e) => e.method === "POST" && e.path === "/v1/responses");
}

interface OutputItem {
  type: string;
  name?: string;
  call_id?: string;
  content?: { type: string; text?: string }[];
}

/** The output items of a recorded streamed response, as Codex takes them (output_item.done). */
function outputItems(exchange: Exchange): OutputItem[] {
  return sseEvents(exchange.response)
    .filter(({ data }) => data.type === "response.output_item.done")
    .map(({ data }) => data.item as OutputItem);
}

function messageText(items: OutputItem[]): string {
  return items
    .filter((item) => item.type === "message")
    .flatMap((item) => item.content ?? [])
    .map((part) => (part.type === "output_text" ? (part.text ?? "") : ""))
    .join("");
}

describe("Codex", () => {
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

  test("`codex exec` completes a turn and prints the server's text", async () => {
    const { run, exchanges, details } = await codex(chatty, "say hi");
    expect(run.exitCode, details).toBe(0);
    const calls = responseCalls(exchanges);
    expect(calls.length, details).toBeGreaterThanOrEqual(1);
    const last = calls.at(-1)!;
    expect(last.status, details).toBe(200);
    const items = outputItems(last);
    expect(items.filter((item) => item.type === "function_call"), details).toEqual([]);
    const text = messageText(items);
    expect(text.trim().length, details).toBeGreaterThan(0);
    expect(run.stdout, details).toContain(text.trim());
  }, 300_000);

  test("a tool round: the model calls one of Codex's tools, Codex runs it and sends function_call_output back", async () => {
    const { run, exchanges, details } = await codex(toolCaller, "Run cat hello.txt and tell me what it says.", (cwd) =>
      writeFileSync(join(cwd, "hello.txt"), "hello from a file\n"),
    );
    expect(run.exitCode, details).toBe(0);
    const calls = responseCalls(exchanges);
    expect(calls.length, details).toBeGreaterThanOrEqual(2);

    const offered = (calls[0]!.body as { tools: { name?: string }[] }).tools.map((tool) => tool.name);
    const functionCalls = outputItems(calls[0]!).filter((item) => item.type === "function_call");
    expect(functionCalls, details).toHaveLength(1);
    expect(offered, details).toContain(functionCalls[0]!.name);

    const followUp = (calls[1]!.body as { input: { type: string; call_id?: string }[] }).input;
    const outputs = followUp.filter((item) => item.type === "function_call_output");
    expect(outputs.map((item) => item.call_id), details).toEqual([functionCalls[0]!.call_id]);

    // Once the output is in, the model answers without calling anything, and that ends the run.
    const final = outputItems(calls.at(-1)!);
    expect(final.filter((item) => item.type === "function_call"), details).toEqual([]);
    expect(run.stdout, details).toContain(messageText(final).trim());
  }, 300_000);
});
