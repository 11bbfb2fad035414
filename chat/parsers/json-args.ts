// Reads a tool call's arguments value (JSON the model writes) and streams it as deltas.
import { JsonScanner } from "./json-scanner.ts";
import { isWs } from "./markers.ts";

export type Step = "more" | "done" | "error";
type Emit = (json: string) => void;

/**
 * An arguments object streams through as the model writes it (safe prefixes only). Arguments
 * written as a JSON string holding JSON (some models do) or null are decoded at their end.
 */
export class ArgsReader {
  private readonly sc = new JsonScanner();
  private kind: "" | "object" | "string" | "null" = "";
  private decoded = "";
  private closed = false;

  /** emit null: hold everything until attach() (the call's name is not known yet). */
  constructor(private emit: Emit | null) {}

  get done(): boolean {
    return this.sc.complete;
  }

  push(ch: string): Step {
    if (!this.kind) {
      if (isWs(ch)) return "more";
      if (ch === "{") this.kind = "object";
      else if (ch === '"') this.kind = "string";
      else if (ch === "n") this.kind = "null";
      else return "error";
    }
    const r = this.sc.push(ch);
    if (r === "error" || r === "done-before") return "error";
    if (r === "more") return "more";
    if (this.kind === "string") {
      const inner = (JSON.parse(this.sc.out) as string).trim();
      if (inner === "") this.decoded = "{}";
      else {
        try {
          const v: unknown = JSON.parse(inner);
          if (v === null || typeof v !== "object" || Array.isArray(v)) return "error";
        } catch {
          return "error";
        }
        this.decoded = inner;
      }
    } else if (this.kind === "null") this.decoded = "{}";
    return "done";
  }

  attach(emit: Emit): void {
    this.emit = emit;
  }

  /** Emits the part known to be well-formed so far. */
  flush(): void {
    if (!this.emit || this.kind !== "object" || this.closed) return;
    const text = this.sc.takeSafe(); // taken, not sliced: keeps long arguments linear
    if (text) this.emit(text);
  }

  /** Emits the rest; arguments cut short are closed at their last well-formed point. */
  close(): void {
    if (!this.emit || this.closed) return;
    if (this.kind === "object") {
      this.emit(this.sc.takeSafe() + (this.sc.complete ? "" : this.sc.safeCloser));
    } else {
      this.emit(this.sc.complete ? this.decoded : "{}");
    }
    this.closed = true;
  }
}
