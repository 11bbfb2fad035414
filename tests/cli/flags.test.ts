// Flags in llama-server's spelling, environment variables, and the start-up contract.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { FlagError, helpText, parseFlags } from "../../cli/flags.ts";

const SERVER = resolve(import.meta.dir, "..", "..", "server.ts");

describe("parseFlags", () => {
  test("reads llama-server's short and long spellings", () => {
    const flags = parseFlags(["-m", "a.gguf", "--alias", "fast", "-np", "3", "-c", "8192", "-t", "5", "--port", "9000", "--verbose"], {});
    expect(flags).toMatchObject({ model: "a.gguf", alias: "fast", parallel: 3, ctxSize: 8192, threads: 5, port: 9000, verbose: true });
    expect(parseFlags(["--ctx-size=1024"], {}).ctxSize).toBe(1024);
  });

  test("falls back to LLAMA_ARG_* environment variables, and flags win over them", () => {
    const env = { LLAMA_ARG_MODEL: "env.gguf", LLAMA_ARG_PORT: "7000", LLAMA_ARG_N_PARALLEL: "2", LLAMA_ARG_HOST: "0.0.0.0" };
    expect(parseFlags([], env)).toMatchObject({ model: "env.gguf", port: 7000, parallel: 2, host: "0.0.0.0" });
    expect(parseFlags(["--port", "7001"], env).port).toBe(7001);
  });

  test("defaults match the documented ones", () => {
    // The values README.md and --help promise, written out (not read back from DEFAULT_FLAGS).
    const flags = parseFlags([], {});
    expect(flags).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      parallel: 4,
      ctxSize: 4096,
      batchSize: 512,
      threadsBatch: 0,
      gpuLayers: -1,
      flashAttn: -1,
      kvUnified: false,
      cacheRamMiB: 4096,
      queueSize: 64,
      maxBodyBytes: 10 * 1024 * 1024,
      maxLoadedModels: 4,
      modelsMemoryMiB: 0,
      loadTimeout: 600,
      modelTtl: 0,
      cors: [],
      verbose: false,
    });
    expect(flags.model).toBeUndefined();
    expect(flags.config).toBeUndefined();
  });

  test("rejects unknown flags, bad numbers and impossible values", () => {
    expect(() => parseFlags(["--nope"], {})).toThrow(FlagError);
    expect(() => parseFlags(["--port", "x"], {})).toThrow("integer");
    expect(() => parseFlags(["-np", "0"], {})).toThrow("--parallel");
    expect(() => parseFlags(["-fa", "maybe"], {})).toThrow("on, off or auto");
    expect(() => parseFlags(["-m"], {})).toThrow("needs a value");
  });

  test("--data-dir (or BUNLLAMA_DATA_DIR) places the stored responses; unset means the default folder", () => {
    expect(parseFlags(["--data-dir", "/tmp/bl"], {}).dataDir).toBe("/tmp/bl");
    expect(parseFlags([], { BUNLLAMA_DATA_DIR: "/srv/bl" }).dataDir).toBe("/srv/bl");
    expect(parseFlags(["--data-dir=/a"], { BUNLLAMA_DATA_DIR: "/srv/bl" }).dataDir).toBe("/a");
    expect(parseFlags([], {}).dataDir).toBeUndefined();
    expect(helpText()).toContain("--data-dir");
  });

  test("--cors (or BUNLLAMA_CORS) lists allowed origins, comma-separated or *; off by default", () => {
    expect(parseFlags(["--cors", "https://a.example, http://localhost:5173"], {}).cors).toEqual(["https://a.example", "http://localhost:5173"]);
    expect(parseFlags(["--cors=*"], {}).cors).toEqual(["*"]);
    expect(parseFlags([], { BUNLLAMA_CORS: "https://b.example" }).cors).toEqual(["https://b.example"]);
    expect(parseFlags([], {}).cors).toEqual([]);
    expect(() => parseFlags(["--cors"], {})).toThrow("needs a value");
  });

  test("help lists every flag with its environment variable", () => {
    const help = helpText();
    for (const name of ["--model", "--alias", "--host", "--port", "--parallel", "--ctx-size", "--threads", "--verbose"]) {
      expect(help).toContain(name);
    }
    expect(help).toContain("LLAMA_ARG_CTX_SIZE");
  });
});

describe("starting the server", () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    Bun.spawnSync([process.execPath, SERVER, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stderr: "pipe", stdout: "pipe" });

  test("with no model it says in one line how to give one and exits non-zero", () => {
    const result = run([]);
    expect(result.exitCode).not.toBe(0);
    const lines = result.stderr.toString().trim().split("\n");
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("--model");
  });

  test("--help prints usage and exits 0", () => {
    const result = run(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toContain("usage:");
  });

  test("a missing model file is a clear error", () => {
    const result = run(["-m", "/nonexistent/model.gguf"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.toString()).toContain("not found");
  });

  test("a file that is not a model fails to load with a clear error, not a crash", () => {
    const result = run(["-m", SERVER, "--port", "0"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.toString()).toContain("failed to load model");
  });
});
