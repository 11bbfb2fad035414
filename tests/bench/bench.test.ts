// The bench itself: its conversation prompt, and a whole run of every phase on the real servers
// (ours and llama-server from the same build) with a tiny model, checked through --json.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { turnMessages } from "../../bench/conversation.ts";
import { systemPrompt, USER_TURNS } from "../../bench/systemPrompt.ts";
import { Model } from "../../ffi/model.ts";
import { generateModel, TINY_QWEN } from "../fixtures/models.ts";

const ROOT = resolve(import.meta.dir, "../..");
const LLAMA_SERVER = join(ROOT, "llama.cpp/build-reference/bin/llama-server");

let modelPath: string;
beforeAll(async () => {
  modelPath = await generateModel(TINY_QWEN);
});

describe("the conversation's system prompt", () => {
  test("about 1,500 Qwen2.5 tokens of varied text, the same on every run; conversations differ in the first line only", () => {
    const model = Model.load(modelPath, { gpuLayers: 0 });
    try {
      const tokens = model.vocab.tokenize(systemPrompt(1), false, false);
      expect(tokens.length).toBeGreaterThan(1400);
      expect(tokens.length).toBeLessThan(1700);
      // Not one word repeated: over 200 distinct tokens (237 today).
      expect(new Set(tokens).size).toBeGreaterThan(200);
    } finally {
      model.free();
    }
    expect(systemPrompt(1)).toBe(systemPrompt(1));
    const [first1, ...rest1] = systemPrompt(1).split("\n");
    const [first2, ...rest2] = systemPrompt(2).split("\n");
    expect(first1).not.toBe(first2);
    expect(rest1).toEqual(rest2);
  });

  test("each turn adds the previous answer and the next user message", () => {
    const messages = turnMessages(3, ["first answer", "second answer"]);
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user"]);
    expect(messages[0]!.content).toBe(systemPrompt(3));
    expect(messages.slice(1).map((m) => m.content)).toEqual([USER_TURNS[0], "first answer", USER_TURNS[1], "second answer", USER_TURNS[2]]);
  });
});

describe("a whole bench run", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "bench-test-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.skipIf(!existsSync(LLAMA_SERVER))(
    "every phase on both servers: the table has ours, llama-server and ratio; later turns reuse the cache",
    async () => {
      const json = join(dir, "out.json");
      const proc = Bun.spawn(
        [process.execPath, "bench/bench.ts", "--model", modelPath, "--threads", "1", "--rounds", "1", "--runs", "1",
          "--concurrent-runs", "1", "--ttft-runs", "1", "--many-streams", "3", "--many-runs", "1", "--max-tokens", "8", "--single-tokens", "8", "--conv-turns", "3",
          "--conv-max-tokens", "4", "--conv-ctx-size", "8192", "--conv-runs", "1", "--patience", "0", "--json", json],
        { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
      );
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      if (code !== 0) throw new Error(`bench exited ${code}:\n${stderr.slice(-3000)}\n${stdout}`);
      expect(stdout).toMatch(/\| metric +\| ours +\| llama-server \| ratio +\| target/);

      const out = await Bun.file(json).json();
      const rows = new Map<string, { ours?: number; ref?: number | "n/a"; ratio?: number }>(out.rows.map((r: any) => [r.metric, r]));
      const both = [
        "1 stream, pinned (tok/s)", "4 streams, pinned (tok/s total)", "3 streams, pinned (tok/s total)",
        "1 stream, defaults (tok/s)", "4 streams, defaults (tok/s total)", "3 streams, defaults (tok/s total)",
        "TTFT, short prompt (ms)", "conversation turn 1 TTFT, whole prompt (ms)", "conversation turns 2-3 TTFT (ms)",
      ];
      for (const metric of both) {
        const row = rows.get(metric);
        expect(row, metric).toBeDefined();
        expect(row!.ours!, metric).toBeGreaterThan(0);
        expect(row!.ref as number, metric).toBeGreaterThan(0);
        expect(row!.ratio!, metric).toBeCloseTo(row!.ours! / (row!.ref as number), 6);
      }
      const restart = rows.get("TTFT turn 2 after restart, --cache-dir (ms)");
      expect(restart?.ref).toBe("n/a");
      expect(restart!.ours!).toBeGreaterThan(0);

      const ref = out.results["llama-server"];
      const ours = out.results.ours;
      for (const m of [ref, ours]) {
        expect(m.shortAnswers).toBe(0);
        expect(m.conversations).toHaveLength(1);
        expect(m.conversations[0].ttftMs).toHaveLength(3);
      }
      // Each turn's prompt holds the one before it and its answer: llama-server (its own cache
      // on) reuses nearly all of it, so the phase does send cache-enabled requests.
      const [, ...later] = ref.conversations[0].cachedTokens.map((n: number, i: number) => n / ref.conversations[0].promptTokens[i]);
      for (const share of later) expect(share).toBeGreaterThan(0.9);
      expect(ref.conversations[0].promptTokens[0]).toBeGreaterThan(1400);
      // Ours reports its cached tokens on every turn and after the restart.
      for (const n of ours.conversations[0].cachedTokens) expect(typeof n).toBe("number");
      expect(typeof ours.restarts[0].cachedTokens).toBe("number");
    },
    240_000,
  );
});
