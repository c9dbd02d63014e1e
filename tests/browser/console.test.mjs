// The console as served by the binary: security headers, caching, no inline code; logging on, the
// API's errors as it words them, the password reset through the mailed code, keyboard help and
// accessible names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, desk, newContext, openPage, logOn, shot, eventually, SAM, realErrors, PHONE } from './harness.mjs';

setUp();

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

test('index.html is never cached, assets under the build hash are immutable, all with a strict CSP', async () => {
  const index = await fetch(`${desk.direct}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.equal(index.headers.get('content-security-policy'), CSP);
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(index.headers.get('referrer-policy'), 'no-referrer');
  const html = await index.text();
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'no inline script');
  assert.ok(!/<style|\sstyle=/i.test(html), 'no inline style');
  const main = /src="(\/console\/([0-9a-f]{16})\/app\/main\.js)"/.exec(html);
  assert.ok(main, 'index.html names main.js under the build hash');
  const asset = await fetch(`${desk.direct}${main[1]}`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type'), /^text\/javascript/);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(asset.headers.get('content-security-policy'), CSP);
  const stale = await fetch(`${desk.direct}/console/0000000000000000/app/main.js`);
  assert.equal(stale.status, 404);
  const sneaky = await fetch(`${desk.direct}/console/${main[2]}/..%2F..%2FCargo.toml`);
  assert.equal(sneaky.status, 404);
  assert.equal((await fetch(`${desk.direct}/index.html`)).status, 200);
});

test("a wrong password is answered in the API's words; the right one opens the desk", async () => {
  const page = await openPage();
  await page.getByLabel('Email address', { exact: true }).fill('sam@example.com');
  await page.getByLabel('Password', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Log on' }).click();
  await page.getByRole('alert').getByText('The email address or password is wrong').waitFor();
  await page.getByLabel('Email address', { exact: true }).fill('not-an-address');
  await page.getByRole('button', { name: 'Log on' }).click();
  await page.getByText('is not an email address', { exact: true }).waitFor();
  await shot(page, 'logon');
  await logOn(page, SAM);
  await page.getByRole('heading', { name: /Queue/ }).waitFor();
  // The token is in sessionStorage only.
  const stored = await page.evaluate(() => ({ local: { ...localStorage }, session: Object.keys(sessionStorage) }));
  assert.deepEqual(stored.local, {});
  assert.deepEqual(stored.session, ['agentdesk.session']);
  // The desk's time zone is shown.
  await page.getByText('UTC', { exact: true }).waitFor();
  // A reload keeps the session of this tab.
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  // Status.
  await page.getByLabel('My status').selectOption({ label: 'On break' });
  const agents = await desk.api('GetAgentList', await desk.logon('mia@example.com', 'manager-pass-1'));
  await eventually(
    15000,
    async () => {
      const list = await desk.api('GetAgentList', await desk.logon('mia@example.com', 'manager-pass-1'));
      return list.Agents.find((a) => a.EmailAddress === 'sam@example.com').StatusID === 3;
    },
    'Sam on break',
  );
  assert.ok(agents.Agents.length >= 3);
  await page.getByRole('button', { name: 'Log off' }).click();
  await page.getByText('You are logged off.').waitFor();
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test('a forgotten password is reset with the mailed code', async () => {
  const page = await openPage();
  await page.getByRole('button', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email address', { exact: true }).fill('jack@example.com');
  await page.getByRole('button', { name: 'Mail me a code' }).click();
  await page.getByText('a reset code is on its way').waitFor();
  const mail = await eventually(
    15000,
    () => desk.mails().find((m) => m.includes('jack@example.com')),
    'the reset mail',
  );
  const code = /reset code is: ([0-9a-f]{32})/.exec(mail.replace(/=\r?\n/g, ''))[1];
  await page.getByLabel('Reset code', { exact: true }).fill(code);
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('must be at least 8 characters', { exact: true }).waitFor();
  await page.getByLabel('New password', { exact: true }).fill('jacks-new-password');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('Your password is set. Log on with it.').waitFor();
  await logOn(page, { email: 'jack@example.com', password: 'jacks-new-password' });
  await page.context().close();
});

test('the reset link of the mail opens the console with the code filled in', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(`${desk.base}/reset-password#ResetCode=0123456789abcdef0123456789abcdef`);
  assert.equal(await page.getByLabel('Reset code', { exact: true }).inputValue(), '0123456789abcdef0123456789abcdef');
  // The code left the address bar (and the history entry) at once.
  assert.ok(!page.url().includes('ResetCode'), page.url());
  await page.getByLabel('New password', { exact: true }).fill('another-password');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByText('The reset code is unknown, used or expired').waitFor();
  await context.close();
});

test('keyboard help, and every control has an accessible name', async () => {
  for (const viewport of [undefined, PHONE]) {
    const page = await openPage(viewport);
    await logOn(page, SAM);
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Next chat (unread first)').waitFor();
    if (!viewport) await shot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    await eventually(15000, async () => (await help.count()) === 0, 'the help to close');
    const unnamed = await page.evaluate(() => {
      const missing = [];
      for (const el of document.querySelectorAll('button, input, select, textarea, a[href]')) {
        if (el.type === 'hidden') continue;
        const labelled =
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          (el.id && document.querySelector(`label[for="${el.id}"]`)) ||
          el.closest('label') ||
          (el.textContent || '').trim();
        if (!labelled) missing.push(el.outerHTML.slice(0, 120));
      }
      return missing;
    });
    assert.deepEqual(unnamed, []);
    await page.context().close();
  }
});
