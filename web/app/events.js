// The event stream client. One EventSource on /api/GetEvents; whenever the stream ends or fails
// it is opened anew after the last id seen, passed as the LastEventID query parameter.
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
    // A connect still waiting for its ticket belongs to the stream stopped here: it must not open.
    this.generation = (this.generation || 0) + 1;
    clearTimeout(this.retry);
    if (this.source) this.source.close();
    this.source = null;
  }

  async connect() {
    if (this.stopped) return;
    this.handlers.onStatus(this.down ? 'polling' : 'connecting');
    const generation = this.generation;
    let url;
    try {
      url = await eventsUrl(this.lastId);
    } catch {
      // No ticket (the desk unreachable, the session gone): try again like a failed stream.
      if (!this.stopped && generation === this.generation) this.failed(false);
      return;
    }
    if (this.stopped || this.source || generation !== this.generation) return;
    const source = new EventSource(url);
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
      // The console reconnects itself rather than leaving it to the browser, so every new stream
      // names the last id seen in its URL (LastEventID): resuming never depends on how a proxy or
      // the browser treats the Last-Event-ID header.
      const refused = source.readyState === EventSource.CLOSED;
      source.close();
      this.source = null;
      this.failed(refused);
    };
    for (const name of EVENT_NAMES) source.addEventListener(name, (event) => this.receive(name, event));
  }

  /** A stream that could not open or ended: poll meanwhile, and try again later. */
  failed(refused) {
    this.failures += 1;
    // Refused (an error status, or not an event stream), or dropped again and again: keep the
    // desk fresh another way until the stream is back.
    if (!this.down && (refused || this.failures >= 3)) {
      this.down = true;
      this.handlers.onDown?.();
    }
    this.handlers.onStatus(this.down ? 'polling' : 'connecting');
    const delay = Math.min(60_000, 1000 * 2 ** Math.min(this.failures - 1, 6));
    this.retry = setTimeout(() => this.connect(), delay);
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
