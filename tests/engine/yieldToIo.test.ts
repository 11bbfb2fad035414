// A message that reaches a socket while the thread is busy (a decode step) is read by the very
// next yield, not one step later.
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { yieldToIo } from "../../engine/yieldToIo.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// Writes message i once the file go-i exists, then creates written-i.
const WRITER = `
const [socketPath, dir] = process.argv.slice(1);
const socket = await Bun.connect({ unix: socketPath, socket: { data() {} } });
for (let i = 0; ; i++) {
  while (!(await Bun.file(dir + "/go-" + i).exists())) await Bun.sleep(1);
  socket.write("job " + i);
  socket.flush();
  await Bun.write(dir + "/written-" + i, "");
}`;

test("data written during a synchronous stretch is delivered by one yield", async () => {
  const dir = mkdtempSync(join(tmpdir(), "yield-"));
  dirs.push(dir);
  const socketPath = join(dir, "sock");
  let received = "";
  const { promise: connected, resolve: onOpen } = Promise.withResolvers<void>();
  const server = Bun.listen({ unix: socketPath, socket: { open: () => onOpen(), data: (_socket, data) => void (received += data.toString()) } });
  const writer = Bun.spawn([process.execPath, "-e", WRITER, socketPath, dir], { stdout: "ignore", stderr: "inherit" });
  try {
    await connected;
    for (let i = 0; i < 5; i++) {
      received = "";
      writeFileSync(join(dir, `go-${i}`), "");
      // The busy stretch (a decode step): it ends only once the message is in the socket.
      while (!existsSync(join(dir, `written-${i}`))) {}
      expect(received).toBe("");
      await yieldToIo();
      expect(received).toBe(`job ${i}`);
    }
  } finally {
    writer.kill();
    server.stop(true);
  }
});
