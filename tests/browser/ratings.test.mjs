// A rating at the end (issue 23, CSAT) as the console shows it: the customer is asked when the
// chat closes, rates it through the channel, and the agent watching the conversation sees the
// rating arrive in its header; the manager's Insight page shows customer satisfaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDesk,
  furnish,
  startChannel,
  launchBrowser,
  openPage,
  logOn,
  following,
  shot,
  realErrors,
  SAM,
  MANAGER,
} from './harness.mjs';

let desk, browser, team, customers;
before(async () => {
  desk = await startDesk();
  team = await furnish(desk);
  customers = await startChannel(desk, team.mia);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await customers?.close();
  await desk?.stop();
});

test('a rating reaches the open conversation and the Insight page', async () => {
  const sam = await desk.logon(SAM.email, SAM.password);
  const { ChatID: chat } = await customers.say('rating-session-01', 'My parcel is late', {
    customerName: 'José Álvarez',
  });
  await desk.api('GrabChat', sam, { method: 'POST' });
  await desk.api('SendMessage', sam, { body: { ChatID: chat, MessageText: 'It leaves today.' } });

  const page = await openPage(undefined, { browser, desk });
  await logOn(page, SAM);
  await following(page);
  await page.goto(`${desk.base}/#/desk/${chat}`);
  await page.getByRole('heading', { name: 'José Álvarez' }).waitFor();
  await desk.api('CloseChat', sam, { query: { ChatID: chat } });
  const request = await customers.waitFor(
    (m) => m.chatID === chat && m.specialType === 'RatingRequest',
    'the rating request',
  );
  assert.match(request.message, /rate this chat from 1/);
  await customers.rate('rating-session-01', 5, 'Quick and friendly');
  await page.getByText('Rated 5 of 5').waitFor({ timeout: 15000 });
  await page.getByText('Quick and friendly').first().waitFor();
  await shot(page, 'rating-in-conversation');

  const manager = await openPage(undefined, { browser, desk });
  await logOn(manager, { email: MANAGER.email, password: MANAGER.password });
  await manager.goto(`${desk.base}/#/insight`);
  await manager.getByRole('heading', { name: 'Customer satisfaction' }).waitFor();
  const tile = manager.locator('.tile').filter({ hasText: 'Customer satisfaction' });
  assert.match(await tile.innerText(), /100 %/);
  await shot(manager, 'insight-csat');
  assert.deepEqual(realErrors(page), []);
  assert.deepEqual(realErrors(manager), []);
});
