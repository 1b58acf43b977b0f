// Sessions over real loopback WebSockets (`ws` under Node), against the JS daemon side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import nacl from 'tweetnacl';
import { x25519 } from '@noble/curves/ed25519.js';
import { connectPaseo, connectSecure, openAttachedWebSocket, CLOSE_REFUSED } from '../src/index.js';
import { daemonRespond, paseoDaemonRespond } from '../src/daemon.js';

const secret = new Uint8Array(32).fill(3);
const publicKey = x25519.getPublicKey(secret);
const factory = (url, protocols) => new WebSocket(url, protocols);

/** A loopback server; `onConnection(ws, req)` is the daemon. Returns its URL and a closer. */
async function serve(onConnection, options = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  wss.on('connection', onConnection);
  await once(wss, 'listening');
  return { url: `ws://127.0.0.1:${wss.address().port}`, close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(r);
      }),
    wss,
  };
}

/** The secure daemon: handshake, then `onData(channel, bytes, ws)` for each message. */
function secureDaemon(onData, { onOpen } = {}) {
  return (ws) => {
    let step = 0;
    let pending;
    let channel;
    ws.on('message', (data) => {
      const frame = new Uint8Array(data);
      if (step === 0) {
        pending = daemonRespond(secret, frame);
        ws.send(pending.ready);
      } else if (step === 1) {
        channel = pending.readConfirm(frame);
        onOpen?.(channel, ws);
      } else {
        try {
          onData(channel, channel.open(frame), ws, frame);
        } catch (e) {
          ws.emit('daemon-error', e);
        }
      }
      step += 1;
    });
  };
}

const echo = (channel, bytes, ws) => ws.send(channel.seal(bytes));

test('secure session: text and binary both ways, then an authenticated close from the daemon', async () => {
  const srv = await serve(
    secureDaemon((channel, bytes, ws) => {
      if (new TextDecoder().decode(bytes) === 'bye') ws.send(channel.sealClose());
      else echo(channel, bytes, ws);
    }),
  );
  const ws = new WebSocket(srv.url);
  const s = await connectSecure(ws, publicKey);
  s.send('hello');
  assert.equal(await s.receiveText(), 'hello');
  const blob = new Uint8Array(65518).map((_, i) => i);
  s.send(blob);
  assert.deepEqual(await s.receive(), blob);
  assert.equal(s.binding.length, 32);
  s.send('bye');
  await assert.rejects(s.receive(), { code: 'ClosedByPeer' });
  assert.equal((await s.closed).code, 'ClosedByPeer');
  assert.throws(() => s.send('more'), { code: 'ChannelClosed' });
  await srv.close();
});

test('a frame replayed by the relay ends the session with Authentication and closes the WebSocket', async () => {
  const srv = await serve(
    secureDaemon((channel, bytes, ws) => {
      const f = channel.seal(bytes);
      ws.send(f);
      ws.send(f); // the relay's replay
    }),
  );
  const ws = new WebSocket(srv.url);
  const closed = new Promise((r) => ws.addEventListener('close', (ev) => r(ev.code)));
  const s = await connectSecure(ws, publicKey);
  s.send('once');
  assert.equal(await s.receiveText(), 'once');
  await assert.rejects(s.receive(), { code: 'Authentication' });
  assert.equal((await s.closed).code, 'Authentication');
  assert.equal(await closed, CLOSE_REFUSED);
  await srv.close();
});

test('a WebSocket closed without an authenticated close is a Transport end (truncation is visible)', async () => {
  const srv = await serve(secureDaemon((channel, bytes, ws) => ws.close()));
  const s = await connectSecure(new WebSocket(srv.url), publicKey);
  s.send('x');
  await assert.rejects(s.receive(), { code: 'Transport' });
  await srv.close();
});

test('a silent daemon: HandshakeTimeout at the deadline', async () => {
  const srv = await serve(() => {});
  await assert.rejects(connectSecure(new WebSocket(srv.url), publicKey, { deadlineMs: 150 }), { code: 'HandshakeTimeout' });
  await srv.close();
});

test('the in-channel attach record is the first message, with a token for this channel audience', async () => {
  const seen = [];
  const srv = await serve(
    secureDaemon((channel, bytes) => {
      seen.push(Buffer.from(bytes).toString());
    }),
  );
  let asked;
  const s = await connectSecure(new WebSocket(srv.url), publicKey, {
    attach: async (audience) => {
      asked = audience;
      return 'bat1e.TOKEN';
    },
  });
  s.send('after');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(asked, `e2ee.${Buffer.from(s.binding).toString('base64url')}`);
  assert.deepEqual(seen, ['bosso-e2ee/attach\0bat1e.TOKEN', 'after']);
  await srv.close();
});

test('openAttachedWebSocket offers [app, token entry] and refuses an echoed token entry', async () => {
  let offered;
  const echoToken = await serve(() => {}, {
    handleProtocols: (protocols, req) => {
      offered = req.headers['sec-websocket-protocol'];
      return [...protocols].find((p) => p.startsWith('bosso.attach.'));
    },
  });
  await assert.rejects(
    openAttachedWebSocket(echoToken.url, { appProtocol: 'myapp.v1', token: 'bat1e.AAAA', webSocket: factory }),
    { code: 'EchoedToken' },
  );
  assert.deepEqual(offered.split(/, */), ['myapp.v1', 'bosso.attach.bat1e.AAAA']);
  await echoToken.close();

  const good = await serve(() => {}, { handleProtocols: (protocols) => [...protocols][0] });
  const ws = await openAttachedWebSocket(good.url, { appProtocol: 'myapp.v1', token: 'bat1e.AAAA', webSocket: factory });
  assert.equal(ws.protocol, 'myapp.v1');
  ws.close();
  await good.close();

  const refused = await serve(() => {}, { verifyClient: (_, cb) => cb(false, 401) });
  await assert.rejects(
    openAttachedWebSocket(refused.url, { appProtocol: 'myapp.v1', token: 'bat1e.AAAA', webSocket: factory }),
    { code: 'Transport' },
  );
  await refused.close();
});

test('paseo session: the client repeats its hello until ready, then exchanges frames', async () => {
  const daemon = nacl.box.keyPair.fromSecretKey(new Uint8Array(32).fill(4));
  let hellos = 0;
  const srv = await serve((ws) => {
    let channel = null;
    ws.on('message', (data) => {
      const text = data.toString();
      if (channel === null) {
        hellos += 1;
        if (hellos < 3) return; // a daemon that is not ready yet
        const d = paseoDaemonRespond(daemon.secretKey, text);
        channel = d.channel;
        ws.send(d.ready);
        return;
      }
      const r = channel.open(text);
      if (r.data) ws.send(channel.seal(r.data));
    });
  });
  const s = await connectPaseo(new WebSocket(srv.url), daemon.publicKey, { helloResendMs: 20 });
  assert.ok(hellos >= 3);
  s.send('paseo');
  assert.equal(await s.receiveText(), 'paseo');
  s.close();
  assert.equal((await s.closed).code, 'ChannelClosed');
  await srv.close();
});
