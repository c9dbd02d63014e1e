// The first run in the browser (issue 23): a desk without a manager offers "Set up this desk" in
// place of the logon form; the setup code from `agentdesk setup-code` makes the first manager, who
// lands on the getting-started checklist, logged on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDesk, launchBrowser, openPage, shot, realErrors, MANAGER } from './harness.mjs';

let desk, browser;
before(async () => {
  desk = await startDesk({ empty: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await desk?.stop();
});

test('a new desk is set up in the browser with the setup code', async () => {
  const page = await openPage(undefined, { browser, desk });
  const form = page.getByRole('form', { name: 'Set up this desk' });
  await form.waitFor();
  assert.equal(
    await page.getByRole('button', { name: 'Log on' }).count(),
    0,
    'no logon form while the desk needs setting up',
  );
  const code = desk.cli('setup-code').trim();
  await page.getByLabel('Setup code').fill('WRONG-CODE-0000');
  await page.getByLabel('Your name').fill(MANAGER.name);
  await page.getByLabel('Email address').fill(MANAGER.email);
  await page.getByLabel('Password', { exact: true }).fill(MANAGER.password);
  await page.getByLabel('Desk name').fill('Acme Support');
  assert.equal(await page.getByLabel('Time zone').inputValue(), 'UTC', "the browser's own zone");
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await shot(page, 'set-up-this-desk');
  await page.getByRole('button', { name: 'Set up this desk' }).click();
  await page.getByText('The setup code is wrong').waitFor();
  await page.getByLabel('Setup code').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Set up this desk' }).click();
  await page.getByRole('heading', { name: 'Your desk is set up' }).waitFor();
  for (const step of ['Create a department', 'Add an agent', "Add your website's web chat"]) {
    assert.equal(await page.getByRole('link', { name: step }).count(), 1, step);
  }
  assert.ok((await page.getByText('agentdesk seed').count()) >= 1);
  await shot(page, 'getting-started');
  const token = await desk.logon(MANAGER.email, MANAGER.password);
  const settings = JSON.stringify(await desk.api('GetSettings', token));
  assert.match(settings, /Acme Support/);
  assert.match(settings, /Europe\/Paris/);
  assert.equal((await desk.api('GetSetupState', null)).NeedsSetup, false);
  await page.getByRole('link', { name: 'Create a department' }).click();
  await page.getByRole('heading', { name: 'Departments' }).first().waitFor();
  assert.deepEqual(realErrors(page), []);

  // Another browser now gets the logon form.
  const later = await openPage(undefined, { browser, desk });
  await later.getByRole('button', { name: 'Log on' }).waitFor();
  assert.equal(await later.getByRole('form', { name: 'Set up this desk' }).count(), 0);
});
