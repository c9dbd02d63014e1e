// Desk settings, built from what GetSettings answers: known keys get a fitting input, keys this
// console does not know yet are shown as text, and only keys that changed are sent back.
import { html } from '../html.js';
import { call } from '../api.js';
import { useStore, set, settingsObject, toast } from '../store.js';
import { useForm, Input, TextArea, Select, Checkbox, FormError } from '../ui.js';
import { num } from './common.js';

const KNOWN = {
  CompanyName: { label: 'Company name', kind: 'text' },
  TimeZone: {
    label: 'Time zone',
    kind: 'zone',
    hint: 'An IANA name, like Africa/Johannesburg; days, hours and reports use it',
  },
  OutOfHoursMessage: { label: 'Message outside working hours', kind: 'long' },
  MaxChatsPerAgent: { label: 'Most open chats per agent', kind: 'int', hint: '0 = no limit' },
  MaxAttachmentMB: { label: 'Largest attachment (MB)', kind: 'int', hint: '1 to 25' },
  WhitelistedDomains: {
    label: 'Domains that may embed the chat widget',
    kind: 'list',
    hint: 'One per line; empty = every domain',
  },
  BlacklistedIPs: { label: 'Blocked IP addresses and ranges', kind: 'list', hint: 'One per line, e.g. 203.0.113.0/24' },
  RoutingMode: {
    label: 'Routing',
    kind: 'choice',
    options: [
      ['Manual', 'Manual: agents grab chats from the queue'],
      ['RoundRobin', 'Round robin: chats go to online agents in turn'],
      ['LeastBusy', 'Least busy: chats go to the online agent with the fewest chats'],
    ],
  },
  PreferLastAgent: { label: "Give a returning customer's chat to their last agent when online", kind: 'bool' },
  RequeueAfterOfflineMinutes: {
    label: 'Requeue an offline agent’s chats after (minutes)',
    kind: 'int',
    hint: '0 = never',
  },
  UnassignedAlertSeconds: { label: 'Alert when a chat waits longer than (seconds)', kind: 'int', hint: '0 = no alert' },
  AlertMailMinutes: {
    label: 'At most one alert mail per agent every (minutes)',
    kind: 'int',
    hint: '1 to 1440; mailed to agents who asked for UnassignedChatsWaiting',
  },
  AskForRating: { label: 'Ask the customer to rate the chat (1 to 5) when it closes', kind: 'bool' },
};

const GROUPS = [
  ['The desk', ['CompanyName', 'TimeZone', 'OutOfHoursMessage']],
  [
    'Routing and alerts',
    [
      'RoutingMode',
      'PreferLastAgent',
      'MaxChatsPerAgent',
      'RequeueAfterOfflineMinutes',
      'UnassignedAlertSeconds',
      'AlertMailMinutes',
    ],
  ],
  ['Chat widget', ['WhitelistedDomains', 'BlacklistedIPs', 'MaxAttachmentMB', 'AskForRating']],
];

function toForm(key, value) {
  const kind = KNOWN[key]?.kind;
  if (kind === 'list') return (value || []).join('\n');
  if (kind === 'bool') return !!value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return value ?? '';
}

function fromForm(key, value, before) {
  const kind = KNOWN[key]?.kind;
  if (kind === 'list')
    return value
      .split(/[\n,]/)
      .map((x) => x.trim())
      .filter(Boolean);
  if (kind === 'int') return num(value);
  if (kind === 'bool') return !!value;
  if (!KNOWN[key] && typeof before === 'number') return num(value);
  if (!KNOWN[key] && typeof before === 'boolean') return value === 'true';
  return value;
}

let zones = null;
function timeZones() {
  if (!zones) {
    try {
      zones = Intl.supportedValuesOf('timeZone');
    } catch {
      zones = [];
    }
  }
  return zones;
}

export function Settings() {
  const s = useStore();
  return html`<${SettingsForm} key=${JSON.stringify(s.settings)} settings=${s.settings} />`;
}

function SettingsForm({ settings }) {
  const initial = Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, toForm(k, v)]));
  const form = useForm(initial);
  const keys = Object.keys(settings);
  const unknown = keys.filter((k) => !KNOWN[k]);
  const submit = (e) =>
    form.submit(async (v) => {
      const changed = [];
      for (const key of keys) {
        const value = fromForm(key, v[key], settings[key]);
        if (JSON.stringify(value) !== JSON.stringify(settings[key])) changed.push({ [key]: value });
      }
      if (!changed.length) return toast('Nothing changed');
      const answer = await call('UpdateSettings', { body: { Settings: changed } });
      set({ settings: settingsObject(answer.Settings), hours: await call('GetWorkingHours') });
      toast('Settings saved');
    }, e);
  const field = (key) => {
    const meta = KNOWN[key] || { label: key, kind: 'text' };
    if (meta.kind === 'long')
      return html`<${TextArea} form=${form} name=${key} label=${meta.label} hint=${meta.hint} />`;
    if (meta.kind === 'list')
      return html`<${TextArea} form=${form} name=${key} label=${meta.label} hint=${meta.hint} rows="3" />`;
    if (meta.kind === 'bool') return html`<${Checkbox} form=${form} name=${key} label=${meta.label} />`;
    if (meta.kind === 'choice') {
      return html`<${Select} form=${form} name=${key} label=${meta.label} numeric=${false}
        options=${meta.options.map(([value, label]) => ({ value, label }))} />`;
    }
    if (meta.kind === 'zone')
      return html`<${Input} form=${form} name=${key} label=${meta.label} hint=${meta.hint} list="zones" />`;
    return html`<${Input} form=${form} name=${key} label=${meta.label} hint=${meta.hint} type=${meta.kind === 'int' ? 'number' : 'text'} />`;
  };
  return html`<header class="page-head"><h1>Desk settings</h1></header>
    <form onSubmit=${submit} aria-label="Desk settings" novalidate>
      <datalist id="zones">${timeZones().map((z) => html`<option value=${z} />`)}</datalist>
      ${GROUPS.map(([title, list]) => {
        const present = list.filter((k) => k in settings);
        return present.length
          ? html`<fieldset class="card"><legend>${title}</legend><div class="grid2">${present.map(field)}</div></fieldset>`
          : null;
      })}
      ${unknown.length ? html`<fieldset class="card"><legend>Other</legend><div class="grid2">${unknown.map(field)}</div></fieldset>` : null}
      <${FormError} form=${form} />
      <div class="row sticky-actions"><button type="submit" class="primary" disabled=${form.busy}>Save settings</button></div>
    </form>`;
}
