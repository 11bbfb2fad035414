// The standalone binary: built with `bun build --compile`, run from another directory, it loads
// its embedded native libraries, re-executes itself as the runner, and serves a request.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { STORIES_260K } from "../support/models.ts";

const ROOT = resolve(import.meta.dir, "..", "..");
const workDir = mkdtempSync(join(tmpdir(), "bunllama-binary-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

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
  const binary = join(workDir, "bunllama");
  const build = Bun.spawnSync([process.execPath, "build", "--compile", join(ROOT, "cli/compiled.ts"), "--outfile", binary], { cwd: ROOT });
  expect(build.exitCode).toBe(0);

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
