// The chat window inside the loader's iframe: talks to the visitor API (/api/webchat/*) of this desk
// only, keeps the visitor token in this origin's storage, and follows its stream (EventSource resumes
// after a drop with Last-Event-ID).
import { h, render } from '../vendor/preact.js';
import { useState, useEffect, useRef } from '../vendor/hooks.js';
import htm from '../vendor/htm.js';
import { texts, fill } from './texts.js';

const html = htm.bind(h);
const params = new URLSearchParams(location.search);
const KEY = params.get('key') || '';
const hash = new URLSearchParams(location.hash.slice(1));
const HOST = hash.get('host') || '';
const STORE = `agentdesk.visitor.${KEY}`;
const framed = window.parent !== window;
let starting = false;

// The token lives in this frame's storage and, through the loader, in the host page's: a browser
// may refuse storage to a third-party frame.
const stored = () => {
  try {
    return localStorage.getItem(STORE) || hash.get('token') || null;
  } catch {
    return hash.get('token') || null;
  }
};
const keep = (token) => {
  try {
    localStorage.setItem(STORE, token);
  } catch {}
  tell({ agentdesk: 'token', token });
};

async function call(name, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers['X-Visitor-Token'] = token;
  const res = await fetch(`/api/webchat/${name}`, { method: 'POST', headers, body: JSON.stringify(body || {}) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error(data.Error?.Message || res.statusText);
    e.code = data.Error?.Code;
    e.fields = data.Error?.Fields || {};
    throw e;
  }
  return data;
}

// The embedding page's origin, so the token is told to it and no other page.
const parentOrigin = (() => {
  try {
    return location.ancestorOrigins?.[0] || (document.referrer && new URL(document.referrer).origin) || null;
  } catch {
    return null;
  }
})();

function tell(message) {
  if (framed && parentOrigin) window.parent.postMessage(message, parentOrigin);
}

function App() {
  const [open, setOpen] = useState(!framed);
  const [start, setStart] = useState(null);
  const [token, setToken] = useState(stored());
  const [chat, setChat] = useState(null);
  const [messages, setMessages] = useState(new Map());
  const [online, setOnline] = useState(true);
  const [view, setView] = useState('chat');
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [unread, setUnread] = useState(0);
  const t = texts(start?.Config?.Texts);

  const add = (list) =>
    setMessages((old) => {
      const next = new Map(old);
      for (const m of list) next.set(m.MessageID, m);
      return next;
    });

  const begin = async () => {
    // One Start per page: a second would make a second visitor.
    if (starting) return;
    starting = true;
    try {
      const s = await call('Start', { WidgetKey: KEY, VisitorToken: stored() || undefined, HostOrigin: HOST || undefined });
      keep(s.VisitorToken);
      setToken(s.VisitorToken);
      setStart(s);
      setChat(s.Chat);
      add(s.Messages);
      const c = s.Config;
      if (!s.Chat && (!c.OpenNow || c.AgentsOnline === 0)) setView('leave');
    } catch (e) {
      starting = false;
      setError(fill(t.error, { name: e.message }));
    }
  };

  // A returning visitor resumes at once (its replies arrive while the window is closed); a new one
  // starts when it opens the window, so a page view costs the desk nothing.
  useEffect(() => {
    if (stored() || open) begin();
    const onMessage = (e) => {
      if (e.source !== window.parent || !e.data) return;
      if (e.data.agentdesk === 'open') setOpen(true);
      if (e.data.agentdesk === 'closed') setOpen(false);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, []);
  useEffect(() => {
    if (open && !start && !error) begin();
    if (open) setUnread(0);
  }, [open]);
  useEffect(() => tell({ agentdesk: 'unread', count: unread }), [unread]);

  // The stream: messages by id (a repeat is harmless), and where the chat stands.
  useEffect(() => {
    if (!start || !token) return;
    let source;
    let last = Math.max(0, ...messages.keys());
    let retry;
    const connect = () => {
      const q = new URLSearchParams({ VisitorToken: token });
      if (last) q.set('LastEventID', String(last));
      source = new EventSource(`/api/webchat/Events?${q}`);
      source.onopen = () => setOnline(true);
      source.addEventListener('chat.message', (e) => {
        const m = JSON.parse(e.data);
        last = Math.max(last, m.MessageID);
        add([m]);
        if (m.From !== 'visitor' && !document.hasFocus()) setUnread((n) => n + 1);
      });
      source.addEventListener('chat.state', (e) => setChat(JSON.parse(e.data)));
      source.onerror = () => {
        setOnline(false);
        // EventSource retries by itself unless the server refused it; then start over shortly.
        if (source.readyState === EventSource.CLOSED) retry = setTimeout(connect, 3000);
      };
    };
    connect();
    return () => {
      clearTimeout(retry);
      source?.close();
    };
  }, [start, token]);

  const list = [...messages.values()].sort((a, b) => a.MessageID - b.MessageID);
  const newestForMe = list.filter((m) => m.From !== 'visitor').pop();
  useEffect(() => {
    if (open && token && newestForMe && !newestForMe.ReadAt && document.visibilityState === 'visible') {
      call('Read', { MessageID: newestForMe.MessageID }, token).catch(() => {});
    }
  }, [open, newestForMe?.MessageID]);

  const close = () => tell({ agentdesk: 'close' });
  const onKey = (e) => {
    if (e.key === 'Escape') close();
  };

  return html`<section class="window" aria-label=${t.title} onKeyDown=${onKey}>
    <header>
      <h1>${start?.Config?.CompanyName || t.title}</h1>
      ${framed && html`<button type="button" class="icon" aria-label=${t.close} onClick=${close}>×</button>`}
    </header>
    ${!online && html`<p class="status" role="status">${t.reconnecting}</p>`}
    ${error && html`<p class="status error" role="alert">${error}</p>`}
    ${view === 'leave'
      ? html`<${Leave} t=${t} config=${start?.Config} token=${token} onDone=${() => {
          setNotice(t.leaveSent);
          setView('chat');
        }} onChat=${() => setView('chat')} />`
      : html`<${Conversation} t=${t} list=${list} chat=${chat} start=${start} token=${token} notice=${notice}
          onSent=${() => setNotice('')} onView=${setView} />`}
    ${view === 'transcript' && html`<${Transcript} t=${t} token=${token} onDone=${(to) => {
      setNotice(to ? fill(t.transcriptSent, { name: to }) : '');
      setView('chat');
    }} />`}
  </section>`;
}

function Conversation({ t, list, chat, start, token, notice, onSent, onView }) {
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const log = useRef(null);
  const input = useRef(null);
  const typing = useRef(0);
  const config = start?.Config;
  const askName = !chat && config && config.AskName !== 'off';
  const askEmail = !chat && config && config.AskEmail !== 'off';
  useEffect(() => {
    if (log.current) log.current.scrollTop = log.current.scrollHeight;
  }, [list.length]);
  useEffect(() => input.current?.focus(), [start]);

  const sendText = async (message) => {
    if (!message.trim() || !token) return;
    if (askName && config.AskName === 'required' && !name.trim()) return setProblem(fill(t.required, { name: t.name }));
    if (askEmail && config.AskEmail === 'required' && !email.trim()) return setProblem(fill(t.required, { name: t.email }));
    setBusy(true);
    try {
      const body = { Message: message };
      if (askName && name.trim()) body.Name = name.trim();
      if (askEmail && email.trim()) body.Email = email.trim();
      await call('Message', body, token);
      setText('');
      setProblem('');
      typing.current = 0;
      onSent();
    } catch (e) {
      setProblem(Object.values(e.fields || {})[0] ? `${Object.keys(e.fields)[0]}: ${Object.values(e.fields)[0]}` : e.message);
    } finally {
      setBusy(false);
    }
  };
  const onInput = (e) => {
    setText(e.target.value);
    const now = Date.now();
    if (chat && chat.State !== 'closed' && now - typing.current > 3000) {
      typing.current = now;
      call('Typing', { Typing: true }, token).catch(() => {});
    }
  };
  const onKeyDown = (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      sendText(text);
    }
  };
  const attach = async (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > (config?.MaxAttachmentMB || 10) * 1048576) return setProblem(fill(t.fileTooLarge, { n: config?.MaxAttachmentMB }));
    const form = new FormData();
    form.append('File', file, file.name);
    setBusy(true);
    try {
      const res = await fetch('/api/webchat/File', { method: 'POST', headers: { 'X-Visitor-Token': token }, body: form });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).Error?.Message || res.statusText);
      setProblem('');
    } catch (err) {
      setProblem(err.message);
    } finally {
      setBusy(false);
    }
  };
  const lastMine = list.filter((m) => m.From === 'visitor').pop();
  const last = list[list.length - 1];
  const showMenu = chat?.State === 'menu' && last?.From === 'system' && config?.Menu?.length > 1;
  const menuName = (text) => config?.Menu?.find((m) => String(m.MenuIndex) === text.trim())?.Name;

  return html`<div class="log" ref=${log} role="log" aria-live="polite" aria-label=${t.title}>
      ${list.length === 0 && html`<p class="system">${t.greeting}</p>`}
      ${list.map((m) => html`<${Bubble} key=${m.MessageID} m=${m} t=${t} token=${token}
        label=${m.From === 'visitor' ? menuName(m.Text) : null}
        seen=${m === lastMine && chat?.AgentReadUpTo >= m.MessageID} />`)}
      ${showMenu && html`<div class="menu" role="group" aria-label=${t.chooseDepartment}>
        ${config.Menu.map((d) => html`<button type="button" onClick=${() => sendText(String(d.MenuIndex))}>${d.Name}</button>`)}
      </div>`}
      ${chat?.State === 'queued' && chat.QueuePosition && html`<p class="system">${fill(t.queued, { n: chat.QueuePosition })}</p>`}
      ${chat?.State === 'open' && chat.AgentName && html`<p class="system">${fill(t.agentJoined, { name: chat.AgentName })}</p>`}
      ${chat?.State === 'closed' && html`<p class="system">${t.closed}</p>`}
      ${chat?.State === 'closed' && list.some((m) => m.ChatID === chat.ChatID && m.SpecialType === 'RatingRequest') &&
        html`<${Rate} t=${t} token=${token} rated=${chat.Rating} />`}
      ${notice && html`<p class="system" role="status">${notice}</p>`}
    </div>
    <form class="composer" onSubmit=${(e) => { e.preventDefault(); sendText(text); }}>
      ${(askName || askEmail) && html`<div class="details">
        ${askName && html`<label>${t.name} ${config.AskName === 'optional' ? t.optional : ''}
          <input autocomplete="name" value=${name} onInput=${(e) => setName(e.target.value)} required=${config.AskName === 'required'} /></label>`}
        ${askEmail && html`<label>${t.email} ${config.AskEmail === 'optional' ? t.optional : ''}
          <input type="email" autocomplete="email" value=${email} onInput=${(e) => setEmail(e.target.value)} required=${config.AskEmail === 'required'} /></label>`}
      </div>`}
      ${problem && html`<p class="problem" role="alert">${problem}</p>`}
      <div class="row">
        <label class="icon attach" title=${t.attach}><span class="visually-hidden">${t.attach}</span><svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.5 3.5 0 0 1 5 5L10.5 18a2 2 0 0 1-3-3L15 7.5"/></svg>
          <input type="file" class="visually-hidden" onChange=${attach} disabled=${busy || !token} accept=${(config?.AllowedAttachmentTypes || []).join(',')} /></label>
        <textarea ref=${input} rows="2" aria-label=${t.placeholder} placeholder=${t.placeholder} value=${text}
          onInput=${onInput} onKeyDown=${onKeyDown} maxLength="4000"></textarea>
        <button type="submit" class="send" disabled=${busy || !token || !text.trim()}>${t.send}</button>
      </div>
      ${list.length > 0 && html`<div class="more">
        <button type="button" class="link" onClick=${() => onView('transcript')}>${t.transcript}</button>
        ${chat && chat.State !== 'closed' && html`<button type="button" class="link" onClick=${() => call('End', {}, token).catch(() => {})}>${t.endChat}</button>`}
      </div>`}
    </form>`;
}

