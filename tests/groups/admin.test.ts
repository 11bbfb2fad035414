// /v1/admin/groups CRUD and groups from the config file (one-line errors, read-only through the
// API, replaced at each start).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelsConfig } from "../../cli/config.ts";
import type { ModelDefaults } from "../../engine/modelSpec.ts";
import { say, ScriptedModels } from "./scripted.ts";
import { startGroupApp, type GroupApp } from "./support.ts";

const models = new ScriptedModels({ brain: () => say("hi"), other: () => say("yo") });
let app: GroupApp;
const base = { name: "helpdesk", brain: "brain", tools: [{ name: "lookup", url: "https://tickets.example/t/{id}", parameters: { type: "object", properties: { id: { type: "string" } } } }] };

beforeAll(() => {
  app = startGroupApp(models);
});
afterAll(() => app.close());

const call = (method: string, path: string, body?: unknown) =>
  fetch(`${app.url}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

describe("/v1/admin/groups", () => {
  test("create, get, list, patch, put, delete", async () => {
    const created = await call("POST", "/v1/admin/groups", base);
    expect(created.status).toBe(201);
    const group = (await created.json()) as any;
    expect(group).toMatchObject({ object: "group", name: "helpdesk", brain: "brain", default_mode: "auto", source: "api", force_tool: "auto", approval_ttl: null });
    expect(group.model).toBe(`group:${group.id}`);
    expect(group.tools[0]).toMatchObject({ name: "lookup", method: "GET", body: "none", timeout_ms: 10000, max_response_bytes: 65536, approval: "never", allow_private: false });
    expect(await (await call("GET", `/v1/admin/groups/${group.id}`)).json()).toEqual(group);
    expect(((await (await call("GET", `/v1/admin/groups/group:${group.id}`)).json()) as any).id).toBe(group.id);
    const list = (await (await call("GET", "/v1/admin/groups")).json()) as any;
    expect(list.object).toBe("list");
    expect(list.data.map((g: any) => g.id)).toContain(group.id);

    const patched = (await (await call("PATCH", `/v1/admin/groups/${group.id}`, { instruction: "Be brief.", brain: "other" })).json()) as any;
    expect(patched).toMatchObject({ instruction: "Be brief.", brain: "other", name: "helpdesk" });
    expect(patched.tools).toEqual(group.tools);
    const put = (await (await call("PUT", `/v1/admin/groups/${group.id}`, { name: "renamed", brain: "brain" })).json()) as any;
    expect(put).toMatchObject({ name: "renamed", instruction: "", tools: [] });

    const deleted = await call("DELETE", `/v1/admin/groups/${group.id}`);
    expect(await deleted.json()).toEqual({ id: group.id, object: "group.deleted", deleted: true });
    expect((await call("GET", `/v1/admin/groups/${group.id}`)).status).toBe(404);
    expect((await call("DELETE", `/v1/admin/groups/${group.id}`)).status).toBe(404);
  });

  test("a given id is kept; a taken one is a 409", async () => {
    const id = crypto.randomUUID();
    expect((await call("POST", "/v1/admin/groups", { ...base, id })).status).toBe(201);
    const again = await call("POST", "/v1/admin/groups", { ...base, id });
    expect(again.status).toBe(409);
  });

  test.each([
    [{ ...base, brain: "nope" }, "brain"],
    [{ ...base, colour: "red" }, "colour"],
    [{ ...base, tools: [{ ...base.tools[0], url: "ftp://x/{id}" }] }, "tools[0].url"],
    [{ ...base, tools: [{ ...base.tools[0], url: "https://x/{missing}" }] }, "tools[0].url"],
    [{ ...base, tools: [{ ...base.tools[0], approval: "sometimes" }] }, "tools[0].approval"],
    [{ ...base, tools: [{ ...base.tools[0], parameters: { type: "wat" } }] }, "tools[0].parameters"],
    [{ ...base, tools: [{ ...base.tools[0], headers: { a: "{{secret:bad-name}}" } }] }, "tools[0].headers.a"],
    [{ ...base, tools: [base.tools[0], base.tools[0]] }, "tools[1].name"],
    [{ ...base, agents: [{ name: "x", model: "missing" }] }, "agents[0].model"],
    [{ ...base, default_mode: "synthesis" }, "default_mode"],
    [{ ...base, resources: [{ name: "r", path: "/etc/passwd" }] }, "resources[0].path"],
    [{ ...base, resources: [{ name: "r", text: "x".repeat(64 * 1024 + 1) }] }, "resources[0].text"],
    [{ ...base, force_tool: "other" }, "force_tool"],
  ])("refused with a 400 naming the field (%#)", async (body, param) => {
    const res = await call("POST", "/v1/admin/groups", body);
    expect(res.status).toBe(400);
    const error = ((await res.json()) as any).error;
    expect(error.param).toBe(param);
    expect(error.message).toStartWith(param);
  });
});

describe("groups in the config file", () => {
  const defaults: ModelDefaults = { contextSize: 512, parallel: 1, threads: 1, threadsBatch: 1, gpuLayers: 0, batchSize: 64, flashAttention: -1, kvUnified: false, cacheRamMiB: 0 };
  const dir = mkdtempSync(join(tmpdir(), "bunllama-groups-config-"));
  writeFileSync(join(dir, "m.gguf"), "");
  writeFileSync(join(dir, "faq.md"), "Printers are on floor 2.\n");
  const write = (groups: string) => {
    const file = join(dir, "models.yaml");
    writeFileSync(file, `models:\n  - id: brain\n    path: m.gguf\ngroups:\n${groups}`);
    return file;
  };
  const id = "0b7f3c9e-6a52-4c8e-9a51-2f0d6f1e7a10";

  test("parsed with resources read from files; merged into the store, read-only through the API", async () => {
    const config = await loadModelsConfig(
      write(`  - id: ${id}\n    name: support\n    brain: brain\n    resources:\n      - name: faq\n        path: faq.md\n`),
      defaults,
    );
    expect(config.groups).toHaveLength(1);
    expect(config.groups![0]!.spec.resources).toEqual([{ name: "faq", path: join(dir, "faq.md"), text: "Printers are on floor 2.\n" }]);
    const served = startGroupApp(models, { configGroups: config.groups });
    try {
      const got = (await (await fetch(`${served.url}/v1/admin/groups/${id}`)).json()) as any;
      expect(got).toMatchObject({ source: "config", name: "support", resources: [{ name: "faq", text: "Printers are on floor 2.\n" }] });
      const del = await fetch(`${served.url}/v1/admin/groups/${id}`, { method: "DELETE" });
      expect(del.status).toBe(409);
      expect(((await del.json()) as any).error.code).toBe("group_from_config");
      served.close();
      // The next start without it: gone.
      const again = startGroupApp(models, { dataDir: served.dataDir, configGroups: [] });
      expect((await fetch(`${again.url}/v1/admin/groups/${id}`)).status).toBe(404);
      again.close();
    } finally {
      served.close();
    }
  });

  test.each([
    [`  - name: x\n    brain: brain\n`, `models.yaml: groups[0] (name "x"): id must be a UUID (clients send model "group:<id>"), got undefined`],
    [`  - id: ${id}\n    name: x\n    brain: brain\n    tools:\n      - name: t\n        url: https://a/{b}\n`, `models.yaml: groups[0] (name "x"): tools[0].url uses {b}, which is not a property of the tool's parameters`],
    [`  - id: ${id}\n    name: x\n    brain: brain\n    resources:\n      - name: r\n        path: nothere.md\n`, `models.yaml: groups[0] (name "x"): resources[0].path names no readable file: ${join(dir, "nothere.md")}`],
    [`  - id: ${id}\n    name: x\n    brain: brain\n  - id: ${id}\n    name: y\n    brain: brain\n`, `models.yaml: groups[1] (name "y"): id ${id} is already the id of another group`],
  ])("one-line errors (%#)", async (groups, message) => {
    expect(loadModelsConfig(write(groups), defaults)).rejects.toThrow(message);
  });

  test("a brain that names no model is refused at start", async () => {
    const config = await loadModelsConfig(write(`  - id: ${id}\n    name: x\n    brain: ghost\n`), defaults);
    expect(() => startGroupApp(models, { configGroups: config.groups })).toThrow(`models.yaml: groups[0] (name "x"): brain names no model: "ghost"`);
  });
});

describe("OpenAPI", () => {
  test("lists the admin routes under Admin and /v1/chat/resume", async () => {
    const doc = (await (await fetch(`${app.url}/openapi/json`)).json()) as any;
    expect(doc.paths["/v1/admin/groups"].post.tags).toContain("Admin");
    expect(doc.paths["/v1/admin/groups/{id}"].patch.tags).toContain("Admin");
    expect(doc.paths["/v1/chat/resume"].post.requestBody).toBeDefined();
  });
});
