// Server-side supervisor of one model's tokenizer process: sends it one prompt at a time, so a
// crash is blamed on exactly the prompt that caused it. That request gets a 400, the prompt is
// remembered (a repeat is refused without a crash) and the process is restarted at once; the
// prompts queued behind it go to the new one.
import type { Subprocess } from "bun";
import type { EngineErrorInfo } from "../core/index.ts";
import { LineChannel } from "./channel.ts";
import type { FromTokenizer, TokenizerInfo, ToTokenizer } from "./protocol.ts";
import { TokenizerCrashes } from "./tokenizerCrashes.ts";
import { childEnv } from "./childEnv.ts";
import { listenForChild } from "./socketDir.ts";
import { crashReason } from "./crashReason.ts";

export interface TokenizerClientOptions {
  name: string;
  modelPath: string;
  /** The command that starts a child process of this program (it becomes a tokenizer by env). */
  command: string[];
  verbose: boolean;
  log: (line: string) => void;
  /** A prompt still tokenizing after this long is given up (the process is killed and restarted). */
  timeoutMs?: number;
}

export interface Tokenized {
  count: number;
  /** Absent when there are more than the request's limit. */
  tokens?: number[];
}

export interface TokenizeOptions {
  /** Return the tokens only when there are at most this many (default: always). */
  limit?: number;
  /** Checked before the prompt is sent: a request given up meanwhile is skipped. */
  wanted?: () => boolean;
}

interface Pending {
  prompt: string;
  addSpecial: boolean;
  key: string;
  limit: number;
  wanted: () => boolean;
  resolve: (result: Tokenized | EngineErrorInfo) => void;
}

const DEFAULT_TIMEOUT_MS = 60_000;
// How a process dies when its input broke it (an abort, a bad access), rather than being stopped.
const CRASH_SIGNALS = new Set(["SIGABRT", "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGTRAP"]);

export class TokenizerClient {
  info: TokenizerInfo | undefined;
  #process: Subprocess | undefined;
  #channel: LineChannel<FromTokenizer, ToTokenizer> | undefined;
  #starting: Promise<TokenizerInfo> | undefined;
  #queue: Pending[] = [];
  #current: (Pending & { id: number }) | undefined;
  #nextId = 1;
  #timer: Timer | undefined;
  #timedOut = false;
  #stopping = false;
  #stderrTail = "";
  #exited: Promise<void> = Promise.resolve();
  readonly #remembered = new TokenizerCrashes();
  #crashes = 0;
  #refused = 0;

  constructor(private readonly options: TokenizerClientOptions) {}

  /** Tokenizer processes lost to a prompt that crashed them. */
  get crashes(): number {
    return this.#crashes;
  }

  /** Prompts refused at once because the same prompt crashed the tokenizer before. */
  get refusedRepeats(): number {
    return this.#refused;
  }

  /** The tokenizer's process id while it runs. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Starts the process (once; later calls wait for the same start); resolves when the vocabulary is loaded. */
  start(): Promise<TokenizerInfo> {
    if (this.info) return Promise.resolve(this.info);
    this.#starting ??= this.#spawn().finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  tokenize(prompt: string, addSpecial: boolean, options: TokenizeOptions = {}): Promise<Tokenized | EngineErrorInfo> {
    const key = TokenizerCrashes.key(prompt, addSpecial);
    if (this.#remembered.has(key)) return Promise.resolve(this.#refuseRepeat());
    return new Promise((resolve) => {
      this.#queue.push({ prompt, addSpecial, key, limit: options.limit ?? Infinity, wanted: options.wanted ?? (() => true), resolve });
      if (this.#stopping) return this.#failQueued(stoppedError(this.options.name));
      if (!this.info) this.start().catch(() => undefined);
      this.#pump();
    });
  }

  /** Stops the process for good; resolves once it has exited. */
  stop(): Promise<void> {
    this.#stopping = true;
    this.#process?.kill();
    this.#failQueued(stoppedError(this.options.name));
    return this.#exited;
  }

  #spawn(): Promise<TokenizerInfo> {
    return new Promise((resolveReady, rejectReady) => {
      const channel = new LineChannel<FromTokenizer, ToTokenizer>((message) => this.#onMessage(message, resolveReady, rejectReady));
      const { path: socketPath, close } = listenForChild("tokenizer", channel);
      this.#channel = channel;
      const child = Bun.spawn(this.options.command, {
        stdio: ["ignore", "inherit", "pipe"],
        env: childEnv(socketPath, this.options.verbose, { BUNLLAMA_ROLE: "tokenizer" }),
        onExit: (_proc, exitCode, signalCode) => {
          close();
          this.#channel = undefined;
          rejectReady(new Error(`the tokenizer for ${this.options.name} exited before it was ready`));
          this.#onExit(exitCode, signalCode === null ? null : String(signalCode));
        },
      });
      this.#process = child;
      this.#exited = child.exited.then(() => undefined);
      this.#stderrTail = "";
      if (child.stderr instanceof ReadableStream) void this.#keepStderrTail(child.stderr);
      channel.send({ type: "load", modelPath: this.options.modelPath, verbose: this.options.verbose });
    });
  }

  #onMessage(message: FromTokenizer, resolveReady: (info: TokenizerInfo) => void, rejectReady: (e: Error) => void): void {
    switch (message.type) {
      case "ready":
        this.info = message.info;
        resolveReady(message.info);
        this.#pump();
        return;
      case "fatal":
        rejectReady(new Error(message.message));
        return;
      case "tokens":
      case "error": {
        const current = this.#current;
        if (!current || current.id !== message.id) return;
        this.#current = undefined;
        clearTimeout(this.#timer);
        current.resolve(
          message.type === "tokens"
            ? { count: message.count, tokens: message.tokens }
            : { kind: "invalid_request", code: "tokenization_failed", param: "messages", message: `the model's tokenizer cannot encode this input: ${message.message}` },
        );
        this.#pump();
        return;
      }
    }
  }

  /** Sends the next wanted prompt when the process is ready and idle. */
  #pump(): void {
    if (!this.info || !this.#channel || this.#current) return;
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      if (!next.wanted()) {
        next.resolve(cancelledError());
        continue;
      }
      // The same prompt may have crashed the tokenizer while this one waited.
      if (this.#remembered.has(next.key)) {
        next.resolve(this.#refuseRepeat());
        continue;
      }
      const id = this.#nextId++;
      this.#current = { ...next, id };
      this.#timedOut = false;
      const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        this.#process?.kill("SIGKILL");
      }, timeoutMs);
      this.#channel.send({ type: "tokenize", id, prompt: next.prompt, addSpecial: next.addSpecial, limit: Number.isFinite(next.limit) ? next.limit : 2 ** 31 - 1 });
      return;
    }
  }

