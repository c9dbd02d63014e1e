// DataInsight as charts: the period's series over time, totals, and rankings per agent, department
// and tag. The figures are also there as a table, and as a CSV download.
import { html, useEffect, useState } from '../html.js';
import { call, saveBlob } from '../api.js';
import { ColumnChart, BarList } from '../charts.js';
import { duration } from '../util.js';
import { Empty } from '../ui.js';

const PERIODS = [
  ['day', 'Day', '24 hours'],
  ['week', 'Week', '7 days'],
  ['month', 'Month', '30 days'],
  ['year', 'Year', '12 months'],
];

const METRICS = [
  ['ChatsAssigned', 'Chats assigned'],
  ['ChatsClosed', 'Chats closed'],
  ['ChatsQueued', 'Chats queued'],
  ['ChatsMissed', 'Chats missed'],
  ['ChatsTransferred', 'Chats transferred'],
  ['MessagesOut', 'Messages sent'],
  ['AverageFirstResponseSeconds', 'Average first response'],
  ['AverageWaitSeconds', 'Average wait'],
  ['AverageHandleSeconds', 'Average handle time'],
  ['CsatScore', 'Customer satisfaction (CSAT %)'],
  ['CsatResponses', 'Ratings'],
  ['CsatResponseRate', 'Rating requests answered (%)'],
];

const COLUMNS = [
  'ChatsStarted',
  'ChatsQueued',
  'ChatsAssigned',
  'ChatsTransferred',
  'ChatsClosed',
  'ChatsMissed',
  'MessagesIn',
  'MessagesOut',
  'AverageWaitSeconds',
  'AverageFirstResponseSeconds',
  'AverageHandleSeconds',
  'CsatScore',
  'CsatResponses',
  'CsatResponseRate',
];

const isTime = (key) => key.startsWith('Average');
const isPercent = (key) => key === 'CsatScore' || key === 'CsatResponseRate';
const fmt = (key) => (v) =>
  v == null ? '–' : isTime(key) ? duration(v) : `${Math.round(v * 10) / 10}${isPercent(key) ? ' %' : ''}`;

