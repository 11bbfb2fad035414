// Modes over scripted models: orchestration offers the agents as ask_<name> tools and runs their
// models; synthesis asks every agent, then the brain; auto picks by the group's configuration.
// Credits add every model call's price; refusals name the field.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { partsText, type GenerateEvent, type GenerateRequest } from "../../core/index.ts";
import { GroupEngine } from "../../groups/groupEngine.ts";
import { afterTools, calls, say, ScriptedModels, toolResults } from "./scripted.ts";
import { sseData, startGroupApp, type GroupApp } from "./support.ts";

const lastUser = (req: GenerateRequest) => partsText(req.messages.findLast((m) => m.role === "user")!.content);
const models = new ScriptedModels(
  {
    brain: (req) => (req.tools?.some((t) => t.name === "ask_researcher") && !afterTools(req) ? calls({ name: "ask_researcher", args: { task: "find the manual" } }) : say("final answer")),
    small: (req) => say(`research on '${lastUser(req)}'`),
    large: (req) => say(`draft for '${lastUser(req)}'`),
  },
  { brain: { prompt: 1, completion: 2 }, small: { prompt: 0.5, completion: 0.5 } },
);
let app: GroupApp;
let team: string;

beforeAll(async () => {
  app = startGroupApp(models);
  team = await app.createGroup({
    name: "team",
    brain: "brain",
    instruction: "Lead the team.",
    agents: [
      { name: "researcher", model: "small", instruction: "You research." },
      { name: "writer", model: "large", instruction: "You write." },
    ],
  });
});

afterAll(() => app.close());

const ask = (body: Record<string, unknown>) => app.post("/v1/chat/completions", { model: `group:${team}`, messages: [{ role: "user", content: "How do I fix the printer?" }], ...body });

describe("synthesis (auto, for a group with agents and no tools)", () => {
  test("every agent answers the conversation, then the brain writes one answer from theirs", async () => {
    models.requests.length = 0;
    const res = await ask({ stream: true });
    const frames = (await sseData(res)).slice(0, -1) as any[];
    expect(models.requests.map((r) => r.model)).toEqual(["small", "large", "brain"]);
    const [researcher, writer, brain] = models.requests;
    expect(researcher!.messages.map((m) => [m.role, partsText(m.content)])).toEqual([
      ["system", "You research."],
      ["user", "How do I fix the printer?"],
    ]);
    expect(partsText(writer!.messages[0]!.content)).toBe("You write.");
    const system = partsText(brain!.messages[0]!.content);
    expect(system).toStartWith("Lead the team.");
    expect(system).toContain("--- agent: researcher ---\nresearch on 'How do I fix the printer?'\n--- end of researcher ---");
    expect(system).toContain("--- agent: writer ---\ndraft for 'How do I fix the printer?'");
    expect(brain!.tools).toBeUndefined();
    // Agents' work streams as reasoning, in agent order, before the answer.
    const reasoning = frames.map((f) => f.choices[0]?.delta?.reasoning ?? "").join("");
    expect(reasoning).toBe("[agent researcher] research on 'How do I fix the printer?'\n[agent writer] draft for 'How do I fix the printer?'\n");
    expect(frames.map((f) => f.choices[0]?.delta?.content ?? "").join("")).toBe("final answer");
    // Credits per 1K tokens: small 100×0.5+10×0.5, large free, brain 100×1+10×2.
    expect(frames.at(-1).kitemesh.credits_charged).toBeCloseTo(0.055 + 0.12, 9);
    expect(frames.at(-1).usage.prompt_tokens).toBe(300);
  });
});

describe("orchestration", () => {
  test("agents are offered as ask_<name>; the agent's model runs the task and its answer is the tool result", async () => {
    models.requests.length = 0;
    const answer = await app.openai.chat.completions.create({ model: `group:${team}`, messages: [{ role: "user", content: "Fix it" }], metadata: { mode: "orchestration" } });
    expect(models.requests.map((r) => r.model)).toEqual(["brain", "small", "brain"]);
    expect(models.requests[0]!.tools!.map((t) => t.name)).toEqual(["ask_researcher", "ask_writer"]);
    expect(models.requests[1]!.messages.map((m) => partsText(m.content))).toEqual(["You research.", "find the manual"]);
    expect(toolResults(models.requests[2]!)).toEqual(["research on 'find the manual'"]);
    expect(answer.choices[0]!.message.content).toBe("final answer");
    expect((answer.choices[0]!.message as any).reasoning).toBe("[agent researcher] research on 'find the manual'\n");
    expect((answer as any).kitemesh.credits_charged).toBeCloseTo(0.12 + 0.055 + 0.12, 9);
  });

  test("normal mode offers no agents", async () => {
    models.requests.length = 0;
    await ask({ metadata: { mode: "normal" } });
    expect(models.requests.map((r) => r.model)).toEqual(["brain"]);
  });
});

describe("refusals", () => {
  test("an unknown mode, n > 1, and a group that does not exist", async () => {
    const mode = await ask({ metadata: { mode: "swarm" } });
    expect(mode.status).toBe(400);
    expect(((await mode.json()) as any).error.param).toBe("metadata.mode");
    const n = await ask({ n: 2 });
    expect(n.status).toBe(400);
    expect(((await n.json()) as any).error.param).toBe("n");
    const missing = await app.post("/v1/chat/completions", { model: `group:${crypto.randomUUID()}`, messages: [{ role: "user", content: "x" }] });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe("model_not_found");
  });

  test("groups answer on Chat Completions only", async () => {
    const res = await fetch(`${app.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: `group:${team}`, max_tokens: 10, messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("chat/completions");
  });

  test("a token limited to other groups may not run this one", async () => {
    const engine = app.groups.engine(models) as GroupEngine;
    const events: GenerateEvent[] = [];
    const req: GenerateRequest = {
      model: `group:${team}`,
      messages: [{ role: "user", content: [{ type: "text", text: "x" }] }],
      sampling: {},
      stop: [],
      returnPrompt: false,
      caller: { requestId: "r", executionId: crypto.randomUUID(), endpoint: "chat-completions", tokenId: "tok_1", tokenGroups: ["another-group"] },
    };
    for await (const ev of engine.generate(req, new AbortController().signal)) events.push(ev);
    expect(events).toEqual([{ type: "error", error: { kind: "permission", code: "group_not_allowed", message: `This token may not use the group '${team}'.`, param: "model" } }]);
  });

  test("groups are listed as models owned by group", async () => {
    const list = await app.openai.models.list();
    const group = list.data.find((m) => m.id === `group:${team}`);
    expect(group?.owned_by).toBe("group");
    expect(list.data.map((m) => m.id)).toContain("brain");
  });
});
