// Channels: register a channel server (its keys are shown once, right after creation) or the desk's
// own web chat (its widget key and snippet stay on this page, with a link to try it as a customer).
import { html, useEffect, useState } from '../html.js';
import { call } from '../api.js';
import { toast } from '../store.js';
import { dateTime } from '../util.js';
import { useForm, Input, Select, Checkbox, FormError, Dialog, Empty } from '../ui.js';
import { ConfirmButton } from './common.js';

export function Channels() {
  const [channels, setChannels] = useState(null);
  const [created, setCreated] = useState(null);
  const reload = async () => setChannels((await call('GetChannelList')).Channels);
  useEffect(() => {
    reload().catch((e) => toast(e.message, 'error'));
  }, []);
  const blank = { Name: '', Kind: 'api', ChatServer: '', VerifiesIdentity: false };
  const form = useForm(blank);
  const web = form.values.Kind === 'web';
  const submit = (e) =>
    form.submit(async (v) => {
      const body = v.Kind === 'web' ? { Name: v.Name, Kind: 'web' } : { Name: v.Name, ChatServer: v.ChatServer };
      if (v.Kind !== 'web' && v.VerifiesIdentity) body.VerifiesIdentity = true;
      const channel = await call('CreateChannel', { body });
      if (v.VerifiesIdentity && !('VerifiesIdentity' in channel)) {
        toast('This server does not know VerifiesIdentity: the channel was created without it', 'error');
      }
      if (channel.Kind !== 'web') setCreated(channel);
      form.reset(blank);
      await reload();
    }, e);
  return html`<header class="page-head"><h1>Channels</h1></header>
    <p class="muted">A web chat is served by this desk: paste its snippet into your website's pages. A channel server (a chat widget's server or a messaging gateway) calls this desk with its API key; replies go to <code>${'<chat server>/messageForCustomer'}</code>.</p>
    <form class="card editor" onSubmit=${submit} aria-label="New channel" novalidate>
      <h2>New channel</h2>
      <div class="grid2">
        <${Input} form=${form} name="Name" label="Name" required />
        <${Select} form=${form} name="Kind" label="Kind" numeric=${false}
          options=${[
            { value: 'web', label: 'Web chat for your website' },
            { value: 'api', label: 'Channel server (channel API)' },
          ]} />
        ${web ? null : html`<${Input} form=${form} name="ChatServer" label="Chat server URL" placeholder="https://chat.example.com/hooks" required />`}
      </div>
      ${web ? null : html`<${Checkbox} form=${form} name="VerifiesIdentity" label="This channel verifies customers' phone numbers and addresses" />`}
      <${FormError} form=${form} />
      <button type="submit" class="primary" disabled=${form.busy}>Create channel</button>
    </form>
    ${channels === null ? html`<${Empty}>Loading…</${Empty}>` : channels.length === 0 ? html`<${Empty}>No channels yet.</${Empty}>` : null}
    ${
      channels?.length
        ? html`<div class="table-wrap card"><table>
          <thead><tr><th scope="col">Name</th><th scope="col">Chat server or snippet</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${channels.map(
            (
              c,
            ) => html`<tr><th scope="row">${c.Name}${c.VerifiesIdentity ? html` <span class="muted">· verifies identity</span>` : ''}</th><td>${c.Kind === 'web' ? html`<${WebChat} channel=${c} />` : html`<code>${c.ChatServer}</code>`}</td><td>${dateTime(c.CreatedAt)}</td>
              <td><${ConfirmButton} label=${`Delete ${c.Name}`} confirm="Its key stops working at once. Delete?" onConfirm=${async () => {
                await call('DeleteChannel', { method: 'DELETE', query: { ChannelID: c.ChannelID } });
                await reload();
              }}>Delete</${ConfirmButton}></td></tr>`,
          )}</tbody></table></div>`
        : null
    }
    ${created ? html`<${Secrets} channel=${created} onClose=${() => setCreated(null)} />` : null}`;
}

/** A web channel's snippet to paste into a website, and a page to try the chat as a customer. */
function WebChat({ channel }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(channel.Snippet);
      toast('Copied');
    } catch {
      toast('Select the text and copy it', 'info');
    }
  };
  return html`<div class="web-chat">
    <p class="muted">Web chat · widget key <code>${channel.WidgetKey}</code></p>
    <code class="secret" data-snippet=${channel.ChannelID}>${channel.Snippet}</code>
    <p><button type="button" class="small" aria-label=${`Copy the snippet of ${channel.Name}`} onClick=${copy}>Copy snippet</button>
      ${' '}<a href=${`/webchat/try?key=${channel.WidgetKey}`} target="_blank" rel="noopener">Try it as a customer</a></p>
  </div>`;
}

function Secrets({ channel, onClose }) {
  const rows = [
    ['ApiKey', 'the apiKey header of every call to /api/v2/chat/…'],
    ['ChatAccountToken', 'the chatAccountToken field'],
    ['SigningSecret', 'the key to check X-Agentdesk-Signature on our calls'],
  ];
  const copy = async (value) => {
    try {
      await navigator.clipboard.writeText(value);
      toast('Copied');
    } catch {
      toast('Select the text and copy it', 'info');
    }
  };
  return html`<${Dialog} title=${`${channel.Name}: its keys`} onClose=${onClose} wide>
    <p class="notice warn" role="alert"><strong>Shown only now.</strong> Put them into the channel server's configuration; the desk keeps only their hashes and can't show them again.</p>
    <dl class="secrets">
      ${rows.map(
        ([key, use]) => html`<dt>${key} <span class="muted">(${use})</span></dt>
          <dd><code class="secret" data-secret=${key}>${channel[key]}</code>
            <button type="button" class="small" aria-label=${`Copy ${key}`} onClick=${() => copy(channel[key])}>Copy</button></dd>`,
      )}
    </dl>
    <div class="dialog-actions"><button type="button" class="primary" onClick=${onClose}>I have stored them</button></div>
  </${Dialog}>`;
}
