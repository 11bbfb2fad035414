// The HTTP layer of a real listening server under hostile clients: huge declared bodies, bodies
// that never arrive, over-deep JSON, huge URLs and headers, unknown methods. Raw sockets where a
// client library would hide what the server did.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEFAULT_BODY_TIMEOUT_MS } from "../../api/http/body.ts";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const LIMIT = 1024 * 1024;
let server: TestServer;
let port: number;

beforeAll(async () => {
  server = await startTestServer(STORIES_260K, {}, { maxBodyBytes: LIMIT });
  port = Number(new URL(server.url).port);
});
afterAll(() => server.close());

interface RawAnswer {
  /** Everything the server sent. */
  text: string;
  /** Whether the server closed the connection (rather than our giving up). */
  closed: boolean;
  ms: number;
}

/** Writes `data` on a fresh connection and collects the answer until the server closes or `giveUpMs`. */
function raw(data: string, giveUpMs: number): Promise<RawAnswer> {
  const started = performance.now();
  const decoder = new TextDecoder();
  let text = "";
  return new Promise((resolve, reject) => {
    let timer: Timer | undefined;
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          socket.write(data);
          timer = setTimeout(() => {
            resolve({ text, closed: false, ms: performance.now() - started });
            socket.end();
          }, giveUpMs);
        },
        data(_socket, chunk) {
          text += decoder.decode(chunk);
        },
        close() {
          clearTimeout(timer);
          resolve({ text, closed: true, ms: performance.now() - started });
        },
        error(_socket, err) {
          reject(err);
        },
      },
    }).catch(reject);
  });
}

const head = (path: string, headers: Record<string, string | number>) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("") +
  "\r\n";

/** The status and JSON body of a raw HTTP/1.1 answer. */
function parse(answer: RawAnswer): { status: number; headers: string; body: any } {
  const [headers = "", body = ""] = answer.text.split("\r\n\r\n");
  return { status: Number(headers.split(" ")[1]), headers: headers.toLowerCase(), body: body ? JSON.parse(body) : undefined };
}

// Started first, checked last: it takes the default deadline to be answered.
let stalled: Promise<RawAnswer>;

describe("limits answered in the protocol's shape", () => {
  test("setup: a client promises a body and never sends it", () => {
    stalled = raw(head("/v1/chat/completions", { "Content-Length": 1000 }) + '{"model":', DEFAULT_BODY_TIMEOUT_MS + 5000);
  });

  test("a 50 MB declared body: our 413 (not Bun's empty one), connection closed at once", async () => {
    for (const [path, anthropic] of [["/v1/chat/completions", false], ["/v1/messages", true]] as const) {
      const answer = await raw(head(path, { "Content-Length": 50_000_000 }) + "{", 5000);
      expect(answer.closed).toBe(true);
      const { status, headers, body } = parse(answer);
      expect(status).toBe(413);
      expect(headers).toContain("content-type: application/json");
      if (anthropic) expect(body).toMatchObject({ type: "error", error: { type: "request_too_large" } });
      else expect(body.error).toMatchObject({ code: "request_too_large", type: "invalid_request_error" });
    }
  });

  test("a chunked body past the limit: 413 in shape", async () => {
    const chunk = "x".repeat(LIMIT + 1);
    const answer = await raw(head("/v1/responses", { "Transfer-Encoding": "chunked" }) + `${chunk.length.toString(16)}\r\n${chunk}\r\n`, 5000);
    const { status, body } = parse(answer);
    expect(status).toBe(413);
    expect(body.error.code).toBe("request_too_large");
  });

  test("over-deep JSON: fast 400s while /health keeps answering, and the server does not grow", async () => {
    const nest = (n: number, open: string, close: string, inner = "1") => open.repeat(n) + inner + close.repeat(n);
    const deep = nest(10_000, "[", "]", '"x"');
    const msgs = (content: string) => `[{"role":"user","content":${content}}]`;
    const bodies = [
      nest(100_000, '{"a":', "}"),
      `{"model":"${server.modelId}","messages":${msgs(deep)}}`,
      `{"model":"${server.modelId}","messages":${deep}}`,
      `{"model":"${server.modelId}","messages":${msgs('"Hi"')},"stop":${deep}}`,
      `{"model":"${server.modelId}","messages":${msgs('"Hi"')},"tools":[{"type":"function","function":{"name":"f","parameters":${nest(10_000, '{"type":"object","properties":{"p":', "}}", "{}")}}}]}`,
    ];
    Bun.gc(true);
    const rssBefore = process.memoryUsage().rss;
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      const [answers, health] = await Promise.all([
        Promise.all(bodies.map((b) => server.post("/v1/chat/completions", b))),
        fetch(`${server.url}/health`),
      ]);
      expect(health.status).toBe(200);
      for (const res of answers) {
        expect(res.status).toBe(400);
        expect(((await res.json()) as any).error.code).toBe("json_too_deep");
      }
      expect(performance.now() - started).toBeLessThan(2000);
    }
    Bun.gc(true);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 2 ** 20);
  });

  test("the body that never arrived was answered at the deadline, and the connection closed", async () => {
    const answer = await stalled;
    expect(answer.closed).toBe(true);
    expect(answer.ms).toBeGreaterThanOrEqual(DEFAULT_BODY_TIMEOUT_MS - 100);
    const { status, body } = parse(answer);
    expect(status).toBe(408);
    expect(body.error.code).toBe("request_timeout");
  }, DEFAULT_BODY_TIMEOUT_MS + 10_000);
});

describe("limits Bun answers before our code runs (documented)", () => {
  test("a 100 KB URL or header: Bun's empty 431, connection closed", async () => {
    for (const request of [
      `GET /v1/models?${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(100_000)}\r\n\r\n`,
    ]) {
      const answer = await raw(request, 5000);
      expect(answer.closed).toBe(true);
      expect(answer.text.startsWith("HTTP/1.1 431 ")).toBe(true);
    }
  });

  test("an unknown method: Bun closes the connection without an answer", async () => {
    const answer = await raw("FOO /v1/models HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
    expect(answer.closed).toBe(true);
    expect(answer.text).toBe("");
  });

  test("a method Bun knows but no route takes: our 404 in shape", async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: "PUT", body: "{}" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.type).toBe("not_found_error");
  });
});

test("after all that, the model still answers", async () => {
  const res = await server.post("/v1/chat/completions", { model: server.modelId, messages: [{ role: "user", content: "Once" }], max_tokens: 4 });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).choices[0].message.content.length).toBeGreaterThan(0);
});
