// Timings of the package in the browser that loads it (/bench.html in the demo): the
// secure-mode handshake with both ends here, and seal+open of one frame, 64 B and 16 KiB,
// in secure and paseo mode. Medians; the same operations as `cargo bench --bench e2ee`.
import nacl from 'tweetnacl';
import { ClientHandshake, PaseoClientHandshake } from '../src/index.js';
import { daemonRespond, paseoDaemonRespond } from '../src/daemon.js';
import { publicKeyOf } from '../src/noise.js';

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median microseconds of `fn` per call, over `samples` batches of `batch` calls. */
function time(fn, { samples = 15, batch = 1 } = {}) {
  for (let i = 0; i < batch; i++) fn(); // warm up
  const xs = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    xs.push(((performance.now() - t0) * 1000) / batch);
  }
  return median(xs);
}

export function runBench() {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const pub = publicKeyOf(secret);
  const out = {};
  out['secure handshake, both sides'] = time(() => {
    const hs = new ClientHandshake(pub);
    const d = daemonRespond(secret, hs.hello);
    d.readConfirm(hs.readReady(d.ready).confirm);
  }, { samples: 15, batch: 5 });
  const hs = new ClientHandshake(pub);
  const d = daemonRespond(secret, hs.hello);
  const { channel, confirm } = hs.readReady(d.ready);
  const daemon = d.readConfirm(confirm);
  const box = nacl.box.keyPair();
  const phs = new PaseoClientHandshake(box.publicKey);
  const pd = paseoDaemonRespond(box.secretKey, phs.hello);
  const pc = phs.readReady(pd.ready);
  for (const size of [64, 16384]) {
    const payload = crypto.getRandomValues(new Uint8Array(size));
    const batch = size === 64 ? 200 : 20;
    out[`secure seal+open ${size} B`] = time(() => daemon.open(channel.seal(payload)), { batch });
    out[`paseo seal+open ${size} B`] = time(() => pd.channel.open(pc.seal(payload)), { batch });
  }
  for (const k of Object.keys(out)) out[k] = Math.round(out[k] * 10) / 10;
  return out;
}

if (typeof document !== 'undefined') {
  window.runBench = runBench;
  document.getElementById('run')?.addEventListener('click', () => {
    document.getElementById('out').textContent = JSON.stringify(runBench(), null, 2);
  });
}
