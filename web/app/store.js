// The console's state: one object, changed only through the functions below, which re-render the
// app. Chats are kept by ChatID and every Chat object that arrives (a list, an action's answer, an
// event) is applied as an upsert; messages are kept per chat by MessageID, so a message that both a
// list and an event deliver is shown once.
import { useEffect, useState } from './html.js';
import { announce } from './notify.js';

export const state = {
  me: null, // the Agent object of the logged-on agent
  chats: new Map(), // ChatID -> Chat (as GetChatList / GetChat answer)
  details: new Map(), // ChatID -> GetChat extras: Customer, CustomerTyping, VisitedPages, Visitor
  messages: new Map(), // ChatID -> Map(MessageID -> Message)
  olderPages: new Map(), // ChatID -> the next older page of GetChatMessages still to load (0 = none)
  typing: new Map(), // ChatID -> true while the customer types
  alerts: new Map(), // ChatID -> WaitingSeconds of a queue.alert
  agents: [],
  departments: [],
  tagGroups: [],
  canned: [],
  settings: {},
  hours: null,
  metrics: null,
  selected: null, // ChatID shown in the conversation pane
  live: 'connecting', // 'live' | 'connecting' | 'polling' | 'offline'
  toasts: [],
};

const listeners = new Set();
let scheduled = false;
/** Re-renders subscribers once per frame, however many changes were made. */
export function changed() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    listeners.forEach((fn) => fn());
  });
}

/** Subscribes a component to every change of the state. */
export function useStore() {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((t) => t + 1);
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, []);
  return state;
}

export function set(patch) {
  Object.assign(state, patch);
  changed();
}

export function reset() {
  Object.assign(state, {
    me: null,
    selected: null,
    metrics: null,
    live: 'connecting',
    toasts: [],
  });
  for (const key of ['chats', 'details', 'messages', 'olderPages', 'typing', 'alerts']) state[key].clear();
  seenMessages.clear();
  changed();
}

let toastId = 0;
/** A short notice at the bottom of the screen; errors stay until dismissed. */
export function toast(text, kind = 'info') {
  const id = ++toastId;
  state.toasts = [...state.toasts, { id, text, kind }];
  changed();
  if (kind !== 'error') setTimeout(() => dismissToast(id), 6000);
}
export function dismissToast(id) {
  state.toasts = state.toasts.filter((t) => t.id !== id);
  changed();
}

// ---- what the logged-on agent may see --------------------------------------------------------

export const isManager = () => state.me?.RoleID === 2;

/** The departments whose queue this agent works (a manager sees every queue). */
export function inMyQueues(chat) {
  if (chat.ChatType !== 'unassigned') return false;
  if (isManager()) return true;
  return chat.DepartmentID != null && (state.me?.DepartmentID || []).includes(chat.DepartmentID);
}

export function queue() {
  return [...state.chats.values()]
    .filter(inMyQueues)
    .sort((a, b) => (a.QueuedAt || a.CreatedAt).localeCompare(b.QueuedAt || b.CreatedAt) || a.ChatID - b.ChatID);
}

export function myChats() {
  return [...state.chats.values()]
    .filter((c) => c.ChatType === 'open' && c.AgentID === state.me?.AgentID)
    .sort((a, b) => b.LastMessageAt.localeCompare(a.LastMessageAt));
}

/** Open chats of other agents: managers watch them all. */
export function othersChats() {
  if (!isManager()) return [];
  return [...state.chats.values()]
    .filter((c) => c.ChatType === 'open' && c.AgentID !== state.me?.AgentID)
    .sort((a, b) => b.LastMessageAt.localeCompare(a.LastMessageAt));
}

// ---- chats -----------------------------------------------------------------------------------

let loaded = false;
/** After the first lists are in, new chats and messages are announced. */
export function markLoaded() {
  loaded = true;
}

/** Applies a Chat object. `quiet` for lists being loaded or refreshed by the client itself. */
export function upsertChat(chat, { quiet = false } = {}) {
  if (!chat || chat.ChatID == null) return;
  const before = state.chats.get(chat.ChatID);
  state.chats.set(chat.ChatID, { ...before, ...chat });
  if (chat.ChatType !== 'unassigned') state.alerts.delete(chat.ChatID);
  if (chat.ChatType === 'closed') state.typing.delete(chat.ChatID);
  if (!quiet && loaded) {
    const now = state.chats.get(chat.ChatID);
    const newlyQueued = inMyQueues(now) && !(before && inMyQueues(before) && before.QueuedAt === now.QueuedAt);
    const newlyMine =
      now.ChatType === 'open' && now.AgentID === state.me?.AgentID && before?.AgentID !== state.me?.AgentID;
    if (newlyQueued) announce('chat', `New chat from ${customerName(now)}`);
    else if (newlyMine && before) announce('chat', `${customerName(now)} is now yours`);
  }
  changed();
}

export function customerName(chat) {
  return chat?.CustomerName || chat?.CustomerNumber || (chat ? `Customer ${chat.CustomerID}` : '');
}

