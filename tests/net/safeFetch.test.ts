// safeFetch against real local servers: what it fetches, what it refuses, and that a refused hop
// never reaches the server it points at.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FetchError, FetchFailed, FetchRefused } from "../../net/errors.ts";
import { type SafeFetchOptions, safeFetch } from "../../net/safeFetch.ts";
import { png, wav } from "./mediaBytes.ts";
import { type MediaServer, mediaServer, rawServer } from "./servers.ts";

let a: MediaServer; // 127.0.0.1: plays a public host when a test says so
let b: MediaServer; // 127.0.0.2: plays a host inside the server's network

beforeAll(() => {
  a = mediaServer("127.0.0.1");
  b = mediaServer("127.0.0.2");
});
afterAll(() => {
  a.stop();
  b.stop();
});

const local: SafeFetchOptions = { allowPrivate: true };

async function rejection(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof FetchError) return e;
    throw e;
  }
  throw new Error("expected the fetch to fail");
}

describe("fetching", () => {
  test("a plain fetch returns the bytes, the type and the final URL", async () => {
    const r = await safeFetch(`${a.origin}/png`, { ...local, accept: ["image/"] });
    expect(r.bytes).toEqual(png());
    expect(r.contentType).toBe("image/png");
    expect(r.finalUrl).toBe(`${a.origin}/png`);
    expect(r.status).toBe(200);
  });

  test("content-type parameters and case do not matter", async () => {
    const r = await safeFetch(`${a.origin}/png-params`, { ...local, accept: ["image/"] });
    expect(r.contentType).toBe("image/png");
  });

  test("a name is resolved here and the request goes to that address, with the name as Host", async () => {
    const asked: string[] = [];
    const r = await safeFetch(`http://media.example:${a.server.port}/echo`, {
      resolve: async (host) => (asked.push(host), ["127.0.0.1"]),
      treatAsPublic: ["127.0.0.1"],
    });
    expect(asked).toEqual(["media.example"]);
    expect(JSON.parse(new TextDecoder().decode(r.bytes)).host).toBe(`media.example:${a.server.port}`);
  });

  test("DNS is asked once per hop: an answer that changes after the check is never used", async () => {
    // A rebinding resolver: public first, private on every later question.
    let calls = 0;
    const before = b.seen.length;
    const r = await safeFetch(`http://rebind.example:${a.server.port}/png`, {
      resolve: async () => (calls++ === 0 ? ["127.0.0.1"] : ["127.0.0.2"]),
      treatAsPublic: ["127.0.0.1"],
    });
    expect(r.bytes).toEqual(png());
    expect(calls).toBe(1);
    expect(b.seen.length).toBe(before);
  });

  test("a non-2xx answer fails, or comes back when the caller asks for it", async () => {
    const e = await rejection(safeFetch(`${a.origin}/status/404`, local));
    expect(e).toBeInstanceOf(FetchFailed);
    expect(e.code).toBe("url_http_status");
    expect(e.message).toBe("the URL answered HTTP 404 Not Found");
    const r = await safeFetch(`${a.origin}/status/503`, { ...local, acceptAnyStatus: true });
    expect(r.status).toBe(503);
    expect(new TextDecoder().decode(r.bytes)).toBe("nope");
  });

  test("a connection refused is a FetchFailed naming the host", async () => {
    const closed = rawServer(null);
    const origin = closed.origin;
    closed.stop();
    const e = await rejection(safeFetch(`${origin}/png`, local));
    expect(e).toBeInstanceOf(FetchFailed);
    expect(e.code).toBe("url_network");
    expect(e.message).toContain(new URL(origin).host);
  });
});

