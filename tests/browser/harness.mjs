// The browser tests' harness: a real agentdesk server (the binary from AGENTDESK_BIN, by default
// target/debug/agentdesk) on a free port with a temporary SQLite file and mail outbox, a manager
// made with `agentdesk create-manager`, a fake channel server that records what the desk sends to
// customers and can write in as a customer, a TCP proxy in front of the server that a test can cut
// (a real network drop for the browser), and headless Chromium from Debian's package driven by
// playwright-core (never a downloaded browser).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOTS = join(ROOT, 'docs', 'console');
// The server has the event stream; AGENTDESK_EVENTS=0 runs against one without it (polling only).
export const EVENTS = process.env.AGENTDESK_EVENTS !== '0';
export const MANAGER = { name: 'Mia Manager', email: 'mia@example.com', password: 'manager-pass-1' };
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns something truthy. */
export async function until(check, { timeout = 15000, every = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(every);
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
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

/** A TCP proxy the browser talks through; drop() cuts every connection and refuses new ones. */
async function startProxy(targetPort) {
  const port = await freePort();
  const sockets = new Set();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
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
    close: () => new Promise((ok) => {
      for (const s of sockets) s.destroy();
      server.close(ok);
    }),
  };
}

/** Starts a desk: server, manager, proxy. */
export async function startDesk({ env = {}, empty = false } = {}) {
  const binary = resolve(ROOT, process.env.AGENTDESK_BIN || 'target/debug/agentdesk');
  if (!existsSync(binary)) throw new Error(`no server binary at ${binary}: build it (cargo build) or set AGENTDESK_BIN`);
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
  await until(async () => (await fetch(`${direct}/ready`)).ok, { timeout: 30000, what: 'the server to be ready' });
  const proxy = await startProxy(port);
  const desk = {
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
      if (!res.ok) throw Object.assign(new Error(`${name}: ${json.Error?.Message}`), { status: res.status, error: json.Error });
      return json;
    },
    async logon(email, password) {
      return (await desk.api('AgentLogon', null, { body: { EmailAddress: email, Password: password } })).SessionToken;
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
  return desk;
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
      return post('notifyUserRating', { chatSessionID: session, chatAccountToken: channel.ChatAccountToken, rating, comment });
    },
    /** Waits for a message for the customer that matches. */
    waitFor(match, what = 'a message for the customer') {
      return until(() => received.find(match), { what, timeout: 20000 });
    },
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** A desk set up as a team would have it: departments, agents, a tag, a canned response. */
export async function furnish(desk) {
  const mia = await desk.logon(MANAGER.email, MANAGER.password);
  const reception = await desk.api('CreateDepartment', mia, {
    body: { Name: 'Reception', WelcomeNew: 'Welcome to #DEPARTMENTNAME#, #CUSTOMERNAME#. You are number #POSITIONINQUEUE#.' },
  });
  const sales = await desk.api('CreateDepartment', mia, { body: { Name: 'Sales' } });
  const sam = await desk.api('CreateAgent', mia, {
    body: { Name: 'Sam Agent', EmailAddress: 'sam@example.com', RoleID: 1, DepartmentID: [reception.DepartmentID], Password: 'sams-password-1' },
  });
  const jack = await desk.api('CreateAgent', mia, {
    body: { Name: 'Jack Rabbit', EmailAddress: 'jack@example.com', RoleID: 1, DepartmentID: [sales.DepartmentID], Password: 'jacks-password-1' },
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

/** A fresh browser context (its own sessionStorage) with a page that fails the test on page errors. */
export async function openPage(browser, desk, viewport = LAPTOP) {
  const context = await browser.newContext({ viewport, timezoneId: 'UTC', locale: 'en-GB' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(new Error(m.text()));
  });
  await page.goto(desk.base);
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
  await page.getByRole('status').filter({ hasText: /^(Live|Refreshing every few seconds)$/ }).waitFor({ timeout: 15000 });
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
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
