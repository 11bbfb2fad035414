// /v1/usage's `from` and `to`: Unix seconds, an ISO date or an ISO date-time. A date alone as
// `to` includes that whole day: "to=2026-12-01" reads as "up to the end of December 1st".
import { badRequest } from "../http/errors.ts";

const DAY_MS = 86_400_000;

/** Unix ms; undefined when not given. `end`: the exclusive end of a range. */
export function parseTime(value: string | undefined, param: string, end: boolean): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  let ms = Number.NaN;
  if (/^\d{1,12}$/.test(v)) ms = Number(v) * 1000;
  else if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    ms = Date.parse(`${v}T00:00:00Z`);
    // Date.parse rolls 2026-02-31 over to March: only a real day is accepted.
    if (Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) !== v) ms = Number.NaN;
    else if (end) ms += DAY_MS;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) ms = Date.parse(v);
  if (!Number.isFinite(ms))
    throw badRequest(
      `${param} must be Unix seconds, an ISO date (2026-12-01) or an ISO date-time with a zone (2026-12-01T09:30:00Z); got '${v.slice(0, 64)}'.`,
      param,
      "invalid_value",
    );
  return ms;
}
