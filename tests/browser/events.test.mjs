// What only the event stream (GET /api/GetEvents) gives: the console says it is live, changes
// arrive faster than any polling would bring them, and a network drop is survived without losing
// or repeating a message. Skipped with AGENTDESK_EVENTS=0 (a server without the stream).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, desk, channel, openPage, logOn, eventually, SAM, JACK, EVENTS, realErrors } from './harness.mjs';

const skip = EVENTS ? false : 'needs the event stream (GET /api/GetEvents); AGENTDESK_EVENTS=0 was set';
// Faster than the console's polling fallback (4 s), so only the stream can pass.
const LIVE = 2500;

setUp({ skip });

async function live(page) {
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10000 });
}

test('a new chat, its messages and the customer typing arrive live', { skip }, async () => {
  const sam = await openPage();
  await logOn(sam, SAM);
  await live(sam);
  await channel.say('web-session-e001', 'First!', { customerName: 'Live Customer' });
  await sam
    .getByRole('list', { name: 'Waiting chats' })
    .getByText('Live Customer', { exact: true })
    .waitFor({ timeout: LIVE });
  await sam.getByRole('button', { name: 'Grab' }).click();
  await sam.getByRole('log', { name: 'Messages' }).getByText('First!').waitFor();
  await channel.typing('web-session-e001', true);
  await sam.getByText('Live Customer is typing…').waitFor({ timeout: LIVE });
  await channel.say('web-session-e001', 'Second');
  await sam.getByRole('log', { name: 'Messages' }).getByText('Second').waitFor({ timeout: LIVE });
  assert.equal(await sam.getByRole('log', { name: 'Messages' }).getByText('Second').count(), 1);
  assert.deepEqual(realErrors(sam), []);
  await sam.context().close();
});

test('the second agent sees a transfer to them live', { skip }, async () => {
  const sam = await openPage();
  await logOn(sam, SAM);
  const jack = await openPage();
  await logOn(jack, JACK);
  await live(sam);
  await live(jack);
  await channel.say('web-session-e002', 'Please pass me on', { customerName: 'Moved Customer' });
  await sam
    .getByRole('list', { name: 'Waiting chats' })
    .getByText('Moved Customer', { exact: true })
    .waitFor({ timeout: LIVE });
  await sam.getByRole('button', { name: 'Take the chat of Moved Customer' }).click();
  await sam.getByRole('list', { name: 'My chats' }).getByText('Moved Customer', { exact: true }).click();
  await sam.getByRole('button', { name: 'Transfer' }).click();
  const dialog = sam.getByRole('dialog', { name: 'Transfer Moved Customer' });
  await dialog.getByLabel('An agent').check();
  await dialog.getByLabel('Agent', { exact: true }).selectOption({ label: 'Jack Rabbit (Online)' });
  await dialog.getByLabel('Note for the next agent (optional)').fill('VIP');
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  await jack
    .getByRole('list', { name: 'My chats' })
    .getByText('Moved Customer', { exact: true })
    .waitFor({ timeout: LIVE });
  await jack.getByText('A chat was transferred to you: “VIP”').waitFor({ timeout: LIVE });
  await sam.context().close();
  await jack.context().close();
});

test('after a network drop the stream resumes without losing or repeating a message', { skip }, async () => {
  const sam = await openPage();
  await logOn(sam, SAM);
  await live(sam);
  await channel.say('web-session-e003', 'Before the drop', { customerName: 'Drop Customer' });
  await sam
    .getByRole('list', { name: 'Waiting chats' })
    .getByText('Drop Customer', { exact: true })
    .waitFor({ timeout: LIVE });
  await sam.getByRole('button', { name: 'Grab' }).click();
  const log = sam.getByRole('log', { name: 'Messages' });
  await log.getByText('Before the drop').waitFor();

  desk.proxy.drop();
  await sam.getByRole('status').filter({ hasNotText: 'Live' }).first().waitFor({ timeout: 10000 });
  const tried = desk.proxy.refused;
  for (const text of ['During the drop 1', 'During the drop 2', 'During the drop 3'])
    await channel.say('web-session-e003', text);
  // The network comes back only after the console has tried it again and been refused, so what
  // it missed reaches it by resuming, not by a connection that outlived the drop.
  await eventually(15000, () => desk.proxy.refused > tried, 'the console to try the network again while it is down');
  desk.proxy.restore();

  await live(sam);
  for (const text of ['During the drop 1', 'During the drop 2', 'During the drop 3']) {
    await log.getByText(text).waitFor({ timeout: 15000 });
  }
  await channel.say('web-session-e003', 'After the drop');
  await log.getByText('After the drop').waitFor({ timeout: LIVE });
  const ids = await log.locator('[data-message-id]').evaluateAll((els) => els.map((e) => e.dataset.messageId));
  assert.equal(new Set(ids).size, ids.length, 'no message is shown twice');
  for (const text of [
    'Before the drop',
    'During the drop 1',
    'During the drop 2',
    'During the drop 3',
    'After the drop',
  ]) {
    assert.equal(await log.getByText(text, { exact: true }).count(), 1, `${text} is shown once`);
  }
  await sam.context().close();
});
