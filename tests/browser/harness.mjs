// The browser tests' one setup. `setUp()` gives a test file, before its tests, a real agentdesk
// server (the binary from AGENTDESK_BIN, by default target/debug/agentdesk) on a free port with a
// temporary SQLite file and mail outbox, a manager made with `agentdesk create-manager`, the desk
// furnished through the API as a team would have it (departments, agents, a tag, a canned
// response), a fake channel server that records what the desk sends to customers and writes in as
// customers, a TCP proxy in front of the server that a test can cut (a real network drop for the
// browser), and headless Chromium from Debian's package driven by playwright-core (never a
// downloaded browser). Tests wait for what happens elsewhere with `eventually` only.
//
// Screenshots go to target/browser-shots/ unless AGENTDESK_SHOTS names another folder; only
// screenshots.mjs names docs/console/, and it also sets AGENTDESK_CLOCK (see `CLOCK`).
import { before, after } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { samePicture } from './png.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = resolve(
  process.env.AGENTDESK_SHOTS || join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'browser-shots'),
);
// With AGENTDESK_CLOCK (an ISO time, e.g. 2026-12-01T09:30:00Z) the desk's time stands still at
// that instant, on the server (libfaketime, the monotonic clock left real so its timers run) and
// in every page (Playwright's fixed time, timers running): the same run draws the same pictures.
const CLOCK = process.env.AGENTDESK_CLOCK ? new Date(process.env.AGENTDESK_CLOCK) : null;
if (CLOCK && Number.isNaN(CLOCK.getTime()))
  throw new Error(`AGENTDESK_CLOCK is not a time: ${process.env.AGENTDESK_CLOCK}`);
// The server has the event stream; AGENTDESK_EVENTS=0 runs against one without it (polling only).
export const EVENTS = process.env.AGENTDESK_EVENTS !== '0';
export const MANAGER = { name: 'Mia Manager', email: 'mia@example.com', password: 'manager-pass-1' };
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// How often `eventually` looks again.
const EVERY_MS = 100;
// How long a page must look the same, with no request of its own, before shot() takes it: longer
// than the console's own delays (it marks a chat read 300 ms after showing it).
const SETTLED_MS = 600;

/**
 * Waits until `check` returns something truthy, and returns it: the twin of the Rust tests'
 * `eventually`. `check` may throw while the thing is not there yet; after `timeout` ms the wait
 * fails with `what` and the last error.
 */
