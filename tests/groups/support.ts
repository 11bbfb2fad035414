// Shared pieces of the groups tests: a ticketing service that records what it receives (the
// external HTTP API a group's tools call), and an app composed with the groups feature.
import OpenAI from "openai";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../../core/index.ts";
import { createGroups, type GroupsOptions } from "../../groups/index.ts";
import { IDLE_TIMEOUT_SECONDS } from "../../api/http/sse.ts";
import { createApp } from "../../server.ts";

export interface Received {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

export interface Ticketing {
  url: string;
  received: Received[];
  stop(): void;
}

/**
 * POST /tickets → 201 {"id": n}; GET /tickets/:id → 200; /broken → 500; /slow never answers;
 * /big → 100 KB; /echo → the request's headers back (a service that leaks what it got).
 */
export function startTicketing(): Ticketing {
  const received: Received[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      const entry: Received = { method: request.method, path: url.pathname, query: url.search, headers: Object.fromEntries(request.headers), body: await request.text() };
      received.push(entry);
      if (url.pathname === "/tickets" && request.method === "POST") return Response.json({ id: received.length, status: "open" }, { status: 201 });
      if (url.pathname.startsWith("/tickets/")) return Response.json({ id: url.pathname.slice(9), status: "open" });
      if (url.pathname === "/broken") return new Response("database on fire", { status: 500 });
      if (url.pathname === "/slow") return new Promise<Response>(() => {});
      if (url.pathname === "/big") return new Response("x".repeat(100_000));
      if (url.pathname === "/echo") return Response.json(entry.headers);
      return new Response("no such endpoint", { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, received, stop: () => server.stop(true) };
}

export interface GroupApp {
  url: string;
  dataDir: string;
  logs: string[];
  openai: OpenAI;
  groups: ReturnType<typeof createGroups>;
  post(path: string, body: unknown): Promise<Response>;
  /** Creates a group through the admin API; its id. */
  createGroup(body: Record<string, unknown>): Promise<string>;
  close(): void;
}

/** createApp over GroupEngine(inner) plus the groups routes, listening on a real socket. */
export function startGroupApp(inner: Engine, options: Partial<GroupsOptions> = {}): GroupApp {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "bunllama-groups-"));
  const logs: string[] = [];
  const groups = createGroups({ log: (line) => logs.push(line), ...options, dataDir });
  const engine = groups.engine(inner);
  const app = createApp(engine).use(groups.routes(engine));
  app.listen({ hostname: "127.0.0.1", port: 0, idleTimeout: IDLE_TIMEOUT_SECONDS });
  const url = `http://127.0.0.1:${app.server!.port}`;
  let closed = false;
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return {
    url,
    dataDir,
    logs,
    groups,
    openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 }),
    post,
    async createGroup(body) {
      const res = await post("/v1/admin/groups", body);
      const json = (await res.json()) as { id: string };
      if (res.status !== 201) throw new Error(`group not created: ${res.status} ${JSON.stringify(json)}`);
      return json.id;
    },
    close() {
      if (closed) return;
      closed = true;
      app.stop(true);
      groups.close();
    },
  };
}

/** A ticket tool: POST {title, priority} to the ticketing service. */
export function ticketTool(base: string, extra: Record<string, unknown> = {}) {
  return {
    name: "create_ticket",
    description: "Open a ticket.",
    parameters: {
      type: "object",
      properties: { title: { type: "string", enum: ["Printer broken", "Screen dark"] }, priority: { type: "integer", minimum: 1, maximum: 3 } },
      required: ["title", "priority"],
      additionalProperties: false,
    },
    method: "POST",
    url: `${base}/tickets`,
    headers: { authorization: "Bearer {{secret:ticket_token}}" },
    allow_private: true,
    ...extra,
  };
}

/** Reads an SSE body into its data payloads. */
export async function sseData(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .map((f) => f.trim())
    .filter((f) => f.startsWith("data: "))
    .map((f) => f.slice(6))
    .map((d) => (d === "[DONE]" ? d : JSON.parse(d)));
}
