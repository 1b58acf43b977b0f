// Parses every offer URL of a JSON array file with the package; prints one JSON result per
// offer (`{"ok": [serverId, key base64, endpoint]}` or `{"err": reason}`) for the differential
// test against the Rust parser (tests/node_interop.rs).
// Usage: node offer_diff.mjs <cases.json>
import { readFileSync } from 'node:fs';
import { BossoError, b64, parseOffer } from '../src/index.js';

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = cases.map((url) => {
  try {
    const o = parseOffer(url);
    return { ok: [o.serverId, b64(o.daemonPublicKey), o.relayEndpoint] };
  } catch (e) {
    if (!(e instanceof BossoError) || e.code !== 'InvalidOffer') return { untyped: String(e) };
    return { err: e.detail };
  }
});
process.stdout.write(JSON.stringify(out));
