// The one way docs/console/*.png change: runs the browser tests that take screenshots with the
// desk's clock standing still at one instant (AGENTDESK_CLOCK, on the server and in the pages) and
// their own fixed data, into a fresh temporary folder (AGENTDESK_SHOTS). Only when every test
// passed does that set go to docs/console/: a picture that shows what the committed one shows
// (png.mjs: the same pixels, give or take Chromium's antialiasing) leaves the committed file as it
// is, a changed or new one replaces or joins it, and one no test takes any more is removed. So
// running it twice changes nothing, and a PNG that changes in a commit is a change of the console.
// A plain test run never writes into docs/ (its screenshots go to target/browser-shots/).
//
//   cargo build && (cd tests/browser && npm ci) && node tests/browser/screenshots.mjs
//
// Needs what the tests need (Debian's chromium, AGENTDESK_BIN or target/debug/agentdesk) and
// libfaketime (apt-get install faketime) for the server's clock.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { samePicture } from './png.mjs';

// A Tuesday morning in working hours, in the desk's default time zone (UTC).
const CLOCK = '2026-12-01T09:30:00Z';

const here = dirname(fileURLToPath(import.meta.url));
const docs = resolve(here, '..', '..', 'docs', 'console');
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs') && /\bshot\(/.test(readFileSync(join(here, f), 'utf8')))
  .sort();
const shots = mkdtempSync(join(tmpdir(), 'agentdesk-shots-'));
try {
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=300000', ...files], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, AGENTDESK_CLOCK: CLOCK, AGENTDESK_SHOTS: shots },
  });
  if (run.status !== 0) {
    console.error('screenshots: the tests failed; docs/console is left as it was');
    process.exit(run.status ?? 1);
  }
  const made = readdirSync(shots).filter((f) => f.endsWith('.png'));
  if (made.length === 0) throw new Error('the tests took no screenshot');
  const removed = readdirSync(docs).filter((f) => f.endsWith('.png') && !made.includes(f));
  for (const name of removed) unlinkSync(join(docs, name));
  const changed = [];
  for (const name of made.sort()) {
    const picture = readFileSync(join(shots, name));
    const committed = join(docs, name);
    if (existsSync(committed) && samePicture(readFileSync(committed), picture)) continue;
    writeFileSync(committed, picture);
    changed.push(name);
  }
  console.log(
    `screenshots (clock ${CLOCK}): ${made.length} taken; changed or new: ${changed.join(', ') || 'none'}; ` +
      `removed: ${removed.join(', ') || 'none'}`,
  );
} finally {
  rmSync(shots, { recursive: true, force: true });
}
