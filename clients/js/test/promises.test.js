// README promises no other test file shows: the handshake deadline closes the WebSocket with
// 4008, also while the attach callback is pending; errors never carry a token, a key or refused bytes; every
// handshake draws a fresh ephemeral key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { x25519 } from '@noble/curves/ed25519.js';
import {
  BossoError,
  CLOSE_DEADLINE,
  ClientHandshake,
  attachProtocols,
  checkAttachEcho,
  connectSecure,
  parseOffer,
} from '../src/index.js';
import { daemonRespond } from '../src/daemon.js';

const secret = new Uint8Array(32).fill(5);
const publicKey = x25519.getPublicKey(secret);

/** A loopback secure daemon that completes handshakes and reports each close code it sees. */
async function secureDaemon() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const closes = [];
  let messages = 0;
  wss.on('connection', (ws) => {
    let pending;
    ws.on('message', (data) => {
      messages += 1;
      if (!pending) {
        pending = daemonRespond(secret, new Uint8Array(data));
        ws.send(pending.ready);
      }
    });
    closes.push(new Promise((r) => ws.on('close', (code) => r(code))));
  });
  await once(wss, 'listening');
  return {
    url: `ws://127.0.0.1:${wss.address().port}`,
    closes,
    messages: () => messages,
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(r);
      }),
  };
}

// The WebSocket closes at the deadline even while the page's attach callback is pending, and
// connectSecure rejects with HandshakeTimeout then, without waiting for the callback; a token
// the callback produces later is never sent.
test('the deadline closes the WebSocket with 4008 while the attach callback is pending', async () => {
  const srv = await secureDaemon();
  let release;
  const pending = () => new Promise((r) => (release = r));
  const connecting = connectSecure(new WebSocket(srv.url), publicKey, { attach: pending, deadlineMs: 200 });
  const outcome = connecting.then(() => 'attached', (e) => e.code);
  await new Promise((r) => setTimeout(r, 50));
  while (srv.closes.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await srv.closes[0], CLOSE_DEADLINE);
  assert.equal(CLOSE_DEADLINE, 4008);
  assert.equal(srv.messages(), 2, 'hello and confirm only');
  assert.equal(await outcome, 'HandshakeTimeout', 'settles at the deadline, callback still pending');
  release('bat1e.LATE');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(srv.messages(), 2, 'the late token is never sent');
  await srv.close();
});

/** Everything an error shows: message, detail, stack and its JSON form. */
const shown = (e) => `${e.message} ${e.detail} ${e.stack} ${JSON.stringify(e)} ${String(e)}`;

function refusal(f) {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof BossoError, String(e));
    return e;
  }
  assert.fail('not refused');
}

test('errors never carry the token, the key or the bytes of a refused frame', async () => {
  const token = 'bat1e.SECRETTOKENVALUE';
  const echoed = refusal(() => checkAttachEcho(`bosso.attach.${token}`, 'myapp.v1'));
  assert.equal(echoed.code, 'EchoedToken');
  const badToken = refusal(() => attachProtocols('myapp.v1', `${token} with a space`));
  assert.equal(badToken.code, 'InvalidToken');
  for (const e of [echoed, badToken]) assert.ok(!shown(e).includes('SECRETTOKEN'), shown(e));

  // An offer whose key is one byte short: the key's text never appears in the refusal.
  const key = Buffer.from(publicKey.subarray(0, 31)).toString('base64');
  const json = `{"v":2,"serverId":"srv_abc","daemonPublicKeyB64":"${key}","relay":{"endpoint":"r.example:443"}}`;
  const offer = refusal(() => parseOffer(`https://app.example/#offer=${Buffer.from(json).toString('base64url')}`));
  assert.ok(!shown(offer).includes(key), shown(offer));

  // A tampered frame: neither its hex nor its base64 appears in the refusal.
  const hs = new ClientHandshake(publicKey);
  const d = daemonRespond(secret, hs.hello);
  const { channel, confirm } = hs.readReady(d.ready);
  const daemon = d.readConfirm(confirm);
  const frame = channel.seal(new TextEncoder().encode('a secret message'));
  frame[frame.length - 1] ^= 1;
  const tampered = refusal(() => daemon.open(frame));
  assert.equal(tampered.code, 'Authentication');
  const body = Buffer.from(frame.subarray(2, 18));
  for (const text of [body.toString('hex'), body.toString('base64'), 'a secret message']) {
    assert.ok(!shown(tampered).includes(text), shown(tampered));
  }

  // The page's attach callback failing with the token in its message: not passed on.
  const srv = await secureDaemon();
  const leaky = async () => {
    throw new Error(`could not fetch ${token}`);
  };
  const err = await connectSecure(new WebSocket(srv.url), publicKey, { attach: leaky }).then(
    () => assert.fail('attached'),
    (e) => e,
  );
  assert.equal(err.code, 'AttachFailed');
  assert.ok(!shown(err).includes('SECRETTOKEN'), shown(err));
  await srv.close();
});

test('every handshake draws a fresh ephemeral key (forward secrecy rests on it)', () => {
  const hellos = new Set();
  for (let i = 0; i < 16; i++) hellos.add(Buffer.from(new ClientHandshake(publicKey).hello.subarray(2, 34)).toString('hex'));
  assert.equal(hellos.size, 16);
});
