// Pieces the configuration pages share: a two-step delete button and a list-plus-editor layout.
import { html, useState } from '../html.js';
import { toast } from '../store.js';

/** Asks once more before it acts; shows the API's refusal (TagInUse, LastManager ...) as a notice. */
export function ConfirmButton({ label, confirm = 'Really?', onConfirm, children, cls = 'danger small' }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return html`<button type="button" class=${cls} aria-label=${label} onClick=${() => setAsking(true)}>${children}</button>`;
  }
  return html`<span class="confirm" role="group" aria-label=${label}>
    <span>${confirm}</span>
    <button type="button" class="danger small" disabled=${busy} onClick=${async () => {
      setBusy(true);
      try {
        await onConfirm();
      } catch (e) {
        toast(e.message, 'error');
      } finally {
        setBusy(false);
        setAsking(false);
      }
    }}>Yes</button>
    <button type="button" class="small" onClick=${() => setAsking(false)}>No</button>
  </span>`;
}

/** Only the fields of `values` that differ from `before` (update endpoints change what is sent). */
export function changes(values, before) {
  const out = {};
  for (const [k, v] of Object.entries(values)) {
    if (JSON.stringify(v) !== JSON.stringify(before?.[k])) out[k] = v;
  }
  return out;
}

export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** '' → null, '12' → 12; anything else stays as typed so the API names the problem. */
export function num(value) {
  if (value === '' || value == null) return null;
  return /^-?\d+$/.test(String(value).trim()) ? Number(value) : value;
}
