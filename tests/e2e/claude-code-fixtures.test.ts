// Every request Claude Code sent (captured in ../shared/fixtures/clients/claude-code) replayed
// against the real server, with its headers and `?beta=true`; only a claude-* model name is
// rewritten to the served model ("qwen2.5-local", the name the custom-model captures use). Each
// must be accepted, streamed (and a few unstreamed), with what Claude Code's parser needs: `event:` lines,
// message_start, content_block_start/stop around each block, message_delta and message_stop.
// The model is TINY_QWEN_CHATTY: Qwen2.5's template and tool-call format, and turns that end.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { generateModel } from "../fixtures/models.ts";
import { TINY_QWEN_CHATTY } from "../support/generated.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

const ROOT = resolve(import.meta.dir, "../../../shared/fixtures/clients/claude-code");
const SERVED = "qwen2.5-local";
const fixtures = readdirSync(ROOT)
  .sort()
  .flatMap((dir) =>
    readdirSync(resolve(ROOT, dir))
      .filter((file) => file.endsWith(".json"))
      .sort()
      .map((file) => ({ name: `${dir}/${file}`, request: JSON.parse(readFileSync(resolve(ROOT, dir, file), "utf8")) })),
  );

/** Replayed unstreamed too (each replay processes a 12k-20k token prompt): a tool round, thinking
 *  blocks sent back with another server's signatures, and thinking with a budget. */
const UNSTREAMED = new Set(["custom-model/002-POST-v1_messages.json", "reasoning-tool/002-POST-v1_messages.json", "model-claude-sonnet-4-5/001-POST-v1_messages.json"]);

let server: TestServer;
let dir: string;
beforeAll(async () => {
  // The served name comes from the file name: link the generated model under the captured one.
  dir = mkdtempSync(join(tmpdir(), "claude-code-fixtures-"));
  symlinkSync(await generateModel(TINY_QWEN_CHATTY), join(dir, `${SERVED}.gguf`));
  // Claude Code's system prompt and 12 to 21 tools render to 12k-20k tokens: one sequence with room.
  server = await startTestServer(join(dir, `${SERVED}.gguf`), { contextSize: 24576, parallel: 1, batchSize: 2048 });
}, 120_000);
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The captured request as Claude Code sent it; `stream` as given. */
function replay({ path, query, headers, body }: { path: string; query: Record<string, string>; headers: Record<string, string>; body: any }, stream: boolean) {
  const sent = { ...headers };
  // Transport details of the capture, not of the protocol.
  for (const name of ["content-length", "accept-encoding", "connection"]) delete sent[name];
  const model = body.model.startsWith("claude-") ? SERVED : body.model;
  const url = `${server.url}${path}?${new URLSearchParams(query)}`;
  return fetch(url, { method: "POST", headers: sent, body: JSON.stringify({ ...body, model, stream }) });
}

test("the captures are all here", () => {
  expect(fixtures.length).toBe(12);
  expect(fixtures.every((f) => f.request.method === "POST" && f.request.path === "/v1/messages")).toBe(true);
});

for (const { name, request } of fixtures) {
  test(
    `claude-code ${name}`,
    async () => {
      expect(request.body.stream).toBe(true);
      const streamed = await replay(request, true);
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get("content-type")).toStartWith("text/event-stream");
      expect(streamed.headers.get("request-id")).toMatch(/^req_/);
      const events = (await streamed.text())
        .split("\n\n")
        .filter(Boolean)
        .map((frame) => {
          const [eventLine, dataLine] = frame.split("\n");
          const data = JSON.parse(dataLine!.slice("data: ".length));
          // Without event lines Claude Code gives up streaming.
          expect(eventLine).toBe(`event: ${data.type}`);
          return data;
        });
      const types = events.map((e) => e.type).filter((t) => t !== "ping");
      expect(types[0]).toBe("message_start");
      expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
      // Every block opens, gets its deltas, and closes before the next opens.
      let open: number | undefined;
      for (const e of events) {
        if (e.type === "content_block_start") {
          expect(open).toBeUndefined();
          open = e.index;
        } else if (e.type === "content_block_delta") expect(e.index).toBe(open);
        else if (e.type === "content_block_stop") {
          expect(e.index).toBe(open);
          open = undefined;
        }
      }
      expect(open).toBeUndefined();
      const delta = events.find((e) => e.type === "message_delta");
      // The chatty model ends its turns: Claude Code takes max_tokens for an error.
      expect(delta.delta.stop_reason).toBe("end_turn");
      const start = events[0].message;
      // The name as sent (rewritten only where it was a claude-* one).
      expect(start.model).toBe(SERVED);
      expect(start.usage.input_tokens).toBeGreaterThan(5000);

      if (!UNSTREAMED.has(name)) return;
      // Claude Code falls back to the same request unstreamed when a stream fails it.
      const plain = await replay(request, false);
      expect(plain.status).toBe(200);
      const message = (await plain.json()) as any;
      expect(message).toMatchObject({ type: "message", role: "assistant", stop_reason: "end_turn", stop_sequence: null });
      expect(message.id).toMatch(/^msg_/);
      for (const block of message.content) expect(["text", "thinking", "tool_use"]).toContain(block.type);
      expect(message.usage.input_tokens + message.usage.cache_read_input_tokens).toBe(start.usage.input_tokens);
      expect(message.usage.cache_creation_input_tokens).toBe(0);
    },
    240_000,
  );
}
