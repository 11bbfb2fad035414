// `bun run server.ts pull` end to end, as a child process against a local hub.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { FakeHub } from "./fakeHub.ts";
import { STORIES, tinyGGUF } from "./ggufs.ts";

const SERVER = resolve(import.meta.dir, "..", "..", "server.ts");
const REPO = "acme/Tiny-GGUF";
const scratch = mkdtempSync(join(tmpdir(), "pull-cli-"));
const stories = new Uint8Array(readFileSync(STORIES));
let hub: FakeHub;
let cache: string;
let q8: Uint8Array;

beforeAll(async () => {
  q8 = await tinyGGUF(scratch, "tiny-Q8_0.gguf", 8192);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
beforeEach(async () => {
  hub = await FakeHub.start();
  hub.addRepo(REPO, [
    { path: "tiny-Q4_K_M.gguf", bytes: stories },
    { path: "tiny-Q8_0.gguf", bytes: q8 },
  ]);
  cache = mkdtempSync(join(scratch, "cache-"));
});
afterEach(() => hub.close());

function spawnPull(args: string[]) {
  const env = { ...process.env, HF_ENDPOINT: hub.url, HF_TOKEN: "", BUNLLAMA_MODELS_DIR: "" };
  return Bun.spawn([process.execPath, "run", SERVER, "pull", ...args], { env, stdout: "pipe", stderr: "pipe" });
}

async function pull(...args: string[]) {
  const child = spawnPull(args);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

/** Collects a stream's text; `until(text)` resolves once it contains `text`. */
function collect(stream: ReadableStream<Uint8Array>) {
  let text = "";
  const waiters: Array<{ want: string; resolve: () => void }> = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const w of waiters.filter((w) => text.includes(w.want))) w.resolve();
    }
  })();
  return {
    get text() {
      return text;
    },
    done,
    until: (want: string) => new Promise<void>((resolve) => (text.includes(want) ? resolve() : waiters.push({ want, resolve }))),
  };
}

describe("pull subcommand", () => {
  test("prints the path on stdout and plain progress lines on stderr", async () => {
    const { stdout, stderr, code } = await pull(`${REPO}:Q4_K_M`, "--models-dir", cache);
    const path = join(cache, "acme", "Tiny-GGUF", "tiny-Q4_K_M.gguf");
    expect({ code, stdout }).toEqual({ code: 0, stdout: `${path}\n` });
    expect(new Uint8Array(readFileSync(path))).toEqual(stories);
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^pull tiny-Q4_K_M\.gguf: 0 B \/ 1\.1 MiB \(0%\), /);
    expect(lines.at(-1)).toMatch(/^pull tiny-Q4_K_M\.gguf: 1\.1 MiB \/ 1\.1 MiB \(100%\), [\d.]+ [KMG]?i?B\/s, done$/);
    expect(stderr).not.toContain("\r");

    // Again, with the folder relative to the working directory: already in the cache, no
    // transfer and no progress, and the path printed is absolute.
    const again = await pull(`${REPO}:Q4_K_M`, `--models-dir=${relative(process.cwd(), cache)}`);
    expect(again).toEqual({ stdout: `${path}\n`, stderr: "", code: 0 });
    expect(hub.seen(`/cdn/`)).toHaveLength(1);
  });

  test("a failure is one line, exit code 1", async () => {
    const { stdout, stderr, code } = await pull(`${REPO}:Q5_K_S`, "--models-dir", cache);
    expect({ stdout, code }).toEqual({ stdout: "", code: 1 });
    expect(stderr).toBe("error: no Q5_K_S GGUF in acme/Tiny-GGUF; available: tiny-Q4_K_M.gguf, tiny-Q8_0.gguf\n");
  });

  test("usage errors exit 2; --help prints the usage", async () => {
    const missing = await pull("--models-dir", cache);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toStartWith("error: missing <ref>\n\nusage: bunllama pull <ref>");
    expect((await pull("a/b", "--nope")).stderr).toStartWith("error: unknown option --nope\n");
    const help = await pull("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("org/repo:QUANT");
  });

  test("two processes pulling one model: one transfer, both print the path", async () => {
    const release = hub.hold("tiny-Q8_0.gguf");
    const children = [spawnPull([`${REPO}:Q8_0`, "--models-dir", cache]), spawnPull([`${REPO}/tiny-Q8_0.gguf`, "--models-dir", cache])];
    const errs = children.map((c) => collect(c.stderr));
    // Whichever process came second says it waits; then the first may finish.
    await Promise.race(errs.map((e) => e.until("waiting for process")));
    release();
    const outs = await Promise.all(children.map((c) => new Response(c.stdout).text()));
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0]);
    await Promise.all(errs.map((e) => e.done));
    const path = join(cache, "acme", "Tiny-GGUF", "tiny-Q8_0.gguf");
    expect(outs).toEqual([`${path}\n`, `${path}\n`]);
    expect(hub.seen(`/cdn/${REPO}/tiny-Q8_0.gguf`)).toHaveLength(1);
    const waiter = errs.findIndex((e) => e.text.includes("waiting for process"));
    expect(errs[waiter]!.text).toContain(`pull tiny-Q8_0.gguf: waiting for process ${children[1 - waiter]!.pid}, which is downloading it`);
  });
});
