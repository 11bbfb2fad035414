// Tool definitions: lookup by name, and typing of raw parameter text by the JSON schema.
import type { FunctionDef, ToolDef } from "./types.ts";

export function toolMap(tools: ToolDef[] | undefined): Map<string, FunctionDef> {
  const map = new Map<string, FunctionDef>();
  for (const t of tools ?? []) {
    const fn = "function" in t && typeof t.function === "object" ? t.function : (t as FunctionDef);
    if (fn?.name) map.set(fn.name, fn);
  }
  return map;
}

type Schema = Record<string, unknown>;

function collect(schema: unknown, out: Set<string>): void {
  if (!schema || typeof schema !== "object") return;
  const s = schema as Schema;
  if (typeof s.type === "string") out.add(s.type);
  if (Array.isArray(s.type)) for (const t of s.type) if (typeof t === "string") out.add(t);
  const values = Array.isArray(s.enum) ? s.enum : "const" in s ? [s.const] : [];
  for (const v of values) out.add(v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  for (const key of ["anyOf", "oneOf"]) {
    if (Array.isArray(s[key])) for (const sub of s[key] as unknown[]) collect(sub, out);
  }
}

/** JSON types a parameter may take; undefined when the schema does not say. */
export function paramTypes(fn: FunctionDef | undefined, key: string): Set<string> | undefined {
  const props = (fn?.parameters as Schema | undefined)?.properties as Schema | undefined;
  const types = new Set<string>();
  collect(props?.[key], types);
  return types.size ? types : undefined;
}

export function onlyString(types: Set<string> | undefined): boolean {
  return !!types && types.size === 1 && types.has("string");
}

function fits(v: unknown, types: Set<string>): boolean {
  if (v === null) return types.has("null");
  if (Array.isArray(v)) return types.has("array");
  if (typeof v === "number") return types.has("number") || (types.has("integer") && Number.isInteger(v));
  return types.has(typeof v);
}

/**
 * Raw parameter text (XML-style formats) to a JSON value: parsed when the schema allows a
 * non-string type and the text is that type, else kept as the string. Without a schema, text
 * that parses as JSON is taken as JSON.
 */
export function convertValue(raw: string, types: Set<string> | undefined): unknown {
  if (onlyString(types)) return raw;
  const t = raw.trim();
  try {
    const v: unknown = JSON.parse(t);
    if (!types || fits(v, types)) return v;
  } catch {
    // not JSON: Python-style literals below, else the text itself
  }
  if (types) {
    if (types.has("boolean") && /^(true|false)$/i.test(t)) return t.toLowerCase() === "true";
    if (types.has("null") && /^(none|null)$/i.test(t)) return null;
  }
  return raw;
}
