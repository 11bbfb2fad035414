// A model's `sampling:` defaults, written with the request fields' wire names and held to the
// same bounds as a request (schemas/sampling.ts), so a config can't set what a request couldn't.
import type { TSchema } from "@sinclair/typebox";
import type { SamplingParams } from "../core/index.ts";
import { LlamaSamplingFields, toSampling, type SamplingFieldValues } from "../schemas/sampling.ts";
import { checkKnown, isRecord, number, range, shown, type Where } from "./configFields.ts";

interface Bounds {
  kind: "number" | "integer" | "boolean" | "strings";
  minimum?: number;
  maximum?: number;
}

/** The protocols' own fields (temperature, top_p, seed) are not in LlamaSamplingFields. */
const PROTOCOL_FIELDS: Record<string, Bounds> = {
  temperature: { kind: "number", minimum: 0 },
  top_p: { kind: "number", minimum: 0, maximum: 1 },
  seed: { kind: "integer" },
};

/** Each request field's inner schema (opt() wraps it in a union with null). */
function boundsOf(schema: TSchema): Bounds {
  const inner = (schema.anyOf?.[0] ?? schema) as TSchema;
  const kind = inner.type === "array" ? "strings" : (inner.type as Bounds["kind"]);
  return { kind, minimum: inner.minimum, maximum: inner.maximum };
}

export const SAMPLING_FIELDS: Record<string, Bounds> = {
  ...PROTOCOL_FIELDS,
  ...Object.fromEntries(Object.entries(LlamaSamplingFields).map(([key, schema]) => [key, boundsOf(schema)])),
};

/** Each field checked as a request's would be; then mapped the way a request's are (toSampling). */
export function parseSampling(where: Where, value: unknown): Partial<SamplingParams> {
  if (!isRecord(value)) where.fail("sampling", `must be a mapping of sampling fields, got ${shown(value)}`);
  checkKnown(where, value, Object.keys(SAMPLING_FIELDS), "sampling.");
  for (const [wire, raw] of Object.entries(value)) {
    if (raw === null || raw === undefined) continue;
    const field = `sampling.${wire}`;
    const bounds = SAMPLING_FIELDS[wire]!;
    const min = bounds.minimum ?? -Infinity;
    const max = bounds.maximum ?? Infinity;
    if (bounds.kind === "boolean") {
      if (typeof raw !== "boolean") where.fail(field, `must be true or false, got ${shown(raw)}`);
    } else if (bounds.kind === "strings") {
      if (!Array.isArray(raw) || raw.some((item) => typeof item !== "string")) where.fail(field, `must be a list of strings, got ${shown(raw)}`);
    } else if (bounds.kind === "integer") {
      if (typeof raw !== "number" || !Number.isInteger(raw) || raw < min || raw > max) {
        where.fail(field, `must be ${range("an integer", min, max)}, got ${shown(raw)}`);
      }
    } else {
      number(where, field, raw, min, max);
    }
  }
  return toSampling(value as SamplingFieldValues);
}
