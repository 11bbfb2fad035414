// https with the connection pinned to the checked address: the request goes to the IP, the
// certificate is still verified against the URL's name (TLS server name), and a name the
// certificate does not cover fails even on an address that served a good one just before.
// The fixture certificates are self-signed for DNS:media.test and DNS:default.test (100 years), made with
// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
//  -subj /CN=media.test -addext subjectAltName=DNS:media.test`.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { FetchFailed } from "../../net/errors.ts";
import { safeFetch } from "../../net/safeFetch.ts";
import { png } from "./mediaBytes.ts";
import { type MediaServer, mediaServer } from "./servers.ts";

const fixtures = join(import.meta.dir, "fixtures");
let cert: string;
let server: MediaServer;

beforeAll(async () => {
  cert = await Bun.file(join(fixtures, "media.test.crt")).text();
  server = mediaServer("127.0.0.1", { cert, key: await Bun.file(join(fixtures, "media.test.key")).text() });
});
afterAll(() => server.stop());

const viaName = (host: string) => ({
  resolve: async (name: string) => (name === host ? ["127.0.0.1"] : []),
  treatAsPublic: ["127.0.0.1"],
  ca: cert,
});

test("a name resolved here, connected by address, verified by name", async () => {
  const r = await safeFetch(`https://media.test:${server.server.port}/png`, viaName("media.test"));
  expect(r.bytes).toEqual(png());
  expect(r.finalUrl).toBe(`https://media.test:${server.server.port}/png`);
  expect(server.seen.at(-1)!.host).toBe(`media.test:${server.server.port}`);
});

test("a name the certificate does not cover fails, though the address is the same", async () => {
  // media.test just succeeded on this address: no pooled connection may stand in for the check.
  await safeFetch(`https://media.test:${server.server.port}/png`, viaName("media.test"));
  const before = server.seen.length;
  const pending = safeFetch(`https://other.test:${server.server.port}/png`, viaName("other.test"));
  await expect(pending).rejects.toBeInstanceOf(FetchFailed);
  await expect(pending).rejects.toThrow(/ERR_TLS_CERT_ALTNAME_INVALID/);
  expect(server.seen.length).toBe(before);
});

test("without the CA the self-signed certificate is refused", async () => {
  const { ca: _, ...noCa } = viaName("media.test");
  await expect(safeFetch(`https://media.test:${server.server.port}/png`, noCa)).rejects.toBeInstanceOf(FetchFailed);
});

test("the name is sent as SNI, so a host serving several names picks the right certificate", async () => {
  const file = (name: string) => Bun.file(join(fixtures, name)).text();
  const sni = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: [
      { cert: await file("default.test.crt"), key: await file("default.test.key") },
      { serverName: "media.test", cert, key: await file("media.test.key") },
    ],
    fetch: () => new Response(png(), { headers: { "content-type": "image/png" } }),
  });
  try {
    // Without SNI the server would present default.test's certificate, which fails for media.test.
    const r = await safeFetch(`https://media.test:${sni.port}/`, viaName("media.test"));
    expect(r.bytes).toEqual(png());
  } finally {
    sni.stop(true);
  }
});
