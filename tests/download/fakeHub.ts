// A local stand-in for the Hugging Face hub, speaking its URLs: /api/models/<repo>/tree/<rev>
// (paginated with Link headers), /api/models/<repo> (siblings), /<repo>/resolve/<rev>/<path>
// (302 with X-Linked-Etag/X-Linked-Size to a CDN path on another origin, as the hub does),
// and the CDN itself with Range. node:http rather than Bun.serve: it can declare a
// Content-Length and then drop the connection mid-body, which a cut transfer needs.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface HubFile {
  path: string;
  bytes: Uint8Array;
  /** Stored with LFS (default): sha256 in the listing and in X-Linked-Etag. */
  lfs?: boolean;
}

export interface SeenRequest {
  path: string;
  host: string;
  range?: string;
  authorization?: string;
}

const digests = new WeakMap<Uint8Array, Record<string, string>>();
/** Memoised: the hub answers many requests for the same bytes. */
function digest(algorithm: "sha256" | "sha1", bytes: Uint8Array): string {
  const known = digests.get(bytes) ?? {};
  digests.set(bytes, known);
  return (known[algorithm] ??= createHash(algorithm).update(bytes).digest("hex"));
}
export const sha256 = (bytes: Uint8Array) => digest("sha256", bytes);
const gitOid = (bytes: Uint8Array) => digest("sha1", bytes);

