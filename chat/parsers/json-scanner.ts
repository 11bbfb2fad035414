// Incremental JSON value scanner: consumes one character at a time and knows, after each one,
// the longest prefix that becomes valid JSON by appending closers. That lets tool-call
// arguments stream as they arrive while the concatenated deltas stay valid JSON even when the
// model stops or breaks the syntax half-way.

export type ScanStep = "more" | "done" | "done-before" | "error";

const VALUE = 0, ARR_FIRST = 1, OBJ_FIRST = 2, OBJ_KEY = 3, KEY = 4, COLON = 5, STR = 6, NUM = 7, LIT = 8, AFTER = 9, DONE = 10;

const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const NUM_CHAR = /[0-9+\-.eE]/;
const HEX = /[0-9a-fA-F]/;

function escapeControl(ch: string): string {
  if (ch === "\n") return "\\n";
  if (ch === "\r") return "\\r";
  if (ch === "\t") return "\\t";
  return "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0");
}

function ws(ch: string): boolean {
  return ch === " " || ch === "\n" || ch === "\t" || ch === "\r";
}

export class JsonScanner {
  /** The consumed text not yet taken, normalised: raw control characters in strings are escaped. */
  out = "";
  /** Length of the consumed text that + safeCloser is valid JSON (0 while nothing closable). */
  safe = 0;
  safeCloser = "";
  /** How much takeSafe() removed from the front of out. */
  private taken = 0;
  private st = VALUE;
  /** Closing brackets of the open containers, innermost first. */
  private closers = "";
  /** 0: none, 1: after a backslash, 2..5: inside \uXXXX. */
  private esc = 0;
  private num = "";
  private lit = "";
  private highSurrogate = false;

  get complete(): boolean {
    return this.st === DONE;
  }

  /** The value is at an end the text allows (a top-level number needs no terminator). */
  finish(): boolean {
    if (this.st === NUM && NUMBER.test(this.num)) this.st = DONE;
    return this.st === DONE;
  }

  /** Removes and returns the safe text not taken yet (streaming: out keeps only the rest). */
  takeSafe(): string {
    const n = this.safe - this.taken;
    if (n <= 0) return "";
    const s = this.out.slice(0, n);
    this.out = this.out.slice(n);
    this.taken = this.safe;
    return s;
  }

  /** "done-before": the value ended just before ch, which was not consumed. */
  push(ch: string): ScanStep {
    switch (this.st) {
      case VALUE:
        return this.value(ch);
      case ARR_FIRST:
        if (ch === "]") return this.close(ch);
        if (ws(ch)) return this.add(ch);
        return this.value(ch);
      case OBJ_FIRST:
      case OBJ_KEY:
        if (ws(ch)) return this.add(ch);
        if (ch === '"') {
          this.st = KEY;
          return this.add(ch);
        }
        return this.st === OBJ_FIRST && ch === "}" ? this.close(ch) : "error";
      case KEY:
      case STR:
        return this.str(ch);
      case COLON:
        if (ws(ch)) return this.add(ch);
        if (ch !== ":") return "error";
        this.st = VALUE;
        return this.add(ch);
      case NUM:
        if (NUM_CHAR.test(ch)) {
          this.num += ch;
          return this.add(ch);
        }
        if (!NUMBER.test(this.num)) return "error";
        this.afterValue();
        return this.complete ? "done-before" : this.push(ch);
      case LIT:
        if (ch !== this.lit[0]) return "error";
        this.lit = this.lit.slice(1);
        if (!this.lit) this.afterValue();
        return this.add(ch);
      case AFTER:
        if (ws(ch)) return this.add(ch);
        if (ch === ",") {
          this.st = this.closers[0] === "}" ? OBJ_KEY : VALUE;
          return this.add(ch);
        }
        return ch === this.closers[0] ? this.close(ch) : "error";
      default:
        return "done-before";
    }
  }

  private value(ch: string): ScanStep {
    if (ws(ch)) return this.add(ch);
    switch (ch) {
      case "{":
        this.closers = "}" + this.closers;
        this.st = OBJ_FIRST;
        return this.add(ch);
      case "[":
        this.closers = "]" + this.closers;
        this.st = ARR_FIRST;
        return this.add(ch);
      case '"':
        this.st = STR;
        this.highSurrogate = false;
        return this.add(ch);
      case "t":
      case "f":
      case "n":
        this.lit = ch === "t" ? "rue" : ch === "f" ? "alse" : "ull";
        this.st = LIT;
        return this.add(ch);
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      this.num = ch;
      this.st = NUM;
      return this.add(ch);
    }
    return "error";
  }

  private str(ch: string): ScanStep {
    if (this.esc === 1) {
      this.esc = ch === "u" ? 2 : 0;
      if (ch === "u" || '"\\/bfnrt'.includes(ch)) return this.add(ch);
      // An invalid escape (a Windows path, say): keep the backslash as a literal one.
      return this.add("\\" + (ch < " " ? escapeControl(ch) : ch));
    }
    if (this.esc >= 2) {
      if (!HEX.test(ch)) return "error";
      this.esc = this.esc === 5 ? 0 : this.esc + 1;
      return this.add(ch);
    }
    if (ch === "\\") {
      this.esc = 1;
      return this.add(ch);
    }
    if (ch === '"') {
      if (this.st === KEY) this.st = COLON;
      else this.afterValue();
      return this.add(ch);
    }
    const code = ch.charCodeAt(0);
    this.highSurrogate = code >= 0xd800 && code <= 0xdbff;
    return this.add(ch < " " ? escapeControl(ch) : ch);
  }

  private close(ch: string): ScanStep {
    this.closers = this.closers.slice(1);
    this.afterValue();
    return this.add(ch);
  }

  private afterValue(): void {
    this.st = this.closers ? AFTER : DONE;
  }

  private add(text: string): ScanStep {
    this.out += text;
    this.mark();
    return this.st === DONE ? "done" : "more";
  }

  /** Records a safe point when the text so far can be closed. */
  private mark(): void {
    let closer: string;
    switch (this.st) {
      case ARR_FIRST:
      case OBJ_FIRST:
      case AFTER:
        closer = this.closers;
        break;
      case DONE:
        closer = "";
        break;
      case STR:
        // Never between an escape's characters or the two halves of a surrogate pair.
        if (this.esc !== 0 || this.highSurrogate) return;
        closer = '"' + this.closers;
        break;
      case NUM:
        if (!NUMBER.test(this.num)) return;
        closer = this.closers;
        break;
      default:
        return;
    }
    this.safe = this.taken + this.out.length;
    this.safeCloser = closer;
  }
}