/** Replaces what a list shows: chats of that list missing from the answer have left it. */
export function replaceList(chats, belongs) {
  const ids = new Set(chats.map((c) => c.ChatID));
  for (const chat of chats) {
    const before = state.chats.get(chat.ChatID);
    if (!before && loaded && inMyQueues(chat)) upsertChat(chat);
    else if (before && loaded && chat.UnreadCount > (before.UnreadCount || 0) && chat.AgentID === state.me?.AgentID) {
      state.chats.set(chat.ChatID, { ...before, ...chat });
      announce('message', `New message from ${customerName(chat)}`);
    } else state.chats.set(chat.ChatID, { ...before, ...chat });
  }
  for (const [id, chat] of state.chats) {
    if (!ids.has(id) && belongs(chat) && id !== state.selected) state.chats.delete(id);
  }
  changed();
}

export function setDetails(chatId, details) {
  state.details.set(chatId, details);
  state.typing.set(chatId, !!details.CustomerTyping);
  changed();
}

// ---- messages --------------------------------------------------------------------------------

// Message ids seen by this tab, so an event replayed after a reconnect never counts twice.
const seenMessages = new Set();

export function chatMessages(chatId) {
  const map = state.messages.get(chatId);
  return map ? [...map.values()].sort((a, b) => a.MessageID - b.MessageID) : [];
}

/** Adds messages from a list (GetChatMessages). */
export function addMessages(chatId, messages) {
  let map = state.messages.get(chatId);
  if (!map) state.messages.set(chatId, (map = new Map()));
  for (const m of messages) {
    seenMessages.add(m.MessageID);
    map.set(m.MessageID, { ...map.get(m.MessageID), ...m });
  }
  changed();
}

/** A message from the event stream (or one this tab sent): added once, counted once. */
export function messageArrived(m, { focused = false } = {}) {
  const fresh = !seenMessages.has(m.MessageID);
  seenMessages.add(m.MessageID);
  const map = state.messages.get(m.ChatID);
  if (map) map.set(m.MessageID, { ...map.get(m.MessageID), ...m });
  const chat = state.chats.get(m.ChatID);
  if (fresh && chat && m.Type !== 'note' && !(m.Type === 'system' && !isForCustomer(m))) {
    const text = m.Message || (m.Attachment ? `[${m.Attachment.Name}]` : '');
    chat.LastMessageText = text.slice(0, 200);
    chat.LastMessageAt = m.WhenPosted;
  }
  if (fresh && m.Type === 'customer') {
    state.typing.set(m.ChatID, false);
    if (chat && !focused) chat.UnreadCount = (chat.UnreadCount || 0) + 1;
    // A waiting chat was announced when it arrived ("New chat from …"); its messages are
    // announced once it is the agent's own.
    if (loaded && chat && chat.AgentID === state.me?.AgentID && !focused) {
      announce('message', `New message from ${customerName(chat)}`);
    }
  }
  changed();
  return fresh;
}

const FOR_CUSTOMER = new Set([
  'OutOfHours',
  'WelcomeMenu',
  'InvalidMenuChoice',
  'Welcome',
  'NoDepartment',
  'TransferedSession',
  'ClosedByUser',
]);
export function isForCustomer(m) {
  return m.Type === 'agent' || (m.Type === 'system' && FOR_CUSTOMER.has(m.SpecialType));
}

export function updateDelivery(chatId, messageId, delivery) {
  const m = state.messages.get(chatId)?.get(messageId);
  if (m) {
    m.Delivery = delivery;
    changed();
  }
}

export function markRead(chatId) {
  const chat = state.chats.get(chatId);
  if (chat) {
    chat.UnreadCount = 0;
    changed();
  }
}

export function setTags(chatId, tags) {
  const chat = state.chats.get(chatId);
  if (chat) {
    chat.Tags = tags;
    changed();
  }
}

export function customerUpdated(customer) {
  for (const chat of state.chats.values()) {
    if (chat.CustomerID === customer.CustomerID) {
      chat.CustomerName = customer.FullName;
      if (customer.MobileNumber) chat.CustomerNumber = customer.MobileNumber;
    }
  }
  for (const details of state.details.values()) {
    if (details.Customer?.CustomerID === customer.CustomerID) details.Customer = { ...details.Customer, ...customer };
  }
  changed();
}

export function agentStatus({ AgentID, StatusID, Name }) {
  state.agents = state.agents.map((a) => (a.AgentID === AgentID ? { ...a, StatusID, Name: Name || a.Name } : a));
  if (state.me?.AgentID === AgentID) state.me = { ...state.me, StatusID };
  changed();
}

// ---- settings --------------------------------------------------------------------------------

/** GetSettings' list of single-key objects as one object. */
export function settingsObject(list) {
  return Object.assign({}, ...(list || []));
}

export function deskTimeZone() {
  return state.hours?.TimeZone || state.settings.TimeZone || 'UTC';
}
