// The web chat as a website's visitor meets it, in a real browser: a host page on another origin,
// under a strict Content-Security-Policy, embeds the desk's widget.js; the visitor writes, an agent
// answers in the console, the visitor sees it live, the network drops and comes back without losing
// or repeating a reply, and with nobody online the visitor leaves a message instead.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startDesk,
  furnish,
  launchBrowser,
  openPage,
  logOn,
  following,
  eventually,
  SAM,
  MANAGER,
  PHONE,
  LAPTOP,
  realErrors,
  ROOT,
} from './harness.mjs';

// Pictures go where the harness puts them (target/browser-shots unless AGENTDESK_SHOTS says); docs/widget/*.png change only on purpose.
const SHOTS = process.env.AGENTDESK_SHOTS || join(ROOT, 'target', 'browser-shots');
let browser;
after(async () => {
  await browser?.close();
});

/** A website on its own origin whose page carries the snippet, under a strict CSP. */
async function hostSite(desk, key) {
  const server = createServer((req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': `default-src 'self'; script-src 'self' ${desk.base}; frame-src ${desk.base}; style-src 'self'`,
    });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kettles & Co</title></head>
      <body><h1>Kettles &amp; Co</h1><p>The finest kettles in town.</p>
      <script src="${desk.base}/widget.js" data-widget-key="${key}" async></script></body></html>`);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://localhost:${server.address().port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

async function webChannel(desk, token) {
  return desk.api('CreateChannel', token, { body: { Name: 'Website', Kind: 'web' } });
}

/** The visitor's page on the host site, the chat opened. */
async function visitorOn(site, viewport = LAPTOP) {
  const context = await browser.newContext({ viewport, timezoneId: 'UTC', locale: 'en-GB' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  await page.goto(site.url);
  await page.getByRole('button', { name: 'Open the chat' }).click();
  const chat = page.frameLocator('iframe[title="Chat"]');
  return { page, chat };
}

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

test('a visitor on another site writes, an agent answers live, a dropped network loses nothing', async () => {
  browser ??= await launchBrowser();
  const desk = await startDesk();
  let site;
  try {
    const team = await furnish(desk);
    const channel = await webChannel(desk, team.mia);
    site = await hostSite(desk, channel.WidgetKey);
    // Sam is on duty in the console.
    const sam = await openPage(undefined, { browser, desk });
    await logOn(sam, SAM);
    await following(sam);

    const { page, chat } = await visitorOn(site);
    if (process.env.DEBUG_WIDGET) {
      page.on('response', (r) => r.url().includes('/webchat/') && console.error('RESPONSE', r.status(), r.url()));
      page.on('requestfailed', (r) => console.error('FAILED', r.url(), r.failure()?.errorText));
      page.on('console', (m) => console.error('CONSOLE', m.text()));
    }
    const box = chat.getByRole('textbox', { name: 'Write a message…' });
    await box.waitFor();
    await box.fill('Hello, does the blue kettle come in red?');
    await box.press('Enter');
    await chat.getByRole('log').getByText('Hello, does the blue kettle come in red?').waitFor();

    // Sam sees the chat arrive, grabs it and answers.
    await sam.getByRole('button', { name: 'Grab' }).click();
    await sam.getByRole('log', { name: 'Messages' }).getByText('does the blue kettle come in red?').waitFor();
    const reply = sam.getByLabel('Message', { exact: true });
    await reply.fill('It does! Shall I reserve one?');
    await reply.press('Enter');
    await chat.getByText('It does! Shall I reserve one?').waitFor({ timeout: 15000 });
    await chat.getByText('You are chatting with Sam Agent.').waitFor();
    await shot(page, 'visitor-chat');

    // The visitor types; Sam sees it.
    await box.fill('Yes ple');
    await sam
      .getByText(/typing/i)
      .first()
      .waitFor({ timeout: 15000 });

    // The network drops; Sam writes meanwhile (through the desk directly); it comes back.
    desk.proxy.drop();
    const samToken = await desk.logon(SAM.email, SAM.password);
    const chats = await desk.api('GetChatList', samToken, { query: { ChatType: 'open' } });
    const chatId = chats.Chats[0].ChatID;
    await desk.api('SendMessage', samToken, { body: { ChatID: chatId, MessageText: 'Still there? It is R450.' } });
    await chat.getByText('Connection lost. Reconnecting…').waitFor({ timeout: 15000 });
    desk.proxy.restore();
    await chat
      .getByText('Still there? It is R450.')
      .waitFor({ timeout: 30000 })
      .catch(async (e) => {
        console.error(
          'FRAME',
          await chat
            .locator('body')
            .innerText({ timeout: 2000 })
            .catch((x) => x.message),
        );
        throw e;
      });
    await eventually(
      10000,
      async () => (await chat.getByText('Connection lost. Reconnecting…').count()) === 0,
      'back online',
    );
    assert.equal(await chat.getByText('It does! Shall I reserve one?').count(), 1, 'nothing repeated');
    assert.equal(await chat.getByText('Still there? It is R450.').count(), 1, 'nothing repeated');

    // A reload: the returning visitor sees the conversation so far.
    await page.reload();
    await page.getByRole('button', { name: 'Open the chat' }).click();
    await chat.getByText('Still there? It is R450.').waitFor();
    assert.equal(await chat.getByText('Hello, does the blue kettle come in red?').count(), 1);

    // Sam closes the chat: the visitor is asked for a rating and gives one.
    await desk.api('CloseChat', samToken, { body: { ChatID: chatId } });
    const rate = chat.getByRole('form', { name: 'How did we do?' });
    await rate.waitFor({ timeout: 15000 });
    await rate.getByRole('button', { name: 'Rate 5 of 5' }).click();
    await rate.getByLabel('A comment (optional)').fill('Lovely service');
    await shot(page, 'visitor-rating');
    await rate.getByRole('button', { name: 'Send my rating' }).click();
    await chat.getByText('Thank you for your rating!').waitFor();
    const closed = await desk.api('GetChat', samToken, { query: { ChatID: chatId } });
    assert.equal(closed.Rating ?? closed.Chat?.Rating, 5);

    // The host page's CSP is strict and nothing broke under it.
    assert.deepEqual(page.errors, []);
    assert.deepEqual(realErrors(sam), []);
  } finally {
    await site?.close();
    await desk.stop();
  }
});

test('with nobody online the visitor leaves a message; it waits in the queue', async () => {
  browser ??= await launchBrowser();
  const desk = await startDesk();
  let site;
  try {
    const team = await furnish(desk);
    const channel = await webChannel(desk, team.mia);
    await desk.api('AgentLogoff', team.mia);
    site = await hostSite(desk, channel.WidgetKey);
    const { page, chat } = await visitorOn(site, PHONE);
    const form = chat.getByRole('form', { name: 'Leave a message' });
    await form.waitFor();
    await form.getByLabel('Your name').fill('Anne Marie');
    await form.getByLabel('Your email address').fill('anne@example.com');
    await form.getByLabel('Your message').fill('Please call me about the red kettle');
    await shot(page, 'leave-a-message-phone');
    await form.getByRole('button', { name: 'Leave a message' }).click();
    await chat.getByText('Thank you! We will answer by email.').waitFor();
    await chat.getByRole('log').getByText('Please call me about the red kettle').waitFor();

    const mia = await desk.logon('mia@example.com', 'manager-pass-1');
    const waiting = await desk.api('GetChatList', mia, { query: { ChatType: 'unassigned' } });
    assert.equal(waiting.Chats.length, 1);
    const messages = await desk.api('GetChatMessages', mia, { query: { ChatID: waiting.Chats[0].ChatID } });
    assert.ok(messages.Messages.some((m) => m.Message === 'Please call me about the red kettle'));
    assert.deepEqual(page.errors, []);
  } finally {
    await site?.close();
    await desk.stop();
  }
});

test('a manager creates the web chat in the console and tries it as a customer', async () => {
  browser ??= await launchBrowser();
  const desk = await startDesk();
  try {
    await furnish(desk);
    const mia = await openPage(undefined, { browser, desk });
    await logOn(mia, MANAGER);
    await mia.getByRole('link', { name: 'Settings' }).click();
    await mia.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Channels' }).click();
    const form = mia.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Name', { exact: true }).fill('Our website');
    await form.getByLabel('Kind').selectOption('web');
    await form.getByRole('button', { name: 'Create channel' }).click();
    const row = mia.getByRole('row', { name: /Our website/ });
    const snippet = await row.locator('[data-snippet]').textContent();
    assert.match(
      snippet,
      /^<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-widget-key="[0-9a-f]{32}" async><\/script>$/,
    );
    await shot(mia, 'console-channels');
    const [trial] = await Promise.all([
      mia.context().waitForEvent('page'),
      row.getByRole('link', { name: 'Try it as a customer' }).click(),
    ]);
    trial.errors = [];
    trial.on('pageerror', (e) => trial.errors.push(e));
    await trial.getByRole('heading', { name: 'Try the web chat as a customer' }).waitFor();
    await trial.getByRole('button', { name: 'Open the chat' }).click();
    const chat = trial.frameLocator('iframe[title="Chat"]');
    const box = chat.getByRole('textbox', { name: 'Write a message…' });
    await box.fill('Testing, testing');
    await box.press('Enter');
    await chat.getByRole('log').getByText('Testing, testing').waitFor();
    // Escape closes the window and gives the focus back to the launcher.
    await box.press('Escape');
    await trial.getByRole('button', { name: 'Open the chat' }).waitFor();
    assert.deepEqual(trial.errors, []);
    assert.deepEqual(realErrors(mia), []);
  } finally {
    await desk.stop();
  }
});
