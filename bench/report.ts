// The result: medians over all rounds, the ratio table and warnings on stdout, and --json.
import { writeFileSync } from "node:fs";
import { BUSY_CORES } from "./load.ts";
import type { Measurements } from "./measure.ts";
import type { Options } from "./options.ts";
import type { ServerName } from "./servers.ts";

export const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

export function report(options: Options, results: Partial<Record<ServerName, Measurements>>): void {
  const ref = results["llama-server"];
  const ours = results.ours;
  const rows: { metric: string; ref?: number; ours?: number; digits: number; target: string; lowerIsBetter?: boolean }[] = [
    { metric: "single-stream decode (tok/s, median)", ref: median(ref?.singleTps ?? []), ours: median(ours?.singleTps ?? []), digits: 2, target: ">= 0.95" },
    { metric: "  (server-reported decode, tok/s, median)", ref: median(ref?.serverTps ?? []), ours: median(ours?.serverTps ?? []), digits: 2, target: "info" },
    { metric: `${options.parallel} concurrent streams, total (tok/s, median)`, ref: median(ref?.concurrentTps ?? []), ours: median(ours?.concurrentTps ?? []), digits: 2, target: ">= 0.95" },
    { metric: `  (all ${options.parallel} first tokens after, ms, median)`, ref: median(ref?.concurrentPromptMs ?? []), ours: median(ours?.concurrentPromptMs ?? []), digits: 0, target: "info" },
    { metric: "  (server-reported decode, summed, median)", ref: median(ref?.concurrentServerTps ?? []), ours: median(ours?.concurrentServerTps ?? []), digits: 2, target: "info" },
    { metric: "TTFT, short prompt (ms, median)", ref: median(ref?.ttftMs ?? []), ours: median(ours?.ttftMs ?? []), digits: 0, target: "<= 1.05", lowerIsBetter: true },
  ];
  const header = ["metric", "llama-server", "ours", "ratio", "target"];
  const table = rows.map((r) => {
    const ratio = r.ref && r.ours ? r.ours / r.ref : undefined;
    const ok = ratio === undefined || r.target === "info" ? "" : (r.lowerIsBetter ? ratio <= 1.05 : ratio >= 0.95) ? " ok" : " MISS";
    return [r.metric, fmt(r.ref, r.digits), fmt(r.ours, r.digits), fmt(ratio, 3), r.target + ok];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log("");
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of table) console.log(line(row));
  console.log("");
  console.log(
    `prompt tokens: long ${ref?.promptTokens ?? "-"} (llama-server) / ${ours?.promptTokens ?? "-"} (ours), ` +
      `short ${ref?.ttftPromptTokens ?? "-"} / ${ours?.ttftPromptTokens ?? "-"}; ` +
      `longest pause between chunks: ${fmt(ref?.maxGapMs, 0)} / ${fmt(ours?.maxGapMs, 0)} ms; ` +
      `other processes' load, max: ${fmt(ref && Math.max(...ref.otherLoad), 2)} / ${fmt(ours && Math.max(...ours.otherLoad), 2)} cores`,
  );
  console.log(`sample output: ${JSON.stringify(ref?.sample ?? "")} / ${JSON.stringify(ours?.sample ?? "")}`);
  const unfair = [ref, ours].some((m) => m?.completionTokens.some((n) => n !== options.maxTokens));
  const busy = (ref?.busySamples ?? 0) + (ours?.busySamples ?? 0);
  if (busy > 0) {
    console.log(
      `WARNING: ${busy} measurement(s) ran while other processes used more than ${BUSY_CORES} cores ` +
        `(llama-server ${ref?.busySamples ?? 0}, ours ${ours?.busySamples ?? 0}): rerun on a quieter machine`,
    );
  }
  if (unfair) console.log(`WARNING: some requests stopped before max_tokens (${options.maxTokens}): see above`);
  if (ref && ours && ref.promptTokens !== ours.promptTokens) {
    console.log("WARNING: the two servers tokenized the same messages to different prompt lengths (chat template differs)");
  }
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, results, rows }, null, 2));
}
