// The event stream client. One EventSource on /api/GetEvents; the browser resends Last-Event-ID
// itself when it reconnects, and when the stream has to be opened anew (the server closed it, or
// answered an error) it starts after the last id seen, passed as the LastEventID query parameter.
// Ids are opaque: they are remembered, never parsed. An id seen before is dropped, so a replay after
// a reconnect repeats nothing. While the stream can't be had, `onDown` lets the caller poll.
import { eventsUrl } from './api.js';

export const EVENT_NAMES = [
  'chat.queued',
  'chat.assigned',
  'chat.transferred',
  'chat.reassigned',
  'chat.closed',
  'message.created',
  'message.delivery',
  'chat.read',
  'chat.tags',
  'customer.updated',
  'customer.typing',
  'agent.status',
  'queue.alert',
  'metrics.live',
  'resync',
];

const REMEMBERED_IDS = 5000;

export class EventStream {
  /**
   * @param {object} handlers onEvent(name, data), onStatus('live' | 'connecting' | 'polling'),
   *   onDown() when the stream failed for good (the caller checks the session and polls),
   *   onUp() when it is back.
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.source = null;
    this.lastId = null;
    this.seen = new Set();
    this.order = [];
    this.retry = null;
    this.failures = 0;
    this.stopped = true;
    this.down = false;
  }

  /** Starts the stream after `eventId` (GetChatList's EventID), or at the live end without one. */
  start(eventId) {
    this.stop();
    this.stopped = false;
    this.lastId = eventId || null;
    this.connect();
  }

  /** Starts again after `eventId`: what a `resync` asks for once the lists are fetched again. */
  restart(eventId) {
    this.seen.clear();
    this.order = [];
    this.start(eventId);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    if (this.source) this.source.close();
    this.source = null;
  }

  connect() {
    if (this.stopped) return;
    this.handlers.onStatus(this.down ? 'polling' : 'connecting');
    const source = new EventSource(eventsUrl(this.lastId));
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      if (this.down) {
        this.down = false;
        this.handlers.onUp?.();
      }
      this.handlers.onStatus('live');
    };
    source.onerror = () => {
      if (source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (an error status, or not an event stream): open a new one later, after the
        // last id seen; meanwhile the caller keeps the desk fresh another way.
        source.close();
        this.source = null;
        this.failures += 1;
        if (!this.down) {
          this.down = true;
          this.handlers.onDown?.();
        }
        this.handlers.onStatus('polling');
        const delay = Math.min(60_000, 2000 * 2 ** Math.min(this.failures - 1, 5));
        this.retry = setTimeout(() => this.connect(), delay);
      } else {
        // The browser is reconnecting by itself, sending Last-Event-ID.
        this.handlers.onStatus('connecting');
      }
    };
    for (const name of EVENT_NAMES) source.addEventListener(name, (event) => this.receive(name, event));
  }

  receive(name, event) {
    const id = event.lastEventId;
    if (id) {
      if (this.seen.has(id)) return;
      this.seen.add(id);
      this.order.push(id);
      if (this.order.length > REMEMBERED_IDS) this.seen.delete(this.order.shift());
      this.lastId = id;
    }
    let data;
    try {
      data = event.data ? JSON.parse(event.data) : {};
    } catch {
      return;
    }
    this.handlers.onEvent(name, data);
  }
}
