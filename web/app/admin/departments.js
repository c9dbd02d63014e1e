import { html, useState } from '../html.js';
import { call } from '../api.js';
import { useStore, set, toast } from '../store.js';
import { fillPlaceholders } from '../util.js';
import { useForm, Input, TextArea, Checkbox, CheckList, FormError } from '../ui.js';
import { num } from './common.js';

async function reload() {
  set({ departments: (await call('GetDepartmentList')).Departments });
}

export function Departments() {
  const s = useStore();
  const [editing, setEditing] = useState(null);
  const perDepartmentLimit = s.departments.some((d) => 'MaxChatsPerAgent' in d);
  const department = editing && editing !== 'new' ? s.departments.find((d) => d.DepartmentID === editing) : null;
  const menu = s.departments
    .filter((d) => d.Enabled && d.IncludeInWelcomeMenu)
    .sort((a, b) => (a.MenuIndex || 0) - (b.MenuIndex || 0));
  const tagName = (id) => s.tagGroups.flatMap((g) => g.Tags).find((t) => t.TagID === id)?.Name || `#${id}`;
  return html`<header class="page-head"><h1>Departments</h1>
      <button type="button" class="primary" onClick=${() => setEditing('new')}>New department</button></header>
    ${editing ? html`<${DepartmentForm} key=${editing} department=${department} perDepartmentLimit=${perDepartmentLimit} onDone=${() => setEditing(null)} />` : null}
    <div class="table-wrap card">
      <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Welcome menu</th><th scope="col">Auto-tags</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${s.departments.map(
            (d) => html`<tr class=${d.Enabled ? '' : 'disabled'}>
              <th scope="row">${d.Name}</th>
              <td>${d.IncludeInWelcomeMenu ? `${d.MenuIndex}. ${d.NameInMenu || d.Name}` : '–'}</td>
              <td>${d.AutoTagID.map(tagName).join(', ') || '–'}</td>
              <td>${d.Enabled ? 'Enabled' : 'Disabled'}</td>
              <td><button type="button" class="small" aria-label=${`Edit ${d.Name}`} onClick=${() => setEditing(d.DepartmentID)}>Edit</button></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <section class="card" aria-labelledby="menu-h">
      <h2 id="menu-h">The welcome menu customers see</h2>
      ${
        menu.length >= 2
          ? html`<pre class="preview-text">Welcome to ${s.settings.CompanyName || 'agentdesk'}! Reply with the number of the department you need:\n${menu.map((d) => `${d.MenuIndex}. ${d.NameInMenu || d.Name}`).join('\n')}</pre>`
          : html`<p class="muted">With fewer than two enabled menu departments there is no menu: new chats go straight to ${menu[0]?.Name || 'the oldest enabled department'}.</p>`
      }
    </section>`;
}

const SAMPLE = { CUSTOMERNAME: 'Joe Soap', POSITIONINQUEUE: 2 };

function DepartmentForm({ department, perDepartmentLimit, onDone }) {
  const s = useStore();
  const d = department;
  const form = useForm({
    Name: d?.Name || '',
    IncludeInWelcomeMenu: d?.IncludeInWelcomeMenu || false,
    NameInMenu: d?.NameInMenu || '',
    MenuIndex: d?.MenuIndex ?? '',
    WelcomeNew: d?.WelcomeNew || '',
    WelcomeReturning: d?.WelcomeReturning || '',
    Enabled: d ? d.Enabled : true,
    AutoTagID: d?.AutoTagID || [],
    MaxChatsPerAgent: d?.MaxChatsPerAgent ?? '',
  });
  const v = form.values;
  const submit = (e) =>
    form.submit(async () => {
      const body = { ...v, MenuIndex: num(v.MenuIndex) };
      if (body.MenuIndex == null) delete body.MenuIndex;
      // Only a server whose departments carry MaxChatsPerAgent knows the field.
      if (perDepartmentLimit) body.MaxChatsPerAgent = num(v.MaxChatsPerAgent) ?? 0;
      else delete body.MaxChatsPerAgent;
      if (d) {
        await call('UpdateDepartment', { body: { DepartmentID: d.DepartmentID, ...body } });
      } else {
        await call('CreateDepartment', { body });
      }
      toast(`${v.Name} saved`);
      await reload();
      onDone();
    }, e);
  const values = { ...SAMPLE, DEPARTMENTNAME: v.Name || 'this department' };
  const tags = s.tagGroups.flatMap((g) =>
    g.Tags.filter((t) => t.Enabled).map((t) => ({ value: t.TagID, label: `${g.Name}: ${t.Name}` })),
  );
  return html`<form class="card editor" onSubmit=${submit} aria-label=${d ? `Edit ${d.Name}` : 'New department'} novalidate>
    <h2>${d ? `Edit ${d.Name}` : 'New department'}</h2>
    <div class="grid2">
      <${Input} form=${form} name="Name" label="Name" required />
      <${Checkbox} form=${form} name="Enabled" label="Enabled" />
      <${Checkbox} form=${form} name="IncludeInWelcomeMenu" label="In the welcome menu" />
      ${
        v.IncludeInWelcomeMenu
          ? html`<${Input} form=${form} name="NameInMenu" label="Name in the menu" hint="Defaults to the name" />
            <${Input} form=${form} name="MenuIndex" label="Menu option number" type="number" min="1" max="99" hint="1 to 99; empty takes the next free one" />`
          : null
      }
      ${perDepartmentLimit ? html`<${Input} form=${form} name="MaxChatsPerAgent" label="Most open chats per agent" type="number" min="0" hint="Empty = the desk's limit" />` : null}
    </div>
    <p class="hint spaced">Placeholders: <code>#CUSTOMERNAME#</code>, <code>#POSITIONINQUEUE#</code>, <code>#DEPARTMENTNAME#</code>.</p>
    <div class="grid2">
      <div>
        <${TextArea} form=${form} name="WelcomeNew" label="Welcome text for new customers" />
        ${v.WelcomeNew ? html`<p class="preview-text" aria-label="Preview for a new customer">${fillPlaceholders(v.WelcomeNew, values)}</p>` : null}
      </div>
      <div>
        <${TextArea} form=${form} name="WelcomeReturning" label="Welcome text for returning customers" />
        ${v.WelcomeReturning ? html`<p class="preview-text" aria-label="Preview for a returning customer">${fillPlaceholders(v.WelcomeReturning, values)}</p>` : null}
      </div>
    </div>
    <${CheckList} form=${form} name="AutoTagID" legend="Tags put on every chat of this department" options=${tags} />
    <${FormError} form=${form} />
    <div class="row"><button type="submit" class="primary" disabled=${form.busy}>${d ? 'Save' : 'Create department'}</button>
      <button type="button" onClick=${onDone}>Cancel</button></div>
  </form>`;
}
