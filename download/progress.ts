// Download progress: a meter the transfer feeds (speed over a sliding window, at most ten
// reports a second, always one at the end), and the two ways a terminal shows it.
import { basename } from "node:path";

export interface PullProgress {
  /** Path of the file inside the repo (or the URL's file name). */
  file: string;
  doneBytes: number;
  /** Unknown until the server says; set to doneBytes on the last report. */
  totalBytes?: number;
  bytesPerSecond: number;
}

export type ProgressCallback = (p: PullProgress) => void;

const WINDOW_MS = 3000;

export class ProgressMeter {
  private done = 0;
  private total?: number;
  private samples: Array<[ms: number, bytes: number]> = [];
  private lastReport = -Infinity;

  constructor(
    private readonly file: string,
    private readonly onProgress: ProgressCallback | undefined,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A (re)start at `doneBytes` already on disk; speed counts only what comes from here on. */
  start(doneBytes: number, totalBytes: number | undefined): void {
    this.done = doneBytes;
    this.total = totalBytes;
    this.samples = [[this.now(), doneBytes]];
    this.report(true);
  }

  add(bytes: number): void {
    this.done += bytes;
    this.report(false);
  }

  finish(): void {
    this.total = this.done;
    this.report(true);
  }

  private report(force: boolean): void {
    if (!this.onProgress) return;
    const t = this.now();
    this.samples.push([t, this.done]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > WINDOW_MS) this.samples.shift();
    if (!force && t - this.lastReport < this.intervalMs) return;
    this.lastReport = t;
    const [t0, b0] = this.samples[0]!;
    const bytesPerSecond = t > t0 ? ((this.done - b0) * 1000) / (t - t0) : 0;
    this.onProgress({ file: this.file, doneBytes: this.done, totalBytes: this.total, bytesPerSecond });
  }
}

interface Output {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** A redrawn bar on a terminal, plain lines (every 5 s or 10 %) anywhere else. */
export function terminalProgress(out: Output = process.stderr, now: () => number = () => performance.now()): ProgressCallback {
  return out.isTTY ? progressBar(out, now) : progressLines(out, now);
}

export function progressBar(out: Output, now: () => number = () => performance.now(), width = 24): ProgressCallback {
  let last = -Infinity;
  let open: string | undefined; // the file whose line is drawn and not yet ended
  return (p) => {
    const complete = p.totalBytes !== undefined && p.doneBytes >= p.totalBytes;
    const t = now();
    if (!complete && open === p.file && t - last < 100) return;
    last = t;
    if (open !== undefined && open !== p.file) out.write("\n");
    const fraction = p.totalBytes ? Math.min(1, p.doneBytes / p.totalBytes) : 0;
    const filled = Math.round(fraction * width);
    const bar = p.totalBytes ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ` : "";
    out.write(`\r${basename(p.file)} ${bar}${describe(p)}\x1b[K${complete ? "\n" : ""}`);
    open = complete ? undefined : p.file;
  };
}

export function progressLines(out: Output, now: () => number = () => performance.now(), everyMs = 5000): ProgressCallback {
  const state = new Map<string, { ms: number; tenth: number }>();
  return (p) => {
    const t = now();
    const tenth = p.totalBytes ? Math.floor((10 * p.doneBytes) / p.totalBytes) : -1;
    const complete = p.totalBytes !== undefined && p.doneBytes >= p.totalBytes;
    const seen = state.get(p.file);
    if (seen && !complete && t - seen.ms < everyMs && tenth <= seen.tenth) return;
    if (seen && complete && seen.tenth === 10) return; // already said
    state.set(p.file, { ms: t, tenth: complete ? 10 : tenth });
    out.write(`pull ${basename(p.file)}: ${describe(p)}\n`);
  };
}

/** "120.5 MiB / 500.0 MiB (24%), 35.2 MiB/s, ETA 11 s" */
export function describe(p: PullProgress): string {
  const speed = `${formatBytes(p.bytesPerSecond)}/s`;
  if (p.totalBytes === undefined) return `${formatBytes(p.doneBytes)}, ${speed}`;
  const percent = p.totalBytes > 0 ? Math.floor((100 * p.doneBytes) / p.totalBytes) : 100;
  const left = p.totalBytes - p.doneBytes;
  const eta = left <= 0 ? "done" : p.bytesPerSecond > 0 ? `ETA ${formatSeconds(left / p.bytesPerSecond)}` : "ETA ?";
  return `${formatBytes(p.doneBytes)} / ${formatBytes(p.totalBytes)} (${percent}%), ${speed}, ${eta}`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
