import type { Channel, Limits } from './secure.js';
import type { PaseoChannel, PaseoLimits } from './paseo.js';

/** Secure-mode daemon side, for vectors, tests and benchmarks (real daemons use the Rust crate). */
export declare function daemonRespond(
  staticSecret: Uint8Array,
  hello: Uint8Array,
  options?: { limits?: Limits; ephemeralSecret?: Uint8Array },
): { ready: Uint8Array; binding: Uint8Array; readConfirm(frame: Uint8Array): Channel };

/** Paseo daemon side, for tests and benchmarks (no hello replay guard). */
export declare function paseoDaemonRespond(
  secretKey: Uint8Array,
  helloText: string,
  options?: { limits?: PaseoLimits; randomBytes?: (n: number) => Uint8Array },
): { channel: PaseoChannel; ready: string; clientKey: string };
