// Groups on the real engine (runner processes, libllama) with generated models: the brain is the
// steered tool caller (it opens its turn with one call when tools are offered and answers briefly
// once a tool result is in its prompt), the agent a plain tiny Qwen. A local ticketing service
// records what the server's tool calls send. Every model call is recorded on its way in.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { partsText, type Engine, type GenerateEvent, type GenerateRequest } from "../../core/index.ts";
import { LocalEngine } from "../../engine/localEngine.ts";
import { ModelRegistry } from "../../engine/registry.ts";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";
import { TINY_QWEN_TOOL_CALLER } from "../support/generated.ts";
import { testModelSpec } from "../support/server.ts";
import { sseData, startGroupApp, startTicketing, ticketTool, type GroupApp, type Ticketing } from "../groups/support.ts";

/** The real engine, with every request it gets kept. */
class Recording implements Engine {
  readonly requests: GenerateRequest[] = [];
  constructor(readonly inner: LocalEngine) {}
  listModels = () => this.inner.listModels();
  resolveModel = (name: string) => this.inner.resolveModel(name);
  loadModel = (id: string) => this.inner.loadModel(id);
  unloadModel = (id: string) => this.inner.unloadModel(id);
  countTokens = (req: GenerateRequest) => this.inner.countTokens(req);
  generate(req: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    this.requests.push(structuredClone(req));
    return this.inner.generate(req, signal);
  }
}

const SECRET = "e2e-ticket-secret-value";
let engine: LocalEngine;
let recording: Recording;
let ticketing: Ticketing;
let app: GroupApp;
let lookupGroup: string;
let approvalGroup: string;
let teamGroup: string;

beforeAll(async () => {
  const [brainPath, agentPath] = await Promise.all([generateModel(TINY_QWEN_TOOL_CALLER), generateModel(TINY_QWEN)]);
  const registry = new ModelRegistry(
    { models: [testModelSpec("brain", brainPath, { contextSize: 4096 }), testModelSpec("agent", agentPath)], aliases: [], defaultModel: "brain" },
    { queueSize: 16, log: () => {}, verbose: false, maxLoadedModels: 0, memoryBudgetBytes: 0, loadTimeoutMs: 120_000 },
  );
  engine = new LocalEngine(registry);
  await Promise.all([engine.preload("brain"), engine.preload("agent")]);
  recording = new Recording(engine);
  ticketing = startTicketing();
  app = startGroupApp(recording, { env: { BUNLLAMA_SECRET_TICKET_TOKEN: SECRET } });
  lookupGroup = await app.createGroup({
    name: "lookup",
    brain: "brain",
    instruction: "Look tickets up.",
    tools: [{ name: "get_ticket", url: `${ticketing.url}/tickets/{id}`, parameters: { type: "object", properties: { id: { type: "string", enum: ["42"] } }, required: ["id"], additionalProperties: false }, allow_private: true }],
  });
  // One required argument: the lazy tool-call grammar has been seen to let a second required one be left out.
  const titleOnly = { type: "object", properties: { title: { type: "string", enum: ["Printer broken", "Screen dark"] } }, required: ["title"], additionalProperties: false };
  approvalGroup = await app.createGroup({ name: "support", brain: "brain", tools: [ticketTool(ticketing.url, { approval: "required", parameters: titleOnly })] });
  teamGroup = await app.createGroup({ name: "team", brain: "brain", agents: [{ name: "researcher", model: "agent", instruction: "You research." }] });
}, 300_000);

afterAll(async () => {
  app?.close();
  ticketing?.stop();
  await engine?.stop();
});

const fresh = () => {
  ticketing.received.length = 0;
  recording.requests.length = 0;
};
const ask = { messages: [{ role: "user" as const, content: "Where is my ticket?" }], max_tokens: 48, seed: 1 };

