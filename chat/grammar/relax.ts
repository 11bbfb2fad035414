// Tool schemas the grammar cannot enforce exactly (an allOf of patterns, format "uri") must not
// fail a request whose tools allow it (ToolDefinition.relaxSchema, Anthropic's non-strict
// tools): the sub-schema at fault becomes its plain type and the grammar is built again. The
// grammar is then wider than the schema there, and the client validates the arguments.
// Structured output never comes here: there the client asked for a guarantee.
import { UnsupportedSchemaError } from "./errors.ts";
import { impliedTypes, isPlainObject } from "./keywords.ts";
import { deepEqual } from "./merge.ts";

/** Each relaxation shrinks the schema; this only bounds pathological input. */
const MAX_RELAXATIONS = 256;

const TYPES = new Set(["null", "boolean", "object", "array", "number", "integer", "string"]);

/**
 * Runs `build` until it no longer throws UnsupportedSchemaError, relaxing `root` (mutated: pass
 * a copy) where the error points. `floorOf` gives, for a pointer, the top of the relaxable
 * subtree it lies in (a tool's arguments schema), or undefined where nothing may be relaxed.
 */
export function buildRelaxing(root: unknown, floorOf: (pointer: string) => string | undefined, build: () => string): string {
  for (let relaxations = 0; ; relaxations++) {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof UnsupportedSchemaError) || relaxations >= MAX_RELAXATIONS) throw error;
      const floor = floorOf(error.path);
      if (floor === undefined || !relaxAt(root, error.path, floor)) throw error;
    }
  }
}

/** Relaxes the deepest schema at or above `pointer` (up to `floor`) that relaxing changes:
 *  an error in a schema the walker made up (an allOf merge) climbs to one the client wrote. */
function relaxAt(root: unknown, pointer: string, floor: string): boolean {
  for (let at = pointer; at === floor || at.startsWith(`${floor}/`); at = at.slice(0, at.lastIndexOf("/"))) {
    const slot = locate(root, at);
    if (!slot) continue;
    const relaxed = plainType(slot.get());
    if (deepEqual(relaxed, slot.get())) {
      if (at === floor) return false;
      continue;
    }
    slot.set(relaxed);
    return true;
  }
  return false;
}

/** The schema's types and nothing else; no type at all = any value. */
export function plainType(schema: unknown): unknown {
  if (!isPlainObject(schema)) return true;
  const types = typesOf(schema);
  if (types.length === 0) return true;
  const relaxed: Record<string, unknown> = { type: types.length === 1 ? types[0] : types };
  // Explicit: strict mode reads an absent additionalProperties as false.
  if (types.includes("object")) relaxed.additionalProperties = true;
  return relaxed;
}

function typesOf(schema: Record<string, unknown>): string[] {
  const declared = typeof schema.type === "string" ? [schema.type] : Array.isArray(schema.type) ? schema.type : undefined;
  if (declared) return declared.filter((t): t is string => typeof t === "string" && TYPES.has(t));
  // allOf parts narrow, anyOf/oneOf branches widen: either way their types are the candidates.
  const parts = ["allOf", "anyOf", "oneOf"].flatMap((k) => (Array.isArray(schema[k]) ? (schema[k] as unknown[]) : []));
  const fromParts = parts.flatMap((part) => (isPlainObject(part) ? typesOf(part) : []));
  return [...new Set(fromParts.length > 0 ? fromParts : impliedTypes(schema))];
}

/** The pointer of each schema object in `root`, by identity (undefined for one made elsewhere). */
export function pointerIndex(root: unknown): (schema: unknown) => string | undefined {
  const index = new WeakMap<object, string>();
  const walk = (node: unknown, pointer: string) => {
    if (typeof node !== "object" || node === null || index.has(node)) return;
    index.set(node, pointer);
    for (const [key, value] of Object.entries(node)) walk(value, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`);
  };
  walk(root, "#");
  return (schema) => (typeof schema === "object" && schema !== null ? index.get(schema) : undefined);
}

interface Slot {
  get(): unknown;
  set(value: unknown): void;
}

/** The place a "#/a/b" pointer (the walker's paths: ~0 and ~1 escapes) names in `root`. */
function locate(root: unknown, pointer: string): Slot | undefined {
  if (!pointer.startsWith("#/")) return undefined;
  const keys = pointer.slice(2).split("/").map((k) => k.replaceAll("~1", "/").replaceAll("~0", "~"));
  let parent: unknown = undefined;
  let node = root;
  for (const key of keys) {
    parent = node;
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else if (isPlainObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  const last = keys.at(-1)!;
  const container = parent as Record<string, unknown> | unknown[];
  return {
    get: () => (Array.isArray(container) ? container[Number(last)] : container[last]),
    set: (value) => {
      if (Array.isArray(container)) container[Number(last)] = value;
      else container[last] = value;
    },
  };
}
