// The standalone binary: built with `bun build --compile`, run from another directory, it loads
// its embedded native libraries, re-executes itself as the runner, and serves a request.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { STORIES_260K } from "../support/models.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const workDir = mkdtempSync(join(tmpdir(), "bunllama-binary-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
const binary = join(workDir, "bunllama");

beforeAll(() => {
  const build = Bun.spawnSync([process.execPath, "build", "--compile", join(ROOT, "cli/compiled.ts"), "--outfile", binary], { cwd: ROOT });
  expect(build.exitCode).toBe(0);
});

async function waitForHealth(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await Bun.sleep(100);
  }
  throw new Error("the binary did not become healthy");
}

test("the compiled binary serves a chat completion", async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = Bun.spawn([binary, "-m", STORIES_260K, "--port", String(port), "-np", "1"], { cwd: workDir, stderr: "pipe" });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, 20_000);
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "stories260K", messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 5 }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).usage.completion_tokens).toBe(5);
  } finally {
    server.kill();
    await server.exited;
  }
});

test("the compiled binary pulls a model from a URL into its cache and prints the path", async () => {
  const bytes = readFileSync(STORIES_260K);
  const origin = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(bytes) });
  try {
    const cache = join(workDir, "cache");
    const pull = Bun.spawn([binary, "pull", `http://127.0.0.1:${origin.port}/m/stories.gguf`, "--models-cache", cache], {
      cwd: workDir,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await pull.exited).toBe(0);
    const path = (await new Response(pull.stdout).text()).trim();
    expect(path.startsWith(cache)).toBe(true);
    expect(Buffer.compare(readFileSync(path), bytes)).toBe(0);
  } finally {
    origin.stop(true);
  }
});
