// Sessions over a WebSocket: the browser's own `WebSocket`, or `ws` under Node (anything with
// the WHATWG interface: send, close, binaryType, protocol, readyState, addEventListener).
//
//   const ws = await openAttachedWebSocket(url, { appProtocol: 'myapp.v1', token });
//   const s = await connectSecure(ws, offer.daemonPublicKey, { attach: getChannelToken });
//   s.send('hello'); const reply = await s.receive();
//
// A session ends exactly once, with a typed reason (`closed` resolves to it): ClosedByPeer for
// an authenticated close, the refusal's code when a frame is refused (the channel and the
// WebSocket are then closed), Transport when the WebSocket closes without an authenticated
// close (a relay cutting the stream), HandshakeTimeout, or ChannelClosed after our own close().
import { BossoError } from './errors.js';
import { utf8, utf8Strict } from './bytes.js';
import { attachProtocols, checkAttachEcho, channelAudience, sealAttach } from './attach.js';
import { ClientHandshake, checkPublicKey } from './secure.js';
import { PaseoClientHandshake } from './paseo.js';
import { limits as secureLimits } from './channel.js';

/** Close codes this client sends (browsers allow only 1000 and 3000-4999). */
export const CLOSE_NORMAL = 1000;
/** The handshake deadline passed (the Rust adapters send 1008). */
export const CLOSE_DEADLINE = 4008;
/** A frame or echo was refused (the Rust adapters send 1011). */
export const CLOSE_REFUSED = 4011;

const OPEN = 1;
const CONNECTING = 0;
const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_HELLO_RESEND_MS = 1_000;

function closeQuietly(ws, code, reason) {
  try {
    ws.close(code, reason);
  } catch {
    // Already closing or closed.
  }
}

function defaultFactory(url, protocols) {
  if (typeof globalThis.WebSocket !== 'function') {
    throw new BossoError('Transport', 'no WebSocket implementation: pass options.webSocket');
  }
  return new globalThis.WebSocket(url, protocols);
}

/** Waits until `ws` is open; a close or error first is a Transport error. */
function whenOpen(ws, deadlineMs) {
  if (ws.readyState === OPEN) return Promise.resolve();
  if (ws.readyState !== CONNECTING) return Promise.reject(new BossoError('Transport', 'WebSocket is closed'));
  return new Promise((resolve, reject) => {
    const done = (f) => {
      clearTimeout(timer);
      ws.removeEventListener('open', onOpen);
      ws.removeEventListener('close', onFail);
      ws.removeEventListener('error', onFail);
      f();
    };
    const onOpen = () => done(resolve);
    // Browsers do not say why an upgrade failed (a 401 from the gate looks like any other).
    const onFail = () => done(() => reject(new BossoError('Transport', 'WebSocket upgrade refused or failed')));
    const timer = setTimeout(() => {
      closeQuietly(ws, CLOSE_DEADLINE, 'deadline');
      done(() => reject(new BossoError('HandshakeTimeout', 'WebSocket did not open before the deadline')));
    }, deadlineMs);
    ws.addEventListener('open', onOpen);
    ws.addEventListener('close', onFail);
    ws.addEventListener('error', onFail);
  });
}

/**
 * Opens a WebSocket offering `[appProtocol, 'bosso.attach.' + token]` and checks the echo
 * once it is open. Refuses (and closes) a server that echoes the token entry or anything but
 * the application protocol.
 */
export async function openAttachedWebSocket(url, options) {
  const { appProtocol, token, webSocket = defaultFactory, deadlineMs = DEFAULT_DEADLINE_MS } = options ?? {};
  const protocols = attachProtocols(appProtocol, token);
  let ws;
  try {
    ws = webSocket(url, protocols);
  } catch (e) {
    if (e instanceof BossoError) throw e;
    throw new BossoError('Transport', 'the WebSocket could not be created (bad URL?)');
  }
  ws.binaryType = 'arraybuffer';
  await whenOpen(ws, deadlineMs);
  try {
    checkAttachEcho(ws.protocol, appProtocol);
  } catch (e) {
    closeQuietly(ws, CLOSE_REFUSED, e.code);
    throw e;
  }
  return ws;
}

/** A received message as bytes or text (null for a type this package cannot read synchronously). */
function normalize(data) {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return null;
}

class Session {
  #ws;
  #mode;
  #channel = null;
  #pending = []; // raw messages during the handshake
  #inbox = []; // opened application messages
  #waiters = [];
  #hsWaiter = null;
  #end = null;
  #resolveClosed;
  #listeners;

