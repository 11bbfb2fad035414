// llama.cpp's own log: captured in the shim, routed into the server's log with --verbose,
// and kept out of it otherwise.
import { expect, test } from "bun:test";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer } from "../support/server.ts";

async function logsAfterOneRequest(verbose: boolean): Promise<string> {
  const server = await startTestServer(STORIES_260K, { verbose });
  try {
    const response = await server.post("/v1/chat/completions", { model: server.modelId, messages: [{ role: "user", content: "Once" }], max_tokens: 3 });
    expect(response.status).toBe(200);
    await Bun.sleep(100);
    return server.logs.join("\n");
  } finally {
    server.close();
  }
}

test("--verbose routes llama.cpp's log lines into the server's log", async () => {
  const logs = await logsAfterOneRequest(true);
  expect(logs).toContain("llama_context");
});

test("quiet by default: nothing from llama.cpp reaches the server's log", async () => {
  expect(await logsAfterOneRequest(false)).toBe("");
});
