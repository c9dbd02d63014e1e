// Formatting: times in the desk's time zone, durations, sizes, placeholders.
import { deskTimeZone, state } from './store.js';

const formats = new Map();
function format(options) {
  const zone = deskTimeZone();
  const key = zone + JSON.stringify(options);
  if (!formats.has(key)) {
    try {
      formats.set(key, new Intl.DateTimeFormat(undefined, { ...options, timeZone: zone }));
    } catch {
      formats.set(key, new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' }));
    }
  }
  return formats.get(key);
}

/** 14:05, or 23 Nov 14:05 when not today (desk time). */
export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const day = format({ year: 'numeric', month: 'short', day: 'numeric' });
  const today = day.format(new Date()) === day.format(date);
  return today
    ? format({ hour: '2-digit', minute: '2-digit' }).format(date)
    : format({ month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(date);
}

export function dateTime(iso) {
  if (!iso) return '';
  return format({ year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(
    new Date(iso),
  );
}

export function clock(date = new Date()) {
  return format({ weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(date);
}

/** 45 s, 3 min 10 s, 2 h 5 min. */
export function duration(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return '–';
  if (seconds > 0 && seconds < 10 && !Number.isInteger(seconds)) return `${seconds.toFixed(1)} s`;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function secondsSince(iso, now = Date.now()) {
  return iso ? (now - new Date(iso).getTime()) / 1000 : 0;
}

export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Fills the placeholders a canned response or welcome text may hold. */
export function fillPlaceholders(text, values) {
  return text.replace(/#([A-Z]+)#/g, (whole, name) => (values[name] != null ? String(values[name]) : whole));
}

export const STATUSES = [
  { id: 4, name: 'Online' },
  { id: 2, name: 'Busy' },
  { id: 3, name: 'On break' },
  { id: 1, name: 'Offline' },
];
export function statusName(id) {
  return STATUSES.find((s) => s.id === id)?.name || 'Unknown';
}

export function departmentName(id) {
  return state.departments.find((d) => d.DepartmentID === id)?.Name || (id ? `Department ${id}` : 'No department');
}

export function initials(name) {
  return (name || '?')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}
