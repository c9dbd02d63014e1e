// The frame around every page: the header (company, desk time zone and time, live state, the
// agent's status, navigation), the page, notices, and the keyboard help.
import { html, useEffect, useState } from '../html.js';
import { useStore, isManager, dismissToast, toast } from '../store.js';
import { setStatus } from '../desk.js';
import { STATUSES, clock } from '../util.js';
import { useNow, Dialog } from '../ui.js';
import { onCommand, SHORTCUTS } from '../shortcuts.js';
import { setBaseTitle } from '../notify.js';
import { navigate } from '../route.js';
import { logoff } from '../session.js';
import { Desk } from './desk.js';
import { Dashboard } from './dashboard.js';
import { GettingStarted } from './start.js';
import { Insight } from './insight.js';
import { Admin } from '../admin/index.js';

const LIVE_TEXT = {
  live: 'Live',
  connecting: 'Connecting…',
  polling: 'Refreshing every few seconds',
  offline: 'Offline: retrying',
};

export function Shell({ route }) {
  const s = useStore();
  const [help, setHelp] = useState(false);
  const manager = isManager();
  const company = s.settings.CompanyName || 'agentdesk';
  useEffect(() => setBaseTitle(`${company} · agentdesk`), [company]);
  useEffect(() => {
    const off = [
      onCommand('help', () => setHelp(true)),
      onCommand('go:desk', () => navigate('desk')),
      onCommand('go:dashboard', () => navigate('dashboard')),
      onCommand('go:insight', () => manager && navigate('insight')),
      onCommand('go:admin', () => manager && navigate('admin')),
    ];
    return () => off.forEach((f) => f());
  }, [manager]);

  let page;
  if (route.page === 'dashboard') page = html`<${Dashboard} />`;
  else if (route.page === 'start' && manager) page = html`<${GettingStarted} />`;
  else if (route.page === 'insight' && manager) page = html`<${Insight} />`;
  else if (route.page === 'admin' && manager) page = html`<${Admin} section=${route.arg} />`;
  else page = html`<${Desk} chatId=${route.page === 'desk' && route.arg ? Number(route.arg) : null} />`;

  const nav = [
    { page: 'desk', label: 'Desk' },
    { page: 'dashboard', label: 'Dashboard' },
    ...(manager
      ? [
          { page: 'insight', label: 'Insight' },
          { page: 'admin', label: 'Settings' },
        ]
      : []),
  ];
  return html`<div class="shell">
    <header class="topbar">
      <a class="brand" href="#/desk" aria-label=${`${company}: desk`}><span class="logo" aria-hidden="true"></span><span class="company">${company}</span></a>
      <nav aria-label="Main">
        ${nav.map(
          (n) =>
            html`<a href=${`#/${n.page}`} class=${route.page === n.page || (n.page === 'desk' && !['dashboard', 'insight', 'admin'].includes(route.page)) ? 'active' : ''} aria-current=${route.page === n.page ? 'page' : undefined}>${n.label}</a>`,
        )}
      </nav>
      <div class="topbar-right">
        <${DeskClock} zone=${s.hours?.TimeZone || s.settings.TimeZone || 'UTC'} open=${s.hours?.OpenNow} />
        <span class=${`live live-${s.live}`} role="status" title=${LIVE_TEXT[s.live]}><span class="dot" aria-hidden="true"></span><span class="live-text">${LIVE_TEXT[s.live]}</span></span>
        <${StatusPicker} me=${s.me} />
        <button type="button" class="icon" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick=${() => setHelp(true)}>?</button>
        <span class="me" title=${s.me.EmailAddress}>${s.me.Name}</span>
        <button type="button" class="ghost" onClick=${logoff}>Log off</button>
      </div>
    </header>
    ${page}
    <div class="toasts" aria-live="polite">
      ${s.toasts.map(
        (t) => html`<div class=${`toast ${t.kind}`} role=${t.kind === 'error' ? 'alert' : 'status'}>
          <span>${t.text}</span>
          <button type="button" class="icon" aria-label="Dismiss" onClick=${() => dismissToast(t.id)}>×</button>
        </div>`,
      )}
    </div>
    ${help ? html`<${Help} onClose=${() => setHelp(false)} />` : null}
  </div>`;
}

function DeskClock({ zone, open }) {
  const now = useNow(15_000);
  return html`<span class="desk-clock" title="Times in this console are desk time">
    <span class="visually-hidden">Desk time </span>${clock(new Date(now))} <span class="zone">${zone}</span>
    ${open === false ? html` <span class="closed-badge">closed</span>` : null}
  </span>`;
}

function StatusPicker({ me }) {
  return html`<label class="status-picker">
    <span class="visually-hidden">My status</span>
    <span class=${`status-dot s${me.StatusID}`} aria-hidden="true"></span>
    <select
      aria-label="My status"
      onChange=${async (e) => {
        try {
          await setStatus(Number(e.currentTarget.value));
        } catch (err) {
          toast(err.message, 'error');
        }
      }}
    >
      ${STATUSES.map((st) => html`<option value=${st.id} selected=${st.id === me.StatusID}>${st.name}</option>`)}
    </select>
  </label>`;
}

function Help({ onClose }) {
  return html`<${Dialog} title="Keyboard shortcuts" onClose=${onClose}>
    <table class="shortcuts">
      <thead><tr><th scope="col">Keys</th><th scope="col">Does</th></tr></thead>
      <tbody>
        ${SHORTCUTS.map((k) => html`<tr><td><kbd>${k.keys}</kbd></td><td>${k.does}</td></tr>`)}
      </tbody>
    </table>
  </${Dialog}>`;
}
