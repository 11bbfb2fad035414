// A tool call written as a JSON object ({"name": ..., "arguments": {...}}), or an array of
// them, read one character at a time so that the arguments stream as they arrive.
import { ArgsReader, type Step } from "./json-args.ts";
import { JsonScanner } from "./json-scanner.ts";
import { isWs } from "./markers.ts";
import type { CallSink } from "./types.ts";

export interface CallOptions {
  /** Keys holding the arguments (Llama writes "parameters"). */
  argKeys?: readonly string[];
  /** A name that is not accepted makes the object "not a call" (bare JSON without markers). */
  accept?: (name: string) => boolean;
  /** No marker announced a call: the first key must be one a call starts with. */
  bare?: boolean;
}

const ARG_KEYS = ["arguments", "parameters"];
const FIRST_KEYS = new Set(["name", "type", "arguments", "parameters"]);

const OPEN = 0, KEY_START = 1, KEY = 2, COLON = 3, VALUE = 4, AFTER = 5, END = 6;

export class JsonCallReader {
  started = false;
  private ended = false;
  private st = OPEN;
  private key = new JsonScanner();
  private keyKind: "name" | "args" | "other" = "other";
  private first = true;
  private val: JsonScanner | undefined;
  private args: ArgsReader | undefined;

  constructor(
    private readonly calls: CallSink,
    private readonly opts: CallOptions = {},
  ) {}

  push(ch: string): Step {
    switch (this.st) {
      case OPEN:
        if (isWs(ch)) return "more";
        if (ch !== "{") return "error";
        this.st = KEY_START;
        return "more";
      case KEY_START:
        if (isWs(ch)) return "more";
        if (ch === "}") return this.close();
        if (ch !== '"') return "error";
        this.key = new JsonScanner();
        this.st = KEY;
        return this.key.push(ch) === "error" ? "error" : "more";
      case KEY: {
        const r = this.key.push(ch);
        if (r === "error") return "error";
        if (r === "done") {
          if (!this.keyDone(JSON.parse(this.key.out) as string)) return "error";
          this.st = COLON;
        }
        return "more";
      }
      case COLON:
        if (isWs(ch)) return "more";
        if (ch !== ":") return "error";
        this.st = VALUE;
        return "more";
      case VALUE:
        return this.value(ch);
      case AFTER:
        if (isWs(ch)) return "more";
        if (ch === ",") {
          this.st = KEY_START;
          return "more";
        }
        return ch === "}" ? this.close() : "error";
      default:
        return "error";
    }
  }

  /** Streams the arguments read so far. */
  flush(): void {
    if (this.started && !this.ended) this.args?.flush();
  }

  /** Cut short (bad syntax or end of text): a started call is closed, arguments repaired. */
  abort(): void {
    if (!this.started || this.ended) return;
    if (this.args) this.args.close();
    else this.calls.delta("{}");
    this.calls.end();
    this.ended = true;
  }

  private keyDone(key: string): boolean {
    if (this.opts.bare && this.first && !FIRST_KEYS.has(key)) return false;
    this.first = false;
    const argKeys = this.opts.argKeys ?? ARG_KEYS;
    if (key === "name" && !this.started) this.keyKind = "name";
    else if (argKeys.includes(key) && !this.args) this.keyKind = "args";
    else this.keyKind = "other";
    return true;
  }

  private value(ch: string): Step {
    if (this.keyKind === "args") {
      this.args ??= new ArgsReader(this.started ? (s) => this.calls.delta(s) : null);
      const r = this.args.push(ch);
      if (r === "done") {
        this.args.close();
        this.st = AFTER;
        return "more";
      }
      return r;
    }
    if (!this.val) {
      if (isWs(ch)) return "more";
      this.val = new JsonScanner();
    }
    const r = this.val.push(ch);
    if (r === "error") return "error";
    if (r === "more") return "more";
    if (!this.valueDone()) return "error";
    this.st = AFTER;
    return r === "done" ? "more" : this.push(ch);
  }

  private valueDone(): boolean {
    const text = this.val!.out;
    this.val = undefined;
    if (this.keyKind !== "name") return true;
    const name: unknown = JSON.parse(text);
    if (typeof name !== "string" || !name || (this.opts.accept && !this.opts.accept(name))) return false;
    this.calls.start(name);
    this.started = true;
    // Arguments written before the name were held until now.
    this.args?.attach((s) => this.calls.delta(s));
    if (this.args?.done) this.args.close();
    return true;
  }

  private close(): Step {
    if (!this.started) return "error";
    this.st = END;
    this.abort(); // closes with "{}" when no arguments were given
    return "done";
  }
}

const ITEM_FIRST = 1, ITEM = 2, ITEM_AFTER = 3, ITEM_NEXT = 4, SINGLE = 5;

/** One call object, or an array of them (Mistral, some Hermes-style outputs). */
export class JsonCallsReader {
  private st = 0;
  private cur: JsonCallReader | undefined;
  private anyStarted = false;

  constructor(
    private readonly calls: CallSink,
    private readonly opts: CallOptions = {},
  ) {}

  get started(): boolean {
    return this.anyStarted || !!this.cur?.started;
  }

  push(ch: string): Step {
    switch (this.st) {
      case 0:
        if (isWs(ch)) return "more";
        if (ch === "[") {
          this.st = ITEM_FIRST;
          return "more";
        }
        this.st = SINGLE;
        return this.item(ch);
      case SINGLE:
        return this.cur!.push(ch);
      case ITEM_FIRST:
      case ITEM_NEXT:
        if (isWs(ch)) return "more";
        if (ch === "]" && this.st === ITEM_FIRST) return "done";
        this.st = ITEM;
        return this.item(ch);
      case ITEM: {
        const r = this.cur!.push(ch);
        if (r === "done") {
          this.st = ITEM_AFTER;
          return "more";
        }
        return r;
      }
      case ITEM_AFTER:
        if (isWs(ch)) return "more";
        if (ch === ",") {
          this.st = ITEM_NEXT;
          return "more";
        }
        return ch === "]" ? "done" : "error";
      default:
        return "error";
    }
  }

  flush(): void {
    this.cur?.flush();
  }

  abort(): void {
    this.cur?.abort();
  }

  private item(ch: string): Step {
    if (this.cur?.started) this.anyStarted = true;
    this.cur = new JsonCallReader(this.calls, this.opts);
    return this.cur.push(ch);
  }
}
