// Secure mode with the in-channel attach record (tests/node_interop.rs): prints the channel
// audience, reads the token the test minted for it from stdin, sends it first, then "hello"
// and expects the daemon's reply.
// Usage: node attach_client.mjs <ws-url> <daemon-public-hex>
import WebSocket from 'ws';
import { createInterface } from 'node:readline';
import { connectSecure } from '../src/index.js';

const [url, daemonHex] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
try {
  const s = await connectSecure(new WebSocket(url), new Uint8Array(Buffer.from(daemonHex, 'hex')), {
    attach: async (audience) => {
      console.log(`audience: ${audience}`);
      return (await lines.next()).value;
    },
  });
  s.send('hello');
  console.log(`reply: ${await s.receiveText()}`);
  s.close();
  process.exit(0);
} catch (e) {
  console.log(`refused: ${e.code}`);
  process.exit(1);
}
