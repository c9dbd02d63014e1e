import { html, useState } from '../html.js';
import { call } from '../api.js';
import { useStore, toast, state } from '../store.js';
import { reloadCanned } from '../desk.js';
import { fillPlaceholders } from '../util.js';
import { useForm, Input, TextArea, FormError, Empty } from '../ui.js';
import { ConfirmButton } from './common.js';

export function Canned() {
  const s = useStore();
  const [editing, setEditing] = useState(null);
  const item = editing && editing !== 'new' ? s.canned.find((c) => c.CannedResponseID === editing) : null;
  return html`<header class="page-head"><h1>Canned responses</h1>
      <button type="button" class="primary" onClick=${() => setEditing('new')}>New canned response</button></header>
    <p class="muted">Agents type <kbd>/</kbd> and the name in the reply box to use one.</p>
    ${editing ? html`<${CannedForm} key=${editing} item=${item} onDone=${() => setEditing(null)} />` : null}
    ${s.canned.length === 0 ? html`<${Empty}>No canned responses yet.</${Empty}>` : null}
    <ul class="cards">
      ${s.canned.map(
        (c) => html`<li class="card">
          <div class="card-head"><h2>/${c.Name}</h2>
            <div class="row">
              <button type="button" class="small" aria-label=${`Edit ${c.Name}`} onClick=${() => setEditing(c.CannedResponseID)}>Edit</button>
              <${ConfirmButton} label=${`Delete ${c.Name}`} confirm="Delete it?" onConfirm=${async () => {
                await call('DeleteCannedResponse', {
                  method: 'DELETE',
                  query: { CannedResponseID: c.CannedResponseID },
                });
                await reloadCanned();
              }}>Delete</${ConfirmButton}>
            </div></div>
          <p class="pre">${c.MessageText}</p>
        </li>`,
      )}
    </ul>`;
}

function CannedForm({ item, onDone }) {
  const form = useForm({ Name: item?.Name || '', MessageText: item?.MessageText || '' });
  const submit = (e) =>
    form.submit(async (v) => {
      if (item) await call('UpdateCannedResponse', { body: { CannedResponseID: item.CannedResponseID, ...v } });
      else await call('CreateCannedResponse', { body: v });
      toast(`/${v.Name} saved`);
      await reloadCanned();
      onDone();
    }, e);
  return html`<form class="card editor" onSubmit=${submit} aria-label=${item ? `Edit ${item.Name}` : 'New canned response'} novalidate>
    <h2>${item ? `Edit /${item.Name}` : 'New canned response'}</h2>
    <${Input} form=${form} name="Name" label="Name (what agents type after /)" required />
    <${TextArea} form=${form} name="MessageText" label="Text" rows="4" required hint="#CUSTOMERNAME# and #AGENTNAME# are filled in when used" />
    ${
      form.values.MessageText
        ? html`<p class="preview-text" aria-label="Preview">${fillPlaceholders(form.values.MessageText, { CUSTOMERNAME: 'Joe Soap', AGENTNAME: state.me?.Name || 'Sam Agent' })}</p>`
        : null
    }
    <${FormError} form=${form} />
    <div class="row"><button type="submit" class="primary" disabled=${form.busy}>${item ? 'Save' : 'Create'}</button>
      <button type="button" onClick=${onDone}>Cancel</button></div>
  </form>`;
}
