// The machine is shared: to tell a slow server from a busy machine, each measurement reports
// the CPU (in cores) that processes other than the server's tree and this script used, and is
// taken again when that load was high.
import { readdirSync, readFileSync } from "node:fs";
import { BenchError } from "./errors.ts";
import type { Measurements } from "./measurements.ts";

const TICKS_PER_SECOND = 100;

/** Other processes' load above which a measurement is thrown away and taken again. */
export const BUSY_CORES = 0.25;
const RETRIES = 2;

/** Extra time the whole run may spend waiting for a quiet machine and retrying; afterwards
 *  measurements are kept as they come (and flagged), so the run stays a few minutes long. */
let patienceMs = 90_000;

/** --patience: 0 keeps every measurement as it comes, without waiting. */
export function setPatience(ms: number): void {
  patienceMs = ms;
}

function machineBusyTicks(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  return f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
}

function treeTicks(roots: number[]): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(entry), Number(f[1]));
      // utime + stime, plus cutime + cstime: the time of children already reaped (a server
      // stopped inside the window, its runner), which would otherwise count as other load.
      ticks.set(Number(entry), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // gone
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parent.get(p), hops++) if (roots.includes(p)) return true;
    return false;
  };
  let sum = 0;
  for (const [pid, t] of ticks) if (inTree(pid)) sum += t;
  return sum;
}

/** CPU time a server's processes have used so far, in ms (clock ticks of 10 ms). */
export function serverCpuMs(pid: number): number {
  return (treeTicks([pid]) * 1000) / TICKS_PER_SECOND;
}

/** Starts a CPU window; the returned function gives other processes' load, in cores. */
function cpuWindow(serverPids: number[]): () => number {
  const roots = [...serverPids, process.pid];
  const m0 = machineBusyTicks();
  const t0 = treeTicks(roots);
  const start = performance.now();
  return () => {
    const seconds = (performance.now() - start) / 1000;
    const other = machineBusyTicks() - m0 - (treeTicks(roots) - t0);
    return Math.max(0, other / TICKS_PER_SECOND / seconds);
  };
}

/** Waits (up to 15 s, within the patience left) for a second in which other processes use less
 *  than a sixth of a core. */
async function waitForQuiet(pids: number[]): Promise<void> {
  const maxMs = Math.min(15_000, patienceMs);
  const started = performance.now();
  let load = 0;
  while (performance.now() - started < maxMs) {
    const window = cpuWindow(pids);
    // Not a whole second every time: this VM's memory monitor (kdamond) runs every 500 ms for
    // 5-20 ms on one core, and a fixed cadence lined measurements up with it.
    await Bun.sleep(1000 + Math.random() * 500);
    load = window();
    if (load < 0.15) break;
  }
  const waited = performance.now() - started;
  patienceMs = Math.max(0, patienceMs - Math.max(0, waited - 1500));
  if (waited > 2000) console.error(`  (waited ${(waited / 1000).toFixed(0)} s for a quiet machine; other load now ${load.toFixed(2)} cores)`);
}

/** Runs one measurement; takes it again (at most RETRIES times) when the machine was busy.
 *  `pid`: the server (or servers) measured, whose own CPU is not other load; `m` gets the load.
 *  `prepare` runs before every attempt, outside the measured window (set-up that a retry must
 *  redo, such as filling a cache and restarting a server). */
export async function sample<T>(
  pid: number | number[],
  m: Measurements | Measurements[] | undefined,
  run: () => Promise<T>,
  report: (value: T, load: string) => void,
  prepare?: () => Promise<void>,
): Promise<T> {
  const pids = Array.isArray(pid) ? pid : [pid];
  const ms = m === undefined ? [] : Array.isArray(m) ? m : [m];
  for (let attempt = 0; ; attempt++) {
    const started = performance.now();
    await prepare?.();
    await waitForQuiet(pids);
    const window = cpuWindow(pids);
    let value: T;
    try {
      value = await run();
    } catch (error) {
      if ((error as Error)?.name !== "TimeoutError") throw error;
      const load = window();
      const message = `a request ran past its time limit (other processes used ${load.toFixed(2)} cores meanwhile)`;
      if (attempt < RETRIES && patienceMs > 0 && load > BUSY_CORES) {
        patienceMs = Math.max(0, patienceMs - (performance.now() - started));
        console.error(`  (discarded: ${message}; again)`);
        continue;
      }
      throw new BenchError(`${message}: ${load > BUSY_CORES ? "the machine is too busy to measure" : "the server seems stuck"}`);
    }
    const load = window();
    const busy = load > BUSY_CORES;
    if (busy && attempt < RETRIES && patienceMs > 0) {
      patienceMs = Math.max(0, patienceMs - (performance.now() - started));
      console.error(`  (discarded: other processes used ${load.toFixed(2)} cores meanwhile; again)`);
      continue;
    }
    for (const each of ms) {
      each.otherLoad.push(load);
      if (busy) each.busySamples++;
    }
    report(value, `other load ${load.toFixed(2)} cores${busy ? " (busy machine: kept after retries)" : ""}`);
    return value;
  }
}
