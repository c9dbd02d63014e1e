// Report recipients and their schedules (mailed as CSV in the desk's time zone), and the reports
// GetReports offers.
import { html, useEffect, useState } from '../html.js';
import { call } from '../api.js';
import { toast } from '../store.js';
import { dateTime } from '../util.js';
import { useForm, Input, Select, CheckList, FormError, Empty } from '../ui.js';
import { ConfirmButton, DAYS } from './common.js';

export function Reports() {
  const [reports, setReports] = useState([]);
  const [recipients, setRecipients] = useState(null);
  const reload = async () => setRecipients((await call('GetRecipients')).Recipients);
  useEffect(() => {
    call('GetReports').then(
      (r) => setReports(r.Reports),
      (e) => toast(e.message, 'error'),
    );
    reload().catch((e) => toast(e.message, 'error'));
  }, []);
  const form = useForm({ FullName: '', EmailAddress: '' });
  const submit = (e) =>
    form.submit(async (v) => {
      await call('CreateRecipient', { body: v });
      form.reset({ FullName: '', EmailAddress: '' });
      await reload();
    }, e);
  return html`<header class="page-head"><h1>Reports</h1></header>
    <section class="card" aria-labelledby="available-h">
      <h2 id="available-h">Reports a schedule can send</h2>
      <ul class="report-list">${reports.map((r) => html`<li><strong>${r.Name}</strong> <span class="muted">(${r.Formats.join(', ')}; ${r.Groupings.join(', ').toLowerCase()})</span><br />${r.Description}</li>`)}</ul>
      <p class="hint">Reports are mailed as CSV. For figures on screen see <a href="#/insight">Insight</a>; a chat's transcript downloads from the chat (Export).</p>
    </section>
    <form class="card row-form" onSubmit=${submit} aria-label="New recipient" novalidate>
      <${Input} form=${form} name="FullName" label="Recipient's name" />
      <${Input} form=${form} name="EmailAddress" label="Email address" type="email" />
      <button type="submit" class="primary" disabled=${form.busy}>Add recipient</button>
      <${FormError} form=${form} />
    </form>
    ${recipients === null ? html`<${Empty}>Loading…</${Empty}>` : recipients.length === 0 ? html`<${Empty}>No recipients yet.</${Empty}>` : null}
    ${(recipients || []).map((r) => html`<${Recipient} key=${r.RecipientID} recipient=${r} reports=${reports} reload=${reload} />`)}`;
}

function Recipient({ recipient: r, reports, reload }) {
  const [adding, setAdding] = useState(false);
  return html`<section class="card" aria-label=${`Recipient ${r.FullName}`}>
    <div class="card-head">
      <h2>${r.FullName} <span class="muted">&lt;${r.EmailAddress}&gt;</span></h2>
      <div class="row">
        <button type="button" class="small" onClick=${() => setAdding(true)}>Add schedule</button>
        <${ConfirmButton} label=${`Delete ${r.FullName}`} confirm="Delete with all schedules?" onConfirm=${async () => {
          await call('DeleteRecipient', { method: 'DELETE', query: { RecipientID: r.RecipientID } });
          await reload();
        }}>Delete</${ConfirmButton}>
      </div>
    </div>
    ${r.Schedules.length === 0 && !adding ? html`<p class="muted">No schedules.</p>` : null}
    ${
      r.Schedules.length
        ? html`<div class="table-wrap"><table>
          <thead><tr><th scope="col">Report</th><th scope="col">Covers</th><th scope="col">When</th><th scope="col">Next</th><th scope="col">Last</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${r.Schedules.map(
            (s) => html`<tr>
              <th scope="row">${s.ReportName}</th>
              <td>${s.Grouping.map((g) => ({ DAY: 'yesterday', WEEK: 'last week', MONTH: 'last month' })[g] || g).join(', ')}</td>
              <td>${s.ScheduledDay.map((d) => DAYS[d - 1].slice(0, 3)).join(' ')} at ${s.ScheduledTime}</td>
              <td>${dateTime(s.NextSendAt)}</td>
              <td>${s.LastState ? html`${s.LastState}${s.LastSentAt ? ` ${dateTime(s.LastSentAt)}` : ''}${s.LastError ? html`<br /><span class="field-error">${s.LastError}</span>` : null}` : '–'}</td>
              <td><${ConfirmButton} label=${`Delete the ${s.ReportName} schedule`} confirm="Delete?" onConfirm=${async () => {
                await call('DeleteReportSchedule', { method: 'DELETE', query: { ScheduleID: s.ScheduleID } });
                await reload();
              }}>Delete</${ConfirmButton}></td>
            </tr>`,
          )}</tbody></table></div>`
        : null
    }
    ${
      adding
        ? html`<${ScheduleForm} recipient=${r} reports=${reports} onDone=${async (saved) => {
            setAdding(false);
            if (saved) await reload();
          }} />`
        : null
    }
  </section>`;
}

function ScheduleForm({ recipient, reports, onDone }) {
  const form = useForm({
    ReportID: reports[0]?.ReportID || 1,
    Grouping: ['DAY'],
    ScheduledDay: [1, 2, 3, 4, 5],
    ScheduledTime: '08:00',
  });
  const submit = (e) =>
    form.submit(async (v) => {
      await call('CreateReportSchedule', {
        body: { RecipientID: recipient.RecipientID, Format: 'CSV', Delivery: 'EMAIL', ...v },
      });
      toast('Schedule added');
      await onDone(true);
    }, e);
  return html`<form class="editor" onSubmit=${submit} aria-label=${`New schedule for ${recipient.FullName}`} novalidate>
    <div class="grid2">
      <${Select} form=${form} name="ReportID" label="Report" options=${reports.map((r) => ({ value: r.ReportID, label: r.Name }))} />
      <${Input} form=${form} name="ScheduledTime" label="At (desk time, HH:MM)" />
    </div>
    <${CheckList} form=${form} name="Grouping" legend="Covering" options=${[
      { value: 'DAY', label: 'Yesterday' },
      { value: 'WEEK', label: 'Last week' },
      { value: 'MONTH', label: 'Last month' },
    ]} />
    <${CheckList} form=${form} name="ScheduledDay" legend="On" options=${DAYS.map((d, i) => ({ value: i + 1, label: d }))} />
    <${FormError} form=${form} />
    <div class="row"><button type="submit" class="primary" disabled=${form.busy}>Add schedule</button>
      <button type="button" onClick=${() => onDone(false)}>Cancel</button></div>
  </form>`;
}
