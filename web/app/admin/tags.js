import { html, useState } from '../html.js';
import { call } from '../api.js';
import { useStore, set, toast } from '../store.js';
import { useForm, Input, FormError, ActionButton, Empty } from '../ui.js';
import { ConfirmButton } from './common.js';

async function reload() {
  set({ tagGroups: (await call('GetTagList')).TagGroups });
}

export function Tags() {
  const s = useStore();
  const form = useForm({ Name: '' });
  const submit = (e) =>
    form.submit(async (v) => {
      await call('CreateTagGroup', { body: v });
      form.reset({ Name: '' });
      await reload();
    }, e);
  return html`<header class="page-head"><h1>Tags and tag groups</h1></header>
    <form class="card row-form" onSubmit=${submit} aria-label="New tag group" novalidate>
      <${Input} form=${form} name="Name" label="New tag group" />
      <button type="submit" class="primary" disabled=${form.busy}>Add group</button>
      <${FormError} form=${form} />
    </form>
    ${s.tagGroups.length === 0 ? html`<${Empty}>No tag groups yet.</${Empty}>` : null}
    ${s.tagGroups.map((g) => html`<${Group} key=${g.TagGroupID} group=${g} />`)}`;
}

function Group({ group }) {
  const [renaming, setRenaming] = useState(false);
  const rename = useForm({ Name: group.Name });
  const add = useForm({ Name: '' });
  return html`<section class=${`card ${group.Enabled ? '' : 'disabled'}`} aria-label=${`Tag group ${group.Name}`}>
    <div class="card-head">
      ${
        renaming
          ? html`<form class="row" onSubmit=${(e) =>
              rename.submit(async (v) => {
                await call('UpdateTagGroup', { body: { TagGroupID: group.TagGroupID, Name: v.Name } });
                setRenaming(false);
                await reload();
              }, e)}><${Input} form=${rename} name="Name" label="Group name" /><button type="submit" class="small primary">Save</button>
            <button type="button" class="small" onClick=${() => setRenaming(false)}>Cancel</button><${FormError} form=${rename} /></form>`
          : html`<h2>${group.Name}${group.Enabled ? '' : ' (disabled)'}</h2>`
      }
      <div class="row">
        ${renaming ? null : html`<button type="button" class="small" onClick=${() => setRenaming(true)}>Rename</button>`}
        <${ActionButton} class="small" onAction=${async () => {
          await call('UpdateTagGroup', { body: { TagGroupID: group.TagGroupID, Enabled: !group.Enabled } });
          await reload();
        }}>${group.Enabled ? 'Disable group' : 'Enable group'}</${ActionButton}>
      </div>
    </div>
    <ul class="tag-rows">
      ${group.Tags.map((t) => html`<${TagRow} key=${t.TagID} tag=${t} />`)}
      ${group.Tags.length === 0 ? html`<li class="muted">No tags in this group.</li>` : null}
    </ul>
    <form class="row-form" onSubmit=${(e) =>
      add.submit(async (v) => {
        await call('CreateTag', { body: { TagGroupID: group.TagGroupID, Name: v.Name } });
        add.reset({ Name: '' });
        await reload();
      }, e)} aria-label=${`New tag in ${group.Name}`} novalidate>
      <${Input} form=${add} name="Name" label=${`New tag in ${group.Name}`} />
      <button type="submit" class="small" disabled=${add.busy}>Add tag</button>
      <${FormError} form=${add} />
    </form>
  </section>`;
}

function TagRow({ tag }) {
  const [renaming, setRenaming] = useState(false);
  const form = useForm({ Name: tag.Name });
  if (renaming) {
    return html`<li><form class="row" onSubmit=${(e) =>
      form.submit(async (v) => {
        await call('UpdateTag', { body: { TagID: tag.TagID, Name: v.Name } });
        setRenaming(false);
        await reload();
      }, e)}><${Input} form=${form} name="Name" label="Tag name" /><button type="submit" class="small primary">Save</button>
      <button type="button" class="small" onClick=${() => setRenaming(false)}>Cancel</button><${FormError} form=${form} /></form></li>`;
  }
  return html`<li class=${tag.Enabled ? '' : 'disabled'}>
    <span class="tag">${tag.Name}</span>${tag.Enabled ? '' : html` <span class="muted">disabled</span>`}
    <span class="row">
      <button type="button" class="small" aria-label=${`Rename ${tag.Name}`} onClick=${() => setRenaming(true)}>Rename</button>
      <${ActionButton} class="small" label=${`${tag.Enabled ? 'Disable' : 'Enable'} ${tag.Name}`} onAction=${async () => {
        await call('UpdateTag', { body: { TagID: tag.TagID, Enabled: !tag.Enabled } });
        await reload();
      }}>${tag.Enabled ? 'Disable' : 'Enable'}</${ActionButton}>
      <${ConfirmButton} label=${`Delete ${tag.Name}`} confirm="Delete this tag?" onConfirm=${async () => {
        await call('DeleteTag', { method: 'DELETE', query: { TagID: tag.TagID } });
        toast(`${tag.Name} deleted`);
        await reload();
      }}>Delete</${ConfirmButton}>
    </span>
  </li>`;
}