function Bubble({ m, t, token, seen, label }) {
  const file = m.Attachment;
  const src = file && `${file.URL}&VisitorToken=${encodeURIComponent(token || '')}`;
  const who = m.From === 'visitor' ? t.you : m.Author || '';
  return html`<div class=${`msg ${m.From}`}>
    ${m.From !== 'system' && html`<span class="who">${who}</span>`}
    ${m.Text && html`<p>${label ? `${m.Text}. ${label}` : m.Text}</p>`}
    ${file && (file.MimeType.startsWith('image/')
      ? html`<a href=${src} target="_blank" rel="noopener"><img src=${src} alt=${file.Name} /></a>`
      : html`<a href=${src} target="_blank" rel="noopener">${file.Name}</a>`)}
    ${seen && html`<span class="seen">${t.seen}</span>`}
  </div>`;
}

function Rate({ t, token, rated }) {
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState('');
  const [done, setDone] = useState(!!rated);
  const [problem, setProblem] = useState('');
  if (done || rated) return html`<p class="system" role="status">${t.rated}</p>`;
  const submit = async (e) => {
    e.preventDefault();
    try {
      await call('Rate', { Rating: stars, Comment: comment }, token);
      setDone(true);
    } catch (err) {
      if (err.code === 'RatingAlreadyGiven') setDone(true);
      else setProblem(err.message);
    }
  };
  return html`<form class="rate" onSubmit=${submit} aria-label=${t.rate}>
    <p>${t.rate}</p>
    <div class="stars" role="group" aria-label=${t.rate}>
      ${[1, 2, 3, 4, 5].map((n) => html`<button type="button" aria-pressed=${stars === n} aria-label=${fill(t.rateLabel, { n })}
        class=${stars >= n ? 'on' : ''} onClick=${() => setStars(n)}>★</button>`)}
    </div>
    <label>${t.comment}<textarea rows="2" maxLength="1000" value=${comment} onInput=${(e) => setComment(e.target.value)}></textarea></label>
    ${problem && html`<p class="problem" role="alert">${problem}</p>`}
    <button type="submit" class="send" disabled=${!stars}>${t.rateSend}</button>
  </form>`;
}

