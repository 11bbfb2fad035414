// Server-side supervisor of one runner process: sends jobs, routes updates, and restarts the
// runner when it dies, failing only the requests that were in flight with a clear error.
import type { Subprocess } from "bun";
import { resolve } from "node:path";
import { LineChannel } from "./channel.ts";
import type { FromRunner, Job, JobUpdate, MediaRef, RunnerModelInfo, RunnerOptions, ToRunner } from "./protocol.ts";
import { TokenizerClient } from "./tokenizerClient.ts";
import { bytesExceeded, tokensExceeded } from "./tokenizerLimits.ts";
import type { EngineErrorInfo } from "../core/index.ts";
import { childEnv } from "./childEnv.ts";
import { listenForChild } from "./socketDir.ts";
import { crashReason } from "./crashReason.ts";

export type JobListener = (update: JobUpdate) => void;

export interface RunnerClientOptions {
  name: string;
  runner: RunnerOptions;
  /** Requests admitted beyond the parallel sequences before answering "busy". */
  queueSize: number;
  log: (line: string) => void;
  /** Model load progress, 0..100 in steps of 10 (from the shim, through the runner's stderr). */
  onLoadProgress?: (percent: number) => void;
}

const RESTART_DELAYS_MS = [100, 500, 2000, 5000];

/** How to start a runner: the compiled binary re-executes itself, a source checkout runs server.ts. */
function runnerCommand(): string[] {
  const compiled = import.meta.dir.startsWith("/$bunfs");
  return compiled ? [process.execPath, "runner"] : [process.execPath, resolve(import.meta.dir, "..", "server.ts"), "runner"];
}

export class RunnerClient {
  info: RunnerModelInfo | undefined;
  #process: Subprocess | undefined;
  #channel: LineChannel<FromRunner, ToRunner> | undefined;
  #listeners = new Map<number, JobListener>();
  // "done" updates a job still owes: one per choice (jobs with n choices get n).
  #choicesLeft = new Map<number, number>();
  #unsent: ToRunner[] = [];
  // Media prompts being counted by the runner (count_tokens).
  readonly #counting = new Map<number, (result: number | EngineErrorInfo) => void>();
  #nextId = 1;
  #crashes = 0;
  #restarts = 0;
  #stopping = false;
  #everReady = false;
  #stderrTail = "";
  #readyAt = 0;
  #exited: Promise<void> = Promise.resolve();
  /** Prompts are tokenized in a process of their own, next to the runner (see tokenizerClient.ts). */
  readonly tokenizer: TokenizerClient;
  // Jobs whose prompt is being tokenized: the runner has not seen them, so its crash spares them.
  readonly #tokenizing = new Set<number>();
  // Kept across restarts: the limits a prompt is checked against while either process restarts.
  #contextPerSequence = 0;
  #maxTokenBytes = 0;

  constructor(private readonly options: RunnerClientOptions) {
    this.tokenizer = new TokenizerClient({
      name: options.name,
      modelPath: options.runner.modelPath,
      command: runnerCommand(),
      verbose: options.runner.verbose,
      log: options.log,
    });
  }

  get inFlight(): number {
    return this.#listeners.size;
  }

  /** Restarts after a crash, since this client was created. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Sequences decoding now and generation jobs waiting for theirs. The runner admits jobs oldest
   * first, each once it has a free sequence per unfinished choice, so both follow from the jobs in
   * flight (kept in submission order) and --parallel; while the runner is down nothing runs.
   */
  sequences(): { running: number; queued: number } {
    let free = this.info ? this.options.runner.parallel : 0;
    let running = 0;
    let queued = 0;
    for (const choices of this.#choicesLeft.values()) {
      if (queued === 0 && choices <= free) {
        free -= choices;
        running += choices;
      } else queued++;
    }
    return { running, queued };
  }