describe("a tool without approval", () => {
  test("runs, and its result is in the brain's next prompt (openai SDK)", async () => {
    fresh();
    const answer = await app.openai.chat.completions.create({ model: `group:${lookupGroup}`, ...ask });
    expect(ticketing.received.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /tickets/42"]);
    const brainCalls = recording.requests.filter((r) => r.model === "brain");
    expect(brainCalls).toHaveLength(2);
    const results = brainCalls[1]!.messages.filter((m) => m.role === "tool").map((m) => partsText(m.content));
    expect(results).toEqual(['HTTP 200\n{"id":"42","status":"open"}']);
    expect(answer.choices[0]!.finish_reason).toBe("stop");
    expect(answer.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect((answer as any).kitemesh.execution_id).toBeString();
    expect(answer.usage!.prompt_tokens).toBeGreaterThan(brainCalls.length);
  }, 120_000);
});

describe("a tool that needs approval", () => {
  test("pauses (streamed); nothing is sent until approved; approve sends exactly the arguments once (SDK post)", async () => {
    fresh();
    const res = await app.post("/v1/chat/completions", { model: `group:${approvalGroup}`, ...ask, stream: true, metadata: { request_id: "e2e-pause" } });
    expect(res.status).toBe(200);
    const frames = await sseData(res);
    expect(frames.at(-1)).toBe("[DONE]");
    const last = frames.at(-2) as any;
    expect(last.choices[0].finish_reason).toBe("tool_calls");
    expect(last.kitemesh).toMatchObject({ request_id: "e2e-pause" });
    expect(last.kitemesh.approval_id).toBeString();
    expect(Date.parse(last.kitemesh.expires_at)).toBeGreaterThan(Date.now());
    const deltas = frames.slice(0, -1).flatMap((f: any) => f.choices[0]?.delta?.tool_calls ?? []);
    const call = deltas.find((d: any) => d.id);
    const args = deltas.map((d: any) => d.function.arguments).join("");
    expect(call.function.name).toBe("create_ticket");
    expect(ticketing.received).toHaveLength(0);

    const resumed = (await app.openai.post("/chat/resume", { body: { approval_id: last.kitemesh.approval_id, approved_tool_execution_ids: [call.id], max_tokens: 48 } })) as any;
    expect(ticketing.received).toHaveLength(1);
    expect(JSON.parse(ticketing.received[0]!.body)).toEqual(JSON.parse(args));
    expect(ticketing.received[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(resumed.kitemesh.execution_id).toBe(last.kitemesh.execution_id);
    expect(resumed.choices[0].finish_reason).toBe("stop");
    expect(JSON.stringify(resumed)).not.toContain(SECRET);

    const again = await app.post("/v1/chat/resume", { approval_id: last.kitemesh.approval_id, approved_tool_execution_ids: [call.id] });
    expect(again.status).toBe(409);
    expect(ticketing.received).toHaveLength(1);
  }, 120_000);

  test("deny with a reason: nothing is sent and the brain's prompt holds the reason; restart in between", async () => {
    fresh();
    const paused = (await app.openai.chat.completions.create({ model: `group:${approvalGroup}`, ...ask })) as any;
    expect(paused.choices[0].message.content).toBeNull();
    const id = paused.choices[0].message.tool_calls[0].id;
    // Another GroupEngine over the same data dir: the pause survives it.
    const restarted = startGroupApp(recording, { dataDir: app.dataDir, env: { BUNLLAMA_SECRET_TICKET_TOKEN: SECRET } });
    try {
      const res = await restarted.post("/v1/chat/resume", { approval_id: paused.kitemesh.approval_id, denied_tools: [{ tool_execution_id: id, reason: "no budget left" }], max_tokens: 48 });
      expect(res.status).toBe(200);
      const brainCalls = recording.requests.filter((r) => r.model === "brain");
      const prompt = brainCalls.at(-1)!.messages;
      expect(prompt.at(-1)).toMatchObject({ role: "tool", toolCallId: id });
      expect(partsText(prompt.at(-1)!.content)).toBe("denied by the user: no budget left");
      expect(ticketing.received).toHaveLength(0);
    } finally {
      restarted.close();
    }
  }, 120_000);
});

describe("modes call the agents' models", () => {
  test("synthesis (auto: agents, no tools): the agent answers first, then the brain", async () => {
    fresh();
    const res = await app.post("/v1/chat/completions", { model: `group:${teamGroup}`, ...ask, stream: true });
    const frames = (await sseData(res)).slice(0, -1) as any[];
    expect(recording.requests.map((r) => r.model)).toEqual(["agent", "brain"]);
    const reasoning = frames.map((f) => f.choices[0]?.delta?.reasoning ?? "").join("");
    expect(reasoning).toStartWith("[agent researcher] ");
    expect(partsText(recording.requests[1]!.messages[0]!.content)).toContain("--- agent: researcher ---");
  }, 120_000);

  test("orchestration: the brain calls ask_researcher and the agent's model runs the task", async () => {
    fresh();
    const answer = await app.openai.chat.completions.create({ model: `group:${teamGroup}`, ...ask, metadata: { mode: "orchestration" } });
    expect(recording.requests.map((r) => r.model)).toEqual(["brain", "agent", "brain"]);
    expect(recording.requests[0]!.tools!.map((t) => t.name)).toEqual(["ask_researcher"]);
    expect(recording.requests[1]!.messages[0]).toMatchObject({ role: "system" });
    expect((answer.choices[0]!.message as any).reasoning).toStartWith("[agent researcher] ");
    expect(app.logs.some((l) => l.includes("agent researcher (agent) answered"))).toBe(true);
  }, 120_000);
});
