// Hand-written SVG charts (no chart library, nothing inline for the CSP to refuse): a column chart
// over time with one or more series, and horizontal bars for rankings. Colours come from CSS
// classes (series-0, series-1, ...).
import { html } from './html.js';

function niceMax(value) {
  if (value <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  const n = value / exp;
  const step = n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10;
  return step * exp;
}

/**
 * Columns over time. `labels`: one per bucket; `series`: [{name, values}] drawn side by side
 * (stacked when `stacked`). Every column has a <title>, so hovering (or a screen reader) gives the
 * exact figure; a table with the same figures follows the chart for those who'd rather read.
 */
export function ColumnChart({ title, labels, series, stacked = false, format = (v) => String(v), height = 220 }) {
  const width = 720;
  const pad = { l: 44, r: 8, t: 10, b: 46 };
  const innerW = width - pad.l - pad.r;
  const innerH = height - pad.t - pad.b;
  const totals = labels.map((_, i) =>
    stacked
      ? series.reduce((sum, s) => sum + (s.values[i] || 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] || 0)),
  );
  const max = niceMax(Math.max(0, ...totals));
  const slot = innerW / Math.max(1, labels.length);
  const groupW = slot * 0.72;
  const barW = stacked ? groupW : groupW / Math.max(1, series.length);
  const y = (v) => pad.t + innerH - (v / max) * innerH;
  const every = Math.ceil(labels.length / 12);
  const ticks = [0, max / 2, max];
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${title} preserveAspectRatio="xMidYMid meet">
      ${ticks.map(
        (t) => html`<g class="grid">
          <line x1=${pad.l} x2=${width - pad.r} y1=${y(t)} y2=${y(t)} />
          <text x=${pad.l - 6} y=${y(t) + 4} text-anchor="end">${format(t)}</text>
        </g>`,
      )}
      ${labels.map((label, i) => {
        const x0 = pad.l + i * slot + (slot - groupW) / 2;
        let base = 0;
        return html`<g class="column">
          ${series.map((s, k) => {
            const v = s.values[i] || 0;
            const x = stacked ? x0 : x0 + k * barW;
            const top = stacked ? y(base + v) : y(v);
            const h = Math.max(0, (stacked ? y(base) : y(0)) - top);
            if (stacked) base += v;
            return html`<rect class=${`bar series-${k}`} x=${x} y=${top} width=${Math.max(1, barW - 1)} height=${h}>
              <title>${label}: ${s.name} ${format(v)}</title>
            </rect>`;
          })}
          ${
            i % every === 0
              ? html`<text class="xlabel" x=${x0 + groupW / 2} y=${height - pad.b + 16} text-anchor="middle">${shortLabel(label)}</text>`
              : null
          }
        </g>`;
      })}
      <line class="axis" x1=${pad.l} x2=${width - pad.r} y1=${y(0)} y2=${y(0)} />
    </svg>
    <figcaption class="legend">
      ${series.map((s, k) => html`<span class="key"><span class=${`swatch series-${k}`} aria-hidden="true"></span>${s.name}</span>`)}
    </figcaption>
  </figure>`;
}

/** "2026-11-23 10:00" → "10:00"; "2026-11-23" → "23 Nov"-ish short forms. */
function shortLabel(label) {
  const hour = /^\d{4}-\d{2}-\d{2} (\d{2}:\d{2})$/.exec(label);
  if (hour) return hour[1];
  const day = /^\d{4}-(\d{2})-(\d{2})$/.exec(label);
  if (day) return `${Number(day[2])}/${Number(day[1])}`;
  return label;
}

/** Horizontal bars, one per row: [{label, value}]. */
export function BarList({ title, rows, format = (v) => String(v) }) {
  const max = niceMax(Math.max(0, ...rows.map((r) => r.value || 0)));
  const rowH = 26;
  const width = 480;
  const labelW = 150;
  const height = rows.length * rowH + 4;
  return html`<figure class="chart bars">
    <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${title}>
      ${rows.map((r, i) => {
        const w = ((r.value || 0) / max) * (width - labelW - 60);
        return html`<g class="barrow">
          <text x=${labelW - 8} y=${i * rowH + 17} text-anchor="end" class="rowlabel">${r.label.length > 20 ? `${r.label.slice(0, 19)}…` : r.label}</text>
          <rect class="bar series-0" x=${labelW} y=${i * rowH + 5} width=${Math.max(r.value ? 2 : 0, w)} height=${rowH - 10}>
            <title>${r.label}: ${format(r.value)}</title>
          </rect>
          <text x=${labelW + w + 6} y=${i * rowH + 17} class="value">${r.value == null ? '–' : format(r.value)}</text>
        </g>`;
      })}
    </svg>
  </figure>`;
}
