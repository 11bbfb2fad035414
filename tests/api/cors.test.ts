// CORS (--cors): headers on every answer for allowed origins, preflights answered before routing.
import { describe, expect, test } from "bun:test";
import { createApp } from "../../server.ts";
import { ScriptedEngine } from "../support/scriptedEngine.ts";

const APP_ORIGIN = "https://app.example";
const chat = { model: "test-model", messages: [{ role: "user", content: "Hi" }] };

const post = (app: ReturnType<typeof createApp>, path: string, body: unknown, origin = APP_ORIGIN) =>
  app.handle(
    new Request(`http://localhost${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin },
      body: JSON.stringify(body),
    }),
  );

const preflight = (app: ReturnType<typeof createApp>, path: string, origin = APP_ORIGIN, requestHeaders = "authorization, content-type") =>
  app.handle(
    new Request(`http://localhost${path}`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders },
    }),
  );

describe("CORS off (the default)", () => {
  test("no Access-Control-Allow-Origin, and a preflight is answered without one (not 404)", async () => {
    const app = createApp(new ScriptedEngine());
    const res = await post(app, "/v1/chat/completions", chat);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await preflight(app, "/v1/chat/completions");
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("CORS for listed origins", () => {
  const app = createApp(new ScriptedEngine(), { corsOrigins: [APP_ORIGIN, "http://localhost:5173"] });

  test("an allowed origin gets the headers on JSON, streamed and error answers", async () => {
    for (const res of [
      await post(app, "/v1/chat/completions", chat),
      await post(app, "/v1/chat/completions", { ...chat, stream: true }),
      await post(app, "/v1/chat/completions", { ...chat, model: "nope" }),
      await post(app, "/v1/chat/completions", { messages: [] }),
      await post(app, "/v1/messages", { model: "test-model" }),
      await post(app, "/no/such/route", {}),
    ]) {
      expect({ status: res.status, origin: res.headers.get("access-control-allow-origin") }).toEqual({ status: res.status, origin: APP_ORIGIN });
      expect(res.headers.get("vary")).toContain("Origin");
      expect(res.headers.get("access-control-expose-headers")).toBe("*");
    }
    const streamed = await post(app, "/v1/chat/completions", { ...chat, stream: true });
    expect(streamed.headers.get("content-type")).toContain("text/event-stream");
    expect(await streamed.text()).toContain("data: [DONE]");
  });

  test("another origin gets none", async () => {
    const res = await post(app, "/v1/chat/completions", chat, "https://evil.example");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await preflight(app, "/v1/chat/completions", "https://evil.example");
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("a preflight is 204 with the methods and headers the SDKs send, on /v1 and bare paths", async () => {
    for (const path of ["/v1/chat/completions", "/chat/completions", "/v1/messages", "/messages", "/v1/responses/resp_1"]) {
      const res = await preflight(app, path, APP_ORIGIN, "x-stainless-os, content-type");
      expect({ path, status: res.status }).toEqual({ path, status: 204 });
      expect(res.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
      expect(res.headers.get("access-control-allow-methods")).toContain("POST");
      const allowed = res.headers.get("access-control-allow-headers")!.split(", ");
      for (const h of ["authorization", "x-api-key", "anthropic-version", "anthropic-beta", "content-type", "x-stainless-os"])
        expect(allowed).toContain(h);
      expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    }
  });
});

describe("CORS for any origin", () => {
  test("* answers any origin with *", async () => {
    const app = createApp(new ScriptedEngine(), { corsOrigins: ["*"] });
    const res = await post(app, "/v1/chat/completions", chat, "https://anywhere.example");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect((await preflight(app, "/v1/models", "null")).headers.get("access-control-allow-origin")).toBe("*");
  });
});