  constructor(ws, mode) {
    this.#ws = ws;
    this.#mode = mode;
    /** Resolves once, with the BossoError that ended the session. */
    this.closed = new Promise((r) => {
      this.#resolveClosed = r;
    });
    ws.binaryType = 'arraybuffer';
    this.#listeners = {
      message: (ev) => this.#onMessage(ev.data),
      close: () => this.#onTransportEnd('WebSocket closed without an authenticated close'),
      error: () => this.#onTransportEnd('WebSocket error'),
    };
    for (const [k, f] of Object.entries(this.#listeners)) ws.addEventListener(k, f);
  }

  get mode() {
    return this.#mode;
  }

  /** Whether the session has ended. */
  get isClosed() {
    return this.#end !== null;
  }

  /** The channel binding (secure mode): the handshake hash both ends share. */
  get binding() {
    return this.#mode === 'secure' && this.#channel ? this.#channel.binding : null;
  }

  #onMessage(data) {
    if (this.#end) return;
    const msg = normalize(data);
    if (this.#channel === null) {
      this.#pending.push(msg);
      const w = this.#hsWaiter;
      this.#hsWaiter = null;
      if (w) w();
      return;
    }
    this.#openOne(msg);
  }

  #openOne(msg) {
    try {
      if (this.#mode === 'secure') {
        if (typeof msg === 'string') throw new BossoError('UnexpectedFrame', 'text frame in secure mode');
        if (msg === null) throw new BossoError('UnexpectedFrame', 'unreadable message type');
        this.#deliver(this.#channel.open(msg));
      } else {
        if (typeof msg !== 'string') throw new BossoError('UnexpectedFrame', 'binary frame in paseo mode');
        const r = this.#channel.open(msg);
        if (r.data) this.#deliver(r.data);
      }
    } catch (e) {
      const err = e instanceof BossoError ? e : new BossoError('Internal', 'unexpected failure opening a frame');
      this.#finish(err, err.code === 'ClosedByPeer' ? CLOSE_NORMAL : CLOSE_REFUSED);
    }
  }

