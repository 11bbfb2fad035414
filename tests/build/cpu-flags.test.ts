// llama.cpp/cpu-flags.sh: the ggml CMake flags chosen from a CPU's /proc/cpuinfo.
// The samples under cpuinfo/ are real flag lists of the CPUs they are named after.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const script = join(import.meta.dir, "../../llama.cpp/cpu-flags.sh");
const sample = (name: string) => join(import.meta.dir, "cpuinfo", `${name}.txt`);
const AVX2_SET =
  "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON";
const AVX512_SET = "-DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON";

function flags(env: Record<string, string>): { out: string; err: string } {
  const r = Bun.spawnSync(["bash", script], { env: { ...process.env, ...env } });
  expect(r.exitCode).toBe(0);
  return { out: r.stdout.toString().trim(), err: r.stderr.toString() };
}
const x86 = (cpuinfo: string) => flags({ CPUINFO: cpuinfo, CPU_ARCH: "x86_64" }).out;

describe("cpu-flags.sh", () => {
  test("an AVX2-only CPU (AMD EPYC Zen 3) gets exactly the AVX2 set", () => {
    expect(x86(sample("amd-epyc-zen3"))).toBe(AVX2_SET);
  });

  test("Sapphire Rapids gets AVX-512, VNNI and BF16 but never AMX, which it advertises", () => {
    expect(readFileSync(sample("intel-sapphire-rapids"), "utf8")).toContain("amx_tile");
    const out = x86(sample("intel-sapphire-rapids"));
    expect(out).toBe(`${AVX2_SET} -DGGML_AVX_VNNI=ON ${AVX512_SET}`);
    expect(out).not.toContain("AMX");
  });

  test("Zen 4 gets AVX-512 but not AVX-VNNI, which it lacks", () => {
    expect(x86(sample("amd-epyc-zen4"))).toBe(`${AVX2_SET} ${AVX512_SET}`);
  });

  test("AVX-512 needs all of F, CD, VL, DQ and BW (Knights Landing has only F and CD)", () => {
    expect(x86(sample("intel-knights-landing"))).toBe(AVX2_SET);
  });

  test("a CPU without AVX2 turns off what ggml would otherwise enable by default", () => {
    expect(x86(sample("intel-ivy-bridge"))).toBe(
      "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=ON -DGGML_BMI2=OFF",
    );
  });

  test("only flags every processor reports count", () => {
    const dir = mkdtempSync(join(tmpdir(), "cpuinfo-"));
    const mixed = join(dir, "mixed.txt");
    writeFileSync(
      mixed,
      readFileSync(sample("intel-sapphire-rapids"), "utf8") + readFileSync(sample("amd-epyc-zen3"), "utf8"),
    );
    expect(x86(mixed)).toBe(AVX2_SET);
  });

  test("unreadable or flagless cpuinfo on x86_64 falls back to the AVX2 set, saying so", () => {
    const missing = flags({ CPUINFO: "/nonexistent/cpuinfo", CPU_ARCH: "x86_64" });
    expect(missing.out).toBe(AVX2_SET);
    expect(missing.err).toContain("using the AVX2 set");
    expect(x86(sample("arm-neoverse-v1"))).toBe(AVX2_SET);
  });

  test("aarch64 keeps ggml's defaults with GGML_NATIVE=OFF", () => {
    expect(flags({ CPUINFO: sample("arm-neoverse-v1"), CPU_ARCH: "aarch64" }).out).toBe("-DGGML_NATIVE=OFF");
  });

  test("this machine: never native, never AMX, AVX-512 only when /proc/cpuinfo has it", () => {
    const out = flags({}).out;
    expect(out.startsWith("-DGGML_NATIVE=OFF")).toBe(true);
    expect(out).not.toContain("AMX");
    const cpu = readFileSync("/proc/cpuinfo", "utf8");
    const avx512 = ["avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"].every((f) =>
      new RegExp(`\\b${f}\\b`).test(cpu),
    );
    expect(out.includes("-DGGML_AVX512=ON")).toBe(avx512);
  });
});