export async function eventually(timeout, check, what = 'the condition') {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= end) break;
    await new Promise((ok) => setTimeout(ok, EVERY_MS));
  }
  throw new Error(
    `timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

// What the test file's hooks set up, for its tests (live bindings: read them inside a test).
export let desk, team, channel, browser;

/**
 * The one setup of a test file: before its tests a desk, furnished, with a channel server and a
 * browser; after them, all of it stopped and its files removed. `skip` sets up nothing.
 */
export function setUp({ skip = false } = {}) {
  before(async () => {
    if (skip) return;
    desk = await startDesk();
    team = await furnish(desk);
    channel = await startChannel(desk, team.mia);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await channel?.close();
    await desk?.stop();
  });
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

/**
 * A TCP proxy the browser talks through; drop() cuts every connection and refuses new ones
 * (`refused` counts them, so a test can wait for the browser to have tried) until restore().
 */
async function startProxy(targetPort) {
  const port = await freePort();
  const sockets = new Set();
  let down = false;
  let refused = 0;
  const server = net.createServer((client) => {
    if (down) {
      refused += 1;
      return client.destroy();
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    port,
    drop() {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      down = false;
    },
    get refused() {
      return refused;
    },
    close: () =>
      new Promise((ok) => {
        for (const s of sockets) s.destroy();
        server.close(ok);
      }),
  };
}

/** libfaketime's thread-safe library from Debian's package, for a server whose clock stands still. */
function faketimeLibrary() {
  const found = readdirSync('/usr/lib')
    .map((dir) => join('/usr/lib', dir, 'faketime', 'libfaketimeMT.so.1'))
    .find((path) => existsSync(path));
  if (!found) throw new Error('AGENTDESK_CLOCK needs libfaketime: apt-get install faketime');
  return found;
}

/** The environment that stops the server's wall clock at CLOCK (none without it). */
function clockEnv() {
  if (!CLOCK) return {};
  return {
    LD_PRELOAD: faketimeLibrary(),
    // An absolute time without "@" stands still; timers run on the real monotonic clock.
    FAKETIME: CLOCK.toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ''),
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    TZ: 'UTC',
  };
}

/** Starts a desk: server, manager, proxy. */
export async function startDesk({ env = {}, empty = false } = {}) {
  const binary = resolve(ROOT, process.env.AGENTDESK_BIN || 'target/debug/agentdesk');
  if (!existsSync(binary))
    throw new Error(`no server binary at ${binary}: build it (cargo build) or set AGENTDESK_BIN`);
  const dir = mkdtempSync(join(tmpdir(), 'agentdesk-browser-'));
  const outbox = join(dir, 'outbox');
  mkdirSync(outbox);
  const port = await freePort();
  const baseEnv = {
    ...process.env,
    DATABASE_URL: join(dir, 'desk.db'),
    AGENTDESK_BIND: `127.0.0.1:${port}`,
    MAIL_OUTBOX_DIR: outbox,
    CHANNEL_ALLOWED_NETWORKS: '127.0.0.0/8',
    DELIVERY_POLL_MS: '200',
    DELIVERY_BACKOFF_MS: '300',
    LOGON_MAX_FAILURES: '50',
    RUST_LOG: process.env.RUST_LOG || 'warn',
    ...clockEnv(),
    ...env,
  };
  delete baseEnv.SMTP_URL;
  // `empty`: a desk as installed, without a manager (the console offers "Set up this desk").
  if (!empty) {
    const made = spawnSync(binary, ['create-manager', '--name', MANAGER.name, '--email', MANAGER.email], {
      env: { ...baseEnv, AGENTDESK_PASSWORD: MANAGER.password },
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`create-manager failed: ${made.stderr}`);
  }
  const child = spawn(binary, ['serve'], { env: baseEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  const direct = `http://127.0.0.1:${port}`;
  await eventually(30000, async () => (await fetch(`${direct}/ready`)).ok, 'the server to be ready');
  const proxy = await startProxy(port);
  const started = {
    dir,
    outbox,
    direct,
    base: `http://127.0.0.1:${proxy.port}`,
    proxy,
    async stop() {
      await proxy.close();
      child.kill('SIGTERM');
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
      rmSync(dir, { recursive: true, force: true });
    },
    /** Calls the agent API as a client would; throws with the API's error on failure. */
    async api(name, token, { body, query, method } = {}) {
      const params = new URLSearchParams({ Version: 'test-1', ...(query || {}) });
      const res = await fetch(`${direct}/api/${name}?${params}`, {
        method: method || (body ? 'POST' : 'GET'),
        headers: { ...(token ? { SessionToken: token } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await res.json();
      if (!res.ok)
        throw Object.assign(new Error(`${name}: ${json.Error?.Message}`), { status: res.status, error: json.Error });
      return json;
    },
    async logon(email, password) {
      return (await started.api('AgentLogon', null, { body: { EmailAddress: email, Password: password } }))
        .SessionToken;
    },
    /** `agentdesk <args>` on this desk's database, its standard output. */
    cli(...args) {
      const run = spawnSync(binary, args, { env: baseEnv, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`agentdesk ${args.join(' ')} failed: ${run.stderr}`);
      return run.stdout;
    },
    mails() {
      return readdirSync(outbox)
        .filter((f) => f.endsWith('.eml'))
        .map((f) => readFileSync(join(outbox, f), 'utf8'));
    },
  };
  return started;
}

/**
 * A fake channel server: records every message the desk posts to /hooks/messageForCustomer
 * (checking its signature), and writes in as customers through the channel API.
 */
export async function startChannel(desk, managerToken, name = 'Web chat') {
  const received = [];
  const port = await freePort();
  let secret = null;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && req.url === '/hooks/messageForCustomer') {
        const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
        const message = JSON.parse(body.toString('utf8'));
        received.push({ ...message, signatureOk: req.headers['x-agentdesk-signature'] === expected });
        res.writeHead(200).end('{}');
      } else res.writeHead(404).end();
    });
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const channel = await desk.api('CreateChannel', managerToken, {
    body: { Name: name, ChatServer: `http://127.0.0.1:${port}/hooks` },
  });
  secret = channel.SigningSecret;
  async function post(path, fields) {
    const res = await fetch(`${desk.direct}/api/v2/chat/${path}`, {
      method: 'POST',
      headers: { apiKey: channel.ApiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ chatServer: 'chat.example.com', ...fields }),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${path}: ${json.Error?.Message}`);
    return json;
  }
  return {
    channel,
    received,
    /** The customer of session `session` writes `message`. */
    say(session, message, extra = {}) {
      return post('notifyUserNewChatMessage', {
        chatSessionID: session,
        chatAccountToken: channel.ChatAccountToken,
        message,
        ...extra,
      });
    },
    typing(session, on) {
      return post('notifyUserNewChatEvent', { chatSessionID: session, event: on ? 'startedtyping' : 'stoppedtyping' });
    },
    sendFile(session, name, base64, contentType) {
      return post('addAttachment', {
        chatSessionID: session,
        chatAccountToken: channel.ChatAccountToken,
        file: base64,
        fileName: name,
        contentType,
      });
    },
    leave(session) {
      return post('notifyUserEndChat', { chatSessionID: session });
    },
    /** The customer answers a RatingRequest: 1 to 5, with an optional comment. */
    rate(session, rating, comment = '') {
      return post('notifyUserRating', {
        chatSessionID: session,
        chatAccountToken: channel.ChatAccountToken,
        rating,
        comment,
      });
    },
    /** Waits for a message for the customer that matches. */
    waitFor(match, what = 'a message for the customer') {
      return eventually(20000, () => received.find(match), what);
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** A desk set up as a team would have it: departments, agents, a tag, a canned response. */
export async function furnish(desk) {
  const mia = await desk.logon(MANAGER.email, MANAGER.password);
  const reception = await desk.api('CreateDepartment', mia, {
    body: {
      Name: 'Reception',
      WelcomeNew: 'Welcome to #DEPARTMENTNAME#, #CUSTOMERNAME#. You are number #POSITIONINQUEUE#.',
    },
  });
  const sales = await desk.api('CreateDepartment', mia, { body: { Name: 'Sales' } });
  const sam = await desk.api('CreateAgent', mia, {
    body: {
      Name: 'Sam Agent',
      EmailAddress: 'sam@example.com',
      RoleID: 1,
      DepartmentID: [reception.DepartmentID],
      Password: 'sams-password-1',
    },
  });
  const jack = await desk.api('CreateAgent', mia, {
    body: {
      Name: 'Jack Rabbit',
      EmailAddress: 'jack@example.com',
      RoleID: 1,
      DepartmentID: [sales.DepartmentID],
      Password: 'jacks-password-1',
    },
  });
  const group = await desk.api('CreateTagGroup', mia, { body: { Name: 'Topics' } });
  const tag = await desk.api('CreateTag', mia, { body: { TagGroupID: group.TagGroupID, Name: 'Warranty' } });
  const canned = await desk.api('CreateCannedResponse', mia, {
    body: { Name: 'hours', MessageText: 'Hi #CUSTOMERNAME#, we are open from 8am to 5pm. #AGENTNAME#' },
  });
  return { mia, reception, sales, sam, jack, tag, canned };
}

export const SAM = { email: 'sam@example.com', password: 'sams-password-1' };
export const JACK = { email: 'jack@example.com', password: 'jacks-password-1' };

/** Headless Chromium (Debian's) with the flags it needs as root and without network noise. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** A fresh browser context (its own sessionStorage), at CLOCK's time when it is set. */
export async function newContext(options = {}, on = browser) {
  const context = await on.newContext({ timezoneId: 'UTC', locale: 'en-GB', ...options });
  if (CLOCK) await context.clock.setFixedTime(CLOCK);
  return context;
}

/**
 * A page of a fresh context on the desk, which records the page's errors (see realErrors). `on`
 * names another browser and desk than setUp's, for files that start their own (an empty desk).
 */
export async function openPage(viewport = LAPTOP, on = {}) {
  const context = await newContext({ viewport }, on.browser || browser);
  const page = await context.newPage();
  page.errors = [];
  // The page's requests (the event stream aside: it stays open), for shot() to wait for none.
  page.requests = { inFlight: 0, lastAt: Date.now() };
  const counted = (request) => /^https?:/.test(request.url()) && !request.url().includes('/api/GetEvents');
  page.on('request', (request) => {
    if (!counted(request)) return;
    page.requests.inFlight += 1;
    page.requests.lastAt = Date.now();
  });
  const ended = (request) => {
    if (!counted(request)) return;
    page.requests.inFlight -= 1;
    page.requests.lastAt = Date.now();
  };
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  page.on('pageerror', (e) => page.errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(new Error(m.text()));
  });
  await page.goto((on.desk || desk).base);
  return page;
}

export async function logOn(page, who) {
  await page.getByLabel('Email address', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Log on' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Waits until the desk has its first lists and follows changes (by the stream, or polling). */
export async function following(page) {
  await page
    .getByRole('status')
    .filter({ hasText: /^(Live|Refreshing every few seconds)$/ })
    .waitFor({ timeout: 15000 });
}

/**
 * Takes a picture of the page once it has settled: the event stream no longer connecting, and the
 * page looking the same for SETTLED_MS with no request of its own started or ended meanwhile (a
 * picture never catches a state on its way to the next, so the same run draws the same pictures).
 */
export async function shot(page, name) {
  await page.getByRole('status').filter({ hasText: 'Connecting' }).waitFor({ state: 'hidden' });
  let first = null;
  const picture = await eventually(
    15000,
    async () => {
      const at = Date.now();
      const png = await page.screenshot({ animations: 'disabled' });
      const calm = page.requests.inFlight === 0 && page.requests.lastAt < first?.at;
      if (!first || !calm || !samePicture(first.png, png)) {
        first = { at, png };
        return null;
      }
      return at - first.at >= SETTLED_MS ? png : null;
    },
    `the page to settle for the picture ${name}`,
  );
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(join(SHOTS, `${name}.png`), picture);
}

/**
 * Script errors of a page. The browser also logs every HTTP error status of a request ("Failed to
 * load resource"): answers the console expects and shows (a wrong password, the event stream
 * missing on a server without it) are not script errors.
 */
export function realErrors(page) {
  return page.errors.filter((e) => !/Failed to load resource|GetEvents|EventSource/.test(String(e.message)));
}

/** A small PNG picture (a coloured gradient), so inline images are worth a look in screenshots. */
export function picture(width = 160, height = 100) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) {
      row[1 + x * 3] = 36 + Math.round((x / width) * 120);
      row[2 + x * 3] = 89 + Math.round((y / height) * 120);
      row[3 + x * 3] = 214;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
