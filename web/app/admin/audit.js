// The audit log: who changed what and every security event, filtered, paged, exported as CSV.
import { html, useState, useEffect } from '../html.js';
import { call, download, saveBlob } from '../api.js';
import { useStore, toast } from '../store.js';
import { dateTime } from '../util.js';
import { Empty } from '../ui.js';

const PAGE_SIZE = 25;

/** Filters as GetAuditLog takes them: empty ones left out, dates as the start of the local day. */
function query(f) {
  const q = {};
  if (f.AgentID) q.AgentID = f.AgentID;
  if (f.Action.trim()) q.Action = f.Action.trim();
  if (f.From) q.From = new Date(`${f.From}T00:00:00`).toISOString();
  if (f.To) q.To = new Date(`${f.To}T00:00:00`).toISOString();
  return q;
}

function Changes({ changes }) {
  const fields = Object.entries(changes || {});
  if (fields.length === 0) return html`<span class="muted">–</span>`;
  const show = (v) => (v === null || v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v));
  return html`<ul class="changes">${fields.map(
    ([k, v]) => html`<li><strong>${k}</strong>: ${show(v.Before)} → ${show(v.After)}</li>`,
  )}</ul>`;
}

export function Audit() {
  const s = useStore();
  const [filters, setFilters] = useState({ AgentID: '', Action: '', From: '', To: '' });
  const [page, setPage] = useState(1);
  const [log, setLog] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let live = true;
    call('GetAuditLog', { query: { ...query(filters), Page: page, PageSize: PAGE_SIZE } })
      .then((r) => live && (setLog(r), setError(null)))
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [filters, page]);

  const set = (name) => (e) => {
    setPage(1);
    setFilters({ ...filters, [name]: e.target.value });
  };
  const exportCsv = async () => {
    try {
      const { blob, filename } = await download('GetAuditLog', { ...query(filters), Format: 'csv' });
      saveBlob(blob, filename);
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const pages = log?.Cursor?.Pages || 1;
  return html`<header class="page-head"><h1>Audit log</h1>
      <button type="button" onClick=${exportCsv}>Export CSV</button></header>
    <p class="muted">Every change a manager made and every sign-in event. Rows are kept for the days set in AuditRetentionDays.</p>
    <form class="row filters" aria-label="Filter the audit log" onSubmit=${(e) => e.preventDefault()}>
      <label>Agent <select value=${filters.AgentID} onChange=${set('AgentID')}>
        <option value="">Anyone</option>
        ${(s.agents || []).map((a) => html`<option value=${a.AgentID}>${a.Name}</option>`)}
      </select></label>
      <label>Action <input value=${filters.Action} onInput=${set('Action')} placeholder="UpdateSettings" /></label>
      <label>From <input type="date" value=${filters.From} onInput=${set('From')} /></label>
      <label>Before <input type="date" value=${filters.To} onInput=${set('To')} /></label>
    </form>
    ${error ? html`<p class="field-error" role="alert">${error}</p>` : null}
    ${log && log.Entries.length === 0 ? html`<${Empty}>Nothing matches.</${Empty}>` : null}
    ${
      log && log.Entries.length
        ? html`<div class="table-wrap"><table>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">From</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Changes</th></tr></thead>
          <tbody>${log.Entries.map(
            (r) => html`<tr>
              <td>${dateTime(r.At)}</td>
              <td>${r.Actor}</td>
              <td>${r.Address || '–'}</td>
              <th scope="row">${r.Action}</th>
              <td>${r.Target}</td>
              <td><${Changes} changes=${r.Changes} /></td>
            </tr>`,
          )}</tbody></table></div>
          <nav class="row pager" aria-label="Pages">
            <button type="button" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Newer</button>
            <span>Page ${page} of ${pages}</span>
            <button type="button" disabled=${page >= pages} onClick=${() => setPage(page + 1)}>Older</button>
          </nav>`
        : null
    }`;
}