function Leave({ t, config, token, onDone, onChat }) {
  const [v, setV] = useState({ Name: '', Email: '', Message: '' });
  const [problem, setProblem] = useState('');
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    try {
      await call('LeaveMessage', v, token);
      onDone();
    } catch (err) {
      setProblem(Object.keys(err.fields || {}).length ? Object.entries(err.fields).map(([k, p]) => `${k}: ${p}`).join('; ') : err.message);
    }
  };
  return html`<form class="leave" onSubmit=${submit} aria-label=${t.leaveMessage}>
    ${config && !config.OpenNow ? html`<p>${config.OutOfHoursMessage || t.outOfHours}</p>` : null}
    <p>${t.nobodyOnline}</p>
    <label>${t.name}<input autocomplete="name" required value=${v.Name} onInput=${set('Name')} /></label>
    <label>${t.email}<input type="email" autocomplete="email" required value=${v.Email} onInput=${set('Email')} /></label>
    <label>${t.message}<textarea rows="4" required maxLength="4000" value=${v.Message} onInput=${set('Message')}></textarea></label>
    ${problem && html`<p class="problem" role="alert">${problem}</p>`}
    <button type="submit" class="send" disabled=${!token}>${t.leaveMessage}</button>
    <button type="button" class="link" onClick=${onChat}>${t.writeAnyway}</button>
  </form>`;
}

function Transcript({ t, token, onDone }) {
  const [email, setEmail] = useState('');
  const [problem, setProblem] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    try {
      await call('Transcript', { Email: email }, token);
      onDone(email);
    } catch (err) {
      setProblem(err.message);
    }
  };
  return html`<form class="transcript" onSubmit=${submit} aria-label=${t.transcript}>
    <label>${t.email}<input type="email" autocomplete="email" required value=${email} onInput=${(e) => setEmail(e.target.value)} /></label>
    ${problem && html`<p class="problem" role="alert">${problem}</p>`}
    <button type="submit" class="send">${t.transcript}</button>
    <button type="button" class="link" onClick=${() => onDone(null)}>${t.close}</button>
  </form>`;
}

render(html`<${App} />`, document.getElementById('chat'));
