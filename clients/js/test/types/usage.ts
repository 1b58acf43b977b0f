// Compiled by `tsc -p test/types` (test/types.test.js): the declarations type a browser
// client end to end, and misuse is a type error (each @ts-expect-error must fail to compile).
import {
  BossoError,
  attachProtocols,
  connectPaseo,
  connectSecure,
  fingerprint,
  isBossoError,
  openAttachedWebSocket,
  parseOffer,
  type ErrorCode,
  type PairingOffer,
  type Session,
} from '@bosso/client';
import { daemonRespond } from '@bosso/client/daemon';
import { ClientHandshake, limits } from '@bosso/client/secure';

export async function client(getToken: (audience: string) => Promise<string>): Promise<string> {
  const offer: PairingOffer = parseOffer(location.href);
  const shown: string = fingerprint(offer.daemonPublicKey);
  const protocols: [string, string] = attachProtocols('myapp.v1', 'bat1e.AAAA');
  const ws = await openAttachedWebSocket(`wss://${location.host}/ws`, { appProtocol: protocols[0], token: 'bat1e.AAAA' });
  const session: Session = await connectSecure(ws, offer.daemonPublicKey, { attach: getToken, deadlineMs: 5000 });
  session.send('text');
  session.send(new Uint8Array([1, 2]));
  const bytes: Uint8Array = await session.receive();
  for await (const msg of session) void msg;
  const reason: BossoError = await session.closed;
  const code: ErrorCode = reason.code;
  // @ts-expect-error a session sends bytes or strings only
  session.send(42);
  // @ts-expect-error codes are a closed set
  const wrong: ErrorCode = 'NoSuchCode';
  void wrong;
  const paseo = await connectPaseo(new WebSocket('wss://x'), offer.daemonPublicKey, { helloResendMs: 1000 });
  paseo.close();
  return `${shown} ${bytes.length} ${code}`;
}

export function handle(e: unknown): string {
  return isBossoError(e, 'InvalidOffer') ? e.detail : 'other';
}

export function vectors(): Uint8Array {
  const hs = new ClientHandshake(new Uint8Array(32), { limits: limits({ rekeyAfterMessages: 3 }) });
  const d = daemonRespond(new Uint8Array(32), hs.hello);
  return hs.readReady(d.ready).channel.seal(new Uint8Array(1));
}