describe("address rules", () => {
  const refusedUrls = () => [`${a.origin}/png`, `http://localhost:${a.server.port}/png`, `http://[::1]:${a.server.port}/png`, `http://0x7f.1:${a.server.port}/png`, `http://2130706433:${a.server.port}/png`];

  test("loopback is refused by default, by address, name or any spelling, and nothing is sent", async () => {
    const before = a.seen.length;
    for (const url of refusedUrls()) {
      const e = await rejection(safeFetch(url, { what: "media URL" }));
      expect(e).toBeInstanceOf(FetchRefused);
      expect(e.code).toBe("url_private_address");
      expect(e.kind).toBe("invalid_request");
      expect(e.message).toMatch(/^refused: media URL resolves to a loopback address \((127\.0\.0\.1|::1)\); start the server with --allow-private-urls to allow it$/);
    }
    expect(a.seen.length).toBe(before);
  });

  test("allowPrivate lets loopback through", async () => {
    const r = await safeFetch(`http://localhost:${a.server.port}/png`, local);
    expect(r.bytes).toEqual(png());
  });

  test("a name is refused when any of its addresses is private, with the address in the message", async () => {
    const cases: [string[], string][] = [
      [["10.0.0.5"], "refused: media URL resolves to a private address (10.0.0.5)"],
      [["93.184.216.34", "192.168.1.1"], "refused: media URL resolves to a private address (192.168.1.1)"],
      [["169.254.169.254"], "refused: media URL resolves to a cloud metadata address (169.254.169.254)"],
      [["fd00:ec2::254"], "refused: media URL resolves to a cloud metadata address (fd00:ec2::254)"],
      [["::ffff:10.0.0.1"], "refused: media URL resolves to a private address (::ffff:10.0.0.1)"],
      [["100.100.100.200"], "refused: media URL resolves to a shared (CGNAT) address (100.100.100.200)"],
      [["0.0.0.0"], "refused: media URL resolves to an unspecified address (0.0.0.0)"],
    ];
    for (const [addresses, message] of cases) {
      const e = await rejection(safeFetch("http://intranet.example/x.png", { what: "media URL", resolve: async () => addresses }));
      expect(e.message).toStartWith(message);
    }
  });

  test("a name resolving to nothing is a FetchFailed", async () => {
    const e = await rejection(safeFetch("http://void.example/", { resolve: async () => [] }));
    expect(e).toBeInstanceOf(FetchFailed);
    expect(e.code).toBe("url_dns");
    const f = await rejection(safeFetch("http://void.example/", { resolve: async () => Promise.reject(Object.assign(new Error("x"), { code: "ENOTFOUND" })) }));
    expect(f.message).toBe("cannot resolve the host of the URL (void.example): ENOTFOUND");
  });

  test("a redirect from an allowed host to a private one is refused, and the private host gets nothing", async () => {
    const before = b.seen.length;
    const target = `http://internal.example:${b.server.port}/png`;
    const e = await rejection(
      safeFetch(`http://media.example:${a.server.port}/to?url=${encodeURIComponent(target)}`, {
        what: "media URL",
        resolve: async (host) => (host === "media.example" ? ["127.0.0.1"] : ["127.0.0.2"]),
        treatAsPublic: ["127.0.0.1"],
      }),
    );
    expect(e.code).toBe("url_private_address");
    expect(e.message).toStartWith("refused: media URL resolves to a loopback address (127.0.0.2)");
    expect(b.seen.length).toBe(before);
    // and the same redirect to a literal private address
    const literal = await rejection(
      safeFetch(`http://media.example:${a.server.port}/to?url=${encodeURIComponent(`${b.origin}/png`)}`, {
        resolve: async () => ["127.0.0.1"],
        treatAsPublic: ["127.0.0.1"],
      }),
    );
    expect(literal.code).toBe("url_private_address");
    expect(b.seen.length).toBe(before);
  });

  test("only http and https, on the first hop and on redirects", async () => {
    for (const url of ["ftp://example.com/a.png", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)"]) {
      const e = await rejection(safeFetch(url, local));
      expect(e.code).toBe("url_scheme");
    }
    const e = await rejection(safeFetch(`${a.origin}/to?url=${encodeURIComponent("file:///etc/passwd")}`, local));
    expect(e.code).toBe("url_scheme");
    expect(e.message).toBe("refused: the URL must be http or https, not file");
    expect((await rejection(safeFetch("not a url", local))).code).toBe("url_invalid");
  });
});

describe("redirects", () => {
  test("followed up to the limit, refused beyond it", async () => {
    const r = await safeFetch(`${a.origin}/redirect/3`, local);
    expect(r.bytes).toEqual(png());
    expect(r.finalUrl).toBe(`${a.origin}/png`);
    const e = await rejection(safeFetch(`${a.origin}/redirect/4`, local));
    expect(e).toBeInstanceOf(FetchRefused);
    expect(e.code).toBe("url_redirects");
    expect(e.message).toBe("too many redirects (more than 3)");
    const one = await rejection(safeFetch(`${a.origin}/redirect/2`, { ...local, maxRedirects: 1 }));
    expect(one.message).toBe("too many redirects (more than 1)");
    expect((await rejection(safeFetch(`${a.origin}/redirect/1`, { ...local, maxRedirects: 0 }))).code).toBe("url_redirects");
  });

  test("caller headers go to the first origin only", async () => {
    const headers = { "x-secret": "s3cr3t" };
    const same = await safeFetch(`${a.origin}/to?url=/headers`, { ...local, headers });
    expect(JSON.parse(new TextDecoder().decode(same.bytes))["x-secret"]).toBe("s3cr3t");
    const other = await safeFetch(`${a.origin}/to?url=${encodeURIComponent(`${b.origin}/headers`)}`, { ...local, headers });
    expect(JSON.parse(new TextDecoder().decode(other.bytes))["x-secret"]).toBeUndefined();
  });

  test("303 turns a POST into a GET without body; 307 keeps both", async () => {
    const post = { ...local, method: "POST", body: "payload" };
    const seeOther = JSON.parse(new TextDecoder().decode((await safeFetch(`${a.origin}/to?url=/echo&status=303`, post)).bytes));
    expect(seeOther).toMatchObject({ method: "GET", body: "" });
    const temporary = JSON.parse(new TextDecoder().decode((await safeFetch(`${a.origin}/to?url=/echo&status=307`, post)).bytes));
    expect(temporary).toMatchObject({ method: "POST", body: "payload" });
  });
});

