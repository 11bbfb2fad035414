// Stop strings that never reach the client, even when split across tokens: the text that
// could still be the start of a stop string is held back until it is decided.

export interface StopResult {
  /** Text safe to send now. */
  emit: string;
  /** A stop string matched; nothing after it is emitted. */
  stopped: boolean;
  /** The stop string that matched (Anthropic reports it as stop_sequence). */
  stop?: string;
}

export class StopMatcher {
  private readonly stops: string[];
  private pending = "";
  private done = false;

  constructor(stops: string[]) {
    this.stops = [...new Set(stops.filter((s) => s.length > 0))];
  }

  push(text: string): StopResult {
    if (this.done) return { emit: "", stopped: true };
    if (this.stops.length === 0) return { emit: text, stopped: false };
    const buf = this.pending + text;

    // The earliest full match wins (pending never holds a full match, so search all of buf).
    let at = -1;
    let matched = "";
    for (const stop of this.stops) {
      const i = buf.indexOf(stop);
      if (i !== -1 && (at === -1 || i < at || (i === at && stop.length > matched.length))) {
        at = i;
        matched = stop;
      }
    }
    if (at !== -1) {
      this.done = true;
      this.pending = "";
      return { emit: buf.slice(0, at), stopped: true, stop: matched };
    }

    const hold = this.holdback(buf);
    this.pending = buf.slice(buf.length - hold);
    return { emit: buf.slice(0, buf.length - hold), stopped: false };
  }

  /** End of generation: whatever was held back is real output. */
  flush(): string {
    const rest = this.done ? "" : this.pending;
    this.pending = "";
    return rest;
  }

  /** Length of the longest suffix of buf that is a proper prefix of some stop string. */
  private holdback(buf: string): number {
    let best = 0;
    for (const stop of this.stops) {
      const first = stop.charCodeAt(0);
      for (let k = Math.min(stop.length - 1, buf.length); k > best; k--) {
        // First-character check avoids building substrings on the hot path.
        if (buf.charCodeAt(buf.length - k) === first && buf.endsWith(stop.slice(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
