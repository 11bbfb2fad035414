// llama.cpp's own log: captured in the shim, routed into the server's log with --verbose,
// and kept out of it otherwise.
import { expect, test } from "bun:test";
import { STORIES_260K } from "../support/models.ts";
import { startTestServer } from "../support/server.ts";

/** Lines from the server itself (the registry's load messages); anything else came from llama.cpp. */
const OWN_LINE = /^(loading model |model \S+ loaded in )/;

/** The server's log after two requests: the runner handles messages in order, so whatever the
 *  first request made llama.cpp log has reached the server before the second one's answer. */
async function logsAfterRequests(verbose: boolean): Promise<string[]> {
  const server = await startTestServer(STORIES_260K, { verbose });
  try {
    for (let i = 0; i < 2; i++) {
      const response = await server.post("/v1/chat/completions", { model: server.modelId, messages: [{ role: "user", content: "Once" }], max_tokens: 3 });
      expect(response.status).toBe(200);
    }
    return [...server.logs];
  } finally {
    server.close();
  }
}

test("--verbose routes llama.cpp's log lines into the server's log", async () => {
  const logs = await logsAfterRequests(true);
  expect(logs.join("\n")).toContain("llama_context");
});

test("quiet by default: nothing from llama.cpp reaches the server's log", async () => {
  const logs = await logsAfterRequests(false);
  expect(logs.filter((line) => !OWN_LINE.test(line))).toEqual([]);
  expect(logs.some((line) => line.startsWith("loading model stories260K"))).toBe(true);
});
