// The middle pane: one chat's transcript (messages, files, delivery state, the customer typing), its
// actions (take, transfer, close, export) and the composer (canned responses with "/", files,
// private notes).
import { html, useEffect, useRef, useState } from '../html.js';
import { attachmentUrl, download, saveBlob } from '../api.js';
import { useStore, chatMessages, customerName, isManager, toast, isForCustomer } from '../store.js';
import * as desk from '../desk.js';
import { time, dateTime, size, fillPlaceholders, statusName, departmentName } from '../util.js';
import { Dialog, useForm, Select, TextArea, FormError, ActionButton } from '../ui.js';
import { onCommand } from '../shortcuts.js';
import { navigate } from '../route.js';

export function Conversation({ chat, onBack, onCustomer }) {
  const s = useStore();
  const [dialog, setDialog] = useState(null);
  const messages = chatMessages(chat.ChatID);
  const details = s.details.get(chat.ChatID);
  const typing = s.typing.get(chat.ChatID);
  const me = s.me;
  const closed = chat.ChatType === 'closed';
  const mine = chat.ChatType === 'open' && chat.AgentID === me.AgentID;
  const canWrite = !closed && (chat.ChatType === 'unassigned' ? chat.DepartmentID != null : mine || isManager());

  useEffect(() => {
    const off = [
      onCommand('transfer', () => !closed && setDialog('transfer')),
      onCommand('close', () => !closed && setDialog('close')),
    ];
    return () => off.forEach((f) => f());
  }, [chat.ChatID, closed]);

  const exportChat = async () => {
    const { blob, filename } = await download('ExportChat', { ChatID: chat.ChatID });
    saveBlob(blob, filename);
  };

  return html`<section class="conversation" aria-labelledby="conv-title">
    <header class="conv-head">
      <button type="button" class="icon back" aria-label="Back to the chat list" onClick=${onBack}>‹</button>
      <div class="conv-title">
        <h2 id="conv-title">${customerName(chat)}</h2>
        <p class="conv-sub">
          ${chat.DepartmentName || 'Welcome menu'} ·
          ${chat.ChatType === 'open' ? ` with ${chat.AgentName}` : chat.ChatType === 'unassigned' ? ' waiting' : ` closed ${time(chat.ClosedAt)}`}
          ${chat.Tags?.length ? html` · ${chat.Tags.map((t) => html`<span class="tag small">${t.Name}</span>`)}` : null}
          ${
            chat.Rating != null
              ? html` · <span class=${`rating rating-${chat.Rating >= 4 ? 'good' : chat.Rating <= 2 ? 'poor' : 'fair'}`}>Rated ${chat.Rating} of 5</span>${chat.RatingComment ? html` <q class="rating-comment">${chat.RatingComment}</q>` : null}`
              : null
          }
        </p>
      </div>
      <div class="conv-actions">
        ${
          chat.ChatType === 'unassigned' && chat.DepartmentID != null
            ? html`<${ActionButton} class="primary" onAction=${() => desk.take(chat.ChatID)}>Take chat</${ActionButton}>`
            : null
        }
        ${!closed ? html`<button type="button" onClick=${() => setDialog('transfer')} title="Alt+T">Transfer</button>` : null}
        ${!closed ? html`<button type="button" class="danger" onClick=${() => setDialog('close')} title="Alt+C">Close</button>` : null}
        <${ActionButton} class="ghost" label="Export the transcript as CSV" onAction=${exportChat}>Export</${ActionButton}>
        <button type="button" class="ghost customer-toggle" onClick=${onCustomer} title="Alt+I">Customer</button>
      </div>
    </header>
    <${Transcript} chat=${chat} messages=${messages} olderPage=${s.olderPages.get(chat.ChatID)} />
    <div class="typing-line" aria-live="polite">${typing && !closed ? html`<em>${customerName(chat)} is typing…</em>` : ''}</div>
    ${
      canWrite
        ? html`<${Composer} chat=${chat} me=${me} customer=${details?.Customer} />`
        : html`<p class="composer-off">${closed ? 'This chat is closed.' : chat.DepartmentID == null ? 'The customer is still choosing a department.' : `This is ${chat.AgentName}'s chat.`}</p>`
    }
    ${dialog === 'transfer' ? html`<${TransferDialog} chat=${chat} onClose=${() => setDialog(null)} />` : null}
    ${dialog === 'close' ? html`<${CloseDialog} chat=${chat} onClose=${() => setDialog(null)} />` : null}
  </section>`;
}

