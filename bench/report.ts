// The result: medians over all rounds, a table of ours, llama-server and the ratio (ours /
// llama-server) with the target, warnings, on stdout; everything again in --json.
import { writeFileSync } from "node:fs";
import { BUSY_CORES } from "./load.ts";
import type { ConversationSamples, Measurements } from "./measurements.ts";
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

interface Row {
  metric: string;
  ours?: number;
  /** "n/a": llama-server has nothing to compare (the ratio is then against `base`). */
  ref?: number | "n/a";
  ratio?: number;
  digits: number;
  target: string;
  /** Whether a ratio meets the target; none for information rows. */
  meets?: (ratio: number) => boolean;
}

const atLeast = (x: number) => (r: number) => r >= x;
const atMost = (x: number) => (r: number) => r <= x;
const has = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

/** Median of the turns after the first (those that can reuse the cache), over all conversations. */
const laterTurns = (cs: ConversationSamples[] = []) => median(cs.flatMap((c) => c.ttftMs.slice(1)));
const cachedShare = (cs: ConversationSamples[] = []) =>
  median(cs.flatMap((c) => c.cachedTokens.slice(1).flatMap((n, i) => (n === undefined ? [] : [(100 * n) / c.promptTokens[i + 1]!]))));

function rows(options: Options, ours: Measurements | undefined, ref: Measurements | undefined): Row[] {
  const out: Row[] = [];
  const pair = (metric: string, pick: (m: Measurements) => number, digits: number, target = "info", meets?: Row["meets"]) => {
    const o = ours && pick(ours);
    const r = ref && pick(ref);
    if (!has(o) && !has(r)) return;
    out.push({ metric, ours: o, ref: r, ratio: has(o) && has(r) && r !== 0 ? o / r : undefined, digits, target, meets });
  };
  for (const mode of options.modes) {
    const at = (m: Measurements) => m.modes[mode];
    pair(`1 stream, ${mode} (tok/s)`, (m) => median(at(m)?.singleTps ?? []), 2, ">= 1.00", atLeast(1));
    pair("  (server-reported decode, tok/s)", (m) => median(at(m)?.serverTps ?? []), 2);
    for (const n of new Set([options.parallel, options.manyStreams])) {
      pair(`${n} streams, ${mode} (tok/s total)`, (m) => median(at(m)?.concurrent[n]?.tps ?? []), 2, ">= 1.00", atLeast(1));
      pair(`  (all ${n} first tokens after, ms)`, (m) => median(at(m)?.concurrent[n]?.promptMs ?? []), 0);
      pair("  (server-reported decode, summed)", (m) => median(at(m)?.concurrent[n]?.serverTps ?? []), 2);
    }
  }
  pair("TTFT, short prompt (ms)", (m) => median(m.ttftMs), 0, "<= 1.05", atMost(1.05));
  pair("conversation turn 1 TTFT, whole prompt (ms)", (m) => median(m.conversations.map((c) => c.ttftMs[0]!)), 0);
  pair(`conversation turns 2-${options.convTurns} TTFT (ms)`, (m) => laterTurns(m.conversations), 0, "<= 1.00", atMost(1));
  pair(`  (prompt tokens cached, turns 2-${options.convTurns}, %)`, (m) => cachedShare(m.conversations), 1);
  if (ours && ours.restarts.length > 0) {
    const restarted = median(ours.restarts.map((r) => r.ttftMs));
    const warm = laterTurns(ours.conversations);
    out.push({
      metric: "TTFT turn 2 after restart, --cache-dir (ms)",
      ours: restarted,
      ref: "n/a",
      ratio: has(warm) ? restarted / warm : undefined,
      digits: 0,
      target: "<= 2.00 x ours warm",
      meets: atMost(2),
    });
    const cached = ours.restarts.filter((r) => r.cachedTokens !== undefined).map((r) => (100 * r.cachedTokens!) / r.promptTokens);
    out.push({ metric: "  (prompt tokens cached after restart, %)", ours: median(cached), ref: "n/a", digits: 1, target: "info" });
  }
  return out;
}

