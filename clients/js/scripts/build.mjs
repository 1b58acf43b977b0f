// Builds the browser bundles with esbuild (ESM, minified) and measures them:
//   dist/bosso-client.js  the whole package (what the demo page loads)
//   dist/bosso-bench.js   bench/browser_bench.js: both ends, timed in the browser
// and, for the size table only, secure mode alone and secure + paseo (tree-shaken entries).
// Writes dist/sizes.json and prints it.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });
const common = { bundle: true, format: 'esm', minify: true, target: 'es2022', platform: 'browser', absWorkingDir: root, legalComments: 'none' };

const secureOnly = `export { BossoError, connectSecure, openAttachedWebSocket, parseOffer, fingerprint, channelAudience } from './src/index.js';`;
const withPaseo = `${secureOnly}\nexport { connectPaseo } from './src/index.js';`;

async function measure(name, contents) {
  const r = await build({ ...common, stdin: { contents, resolveDir: root, sourcefile: `${name}.js` }, write: false });
  const code = r.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

await build({ ...common, entryPoints: ['src/index.js'], outfile: path.join(dist, 'bosso-client.js') });
await build({ ...common, entryPoints: ['bench/browser_bench.js'], outfile: path.join(dist, 'bosso-bench.js') });
const sizes = {
  'secure mode (pairing, attach, connectSecure)': await measure('secure', secureOnly),
  'secure + paseo (connectPaseo added)': await measure('paseo', withPaseo),
  'whole package (dist/bosso-client.js)': await measure('all', `export * from './src/index.js';`),
};
writeFileSync(path.join(dist, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
console.log(JSON.stringify(sizes, null, 2));
