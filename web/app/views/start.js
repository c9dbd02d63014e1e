// Getting started, shown to the first manager after "Set up this desk": the few steps from an
// empty desk to a customer's first chat, and the demo desk for those who want to look around first.
import { html } from '../html.js';

export function GettingStarted() {
  const steps = [
    [
      '#/admin/departments',
      'Create a department',
      'Chats queue per department; the first one can simply be "Support".',
    ],
    [
      '#/admin/agents',
      'Add an agent',
      'Each agent logs on with their own address and password, and answers the chats of their departments.',
    ],
    [
      '#/admin/channels',
      "Add your website's web chat",
      'On the Channels page, create a web chat channel and copy its snippet into your site; "Try it as a customer" opens a page with it.',
    ],
  ];
  return html`<main class="page getting-started">
    <header class="page-head">
      <h1>Your desk is set up</h1>
      <p class="muted">Three steps to a customer's first chat.</p>
    </header>
    <ol class="card steps">
      ${steps.map(([href, title, text]) => html`<li><a href=${href}><strong>${title}</strong></a><p>${text}</p></li>`)}
    </ol>
    <section class="card" aria-labelledby="demo-h">
      <h2 id="demo-h">Rather look around first?</h2>
      <p>On a separate database, <code>agentdesk seed</code> fills a demo desk with agents, departments and a month of chats, and prints how to log on to it.</p>
    </section>
    <p><a class="button primary" href="#/desk">Go to the desk</a></p>
  </main>`;
}
