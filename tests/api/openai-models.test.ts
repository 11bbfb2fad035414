import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { openapi } from "@elysiajs/openapi";
import { modelRoutes } from "../../api/openai/models.ts";
import { requestContext } from "../../api/http/requestContext.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

const makeApp = () => new Elysia().use(modelRoutes(new ScriptedEngine()));
const get = (app: ReturnType<typeof makeApp>, path: string, init?: RequestInit) => app.handle(new Request(`http://localhost${path}`, init));

describe("GET /v1/models", () => {
  test("lists every model in OpenAI's shape with status and aliases", async () => {
    const res = await get(makeApp(), "/v1/models");
    expect(await res.json()).toEqual({
      object: "list",
      data: [
        { id: "test-model", object: "model", created: 1700000000, owned_by: "bunllama", status: "loaded", aliases: ["default"] },
        { id: "org/other", object: "model", created: 1700000001, owned_by: "bunllama", status: "unloaded", aliases: [] },
      ],
    });
  });

  test("retrieves one model by id (slashes included) or alias; unknown is a 404 naming what exists", async () => {
    const app = makeApp();
    expect(((await (await get(app, "/v1/models/org/other")).json()) as any).id).toBe("org/other");
    expect(((await (await get(app, "/v1/models/default")).json()) as any).id).toBe("test-model");
    const missing = await get(app, "/v1/models/none");
    expect(missing.status).toBe(404);
    const body = (await missing.json()) as any;
    expect(body.error).toMatchObject({ code: "model_not_found", param: "model", type: "not_found_error" });
    expect(body.error.message).toContain("test-model");
  });

  test("POST load and unload answer the model object; other POSTs are 404", async () => {
    const app = makeApp();
    const loaded = await get(app, "/v1/models/org/other/load", { method: "POST" });
    expect(loaded.status).toBe(200);
    expect(((await loaded.json()) as any).status).toBe("loaded");
    const unloaded = await get(app, "/v1/models/test-model/unload", { method: "POST" });
    expect(((await unloaded.json()) as any).status).toBe("unloaded");
    expect((await get(app, "/v1/models/test-model/explode", { method: "POST" })).status).toBe(404);
  });

  test("the official SDK's models.list() and models.retrieve() parse them", async () => {
    const app = makeApp();
    const client = new OpenAI({ apiKey: "x", baseURL: "http://localhost/v1", fetch: (input, init) => app.handle(new Request(input, init)) });
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["test-model", "org/other"]);
    expect((await client.models.retrieve("org/other")).owned_by).toBe("bunllama");
  });

  test("the Anthropic SDK's models.list() and retrieve() get Anthropic's shape (anthropic-version header)", async () => {
    const app = makeApp();
    const client = new Anthropic({ apiKey: "x", baseURL: "http://localhost", fetch: (input, init) => app.handle(new Request(input, init)) });
    const ids = [];
    for await (const model of client.models.list()) {
      expect(model.type).toBe("model");
      expect(Number.isNaN(Date.parse(model.created_at))).toBe(false);
      ids.push(model.id);
    }
    expect(ids).toEqual(["test-model", "org/other"]);
    expect((await client.models.retrieve("default")).id).toBe("test-model");
    const missing = await get(app, "/v1/models/none", { headers: { "anthropic-version": "2023-06-01", "x-request-id": "req_models_1" } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any)).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    // The error's request-id is the request's own.
    expect(missing.headers.get("request-id")).toBe("req_models_1");
  });

  test("a token limited to some models sees only those (by id or alias)", async () => {
    const app = new Elysia()
      .onRequest(({ request }) => {
        requestContext(request).token = { id: "t1", name: "limited", scopes: ["models"], models: ["default"] };
      })
      .use(modelRoutes(new ScriptedEngine()));
    const list = (await (await get(app as never, "/v1/models")).json()) as any;
    expect(list.data.map((m: any) => m.id)).toEqual(["test-model"]);
    expect((await get(app as never, "/v1/models/org/other")).status).toBe(404);
    expect((await get(app as never, "/v1/models/test-model")).status).toBe(200);
  });

  test("the OpenAPI document describes the models routes", async () => {
    const app = new Elysia().use(openapi()).use(modelRoutes(new ScriptedEngine()));
    const doc = (await (await app.handle(new Request("http://localhost/openapi/json"))).json()) as any;
    expect(doc.paths["/v1/models"].get.tags).toContain("Models");
    expect(Object.keys(doc.paths["/v1/models/*"])).toEqual(expect.arrayContaining(["get", "post"]));
  });
});
