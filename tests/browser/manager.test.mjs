// A manager configures the desk in the console, and agents see the result; the dashboard and the
// DataInsight charts show the desk's own figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, desk, channel, team, openPage, logOn, shot, eventually, MANAGER, SAM, realErrors } from './harness.mjs';

setUp();

test('a manager creates a department and a canned response, and the agent finds them in the composer', async () => {
  const mia = await openPage();
  await logOn(mia, MANAGER);

  // A department, with its welcome text previewed as the customer will read it.
  await mia.getByRole('link', { name: 'Settings' }).click();
  await mia.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Departments' }).click();
  await mia.getByRole('button', { name: 'New department' }).click();
  const form = mia.getByRole('form', { name: 'New department' });
  await form.getByLabel('Name', { exact: true }).fill('Returns');
  await form
    .getByLabel('Welcome text for new customers')
    .fill('Welcome to #DEPARTMENTNAME#, #CUSTOMERNAME#. You are number #POSITIONINQUEUE#.');
  await form
    .getByLabel('Preview for a new customer')
    .getByText('Welcome to Returns, Joe Soap. You are number 2.')
    .waitFor();
  await shot(mia, 'admin-departments');
  await form.getByRole('button', { name: 'Create department' }).click();
  await mia.getByRole('row', { name: /Returns/ }).waitFor();

  // An error is shown as the API words it, next to its field.
  await mia.getByRole('button', { name: 'New department' }).click();
  const again = mia.getByRole('form', { name: 'New department' });
  await again.getByLabel('Name', { exact: true }).fill('returns');
  await again.getByRole('button', { name: 'Create department' }).click();
  await again.getByRole('alert').getByText('Another department already has this name').waitFor();
  await again.getByRole('button', { name: 'Cancel' }).click();

  // A canned response.
  await mia
    .getByRole('navigation', { name: 'Settings sections' })
    .getByRole('link', { name: 'Canned responses' })
    .click();
  await mia.getByRole('button', { name: 'New canned response' }).click();
  const canned = mia.getByRole('form', { name: 'New canned response' });
  await canned.getByLabel('Name (what agents type after /)').fill('refund');
  await canned.getByLabel('Text').fill('Your refund for #CUSTOMERNAME# is on its way.');
  await canned.getByRole('button', { name: 'Create' }).click();
  await mia.getByRole('heading', { name: '/refund' }).waitFor();
  await shot(mia, 'admin-canned');

  // Sam (in Reception) gets a chat and finds both: the canned response behind "/", the
  // department in the transfer dialog.
  await channel.say('web-session-0101', 'I want my money back', { customerName: 'Kim Ng' });
  const sam = await openPage();
  await logOn(sam, SAM);
  await sam
    .getByRole('list', { name: 'Waiting chats' })
    .getByText('Kim Ng', { exact: true })
    .waitFor({ timeout: 15000 });
  await sam.keyboard.press('Alt+KeyG');
  await sam.getByRole('log', { name: 'Messages' }).getByText('I want my money back').waitFor();
  const box = sam.getByLabel('Message', { exact: true });
  await box.click();
  await box.type('/ref');
  await sam.getByRole('option', { name: /\/refund/ }).waitFor();
  await box.press('Enter');
  assert.equal(await box.inputValue(), 'Your refund for Kim Ng is on its way.');
  await box.press('Enter');
  await channel.waitFor((m) => m.message === 'Your refund for Kim Ng is on its way.', 'the refund text');
  await sam.keyboard.press('Alt+KeyT');
  const transfer = sam.getByRole('dialog', { name: 'Transfer Kim Ng' });
  const options = await transfer.getByLabel('Department', { exact: true }).locator('option').allTextContents();
  assert.ok(
    options.some((o) => o.trim() === 'Returns'),
    `Returns is offered: ${options}`,
  );
  await transfer.getByRole('button', { name: 'Cancel' }).click();

  assert.deepEqual(realErrors(mia), []);
  assert.deepEqual(realErrors(sam), []);
  await mia.context().close();
  await sam.context().close();
});

