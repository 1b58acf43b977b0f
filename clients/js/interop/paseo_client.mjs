// Paseo-mode session (tweetnacl) against the Rust daemon side (tests/node_interop.rs).
// Usage: node paseo_client.mjs <ws-url> <daemon-public-b64>
// The hello is repeated every second until ready (connectPaseo), then three JSON pings each
// expect the daemon's encrypted pong.
import WebSocket from 'ws';
import { connectPaseo, unb64 } from '../src/index.js';

const [url, daemonB64] = process.argv.slice(2);
try {
  const s = await connectPaseo(new WebSocket(url), unb64(daemonB64));
  for (let i = 1; i <= 3; i++) {
    s.send(JSON.stringify({ type: 'ping', n: i }));
    const msg = JSON.parse(await s.receiveText());
    if (msg.type !== 'pong' || msg.n !== i) throw new Error(`unexpected reply ${JSON.stringify(msg)}`);
  }
  console.log('paseo OK');
  s.close();
} catch (e) {
  console.error('client failed:', e.code ?? '', e.message);
  process.exit(1);
}