/** Per turn: median cached / prompt tokens over the conversations. */
function cachedByTurn(cs: ConversationSamples[] = []): string {
  if (cs.length === 0) return "-";
  const turns = Math.max(...cs.map((c) => c.ttftMs.length));
  return Array.from({ length: turns }, (_, t) => {
    const cached = cs.map((c) => c.cachedTokens[t]).filter((n): n is number => n !== undefined);
    return `${cached.length ? median(cached) : "?"}/${median(cs.map((c) => c.promptTokens[t]!))}`;
  }).join(", ");
}

export function report(options: Options, results: Partial<Record<ServerName, Measurements>>): void {
  const ref = results["llama-server"];
  const ours = results.ours;
  const table = rows(options, ours, ref);
  const header = ["metric", "ours", "llama-server", "ratio", "target"];
  const cells = table.map((r) => {
    const ok = r.ratio === undefined || !r.meets ? "" : r.meets(r.ratio) ? " ok" : " MISS";
    return [r.metric, fmt(r.ours, r.digits), r.ref === "n/a" ? "n/a" : fmt(r.ref, r.digits), fmt(r.ratio, 3), r.target + ok];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(" | ")} |`;
  console.log("");
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of cells) console.log(line(row));
  console.log("");
  console.log(
    `prompt tokens: long ${ours?.promptTokens || "-"} (ours) / ${ref?.promptTokens || "-"} (llama-server), ` +
      `short ${ours?.ttftPromptTokens || "-"} / ${ref?.ttftPromptTokens || "-"}; ` +
      `longest pause between chunks: ${fmt(ours?.maxGapMs, 0)} / ${fmt(ref?.maxGapMs, 0)} ms; ` +
      `other processes' load, max: ${fmt(ours && Math.max(...ours.otherLoad), 2)} / ${fmt(ref && Math.max(...ref.otherLoad), 2)} cores`,
  );
  if (ours?.conversations.length || ref?.conversations.length) {
    console.log(`conversation, cached/prompt tokens by turn (median): ours ${cachedByTurn(ours?.conversations)}; llama-server ${cachedByTurn(ref?.conversations)}`);
    const idle = (m?: Measurements) => (m?.idleCpuMs.length ? `${fmt(median(m.idleCpuMs), 0)}/${fmt(Math.max(...m.idleCpuMs), 0)}` : "-");
    console.log(`conversation, CPU a server used while the other answered a turn, median/max ms: ours ${idle(ours)}; llama-server ${idle(ref)}`);
  }
  if (ours?.restarts.length) {
    console.log(`after restart, cached/prompt tokens of turn 2: ${ours.restarts.map((r) => `${r.cachedTokens ?? "?"}/${r.promptTokens}`).join(", ")}`);
  }
  for (const mode of options.modes) {
    if (ours?.sample[mode] !== undefined || ref?.sample[mode] !== undefined) {
      console.log(`sample output (${mode}): ${JSON.stringify(ours?.sample[mode] ?? "")} / ${JSON.stringify(ref?.sample[mode] ?? "")}`);
    }
  }
  const busy = (ref?.busySamples ?? 0) + (ours?.busySamples ?? 0);
  if (busy > 0) {
    console.log(
      `WARNING: ${busy} measurement(s) ran while other processes used more than ${BUSY_CORES} cores ` +
        `(ours ${ours?.busySamples ?? 0}, llama-server ${ref?.busySamples ?? 0}): rerun on a quieter machine`,
    );
  }
  const short = (ours?.shortAnswers ?? 0) + (ref?.shortAnswers ?? 0);
  if (short > 0) console.log(`WARNING: ${short} request(s) stopped before their max_tokens: see above`);
  if (ref && ours && ref.promptTokens && ours.promptTokens && ref.promptTokens !== ours.promptTokens) {
    console.log("WARNING: the two servers tokenized the same messages to different prompt lengths (chat template differs)");
  }
  const noReuse = ours?.restarts.some((r) => !r.cachedTokens);
  if (noReuse) console.log("WARNING: ours reused no cached tokens after the restart: the --cache-dir entry was not found or not used");
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, results, rows: table }, null, 2));
}