  /** The runner's process id while it runs. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  get ready(): boolean {
    return this.info !== undefined && this.#unsent.length === 0;
  }

  /** Starts the runner (and the tokenizer, unless it runs); resolves once both are ready, rejects if either cannot load. */
  async start(): Promise<RunnerModelInfo> {
    const [info, tokenizer] = await Promise.all([this.#startRunner(), this.tokenizer.start()]);
    this.#contextPerSequence = info.contextPerSequence;
    this.#maxTokenBytes = tokenizer.maxTokenBytes;
    return info;
  }

  #startRunner(): Promise<RunnerModelInfo> {
    return new Promise((resolveReady, rejectReady) => {
      const channel = new LineChannel<FromRunner, ToRunner>((message) => this.#onMessage(message, resolveReady, rejectReady));
      const { path: socketPath, close } = listenForChild("runner", channel);
      this.#channel = channel;
      const verbose = this.options.runner.verbose;
      const child = Bun.spawn(runnerCommand(), {
        // Quiet by default: a native crash's report is kept and summarised in one log line.
        stdio: ["ignore", "inherit", "pipe"],
        env: childEnv(socketPath, verbose),
        onExit: (_proc, exitCode, signalCode) => {
          close();
          this.#channel = undefined;
          this.#onExit(exitCode, signalCode === null ? null : String(signalCode), rejectReady);
        },
      });
      this.#process = child;
      this.#exited = child.exited.then(() => undefined);
      this.#stderrTail = "";
      if (child.stderr instanceof ReadableStream) void this.#keepStderrTail(child.stderr);
      channel.send({ type: "load", options: this.options.runner });
    });
  }

  /** Queues a job; the listener receives every update until its last "done" (one per choice) or "error".
   *  The prompt goes to the tokenizer first, then its tokens to the runner. */
  submit(job: Omit<Job, "id">, listener: JobListener): number | EngineErrorInfo {
    const limit = this.options.runner.parallel + this.options.queueSize;
    if (this.#listeners.size >= limit) {
      return {
        kind: "overloaded",
        code: "server_busy",
        message: `model ${this.options.name} has ${this.#listeners.size} requests running or queued (limit ${limit}); retry later`,
      };
    }
    const tooLong = bytesExceeded(job.prompt, this.#maxTokenBytes, this.#contextPerSequence);
    if (tooLong) return tooLong;
    const id = this.#nextId++;
    this.#listeners.set(id, listener);
    this.#choicesLeft.set(id, job.n ?? 1);
    this.#tokenizing.add(id);
    const { prompt, addSpecial, media, ...rest } = job;
    const room = this.#contextPerSequence - 1;
    void this.tokenizer.tokenize(prompt, addSpecial, { limit: room, wanted: () => this.#listeners.has(id) }).then((result) => {
      this.#tokenizing.delete(id);
      const waiting = this.#listeners.get(id);
      if (!waiting) return;
      const error = "kind" in result ? result : result.tokens ? undefined : tokensExceeded(result.count, this.#contextPerSequence);
      if (error) {
        this.#forget(id);
        waiting({ id, type: "error", error });
        return;
      }
      // Jobs still in the tokenizer come next: the runner may wait for them (arrivalHold.ts).
      const following = this.#tokenizing.size;
      if (media?.length) {
        // The tokenizer process has seen the text first (a crafted prompt crashes it, not the
        // runner); the runner tokenizes it again with libmtmd, which places the media.
        this.#send({ type: "generate", job: { ...rest, id, tokens: [], multimodal: { prompt, addSpecial, files: media } }, following });
      } else this.#send({ type: "generate", job: { ...rest, id, tokens: (result as { tokens: number[] }).tokens }, following });
    });
    return id;
  }

  /** Tokens of a rendered prompt, counted by the tokenizer process. */
  async count(prompt: string, addSpecial: boolean): Promise<number | EngineErrorInfo> {
    const tooLong = bytesExceeded(prompt, this.#maxTokenBytes, this.#contextPerSequence);
    if (tooLong) return tooLong;
    const result = await this.tokenizer.tokenize(prompt, addSpecial, { limit: 0 });
    return "kind" in result ? result : result.count;
  }

  /** Tokens of a rendered prompt with media: the tokenizer process checks the text, the runner counts it with libmtmd. */
  async countMedia(prompt: string, addSpecial: boolean, files: MediaRef[]): Promise<number | EngineErrorInfo> {
    const text = await this.count(prompt, addSpecial);
    if (typeof text !== "number") return text;
    const id = this.#nextId++;
    return new Promise((resolveCount) => {
      this.#counting.set(id, resolveCount);
      this.#send({ type: "count", id, multimodal: { prompt, addSpecial, files } });
    });
  }

  /** Cancels the whole job, every choice. */
  cancel(id: number): void {
    this.#choicesLeft.delete(id);
    if (!this.#listeners.delete(id)) return;
    this.#send({ type: "cancel", id });
  }

  /** Ends every job with this error (and cancels it in the runner): a shutdown past its grace period. */
  failAll(error: EngineErrorInfo): void {
    for (const [id, listener] of [...this.#listeners]) {
      this.cancel(id);
      listener({ id, type: "error", error });
    }
  }

  /** Stops the runner and the tokenizer for good; resolves once both have exited (their memory is free). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#process?.kill();
    await Promise.all([this.#exited, this.tokenizer.stop()]);
  }

  /** Keeps the end of the runner's stderr for crash reports, reads load-progress lines, and
   *  forwards everything with --verbose. */
  async #keepStderrTail(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      if (this.options.runner.verbose) process.stderr.write(chunk);
      const text = decoder.decode(chunk, { stream: true });
      this.#stderrTail = (this.#stderrTail + text).slice(-4096);
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const progress = /^bunllama-load-progress (\d+)$/.exec(line);
        if (progress) this.options.onLoadProgress?.(Number(progress[1]));
      }
    }
  }

  #send(message: ToRunner): void {
    if (this.info && this.#channel) this.#channel.send(message);
    else this.#unsent.push(message);
  }

  #onMessage(message: FromRunner, resolveReady: (info: RunnerModelInfo) => void, rejectReady: (e: Error) => void): void {
    switch (message.type) {
      case "ready":
        this.info = message.info;
        this.#everReady = true;
        this.#readyAt = performance.now();
        for (const unsent of this.#unsent.splice(0)) this.#channel!.send(unsent);
        resolveReady(message.info);
        return;
      case "updates":
        for (const update of message.updates) {
          const listener = this.#listeners.get(update.id);
          if (!listener) continue;
          if (this.#isLast(update)) this.#forget(update.id);
          listener(update);
        }
        return;
      case "counted": {
        const done = this.#counting.get(message.id);
        this.#counting.delete(message.id);
        done?.("error" in message ? message.error : message.count);
        return;
      }
      case "log":
        this.options.log(message.text.trimEnd());
        return;
      case "fatal":
        rejectReady(new Error(message.message));
        return;
    }
  }

  /** The update that ends its job: an error, or the "done" of the job's last choice. */
  #isLast(update: JobUpdate): boolean {
    if (update.type === "error") return true;
    if (update.type !== "done") return false;
    const left = (this.#choicesLeft.get(update.id) ?? 1) - 1;
    this.#choicesLeft.set(update.id, left);
    return left <= 0;
  }

  #forget(id: number): void {
    this.#listeners.delete(id);
    this.#choicesLeft.delete(id);
  }

  #onExit(exitCode: number | null, signalCode: string | null, rejectReady: (e: Error) => void): void {
    const how = signalCode ? `signal ${signalCode}` : `exit code ${exitCode}`;
    const wasReady = this.info !== undefined;
    if (wasReady && this.#crashes > 0 && performance.now() - this.#readyAt > 60_000) this.#crashes = 0;
    this.info = undefined;
    this.#process = undefined;
    rejectReady(new Error(`runner for ${this.options.name} exited (${how}) before the model was loaded`));
    // Requests already sent died with the runner; queued ones (and those still tokenizing) wait
    // for the next one, unless the runner cannot even load any more.
    const unsentIds = new Set(this.#unsent.flatMap((m) => (m.type === "generate" ? [m.job.id] : [])));
    const failed = [...this.#listeners.entries()].filter(([id]) => !wasReady || (!unsentIds.has(id) && !this.#tokenizing.has(id)));
    if (!wasReady) this.#unsent = [];
    for (const [id, listener] of failed) {
      this.#forget(id);
      listener({
        id,
        type: "error",
        error: {
          kind: "internal",
          code: "runner_crashed",
          message: `the runner for model ${this.options.name} stopped (${how}) while processing this request; it is being restarted`,
        },
      });
    }
    // Counts sent to the runner died with it (unsent ones wait for the next).
    const unsentCounts = new Set(this.#unsent.flatMap((m) => (m.type === "count" ? [m.id] : [])));
    for (const [id, done] of [...this.#counting]) {
      if (wasReady && unsentCounts.has(id)) continue;
      this.#counting.delete(id);
      done({ kind: "internal", code: "runner_crashed", message: `the runner for model ${this.options.name} stopped (${how}) while counting this prompt; it is being restarted` });
    }
    if (this.#stopping || !this.#everReady) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.#crashes, RESTART_DELAYS_MS.length - 1)]!;
    this.#crashes++;
    const reason = crashReason(this.#stderrTail);
    this.options.log(`runner for ${this.options.name} stopped (${how})${reason ? `: ${reason}` : ""}; restarting in ${delay} ms`);
    setTimeout(() => this.#restart(), delay);
  }

  #restart(): void {
    if (this.#stopping) return;
    this.#restarts++;
    this.#startRunner().catch((error: Error) => this.options.log(`runner restart failed: ${error.message}`));
  }
}
