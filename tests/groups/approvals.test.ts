// The execution loop through HTTP (openai SDK and raw fetch, streamed and not) over a scripted
// brain and a real ticketing service: tools run at once or wait for approval; resume approves,
// denies, refuses foreign ids, is used once, expires, and survives a restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { partsText, type GenerateRequest } from "../../core/index.ts";
import { afterTools, calls, say, ScriptedModels, toolResults } from "./scripted.ts";
import { sseData, startGroupApp, startTicketing, ticketTool, type GroupApp, type Ticketing } from "./support.ts";

const SECRET = "tk-3f9a-very-secret";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const env = { BUNLLAMA_SECRET_TICKET_TOKEN: SECRET };

let ticketing: Ticketing;
/** What the brain does next: calls from `plan` until a tool result is the last message. */
let plan: { name: string; args: unknown }[] = [];
const brain = new ScriptedModels({
  brain: (req: GenerateRequest) => (afterTools(req) ? say(`Done after: ${toolResults(req).at(-1)!.slice(0, 40)}`) : calls(...plan)),
});
let app: GroupApp;
let approvalGroup: string;
let directGroup: string;
const args = { title: "Printer broken", priority: 2 };

beforeAll(async () => {
  ticketing = startTicketing();
  app = startGroupApp(brain, { env });
  approvalGroup = await app.createGroup({ name: "support", brain: "brain", instruction: "Open tickets.", tools: [ticketTool(ticketing.url, { approval: "required" })] });
  directGroup = await app.createGroup({
    name: "direct",
    brain: "brain",
    instruction: "Use the tools.",
    resources: [{ name: "faq", text: "Printers live on floor 2." }],
    tools: [ticketTool(ticketing.url)],
  });
});

afterAll(() => {
  app.close();
  ticketing.stop();
});

const fresh = () => {
  ticketing.received.length = 0;
  brain.requests.length = 0;
};

