// Keeping the desk's data fresh: the first load, the event stream (and polling while the stream
// can't be had), and the actions agents take. Every answer that carries a Chat is applied to the
// store as an upsert, so the event that follows the same change changes nothing twice.
import { call, ApiError } from './api.js';
import { EventStream } from './events.js';
import * as S from './store.js';
import { announce } from './notify.js';

const { state } = S;
let stream = null;
let pollTimer = null;
let keepAliveTimer = null;

const POLL_MS = 4000;
const KEEPALIVE_MS = 5 * 60_000;
const PAGE = 100;

/** Lists that rarely change: agents, departments, tags, canned responses, settings, hours. */
export async function loadReference() {
  const [agents, departments, tags, canned, settings, hours] = await Promise.all([
    call('GetAgentList'),
    call('GetDepartmentList'),
    call('GetTagList'),
    call('GetCannedResponses'),
    call('GetSettings'),
    call('GetWorkingHours'),
  ]);
  const me = agents.Agents.find((a) => a.AgentID === state.me?.AgentID);
  S.set({
    agents: agents.Agents,
    departments: departments.Departments,
    tagGroups: tags.TagGroups,
    canned: canned.CannedResponses,
    settings: S.settingsObject(settings.Settings),
    hours,
    ...(me ? { me } : {}),
  });
}

export async function reloadCanned() {
  S.set({ canned: (await call('GetCannedResponses')).CannedResponses });
}

/**
 * The chat lists: mine, the queue and (managers) everyone's open chats. Returns the EventID of the
 * first list, after which the event stream starts, so nothing between the two is lost.
 */
export async function loadChats() {
  const me = state.me.AgentID;
  const mine = await call('GetChatList', { query: { ChatType: 'open', Selector: 'private', PageSize: PAGE } });
  S.replaceList(mine.Chats, (c) => c.ChatType === 'open' && c.AgentID === me);
  const waiting = await call('GetChatList', { query: { ChatType: 'unassigned', PageSize: PAGE } });
  S.replaceList(waiting.Chats, (c) => c.ChatType === 'unassigned');
  if (S.isManager()) {
    const open = await call('GetChatList', { query: { ChatType: 'open', PageSize: PAGE } });
    S.replaceList(open.Chats, (c) => c.ChatType === 'open');
  }
  return mine.EventID || null;
}

export async function startDesk() {
  await loadReference();
  const eventId = await loadChats();
  S.markLoaded();
  stream = new EventStream({
    onEvent: applyEvent,
    onStatus: (live) => state.live !== live && S.set({ live }),
    onDown: () => {
      // The session may be what ended: KeepAlive answers 401 then, which logs the agent out.
      call('KeepAlive').catch(() => {});
      startPolling();
    },
    onUp: () => {
      stopPolling();
      refresh();
    },
  });
  stream.start(eventId);
  clearInterval(keepAliveTimer);
  keepAliveTimer = setInterval(() => call('KeepAlive').catch(() => {}), KEEPALIVE_MS);
}

export function stopDesk() {
  stream?.stop();
  stream = null;
  stopPolling();
  clearInterval(keepAliveTimer);
}

function startPolling() {
  if (pollTimer) return;
  pollTimer = setInterval(refresh, POLL_MS);
}
function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

let refreshing = false;
/** Fetches what the event stream would have said: the lists, the open chat, presence, metrics. */
export async function refresh() {
  if (refreshing || !state.me) return;
  refreshing = true;
  try {
    await loadChats();
    const agents = await call('GetAgentList');
    S.set({ agents: agents.Agents });
    if (state.selected) await catchUp(state.selected);
    if (wantsMetrics) S.set({ metrics: await call('LiveMetrics') });
  } catch (e) {
    if (e.code === 'NetworkError') S.set({ live: 'offline' });
  } finally {
    refreshing = false;
  }
}

let wantsMetrics = false;
/** The dashboard asks for LiveMetrics; they come by the stream (metrics.live) or by polling. */
export async function watchMetrics(on) {
  wantsMetrics = on;
  if (on) S.set({ metrics: await call('LiveMetrics') });
}

/** After the stream asked for it: fetch the lists again and continue from their EventID. */
async function resync() {
  try {
    const eventId = await loadChats();
    if (state.selected) await catchUp(state.selected);
    stream?.restart(eventId);
  } catch (e) {
    S.toast(e.message, 'error');
  }
}

