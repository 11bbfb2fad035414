// A /metrics answer read with an npm Prometheus text-format parser (parse-prometheus-text-format),
// never with regular expressions over the text.
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";

export interface HistogramSeries {
  count: number;
  sum: number;
  /** Cumulative counts by upper bound ("+Inf" included). */
  buckets: Map<string, number>;
}

type Labels = Record<string, string>;

const matches = (labels: Labels | undefined, want: Labels) => Object.entries(want).every(([k, v]) => (labels ?? {})[k] === v);

export class Scrape {
  readonly families: Map<string, ParsedFamily>;
  readonly #flat: Map<string, ParsedFamily>;

  constructor(text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    // The parser merges every labelled histogram series into one (its open issue #13): with the
    // histograms' TYPE lines left out, their _bucket, _sum and _count samples come back as plain
    // families with their labels (one run per series, as prom-client writes them), grouped here.
    const untypedHistograms = text
      .split("\n")
      .filter((line) => !/^# TYPE \S+ histogram$/.test(line))
      .join("\n");
    this.#flat = new Map();
    for (const family of parsePrometheusTextFormat(untypedHistograms)) {
      const seen = this.#flat.get(family.name);
      if (seen) seen.metrics.push(...family.metrics);
      else this.#flat.set(family.name, family);
    }
  }

  type(name: string): ParsedFamily["type"] | undefined {
    return this.families.get(name)?.type;
  }

  /** The samples of a counter or gauge whose labels include `labels`. */
  samples(name: string, labels: Labels = {}): { labels: Labels; value: number }[] {
    const family = this.families.get(name);
    if (!family) return [];
    return family.metrics.filter((m) => matches(m.labels, labels)).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));
  }

  /** The one sample with exactly these labels (0 when the series does not exist yet). */
  value(name: string, labels: Labels = {}): number {
    const found = this.samples(name, labels).filter((s) => Object.keys(s.labels).length === Object.keys(labels).length);
    if (found.length > 1) throw new Error(`${name}${JSON.stringify(labels)} names ${found.length} series`);
    return found[0]?.value ?? 0;
  }

  /** The histogram series with exactly these labels (le aside). */
  histogram(name: string, labels: Labels = {}): HistogramSeries {
    if (this.type(name) !== "HISTOGRAM") throw new Error(`${name} is not a histogram (${this.type(name)})`);
    const exact = (suffix: string) =>
      (this.#flat.get(`${name}${suffix}`)?.metrics ?? []).filter((m) => {
        const { le: _, ...rest } = m.labels ?? {};
        return matches(rest, labels) && Object.keys(rest).length === Object.keys(labels).length;
      });
    const buckets = new Map(exact("_bucket").map((m) => [m.labels!.le!, Number(m.value)]));
    return { count: Number(exact("_count")[0]?.value ?? 0), sum: Number(exact("_sum")[0]?.value ?? 0), buckets };
  }
}

/** Requests counted, /metrics itself aside (each scrape counts once it has been answered). */
export function answered(s: Scrape): number {
  return s.samples("bunllama_requests_total").reduce((n, x) => (x.labels.route === "/metrics" ? n : n + x.value), 0);
}

/**
 * Scrapes until `count` requests have been counted: Elysia runs onAfterResponse hooks once the
 * answer has gone out, so a client can read its answer a moment before it is counted.
 */
export async function scrapeAfter(fetchMetrics: () => Promise<Response>, count: number, timeoutMs = 5000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrape(fetchMetrics);
    if (answered(s) >= count || Date.now() > deadline) return s;
    await Bun.sleep(2);
  }
}

export async function scrape(fetchMetrics: () => Promise<Response>): Promise<Scrape> {
  const response = await fetchMetrics();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return new Scrape(await response.text());
}
