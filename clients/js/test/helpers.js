// Shared by the package's tests: the vector files and hex helpers.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');

export const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
export const hexOf = (u8) => Buffer.from(u8).toString('hex');

/** bosso-e2ee's committed secure-mode vectors. */
export const secureVectors = () =>
  JSON.parse(readFileSync(path.join(repoRoot, 'bosso-e2ee/vectors/secure_v1.json'), 'utf8'));

/**
 * The Paseo known answer lives beside the repository (`../shared`, as CI lays it out).
 * Returns null when absent outside CI (the caller skips); under CI=true absence fails.
 */
export function paseoVectors() {
  const p = path.join(repoRoot, '../shared/vectors/paseo/relay_e2ee_v2.json');
  if (!existsSync(p)) {
    if (process.env.CI === 'true') throw new Error(`${p} is required under CI=true`);
    return null;
  }
  return JSON.parse(readFileSync(p, 'utf8'));
}

/** A seeded generator (xorshift128+ style on 32-bit lanes): the same cases every run. */
export function seeded(seed) {
  let a = seed >>> 0 || 1;
  let b = 0x9e3779b9;
  let c = 0x243f6a88;
  let d = 0xb7e15162;
  const next = () => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  return {
    u32: next,
    int: (n) => next() % n,
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = next() & 0xff;
      return out;
    },
  };
}