function Transcript({ chat, messages, olderPage }) {
  const box = useRef(null);
  const stick = useRef(true);
  const last = messages.length ? messages[messages.length - 1].MessageID : 0;
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [last, chat.ChatID]);
  useEffect(() => {
    stick.current = true;
  }, [chat.ChatID]);
  return html`<div
    class="transcript"
    ref=${box}
    role="log"
    aria-label="Messages"
    tabindex="0"
    onScroll=${(e) => {
      const el = e.currentTarget;
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    }}
  >
    ${
      olderPage > 0
        ? html`<p class="older"><${ActionButton} class="ghost small" onAction=${() => desk.loadOlder(chat.ChatID)}>Load earlier messages</${ActionButton}></p>`
        : null
    }
    ${messages.map((m) => html`<${Message} key=${m.MessageID} m=${m} />`)}
  </div>`;
}

const DELIVERY = { pending: 'Waiting to send', sending: 'Sending', delivered: 'Delivered', failed: 'Not delivered' };

function Message({ m }) {
  if (m.Type === 'system') {
    return html`<div class=${`msg system ${isForCustomer(m) ? 'to-customer' : ''}`} data-message-id=${m.MessageID}>
      <span class="sys-text">${m.Message}</span>
      <span class="meta">${time(m.WhenPosted)}${m.Delivery ? html` · <${Delivery} d=${m.Delivery} />` : null}</span>
    </div>`;
  }
  return html`<div class=${`msg ${m.Type}`} data-message-id=${m.MessageID}>
    <div class="bubble">
      ${m.Type === 'note' ? html`<span class="note-label">Private note</span>` : null}
      ${m.Message ? html`<p class="text">${m.Message}</p>` : null}
      ${m.Attachment ? html`<${Attachment} a=${m.Attachment} />` : null}
    </div>
    <span class="meta"><span class="author">${m.Author}</span> · <time datetime=${m.WhenPosted} title=${dateTime(m.WhenPosted)}>${time(m.WhenPosted)}</time>${m.Delivery ? html` · <${Delivery} d=${m.Delivery} />` : null}</span>
  </div>`;
}

function Delivery({ d }) {
  const text = DELIVERY[d.State] || d.State;
  const detail = d.LastError
    ? `${text} after ${d.Attempts} attempt${d.Attempts === 1 ? '' : 's'}: ${d.LastError}`
    : text;
  return html`<span class=${`delivery ${d.State}`} title=${detail}>${d.State === 'delivered' ? '✓ ' : d.State === 'failed' ? '⚠ ' : ''}${d.LastError ? detail : text}</span>`;
}

