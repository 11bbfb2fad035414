// One HTTP tool call through the real network layer (net/safeFetch) against a local service:
// URL templates, bodies, limits, timeouts and secrets.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkArguments, runHttpTool } from "../../groups/httpTool.ts";
import { SecretStore } from "../../groups/secrets.ts";
import { parseGroupSpec } from "../../groups/spec.ts";
import { safeToolFetcher } from "../../groups/toolFetch.ts";
import type { HttpTool } from "../../groups/types.ts";
import { startTicketing } from "./support.ts";

const ticketing = startTicketing();
afterAll(() => ticketing.stop());
const deps = { secrets: new SecretStore(undefined, {}), fetch: safeToolFetcher() };

function tool(raw: Record<string, unknown>): HttpTool {
  return parseGroupSpec({ name: "g", brain: "b", tools: [{ name: "t", allow_private: true, ...raw }] }).tools[0]!;
}

test("arguments fill the URL URL-encoded: they cannot add a path segment, a query key or a host", async () => {
  ticketing.received.length = 0;
  const t = tool({ url: `${ticketing.url}/tickets/{id}?q={q}`, parameters: { type: "object", properties: { id: { type: "string" }, q: { type: "string" } } } });
  const result = await runHttpTool(t, { id: "../admin", q: "a&admin=1" }, deps);
  expect(result).toEqual({ ok: true, status: 200, content: 'HTTP 200\n{"id":"..%2Fadmin","status":"open"}' });
  expect(ticketing.received[0]).toMatchObject({ method: "GET", path: "/tickets/..%2Fadmin", query: "?q=a%26admin%3D1", body: "" });
});

test("POST sends the arguments as JSON by default; body none sends nothing", async () => {
  ticketing.received.length = 0;
  await runHttpTool(tool({ url: `${ticketing.url}/tickets`, method: "POST" }), { a: 1 }, deps);
  await runHttpTool(tool({ url: `${ticketing.url}/tickets`, method: "POST", body: "none" }), { a: 1 }, deps);
  expect(ticketing.received.map((r): [string, string | null] => [r.body, r.headers["content-type"] ?? null])).toEqual([
    ['{"a":1}', "application/json"],
    ["", null],
  ]);
});

test("an answer longer than max_response_bytes is cut and says so", async () => {
  const result = await runHttpTool(tool({ url: `${ticketing.url}/big`, max_response_bytes: 1000 }), {}, deps);
  expect(result.ok).toBe(true);
  expect(result.content).toBe(`HTTP 200\n${"x".repeat(1000)}\n[cut at 1000 bytes]`);
});

test("a service that never answers times out within the tool's timeout", async () => {
  const started = Date.now();
  const result = await runHttpTool(tool({ url: `${ticketing.url}/slow`, timeout_ms: 300 }), {}, deps);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(result).toEqual({ ok: false, content: "error: the request failed: timed out after 0.3 s fetching the tool URL" });
});

test("loopback is refused unless the tool (or the server) allows private addresses", async () => {
  const t = tool({ url: `${ticketing.url}/tickets/1`, allow_private: false });
  const refused = await runHttpTool(t, {}, deps);
  expect(refused.ok).toBe(false);
  expect(refused.content).toStartWith("error: the request failed: refused: tool URL");
  const allowed = await runHttpTool(t, {}, { ...deps, fetch: safeToolFetcher({ allowPrivateUrls: true }) });
  expect(allowed.status).toBe(200);
});

test("checkArguments: JSON objects matching the schema only", () => {
  const t = { parameters: { type: "object", properties: { n: { type: "integer", multipleOf: 7 } }, required: ["n"] } };
  expect(checkArguments(t, '{"n":14}')).toEqual({ args: { n: 14 } });
  expect(checkArguments(t, '{"n":15}')).toEqual({ error: "error: invalid arguments, the tool was not called: /n must be multiple of 7" });
  expect(checkArguments(t, "[1]")).toEqual({ error: "error: the arguments must be a JSON object" });
  expect(checkArguments(t, "")).toEqual({ error: "error: invalid arguments, the tool was not called: (arguments) must have required property 'n'" });
});

test("secrets: the environment wins over secrets.json; a file others may read is not used", () => {
  const dir = mkdtempSync(join(tmpdir(), "bunllama-secrets-"));
  const file = join(dir, "secrets.json");
  writeFileSync(file, JSON.stringify({ api: "from-file", other: "file-only" }));
  chmodSync(file, 0o600);
  const store = SecretStore.inDataDir(dir, { BUNLLAMA_SECRET_API: "from-env" });
  const used = new Set<string>();
  expect(store.fill("{{secret:api}} {{secret:other}}", used)).toBe("from-env file-only");
  expect([...used].sort()).toEqual(["file-only", "from-env"]);
  chmodSync(file, 0o644);
  expect(() => store.get("other")).toThrow("may be read by others: chmod 600 it");
});