test('the configuration pages show what the desk has', async () => {
  const mia = await openPage();
  await logOn(mia, MANAGER);
  await mia.goto(`${desk.base}/#/admin/agents`);
  await mia.getByRole('row', { name: /Sam Agent/ }).waitFor();
  await shot(mia, 'admin-agents');
  await mia.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Tags' }).click();
  await mia.getByRole('region', { name: 'Tag group Topics' }).getByText('Warranty').waitFor();
  await mia.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Working hours' }).click();
  await mia.getByText("In the desk's time zone").waitFor();
  await mia.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Desk settings' }).click();
  await mia.getByLabel('Company name').fill('Acme Support');
  await mia.getByRole('button', { name: 'Save settings' }).click();
  await mia.getByRole('link', { name: 'Acme Support: desk' }).waitFor();
  await shot(mia, 'admin-settings');

  // Channels: the keys are shown once.
  await mia.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Channels' }).click();
  const form = mia.getByRole('form', { name: 'New channel' });
  await form.getByLabel('Name', { exact: true }).fill('WhatsApp gateway');
  await form.getByLabel('Chat server URL').fill('https://wa.example.com/agentdesk');
  await form.getByRole('button', { name: 'Create channel' }).click();
  const keys = mia.getByRole('dialog', { name: 'WhatsApp gateway: its keys' });
  await keys.getByText('Shown only now.').waitFor();
  const apiKey = await keys.locator('[data-secret="ApiKey"]').textContent();
  assert.match(apiKey, /^[0-9a-f]{32}$/);
  await keys.getByRole('button', { name: 'I have stored them' }).click();
  await mia.getByRole('row', { name: /WhatsApp gateway/ }).waitFor();
  assert.equal(await mia.getByText(apiKey).count(), 0, 'the key is not shown again');

  // Reports: a recipient and a schedule.
  await mia.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Reports' }).click();
  const recipient = mia.getByRole('form', { name: 'New recipient' });
  await recipient.getByLabel("Recipient's name").fill('Zakes Mthini');
  await recipient.getByLabel('Email address').fill('zakes@example.com');
  await recipient.getByRole('button', { name: 'Add recipient' }).click();
  const card = mia.getByRole('region', { name: 'Recipient Zakes Mthini' });
  await card.getByRole('button', { name: 'Add schedule' }).click();
  await card.getByRole('button', { name: 'Add schedule' }).last().click();
  await card.getByRole('row', { name: /Chat summary/ }).waitFor();
  await shot(mia, 'admin-reports');
  assert.deepEqual(realErrors(mia), []);
  await mia.context().close();
});

test("DataInsight renders the desk's figures as charts, and the dashboard shows the desk now", async () => {
  // Arrange a few chats through the API: grabbed, answered, tagged, closed; one still waiting.
  const sam = await desk.logon(SAM.email, SAM.password);
  for (let i = 0; i < 4; i += 1) {
    await channel.say(`web-session-02${i}0`, `Question ${i}`, { customerName: `Customer ${i}` });
    const chat = await desk.api('GrabChat', sam, { method: 'POST' });
    await desk.api('SendMessage', sam, { body: { ChatID: chat.ChatID, MessageText: `Answer ${i}` } });
    if (i % 2 === 0) await desk.api('AddTag', sam, { body: { ChatID: chat.ChatID, TagID: team.tag.TagID } });
    await desk.api('CloseChat', sam, { body: { ChatID: chat.ChatID } });
  }
  await channel.say('web-session-0299', 'Still waiting', { customerName: 'Waiting Customer' });

  const mia = await openPage();
  await logOn(mia, MANAGER);
  await mia.getByRole('link', { name: 'Insight' }).click();
  await mia.getByRole('button', { name: 'Day' }).click();
  const chart = mia.getByRole('img', { name: 'Chats started, closed and missed per period' });
  await chart.waitFor();
  const tallest = await eventually(
    15000,
    async () => {
      const heights = await chart
        .locator('rect.bar')
        .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('height'))));
      return Math.max(0, ...heights) > 0 ? Math.max(...heights) : null;
    },
    'a bar with height',
  );
  assert.ok(tallest > 10, `the busiest hour has a visible bar (${tallest})`);
  const agents = mia.getByRole('img', { name: 'Chats assigned per agent' });
  await agents.getByText('Sam Agent', { exact: true }).waitFor();
  await mia.getByRole('img', { name: 'Chats per tag' }).getByText('Warranty', { exact: true }).waitFor();
  await shot(mia, 'insight');
  await mia.getByRole('button', { name: 'Week' }).click();
  await mia.getByRole('img', { name: 'Chats started, closed and missed per period' }).waitFor();

  await mia.getByRole('link', { name: 'Dashboard' }).click();
  const tiles = mia.getByRole('region', { name: 'The desk now' });
  await tiles.waitFor();
  await eventually(15000, async () => (await tiles.textContent()).includes('4Closed today'), 'four chats closed today');
  await shot(mia, 'dashboard');
  assert.deepEqual(realErrors(mia), []);
  await mia.context().close();
});
