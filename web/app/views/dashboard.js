// LiveMetrics as a live board: the stream's metrics.live events update it every few seconds (or
// polling does, while the stream is away).
import { html, useEffect } from '../html.js';
import { useStore, toast } from '../store.js';
import { watchMetrics } from '../desk.js';
import { duration } from '../util.js';
import { Empty } from '../ui.js';

export function Dashboard() {
  const s = useStore();
  useEffect(() => {
    watchMetrics(true).catch((e) => toast(e.message, 'error'));
    const timer = setInterval(() => {
      if (s.live !== 'live') watchMetrics(true).catch(() => {});
    }, 5000);
    return () => {
      clearInterval(timer);
      watchMetrics(false);
    };
  }, []);
  const m = s.metrics;
  if (!m) return html`<main class="page"><h1>Dashboard</h1><${Empty}>Loading…</${Empty}></main>`;
  const tiles = [
    ['Waiting', m.ChatsWaiting, m.ChatsWaiting > 0 ? 'warn' : ''],
    ['Longest wait', duration(m.LongestWaitSeconds), m.ChatsPastAlertThreshold > 0 ? 'alert' : ''],
    ...(m.ChatsPastAlertThreshold != null
      ? [['Past the alert time', m.ChatsPastAlertThreshold, m.ChatsPastAlertThreshold > 0 ? 'alert' : '']]
      : []),
    ['Open chats', m.ChatsOpen, ''],
    ['Average wait today', m.AverageWaitSecondsToday == null ? '–' : duration(m.AverageWaitSecondsToday), ''],
    ['Closed today', m.ChatsClosedToday, ''],
  ];
  const agents = m.Agents || {};
  return html`<main class="page dashboard">
    <header class="page-head">
      <h1>Dashboard</h1>
      <p class="muted">Right now, ${m.TimeZone} · updated ${new Date(m.At).toLocaleTimeString()}</p>
    </header>
    <section class="tiles" aria-label="The desk now">
      ${tiles.map(([label, value, cls]) => html`<div class=${`tile ${cls}`}><span class="tile-value">${value}</span><span class="tile-label">${label}</span></div>`)}
    </section>
    <section aria-labelledby="agents-h" class="card">
      <h2 id="agents-h">Agents</h2>
      <div class="presence">
        ${[
          ['Online', 's4'],
          ['Busy', 's2'],
          ['OnBreak', 's3'],
          ['Offline', 's1'],
        ].map(
          ([k, cls]) =>
            html`<span class="presence-item"><span class=${`status-dot ${cls}`} aria-hidden="true"></span>${k === 'OnBreak' ? 'On break' : k} <strong>${agents[k] ?? 0}</strong></span>`,
        )}
      </div>
    </section>
    <section aria-labelledby="dept-h" class="card">
      <h2 id="dept-h">Departments</h2>
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Department</th><th scope="col">Agents online</th><th scope="col">Waiting</th><th scope="col">Longest wait</th><th scope="col">Open</th><th scope="col">Average wait today</th><th scope="col">Closed today</th></tr></thead>
          <tbody>
            ${(m.Departments || []).map(
              (d) => html`<tr class=${d.ChatsWaiting > 0 && d.AgentsOnline === 0 ? 'warn' : ''}>
                <th scope="row">${d.Name}</th><td>${d.AgentsOnline}</td><td>${d.ChatsWaiting}</td><td>${duration(d.LongestWaitSeconds)}</td>
                <td>${d.ChatsOpen}</td><td>${d.AverageWaitSecondsToday == null ? '–' : duration(d.AverageWaitSecondsToday)}</td><td>${d.ChatsClosedToday}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>
  </main>`;
}
