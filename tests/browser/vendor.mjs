// Copies the console's libraries from node_modules (installed from package-lock.json) into
// web/vendor/, rewriting the one bare import ("preact") into a relative path, since the console is
// served without a bundler or an import map (an import map would be an inline script, which the
// Content-Security-Policy forbids). CI runs this and then `git diff --exit-code web/vendor`, so the
// committed files are exactly what the locked versions produce.
import { readFileSync, writeFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, 'node_modules');
const out = join(here, '..', '..', 'web', 'vendor');

const files = [
  // [source under node_modules, name in web/vendor]
  ['preact/dist/preact.module.js', 'preact.js'],
  ['preact/hooks/dist/hooks.module.js', 'hooks.js'],
  ['htm/dist/htm.module.js', 'htm.js'],
];
const licenses = [
  ['preact/LICENSE', 'preact'],
  ['htm/LICENSE', 'htm'],
];

function version(pkg) {
  return JSON.parse(readFileSync(join(modules, pkg, 'package.json'), 'utf8')).version;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [source, target] of files) {
  let text = readFileSync(join(modules, source), 'utf8');
  text = text.replace(/from\s*["']preact["']/g, 'from"./preact.js"');
  // Source maps are not vendored; drop the comment that points to them.
  text = text.replace(/\n?\/\/# sourceMappingURL=.*\s*$/, '\n');
  if (/from\s*["'][^./]/.test(text)) throw new Error(`${source} still has a bare import`);
  writeFileSync(join(out, target), text);
}
let notice = 'Vendored by tests/browser/vendor.mjs from the npm registry (see tests/browser/package-lock.json).\n';
for (const [license, pkg] of licenses) {
  notice += `\n==== ${pkg} ${version(pkg)} ====\n\n${readFileSync(join(modules, license), 'utf8').trim()}\n`;
}
writeFileSync(join(out, 'LICENSES.txt'), notice);
console.log(`vendored ${readdirSync(out).sort().join(', ')} into web/vendor`);
