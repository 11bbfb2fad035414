// loadMedia: the entry the chat protocols call for an image or audio URL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FetchRefused } from "../../net/errors.ts";
import { loadMedia, type RemoteMediaPolicy } from "../../net/media.ts";
import { png, wav } from "./mediaBytes.ts";
import { type MediaServer, mediaServer } from "./servers.ts";

let server: MediaServer;
beforeAll(() => {
  server = mediaServer();
});
afterAll(() => server.stop());

const open: RemoteMediaPolicy = { remote: true, allowPrivate: true };
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe("loadMedia", () => {
  test("data: URIs are decoded without any network, even with remote media off", async () => {
    const image = await loadMedia(`data:image/png;base64,${b64(png())}`, "image", { remote: false, allowPrivate: false });
    expect(image).toEqual({ mediaType: "image/png", bytes: png() });
    const audio = await loadMedia(`data:application/octet-stream;base64,${b64(wav())}`, "audio", { remote: false, allowPrivate: false });
    expect(audio.mediaType).toBe("audio/wav");
  });

  test("a data: URI of the wrong kind is refused", async () => {
    const pending = loadMedia(`data:audio/wav;base64,${b64(wav())}`, "image", open);
    await expect(pending).rejects.toThrow("not an image: data URI of type audio/wav");
  });

  test("http URLs are fetched under the policy", async () => {
    expect(await loadMedia(`${server.origin}/png`, "image", open)).toEqual({ mediaType: "image/png", bytes: png() });
    expect((await loadMedia(`${server.origin}/octet-wav`, "audio", open)).mediaType).toBe("audio/wav");
    await expect(loadMedia(`${server.origin}/html`, "image", open)).rejects.toThrow("not an image: content-type text/html");
    await expect(loadMedia(`${server.origin}/png`, "audio", open)).rejects.toThrow("not audio: content-type image/png");
  });

  test("--no-remote-media: http(s) refused before any request", async () => {
    const before = server.seen.length;
    const pending = loadMedia(`${server.origin}/png`, "image", { remote: false, allowPrivate: true });
    await expect(pending).rejects.toBeInstanceOf(FetchRefused);
    await expect(pending).rejects.toThrow("fetching remote media is switched off (--no-remote-media)");
    expect(server.seen.length).toBe(before);
  });

  test("private addresses refused by default, with the flag to use named", async () => {
    const pending = loadMedia(`${server.origin}/png`, "image", { remote: true, allowPrivate: false });
    await expect(pending).rejects.toThrow(
      "refused: media URL resolves to a loopback address (127.0.0.1); start the server with --allow-private-urls to allow it",
    );
  });

  test("the policy's size limit applies to data URIs and fetches alike", async () => {
    const small = { ...open, maxBytes: 64 };
    await expect(loadMedia(`data:image/png;base64,${b64(png())}`, "image", small)).rejects.toThrow("too large: more than 64 bytes");
    await expect(loadMedia(`${server.origin}/png`, "image", small)).rejects.toThrow("too large: more than 64 bytes");
  });

  test("other schemes are refused", async () => {
    await expect(loadMedia("file:///etc/passwd", "image", open)).rejects.toThrow("refused: the media URL must be http or https, not file");
  });
});
