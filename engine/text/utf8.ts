// Incremental UTF-8 assembly of token pieces: a byte-fallback token such as <0xE2> may carry
// only part of a character, so text is released once its bytes are complete.
//
// TextDecoder's stream mode does exactly this (WHATWG decoder, checked in tests/engine/text):
// it holds an incomplete but still valid tail, and emits U+FFFD as soon as bytes can no longer
// form a character (bad lead byte, bad continuation, overlong, surrogate, > U+10FFFF).
const STREAM: TextDecodeOptions = { stream: true };

export class Utf8Stream {
  // ignoreBOM: a generated U+FEFF at the start is text, not a byte-order mark to strip.
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  /** Returns the text completed by these bytes (possibly ""). */
  push(bytes: Uint8Array): string {
    return this.decoder.decode(bytes, STREAM);
  }

  /** Ends the stream: a pending incomplete tail becomes U+FFFD. The stream can then be reused. */
  flush(): string {
    return this.decoder.decode();
  }
}