  #onExit(exitCode: number | null, signalCode: string | null): void {
    const how = signalCode ? `signal ${signalCode}` : `exit code ${exitCode}`;
    const wasReady = this.info !== undefined;
    this.info = undefined;
    this.#process = undefined;
    clearTimeout(this.#timer);
    const current = this.#current;
    this.#current = undefined;
    if (current) current.resolve(this.#blame(current, how, signalCode, exitCode));
    if (this.#stopping) return this.#failQueued(stoppedError(this.options.name));
    if (!wasReady) {
      // It cannot even load: fail what waits; the next prompt tries again.
      return this.#failQueued({
        kind: "unavailable",
        code: "tokenizer_unavailable",
        message: `the tokenizer for model ${this.options.name} could not start (${how})`,
      });
    }
    // Cheap to start (a vocabulary-only load): at once, not after a delay.
    this.start().catch((error: Error) => this.options.log(`tokenizer restart failed: ${error.message}`));
  }

  /** The answer for the prompt in flight when the process died. */
  #blame(current: Pending, how: string, signalCode: string | null, exitCode: number | null): EngineErrorInfo {
    if (this.#timedOut) {
      const seconds = Math.round((this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000);
      this.options.log(`tokenizer for ${this.options.name} gave up on a prompt after ${seconds} s; restarting it`);
      return {
        kind: "invalid_request",
        code: "tokenization_timeout",
        param: "messages",
        message: `the model's tokenizer did not finish this input within ${seconds} s: shorten the messages`,
      };
    }
    if (this.#stopping) return stoppedError(this.options.name);
    const crashed = (signalCode !== null && CRASH_SIGNALS.has(signalCode)) || (signalCode === null && exitCode !== 0);
    if (!crashed) {
      // Killed from outside (not this prompt's doing): not remembered.
      return {
        kind: "internal",
        code: "tokenizer_stopped",
        message: `the tokenizer for model ${this.options.name} stopped (${how}) while encoding this input; it is being restarted`,
      };
    }
    this.#crashes++;
    this.#remembered.add(current.key);
    const reason = crashReason(this.#stderrTail);
    this.options.log(
      `tokenizer for ${this.options.name} crashed on a prompt (${how})${reason ? `: ${reason}` : ""}; that prompt is refused from now on; restarting the tokenizer`,
    );
    return {
      kind: "invalid_request",
      code: "tokenization_failed",
      param: "messages",
      message: "the model's tokenizer cannot encode this input (it crashed on it; no other request was affected)",
    };
  }

  #refuseRepeat(): EngineErrorInfo {
    this.#refused++;
    return {
      kind: "invalid_request",
      code: "tokenization_failed",
      param: "messages",
      message: "the model's tokenizer cannot encode this input (the same input crashed it before)",
    };
  }

  #failQueued(error: EngineErrorInfo): void {
    for (const pending of this.#queue.splice(0)) pending.resolve(error);
  }

  async #keepStderrTail(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      if (this.options.verbose) process.stderr.write(chunk);
      this.#stderrTail = (this.#stderrTail + decoder.decode(chunk, { stream: true })).slice(-4096);
    }
  }
}

function stoppedError(name: string): EngineErrorInfo {
  return { kind: "unavailable", code: "model_unloaded", message: `model ${name} was unloaded while this request waited for its tokenizer` };
}

function cancelledError(): EngineErrorInfo {
  return { kind: "internal", code: "cancelled", message: "the request was cancelled" };
}
