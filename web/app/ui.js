// Shared pieces of the views: forms that show the API's errors next to their inputs, dialogs,
// buttons. Every input has a <label for>; every icon-only button an aria-label.
import { html, useState, useRef, useEffect } from './html.js';
import { ApiError } from './api.js';
import { toast } from './store.js';

let nextId = 0;
export function useId(prefix = 'f') {
  const ref = useRef(null);
  if (ref.current === null) ref.current = `${prefix}${++nextId}`;
  return ref.current;
}

/**
 * A form's values, its busy state and the API's answer when it refuses: `error` is the API's
 * Message, `fields` its Fields (shown next to the inputs of the same name).
 */
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [error, setError] = useState(null);
  const [fields, setFields] = useState({});
  const [busy, setBusy] = useState(false);
  const id = useId('form');
  const form = {
    id,
    values,
    error,
    fields,
    busy,
    setValues,
    set: (name, value) => setValues((v) => ({ ...v, [name]: value })),
    reset: (next = initial) => {
      setValues(next);
      setError(null);
      setFields({});
    },
    fail(e) {
      if (e instanceof ApiError) {
        setError(e.message);
        setFields(e.fields || {});
      } else {
        setError(String(e?.message || e));
      }
    },
    /** Runs `action` with the values; on an API error shows it. Returns the action's result. */
    async submit(action, event) {
      event?.preventDefault?.();
      setBusy(true);
      setError(null);
      setFields({});
      try {
        return await action(values);
      } catch (e) {
        form.fail(e);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
  };
  return form;
}

function fieldError(form, name) {
  if (!form) return null;
  // Field problems may name a path (Days[1].StartTime); match the input's own name.
  return form.fields[name] || null;
}

function Problem({ id, text }) {
  return text ? html`<p class="field-error" id=${id}>${text}</p>` : null;
}

/** A labelled input bound to form.values[name]. */
export function Input({ form, name, label, type = 'text', hint, required, ...rest }) {
  const id = `${form.id}-${name}`;
  const problem = fieldError(form, name);
  const value = form.values[name] ?? '';
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input
      id=${id}
      name=${name}
      type=${type}
      value=${value}
      required=${required}
      aria-invalid=${problem ? 'true' : undefined}
      aria-describedby=${problem ? `${id}-err` : hint ? `${id}-hint` : undefined}
      onInput=${(e) => form.set(name, e.currentTarget.value)}
      ...${rest}
    />
    ${hint && !problem ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
    <${Problem} id=${`${id}-err`} text=${problem} />
  </div>`;
}

export function TextArea({ form, name, label, hint, rows = 3, required, ...rest }) {
  const id = `${form.id}-${name}`;
  const problem = fieldError(form, name);
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <textarea
      id=${id}
      name=${name}
      rows=${rows}
      required=${required}
      aria-invalid=${problem ? 'true' : undefined}
      aria-describedby=${problem ? `${id}-err` : hint ? `${id}-hint` : undefined}
      onInput=${(e) => form.set(name, e.currentTarget.value)}
      value=${form.values[name] ?? ''}
      ...${rest}
    ></textarea>
    ${hint && !problem ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
    <${Problem} id=${`${id}-err`} text=${problem} />
  </div>`;
}

export function Select({ form, name, label, options, hint, numeric = true }) {
  const id = `${form.id}-${name}`;
  const problem = fieldError(form, name);
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select
      id=${id}
      name=${name}
      aria-invalid=${problem ? 'true' : undefined}
      aria-describedby=${problem ? `${id}-err` : undefined}
      onChange=${(e) => {
        const raw = e.currentTarget.value;
        form.set(name, raw === '' ? null : numeric && /^\d+$/.test(raw) ? Number(raw) : raw);
      }}
    >
      ${options.map(
        (
          o,
        ) => html`<option value=${o.value ?? ''} selected=${String(o.value ?? '') === String(form.values[name] ?? '')}>
          ${o.label}
        </option>`,
      )}
    </select>
    ${hint && !problem ? html`<p class="hint">${hint}</p>` : null}
    <${Problem} id=${`${id}-err`} text=${problem} />
  </div>`;
}

export function Checkbox({ form, name, label, hint }) {
  const id = `${form.id}-${name}`;
  const problem = fieldError(form, name);
  return html`<div class="field check">
    <input
      id=${id}
      type="checkbox"
      name=${name}
      checked=${!!form.values[name]}
      onChange=${(e) => form.set(name, e.currentTarget.checked)}
    />
    <label for=${id}>${label}</label>
    ${hint ? html`<p class="hint">${hint}</p>` : null}
    <${Problem} id=${`${id}-err`} text=${problem} />
  </div>`;
}

/** A group of checkboxes for a list of ids (DepartmentID, AutoTagID, ScheduledDay ...). */
export function CheckList({ form, name, legend, options }) {
  const chosen = new Set(form.values[name] || []);
  const problem = fieldError(form, name);
  const toggle = (value, on) => {
    const next = new Set(chosen);
    if (on) next.add(value);
    else next.delete(value);
    form.set(
      name,
      [...next].sort((a, b) => (typeof a === 'number' ? a - b : String(a).localeCompare(String(b)))),
    );
  };
  return html`<fieldset class="field checklist">
    <legend>${legend}</legend>
    ${options.length === 0 ? html`<p class="hint">None yet.</p>` : null}
    ${options.map((o) => {
      const id = `${form.id}-${name}-${o.value}`;
      return html`<span class="check">
        <input id=${id} type="checkbox" checked=${chosen.has(o.value)} onChange=${(e) => toggle(o.value, e.currentTarget.checked)} />
        <label for=${id}>${o.label}</label>
      </span>`;
    })}
    <${Problem} id=${`${form.id}-${name}-err`} text=${problem} />
  </fieldset>`;
}

/** The API's Message for the whole form, read out when it appears. */
export function FormError({ form }) {
  return form.error ? html`<p class="form-error" role="alert">${form.error}</p>` : null;
}

/** A modal <dialog>: Escape and the close button call onClose. */
export function Dialog({ title, onClose, children, wide }) {
  const ref = useRef(null);
  const titleId = useId('dlg');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    const focusable = dialog?.querySelector('[autofocus], input, select, textarea, button:not(.icon)');
    focusable?.focus();
  }, []);
  return html`<dialog
    ref=${ref}
    class=${wide ? 'wide' : ''}
    aria-labelledby=${titleId}
    onCancel=${(e) => {
      e.preventDefault();
      onClose();
    }}
  >
    <header class="dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="icon" aria-label="Close dialog" onClick=${onClose}>×</button>
    </header>
    <div class="dialog-body">${children}</div>
  </dialog>`;
}

/** A button that shows it is working while its async handler runs, and reports failures. */
export function ActionButton({ onAction, children, class: cls = '', label, disabled, onError, ...rest }) {
  const [busy, setBusy] = useState(false);
  return html`<button
    type="button"
    class=${cls}
    aria-label=${label}
    disabled=${busy || disabled}
    aria-busy=${busy ? 'true' : undefined}
    onClick=${async () => {
      setBusy(true);
      try {
        await onAction();
      } catch (e) {
        if (onError) onError(e);
        else toast(e.message, 'error');
      } finally {
        setBusy(false);
      }
    }}
    ...${rest}
  >
    ${children}
  </button>`;
}

/** A small tick for views that show a live clock or wait times. */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}
