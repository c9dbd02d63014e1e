// The right pane: who the customer is (and what this chat's visitor said), the chat's tags, private
// comments, previous chats and the pages the customer visited.
import { html, useEffect, useState } from '../html.js';
import { call } from '../api.js';
import { useStore, chatMessages, toast } from '../store.js';
import * as desk from '../desk.js';
import { time, dateTime } from '../util.js';
import { useForm, Input, FormError, ActionButton, Empty } from '../ui.js';

export function CustomerPanel({ chat, onBack }) {
  const s = useStore();
  const details = s.details.get(chat.ChatID);
  const customer = details?.Customer;
  const [history, setHistory] = useState(null);

  // Previous chats and comments: FindCustomer by mobile number when there is one, otherwise a
  // search by name kept to this customer.
  useEffect(() => {
    let live = true;
    setHistory(null);
    if (!customer) return undefined;
    (async () => {
      try {
        if (customer.MobileNumber) {
          const found = await call('FindCustomer', {
            query: { MobileNumber: customer.MobileNumber.replace(/^\+/, ''), IncludeChats: true },
          });
          const c = found.Customers[0];
          if (live) setHistory({ chats: c?.Chats || [], comments: c?.Comments || null });
        } else if (customer.FullName) {
          const list = await call('GetChatList', { query: { Term: customer.FullName.slice(0, 100), PageSize: 50 } });
          if (live)
            setHistory({ chats: list.Chats.filter((c) => c.CustomerID === customer.CustomerID), comments: null });
        } else if (live) setHistory({ chats: [], comments: null });
      } catch (e) {
        if (live) setHistory({ chats: [], comments: null, error: e.message });
      }
    })();
    return () => {
      live = false;
    };
  }, [customer?.CustomerID, customer?.MobileNumber, chat.ChatID]);

  // The customer's comments (FindCustomer) and this chat's notes, newest first, each once: a note
  // added a moment ago is in the transcript before FindCustomer would say so.
  const byId = new Map((history?.comments || []).map((c) => [c.MessageID, c]));
  for (const m of chatMessages(chat.ChatID)) {
    if (m.Type === 'note')
      byId.set(m.MessageID, {
        MessageID: m.MessageID,
        ChatID: m.ChatID,
        Author: m.Author,
        Comment: m.Message,
        CreatedAt: m.WhenPosted,
      });
  }
  const comments = [...byId.values()].sort((a, b) => b.MessageID - a.MessageID);
  const previous = (history?.chats || []).filter((c) => c.ChatID !== chat.ChatID);

  return html`<aside class="customer" aria-labelledby="cust-h">
    <header class="pane-head">
      <button type="button" class="icon back" aria-label="Back to the conversation" onClick=${onBack}>‹</button>
      <h2 id="cust-h">Customer</h2>
    </header>
    ${customer ? html`<${Details} key=${customer.CustomerID} customer=${customer} chat=${chat} />` : html`<p class="empty">Loading…</p>`}
    ${details?.Visitor ? html`<${Visitor} visitor=${details.Visitor} customer=${customer} />` : null}
    <${Tags} chat=${chat} />
    <section class="panel-section" aria-labelledby="comments-h">
      <h3 id="comments-h">Comments</h3>
      ${comments.length === 0 ? html`<${Empty}>No comments yet.</${Empty}>` : null}
      <ul class="comments">
        ${comments.map((c) => html`<li><p>${c.Comment}</p><span class="meta">${c.Author} · ${dateTime(c.CreatedAt)}</span></li>`)}
      </ul>
      ${chat.ChatType !== 'closed' && customer ? html`<${AddComment} chat=${chat} customer=${customer} />` : null}
    </section>
    <section class="panel-section" aria-labelledby="prev-h">
      <h3 id="prev-h">Previous chats</h3>
      ${history === null ? html`<p class="empty">Loading…</p>` : previous.length === 0 ? html`<${Empty}>None.</${Empty}>` : null}
      <ul class="previous">
        ${previous.map(
          (
            c,
          ) => html`<li><a href=${`#/desk/${c.ChatID}`}>${dateTime(c.CreatedAt)}</a> · ${c.DepartmentName || '–'} · ${c.ChatType}${c.AgentName ? ` · ${c.AgentName}` : ''}
            <span class="preview">${c.LastMessageText || ''}</span></li>`,
        )}
      </ul>
    </section>
    ${
      details?.VisitedPages?.length
        ? html`<section class="panel-section" aria-labelledby="pages-h">
          <h3 id="pages-h">Visited pages</h3>
          <ul class="pages">
            ${details.VisitedPages.map((p) => html`<li><span class="url">${p.Url}</span> <span class="meta">${time(p.VisitedAt)}</span></li>`)}
          </ul>
        </section>`
        : null
    }
  </aside>`;
}

