// Reading a request body: the size limit (declared or counted), the deadline for a body that
// never arrives, each answered in the protocol's shape with the connection closed, and the route's
// schema checked on the body as sent.
import { describe, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { jsonBody, readJsonBody } from "../../api/http/body.ts";
import { ApiError } from "../../api/http/errors.ts";
import { protocolErrorHandler } from "../../api/http/onError.ts";
import { openAIErrorResponse } from "../../api/openai/errors.ts";
import { createApp } from "../../server.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

const LIMIT = 4096;
const enc = new TextEncoder();

/** A body stream that yields the given chunks, then either ends or stays open forever. */
function streamOf(chunks: string[], end: boolean) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[pulled++];
      if (chunk !== undefined) controller.enqueue(enc.encode(chunk));
      else if (end) controller.close();
      else return new Promise(() => {}); // the client went silent
    },
  }, { highWaterMark: 0 }); // nothing is pulled before a reader asks
  return { stream, pulled: () => pulled };
}

const request = (path: string, body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
  new Request(`http://localhost${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit);

describe("size limit through the real routes", () => {
  const app = createApp(new ScriptedEngine(), { maxBodyBytes: LIMIT });

  test("a declared content-length over the limit is refused before a byte is read", async () => {
    const body = streamOf(["{"], false);
    const res = await app.handle(request("/v1/chat/completions", body.stream, { "content-length": String(50_000_000) }));
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(((await res.json()) as any).error).toMatchObject({ code: "request_too_large", message: expect.stringContaining(`${LIMIT} bytes`) });
    expect(body.pulled()).toBe(0);
  });

  test("a chunked body is cut as soon as it passes the limit, in Anthropic's shape on /v1/messages", async () => {
    const body = streamOf(Array.from({ length: 100 }, () => "x".repeat(1024)), true);
    const res = await app.handle(request("/v1/messages", body.stream));
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "request_too_large" } });
    expect(body.pulled()).toBeLessThanOrEqual(LIMIT / 1024 + 2);
  });

  test("a body at the limit is read", async () => {
    const json = JSON.stringify({ model: "test-model", messages: [{ role: "user", content: "Hi" }] });
    const padded = json.slice(0, -1) + " ".repeat(LIMIT - json.length) + "}";
    expect(padded.length).toBe(LIMIT);
    const res = await app.handle(request("/v1/chat/completions", padded));
    expect(res.status).toBe(200);
  });
});

describe("body-read deadline", () => {
  const Body = t.Object({ model: t.String() });
  const app = new Elysia()
    .onError(protocolErrorHandler(Body, openAIErrorResponse, "test"))
    .post("/echo", ({ body }) => body, { parse: jsonBody({ maxBytes: LIMIT, timeoutMs: 200 }, Body), body: Body });

  test("a body that stops arriving is answered at the deadline, in shape, with the connection closed", async () => {
    const body = streamOf(['{"model":'], false);
    const started = performance.now();
    const res = await app.handle(request("/echo", body.stream, { "content-length": "1000" }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2000);
    expect(res.status).toBe(408);
    expect(res.headers.get("connection")).toBe("close");
    expect(((await res.json()) as any).error).toMatchObject({ code: "request_timeout", type: "invalid_request_error" });
  });

  test("a body that arrives in pieces before the deadline is read", async () => {
    const body = streamOf(['{"mod', 'el":"a"', "}"], true);
    const res = await app.handle(request("/echo", body.stream));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ model: "a" });
  });
});

describe("readJsonBody", () => {
  test("with a schema, the body as sent must match it", async () => {
    const schema = t.Object({ opts: t.Optional(t.Union([t.Object({ a: t.Optional(t.Boolean()) }), t.Null()])) });
    await expect(readJsonBody(request("/", '{"opts":{"a":true}}'), LIMIT, schema)).resolves.toEqual({ opts: { a: true } });
    const refused = await readJsonBody(request("/", '{"opts":"x"}'), LIMIT, schema).catch((e) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "invalid_type", param: "opts" });
  });

  test("not JSON, or JSON that is not an object, is refused", async () => {
    await expect(readJsonBody(request("/", "{"), LIMIT)).rejects.toMatchObject({ code: "invalid_json" });
    await expect(readJsonBody(request("/", "[1]"), LIMIT)).rejects.toMatchObject({ code: "invalid_request" });
  });
});
