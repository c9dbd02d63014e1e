// The agent's day, in a real browser: a customer writes in through the channel API, the agent
// sees the chat appear without reloading, grabs it, answers with a canned response and a file,
// the channel server receives the reply, the agent transfers the chat to a colleague who sees it
// arrive, and closes a chat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  setUp,
  channel,
  openPage,
  logOn,
  following,
  shot,
  eventually,
  SAM,
  JACK,
  PHONE,
  realErrors,
  picture,
} from './harness.mjs';

const PNG = picture().toString('base64');

setUp();

test('an agent takes a chat from the queue to the close, and a colleague receives a transfer', async () => {
  const sam = await openPage();
  await logOn(sam, SAM);
  const jack = await openPage();
  await logOn(jack, JACK);
  await sam.getByRole('list', { name: 'Waiting chats' }).waitFor({ state: 'attached' });

  // A customer writes in; the chat appears in Sam's queue without a reload.
  await channel.say('web-session-0001', 'Hi, my kettle broke', {
    customerName: 'Joe Soap',
    phoneNumber: '+27821234567',
  });
  const queue = sam.getByRole('list', { name: 'Waiting chats' });
  await queue.getByText('Joe Soap', { exact: true }).waitFor({ timeout: 15000 });
  await channel.typing('web-session-0001', true);

  // Grab: the chat becomes Sam's and opens.
  await sam.getByRole('button', { name: 'Grab' }).click();
  await sam.getByRole('heading', { name: 'Joe Soap', level: 2 }).first().waitFor();
  await sam.getByRole('list', { name: 'My chats' }).getByText('Joe Soap', { exact: true }).waitFor();
  await sam.getByRole('log', { name: 'Messages' }).getByText('Hi, my kettle broke').waitFor();
  await shot(sam, 'desk');

  // A canned response: "/" opens the list, typing filters it, Enter fills in the placeholders.
  const box = sam.getByLabel('Message', { exact: true });
  await box.click();
  await box.type('/hou');
  await sam.getByRole('listbox', { name: 'Canned responses' }).waitFor();
  await shot(sam, 'canned-responses');
  await box.press('Enter');
  assert.equal(await box.inputValue(), 'Hi Joe Soap, we are open from 8am to 5pm. Sam Agent');
  await box.press('Enter');
  await sam.getByRole('log', { name: 'Messages' }).getByText('we are open from 8am to 5pm. Sam Agent').waitFor();
  const reply = await channel.waitFor(
    (m) => m.type === 'agent' && m.message.includes('open from 8am'),
    'the canned reply',
  );
  assert.equal(reply.message, 'Hi Joe Soap, we are open from 8am to 5pm. Sam Agent');
  assert.equal(reply.chatSessionID, 'web-session-0001');
  assert.ok(reply.signatureOk, 'the reply is signed with the channel secret');

  // A file with a message: shown inline (an image), delivered to the channel server.
  await sam
    .getByLabel('Attach a file')
    .setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: Buffer.from(PNG, 'base64') });
  await box.fill('Here is your receipt');
  await sam.getByRole('button', { name: 'Send' }).click();
  await sam.getByRole('img', { name: 'receipt.png' }).waitFor();
  const file = await channel.waitFor((m) => m.attachment?.name === 'receipt.png', 'the file');
  assert.equal(file.message, 'Here is your receipt');
  await eventually(15000, async () => (await sam.getByText('✓ Delivered').count()) >= 2, 'delivery shown as delivered');

  // The customer sends a file: images show inline.
  await channel.sendFile('web-session-0001', 'photo.png', PNG, 'image/png');
  await sam.getByRole('img', { name: 'photo.png' }).waitFor({ timeout: 15000 });

  // Tag, a private comment, the customer panel.
  await sam.getByLabel('Tag to add').selectOption({ label: 'Topics: Warranty' });
  await sam.getByRole('button', { name: 'Add', exact: true }).click();
  await sam.getByRole('button', { name: 'Remove tag Warranty' }).waitFor();
  await sam.getByLabel('Add a comment').fill('Kettle bought in March');
  await sam.getByRole('button', { name: 'Add comment' }).click();
  await sam.getByRole('log', { name: 'Messages' }).getByText('Kettle bought in March').waitFor();
  assert.ok(!channel.received.some((m) => m.message.includes('Kettle bought')), 'a note never reaches the customer');
  await shot(sam, 'desk-customer-panel');

  // Transfer to Jack (Sales) with a note: the chat leaves Sam and reaches Jack without a reload.
  await sam.getByRole('button', { name: 'Transfer' }).click();
  const dialog = sam.getByRole('dialog', { name: 'Transfer Joe Soap' });
  await dialog.getByLabel('A department').check();
  await dialog.getByLabel('Department', { exact: true }).selectOption({ label: 'Sales' });
  await dialog.getByLabel('Note for the next agent (optional)').fill('Wants a replacement');
  await shot(sam, 'transfer');
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  await eventually(
    15000,
    async () =>
      (await sam.getByRole('list', { name: 'My chats' }).getByText('Joe Soap', { exact: true }).count()) === 0,
    'the chat to leave Sam',
  );
  await jack
    .getByRole('list', { name: 'Waiting chats' })
    .getByText('Joe Soap', { exact: true })
    .waitFor({ timeout: 15000 });
  await jack.getByRole('button', { name: 'Take the chat of Joe Soap' }).click();
  await jack.getByRole('list', { name: 'My chats' }).getByText('Joe Soap', { exact: true }).waitFor();

  // Jack closes it with Alt+C.
  await jack.getByRole('list', { name: 'My chats' }).getByText('Joe Soap', { exact: true }).click();
  await jack.getByRole('heading', { name: 'Joe Soap', level: 2 }).first().waitFor();
  await jack.keyboard.press('Alt+KeyC');
  await jack.getByRole('dialog', { name: 'Close this chat?' }).getByRole('button', { name: 'Close chat' }).click();
  await jack.getByText('This chat is closed.').waitFor();
  await channel.waitFor((m) => m.specialType === 'ClosedByUser', 'the closing notice');
  assert.equal(await jack.getByRole('list', { name: 'My chats' }).getByText('Joe Soap', { exact: true }).count(), 0);

  assert.deepEqual(realErrors(sam), []);
  assert.deepEqual(realErrors(jack), []);
  await sam.context().close();
  await jack.context().close();
});

