// Auth end to end on real server processes (stories260K): the first start writes an admin token
// to a 0600 file; the token CLI works beside the running server (a revocation is refused at the
// next request); a token scoped to messages gets 403 from Chat Completions; tokens per day hold
// across a restart on the same --data-dir (the config file's `auth: true` turning auth on); no
// secret ever reaches the log; a server reachable beyond loopback with auth off says so.
import { afterAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { STORIES_260K } from "../support/models.ts";

const SERVER = resolve(import.meta.dir, "../../server.ts");
const dir = mkdtempSync(join(tmpdir(), "bunllama-auth-e2e-"));
const dataDir = join(dir, "data");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { BUNLLAMA_AUTH: _ignored, ...withoutAuthEnv } = process.env;

interface Running {
  url: string;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts `server.ts args...` and waits for its "listening on" line. */
async function start(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = Bun.spawn([process.execPath, SERVER, ...args, "--port", "0", "-c", "512", "-np", "2", "-t", "1"], {
    stdout: "pipe",
    stderr: "pipe",
    // Only the flags given here decide: not an auth setting of the shell running the tests.
    env: { ...withoutAuthEnv, ...env },
  });
  let text = "";
  let onLine: (() => void) | undefined;
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      text += decoder.decode(chunk, { stream: true });
      onLine?.();
    }
  })();
  const url = await new Promise<string>((resolve, reject) => {
    onLine = () => {
      const port = /listening on http:\/\/[^:]+:(\d+)/.exec(text)?.[1];
      if (port) resolve(`http://127.0.0.1:${port}`);
    };
    child.exited.then((code) => reject(new Error(`server exited ${code} before listening:\n${text}`)));
  });
  return {
    url,
    log: () => text,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      await reading;
    },
  };
}

/** `server.ts token ...` on the same data dir: its exit code, stdout and stderr. */
async function tokenCli(...args: string[]) {
  const child = Bun.spawn([process.execPath, SERVER, "token", ...args, "--data-dir", dataDir], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

const openai = (url: string, apiKey: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0 });
const anthropic = (url: string, apiKey: string) => new Anthropic({ baseURL: url, apiKey, maxRetries: 0 });
const story = { model: "stories260K", max_tokens: 24, messages: [{ role: "user" as const, content: "Once upon a time" }] };

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

describe("auth end to end", () => {
  const secrets: string[] = [];

  test("first start, CLI beside the server, scopes, revocation, quota across a restart, no secret in the log", async () => {
    const first = await start(["-m", STORIES_260K, "--auth", "--data-dir", dataDir]);
    let second: Running | undefined;
    try {
      // The admin token: in a file only its owner may read, the log saying where (not what).
      const adminFile = join(dataDir, "admin-token");
      expect(statSync(adminFile).mode & 0o777).toBe(0o600);
      const admin = readFileSync(adminFile, "utf8").trim();
      secrets.push(admin);
      expect(first.log()).toContain(adminFile);

      expect((await fetch(`${first.url}/health`)).status).toBe(200);
      expect((await fetch(`${first.url}/openapi/json`)).status).toBe(200);
      expect((await fetch(`${first.url}/v1/models`)).status).toBe(401);
      expect((await openai(first.url, admin).models.list()).data[0]!.id).toBe("stories260K");

      // The CLI writes the same database while the server runs: the new token works at once.
      const created = await tokenCli("create", "--name", "writer", "--scopes", "messages", "--tokens-per-day", "30");
      expect(created.code).toBe(0);
      const writer = created.stdout.trim();
      expect(writer).toMatch(/^bl_[A-Za-z0-9_-]{43}$/);
      secrets.push(writer);
      const answer = await anthropic(first.url, writer).messages.create(story);
      expect(answer.usage.input_tokens + answer.usage.output_tokens).toBeGreaterThanOrEqual(30);
      // Scoped to messages: Chat Completions refuses it.
      expect(await status(openai(first.url, writer).chat.completions.create(story))).toBe(403);
      // Its day's tokens are used up.
      const over = await fetch(`${first.url}/v1/messages`, { method: "POST", headers: { "x-api-key": writer, "content-type": "application/json" }, body: JSON.stringify(story) });
      expect(over.status).toBe(429);
      expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);

      // A token made through the admin endpoint, revoked with the CLI: refused at its next request.
      const made = await fetch(`${first.url}/v1/admin/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "temp", scopes: ["chat-completions"] }),
      });
      expect(made.status).toBe(201);
      const temp = ((await made.json()) as { secret: string }).secret;
      secrets.push(temp);
      expect(await status(openai(first.url, temp).chat.completions.create(story))).toBe(200);
      const revoked = await tokenCli("revoke", "temp");
      expect(revoked.code).toBe(0);
      expect(await status(openai(first.url, temp).chat.completions.create(story))).toBe(401);

      const listed = await tokenCli("list");
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain("writer");
      expect(listed.stdout).toMatch(/temp .*\d{4}-\d\d-\d\dT/);
      for (const secret of secrets) expect(listed.stdout).not.toContain(secret.slice(3));
      await first.stop();

      // The restart reads auth from the config file; the day's usage is still on the books.
      const config = join(dir, "models.yaml");
      writeFileSync(config, `auth: true\nmodels:\n  - id: stories260K\n    path: ${STORIES_260K}\n`);
      second = await start(["--config", config, "--data-dir", dataDir]);
      expect(second.log()).not.toContain("created admin token");
      expect(readFileSync(adminFile, "utf8").trim()).toBe(admin);
      expect(await status(anthropic(second.url, writer).messages.create(story))).toBe(429);
      expect(await status(openai(second.url, temp).chat.completions.create(story))).toBe(401);
      expect((await openai(second.url, admin).models.list()).data).toHaveLength(1);
    } finally {
      await first.stop().catch(() => {});
      await second?.stop();
    }
    for (const log of [first.log(), second!.log()]) for (const secret of secrets) expect(log).not.toContain(secret.slice(3));
  });

  test("auth off on a non-loopback address: a warning at start", async () => {
    const open = await start(["-m", STORIES_260K, "--host", "0.0.0.0", "--data-dir", join(dir, "open")]);
    try {
      expect(open.log()).toMatch(/warning: auth is off .*0\.0\.0\.0/);
    } finally {
      await open.stop();
    }
  });

  test("the token CLI refuses bad usage with exit 2 and an unknown token with exit 1", async () => {
    expect((await tokenCli("create", "--name", "x")).code).toBe(2);
    expect((await tokenCli("create", "--name", "x", "--scopes", "chat")).code).toBe(2);
    expect((await tokenCli("create", "--name", "x", "--scopes", "messages", "--expires", "soon")).code).toBe(2);
    expect((await tokenCli("frobnicate")).code).toBe(2);
    const missing = await tokenCli("revoke", "nobody");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nobody");
    expect((await tokenCli("create", "--name", "writer", "--scopes", "messages")).code).toBe(1);
  });
});
