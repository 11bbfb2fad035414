// The GGUF header check and the progress display, on bytes and a fake clock.
import { describe, expect, test } from "bun:test";
import { describe as describeProgress, formatBytes, formatSeconds, ProgressMeter, progressBar, progressLines, type PullProgress } from "../../download/progress.ts";
import { headerProblem } from "../../download/verify.ts";

function header(version: number, tensors: bigint, kvs: bigint, firstKeyBytes = 12n): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode("GGUF"));
  const view = new DataView(bytes.buffer);
  view.setUint32(4, version, true);
  view.setBigUint64(8, tensors, true);
  view.setBigUint64(16, kvs, true);
  view.setBigUint64(24, firstKeyBytes, true);
  return bytes;
}

describe("headerProblem", () => {
  test("versions 2 and 3 with sane counts pass", () => {
    expect(headerProblem(header(3, 291n, 24n))).toBeUndefined();
    expect(headerProblem(header(2, 0n, 0n))).toBeUndefined();
  });

  test("each failed check is named", () => {
    expect(headerProblem(new TextEncoder().encode("{\"error\":1}"))).toBe("no GGUF magic (starts with 7b 22 65 72)");
    expect(headerProblem(new Uint8Array())).toBe("no GGUF magic (starts with nothing)");
    expect(headerProblem(header(3, 1n, 1n).subarray(0, 20))).toBe("header cut short");
    expect(headerProblem(header(1, 1n, 1n))).toBe("unsupported GGUF version 1");
    expect(headerProblem(header(3, 1n << 40n, 1n))).toContain("implausible tensor count");
    expect(headerProblem(header(3, 1n, 1n << 33n))).toContain("implausible metadata count");
    expect(headerProblem(header(3, 1n, 1n, 0n))).toContain("implausible first metadata key length 0");
  });
});

describe("progress", () => {
  const MiB = 1024 * 1024;

  test("one line: done, total, percent, speed, ETA", () => {
    const p = { file: "qwen.gguf", doneBytes: 120.5 * MiB, totalBytes: 500 * MiB, bytesPerSecond: 35.2 * MiB };
    expect(describeProgress(p)).toBe("120.5 MiB / 500.0 MiB (24%), 35.2 MiB/s, ETA 11 s");
    expect(describeProgress({ ...p, totalBytes: undefined })).toBe("120.5 MiB, 35.2 MiB/s");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(formatSeconds(125)).toBe("2 min 5 s");
    expect(formatSeconds(3 * 3600 + 60)).toBe("3 h 1 min");
  });

  test("plain lines every 10% or 5 s, and once at the end", () => {
    let clock = 0;
    const out: string[] = [];
    const show = progressLines({ write: (t) => out.push(t) }, () => clock);
    const at = (ms: number, done: number) => {
      clock = ms;
      show({ file: "m/x.gguf", doneBytes: done, totalBytes: 1000, bytesPerSecond: 100 });
    };
    at(0, 0); // first report: a line
    at(100, 50); // same tenth, soon: nothing
    at(200, 120); // crossed 10%: a line
    at(5300, 150); // 5 s later: a line
    at(5400, 1000); // done: a line
    at(5500, 1000); // said already
    expect(out).toEqual([
      "pull x.gguf: 0 B / 1000 B (0%), 100 B/s, ETA 10 s\n",
      "pull x.gguf: 120 B / 1000 B (12%), 100 B/s, ETA 9 s\n",
      "pull x.gguf: 150 B / 1000 B (15%), 100 B/s, ETA 9 s\n",
      "pull x.gguf: 1000 B / 1000 B (100%), 100 B/s, done\n",
    ]);
  });

  test("the bar redraws in place at most ten times a second and ends its line when done", () => {
    let clock = 0;
    let out = "";
    const bar = progressBar({ write: (t) => (out += t) }, () => clock, 10);
    const at = (ms: number, done: number) => {
      clock = ms;
      bar({ file: "x.gguf", doneBytes: done, totalBytes: 100, bytesPerSecond: 10 });
    };
    at(0, 0);
    at(50, 10); // too soon
    at(150, 50);
    at(160, 100); // done is always drawn
    expect(out.split("\r").filter(Boolean)).toEqual([
      "x.gguf [..........] 0 B / 100 B (0%), 10 B/s, ETA 10 s\x1b[K",
      "x.gguf [#####.....] 50 B / 100 B (50%), 10 B/s, ETA 5 s\x1b[K",
      "x.gguf [##########] 100 B / 100 B (100%), 10 B/s, done\x1b[K\n",
    ]);
  });

  test("the meter reports at most every interval, speed over recent bytes, and a final total", () => {
    let clock = 0;
    const seen: PullProgress[] = [];
    const meter = new ProgressMeter("x.gguf", (p) => seen.push(p), 100, () => clock);
    meter.start(1000, undefined); // resumed at 1000 bytes
    for (let i = 1; i <= 10; i++) {
      clock = i * 50;
      meter.add(500);
    }
    meter.finish();
    expect(seen.map((p) => p.doneBytes)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 6000]);
    expect(seen[3]!.bytesPerSecond).toBe(10_000); // 500 bytes every 50 ms, the resumed 1000 not counted
    expect(seen.at(-1)).toMatchObject({ doneBytes: 6000, totalBytes: 6000 });
  });
});