test('on a phone the desk shows one pane at a time', async () => {
  await channel.say('web-session-0002', 'Hello from my phone', { customerName: 'Ann Lee' });
  const page = await openPage(PHONE);
  await logOn(page, SAM);
  await page
    .getByRole('list', { name: 'Waiting chats' })
    .getByText('Ann Lee', { exact: true })
    .waitFor({ timeout: 15000 });
  await shot(page, 'phone-queue');
  await page.getByRole('list', { name: 'Waiting chats' }).getByText('Ann Lee', { exact: true }).click();
  await page.getByRole('log', { name: 'Messages' }).getByText('Hello from my phone').waitFor();
  assert.equal(
    await page.getByRole('navigation', { name: 'Chats' }).isVisible(),
    false,
    'the list hides behind the chat',
  );
  await shot(page, 'phone-chat');
  await page.getByRole('button', { name: 'Back to the chat list' }).click();
  await page.getByRole('navigation', { name: 'Chats' }).waitFor();
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test('in a background tab a new chat changes the title', async () => {
  const sam = await openPage();
  await logOn(sam, SAM);
  // Chats that arrive while the desk is still loading are on its first screen, not announced.
  await following(sam);
  await sam.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await channel.say('web-session-0003', 'Anyone there?', { customerName: 'Title Customer' });
  await eventually(
    15000,
    async () => (await sam.title()).startsWith('(1) New chat from Title Customer'),
    'the title',
  ).catch(async (e) => assert.fail(`${e.message}; it is "${await sam.title()}"`));
  await sam.context().close();
});
