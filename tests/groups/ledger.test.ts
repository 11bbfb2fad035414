// A group over the metered engine (GroupEngine(MeteredEngine(inner)), as server.ts composes them):
// each model call of an execution is one ledger row under the request's id, and the answer's
// credits_charged is their sum: the execution is on the books once, call by call.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MeteredEngine } from "../../accounting/meteredEngine.ts";
import { openAccounts } from "../../store/accounts.ts";
import { afterTools, calls, say, ScriptedModels } from "./scripted.ts";
import { startGroupApp, startTicketing, ticketTool } from "./support.ts";

const ticketing = startTicketing();
const accounts = openAccounts(mkdtempSync(join(tmpdir(), "bunllama-groups-ledger-")));
const models = new ScriptedModels(
  { brain: (req) => (afterTools(req) ? say("ok") : calls({ name: "create_ticket", args: { title: "Screen dark", priority: 1 } })) },
  { brain: { prompt: 2, completion: 4 } },
);
const app = startGroupApp(new MeteredEngine(models, accounts.ledger));
afterAll(() => {
  app.close();
  ticketing.stop();
  accounts.db.close();
});

const rows = (requestId: string) =>
  accounts.db.query<{ model: string; credits: number; status: number }, [string]>("SELECT model, credits, status FROM usage WHERE request_id = ? ORDER BY id").all(requestId);

test("one ledger row per model call under the request id; credits_charged is their sum", async () => {
  const group = await app.createGroup({ name: "metered", brain: "brain", tools: [ticketTool(ticketing.url)] });
  const res = await app.post("/v1/chat/completions", { model: `group:${group}`, messages: [{ role: "user", content: "x" }], metadata: { request_id: "ledger-1" } });
  const answer = (await res.json()) as any;
  // Each call: 100 prompt tokens × 2 + 10 completion tokens × 4, per 1K.
  expect(rows("ledger-1")).toEqual([
    { model: "brain", credits: 0.24, status: 200 },
    { model: "brain", credits: 0.24, status: 200 },
  ]);
  expect(answer.kitemesh.credits_charged).toBe(0.48);
  expect(answer.kitemesh.request_id).toBe("ledger-1");
});

test("a pause and its resume: each request charges its own calls; the execution id carries over", async () => {
  const group = await app.createGroup({ name: "metered-approval", brain: "brain", tools: [ticketTool(ticketing.url, { approval: "required" })] });
  const paused = (await (await app.post("/v1/chat/completions", { model: `group:${group}`, messages: [{ role: "user", content: "x" }], metadata: { request_id: "ledger-2" } })).json()) as any;
  expect(rows("ledger-2")).toHaveLength(1);
  expect(paused.kitemesh.credits_charged).toBe(0.24);
  const body = { approval_id: paused.kitemesh.approval_id, approved_tool_execution_ids: [paused.choices[0].message.tool_calls[0].id], metadata: { request_id: "ledger-3" } };
  const resumed = (await (await app.post("/v1/chat/resume", body)).json()) as any;
  expect(resumed.kitemesh.execution_id).toBe(paused.kitemesh.execution_id);
  expect(rows("ledger-3")).toEqual([{ model: "brain", credits: 0.24, status: 200 }]);
  expect(resumed.kitemesh.credits_charged).toBe(0.24);
});
