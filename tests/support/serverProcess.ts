// A real server process (server.ts) on a random port, returned once /health answers: for tests
// of what only a whole process shows (signals, kill -9, restarts).
import { resolve } from "node:path";

const SERVER = resolve(import.meta.dir, "../../server.ts");

export async function spawnServer(args: string[], stderr: "pipe" | "ignore" = "ignore") {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = Bun.spawn([process.execPath, SERVER, "--port", String(port), ...args], { stdout: "ignore", stderr });
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  while (!(await fetch(`${url}/health`).then((r) => r.ok, () => false))) {
    if (Date.now() > end) throw new Error("server did not start");
    await Bun.sleep(50);
  }
  return { child, url };
}
