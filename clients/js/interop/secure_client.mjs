// Secure-mode session against the Rust daemon side (bosso-e2ee/tests/node_interop.rs).
// Usage: node secure_client.mjs <ws-url> <daemon-public-hex>
// Sends "ping N" x3 expecting "pong: ping N", receives a daemon-initiated message, prints the
// channel binding, and ends with an authenticated close.
import WebSocket from 'ws';
import { connectSecure, hex } from '../src/index.js';

const [url, daemonHex] = process.argv.slice(2);
try {
  const s = await connectSecure(new WebSocket(url), new Uint8Array(Buffer.from(daemonHex, 'hex')));
  for (let i = 1; i <= 3; i++) {
    s.send(`ping ${i}`);
    const reply = await s.receiveText();
    if (reply !== `pong: ping ${i}`) throw new Error(`unexpected reply ${reply}`);
  }
  console.log(`pushed: ${await s.receiveText()}`);
  console.log(`binding: ${hex(s.binding)}`);
  s.close();
} catch (e) {
  console.error('client failed:', e.code ?? '', e.message);
  process.exit(1);
}
