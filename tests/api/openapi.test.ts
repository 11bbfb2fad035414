// The OpenAPI document is generated from the TypeBox schemas; Swagger UI serves it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(STORIES_260K);
});
afterAll(() => server.close());

test("the document is OpenAPI 3 and describes the chat completions request", async () => {
  const response = await fetch(`${server.url}/openapi/json`);
  expect(response.status).toBe(200);
  const doc = (await response.json()) as any;
  expect(doc.openapi).toStartWith("3.");
  const post = doc.paths["/v1/chat/completions"].post;
  const schema = post.requestBody.content["application/json"].schema;
  const properties = schema.properties ?? doc.components?.schemas?.[schema.$ref?.split("/").pop()]?.properties;
  for (const field of ["model", "messages", "stream", "temperature", "top_k", "max_tokens", "stop", "logprobs"]) {
    expect(properties[field]).toBeDefined();
    expect(typeof properties[field].description).toBe("string");
  }
  expect(doc.paths["/v1/models"].get).toBeDefined();
  expect(doc.paths["/health"].get).toBeDefined();
});

test("Swagger UI is served with its assets from this server, not a CDN", async () => {
  const response = await fetch(`${server.url}/openapi`);
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).toContain("/openapi/assets/swagger-ui-bundle.js");
  expect(html).not.toContain("unpkg.com");
  const bundle = await fetch(`${server.url}/openapi/assets/swagger-ui-bundle.js`);
  expect(bundle.status).toBe(200);
  expect((await bundle.text()).length).toBeGreaterThan(100_000);
  const css = await fetch(`${server.url}/openapi/assets/swagger-ui.css`);
  expect(css.status).toBe(200);
});

test("GET /v1/models lists the served model; /health is ok once loaded", async () => {
  const models = (await (await fetch(`${server.url}/v1/models`)).json()) as any;
  expect(models.object).toBe("list");
  expect(models.data[0]).toMatchObject({ id: "stories260K", object: "model", owned_by: "local" });
  const health = await fetch(`${server.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
});

test("unknown routes answer 404 in the OpenAI error shape", async () => {
  const response = await fetch(`${server.url}/v1/nope`);
  expect(response.status).toBe(404);
  expect(((await response.json()) as any).error.type).toBe("not_found_error");
});
