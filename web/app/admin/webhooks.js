// Webhooks: endpoints that receive the event stream, their health and delivery log.
import { html, useEffect, useState } from '../html.js';
import { call } from '../api.js';
import { toast } from '../store.js';
import { dateTime } from '../util.js';
import { useForm, Input, Checkbox, CheckList, FormError, Dialog, Empty } from '../ui.js';
import { ConfirmButton } from './common.js';

const EVENTS = [
  'chat.queued',
  'chat.assigned',
  'chat.transferred',
  'chat.reassigned',
  'chat.closed',
  'message.created',
  'message.delivery',
  'chat.read',
  'chat.tags',
  'customer.updated',
  'customer.typing',
  'agent.status',
  'queue.alert',
];

export function Webhooks() {
  const [hooks, setHooks] = useState(null);
  const [created, setCreated] = useState(null);
  const [open, setOpen] = useState(null);
  const reload = async () => setHooks(await call('GetWebhookList'));
  useEffect(() => {
    reload().catch((e) => toast(e.message, 'error'));
  }, []);
  const form = useForm({ Url: '', All: true, Events: [] });
  const submit = (e) =>
    form.submit(async (v) => {
      const hook = await call('CreateWebhook', { body: { Url: v.Url, Events: v.All ? ['*'] : v.Events } });
      setCreated(hook);
      form.reset({ Url: '', All: true, Events: [] });
      await reload();
    }, e);
  const toggle = async (w) => {
    try {
      await call('UpdateWebhook', { body: { WebhookID: w.WebhookID, Enabled: !w.Enabled } });
      await reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const test = async (w) => {
    try {
      await call('TestWebhook', { query: { WebhookID: w.WebhookID } });
      toast('A webhook.test event is on its way');
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return html`<header class="page-head"><h1>Webhooks</h1></header>
    <p class="muted">Endpoints that receive the desk's events, signed with X-Agentdesk-Signature; see docs/webhooks.md.</p>
    <form class="card editor" onSubmit=${submit} aria-label="New webhook" novalidate>
      <h2>New webhook</h2>
      <${Input} form=${form} name="Url" label="Endpoint URL" placeholder="https://crm.example.com/agentdesk" required />
      <${Checkbox} form=${form} name="All" label="Every event" />
      ${form.values.All ? null : html`<${CheckList} form=${form} name="Events" legend="Events" options=${EVENTS.map((e) => ({ value: e, label: e }))} />`}
      <${FormError} form=${form} />
      <button type="submit" class="primary" disabled=${form.busy}>Create webhook</button>
    </form>
    ${hooks === null ? html`<${Empty}>Loading…</${Empty}>` : hooks.length === 0 ? html`<${Empty}>No webhooks yet.</${Empty}>` : null}
    ${
      hooks?.length
        ? html`<div class="table-wrap card"><table>
          <thead><tr><th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">Health</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${hooks.map(
            (w) => html`<tr>
              <th scope="row"><code>${w.Url}</code>${w.Enabled ? '' : html` <span class="muted">· disabled</span>`}</th>
              <td>${w.Events.join(', ')}</td>
              <td>${w.Delivered} delivered · ${w.Pending} waiting · ${w.Failed ? html`<strong class="field-error">${w.Failed} failed</strong>` : '0 failed'}</td>
              <td class="row">
                <button type="button" class="small" onClick=${() => setOpen(w)}>Deliveries</button>
                <button type="button" class="small" onClick=${() => test(w)}>Test</button>
                <button type="button" class="small" onClick=${() => toggle(w)}>${w.Enabled ? 'Disable' : 'Enable'}</button>
                <${ConfirmButton} label=${`Delete ${w.Url}`} confirm="Delete?" onConfirm=${async () => {
                  await call('DeleteWebhook', { method: 'DELETE', query: { WebhookID: w.WebhookID } });
                  await reload();
                }}>Delete</${ConfirmButton}>
              </td></tr>`,
          )}</tbody></table></div>`
        : null
    }
    ${created ? html`<${Secret} hook=${created} onClose=${() => setCreated(null)} />` : null}
    ${
      open
        ? html`<${Deliveries} hook=${open} onClose=${() => {
            setOpen(null);
            reload();
          }} />`
        : null
    }`;
}

function Secret({ hook, onClose }) {
  return html`<${Dialog} title="The webhook's signing secret" onClose=${onClose} wide>
    <p class="notice warn" role="alert"><strong>Shown only now.</strong> The receiver checks X-Agentdesk-Signature with it.</p>
    <p><code class="secret" data-secret="SigningSecret">${hook.SigningSecret}</code></p>
    <div class="dialog-actions"><button type="button" class="primary" onClick=${onClose}>I have stored it</button></div>
  </${Dialog}>`;
}

function Deliveries({ hook, onClose }) {
  const [log, setLog] = useState(null);
  const reload = async () =>
    setLog(await call('GetWebhookDeliveries', { query: { WebhookID: hook.WebhookID, PageSize: 50 } }));
  useEffect(() => {
    reload().catch((e) => toast(e.message, 'error'));
  }, []);
  const retry = async (d) => {
    try {
      await call('RetryWebhookDelivery', { query: { DeliveryID: d.DeliveryID } });
      await reload();
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  return html`<${Dialog} title=${`Deliveries to ${hook.Url}`} onClose=${onClose} wide>
    ${log && log.Deliveries.length === 0 ? html`<${Empty}>Nothing sent yet.</${Empty}>` : null}
    ${
      log?.Deliveries.length
        ? html`<div class="table-wrap"><table>
          <thead><tr><th scope="col">Event</th><th scope="col">State</th><th scope="col">When</th><th scope="col">Answer</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${log.Deliveries.map(
            (d) => html`<tr>
              <th scope="row">${d.Event}</th>
              <td>${d.State}${d.Attempts > 1 ? ` (${d.Attempts} attempts)` : ''}</td>
              <td>${dateTime(d.DeliveredAt || d.CreatedAt)}</td>
              <td>${d.LastStatus ? `${d.LastStatus} in ${d.LastDurationMs} ms` : ''} ${d.LastError ? html`<span class="field-error">${d.LastError}</span>` : ''}<br /><span class="muted">${d.LastAnswer || ''}</span></td>
              <td>${d.State === 'failed' ? html`<button type="button" class="small" onClick=${() => retry(d)}>Retry</button>` : null}</td>
            </tr>`,
          )}</tbody></table></div>`
        : null
    }
  </${Dialog}>`;
}
