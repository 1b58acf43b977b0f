// Paseo relay E2EE wire format, written from the documented format with tweetnacl 1.0.3:
// hello/ready JSON, frames = base64(nonce(24) || tag(16) || ciphertext), crypto_box precomputed.
import nacl from 'tweetnacl';

// btoa/atob exist in browsers and in Node >= 16, so this file runs in both.
export const b64 = (u8) => {
  let bin = '';
  for (const b of u8) bin += String.fromCharCode(b);
  return btoa(bin);
};
export const unb64 = (s) => {
  // Accept url-safe and unpadded input, as the Paseo reference receiver does.
  let t = s.replace(/-/g, '+').replace(/_/g, '/');
  while (t.length % 4 !== 0) t += '=';
  return Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
};

export class PaseoClient {
  constructor(daemonPublic, keyPair = nacl.box.keyPair()) {
    this.keyPair = keyPair;
    this.shared = nacl.box.before(daemonPublic, keyPair.secretKey);
    this.hello = JSON.stringify({ type: 'e2ee_hello', key: b64(keyPair.publicKey) });
  }
  seal(bytes, nonce = nacl.randomBytes(24)) {
    const boxed = nacl.box.after(bytes, nonce, this.shared); // tag || ciphertext
    const frame = new Uint8Array(24 + boxed.length);
    frame.set(nonce); frame.set(boxed, 24);
    return b64(frame);
  }
  open(text) {
    const frame = unb64(text);
    if (frame.length < 40) throw new Error('short frame');
    const pt = nacl.box.open.after(frame.slice(24), frame.slice(0, 24), this.shared);
    if (pt === null) throw new Error('decrypt failed');
    return pt;
  }
}