function focused(chatId) {
  return state.selected === chatId && !document.hidden;
}

export function applyEvent(name, d) {
  const me = state.me?.AgentID;
  switch (name) {
    case 'chat.queued':
    case 'chat.assigned':
    case 'chat.reassigned':
    case 'chat.closed':
      S.upsertChat(d.Chat);
      break;
    case 'chat.transferred':
      S.upsertChat(d.Chat);
      if (d.ToAgentID != null && d.ToAgentID === me) {
        S.toast(`A chat was transferred to you${d.Note ? `: “${d.Note}”` : ''}`);
      }
      break;
    case 'message.created':
      if (d.Message) {
        const fresh = S.messageArrived(d.Message, { focused: focused(d.ChatID) });
        if (fresh && d.Message.Type === 'customer' && focused(d.ChatID)) markRead(d.ChatID);
        // The customer rated a closed chat: its head (Rating, RatingComment) comes with GetChat.
        if (fresh && d.Message.SpecialType === 'Rated' && state.chats.has(d.ChatID)) {
          call('GetChat', { query: { ChatID: d.ChatID } })
            .then((chat) => S.upsertChat(chat, { quiet: true }))
            .catch(() => {});
        }
      }
      break;
    case 'message.delivery':
      S.updateDelivery(d.ChatID, d.MessageID, d.Delivery);
      break;
    case 'chat.read':
      S.markRead(d.ChatID);
      break;
    case 'chat.tags':
      S.setTags(d.ChatID, d.Tags);
      break;
    case 'customer.updated':
      if (d.Customer) S.customerUpdated(d.Customer);
      break;
    case 'customer.typing':
      state.typing.set(d.ChatID, !!d.Typing);
      S.changed();
      break;
    case 'agent.status':
      S.agentStatus(d);
      break;
    case 'queue.alert': {
      state.alerts.set(d.ChatID, d.WaitingSeconds);
      const chat = state.chats.get(d.ChatID);
      if (chat && S.inMyQueues(chat)) announce('alert', `A chat has waited ${Math.round(d.WaitingSeconds / 60)} min`);
      S.changed();
      break;
    }
    case 'metrics.live':
      S.set({ metrics: d });
      break;
    case 'resync':
      resync();
      break;
    default:
      break;
  }
}

// ---- one chat --------------------------------------------------------------------------------

/** Shows a chat: its details (customer, typing, visited pages) and its latest messages. */
export async function openChat(chatId) {
  S.set({ selected: chatId });
  if (chatId == null) return;
  const [details] = await Promise.all([
    call('GetChat', { query: { ChatID: chatId } }),
    state.messages.has(chatId) ? catchUp(chatId) : loadLatest(chatId),
  ]);
  S.upsertChat(details, { quiet: true });
  S.setDetails(chatId, details);
  if (details.UnreadCount > 0 && !document.hidden) markRead(chatId);
}

async function loadLatest(chatId) {
  const first = await call('GetChatMessages', { query: { ChatID: chatId, PageSize: PAGE } });
  let page = first;
  const pages = first.Cursor?.Pages || 1;
  if (pages > 1) {
    page = await call('GetChatMessages', { query: { ChatID: chatId, PageSize: PAGE, Page: pages } });
  }
  S.addMessages(chatId, page.Messages);
  state.olderPages.set(chatId, pages - 1);
  S.changed();
}

/** The page of messages before those shown. */
export async function loadOlder(chatId) {
  const page = state.olderPages.get(chatId);
  if (!page) return;
  const answer = await call('GetChatMessages', { query: { ChatID: chatId, PageSize: PAGE, Page: page } });
  S.addMessages(chatId, answer.Messages);
  state.olderPages.set(chatId, page - 1);
  S.changed();
}

/** Messages after the last one shown, and the typing state: the polling path. */
async function catchUp(chatId) {
  const shown = S.chatMessages(chatId);
  const after = shown.length ? shown[shown.length - 1].MessageID : 0;
  const answer = await call('GetChatMessages', { query: { ChatID: chatId, After: after, PageSize: PAGE } });
  for (const m of answer.Messages) S.messageArrived(m, { focused: focused(chatId) });
  // Delivery states of the messages shown change too.
  const pending = shown.filter((m) => m.Delivery && m.Delivery.State !== 'delivered' && m.Delivery.State !== 'failed');
  if (pending.length) {
    const from = pending[0].MessageID - 1;
    const again = await call('GetChatMessages', { query: { ChatID: chatId, After: from, PageSize: PAGE } });
    S.addMessages(chatId, again.Messages);
  }
  if (state.selected === chatId) {
    const details = await call('GetChat', { query: { ChatID: chatId } });
    S.upsertChat(details, { quiet: true });
    S.setDetails(chatId, details);
    if (details.UnreadCount > 0 && focused(chatId)) markRead(chatId);
  }
}

