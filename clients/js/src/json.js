// A JSON reader that accepts and refuses what serde_json (the Rust side) does when it reads
// a `#[derive(Deserialize)]` struct: the pairing offer and paseo's control messages. JSON.parse
// differs (it keeps the last of two duplicate keys, accepts `2.0` for an integer, lone
// surrogates in strings, and sees no difference between an object and an array), so both
// message shapes go through this reader instead and the JS client refuses exactly the texts
// the Rust parser refuses (checked against it by a differential test, tests/node_interop.rs).
//
// What serde_json does, and so this reader: RFC 8259 syntax over bytes (whitespace is space,
// tab, CR, LF only; no BOM); a struct is an object (unknown keys ignored, a known key twice
// refused, missing keys refused unless optional) or an array of exactly its fields in order;
// keys and the strings of known fields must be valid UTF-8 without lone surrogate escapes,
// while ignored string values only need valid escapes and no raw control character; an
// integer field takes only a plain non-negative integer token in range.
import { utf8Strict } from './bytes.js';

class Fail extends Error {}
const fail = () => {
  throw new Fail();
};

/**
 * @typedef {{t:'obj', entries: [Str, Node][]} | {t:'arr', items: Node[]} | Str |
 *   {t:'num', raw: string} | {t:'lit', v: boolean | null}} Node
 * @typedef {{t:'str', value: string | null}} Str  value is null when not valid Unicode
 */

function parseDocument(bytes) {
  let i = 0;
  const ws = () => {
    while (i < bytes.length) {
      const c = bytes[i];
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i += 1;
      else break;
    }
  };
  const hex4 = () => {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = bytes[i++];
      let d;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else fail();
      v = (v << 4) | d;
    }
    return v;
  };
  /** @returns {Str} */
  const str = () => {
    i += 1; // opening quote
    const units = [];
    let valid = true;
    let runStart = i;
    const flushRun = (end) => {
      if (end > runStart) {
        const s = utf8Strict(bytes.subarray(runStart, end));
        if (s === null) valid = false;
        else for (let k = 0; k < s.length; k++) units.push(s.charCodeAt(k));
      }
    };
    for (;;) {
      if (i >= bytes.length) fail();
      const c = bytes[i];
      if (c === 0x22) {
        flushRun(i);
        i += 1;
        break;
      }
      if (c < 0x20) fail();
      if (c !== 0x5c) {
        i += 1;
        continue;
      }
      flushRun(i);
      i += 1;
      const e = bytes[i++];
      const simple = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 }[e];
      if (simple !== undefined) units.push(simple);
      else if (e === 0x75) {
        const u = hex4();
        if (u >= 0xd800 && u <= 0xdbff) {
          // A leading surrogate must be followed at once by an escaped trailing one.
          if (bytes[i] === 0x5c && bytes[i + 1] === 0x75) {
            i += 2;
            const lo = hex4();
            if (lo >= 0xdc00 && lo <= 0xdfff) units.push(u, lo);
            else {
              valid = false;
              units.push(u, lo);
            }
          } else valid = false;
        } else if (u >= 0xdc00 && u <= 0xdfff) valid = false;
        else units.push(u);
      } else fail();
      runStart = i;
    }
    return { t: 'str', value: valid ? String.fromCharCode(...units) : null };
  };
  const num = () => {
    const start = i;
    if (bytes[i] === 0x2d) i += 1;
    const digit = () => bytes[i] >= 0x30 && bytes[i] <= 0x39;
    if (!digit()) fail();
    if (bytes[i] === 0x30) {
      i += 1;
      if (digit()) fail();
    } else while (digit()) i += 1;
    if (bytes[i] === 0x2e) {
      i += 1;
      if (!digit()) fail();
      while (digit()) i += 1;
    }
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i += 1;
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i += 1;
      if (!digit()) fail();
      while (digit()) i += 1;
    }
    return { t: 'num', raw: String.fromCharCode(...bytes.subarray(start, i)) };
  };
  const lit = (word, v) => {
    for (let k = 0; k < word.length; k++) if (bytes[i + k] !== word.charCodeAt(k)) fail();
    i += word.length;
    return { t: 'lit', v };
  };
  /** @returns {Node} */
  const value = () => {
    ws();
    const c = bytes[i];
    if (c === 0x22) return str();
    if (c === 0x7b) {
      i += 1;
      const entries = [];
      ws();
      if (bytes[i] === 0x7d) {
        i += 1;
        return { t: 'obj', entries };
      }
      for (;;) {
        ws();
        if (bytes[i] !== 0x22) fail();
        const k = str();
        // serde_json reads every key as a str, so even an ignored key must be valid Unicode.
        if (k.value === null) fail();
        ws();
        if (bytes[i] !== 0x3a) fail();
        i += 1;
        entries.push([k, value()]);
        ws();
        if (bytes[i] === 0x2c) i += 1;
        else if (bytes[i] === 0x7d) {
          i += 1;
          return { t: 'obj', entries };
        } else fail();
      }
    }
    if (c === 0x5b) {
      i += 1;
      const items = [];
      ws();
      if (bytes[i] === 0x5d) {
        i += 1;
        return { t: 'arr', items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (bytes[i] === 0x2c) i += 1;
        else if (bytes[i] === 0x5d) {
          i += 1;
          return { t: 'arr', items };
        } else fail();
      }
    }
    if (c === 0x74) return lit('true', true);
    if (c === 0x66) return lit('false', false);
    if (c === 0x6e) return lit('null', null);
    return num();
  };
  const root = value();
  ws();
  if (i !== bytes.length) fail();
  return root;
}

/**
 * A field of a struct: `u32`, `string`, `optstring` (absent or null gives undefined), or a
 * nested struct (an array of fields).
 * @typedef {{name: string, kind: 'u32' | 'string' | 'optstring' | Field[]}} Field
 */

function decodeField(node, kind) {
  if (Array.isArray(kind)) return decodeStruct(node, kind);
  if (kind === 'optstring' && node.t === 'lit' && node.v === null) return undefined;
  if (kind === 'string' || kind === 'optstring') {
    if (node.t !== 'str' || node.value === null) fail();
    return node.value;
  }
  // u32: a plain integer token (a sign, fraction or exponent makes serde_json read a float or
  // a negative integer, both refused for u32) within range.
  if (node.t !== 'num' || !/^(0|[1-9][0-9]*)$/.test(node.raw)) fail();
  const v = Number(node.raw);
  if (node.raw.length > 10 || v > 0xffffffff) fail();
  return v;
}

function decodeStruct(node, fields) {
  const out = {};
  if (node.t === 'arr') {
    if (node.items.length !== fields.length) fail();
    fields.forEach((f, k) => {
      out[f.name] = decodeField(node.items[k], f.kind);
    });
    return out;
  }
  if (node.t !== 'obj') fail();
  const seen = new Set();
  for (const [key, v] of node.entries) {
    const f = fields.find((x) => x.name === key.value);
    if (f === undefined) continue;
    if (seen.has(f.name)) fail();
    seen.add(f.name);
    out[f.name] = decodeField(v, f.kind);
  }
  for (const f of fields) if (!seen.has(f.name) && f.kind !== 'optstring') fail();
  return out;
}

/**
 * Reads `bytes` as the struct `fields`; null when serde_json would refuse it.
 * @param {Uint8Array} bytes
 * @param {Field[]} fields
 * @returns {Record<string, unknown> | null}
 */
export function readStruct(bytes, fields) {
  try {
    return decodeStruct(parseDocument(bytes), fields);
  } catch (e) {
    if (e instanceof Fail || e instanceof RangeError) return null;
    throw e;
  }
}
