// "$ref" resolution inside the one schema document: "#", "#/$defs/...", "#/definitions/..."
// or any other JSON Pointer into it. External documents and "$anchor" names are refused.
import { UnsupportedSchemaError } from "./errors.ts";
import { isPlainObject } from "./keywords.ts";

/** The pointer part ("#/...") of `ref`, relative to the root document. */
export function localPointer(ref: string, root: unknown, path: string): string {
  let pointer = ref;
  const id = isPlainObject(root) && typeof root.$id === "string" ? root.$id.replace(/#$/, "") : undefined;
  if (id && pointer.startsWith(`${id}#`)) pointer = pointer.slice(id.length);
  if (pointer === "#" || pointer === "") return "#";
  if (!pointer.startsWith("#/")) {
    throw new UnsupportedSchemaError("$ref", path, `only references inside the schema ("#/...") are supported, got "${ref}"`);
  }
  return pointer;
}

export function resolvePointer(root: unknown, pointer: string, path: string): unknown {
  let node = root;
  if (pointer === "#") return node;
  for (const raw of pointer.slice(2).split("/")) {
    let key: string;
    try {
      key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    } catch {
      throw new UnsupportedSchemaError("$ref", path, `"${pointer}" is not a valid JSON Pointer`);
    }
    const next = Array.isArray(node) ? node[Number(key)] : isPlainObject(node) ? node[key] : undefined;
    if (next === undefined) throw new UnsupportedSchemaError("$ref", path, `"${pointer}" does not resolve`);
    node = next;
  }
  return node;
}

/** A short rule-name hint for a pointer: its last segment. */
export function refHint(pointer: string): string {
  return pointer === "#" ? "root-ref" : (pointer.split("/").at(-1) ?? "ref");
}
