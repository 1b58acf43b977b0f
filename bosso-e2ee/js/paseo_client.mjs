// Paseo-mode reference client (tweetnacl 1.0.3) over a real WebSocket.
// Usage: node paseo_client.mjs <ws-url> <daemon-public-b64>
// Re-sends hello every 1000 ms until ready, then sends JSON pings (one in url-safe unpadded
// base64 to exercise the receiver's leniency) and checks the daemon's encrypted replies.
import WebSocket from 'ws';
import { PaseoClient, unb64 } from './paseo.mjs';

const [url, daemonB64] = process.argv.slice(2);
const enc = new TextEncoder();
const dec = new TextDecoder();
const client = new PaseoClient(unb64(daemonB64));
const ws = new WebSocket(url);
const inbox = [];
let waiter = null;
ws.on('message', (data, isBinary) => {
  if (isBinary) { console.error('binary frame in paseo mode'); process.exit(2); }
  inbox.push(data.toString('utf8'));
  if (waiter) { const w = waiter; waiter = null; w(); }
});
ws.on('error', (e) => { console.error('ws error', e.message); process.exit(3); });
const next = async () => {
  while (inbox.length === 0) await new Promise((r) => { waiter = r; });
  return inbox.shift();
};

ws.on('open', async () => {
  try {
    ws.send(client.hello);
    const timer = setInterval(() => ws.send(client.hello), 1000);
    let first = await next();
    clearInterval(timer);
    if (first !== '{"type":"e2ee_ready"}') throw new Error(`expected ready, got ${first}`);
    for (let i = 1; i <= 3; i++) {
      let frame = client.seal(enc.encode(JSON.stringify({ type: 'ping', n: i })));
      if (i === 2) frame = frame.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      ws.send(frame);
      let reply = await next();
      while (reply === '{"type":"e2ee_ready"}') reply = await next();
      const msg = JSON.parse(dec.decode(client.open(reply)));
      if (msg.type !== 'pong' || msg.n !== i) throw new Error(`unexpected reply ${JSON.stringify(msg)}`);
    }
    console.log('paseo OK');
    ws.close();
  } catch (e) {
    console.error('client failed:', e.message);
    process.exit(1);
  }
});
