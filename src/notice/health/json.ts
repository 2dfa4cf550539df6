/**
 * A tolerant JSON reader for what people paste: Health events copied out of a console, a log or an
 * issue comment are often not valid JSON on their own: an indented `"event": {...},` excerpt,
 * trailing commas, a string broken across two lines by the page width, a cut-off end, comments.
 * Valid JSON goes through JSON.parse; only the rest comes here. Linear in the input, bounded depth.
 */

export class JsonSyntaxError extends Error {}

const MAX_DEPTH = 128;

export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // fall through to the tolerant reader
  }
  return new Reader(text).document();
}

class Reader {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  document(): unknown {
    this.ws();
    if (this.i >= this.s.length) throw new JsonSyntaxError("empty JSON");
    const c = this.s[this.i];
    if (c === '"' || c === "'") {
      // `"key": value, "key2": value` (a fragment of an object) or a lone string
      const save = this.i;
      this.string();
      this.ws();
      if (this.s[this.i] === ":") {
        this.i = save;
        return this.members(null);
      }
      this.i = save;
    }
    const values: unknown[] = [];
    while (this.i < this.s.length && values.length < 10_000) {
      const before = this.i;
      values.push(this.value());
      this.ws();
      if (this.s[this.i] === ",") this.i++;
      this.ws();
      if (this.i === before) break;
    }
    if (this.i < this.s.length) throw new JsonSyntaxError(`unexpected ${JSON.stringify(this.s[this.i])} at offset ${this.i}`);
    return values.length === 1 ? values[0] : values;
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff || c === 0xa0) this.i++;
      else if (c === 47 && s[this.i + 1] === "/") {
        const nl = s.indexOf("\n", this.i);
        this.i = nl < 0 ? s.length : nl + 1;
      } else if (c === 47 && s[this.i + 1] === "*") {
        const end = s.indexOf("*/", this.i + 2);
        this.i = end < 0 ? s.length : end + 2;
      } else return;
    }
  }

  private value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) throw new JsonSyntaxError("unexpected end of JSON");
    if (c === "{") {
      this.i++;
      return this.members("}");
    }
    if (c === "[") {
      this.i++;
      return this.elements();
    }
    if (c === '"' || c === "'") return this.string();
    const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 64));
    if (m) {
      this.i += m[0].length;
      return Number(m[0]);
    }
    const w = /^[A-Za-z_$][\w$.-]*/.exec(this.s.slice(this.i, this.i + 256));
    if (w) {
      this.i += w[0].length;
      if (w[0] === "true") return true;
      if (w[0] === "false") return false;
      if (w[0] === "null") return null;
      return w[0];
    }
    throw new JsonSyntaxError(`unexpected ${JSON.stringify(c)} at offset ${this.i}`);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new JsonSyntaxError(`JSON nested deeper than ${MAX_DEPTH} levels`);
  }

  /** Members up to `close` (or to the end of input when close is null or the text was cut off). */
  private members(close: "}" | null): Record<string, unknown> {
    this.enter();
    const out: Record<string, unknown> = {};
    for (;;) {
      this.ws();
      const c = this.s[this.i];
      if (c === undefined) break; // cut off: keep what we have
      if (c === close) {
        this.i++;
        break;
      }
      if (c === ",") {
        this.i++;
        continue;
      }
      if (close === null && (c === "}" || c === "]")) {
        this.i++;
        continue;
      }
      let key: string;
      if (c === '"' || c === "'") key = this.string();
      else {
        const w = /^[A-Za-z_$][\w$-]*/.exec(this.s.slice(this.i, this.i + 256));
        if (!w) throw new JsonSyntaxError(`expected a key at offset ${this.i}`);
        key = w[0];
        this.i += w[0].length;
      }
      this.ws();
      if (this.s[this.i] !== ":") throw new JsonSyntaxError(`expected ":" after ${JSON.stringify(key)} at offset ${this.i}`);
      this.i++;
      if (Object.keys(out).length < 10_000) out[key] = this.value();
      else this.value();
    }
    this.depth--;
    return out;
  }

  private elements(): unknown[] {
    this.enter();
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      const c = this.s[this.i];
      if (c === undefined) break;
      if (c === "]") {
        this.i++;
        break;
      }
      if (c === ",") {
        this.i++;
        continue;
      }
      const v = this.value();
      if (out.length < 100_000) out.push(v);
    }
    this.depth--;
    return out;
  }

  /** A string; a line break inside it is a copy's wrapping and is removed with the indentation after it. */
  private string(): string {
    const q = this.s[this.i]!;
    this.i++;
    let out = "";
    const s = this.s;
    let start = this.i;
    for (;;) {
      const c = s[this.i];
      if (c === undefined) {
        out += s.slice(start, this.i);
        return out;
      }
      if (c === q) {
        out += s.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c === "\\") {
        out += s.slice(start, this.i);
        const e = s[this.i + 1];
        this.i += 2;
        switch (e) {
          case "n": out += "\n"; break;
          case "t": out += "\t"; break;
          case "r": out += "\r"; break;
          case "b": out += "\b"; break;
          case "f": out += "\f"; break;
          case "u": {
            const hex = s.slice(this.i, this.i + 4);
            if (/^[0-9a-fA-F]{4}$/.test(hex)) {
              out += String.fromCharCode(parseInt(hex, 16));
              this.i += 4;
            }
            break;
          }
          case undefined: break;
          default: out += e;
        }
        start = this.i;
        continue;
      }
      if (c === "\n" || c === "\r") {
        out += s.slice(start, this.i);
        this.i++;
        while (s[this.i] === " " || s[this.i] === "\t" || s[this.i] === "\n" || s[this.i] === "\r") this.i++;
        start = this.i;
        continue;
      }
      this.i++;
    }
  }
}
