import { html, useState } from '../html.js';
import { call } from '../api.js';
import { useStore, set, toast } from '../store.js';
import { statusName, departmentName, dateTime } from '../util.js';
import { useForm, Input, Select, Checkbox, CheckList, FormError } from '../ui.js';
import { num } from './common.js';

async function reload() {
  set({ agents: (await call('GetAgentList')).Agents });
}

export function Agents() {
  const s = useStore();
  const [editing, setEditing] = useState(null); // 'new' | AgentID
  const perAgentLimit = s.agents.some((a) => 'MaxChats' in a);
  const agent = editing && editing !== 'new' ? s.agents.find((a) => a.AgentID === editing) : null;
  return html`<header class="page-head"><h1>Agents</h1>
      <button type="button" class="primary" onClick=${() => setEditing('new')}>New agent</button></header>
    ${editing ? html`<${AgentForm} key=${editing} agent=${agent} perAgentLimit=${perAgentLimit} onDone=${() => setEditing(null)} />` : null}
    <div class="table-wrap card">
      <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Departments</th><th scope="col">Last seen</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${s.agents.map(
            (a) => html`<tr class=${a.Enabled ? '' : 'disabled'}>
              <th scope="row">${a.Name}${a.Enabled ? '' : ' (disabled)'}${a.HasPassword ? '' : html` <span class="muted">· no password yet</span>`}</th>
              <td>${a.EmailAddress}</td><td>${a.RoleID === 2 ? 'Manager' : 'Agent'}</td>
              <td><span class=${`status-dot s${a.StatusID}`} aria-hidden="true"></span> ${statusName(a.StatusID)}</td>
              <td>${a.DepartmentID.map(departmentName).join(', ') || '–'}</td>
              <td>${a.LastSeenAt ? dateTime(a.LastSeenAt) : '–'}</td>
              <td><button type="button" class="small" aria-label=${`Edit ${a.Name}`} onClick=${() => setEditing(a.AgentID)}>Edit</button></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

function AgentForm({ agent, perAgentLimit, onDone }) {
  const s = useStore();
  const form = useForm(
    agent
      ? {
          Name: agent.Name,
          EmailAddress: agent.EmailAddress,
          MobileNumber: agent.MobileNumber || '',
          RoleID: agent.RoleID,
          DepartmentID: agent.DepartmentID,
          Enabled: agent.Enabled,
          MaxChats: agent.MaxChats ?? '',
        }
      : { Name: '', EmailAddress: '', MobileNumber: '', RoleID: 1, DepartmentID: [], Password: '', MaxChats: '' },
  );
  const submit = (e) =>
    form.submit(async (v) => {
      const body = { ...v };
      if (!perAgentLimit) delete body.MaxChats;
      else body.MaxChats = num(v.MaxChats) ?? 0;
      if (agent) {
        body.AgentID = agent.AgentID;
        delete body.Password;
        await call('UpdateAgent', { body });
        toast(`${v.Name} saved`);
      } else {
        if (!body.Password) delete body.Password;
        await call('CreateAgent', { body });
        toast(`${v.Name} created${body.Password ? '' : ': they set a password with "Forgot your password?"'}`);
      }
      await reload();
      onDone();
    }, e);
  return html`<form class="card editor" onSubmit=${submit} aria-label=${agent ? `Edit ${agent.Name}` : 'New agent'} novalidate>
    <h2>${agent ? `Edit ${agent.Name}` : 'New agent'}</h2>
    <div class="grid2">
      <${Input} form=${form} name="Name" label="Name" required />
      <${Input} form=${form} name="EmailAddress" label="Email address" type="email" required />
      <${Input} form=${form} name="MobileNumber" label="Mobile number" hint="International format, like +27821231234" />
      <${Select} form=${form} name="RoleID" label="Role" options=${[
        { value: 1, label: 'Agent' },
        { value: 2, label: 'Manager' },
      ]} />
      ${agent ? null : html`<${Input} form=${form} name="Password" label="Password (optional)" type="password" autocomplete="new-password" hint="Without one, the agent sets it through the reset mail" />`}
      ${perAgentLimit ? html`<${Input} form=${form} name="MaxChats" label="Most open chats" type="number" min="0" hint="0 = the department's or desk's limit" />` : null}
    </div>
    <${CheckList} form=${form} name="DepartmentID" legend="Departments" options=${s.departments.map((d) => ({ value: d.DepartmentID, label: d.Name }))} />
    ${agent ? html`<${Checkbox} form=${form} name="Enabled" label="Enabled (a disabled agent can't log on)" />` : null}
    <${FormError} form=${form} />
    <div class="row"><button type="submit" class="primary" disabled=${form.busy}>${agent ? 'Save' : 'Create agent'}</button>
      <button type="button" onClick=${onDone}>Cancel</button></div>
  </form>`;
}
