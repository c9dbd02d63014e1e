// The agent API client: every call carries Version and the SessionToken header; errors come back as
// ApiError with the API's own Code, Message and Fields, so views can show them as the API words them.

export const VERSION = 'console-1';
const TOKEN_KEY = 'agentdesk.session';

export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

let onSessionLost = () => {};
/** Called once, when any call answers 401 InvalidSessionToken. */
export function whenSessionLost(handler) {
  onSessionLost = handler;
}

// The token lives in sessionStorage only: it dies with the tab and is never written to localStorage.
export function savedSession() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null');
  } catch {
    return null;
  }
}
export function saveSession(session) {
  if (session) sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(TOKEN_KEY);
}
export function token() {
  return savedSession()?.token || null;
}

function url(name, query) {
  const params = new URLSearchParams({ Version: VERSION });
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.set(key, String(value));
  }
  return `/api/${name}?${params}`;
}

/**
 * The EventSource URL. An EventSource can't send headers, and a session token in a URL lands in
 * proxies' access logs: the URL carries a ticket instead (CreateEventTicket), good for one stream
 * within 30 s.
 */
export async function eventsUrl(lastEventId) {
  const { Ticket } = await call('CreateEventTicket', { method: 'POST' });
  const params = new URLSearchParams({ Version: VERSION, Ticket });
  if (lastEventId) params.set('LastEventID', lastEventId);
  return `/api/GetEvents?${params}`;
}

async function send(name, { method, query, body, form } = {}) {
  const headers = {};
  const auth = token();
  if (auth) headers.SessionToken = auth;
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const verb = method || (payload === undefined ? 'GET' : 'POST');
  let response;
  try {
    response = await fetch(url(name, query), { method: verb, headers, body: payload, credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'NetworkError', 'The desk server cannot be reached. Check the connection and try again.');
  }
  if (!response.ok) {
    let error;
    try {
      const json = await response.json();
      error = json.Error;
    } catch {
      /* not JSON */
    }
    const apiError = new ApiError(
      response.status,
      error?.Code || `HTTP${response.status}`,
      error?.Message || `The server answered ${response.status} ${response.statusText}`,
      error?.Fields,
    );
    if (apiError.code === 'InvalidSessionToken' && auth) onSessionLost(apiError);
    throw apiError;
  }
  return response;
}

/** Calls an endpoint and returns its JSON. A body means POST unless `method` says otherwise. */
export async function call(name, options = {}) {
  const response = await send(name, options);
  const text = await response.text();
  return text ? JSON.parse(text) : {};
}

/** Calls an endpoint that answers a file; returns {blob, filename}. */
export async function download(name, query) {
  const response = await send(name, { query });
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename="([^"]*)"/.exec(disposition);
  return { blob: await response.blob(), filename: match ? match[1] : name };
}

/** Hands a blob to the browser as a download. */
export function saveBlob(blob, filename) {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

const attachmentUrls = new Map();

/** Revokes every image's object URL: a logged-off console keeps no customer's files in memory. */
export function forgetAttachments() {
  for (const url of attachmentUrls.values())
    url.then(
      (href) => URL.revokeObjectURL(href),
      () => {},
    );
  attachmentUrls.clear();
}

/** An object URL for an attachment (fetched once with the session header, then kept). */
export async function attachmentUrl(id) {
  if (!attachmentUrls.has(id)) {
    attachmentUrls.set(
      id,
      download('GetAttachment', { AttachmentID: id }).then(({ blob }) => URL.createObjectURL(blob)),
    );
  }
  try {
    return await attachmentUrls.get(id);
  } catch (e) {
    attachmentUrls.delete(id);
    throw e;
  }
}
