// Secure-mode reference client over a real WebSocket.
// Usage: node secure_client.mjs <ws-url> <daemon-public-hex>
// Sends hello, checks ready, sends confirm, then "ping N" x3 expecting "pong: ping N", receives a
// daemon-initiated message, prints the channel binding, and closes with an authenticated close.
import WebSocket from 'ws';
import { ClientHandshake } from './secure.mjs';

const [url, daemonHex] = process.argv.slice(2);
const enc = new TextEncoder();
const dec = new TextDecoder();
const ws = new WebSocket(url);
ws.binaryType = 'nodebuffer';
const inbox = [];
let waiter = null;
ws.on('message', (data, isBinary) => {
  if (!isBinary) { console.error('text frame in secure mode'); process.exit(2); }
  inbox.push(new Uint8Array(data));
  if (waiter) { const w = waiter; waiter = null; w(); }
});
ws.on('error', (e) => { console.error('ws error', e.message); process.exit(3); });
const next = async () => {
  while (inbox.length === 0) await new Promise((r) => { waiter = r; });
  return inbox.shift();
};

ws.on('open', async () => {
  try {
    const hs = new ClientHandshake(new Uint8Array(Buffer.from(daemonHex, 'hex')));
    ws.send(hs.hello);
    const { channel, confirm } = hs.readReady(await next());
    ws.send(confirm);
    for (let i = 1; i <= 3; i++) {
      ws.send(channel.seal(enc.encode(`ping ${i}`)));
      const reply = dec.decode(channel.open(await next()));
      if (reply !== `pong: ping ${i}`) throw new Error(`unexpected reply ${reply}`);
    }
    const pushed = dec.decode(channel.open(await next()));
    console.log(`pushed: ${pushed}`);
    console.log(`binding: ${Buffer.from(channel.handshakeHash).toString('hex')}`);
    ws.send(channel.sealClose());
    ws.close();
    process.exitCode = 0;
  } catch (e) {
    console.error('client failed:', e.message);
    process.exit(1);
  }
});
