// The managers' configuration pages.
import { html } from '../html.js';
import { Agents } from './agents.js';
import { Departments } from './departments.js';
import { Tags } from './tags.js';
import { Canned } from './canned.js';
import { Hours } from './hours.js';
import { Settings } from './settings.js';
import { Channels } from './channels.js';
import { Reports } from './reports.js';
import { Audit } from './audit.js';
import { Webhooks } from './webhooks.js';

export const SECTIONS = [
  ['agents', 'Agents', Agents],
  ['departments', 'Departments', Departments],
  ['tags', 'Tags', Tags],
  ['canned', 'Canned responses', Canned],
  ['hours', 'Working hours', Hours],
  ['settings', 'Desk settings', Settings],
  ['channels', 'Channels', Channels],
  ['reports', 'Reports', Reports],
  ['webhooks', 'Webhooks', Webhooks],
  ['audit', 'Audit log', Audit],
];

export function Admin({ section }) {
  const current = SECTIONS.find(([key]) => key === section) || SECTIONS[0];
  const [key, , View] = current;
  return html`<div class="admin">
    <nav class="admin-nav" aria-label="Settings sections">
      ${SECTIONS.map(
        ([k, label]) =>
          html`<a href=${`#/admin/${k}`} class=${k === key ? 'active' : ''} aria-current=${k === key ? 'page' : undefined}>${label}</a>`,
      )}
    </nav>
    <main class="page admin-page"><${View} /></main>
  </div>`;
}
