import { html } from '../html.js';
import { call } from '../api.js';
import { useStore, set, toast } from '../store.js';
import { useForm, FormError } from '../ui.js';
import { DAYS } from './common.js';

export function Hours() {
  const s = useStore();
  if (!s.hours) return null;
  return html`<${HoursForm} key=${JSON.stringify(s.hours.Days)} hours=${s.hours} />`;
}

function HoursForm({ hours }) {
  const initial = {};
  hours.Days.forEach((d, i) => {
    initial[`Days[${i}].Enabled`] = d.Enabled;
    initial[`Days[${i}].StartTime`] = d.StartTime;
    initial[`Days[${i}].EndTime`] = d.EndTime;
  });
  const form = useForm(initial);
  const v = form.values;
  const submit = (e) =>
    form.submit(async () => {
      const Days = hours.Days.map((d, i) => ({
        Day: d.Day,
        Enabled: v[`Days[${i}].Enabled`],
        StartTime: v[`Days[${i}].StartTime`],
        EndTime: v[`Days[${i}].EndTime`],
      }));
      set({ hours: await call('UpdateWorkingHours', { body: { Days } }) });
      toast('Working hours saved');
    }, e);
  const allDay = () => {
    const next = { ...v };
    hours.Days.forEach((_, i) => {
      next[`Days[${i}].Enabled`] = true;
      next[`Days[${i}].StartTime`] = '00:00';
      next[`Days[${i}].EndTime`] = '24:00';
    });
    form.setValues(next);
  };
  return html`<header class="page-head"><h1>Working hours</h1></header>
    <p class="muted">In the desk's time zone, <strong>${hours.TimeZone}</strong> (change it under <a href="#/admin/settings">Desk settings</a>).
      ${hours.AroundTheClock ? ' The desk is open around the clock.' : ''} Right now it is <strong>${hours.OpenNow ? 'open' : 'closed'}</strong>.</p>
    <form class="card" onSubmit=${submit} aria-label="Working hours" novalidate>
      <table class="hours">
        <thead><tr><th scope="col">Day</th><th scope="col">Open</th><th scope="col">From</th><th scope="col">Until</th></tr></thead>
        <tbody>
          ${hours.Days.map((d, i) => {
            const key = (f) => `Days[${i}].${f}`;
            const problem =
              form.fields[key('StartTime')] ||
              form.fields[key('EndTime')] ||
              form.fields[key('Day')] ||
              form.fields[key('Enabled')];
            return html`<tr>
              <th scope="row">${DAYS[d.Day - 1]}</th>
              <td><input type="checkbox" id=${`h-${i}-on`} aria-label=${`Open on ${DAYS[d.Day - 1]}`} checked=${v[key('Enabled')]} onChange=${(e) => form.set(key('Enabled'), e.currentTarget.checked)} /></td>
              <td><input class="time" aria-label=${`${DAYS[d.Day - 1]} from`} value=${v[key('StartTime')]} placeholder="HH:MM" aria-invalid=${problem ? 'true' : undefined} onInput=${(e) => form.set(key('StartTime'), e.currentTarget.value)} /></td>
              <td><input class="time" aria-label=${`${DAYS[d.Day - 1]} until`} value=${v[key('EndTime')]} placeholder="HH:MM" aria-invalid=${problem ? 'true' : undefined} onInput=${(e) => form.set(key('EndTime'), e.currentTarget.value)} />
                ${problem ? html`<p class="field-error">${problem}</p>` : null}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      <p class="hint">HH:MM, 00:00 to 24:00; 24:00 means until midnight.</p>
      <${FormError} form=${form} />
      <div class="row"><button type="submit" class="primary" disabled=${form.busy}>Save hours</button>
        <button type="button" onClick=${allDay}>Open around the clock</button></div>
    </form>`;
}
