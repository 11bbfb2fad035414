// pullModel against a local hub: references, resume, integrity, errors, locks, split models.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadError, findCachedModel, pullModel, type PullOptions, type PullProgress } from "../../download/index.ts";
import { FakeHub, sha256 } from "./fakeHub.ts";
import { splitGGUF, STORIES, tinyGGUF } from "./ggufs.ts";

const REPO = "acme/Tiny-GGUF";
const stories = new Uint8Array(readFileSync(STORIES));
const scratch = mkdtempSync(join(tmpdir(), "pull-test-"));
let hub: FakeHub;
let cache: string;
let q4: Uint8Array;
let q8: Uint8Array;
let split: Array<{ path: string; bytes: Uint8Array }>;

beforeAll(async () => {
  q4 = await tinyGGUF(scratch, "tiny-Q4_K_M.gguf");
  q8 = await tinyGGUF(scratch, "tiny-Q8_0.gguf", 8192);
  split = await splitGGUF(scratch, "Q2_K/tiny-Q2_K", 3);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

beforeEach(async () => {
  hub = await FakeHub.start();
  hub.addRepo(REPO, [
    { path: "README.md", bytes: new TextEncoder().encode("# tiny\n"), lfs: false },
    { path: "tiny-Q4_K_M.gguf", bytes: q4 },
    { path: "tiny-Q8_0.gguf", bytes: q8 },
    { path: "mmproj-tiny-Q4_K_M.gguf", bytes: stories },
    { path: "stories/stories260K-F32.gguf", bytes: stories },
    ...split,
  ]);
  cache = mkdtempSync(join(scratch, "cache-"));
});
afterEach(() => hub.close());

const options = (extra: PullOptions = {}): PullOptions => ({ cacheDir: cache, hubEndpoint: hub.url, env: {}, retryDelayMs: 10, ...extra });
const cdn = (path: string) => hub.seen(`/cdn/${REPO}/${path}`);
const bytesOf = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const hubPath = (file: string) => join(cache, "acme", "Tiny-GGUF", file);

/** Resolves once the file holds at least `bytes` (the client has written what was sent). */
async function reaches(path: string, bytes: number): Promise<void> {
  while ((existsSync(path) ? statSync(path).size : 0) < bytes) await Bun.sleep(2);
}

async function pullError(ref: string, extra: PullOptions = {}): Promise<DownloadError> {
  try {
    await pullModel(ref, options(extra));
  } catch (error) {
    expect(error).toBeInstanceOf(DownloadError);
    return error as DownloadError;
  }
  throw new Error(`pull of ${ref} succeeded`);
}

describe("references", () => {
  test("a URL lands in <cache>/urls/<host>/<path>, byte for byte", async () => {
    hub.plain.set("stories260K.gguf", stories);
    const { path, files } = await pullModel(`${hub.url}/files/stories260K.gguf`, options());
    expect(path).toBe(join(cache, "urls", `127.0.0.1_${hub.port}`, "files", "stories260K.gguf"));
    expect(files).toEqual([path]);
    expect(bytesOf(path)).toEqual(stories);
  });

  test("a URL is requested as given, escapes included; a split URL fetches its sibling parts", async () => {
    hub.plain.set("my model.gguf", q4);
    const { path } = await pullModel(`${hub.url}/files/my%20model.gguf?download=1`, options());
    expect(hub.seen("/files/").map((r) => r.path)).toEqual(["/files/my model.gguf?download=1"]);
    expect(path).toEndWith(join("files", "my_model.gguf"));
    for (const part of split) hub.plain.set(part.path.replace("Q2_K/", ""), part.bytes);
    const { files } = await pullModel(`${hub.url}/files/tiny-Q2_K-00001-of-00003.gguf`, options());
    files.forEach((f, i) => expect(bytesOf(f)).toEqual(split[i]!.bytes));
  });

  test("org/repo:QUANT picks that quant's file (case-insensitive), never the mmproj", async () => {
    const { path } = await pullModel(`${REPO}:q4_k_m`, options());
    expect(path).toBe(join(cache, "acme", "Tiny-GGUF", "tiny-Q4_K_M.gguf"));
    expect(bytesOf(path)).toEqual(q4);
    expect(cdn("mmproj")).toHaveLength(0);
    const { path: q8Path } = await pullModel(`${REPO}:Q8_0`, options());
    expect(bytesOf(q8Path)).toEqual(q8);
  });

  test("org/repo alone means Q4_K_M", async () => {
    expect(bytesOf((await pullModel(REPO, options())).path)).toEqual(q4);
  });

  test("org/repo/path/file.gguf fetches that file without listing the repo", async () => {
    const { path } = await pullModel(`${REPO}/stories/stories260K-F32.gguf`, options());
    expect(path).toBe(join(cache, "acme", "Tiny-GGUF", "stories", "stories260K-F32.gguf"));
    expect(bytesOf(path)).toEqual(stories);
    expect(hub.seen("/api/")).toHaveLength(0);
  });

  test("the hub's redirect goes to another origin, and the token does not follow it", async () => {
    await pullModel(`${REPO}:Q4_K_M`, options({ token: "hf_secret" }));
    const [resolve] = hub.seen(`/${REPO}/resolve/main/tiny-Q4_K_M.gguf`);
    expect(resolve!.authorization).toBe("Bearer hf_secret");
    expect(hub.seen("/api/").every((r) => r.authorization === "Bearer hf_secret")).toBe(true);
    expect(cdn("tiny-Q4_K_M.gguf")[0]!.host).toBe(`localhost:${hub.port}`);
    expect(cdn("tiny-Q4_K_M.gguf")[0]!.authorization).toBeUndefined();
  });

  test("the tree listing is followed across pages", async () => {
    hub.pageSize = 2;
    expect(bytesOf((await pullModel(`${REPO}:Q8_0`, options())).path)).toEqual(q8);
    expect(hub.seen(`/api/models/${REPO}/tree/main`).length).toBeGreaterThan(2);
  });

  test("without the tree endpoint the siblings list resolves the quant", async () => {
    hub.treeEndpoint = false;
    expect(bytesOf((await pullModel(`${REPO}:Q8_0`, options())).path)).toEqual(q8);
    expect(hub.seen(`/api/models/${REPO}?`)).toHaveLength(1);
  });

  test("a second pull of the same reference needs no network, even with the hub gone", async () => {
    const first = await pullModel(`${REPO}:Q4_K_M`, options());
    await hub.close();
    expect(await pullModel(`${REPO}:Q4_K_M`, options())).toEqual(first);
    expect(await findCachedModel(`${REPO}:Q4_K_M`, options())).toEqual(first);
    expect(await findCachedModel(`${REPO}:Q8_0`, options())).toBeUndefined();
    const refs = JSON.parse(readFileSync(join(cache, "acme", "Tiny-GGUF", ".refs.json"), "utf8"));
    expect(refs.Q4_K_M.files).toEqual(["tiny-Q4_K_M.gguf"]);
  });

  test("an unknown quant lists what the repo has", async () => {
    const error = await pullError(`${REPO}:Q6_K`);
    expect(error.kind).toBe("not_found");
    expect(error.message).toContain("no Q6_K GGUF in acme/Tiny-GGUF; available: ");
    expect(error.message).toContain("tiny-Q8_0.gguf");
    expect(error.message).not.toContain("mmproj");
  });

  test("a repo with several models and no default quant asks for one, naming them", async () => {
    hub.addRepo("acme/many", [
      { path: "m-Q2_K.gguf", bytes: q4 },
      { path: "m-Q5_K_M.gguf", bytes: q8 },
      { path: "mmproj-m.gguf", bytes: stories },
    ]);
    const error = await pullError("acme/many");
    expect(error.kind).toBe("ambiguous");
    expect(error.message).toContain("m-Q2_K.gguf, m-Q5_K_M.gguf");
    hub.addRepo("acme/one", [{ path: "only.gguf", bytes: q8 }, { path: "mmproj-only.gguf", bytes: stories }]);
    expect(bytesOf((await pullModel("acme/one", options())).path)).toEqual(q8);
  });
});

describe("transfer", () => {
  test("a connection cut mid-body is resumed with Range, and the file equals the source", async () => {
    hub.cuts.set("tiny-Q8_0.gguf", { after: 10_000, when: () => reaches(hubPath("tiny-Q8_0.gguf.part"), 10_000) });
    const { path } = await pullModel(`${REPO}:Q8_0`, options());
    const requests = cdn("tiny-Q8_0.gguf");
    expect(requests).toHaveLength(2);
    expect(requests[0]!.range).toBeUndefined();
    expect(requests[1]!.range).toBe("bytes=10000-");
    expect(bytesOf(path)).toEqual(q8);
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  test("a plain URL cut mid-body resumes too, and a server ignoring Range restarts from 0", async () => {
    hub.plain.set("stories260K.gguf", stories);
    const part = join(cache, "urls", `127.0.0.1_${hub.port}`, "files", "stories260K.gguf.part");
    hub.cuts.set("stories260K.gguf", { after: 300_000, when: () => reaches(part, 300_000) });
    const first = await pullModel(`${hub.url}/files/stories260K.gguf`, options());
    expect(hub.seen("/files/").map((r) => r.range)).toEqual([undefined, "bytes=300000-"]);
    expect(bytesOf(first.path)).toEqual(stories);

    rmSync(first.path);
    hub.ignoreRange = true;
    hub.cuts.set("stories260K.gguf", { after: 200_000, when: () => reaches(part, 200_000) });
    await pullModel(`${hub.url}/files/stories260K.gguf`, options());
    expect(hub.seen("/files/").slice(2).map((r) => r.range)).toEqual([undefined, "bytes=200000-"]);
    expect(bytesOf(first.path)).toEqual(stories);
  });

  test("a .part left by an earlier run is resumed, or taken as whole when the server says 416", async () => {
    const dest = join(cache, "acme", "Tiny-GGUF", "tiny-Q8_0.gguf");
    await Bun.write(`${dest}.part`, q8.subarray(0, 5000));
    await pullModel(`${REPO}/tiny-Q8_0.gguf`, options());
    expect(cdn("tiny-Q8_0.gguf").map((r) => r.range)).toEqual(["bytes=5000-"]);
    expect(bytesOf(dest)).toEqual(q8);

    hub.plain.set("whole.gguf", q4);
    const whole = join(cache, "urls", `127.0.0.1_${hub.port}`, "files", "whole.gguf");
    await Bun.write(`${whole}.part`, q4);
    await pullModel(`${hub.url}/files/whole.gguf`, options());
    expect(hub.seen("/files/whole.gguf").map((r) => r.range)).toEqual([`bytes=${q4.length}-`]);
    expect(bytesOf(whole)).toEqual(q4);
  });

  test("a 5xx is retried after a pause; one that persists gives up after four tries", async () => {
    hub.failures.set("tiny-Q8_0.gguf", [503, 502]);
    expect(bytesOf((await pullModel(`${REPO}:Q8_0`, options())).path)).toEqual(q8);
    expect(cdn("tiny-Q8_0.gguf")).toHaveLength(3);

    hub.failures.set("tiny-Q4_K_M.gguf", [500, 500, 500, 500, 500]);
    const error = await pullError(`${REPO}:Q4_K_M`);
    expect(error.message).toBe(`localhost:${hub.port} answered 500 (blob store busy) for ${hub.url}/${REPO}/resolve/main/tiny-Q4_K_M.gguf`);
    expect(cdn("tiny-Q4_K_M.gguf")).toHaveLength(4);
  });

  test("a sha256 mismatch is refused and the .part deleted", async () => {
    hub.wrongSha.set("tiny-Q4_K_M.gguf", sha256(q8));
    const error = await pullError(`${REPO}:Q4_K_M`);
    expect(error.kind).toBe("integrity");
    expect(error.message).toContain(`sha256 check failed for tiny-Q4_K_M.gguf: expected ${sha256(q8)}, got ${sha256(q4)}`);
    expect(readdirSync(join(cache, "acme", "Tiny-GGUF")).filter((f) => !f.startsWith("."))).toEqual([]);
  });

  test("the X-Linked-Etag sha256 is checked when there is no listing", async () => {
    hub.wrongSha.set("tiny-Q8_0.gguf", "ab".repeat(32));
    const error = await pullError(`${REPO}/tiny-Q8_0.gguf`);
    expect(error.message).toContain(`expected ${"ab".repeat(32)}`);
    expect(existsSync(join(cache, "acme", "Tiny-GGUF", "tiny-Q8_0.gguf.part"))).toBe(false);
  });

  test("bytes that are not a GGUF are refused, saying which check failed", async () => {
    hub.plain.set("page.gguf", new TextEncoder().encode("<!doctype html><title>Sign in</title>"));
    const error = await pullError(`${hub.url}/files/page.gguf`);
    expect(error.kind).toBe("integrity");
    expect(error.message).toMatch(/^GGUF header check failed for page\.gguf: no GGUF magic \(starts with 3c 21 64 6f\)/);
    expect(readdirSync(join(cache, "urls", `127.0.0.1_${hub.port}`, "files"))).toEqual([]);

    const v9 = new Uint8Array(q4);
    new DataView(v9.buffer).setUint32(4, 9, true);
    hub.plain.set("v9.gguf", v9);
    expect((await pullError(`${hub.url}/files/v9.gguf`)).message).toContain("unsupported GGUF version 9");
  });

  test("progress reports grow to the total, the last one complete", async () => {
    const seen: PullProgress[] = [];
    await pullModel(`${REPO}:Q4_K_M`, options({ onProgress: (p) => seen.push(p) }));
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((p) => p.file === "tiny-Q4_K_M.gguf")).toBe(true);
    const done = seen.map((p) => p.doneBytes);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ doneBytes: q4.length, totalBytes: q4.length });
  });

  test("a split model fetches every part into one folder and returns the first", async () => {
    const { path, files } = await pullModel(`${REPO}:Q2_K`, options());
    const folder = join(cache, "acme", "Tiny-GGUF", "Q2_K");
    expect(files).toEqual(split.map((p) => join(cache, "acme", "Tiny-GGUF", p.path)));
    expect(path).toBe(join(folder, "tiny-Q2_K-00001-of-00003.gguf"));
    files.forEach((f, i) => expect(bytesOf(f)).toEqual(split[i]!.bytes));
    // Naming any part by path fetches the set, still returning the first.
    rmSync(folder, { recursive: true });
    const byName = await pullModel(`${REPO}/Q2_K/tiny-Q2_K-00002-of-00003.gguf`, options());
    expect(byName.files).toEqual(files);
  });
});

describe("errors", () => {
  test("404 says not found on the hub, with the URL", async () => {
    const missing = await pullError(`${REPO}/nope.gguf`);
    expect(missing.kind).toBe("not_found");
    expect(missing.message).toBe(`not found on the hub: ${hub.url}/${REPO}/resolve/main/nope.gguf`);
    expect((await pullError("acme/absent:Q4_K_M")).message).toBe(`not found on the hub: ${hub.url}/acme/absent`);
  });

  test("401 says a token may be needed", async () => {
    hub.requiredToken = "hf_right";
    const error = await pullError(`${REPO}:Q4_K_M`);
    expect(error.kind).toBe("unauthorized");
    expect(error.message).toContain("set HF_TOKEN");
    expect((await pullError(`${REPO}:Q4_K_M`, { env: { HF_TOKEN: "hf_wrong" } })).message).toContain("HF_TOKEN was sent");
    expect((await pullModel(`${REPO}:Q4_K_M`, options({ env: { HF_TOKEN: "hf_right" } }))).path).toEndWith("tiny-Q4_K_M.gguf");
  });

  test("no network: one line naming the host", async () => {
    const closed = hub.url;
    await hub.close();
    for (const ref of [`${REPO}:Q4_K_M`, `${closed}/files/x.gguf`]) {
      const error = await pullError(ref, { hubEndpoint: closed });
      expect(error.kind).toBe("network");
      expect(error.message).toBe(`cannot reach 127.0.0.1:${hub.port} (ECONNREFUSED): no network?`);
    }
  });

  test("a bad reference is refused before any request", async () => {
    for (const ref of ["", "justone", "acme/repo/notes.txt", "acme/repo:Q4/x.gguf", "acme/../x.gguf", "ftp://host/x.gguf"]) {
      expect((await pullError(ref)).kind).toBe("invalid_ref");
    }
    expect(hub.requests).toHaveLength(0);
  });

  test("a cancelled pull leaves its .part and no lock", async () => {
    const release = hub.hold("tiny-Q8_0.gguf");
    const controller = new AbortController();
    const pulling = pullError(`${REPO}:Q8_0`, { signal: controller.signal });
    await hub.waitFor((r) => r.path.startsWith(`/cdn/${REPO}/tiny-Q8_0.gguf`));
    controller.abort();
    expect((await pulling).kind).toBe("cancelled");
    release();
    expect(existsSync(join(cache, "acme", "Tiny-GGUF", "tiny-Q8_0.gguf.lock"))).toBe(false);
  });
});

describe("locks", () => {
  test("two concurrent pulls of one file: one transfer, the same path", async () => {
    const release = hub.hold("tiny-Q4_K_M.gguf");
    const waited: string[] = [];
    const onWait = ({ file }: { file: string }) => {
      waited.push(file);
      release(); // the other pull is now waiting on the lock: let the transfer finish
    };
    const a = pullModel(`${REPO}:Q4_K_M`, options({ onWait }));
    const b = pullModel(`${REPO}/tiny-Q4_K_M.gguf`, options({ onWait }));
    const [ra, rb] = await Promise.all([a, b]);
    expect(waited).toEqual(["tiny-Q4_K_M.gguf"]);
    expect(ra.path).toBe(rb.path);
    expect(cdn("tiny-Q4_K_M.gguf")).toHaveLength(1);
    expect(bytesOf(ra.path)).toEqual(q4);
  });

  test("a live process's lock is waited for; its finished file is then used as is", async () => {
    const dest = hubPath("tiny-Q8_0.gguf");
    const holder = Bun.spawn(["sleep", "30"]);
    try {
      await Bun.write(`${dest}.lock`, String(holder.pid));
      const pids: number[] = [];
      const { promise: waiting, resolve } = Promise.withResolvers<void>();
      const pulling = pullModel(`${REPO}/tiny-Q8_0.gguf`, options({ onWait: ({ pid }) => (pids.push(pid), resolve()) }));
      await waiting;
      // The holder "finishes": the file appears, then its lock goes.
      writeFileSync(dest, q8);
      rmSync(`${dest}.lock`);
      expect((await pulling).path).toBe(dest);
      expect(pids).toEqual([holder.pid]);
      expect(cdn("tiny-Q8_0.gguf")).toHaveLength(0);
    } finally {
      holder.kill();
    }
  });

  test("a lock left by a dead process is taken over", async () => {
    const dest = join(cache, "acme", "Tiny-GGUF", "tiny-Q8_0.gguf");
    const gone = Bun.spawn(["true"]);
    await gone.exited;
    await Bun.write(`${dest}.lock`, String(gone.pid));
    expect(bytesOf((await pullModel(`${REPO}/tiny-Q8_0.gguf`, options())).path)).toEqual(q8);
    expect(existsSync(`${dest}.lock`)).toBe(false);
  });
});