let readTimer = null;
export function markRead(chatId) {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    call('MarkChatRead', { body: { ChatID: chatId } })
      .then(() => S.markRead(chatId))
      .catch(() => {});
  }, 300);
}

document.addEventListener('visibilitychange', () => {
  const chat = state.chats.get(state.selected);
  if (!document.hidden && chat?.UnreadCount > 0) markRead(chat.ChatID);
});

// ---- actions ---------------------------------------------------------------------------------

/** GrabChat: the longest-waiting chat of my departments becomes mine. */
export async function grab() {
  const chat = await call('GrabChat', { method: 'POST', body: {} });
  S.upsertChat(chat, { quiet: true });
  return chat;
}

/** AssignChat to myself (or, for a manager, to `agentId`). */
export async function take(chatId, agentId) {
  const chat = await call('AssignChat', { body: { ChatID: chatId, ...(agentId ? { AgentID: agentId } : {}) } });
  S.upsertChat(chat, { quiet: true });
  return chat;
}

/** SendMessage: text, a canned response (by id, the server fills it in) and/or a file. */
export async function send(chatId, { text, cannedId, file }) {
  let message;
  if (file) {
    const form = new FormData();
    form.append('ChatID', String(chatId));
    if (text) form.append('MessageText', text);
    if (cannedId) form.append('CannedResponseID', String(cannedId));
    form.append('AttachmentData', file, file.name);
    message = await call('SendMessage', { form, method: 'POST' });
  } else {
    message = await call('SendMessage', {
      body: { ChatID: chatId, ...(cannedId ? { CannedResponseID: cannedId } : { MessageText: text }) },
    });
  }
  S.messageArrived(message, { focused: true });
  // Sending into a waiting chat takes it: the chat's state comes with the next list or event.
  const chat = state.chats.get(chatId);
  if (chat && chat.ChatType === 'unassigned') {
    S.upsertChat({ ...(await call('GetChat', { query: { ChatID: chatId } })) }, { quiet: true });
  }
  return message;
}

/** AddComment: a private note on the customer's active chat. */
export async function note(chatId, customerId, text) {
  await call('AddComment', { body: { CustomerID: customerId, Comment: text } });
  await catchUp(chatId);
}

/**
 * TransferChat to a department, or to an agent (with the department the chat goes to), with an
 * optional note. A server that does not know transfers to an agent queues the chat in the
 * department instead; a manager then assigns it to the agent.
 */
export async function transfer(chatId, { departmentId, agentId, note: text }) {
  const body = { ChatID: chatId, DepartmentID: departmentId };
  if (agentId) body.AgentID = agentId;
  if (text) body.Note = text;
  let chat = await call('TransferChat', { body });
  if (agentId && chat.AgentID !== agentId && chat.ChatType === 'unassigned' && S.isManager()) {
    chat = await call('AssignChat', { body: { ChatID: chatId, AgentID: agentId } });
  }
  S.upsertChat(chat, { quiet: true });
  return chat;
}

export async function close(chatId) {
  const chat = await call('CloseChat', { body: { ChatID: chatId } });
  S.upsertChat(chat, { quiet: true });
  return chat;
}

export async function addTag(chatId, tagId) {
  S.upsertChat(await call('AddTag', { body: { ChatID: chatId, TagID: tagId } }), { quiet: true });
}

export async function removeTag(chatId, tagId) {
  S.upsertChat(await call('RemoveTag', { body: { ChatID: chatId, TagID: tagId } }), { quiet: true });
}

export async function updateCustomer(fields) {
  const customer = await call('UpdateCustomer', { body: fields });
  S.customerUpdated(customer);
  return customer;
}

export async function setStatus(statusId) {
  const agent = await call('UpdateAgent', { body: { StatusID: statusId } });
  S.set({ me: agent });
  S.agentStatus(agent);
}

export { ApiError };
