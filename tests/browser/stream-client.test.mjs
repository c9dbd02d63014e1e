// The console's side of the event-stream contract, on any server: GetEvents is answered here by a
// stand-in (Playwright's request routing) that sends events as the contract words them, so the
// client's resume (Last-Event-ID), de-duplication, upserts and resync are proven even where the
// server has no stream yet. (events.test.mjs proves the same against the real stream.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, desk, channel, team, openPage, logOn, eventually, SAM, realErrors } from './harness.mjs';

setUp();

function sse(events, retry = 300) {
  let body = `retry: ${retry}\n\n`;
  for (const [id, name, data] of events) body += `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  return body;
}

test('the console resumes after the last event id, shows a message once, applies upserts and resyncs', async () => {
  const opened = await channel.say('web-session-0501', 'Hello desk', { customerName: 'Real Customer' });
  const token = await desk.logon(SAM.email, SAM.password);
  const real = await desk.api('GetChat', token, { query: { ChatID: opened.ChatID } });

  const requests = [];
  let release;
  const gate = new Promise((ok) => (release = ok));
  const fake = {
    ...real,
    ChatID: 90001,
    CustomerID: 90001,
    CustomerName: 'Stream Customer',
    CustomerNumber: null,
    QueuedAt: new Date().toISOString(),
  };
  const streamed = {
    MessageID: 900001,
    ChatID: real.ChatID,
    Type: 'customer',
    SpecialType: null,
    Author: 'Real Customer',
    AgentID: null,
    Message: 'From the stream',
    Attachment: null,
    WhenPosted: new Date().toISOString(),
    ReadByAgentAt: null,
    ReadByCustomerAt: null,
    Delivery: null,
  };
  const answers = [
    () =>
      sse([
        ['a1', 'chat.queued', { ChatID: fake.ChatID, DepartmentID: fake.DepartmentID, Chat: fake }],
        ['a2', 'agent.status', { AgentID: team.jack.AgentID, Name: 'Jack Rabbit', StatusID: 3, Online: true }],
      ]),
    async () => {
      await gate;
      return sse([
        ['b1', 'message.created', { ChatID: real.ChatID, Message: streamed }],
        ['b1', 'message.created', { ChatID: real.ChatID, Message: streamed }],
        ['b2', 'message.created', { ChatID: real.ChatID, Message: { ...streamed } }],
        ['b3', 'customer.typing', { ChatID: real.ChatID, Typing: true }],
        ['b4', 'chat.tags', { ChatID: real.ChatID, Tags: [{ TagID: team.tag.TagID, Name: 'Warranty' }] }],
      ]);
    },
    () => sse([['c1', 'resync', { Reason: 'test' }]]),
  ];

  const page = await openPage();
  await page.route('**/api/GetEvents**', async (route) => {
    const request = route.request();
    requests.push({ url: request.url() });
    const answer = answers[requests.length - 1];
    if (!answer) return route.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 60000\n\n' });
    return route.fulfill({ status: 200, contentType: 'text/event-stream', body: await answer() });
  });
  await logOn(page, SAM);

  // chat.queued: the Chat object is upserted into the queue.
  const queue = page.getByRole('list', { name: 'Waiting chats' });
  await queue.getByText('Stream Customer', { exact: true }).waitFor({ timeout: 10000 });
  assert.match(
    new URL(requests[0].url).searchParams.get('LastEventID') || '',
    /^\d+-\d+$/,
    'the first stream starts from the EventID GetChatList answered',
  );
  assert.match(
    new URL(requests[0].url).searchParams.get('Ticket') || '',
    /^[0-9a-f]{32}$/,
    'a ticket goes in the query',
  );
  assert.equal(new URL(requests[0].url).searchParams.get('SessionToken'), null, 'never the session token');
  assert.equal(new URL(requests[0].url).searchParams.get('Version'), 'console-1');

  // Open the real chat, then let the second stream through: the browser resumed after a2.
  await queue.getByText('Real Customer', { exact: true }).click();
  const log = page.getByRole('log', { name: 'Messages' });
  await log.getByText('Hello desk').waitFor();
  await eventually(15000, () => requests.length >= 2, 'the reconnect');
  assert.equal(
    new URL(requests[1].url).searchParams.get('LastEventID'),
    'a2',
    'the new stream resumes after the last id seen',
  );
  release();
  await log.getByText('From the stream').waitFor();
  await page.getByText('Real Customer is typing…').waitFor();
  await page.getByRole('button', { name: 'Remove tag Warranty' }).waitFor();
  assert.equal(
    await log.getByText('From the stream').count(),
    1,
    'an event seen twice and a message sent twice show once',
  );

  // resync: the lists are fetched again (the stand-in chat is gone) and a new stream starts.
  await eventually(15000, () => requests.length >= 4, 'the stream to start again after resync');
  await eventually(
    15000,
    async () => (await queue.getByText('Stream Customer', { exact: true }).count()) === 0,
    'the resync to drop the chat the server does not have',
  );
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});