function Attachment({ a }) {
  const save = async () => {
    try {
      // Saved under the server's sanitised Content-Disposition name, never the raw one (which may
      // hide its real extension behind bidi characters).
      const { blob, filename } = await download('GetAttachment', { AttachmentID: a.AttachmentID });
      saveBlob(blob, filename);
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  if (a.MimeType?.startsWith('image/')) return html`<${InlineImage} a=${a} onSave=${save} />`;
  return html`<button type="button" class="file" onClick=${save} aria-label=${`Download ${a.Name}`}>
    <span class="file-icon" aria-hidden="true">⇩</span><span class="file-name">${a.Name}</span><span class="file-size">${size(a.Size)}</span>
  </button>`;
}

function InlineImage({ a, onSave }) {
  const [src, setSrc] = useState(null);
  const [failed, setFailed] = useState(null);
  useEffect(() => {
    let live = true;
    attachmentUrl(a.AttachmentID).then(
      (url) => live && setSrc(url),
      (e) => live && setFailed(e.message),
    );
    return () => {
      live = false;
    };
  }, [a.AttachmentID]);
  return html`<figure class="image">
    ${src ? html`<img src=${src} alt=${a.Name} loading="lazy" />` : html`<span class="image-wait">${failed || 'Loading image…'}</span>`}
    <figcaption><button type="button" class="link" onClick=${onSave} aria-label=${`Download ${a.Name}`}>${a.Name}</button> · ${size(a.Size)}</figcaption>
  </figure>`;
}

// ---- the composer ----------------------------------------------------------------------------

function matchCanned(all, query) {
  const q = query.trim().toLowerCase();
  if (!q) return all;
  const starts = all.filter((c) => c.Name.toLowerCase().startsWith(q));
  const contains = all.filter(
    (c) => !starts.includes(c) && (c.Name.toLowerCase().includes(q) || c.MessageText.toLowerCase().includes(q)),
  );
  return [...starts, ...contains];
}

function Composer({ chat, me, customer }) {
  const s = useStore();
  const [text, setText] = useState('');
  const [canned, setCanned] = useState(null); // {id, filled}: sent by id while unchanged
  const [file, setFile] = useState(null);
  const [mode, setMode] = useState('reply');
  const [pick, setPick] = useState(0);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const area = useRef(null);
  const fileInput = useRef(null);

  useEffect(() => {
    setText('');
    setCanned(null);
    setFile(null);
    setError(null);
    setMode('reply');
  }, [chat.ChatID]);
  useEffect(() => onCommand('reply', () => area.current?.focus()), []);

  const slash = mode === 'reply' && text.startsWith('/') && !text.includes('\n') && canned === null;
  const choices = slash ? matchCanned(s.canned, text.slice(1)).slice(0, 8) : [];

  const choose = (c) => {
    const filled = fillPlaceholders(c.MessageText, {
      CUSTOMERNAME: customer?.FullName || chat.CustomerName || 'there',
      AGENTNAME: me.Name,
    });
    setText(filled);
    setCanned({ id: c.CannedResponseID, filled });
    setPick(0);
    area.current?.focus();
  };

  const submit = async () => {
    if (busy) return;
    const body = text.trim();
    if (!body && !file) return;
    setBusy(true);
    setError(null);
    try {
      if (mode === 'note') {
        await desk.note(chat.ChatID, chat.CustomerID, body);
      } else {
        await desk.send(chat.ChatID, {
          text: body,
          cannedId: canned && text === canned.filled ? canned.id : null,
          file,
        });
      }
      setText('');
      setCanned(null);
      setFile(null);
      if (fileInput.current) fileInput.current.value = '';
    } catch (e) {
      setError(e.fields && Object.keys(e.fields).length ? `${e.message}` : e.message);
    } finally {
      setBusy(false);
      area.current?.focus();
    }
  };

  const onKeyDown = (e) => {
    if (slash && choices.length) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setPick((p) => (p + 1) % choices.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setPick((p) => (p - 1 + choices.length) % choices.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        choose(choices[Math.min(pick, choices.length - 1)]);
        return;
      }
    }
    if (slash && e.key === 'Escape') {
      e.preventDefault();
      setText('');
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  const listId = `canned-${chat.ChatID}`;
  return html`<form class=${`composer ${mode}`} onSubmit=${(e) => (e.preventDefault(), submit())} aria-label="Reply">
    ${
      slash
        ? html`<ul class="canned-list" id=${listId} role="listbox" aria-label="Canned responses">
          ${choices.length === 0 ? html`<li class="empty" role="option" aria-disabled="true">No canned response matches “${text.slice(1)}”</li>` : null}
          ${choices.map(
            (c, i) => html`<li
              role="option"
              id=${`${listId}-${c.CannedResponseID}`}
              aria-selected=${i === pick ? 'true' : 'false'}
              class=${i === pick ? 'active' : ''}
              onMouseDown=${(e) => {
                e.preventDefault();
                choose(c);
              }}
            >
              <strong>/${c.Name}</strong> <span>${c.MessageText}</span>
            </li>`,
          )}
        </ul>`
        : null
    }
    <div class="composer-tabs" role="group" aria-label="Message kind">
      <button type="button" class=${mode === 'reply' ? 'on' : ''} aria-pressed=${mode === 'reply'} onClick=${() => setMode('reply')}>Reply</button>
      <button type="button" class=${mode === 'note' ? 'on' : ''} aria-pressed=${mode === 'note'} onClick=${() => {
        setMode('note');
        setFile(null);
      }}>Private note</button>
      ${chat.ChatType === 'unassigned' && mode === 'reply' ? html`<span class="hint">Sending takes this chat.</span>` : null}
    </div>
    <label for=${`compose-${chat.ChatID}`} class="visually-hidden">${mode === 'note' ? 'Private note' : 'Message'}</label>
    <textarea
      id=${`compose-${chat.ChatID}`}
      ref=${area}
      rows="3"
      value=${text}
      placeholder=${mode === 'note' ? 'A note only agents see' : 'Type a reply; / for canned responses'}
      role=${slash ? 'combobox' : undefined}
      aria-expanded=${slash ? 'true' : undefined}
      aria-controls=${slash ? listId : undefined}
      aria-activedescendant=${slash && choices[pick] ? `${listId}-${choices[pick].CannedResponseID}` : undefined}
      aria-invalid=${error ? 'true' : undefined}
      onInput=${(e) => {
        const v = e.currentTarget.value;
        setText(v);
        if (canned && v !== canned.filled && v.startsWith('/')) setCanned(null);
        setPick(0);
      }}
      onKeyDown=${onKeyDown}
    ></textarea>
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
    <div class="composer-bar">
      ${
        mode === 'reply'
          ? html`<label class="attach button ghost" for=${`file-${chat.ChatID}`}>Attach file</label>
            <input id=${`file-${chat.ChatID}`} ref=${fileInput} class="visually-hidden" type="file" aria-label="Attach a file"
              onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />`
          : null
      }
      ${
        file
          ? html`<span class="chosen-file">${file.name} (${size(file.size)})
            <button type="button" class="icon" aria-label=${`Remove ${file.name}`} onClick=${() => {
              setFile(null);
              if (fileInput.current) fileInput.current.value = '';
            }}>×</button></span>`
          : null
      }
      ${canned && text === canned.filled ? html`<span class="hint">Canned response</span>` : null}
      <button type="submit" class="primary send" disabled=${busy || (!text.trim() && !file)}>${mode === 'note' ? 'Add note' : busy ? 'Sending…' : 'Send'}</button>
    </div>
  </form>`;
}

// ---- dialogs ---------------------------------------------------------------------------------

function TransferDialog({ chat, onClose }) {
  const s = useStore();
  const form = useForm({ To: 'department', DepartmentID: null, AgentID: null, Note: '' });
  const departments = s.departments.filter((d) => d.Enabled);
  const agents = s.agents.filter((a) => a.Enabled && a.AgentID !== chat.AgentID);
  const v = form.values;
  const chosenAgent = agents.find((a) => a.AgentID === v.AgentID);
  const submit = (e) =>
    form.submit(async () => {
      let departmentId = v.DepartmentID;
      if (v.To === 'agent') {
        if (!chosenAgent) throw new Error('Choose the agent to transfer to.');
        departmentId =
          departmentId ||
          (chosenAgent.DepartmentID.includes(chat.DepartmentID) ? chat.DepartmentID : chosenAgent.DepartmentID[0]) ||
          chat.DepartmentID;
      }
      if (!departmentId) throw new Error('Choose the department to transfer to.');
      const moved = await desk.transfer(chat.ChatID, {
        departmentId,
        agentId: v.To === 'agent' ? v.AgentID : null,
        note: v.Note.trim(),
      });
      if (v.To === 'agent' && moved.AgentID !== v.AgentID) {
        // A server without transfers to an agent queues the chat in the department instead.
        toast(`Queued in ${departmentName(departmentId)}: this server can't hand a chat to an agent directly`);
      } else {
        toast(
          v.To === 'agent' ? `Transferred to ${chosenAgent.Name}` : `Transferred to ${departmentName(departmentId)}`,
        );
      }
      onClose();
      navigate('desk');
    }, e);
  return html`<${Dialog} title=${`Transfer ${customerName(chat)}`} onClose=${onClose}>
    <form onSubmit=${submit} novalidate>
      <fieldset class="field radios">
        <legend>Transfer to</legend>
        <span class="check"><input type="radio" id="to-dept" name="To" checked=${v.To === 'department'} onChange=${() => form.set('To', 'department')} /><label for="to-dept">A department</label></span>
        <span class="check"><input type="radio" id="to-agent" name="To" checked=${v.To === 'agent'} onChange=${() => form.set('To', 'agent')} /><label for="to-agent">An agent</label></span>
      </fieldset>
      ${
        v.To === 'agent'
          ? html`<${Select} form=${form} name="AgentID" label="Agent"
            options=${[{ value: '', label: 'Choose an agent…' }, ...agents.map((a) => ({ value: a.AgentID, label: `${a.Name} (${statusName(a.StatusID)})` }))]} />`
          : null
      }
      <${Select} form=${form} name="DepartmentID" label=${v.To === 'agent' ? 'Department (optional)' : 'Department'}
        options=${[{ value: '', label: v.To === 'agent' ? "The agent's department" : 'Choose a department…' }, ...departments.map((d) => ({ value: d.DepartmentID, label: d.Name + (d.DepartmentID === chat.DepartmentID ? ' (current)' : '') }))]} />
      <${TextArea} form=${form} name="Note" label="Note for the next agent (optional)" rows="2" />
      <${FormError} form=${form} />
      <div class="dialog-actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${form.busy}>Transfer</button>
      </div>
    </form>
  </${Dialog}>`;
}

function CloseDialog({ chat, onClose }) {
  const form = useForm({});
  const submit = (e) =>
    form.submit(async () => {
      await desk.close(chat.ChatID);
      toast(`Closed the chat with ${customerName(chat)}`);
      onClose();
    }, e);
  return html`<${Dialog} title="Close this chat?" onClose=${onClose}>
    <form onSubmit=${submit}>
      <p>The chat with <strong>${customerName(chat)}</strong> ends, and the customer is told so. Their next message opens a new chat.</p>
      <${FormError} form=${form} />
      <div class="dialog-actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="danger" autofocus disabled=${form.busy}>Close chat</button>
      </div>
    </form>
  </${Dialog}>`;
}