async function pause(group: string, planned: { name: string; args: unknown }[] = [{ name: "create_ticket", args }]) {
  plan = planned;
  const res = await app.post("/v1/chat/completions", { model: `group:${group}`, messages: [{ role: "user", content: "My printer is broken" }] });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

const resume = (body: Record<string, unknown>) => app.post("/v1/chat/resume", body);

describe("tools without approval", () => {
  test("run at once; the result reaches the brain; the answer carries kitemesh without approval", async () => {
    fresh();
    plan = [{ name: "create_ticket", args }];
    const answer = await app.openai.chat.completions.create({ model: `group:${directGroup}`, messages: [{ role: "user", content: "My printer is broken" }], metadata: { request_id: "req-direct-1" } });
    expect(ticketing.received).toHaveLength(1);
    const got = ticketing.received[0]!;
    expect(got.method).toBe("POST");
    expect(JSON.parse(got.body)).toEqual(args);
    expect(got.headers.authorization).toBe(`Bearer ${SECRET}`);
    // Second brain call: the tool result (status and the service's body) is in its prompt.
    const second = brain.to("brain")[1]!;
    expect(toolResults(second)).toEqual(['HTTP 201\n{"id":1,"status":"open"}']);
    expect(answer.choices[0]!.message.content).toBe('Done after: HTTP 201\n{"id":1,"status":"open"}');
    expect(answer.choices[0]!.finish_reason).toBe("stop");
    expect(answer.model).toBe(`group:${directGroup}`);
    const kitemesh = (answer as any).kitemesh;
    expect(kitemesh.request_id).toBe("req-direct-1");
    expect(kitemesh.execution_id).toMatch(UUID);
    expect(kitemesh.approval_id).toBeUndefined();
    // Usage adds both brain calls.
    expect(answer.usage!.prompt_tokens).toBe(200);
    expect(answer.usage!.completion_tokens).toBe(20);
  });

  test("the group's instruction and resources are the brain's system message", () => {
    const first = brain.to("brain")[0]!;
    expect(first.messages[0]!.role).toBe("system");
    expect(partsText(first.messages[0]!.content)).toBe("Use the tools.\n\nResources:\n--- resource: faq ---\nPrinters live on floor 2.\n--- end of faq ---");
    expect(first.messages.slice(1).map((m) => m.role)).toEqual(["user"]);
    expect(first.tools?.map((t) => t.name)).toEqual(["create_ticket"]);
  });
});

describe("approval", () => {
  test("pauses: content null, the pending call, finish_reason tool_calls, kitemesh approval; nothing sent", async () => {
    fresh();
    const before = Date.now();
    const answer = await pause(approvalGroup);
    const choice = answer.choices[0];
    expect(choice.message.content).toBeNull();
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls[0];
    expect(call.id).toMatch(UUID);
    expect(call.type).toBe("function");
    expect(call.function.name).toBe("create_ticket");
    expect(JSON.parse(call.function.arguments)).toEqual(args);
    expect(answer.kitemesh.approval_id).toMatch(UUID);
    expect(answer.kitemesh.execution_id).toMatch(UUID);
    const expires = Date.parse(answer.kitemesh.expires_at);
    expect(answer.kitemesh.expires_at).toBe(new Date(expires).toISOString());
    expect(expires - before).toBeGreaterThan(14 * 60_000);
    expect(expires - before).toBeLessThanOrEqual(15 * 60_000 + 1000);
    expect(ticketing.received).toHaveLength(0);
  });

  test("approve: the service receives exactly the validated arguments, once; same execution; a second resume is 409", async () => {
    fresh();
    const paused = await pause(approvalGroup);
    const id = paused.choices[0].message.tool_calls[0].id;
    const res = await resume({ approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [id], metadata: { request_id: "req-resume-1" } });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as any;
    expect(ticketing.received).toHaveLength(1);
    expect(JSON.parse(ticketing.received[0]!.body)).toEqual(args);
    expect(answer.choices[0].message.content).toStartWith("Done after: HTTP 201");
    expect(answer.model).toBe(`group:${approvalGroup}`);
    expect(answer.kitemesh.execution_id).toBe(paused.kitemesh.execution_id);
    expect(answer.kitemesh.request_id).toBe("req-resume-1");
    expect(res.headers.get("x-request-id")).toBe("req-resume-1");
    // The brain's continuation: its own call, then the result under the same id.
    const cont = brain.to("brain").at(-1)!;
    const assistant = cont.messages.findLast((m) => m.role === "assistant")!;
    expect(assistant.toolCalls!.map((c) => c.id)).toEqual([id]);
    expect(cont.messages.at(-1)!.toolCallId).toBe(id);

    const again = await resume({ approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [id] });
    expect(again.status).toBe(409);
    const body = (await again.json()) as any;
    expect(body.error.code).toBe("approval_already_used");
    expect(ticketing.received).toHaveLength(1);
  });

  test("deny with a reason (streamed through the SDK): nothing is sent and the brain reads the reason", async () => {
    fresh();
    plan = [{ name: "create_ticket", args }];
    const stream = await app.openai.chat.completions.create({ model: `group:${approvalGroup}`, messages: [{ role: "user", content: "Printer" }], stream: true });
    const chunks: any[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last.choices[0].finish_reason).toBe("tool_calls");
    expect(last.kitemesh.approval_id).toMatch(UUID);
    const started = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []).find((c: any) => c.id);
    expect(started.function.name).toBe("create_ticket");
    expect(ticketing.received).toHaveLength(0);

    const res = await resume({ approval_id: last.kitemesh.approval_id, denied_tools: [{ tool_execution_id: started.id, reason: "we have no printer" }], stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const frames = await sseData(res);
    expect(frames.at(-1)).toBe("[DONE]");
    const text = frames.slice(0, -1).map((f: any) => f.choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Done after: denied by the user: we have no printer");
    expect((frames.at(-2) as any).choices[0].finish_reason).toBe("stop");
    expect(toolResults(brain.to("brain").at(-1)!)).toEqual(["denied by the user: we have no printer"]);
    expect(ticketing.received).toHaveLength(0);
  });

  test("two calls, one approved and one denied: one request reaches the service; results in call order", async () => {
    fresh();
    const second = { title: "Screen dark", priority: 1 };
    const paused = await pause(approvalGroup, [
      { name: "create_ticket", args },
      { name: "create_ticket", args: second },
    ]);
    const [a, b] = paused.choices[0].message.tool_calls;
    expect(JSON.parse(b.function.arguments)).toEqual(second);
    const res = await resume({ approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [b.id], denied_tools: [{ tool_execution_id: a.id, reason: "duplicate" }] });
    expect(res.status).toBe(200);
    expect(ticketing.received.map((r) => JSON.parse(r.body))).toEqual([second]);
    const cont = brain.to("brain").at(-1)!;
    expect(toolResults(cont)).toEqual(["denied by the user: duplicate", 'HTTP 201\n{"id":1,"status":"open"}']);
    expect(cont.messages.filter((m) => m.role === "tool").map((m) => m.toolCallId)).toEqual([a.id, b.id]);
  });

  test("ids that are not the approval's pending calls are a 400 naming the field; the approval stays usable", async () => {
    fresh();
    const paused = await pause(approvalGroup);
    const id = paused.choices[0].message.tool_calls[0].id;
    const bad = await resume({ approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [crypto.randomUUID()] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.param).toBe("approved_tool_execution_ids[0]");
    const both = await resume({ approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [id], denied_tools: [{ tool_execution_id: id }] });
    expect(both.status).toBe(400);
    expect(((await both.json()) as any).error.param).toBe("denied_tools[0].tool_execution_id");
    const other = await resume({ model: `group:${directGroup}`, approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [id] });
    expect(other.status).toBe(400);
    expect(((await other.json()) as any).error.param).toBe("model");
    expect(ticketing.received).toHaveLength(0);
    const ok = await resume({ approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [id] });
    expect(ok.status).toBe(200);
    expect(ticketing.received).toHaveLength(1);
  });

  test("an unknown approval is a 404 in OpenAI's error shape", async () => {
    const res = await resume({ approval_id: crypto.randomUUID(), approved_tool_execution_ids: [] });
    expect(res.status).toBe(404);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("approval_not_found");
    expect(body.error.type).toBe("not_found_error");
    const missing = await resume({ approved_tool_execution_ids: [] });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.param).toBe("approval_id");
  });

  test("a call in neither list is denied; a new user message follows the results", async () => {
    fresh();
    const paused = await pause(approvalGroup);
    const res = await resume({ approval_id: paused.kitemesh.approval_id, messages: [{ role: "user", content: "never mind" }] });
    expect(res.status).toBe(200);
    const cont = brain.to("brain").at(-1)!;
    expect(cont.messages.at(-2)!.role).toBe("tool");
    expect(partsText(cont.messages.at(-2)!.content)).toBe("denied: the user gave no decision on this call");
    expect(partsText(cont.messages.at(-1)!.content)).toBe("never mind");
    expect(ticketing.received).toHaveLength(0);
  });

  test("an expired approval is a 410", async () => {
    fresh();
    const group = await app.createGroup({ name: "hasty", brain: "brain", approval_ttl: 1, tools: [ticketTool(ticketing.url, { approval: "required" })] });
    const paused = await pause(group);
    const expiresAt = Date.parse(paused.kitemesh.expires_at);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(1000);
    while (Date.now() <= expiresAt) await Bun.sleep(expiresAt - Date.now() + 1);
    const res = await resume({ approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [paused.choices[0].message.tool_calls[0].id] });
    expect(res.status).toBe(410);
    expect(((await res.json()) as any).error.code).toBe("approval_expired");
    expect(ticketing.received).toHaveLength(0);
  });
});

describe("a restart between the pause and the resume", () => {
  test("a new GroupEngine over the same data dir continues the execution", async () => {
    fresh();
    const before = startGroupApp(brain, { env });
    const group = await before.createGroup({ name: "restart", brain: "brain", tools: [ticketTool(ticketing.url, { approval: "required" })] });
    plan = [{ name: "create_ticket", args }];
    const paused = (await (await before.post("/v1/chat/completions", { model: `group:${group}`, messages: [{ role: "user", content: "hi" }] })).json()) as any;
    before.close();
    const after = startGroupApp(brain, { env, dataDir: before.dataDir });
    try {
      const res = await after.post("/v1/chat/resume", { approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [paused.choices[0].message.tool_calls[0].id] });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as any;
      expect(answer.kitemesh.execution_id).toBe(paused.kitemesh.execution_id);
      expect(answer.choices[0].message.content).toStartWith("Done after: HTTP 201");
      expect(ticketing.received.map((r) => JSON.parse(r.body))).toEqual([args]);
    } finally {
      after.close();
    }
  });
});

describe("arguments and failures", () => {
  test("invalid arguments go back to the brain as an error; the service gets nothing and nothing pauses", async () => {
    fresh();
    const answer = await pause(approvalGroup, [{ name: "create_ticket", args: { title: "Coffee machine", priority: 9 } }]);
    expect(answer.kitemesh.approval_id).toBeUndefined();
    expect(answer.choices[0].finish_reason).toBe("stop");
    const [result] = toolResults(brain.to("brain").at(-1)!);
    expect(result).toStartWith("error: invalid arguments, the tool was not called:");
    expect(result).toContain("/title must be equal to one of the allowed values");
    expect(result).toContain("/priority must be <= 3");
    expect(ticketing.received).toHaveLength(0);
    fresh();
    await pause(directGroup, [{ name: "create_ticket", args: "{not json" }]);
    expect(toolResults(brain.to("brain").at(-1)!)[0]).toStartWith("error: the arguments are not valid JSON");
    expect(ticketing.received).toHaveLength(0);
  });

  test("a non-2xx answer and a refused address reach the brain with the status or the rule", async () => {
    fresh();
    const group = await app.createGroup({
      name: "failing",
      brain: "brain",
      tools: [
        { name: "broken", url: `${ticketing.url}/broken`, allow_private: true },
        { name: "internal", url: `${ticketing.url}/tickets/1` },
      ],
    });
    await pause(group, [
      { name: "broken", args: {} },
      { name: "internal", args: {} },
    ]);
    const [broken, internal] = toolResults(brain.to("brain").at(-1)!);
    expect(broken).toBe("HTTP 500 (failed)\ndatabase on fire");
    expect(internal).toStartWith("error: the request failed: refused:");
    expect(internal).toContain("127.0.0.1");
    expect(ticketing.received.map((r) => r.path)).toEqual(["/broken"]);
  });

  test("a secret never reaches the model, the answer or the log, even when the service echoes it", async () => {
    fresh();
    const group = await app.createGroup({
      name: "echo",
      brain: "brain",
      tools: [{ name: "echo", url: `${ticketing.url}/echo?key={{secret:ticket_token}}`, headers: { "x-api-key": "{{secret:ticket_token}}" }, allow_private: true }],
    });
    const answer = await pause(group, [{ name: "echo", args: {} }]);
    expect(ticketing.received[0]!.headers["x-api-key"]).toBe(SECRET);
    expect(ticketing.received[0]!.query).toBe(`?key=${SECRET}`);
    const [result] = toolResults(brain.to("brain").at(-1)!);
    expect(result).toContain('"x-api-key":"[secret]"');
    expect(JSON.stringify(brain.requests)).not.toContain(SECRET);
    expect(JSON.stringify(answer)).not.toContain(SECRET);
    expect(app.logs.join("\n")).not.toContain(SECRET);
    const listed = await (await fetch(`${app.url}/v1/admin/groups/${group}`)).text();
    expect(listed).not.toContain(SECRET);
    expect(listed).toContain("{{secret:ticket_token}}");
  });

  test("a missing secret fails the call, naming the secret", async () => {
    fresh();
    const group = await app.createGroup({ name: "nosecret", brain: "brain", tools: [{ name: "t", url: `${ticketing.url}/tickets/1`, headers: { authorization: "{{secret:absent_one}}" }, allow_private: true }] });
    await pause(group, [{ name: "t", args: {} }]);
    expect(toolResults(brain.to("brain").at(-1)!)[0]).toBe("error: the tool could not be called: secret 'absent_one' is not set (BUNLLAMA_SECRET_ABSENT_ONE or secrets.json)");
    expect(ticketing.received).toHaveLength(0);
  });
});

describe("client tools", () => {
  test("are returned to the client, never run; no approval", async () => {
    fresh();
    plan = [{ name: "get_weather", args: { city: "Oslo" } }];
    const answer = await app.openai.chat.completions.create({
      model: `group:${approvalGroup}`,
      messages: [{ role: "user", content: "weather?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    });
    const call = answer.choices[0]!.message.tool_calls![0]! as any;
    expect(call.id).toBe("call_0");
    expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Oslo"}' });
    expect(answer.choices[0]!.finish_reason).toBe("tool_calls");
    expect((answer as any).kitemesh.approval_id).toBeUndefined();
    expect(brain.to("brain")[0]!.tools!.map((t) => t.name)).toEqual(["create_ticket", "get_weather"]);
    expect(ticketing.received).toHaveLength(0);
  });

  test("a client tool named like a group tool is a 400", async () => {
    const res = await app.post("/v1/chat/completions", {
      model: `group:${approvalGroup}`,
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "function", function: { name: "create_ticket" } }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe("tools");
  });
});
