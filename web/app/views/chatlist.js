// The left pane: the queue of my departments (wait times, alerts, Grab), my chats (unread counts,
// the customer typing), other agents' chats for managers, and a search over every chat I may see.
import { html, useState } from '../html.js';
import { call } from '../api.js';
import { useStore, queue, myChats, othersChats, customerName, toast, upsertChat } from '../store.js';
import { grab, take } from '../desk.js';
import { duration, secondsSince, time, initials } from '../util.js';
import { useNow, ActionButton, Empty } from '../ui.js';
import { navigate } from '../route.js';

export function ChatList({ selected }) {
  const s = useStore();
  const now = useNow(1000);
  const waiting = queue();
  const mine = myChats();
  const others = othersChats();
  const alertAfter = Number(s.settings.UnassignedAlertSeconds) || 0;
  const [results, setResults] = useState(null);

  return html`<div class="chatlist">
    <${Search} onResults=${setResults} />
    ${
      results
        ? html`<section aria-labelledby="results-h">
          <h2 id="results-h" class="list-head">Search results <span class="count">${results.length}</span>
            <button type="button" class="link" onClick=${() => setResults(null)}>Clear</button></h2>
          ${results.length === 0 ? html`<${Empty}>No chat matches.</${Empty}>` : null}
          <ul class="chats" aria-label="Search results">
            ${results.map((c) => html`<${ChatItem} chat=${s.chats.get(c.ChatID) || c} selected=${selected === c.ChatID} typing=${false} />`)}
          </ul>
        </section>`
        : null
    }
    <section aria-labelledby="queue-h" class="queue">
      <h2 id="queue-h" class="list-head">
        Queue <span class="count" aria-label=${`${waiting.length} waiting`}>${waiting.length}</span>
        <${ActionButton}
          class="primary small"
          disabled=${waiting.length === 0}
          title="Take the longest-waiting chat (Alt+G)"
          onAction=${async () => {
            const chat = await grab();
            navigate(`desk/${chat.ChatID}`);
          }}
        >Grab</${ActionButton}>
      </h2>
      ${waiting.length === 0 ? html`<${Empty}>Nobody is waiting.</${Empty}>` : null}
      <ul class="chats" aria-label="Waiting chats">
        ${waiting.map((c) => {
          const wait = secondsSince(c.QueuedAt || c.CreatedAt, now);
          const alert = s.alerts.has(c.ChatID) || (alertAfter > 0 && wait >= alertAfter);
          return html`<li class=${`chat-item waiting ${alert ? 'alert' : ''} ${selected === c.ChatID ? 'selected' : ''}`}>
            <a href=${`#/desk/${c.ChatID}`} class="chat-link" aria-current=${selected === c.ChatID ? 'true' : undefined}>
              <span class="avatar" aria-hidden="true">${initials(customerName(c))}</span>
              <span class="chat-main">
                <span class="chat-top"><span class="name">${customerName(c)}</span>
                  <span class=${`wait ${alert ? 'alert' : ''}`} title="Waiting since ${time(c.QueuedAt)}">${alert ? '⚠ ' : ''}${duration(Math.floor(wait))}</span></span>
                <span class="chat-sub">${c.DepartmentName || 'Welcome menu'}${c.QueuePosition ? ` · #${c.QueuePosition}` : ''}</span>
                <span class="preview">${c.LastMessageText || ''}</span>
              </span>
            </a>
            ${
              c.DepartmentID != null
                ? html`<${ActionButton} class="small" label=${`Take the chat of ${customerName(c)}`}
                  onAction=${async () => {
                    await take(c.ChatID);
                    navigate(`desk/${c.ChatID}`);
                  }}>Take</${ActionButton}>`
                : null
            }
          </li>`;
        })}
      </ul>
    </section>
    <section aria-labelledby="mine-h">
      <h2 id="mine-h" class="list-head">My chats <span class="count">${mine.length}</span></h2>
      ${mine.length === 0 ? html`<${Empty}>No open chats. Grab one from the queue.</${Empty}>` : null}
      <ul class="chats" aria-label="My chats">
        ${mine.map((c) => html`<${ChatItem} chat=${c} selected=${selected === c.ChatID} typing=${s.typing.get(c.ChatID)} />`)}
      </ul>
    </section>
    ${
      others.length
        ? html`<section aria-labelledby="others-h">
          <h2 id="others-h" class="list-head">Other agents' chats <span class="count">${others.length}</span></h2>
          <ul class="chats" aria-label="Other agents' chats">
            ${others.map((c) => html`<${ChatItem} chat=${c} selected=${selected === c.ChatID} typing=${s.typing.get(c.ChatID)} showAgent />`)}
          </ul>
        </section>`
        : null
    }
  </div>`;
}

function ChatItem({ chat: c, selected, typing, showAgent }) {
  const unread = c.ChatType !== 'closed' ? c.UnreadCount || 0 : 0;
  return html`<li class=${`chat-item ${selected ? 'selected' : ''} ${unread ? 'unread' : ''} ${c.ChatType}`}>
    <a href=${`#/desk/${c.ChatID}`} class="chat-link" aria-current=${selected ? 'true' : undefined}>
      <span class="avatar" aria-hidden="true">${initials(customerName(c))}</span>
      <span class="chat-main">
        <span class="chat-top"><span class="name">${customerName(c)}</span><span class="when">${time(c.LastMessageAt)}</span></span>
        <span class="chat-sub">${c.DepartmentName || ''}${showAgent && c.AgentName ? ` · ${c.AgentName}` : ''}${c.ChatType === 'closed' ? ' · closed' : ''}</span>
        <span class="preview">${typing ? html`<em class="typing">typing…</em>` : c.LastMessageText || ''}</span>
      </span>
      ${unread ? html`<span class="badge" aria-label=${`${unread} unread`}>${unread}</span>` : null}
    </a>
  </li>`;
}

function Search({ onResults }) {
  const [term, setTerm] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (!term.trim()) return onResults(null);
    setBusy(true);
    try {
      const answer = await call('GetChatList', { query: { Term: term.trim(), PageSize: 50 } });
      answer.Chats.forEach((c) => upsertChat(c, { quiet: true }));
      onResults(answer.Chats);
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="search" role="search" onSubmit=${submit}>
    <label for="chat-search" class="visually-hidden">Search chats</label>
    <input id="chat-search" type="search" placeholder="Search name, number or text" value=${term} onInput=${(e) => setTerm(e.currentTarget.value)} />
    <button type="submit" class="small" disabled=${busy}>Search</button>
  </form>`;
}
