// Gathers every tool's argument schema under one root so that `$ref`s resolve: each tool's
// own `#/$defs/X` (and `#` itself) is moved under a prefix of its own.

import type { ToolDefinition } from "../../core/index.ts";

const EMPTY_OBJECT = { type: "object", properties: {} };

export interface ToolSchemaRoot {
  root: Record<string, unknown>;
  /** Pointer to a tool's argument schema under the root. */
  paramsRef: (name: string) => string;
  /** A tool's argument schema with its references rewritten for the root. */
  params: (name: string) => Record<string, unknown>;
  /** For a pointer into the root: the index of the tool whose schema it lies in, and that
   *  schema's own pointer (its params, or one of its $defs). */
  ownerOf: (pointer: string) => { tool: number; base: string } | undefined;
}

export function toolSchemaRoot(tools: ToolDefinition[]): ToolSchemaRoot {
  const defs: Record<string, unknown> = {};
  tools.forEach((tool, index) => {
    const prefix = `tool${index}`;
    const params = (tool.parameters ?? EMPTY_OBJECT) as Record<string, unknown>;
    const own = { ...(params.$defs as Record<string, unknown>), ...(params.definitions as Record<string, unknown>) };
    for (const [name, schema] of Object.entries(own)) defs[`${prefix}.${name}`] = rewriteRefs(schema, prefix);
    const { $defs: _defs, definitions: _definitions, ...body } = params;
    defs[`${prefix}.params`] = rewriteRefs(body, prefix);
  });
  const indexOf = new Map(tools.map((tool, index) => [tool.name, index]));
  return {
    root: { $defs: defs },
    paramsRef: (name) => `#/$defs/tool${indexOf.get(name)}.params`,
    params: (name) => defs[`tool${indexOf.get(name)}.params`] as Record<string, unknown>,
    ownerOf: (pointer) => {
      const match = /^#\/\$defs\/tool(\d+)\.[^/]*/.exec(pointer);
      return match ? { tool: Number(match[1]), base: match[0] } : undefined;
    },
  };
}

function rewriteRefs(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, prefix));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "$ref" && typeof item === "string") out[key] = rewriteRef(item, prefix);
    else out[key] = rewriteRefs(item, prefix);
  }
  return out;
}

function rewriteRef(ref: string, prefix: string): string {
  if (ref === "#") return `#/$defs/${prefix}.params`;
  const match = /^#\/(\$defs|definitions)\/([^/]+)(.*)$/.exec(ref);
  if (match) return `#/$defs/${prefix}.${match[2]}${match[3]}`;
  // Other local pointers address the params object itself.
  if (ref.startsWith("#/")) return `#/$defs/${prefix}.params${ref.slice(1)}`;
  return ref;
}
