// kill -9 of the server under load loses nothing it acknowledged: every answer a client received
// has its finished usage row, every stored response it was told about can be read back, and an
// API token created through the admin route (answered 201) still authenticates after a restart.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { STORIES_260K } from "../support/models.ts";
import { spawnServer } from "../support/serverProcess.ts";

async function start(dataDir: string) {
  const { child, url } = await spawnServer(["-m", STORIES_260K, "-np", "4", "--data-dir", dataDir, "--auth"]);
  const admin = (await Bun.file(join(dataDir, "admin-token")).text()).trim();
  return { child, url, admin };
}

test("kill -9 under load: every acknowledged request, response and token survives", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "bunllama-kill9-"));
  try {
    const { child, url, admin } = await start(dataDir);
    const auth = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
    const acknowledged = { requestIds: [] as string[], responseIds: [] as string[], tokens: [] as string[] };
    let killed = false;
    const worker = async (n: number) => {
      for (let i = 0; !killed; i++) {
        try {
          if (i % 5 === 4) {
            const res = await fetch(`${url}/v1/admin/tokens`, { method: "POST", headers: auth, body: JSON.stringify({ name: `t-${n}-${i}`, scopes: ["models"] }) });
            if (res.status === 201) acknowledged.tokens.push(((await res.json()) as { secret: string }).secret);
          } else if (i % 3 === 2) {
            const res = await fetch(`${url}/v1/responses`, { method: "POST", headers: auth, body: JSON.stringify({ model: "stories260K", input: "Once", max_output_tokens: 4 }) });
            if (res.status === 200) acknowledged.responseIds.push(((await res.json()) as { id: string }).id);
          } else {
            const requestId = `kill9-${n}-${i}`;
            const res = await fetch(`${url}/v1/chat/completions`, {
              method: "POST",
              headers: auth,
              body: JSON.stringify({ model: "stories260K", messages: [{ role: "user", content: "Once" }], max_tokens: 4, metadata: { request_id: requestId } }),
            });
            if (res.status === 200) {
              await res.json();
              acknowledged.requestIds.push(requestId);
            }
          }
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = [1, 2, 3, 4].map(worker);
    // Kill once real work has been acknowledged on every kind of write.
    const end = Date.now() + 30_000;
    while ((acknowledged.requestIds.length < 10 || acknowledged.responseIds.length < 3 || acknowledged.tokens.length < 2) && Date.now() < end) await Bun.sleep(10);
    child.kill("SIGKILL");
    killed = true;
    await child.exited;
    await Promise.all(workers);
    expect(acknowledged.requestIds.length).toBeGreaterThanOrEqual(10);

    const db = new Database(join(dataDir, "accounts.sqlite"), { readonly: true });
    const finished = new Set(
      db.query<{ request_id: string }, []>("SELECT request_id FROM usage WHERE status = 200 AND completion_tokens > 0").all().map((r) => r.request_id),
    );
    db.close();
    expect(acknowledged.requestIds.filter((id) => !finished.has(id))).toEqual([]);

    const again = await start(dataDir);
    try {
      for (const id of acknowledged.responseIds) {
        const res = await fetch(`${again.url}/v1/responses/${id}`, { headers: { authorization: `Bearer ${again.admin}` } });
        expect({ id, status: res.status }).toEqual({ id, status: 200 });
      }
      for (const token of acknowledged.tokens) {
        const res = await fetch(`${again.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
      }
    } finally {
      again.child.kill("SIGKILL");
      await again.child.exited;
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
