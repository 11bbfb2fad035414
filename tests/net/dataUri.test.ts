import { describe, expect, test } from "bun:test";
import { parseDataUri } from "../../net/dataUri.ts";
import { FetchRefused } from "../../net/errors.ts";
import { png } from "./mediaBytes.ts";

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

function refusal(fn: () => unknown): FetchRefused {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FetchRefused);
    return e as FetchRefused;
  }
  throw new Error("expected a refusal");
}

describe("parseDataUri", () => {
  test("base64 image", () => {
    const bytes = png();
    const out = parseDataUri(`data:image/png;base64,${b64(bytes)}`);
    expect(out.mediaType).toBe("image/png");
    expect(out.bytes).toEqual(bytes);
  });

  test("media type lower-cased, parameters dropped, base64 flag case-insensitive", () => {
    const out = parseDataUri(`data:Image/PNG;name=x.png;BASE64,${b64(png())}`);
    expect(out.mediaType).toBe("image/png");
    expect(out.bytes).toEqual(png());
  });

  test("base64url alphabet, line breaks and missing padding are accepted", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0x01]);
    const url = Buffer.from(bytes).toString("base64url"); // "-_-_AQ"
    expect(parseDataUri(`data:application/octet-stream;base64,${url}`).bytes).toEqual(bytes);
    const wrapped = b64(png()).replace(/(.{20})/g, "$1\n");
    expect(parseDataUri(`data:image/png;base64,${wrapped}`).bytes).toEqual(png());
  });

  test("percent-encoded data, bytes that are not UTF-8 included", () => {
    const out = parseDataUri("data:,hello%20world%FF");
    expect(out.mediaType).toBe("text/plain");
    expect([...out.bytes]).toEqual([...new TextEncoder().encode("hello world"), 0xff]);
  });

  test("size limit, judged before decoding", () => {
    const bytes = new Uint8Array(1025);
    const e = refusal(() => parseDataUri(`data:image/png;base64,${b64(bytes)}`, { maxBytes: 1024 }));
    expect(e.code).toBe("url_too_large");
    expect(e.message).toBe("too large: more than 1 KiB");
    expect(e.kind).toBe("invalid_request");
    expect(parseDataUri(`data:image/png;base64,${b64(new Uint8Array(1024))}`, { maxBytes: 1024 }).bytes.length).toBe(1024);
    expect(refusal(() => parseDataUri(`data:,${"a".repeat(11)}`, { maxBytes: 10 })).code).toBe("url_too_large");
  });

  test("malformed URIs are refused with the reason", () => {
    const cases: [string, RegExp][] = [
      ["data:image/png;base64", /no comma/],
      ["data:image/png;base64,@@@@", /bad base64/],
      ["data:image/png;base64,AAAAA", /bad base64/],
      ["data:not a type;base64,AAAA", /bad media type/],
      ["data:,%zz", /bad percent-encoding/],
      ["http://x/", /does not start with data:/],
    ];
    for (const [uri, why] of cases) {
      const e = refusal(() => parseDataUri(uri));
      expect(e.code).toBe("data_uri_invalid");
      expect(e.message).toMatch(why);
    }
  });
});
