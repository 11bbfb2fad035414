// Secrets for tool headers and URLs, referenced as `{{secret:NAME}}`: from the environment
// (BUNLLAMA_SECRET_<NAME>, upper-cased) or from `<data-dir>/secrets.json` (`{"NAME": "value"}`,
// readable by its owner only). Values are never logged, stored with an execution, or sent back:
// anything a tool returns has them replaced by `[secret]` before the model (or a client) sees it.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const REF = /\{\{secret:([A-Za-z0-9_]*)\}\}/g;

/** The secret names a value references; throws on a malformed reference. */
export function secretNames(value: string): string[] {
  const names = [...value.matchAll(REF)].map((m) => m[1]!);
  if (names.some((n) => n === "")) throw new Error("has an empty {{secret:}} reference");
  if (/\{\{secret:/.test(value.replace(REF, ""))) throw new Error("has a malformed {{secret:NAME}} reference (letters, digits and _ only)");
  return names;
}

export class SecretError extends Error {}

export class SecretStore {
  constructor(
    /** `<data-dir>/secrets.json`; undefined = environment only. */
    readonly file: string | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  static inDataDir(dataDir: string, env?: Record<string, string | undefined>): SecretStore {
    return new SecretStore(join(dataDir, "secrets.json"), env);
  }

  /** Read at each use: an operator may change the file without a restart. */
  get(name: string): string {
    const fromEnv = this.env[`BUNLLAMA_SECRET_${name.toUpperCase()}`];
    if (fromEnv !== undefined) return fromEnv;
    const value = this.readFile()[name];
    if (typeof value !== "string") throw new SecretError(`secret '${name}' is not set (BUNLLAMA_SECRET_${name.toUpperCase()} or secrets.json)`);
    return value;
  }

  /** `text` with every reference filled; the values used are added to `used` (for redaction). */
  fill(text: string, used: Set<string>): string {
    return text.replace(REF, (_, name: string) => {
      const value = this.get(name);
      if (value) used.add(value);
      return value;
    });
  }

  private readFile(): Record<string, unknown> {
    if (!this.file) return {};
    let mode: number;
    try {
      mode = statSync(this.file).mode;
    } catch {
      return {};
    }
    if (mode & 0o077) throw new SecretError(`${this.file} may be read by others: chmod 600 it (its secrets are not used until then)`);
    try {
      const parsed = JSON.parse(readFileSync(this.file, "utf8"));
      return typeof parsed === "object" && parsed !== null ? parsed : {};
    } catch {
      throw new SecretError(`${this.file} is not a JSON object of secret names to values`);
    }
  }
}

/** `text` with every secret value in `used` replaced by `[secret]`. */
export function redact(text: string, used: Set<string>): string {
  let out = text;
  // Longest first, so that a secret containing another is replaced whole.
  for (const value of [...used].sort((a, b) => b.length - a.length)) if (value) out = out.replaceAll(value, "[secret]");
  return out;
}
