// Boots the console: restores the session of this tab (sessionStorage), routes by location hash,
// and shows the logon screen or the desk.
import { html, render, useEffect, useState } from './html.js';
import { savedSession, saveSession, whenSessionLost, call, forgetAttachments } from './api.js';
import { state, useStore, set, reset } from './store.js';
import { startDesk, stopDesk } from './desk.js';
import { Login } from './views/login.js';
import { Shell } from './views/shell.js';

/** `#/desk/12` → {page: 'desk', arg: '12'}. */
function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return { page: parts[0] || 'desk', arg: parts.slice(1).join('/') || null };
}

function useRoute() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

export function navigate(path) {
  if (location.hash !== `#/${path}`) location.hash = `#/${path}`;
}

let notice = null;

async function enter(agent) {
  set({ me: agent, booting: true });
  try {
    await startDesk();
  } finally {
    set({ booting: false });
  }
}

async function logon(answer) {
  saveSession({ token: answer.SessionToken, agent: answer.Agent });
  notice = null;
  if (location.pathname !== '/') history.replaceState(null, '', '/');
  await enter(answer.Agent);
}

export async function logoff() {
  try {
    await call('AgentLogoff', { method: 'POST' });
  } catch {
    /* the session may be gone already */
  }
  leave('You are logged off.');
}

function leave(message) {
  stopDesk();
  forgetAttachments();
  saveSession(null);
  notice = message;
  reset();
}

whenSessionLost((e) => {
  if (state.me) leave(`Your session has ended (${e.message}). Log on again.`);
});

function App() {
  const s = useStore();
  const route = useRoute();
  if (!s.me) return html`<${Login} onLogon=${logon} notice=${notice} />`;
  return html`<${Shell} route=${route} />`;
}

const saved = savedSession();
document.getElementById('app').classList.remove('boot');
render(html`<${App} />`, document.getElementById('app'));
if (saved?.token && saved.agent) {
  enter(saved.agent).catch(() => {});
}
