// Value checks for the models config file. Each failure is one line naming the file, the entry
// and the field, so a user can fix the config without guessing which model was meant.
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";

export class ConfigError extends Error {}

/** Where a value sits: `models.yaml: models[1] (id "fast")`. */
export class Where {
  constructor(
    readonly file: string,
    readonly entry: string | undefined,
    /** Folder relative paths are resolved against. */
    readonly folder: string,
  ) {}

  fail(field: string, message: string): never {
    const prefix = this.entry ? `${this.file}: ${this.entry}: ` : `${this.file}: `;
    throw new ConfigError(`${prefix}${field} ${message}`);
  }
}

/** A value shown in a message: JSON (one line, quotes on strings), cut short. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "bigint" ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Refuses keys outside `known`: a typo must not be silently ignored. */
export function checkKnown(where: Where, record: Record<string, unknown>, known: readonly string[], prefix = ""): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) where.fail(`${prefix}${key}`, `is not a known field (known: ${known.join(", ")})`);
  }
}

export function int(where: Where, field: string, value: unknown, minimum: number, hint = ""): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum) {
    const bound = minimum === 1 ? "a positive integer" : minimum === 0 ? "an integer >= 0" : `an integer >= ${minimum}`;
    where.fail(field, `must be ${bound}${hint}, got ${shown(value)}`);
  }
  return value;
}

export function number(where: Where, field: string, value: unknown, minimum = -Infinity, maximum = Infinity): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < minimum || value > maximum) {
    where.fail(field, `must be ${range("a number", minimum, maximum)}, got ${shown(value)}`);
  }
  return value;
}

export function range(kind: string, minimum: number, maximum: number): string {
  if (minimum > -Infinity && maximum < Infinity) return `${kind} between ${minimum} and ${maximum}`;
  if (minimum > -Infinity) return `${kind} >= ${minimum}`;
  if (maximum < Infinity) return `${kind} <= ${maximum}`;
  return kind;
}

export function bool(where: Where, field: string, value: unknown): boolean {
  if (typeof value !== "boolean") where.fail(field, `must be true or false, got ${shown(value)}`);
  return value;
}

/** A non-empty name without whitespace (ids and aliases travel in URLs and `model` fields). */
export function name(where: Where, field: string, value: unknown): string {
  if (typeof value !== "string" || value === "" || /\s/.test(value)) {
    where.fail(field, `must be a non-empty name without whitespace, got ${shown(value)}`);
  }
  return value;
}

export function string(where: Where, field: string, value: unknown): string {
  if (typeof value !== "string" || value === "") where.fail(field, `must be a non-empty string, got ${shown(value)}`);
  return value;
}

/** on / off / auto (or a boolean) in llama.cpp's numbers: 1, 0, -1. */
export function flash(where: Where, field: string, value: unknown): number {
  if (value === true || value === "on") return 1;
  if (value === false || value === "off") return 0;
  if (value === "auto") return -1;
  return where.fail(field, `must be on, off or auto, got ${shown(value)}`);
}

/** Layers to offload: an integer, -1 or "all" for all of them. */
export function gpuLayers(where: Where, field: string, value: unknown): number {
  if (value === "all" || value === "auto") return -1;
  return int(where, field, value, -1, ' (-1 or "all" = every layer)');
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds, or a duration ("30s", "10m", "1h30m"); 0 or "never" = never unload (undefined). */
export function ttl(where: Where, field: string, value: unknown): number | undefined {
  if (value === "never" || value === 0 || value === "0") return undefined;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  if (typeof value === "string" && /^(\d+(\.\d+)?[smhd])+$/.test(value)) {
    let seconds = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
    if (seconds > 0) return seconds;
  }
  return where.fail(field, `must be seconds or a duration like "30s", "10m", "1h" (0 or "never" = never unload), got ${shown(value)}`);
}

/** `~` is the home folder; relative paths are relative to the config file's folder. */
export function expandPath(folder: string, path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return resolve(homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(folder, path);
}

/** A path to an existing file. */
export function existingFile(where: Where, field: string, value: unknown): string {
  const path = expandPath(where.folder, string(where, field, value));
  if (!existsSync(path)) where.fail(field, `file not found: ${path}`);
  if (!statSync(path).isFile()) where.fail(field, `is not a file: ${path}`);
  return path;
}

/** An http(s) URL, or a hub reference `owner/repo[:quant]` or `owner/repo/file.gguf`. */
export function source(where: Where, field: string, value: unknown): string {
  const text = string(where, field, value);
  if (/^https?:\/\//i.test(text)) {
    if (URL.canParse(text)) return text;
  } else if (/^[A-Za-z0-9][\w.-]*\/[\w.-]+(:[\w.-]+|(\/[^\s:]+)+\.gguf)?$/.test(text)) {
    return text;
  }
  return where.fail(field, `must be an http(s) URL or a hub reference like "owner/repo:Q4_K_M" or "owner/repo/file.gguf", got ${shown(value)}`);
}
