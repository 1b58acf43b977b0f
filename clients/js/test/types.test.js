// The hand-written declarations match the code: every runtime export of every entry point is
// declared (and nothing declared is missing at run time), and test/types/usage.ts compiles
// under `tsc --strict` with its misuse lines refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Value names a .d.ts exports (types excluded), following its `export { } from` lines. */
function declared(file) {
  const text = readFileSync(file, 'utf8');
  const names = new Set();
  for (const m of text.matchAll(/^export declare (?:const|function|class) (\w+)/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^export \{([^}]*)\} from/gm)) {
    for (const n of m[1].split(',')) if (n.trim()) names.add(n.trim());
  }
  return names;
}

for (const [entry, target] of Object.entries(pkg.exports)) {
  test(`${entry}: runtime exports and declarations agree`, async () => {
    const mod = await import(path.join(root, target.default));
    const runtime = new Set(Object.keys(mod));
    const types = declared(path.join(root, target.types));
    assert.deepEqual([...runtime].filter((n) => !types.has(n)), [], 'exported but not declared');
    assert.deepEqual([...types].filter((n) => !runtime.has(n)), [], 'declared but not exported');
  });
}

test('test/types/usage.ts compiles with tsc --strict', (t) => {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) {
    if (process.env.CI === 'true') throw new Error('typescript is required under CI=true (npm ci)');
    return t.skip('typescript not installed');
  }
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'test/types')], { cwd: root, stdio: 'pipe' });
});