export class FakeHub {
  readonly requests: SeenRequest[] = [];
  readonly repos = new Map<string, Map<string, HubFile>>();
  /** Plain files served at /files/<name>, no redirect and no sha. */
  readonly plain = new Map<string, Uint8Array>();
  /**
   * Cut the next CDN body of this repo path (or /files name): send `after` bytes, wait for
   * `when` (the client has them), then drop the connection.
   */
  readonly cuts = new Map<string, { after: number; when: () => Promise<void> }>();
  /** Statuses the CDN answers for this file before it serves it, one per request. */
  readonly failures = new Map<string, number[]>();
  /** The sha256 the hub advertises instead of the real one (a corrupted blob). */
  readonly wrongSha = new Map<string, string>();
  /** Held CDN answers: the body waits until release() is called. */
  private readonly holds = new Map<string, { promise: Promise<void>; release: () => void }>();
  private waiters: Array<{ test: (r: SeenRequest) => boolean; resolve: () => void }> = [];
  treeEndpoint = true;
  pageSize = 1000;
  ignoreRange = false;
  requiredToken?: string;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeHub> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "::", resolve));
    const port = (server.address() as { port: number }).port;
    const hub = new FakeHub(server, port);
    server.on("request", (req, res) => void hub.handle(req, res));
    return hub;
  }

  /** The hub's origin; its CDN answers on http://localhost:<port>, another origin. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addRepo(repo: string, files: HubFile[]): void {
    this.repos.set(repo, new Map(files.map((f) => [f.path, f])));
  }

  /** Requests whose path starts with `prefix`. */
  seen(prefix: string): SeenRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  /** Resolves once a request matching `test` has arrived (at once if one has). */
  waitFor(test: (r: SeenRequest) => boolean): Promise<void> {
    if (this.requests.some(test)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  hold(key: string): () => void {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.holds.set(key, { promise, release });
    return () => {
      this.holds.delete(key);
      release();
    };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const seen: SeenRequest = {
      path: decodeURIComponent(url.pathname) + url.search,
      host: req.headers.host ?? "",
      range: req.headers.range,
      authorization: req.headers.authorization,
    };
    this.requests.push(seen);
    this.waiters = this.waiters.filter((w) => (w.test(seen) ? (w.resolve(), false) : true));

    const path = decodeURIComponent(url.pathname);
    if (this.requiredToken && path.startsWith("/api/") && req.headers.authorization !== `Bearer ${this.requiredToken}`) {
      return json(res, 401, { error: "Invalid credentials in Authorization header" }, { "x-error-code": "RepoNotFound" });
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(path))) return this.tree(res, m[1]!, url);
    if ((m = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/[^/]+)?$/.exec(path))) return this.info(res, m[1]!);
    if ((m = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(path))) {
      const file = this.repos.get(m[1]!)?.get(m[2]!);
      return file ? this.send(req, res, m[2]!, file.bytes, {}) : json(res, 404, { error: "no blob" });
    }
    if ((m = /^\/files\/(.+)$/.exec(path))) {
      const bytes = this.plain.get(m[1]!);
      return bytes ? this.send(req, res, m[1]!, bytes, { etag: `"${m[1]!.length}-plain"` }) : json(res, 404, { error: "no file" });
    }
    if ((m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path))) return this.resolve(req, res, m[1]!, m[3]!);
    json(res, 404, { error: "no route" });
  }

  private tree(res: ServerResponse, repo: string, url: URL): void {
    const files = this.repos.get(repo);
    if (!files || !this.treeEndpoint) return json(res, 404, { error: "Repository not found" }, { "x-error-code": "RepoNotFound" });
    const items: object[] = [];
    const folders = new Set<string>();
    for (const f of files.values()) {
      const parts = f.path.split("/");
      for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
    }
    for (const folder of folders) items.push({ type: "directory", oid: "0".repeat(40), size: 0, path: folder });
    for (const f of files.values()) {
      const sha = this.wrongSha.get(f.path) ?? sha256(f.bytes);
      const lfs = f.lfs === false ? {} : { lfs: { oid: sha, size: f.bytes.length, pointerSize: 134 } };
      items.push({ type: "file", oid: gitOid(f.bytes), size: f.bytes.length, path: f.path, ...lfs });
    }
    const cursor = Number(url.searchParams.get("cursor") ?? 0);
    const page = items.slice(cursor, cursor + this.pageSize);
    const headers: Record<string, string> = {};
    if (cursor + this.pageSize < items.length) {
      headers.link = `<${this.url}/api/models/${repo}/tree/main?recursive=true&cursor=${cursor + this.pageSize}>; rel="next"`;
    }
    json(res, 200, page, headers);
  }

  private info(res: ServerResponse, repo: string): void {
    const files = this.repos.get(repo);
    if (!files) return json(res, 404, { error: "Repository not found" }, { "x-error-code": "RepoNotFound" });
    json(res, 200, { id: repo, siblings: [...files.keys()].map((rfilename) => ({ rfilename })) });
  }

  private resolve(req: IncomingMessage, res: ServerResponse, repo: string, path: string): void {
    const file = this.repos.get(repo)?.get(path);
    if (!file) return json(res, 404, { error: "Entry not found" }, { "x-error-code": "EntryNotFound" });
    if (file.lfs === false) return void this.send(req, res, path, file.bytes, { etag: `"${gitOid(file.bytes)}"` });
    const sha = this.wrongSha.get(path) ?? sha256(file.bytes);
    res.writeHead(302, {
      location: `http://localhost:${this.port}/cdn/${repo}/${path}`,
      "x-linked-etag": `"${sha}"`,
      "x-linked-size": String(file.bytes.length),
      etag: `"${sha}"`,
    });
    res.end();
  }

  /** Bytes with Range (206, 416), a hold, and a one-shot cut after `cuts.get(key)` bytes. */
  private async send(req: IncomingMessage, res: ServerResponse, key: string, bytes: Uint8Array, headers: Record<string, string>): Promise<void> {
    await this.holds.get(key)?.promise;
    const failure = this.failures.get(key)?.shift();
    if (failure !== undefined) return json(res, failure, { error: "try again" }, { "x-error-message": "blob store busy" });
    const range = this.ignoreRange ? undefined : /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    let start = 0;
    let status = 200;
    if (range) {
      start = Number(range[1]);
      if (start >= bytes.length) {
        res.writeHead(416, { "content-range": `bytes */${bytes.length}` });
        return void res.end();
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    }
    const body = bytes.subarray(start);
    res.writeHead(status, { ...headers, "content-length": String(body.length), "accept-ranges": "bytes", "content-type": "application/octet-stream" });
    const cut = this.cuts.get(key);
    if (cut !== undefined) {
      this.cuts.delete(key);
      // Declared the whole length, sends part of it, then the connection dies.
      res.write(body.subarray(0, cut.after));
      await cut.when();
      res.destroy();
      return;
    }
    res.end(body);
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