function Details({ customer, chat }) {
  const form = useForm({ FullName: customer.FullName || '', EmailAddress: customer.EmailAddress || '' });
  const [editing, setEditing] = useState(false);
  const submit = (e) =>
    form.submit(async (v) => {
      const fields = { CustomerID: customer.CustomerID };
      if (v.FullName.trim() !== (customer.FullName || '')) fields.FullName = v.FullName;
      if (v.EmailAddress.trim() !== (customer.EmailAddress || '')) fields.EmailAddress = v.EmailAddress;
      await desk.updateCustomer(fields);
      toast('Customer updated');
      setEditing(false);
    }, e);
  if (!editing) {
    return html`<section class="panel-section" aria-label="Customer details">
      <dl class="facts">
        <dt>Name</dt><dd>${customer.FullName || html`<span class="muted">unknown</span>`}</dd>
        <dt>Mobile</dt><dd>${customer.MobileNumber || html`<span class="muted">none</span>`}</dd>
        <dt>Email</dt><dd>${customer.EmailAddress || html`<span class="muted">none</span>`}</dd>
        <dt>Customer</dt><dd>#${customer.CustomerID}</dd>
      </dl>
      ${
        chat.ChatType !== 'closed'
          ? html`<button type="button" class="small" onClick=${() => {
              form.reset({ FullName: customer.FullName || '', EmailAddress: customer.EmailAddress || '' });
              setEditing(true);
            }}>Edit details</button>`
          : null
      }
    </section>`;
  }
  return html`<form class="panel-section" onSubmit=${submit} aria-label="Edit customer" novalidate>
    <${Input} form=${form} name="FullName" label="Name" autofocus />
    <${Input} form=${form} name="EmailAddress" label="Email address" type="email" />
    <p class="hint">The mobile number identifies the customer to the channel and can't be changed.</p>
    <${FormError} form=${form} />
    <div class="row">
      <button type="submit" class="primary small" disabled=${form.busy}>Save</button>
      <button type="button" class="small" onClick=${() => setEditing(false)}>Cancel</button>
    </div>
  </form>`;
}

/** What this chat's visitor said about themselves, when it differs from the stored customer. */
function Visitor({ visitor, customer }) {
  const rows = [
    ['Name', visitor.FullName, customer?.FullName],
    ['Email', visitor.EmailAddress, customer?.EmailAddress],
    ['Phone', visitor.PhoneNumber, customer?.MobileNumber],
  ].filter(([, said]) => said);
  if (!rows.length) return null;
  const differs = rows.some(([, said, stored]) => said !== stored);
  return html`<section class=${`panel-section visitor ${differs ? 'differs' : ''}`} aria-labelledby="visitor-h">
    <h3 id="visitor-h">This visitor said</h3>
    ${differs ? html`<p class="hint">Differs from the stored customer: check before you act on it.</p>` : null}
    <dl class="facts">${rows.map(([k, said]) => html`<dt>${k}</dt><dd>${said}</dd>`)}</dl>
  </section>`;
}

function Tags({ chat }) {
  const s = useStore();
  const [adding, setAdding] = useState('');
  const on = new Set((chat.Tags || []).map((t) => t.TagID));
  const available = s.tagGroups
    .filter((g) => g.Enabled)
    .flatMap((g) => g.Tags.filter((t) => t.Enabled && !on.has(t.TagID)).map((t) => ({ ...t, group: g.Name })));
  return html`<section class="panel-section" aria-labelledby="tags-h">
    <h3 id="tags-h">Tags</h3>
    <ul class="tags">
      ${(chat.Tags || []).map(
        (t) => html`<li class="tag">${t.Name}
          <${ActionButton} class="icon" label=${`Remove tag ${t.Name}`} onAction=${() => desk.removeTag(chat.ChatID, t.TagID)}>×</${ActionButton}></li>`,
      )}
      ${chat.Tags?.length ? null : html`<li class="muted">No tags.</li>`}
    </ul>
    ${
      available.length
        ? html`<form class="row" onSubmit=${async (e) => {
            e.preventDefault();
            if (!adding) return;
            try {
              await desk.addTag(chat.ChatID, Number(adding));
              setAdding('');
            } catch (err) {
              toast(err.message, 'error');
            }
          }}>
          <label for="add-tag" class="visually-hidden">Tag to add</label>
          <select id="add-tag" value=${adding} onChange=${(e) => setAdding(e.currentTarget.value)}>
            <option value="">Add a tag…</option>
            ${available.map((t) => html`<option value=${t.TagID}>${t.group}: ${t.Name}</option>`)}
          </select>
          <button type="submit" class="small" disabled=${!adding}>Add</button>
        </form>`
        : null
    }
  </section>`;
}

function AddComment({ chat, customer }) {
  const form = useForm({ Comment: '' });
  const submit = (e) =>
    form.submit(async (v) => {
      await desk.note(chat.ChatID, customer.CustomerID, v.Comment.trim());
      form.reset({ Comment: '' });
    }, e);
  return html`<form onSubmit=${submit} class="add-comment" novalidate>
    <label for="add-comment" class="visually-hidden">Add a comment</label>
    <textarea id="add-comment" rows="2" placeholder="Add a private comment" value=${form.values.Comment}
      onInput=${(e) => form.set('Comment', e.currentTarget.value)}></textarea>
    ${form.fields.Comment ? html`<p class="field-error">${form.fields.Comment}</p>` : null}
    <${FormError} form=${form} />
    <button type="submit" class="small" disabled=${form.busy || !form.values.Comment.trim()}>Add comment</button>
  </form>`;
}
