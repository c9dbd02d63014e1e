// Boots the console: restores the session of this tab (sessionStorage), routes by location hash,
// and shows the logon screen or the desk.
import { html, render } from './html.js';
import { savedSession } from './api.js';
import { useStore } from './store.js';
import { useRoute } from './route.js';
import { enter, logon, logonNotice } from './session.js';
import { Login } from './views/login.js';
import { Shell } from './views/shell.js';

function App() {
  const s = useStore();
  const route = useRoute();
  if (!s.me) return html`<${Login} onLogon=${logon} notice=${logonNotice()} />`;
  return html`<${Shell} route=${route} />`;
}

const saved = savedSession();
document.getElementById('app').classList.remove('boot');
render(html`<${App} />`, document.getElementById('app'));
if (saved?.token && saved.agent) {
  enter(saved.agent).catch(() => {});
}
