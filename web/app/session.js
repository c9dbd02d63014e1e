// The agent's session in this tab: entering the desk after a logon (or with the session that
// sessionStorage kept), logging off, and leaving when the server ends the session. A module of its
// own so that the shell's "Log off" does not import main.js, which imports the views.
import { saveSession, whenSessionLost, call, forgetAttachments } from './api.js';
import { state, set, reset } from './store.js';
import { startDesk, stopDesk } from './desk.js';

// What the logon screen says after a log off or a lost session; cleared by the next logon.
let notice = null;

export function logonNotice() {
  return notice;
}

export async function enter(agent) {
  set({ me: agent, booting: true });
  try {
    await startDesk();
  } finally {
    set({ booting: false });
  }
}

export async function logon(answer) {
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