  #deliver(bytes) {
    const w = this.#waiters.shift();
    if (w) w.resolve(bytes);
    else this.#inbox.push(bytes);
  }

  #onTransportEnd(detail) {
    if (this.#end) return;
    this.#finish(new BossoError('Transport', this.#mode === 'paseo' ? 'WebSocket closed (paseo mode has no authenticated close)' : detail), null);
  }

  /** Ends the session once: closes the channel and the WebSocket, wakes every waiter. */
  #finish(err, closeCode) {
    if (this.#end) return;
    this.#end = err;
    this.#channel?.abort();
    for (const [k, f] of Object.entries(this.#listeners)) this.#ws.removeEventListener(k, f);
    if (closeCode !== null) closeQuietly(this.#ws, closeCode, err.code);
    for (const w of this.#waiters.splice(0)) w.reject(err);
    const hs = this.#hsWaiter;
    this.#hsWaiter = null;
    if (hs) hs();
    this.#resolveClosed(err);
  }

  /** @internal next raw handshake message, or throws the end reason */
  async nextHandshakeMessage() {
    while (this.#pending.length === 0) {
      if (this.#end) throw this.#end;
      await new Promise((r) => {
        this.#hsWaiter = r;
      });
    }
    return this.#pending.shift();
  }

  /** @internal */
  fail(err, closeCode = CLOSE_REFUSED) {
    this.#finish(err, closeCode);
    return err;
  }

  /** @internal */
  get ended() {
    return this.#end;
  }

  /** @internal sends one frame on the WebSocket */
  transmit(frame) {
    if (this.#ws.readyState !== OPEN) throw this.fail(new BossoError('Transport', 'WebSocket is not open'), null);
    try {
      this.#ws.send(frame);
    } catch {
      throw this.fail(new BossoError('Transport', 'WebSocket send failed'), null);
    }
  }

  /** @internal the handshake is done: frames that arrived meanwhile are opened in order */
  open(channel) {
    this.#channel = channel;
    for (const msg of this.#pending.splice(0)) {
      if (this.#end) break;
      this.#openOne(msg);
    }
  }

  /** Sends one message (bytes, or a string sent as UTF-8). */
  send(message) {
    if (this.#end) throw this.#end.code === 'ClosedByPeer' ? new BossoError('ChannelClosed', 'channel closed') : this.#end;
    const bytes = typeof message === 'string' ? utf8(message) : message;
    let frame;
    try {
      frame = this.#channel.seal(bytes);
    } catch (e) {
      // Too large or not bytes: nothing was sent, the channel stays usable.
      if (e.code === 'FrameTooLarge' || e.code === 'MalformedFrame') throw e;
      throw this.fail(e);
    }
    this.transmit(frame);
  }

  /** The next message's bytes; rejects with the end reason once the session has ended. */
  receive() {
    if (this.#inbox.length > 0) return Promise.resolve(this.#inbox.shift());
    if (this.#end) return Promise.reject(this.#end);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The next message as UTF-8 text (`MalformedFrame` if it is not valid UTF-8). */
  async receiveText() {
    const s = utf8Strict(await this.receive());
    if (s === null) throw new BossoError('MalformedFrame', 'message is not valid UTF-8');
    return s;
  }

  /** Messages until the peer's authenticated close; other ends are thrown. */
  async *[Symbol.asyncIterator]() {
    for (;;) {
      try {
        yield await this.receive();
      } catch (e) {
        if (e.code === 'ClosedByPeer') return;
        throw e;
      }
    }
  }

  /** Ends the session: an authenticated close frame (secure mode), then the WebSocket close. */
  close() {
    if (this.#end) return;
    if (this.#mode === 'secure' && this.#channel && this.#ws.readyState === OPEN) {
      try {
        this.#ws.send(this.#channel.sealClose());
      } catch {
        // The close frame is best effort once the socket is failing.
      }
    }
    this.#finish(new BossoError('ChannelClosed', 'closed by this end'), CLOSE_NORMAL);
  }
}

/** Runs `body` against the session's deadline; any failure ends the session with its reason. */
async function withDeadline(session, deadlineMs, body, stop = () => {}) {
  const timer = setTimeout(
    () => session.fail(new BossoError('HandshakeTimeout', 'handshake deadline passed'), CLOSE_DEADLINE),
    deadlineMs,
  );
  try {
    await body();
    if (session.ended) throw session.ended;
    return session;
  } catch (e) {
    const err = e instanceof BossoError ? e : new BossoError('Internal', 'unexpected handshake failure');
    throw session.ended ?? session.fail(err);
  } finally {
    clearTimeout(timer);
    stop();
  }
}

/**
 * Secure mode over `ws`: the Noise NK handshake with key confirmation, then (with
 * `options.attach`) the in-channel attach record as the first message, its token obtained
 * from `attach(audience)` for this channel's audience. Resolves to an open session.
 */
export async function connectSecure(ws, daemonPublicKey, options = {}) {
  checkPublicKey(daemonPublicKey);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const l = options.limits ?? secureLimits();
  await whenOpen(ws, deadlineMs);
  const session = new Session(ws, 'secure');
  return withDeadline(session, deadlineMs, async () => {
    const hs = new ClientHandshake(daemonPublicKey, { limits: l });
    session.transmit(hs.hello);
    const ready = await session.nextHandshakeMessage();
    if (typeof ready === 'string') throw new BossoError('UnexpectedFrame', 'text frame in secure mode');
    const { channel, confirm } = hs.readReady(ready);
    session.transmit(confirm);
    if (options.attach) {
      // Raced against the session's end: a callback that never settles must not hold the
      // caller past the deadline (the page's request cannot be cancelled, only abandoned).
      const produced = Promise.resolve()
        .then(() => options.attach(channelAudience(channel.binding)))
        .then(
          (token) => ({ token }),
          (e) => {
            throw e instanceof BossoError ? e : new BossoError('AttachFailed', 'the attach callback did not produce a token');
          },
        );
      const { token, end } = await Promise.race([produced, session.closed.then((e) => ({ end: e }))]);
      if (end) throw end;
      if (session.ended) throw session.ended;
      session.transmit(sealAttach(channel, token));
    }
    session.open(channel);
  });
}

/**
 * Paseo mode over `ws`: the hello is sent, and again every `helloResendMs` (default 1 s, as
 * Paseo clients do) until ready arrives; a repeated ready later is ignored.
 */
export async function connectPaseo(ws, daemonPublicKey, options = {}) {
  checkPublicKey(daemonPublicKey);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const resendMs = Math.max(10, options.helloResendMs ?? DEFAULT_HELLO_RESEND_MS);
  await whenOpen(ws, deadlineMs);
  const session = new Session(ws, 'paseo');
  let timer = null;
  return withDeadline(
    session,
    deadlineMs,
    async () => {
      const hs = new PaseoClientHandshake(daemonPublicKey, { limits: options.limits });
      session.transmit(hs.hello);
      timer = setInterval(() => {
        if (!session.ended) session.transmit(hs.hello);
      }, resendMs);
      const ready = await session.nextHandshakeMessage();
      clearInterval(timer);
      if (typeof ready !== 'string') throw new BossoError('UnexpectedFrame', 'binary frame in paseo mode');
      session.open(hs.readReady(ready));
    },
    () => clearInterval(timer),
  );
}