describe("limits", () => {
  test("a declared content-length over the limit is refused before any body arrives", async () => {
    // The server declares 1 GB and sends nothing: only the header can have refused it.
    const raw = rawServer("HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: 1000000000\r\n\r\n");
    try {
      const e = await rejection(safeFetch(`${raw.origin}/big`, { ...local, timeoutMs: 5000 }));
      expect(e.code).toBe("url_too_large");
      expect(e.message).toBe("too large: more than 20 MiB");
    } finally {
      raw.stop();
    }
  });

  test("a body without a length is counted while streaming and cut off past the limit", async () => {
    const before = a.cancelled.count;
    const e = await rejection(safeFetch(`${a.origin}/endless`, { ...local, maxBytes: 1 << 20 }));
    expect(e).toBeInstanceOf(FetchRefused);
    expect(e.message).toBe("too large: more than 1 MiB");
    // the endless body was cancelled on the server's side too: the transfer stopped
    await waitFor(() => a.cancelled.count > before);
  });

  test("a connection-close body longer than the limit, with no length, is cut off", async () => {
    const raw = rawServer(`HTTP/1.1 200 OK\r\ncontent-type: image/png\r\nconnection: close\r\n\r\n${"x".repeat(5000)}`);
    try {
      const e = await rejection(safeFetch(`${raw.origin}/`, { ...local, maxBytes: 4096, timeoutMs: 5000 }));
      expect(e.code).toBe("url_too_large");
      expect(e.message).toBe("too large: more than 4 KiB");
    } finally {
      raw.stop();
    }
  });

  test("a compressed body is limited by its decompressed size", async () => {
    const e = await rejection(safeFetch(`${a.origin}/gzip-bomb`, { ...local, maxBytes: 1 << 20 }));
    expect(e.code).toBe("url_too_large");
  });

  test("exactly the limit passes", async () => {
    const r = await safeFetch(`${a.origin}/bytes/4096`, { ...local, maxBytes: 4096 });
    expect(r.bytes.length).toBe(4096);
    expect((await rejection(safeFetch(`${a.origin}/bytes/4097`, { ...local, maxBytes: 4096 }))).code).toBe("url_too_large");
  });

  test("a body that never finishes times out", async () => {
    const started = performance.now();
    const e = await rejection(safeFetch(`${a.origin}/stall`, { ...local, timeoutMs: 300 }));
    expect(e).toBeInstanceOf(FetchFailed);
    expect(e.code).toBe("url_timeout");
    expect(e.message).toBe("timed out after 0.3 s fetching the URL");
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("a server that never answers times out", async () => {
    const raw = rawServer(null);
    try {
      const e = await rejection(safeFetch(`${raw.origin}/`, { ...local, timeoutMs: 300 }));
      expect(e.code).toBe("url_timeout");
    } finally {
      raw.stop();
    }
  });

  test("the caller's own abort is passed through, not reported as a timeout", async () => {
    const controller = new AbortController();
    const pending = safeFetch(`${a.origin}/stall`, { ...local, signal: controller.signal });
    controller.abort(new Error("client went away"));
    await expect(pending).rejects.toThrow("client went away");
  });
});

describe("content types", () => {
  const image: SafeFetchOptions = { ...local, accept: ["image/"], expected: "an image" };

  test("a type outside the list is refused, naming the type", async () => {
    const e = await rejection(safeFetch(`${a.origin}/html`, image));
    expect(e).toBeInstanceOf(FetchRefused);
    expect(e.code).toBe("url_content_type");
    expect(e.message).toBe("not an image: content-type text/html");
    expect((await rejection(safeFetch(`${a.origin}/wav`, image))).message).toBe("not an image: content-type audio/wav");
  });

  test("octet-stream is taken only when asked and when the bytes sniff as an accepted type", async () => {
    expect((await rejection(safeFetch(`${a.origin}/octet-png`, image))).message).toBe("not an image: content-type application/octet-stream");
    const sniffing = { ...image, acceptOctetStream: true };
    const r = await safeFetch(`${a.origin}/octet-png`, sniffing);
    expect(r.contentType).toBe("image/png");
    expect(r.bytes).toEqual(png());
    expect((await rejection(safeFetch(`${a.origin}/octet-text`, sniffing))).message).toBe(
      "not an image: content-type application/octet-stream and they match no known format",
    );
    expect((await rejection(safeFetch(`${a.origin}/octet-wav`, sniffing))).message).toBe(
      "not an image: content-type application/octet-stream and they are audio/wav",
    );
    const audio = await safeFetch(`${a.origin}/octet-wav`, { ...local, accept: ["audio/"], acceptOctetStream: true });
    expect(audio.contentType).toBe("audio/wav");
    expect(audio.bytes).toEqual(wav());
  });

  test("no accept list: any type", async () => {
    expect((await safeFetch(`${a.origin}/html`, local)).contentType).toBe("text/html");
  });
});

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > until) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}
