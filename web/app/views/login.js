// Setting up a new desk (its first manager, with the setup code from the server's log), logon,
// and the password reset: ask for a code by mail, then set a new password with it. The
// reset mail's link (/reset-password#ResetCode=...) opens the second step with the code filled in.
import { html, useEffect, useState } from '../html.js';
import { call } from '../api.js';
import { useForm, Input, FormError } from '../ui.js';

/**
 * The reset code of the mail's link, read once: from the fragment (`#ResetCode=`, never sent to a
 * server) or, for links mailed before, the query. It leaves the address bar and the history at
 * once, so it is not in a bookmark, a screenshot of the address or the next page's Referer.
 */
const resetCode = (() => {
  const code =
    new URLSearchParams(location.hash.slice(1)).get('ResetCode') ||
    new URLSearchParams(location.search).get('ResetCode');
  if (code) history.replaceState(null, '', '/');
  return code;
})();

export function Login({ onLogon, notice }) {
  const code = resetCode;
  const [mode, setMode] = useState(code ? 'set' : 'logon');
  const [info, setInfo] = useState(notice);
  const go = (next, message = null) => {
    setInfo(message);
    setMode(next);
  };
  // A desk without a manager is set up here instead (issue 23: the first run in the browser).
  useEffect(() => {
    if (code) return;
    call('GetSetupState')
      .then((s) => s.NeedsSetup && setMode('setup'))
      .catch(() => {});
  }, []);
  return html`<main class="login">
    <div class="login-card">
      <h1 class="brand"><span class="logo" aria-hidden="true"></span> agentdesk</h1>
      ${info ? html`<p class="notice" role="status">${info}</p>` : null}
      ${mode === 'setup' ? html`<${SetUpDesk} onLogon=${onLogon} />` : null}
      ${mode === 'logon' ? html`<${Logon} onLogon=${onLogon} go=${go} />` : null}
      ${mode === 'request' ? html`<${RequestReset} go=${go} />` : null}
      ${mode === 'set' ? html`<${SetPassword} code=${code} go=${go} />` : null}
    </div>
  </main>`;
}

function Logon({ onLogon, go }) {
  const form = useForm({ EmailAddress: '', Password: '' });
  const submit = (e) =>
    form.submit(async (v) => {
      const answer = await call('AgentLogon', { body: v });
      await onLogon(answer);
    }, e);
  return html`<form onSubmit=${submit} aria-label="Log on" novalidate>
    <h2>Log on</h2>
    <${Input} form=${form} name="EmailAddress" label="Email address" type="email" autocomplete="username" required autofocus />
    <${Input} form=${form} name="Password" label="Password" type="password" autocomplete="current-password" required />
    <${FormError} form=${form} />
    <button type="submit" class="primary wide" disabled=${form.busy}>${form.busy ? 'Logging on…' : 'Log on'}</button>
    <p class="links">
      <button type="button" class="link" onClick=${() => go('request')}>Forgot your password?</button>
      <button type="button" class="link" onClick=${() => go('set')}>I have a reset code</button>
    </p>
  </form>`;
}

function RequestReset({ go }) {
  const form = useForm({ EmailAddress: '' });
  const submit = (e) =>
    form.submit(async (v) => {
      await call('RequestPasswordReset', { body: v });
      go('set', `If ${v.EmailAddress} belongs to an agent, a reset code is on its way. Enter it below.`);
    }, e);
  return html`<form onSubmit=${submit} aria-label="Reset password" novalidate>
    <h2>Reset your password</h2>
    <p class="hint">We mail you a code that works once, for an hour.</p>
    <${Input} form=${form} name="EmailAddress" label="Email address" type="email" autocomplete="username" required autofocus />
    <${FormError} form=${form} />
    <button type="submit" class="primary wide" disabled=${form.busy}>Mail me a code</button>
    <p class="links"><button type="button" class="link" onClick=${() => go('logon')}>Back to log on</button></p>
  </form>`;
}

function SetPassword({ code, go }) {
  const form = useForm({ ResetCode: code || '', Password: '' });
  const submit = (e) =>
    form.submit(async (v) => {
      await call('SetPassword', { body: v });
      history.replaceState(null, '', '/');
      go('logon', 'Your password is set. Log on with it.');
    }, e);
  return html`<form onSubmit=${submit} aria-label="Set a new password" novalidate>
    <h2>Set a new password</h2>
    <${Input} form=${form} name="ResetCode" label="Reset code" autocomplete="one-time-code" required autofocus=${!code} />
    <${Input} form=${form} name="Password" label="New password" type="password" autocomplete="new-password" hint="8 to 256 characters" required autofocus=${!!code} />
    <${FormError} form=${form} />
    <button type="submit" class="primary wide" disabled=${form.busy}>Set password</button>
    <p class="links"><button type="button" class="link" onClick=${() => go('logon')}>Back to log on</button></p>
  </form>`;
}

/** The browser's own time zone, the likeliest answer for the desk's. */
function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function SetUpDesk({ onLogon }) {
  const form = useForm({
    SetupCode: '',
    Name: '',
    EmailAddress: '',
    Password: '',
    CompanyName: '',
    TimeZone: browserTimeZone(),
  });
  const submit = (e) =>
    form.submit(async (v) => {
      const answer = await call('CreateFirstManager', { body: v });
      await onLogon(answer);
      location.hash = '#/start';
    }, e);
  return html`<form onSubmit=${submit} aria-label="Set up this desk" novalidate>
    <h2>Set up this desk</h2>
    <p class="hint">This desk has no manager yet. The setup code is in the server's log (or run <code>agentdesk setup-code</code>); you become the desk's first manager.</p>
    <${Input} form=${form} name="SetupCode" label="Setup code" autocomplete="one-time-code" required autofocus />
    <${Input} form=${form} name="Name" label="Your name" autocomplete="name" required />
    <${Input} form=${form} name="EmailAddress" label="Email address" type="email" autocomplete="username" required />
    <${Input} form=${form} name="Password" label="Password" type="password" autocomplete="new-password" hint="8 to 256 characters" required />
    <${Input} form=${form} name="CompanyName" label="Desk name" hint="What agents and customers see, e.g. your company" />
    <${Input} form=${form} name="TimeZone" label="Time zone" hint="Working hours and reports follow it (an IANA name like Europe/Paris)" />
    <${FormError} form=${form} />
    <button type="submit" class="primary wide" disabled=${form.busy}>${form.busy ? 'Setting up…' : 'Set up this desk'}</button>
  </form>`;
}