export function Insight() {
  const [period, setPeriod] = useState('week');
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [metric, setMetric] = useState('ChatsAssigned');
  useEffect(() => {
    let live = true;
    setError(null);
    setData(null);
    call('DataInsight', { query: { Period: period } }).then(
      (d) => live && setData(d),
      (e) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [period]);

  const csv = () => {
    const rows = [['Label', 'Start', ...COLUMNS].join(',')];
    for (const b of data.Series) rows.push([b.Label, b.Start, ...COLUMNS.map((k) => b[k] ?? '')].join(','));
    saveBlob(new Blob([rows.join('\r\n') + '\r\n'], { type: 'text/csv' }), `insight-${data.Period}.csv`);
  };

  return html`<main class="page insight">
    <header class="page-head">
      <h1>Insight</h1>
      <div class="segmented" role="group" aria-label="Period">
        ${PERIODS.map(
          ([value, label, hint]) =>
            html`<button type="button" class=${period === value ? 'on' : ''} aria-pressed=${period === value} title=${hint} onClick=${() => setPeriod(value)}>${label}</button>`,
        )}
      </div>
      ${data ? html`<button type="button" class="ghost" onClick=${csv}>Download CSV</button>` : null}
    </header>
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
    ${!data ? html`<${Empty}>Loading…</${Empty}>` : html`<${Figures} data=${data} metric=${metric} setMetric=${setMetric} />`}
  </main>`;
}

function Figures({ data, metric, setMetric }) {
  const labels = data.Series.map((b) => b.Label);
  const col = (key) => data.Series.map((b) => b[key] || 0);
  const t = data.Totals;
  const totals = [
    ['Chats started', t.ChatsStarted],
    ['Closed', t.ChatsClosed],
    ['Missed', t.ChatsMissed],
    ['Average wait', duration(t.AverageWaitSeconds)],
    ['Average first response', duration(t.AverageFirstResponseSeconds)],
    ['Messages in / out', `${t.MessagesIn} / ${t.MessagesOut}`],
    ['Customer satisfaction', t.CsatScore == null ? '–' : `${t.CsatScore} %`],
    [
      'Ratings (of requests)',
      t.CsatResponseRate == null ? String(t.CsatResponses) : `${t.CsatResponses} (${t.CsatResponseRate} %)`,
    ],
  ];
  const metricName = (METRICS.find(([k]) => k === metric) || [metric, metric])[1];
  const rank = (list, nameOf) =>
    list
      .map((r) => ({ label: nameOf(r), value: r[metric] }))
      .filter((r) => r.value != null)
      .sort((a, b) => (b.value || 0) - (a.value || 0));
  return html`
    <p class="muted">${data.TimeZone} · from ${labels[0]} to ${labels[labels.length - 1]}</p>
    <section class="tiles" aria-label="Totals">
      ${totals.map(([label, value]) => html`<div class="tile"><span class="tile-value">${value}</span><span class="tile-label">${label}</span></div>`)}
    </section>
    <div class="charts">
      <section class="card" aria-labelledby="ch-chats">
        <h2 id="ch-chats">Chats</h2>
        <${ColumnChart} title="Chats started, closed and missed per period" labels=${labels}
          series=${[
            { name: 'Started', values: col('ChatsStarted') },
            { name: 'Closed', values: col('ChatsClosed') },
            { name: 'Missed', values: col('ChatsMissed') },
          ]} />
      </section>
      <section class="card" aria-labelledby="ch-msgs">
        <h2 id="ch-msgs">Messages</h2>
        <${ColumnChart} title="Messages in and out per period" labels=${labels} stacked
          series=${[
            { name: 'From customers', values: col('MessagesIn') },
            { name: 'To customers', values: col('MessagesOut') },
          ]} />
      </section>
      <section class="card" aria-labelledby="ch-times">
        <h2 id="ch-times">Wait and first response</h2>
        <${ColumnChart} title="Average wait and first response per period" labels=${labels} format=${(v) => duration(v)}
          series=${[
            { name: 'Average wait', values: col('AverageWaitSeconds') },
            { name: 'Average first response', values: col('AverageFirstResponseSeconds') },
          ]} />
      </section>
      <section class="card" aria-labelledby="ch-csat">
        <h2 id="ch-csat">Customer satisfaction</h2>
        <${ColumnChart} title="Ratings of 4 or 5 over all ratings, and rating requests answered, per period (%)" labels=${labels} format=${(v) => `${v} %`}
          series=${[
            { name: 'CSAT', values: col('CsatScore') },
            { name: 'Requests answered', values: col('CsatResponseRate') },
          ]} />
      </section>
    </div>
    <section class="card" aria-labelledby="rank-h">
      <header class="card-head">
        <h2 id="rank-h">Per agent, department and tag</h2>
        <label class="inline">Figure
          <select aria-label="Figure to compare" onChange=${(e) => setMetric(e.currentTarget.value)}>
            ${METRICS.map(([k, label]) => html`<option value=${k} selected=${k === metric}>${label}</option>`)}
          </select>
        </label>
      </header>
      <div class="rankings">
        <div><h3>Agents</h3>${data.Agents.length ? html`<${BarList} title=${`${metricName} per agent`} rows=${rank(data.Agents, (a) => a.Name)} format=${fmt(metric)} />` : html`<${Empty}>No agent activity.</${Empty}>`}</div>
        <div><h3>Departments</h3>${data.Departments.length ? html`<${BarList} title=${`${metricName} per department`} rows=${rank(data.Departments, (d) => d.Name)} format=${fmt(metric)} />` : html`<${Empty}>No department activity.</${Empty}>`}</div>
        <div><h3>Tags (chats started)</h3>${data.Tags.length ? html`<${BarList} title="Chats per tag" rows=${data.Tags.map((t) => ({ label: `${t.Name}`, value: t.Chats })).sort((a, b) => b.value - a.value)} />` : html`<${Empty}>No tagged chats.</${Empty}>`}</div>
      </div>
    </section>
    <details class="card">
      <summary>The figures as a table</summary>
      <div class="table-wrap">
        <table class="figures">
          <thead><tr><th scope="col">Period</th>${COLUMNS.map((k) => html`<th scope="col">${k.replace(/([a-z])([A-Z])/g, '$1 $2')}</th>`)}</tr></thead>
          <tbody>${data.Series.map((b) => html`<tr><th scope="row">${b.Label}</th>${COLUMNS.map((k) => html`<td>${fmt(k)(b[k])}</td>`)}</tr>`)}</tbody>
        </table>
      </div>
    </details>`;
}
