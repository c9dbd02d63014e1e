#!/usr/bin/env python3
"""The abuse check: runs the attacks of docs/security.md against a running agentdesk and prints,
for each, what the attacker got, the server's peak memory and how a normal agent's calls fared
meanwhile. Started by benches/abuse.sh, which builds and starts the server; standard library only.

Usage: abuse.py BASE_URL SERVER_PID MANAGER_EMAIL PASSWORD OUTBOX_DIR
"""

import asyncio
import base64
import json
import os
import random
import socket
import statistics
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE, PID, EMAIL, PASSWORD, OUTBOX = sys.argv[1:6]
HOST, PORT = BASE.split("//")[1].split(":")
PORT = int(PORT)
Q = "Version=abuse-1"


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler:
    """Samples the server's RSS every 50 ms while an attack runs."""

    def __init__(self):
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib())
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak


class AgentProbe:
    """A normal agent's authenticated read (GetChatList) every 100 ms, timed."""

    def __init__(self, token):
        self.token = token
        self.times = []
        self.errors = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            started = time.monotonic()
            try:
                call("GET", f"/api/GetChatList?{Q}&SessionToken={self.token}&PageSize=20", timeout=30)
            except Exception:
                self.errors += 1
            self.times.append(time.monotonic() - started)
            time.sleep(0.1)

    def stop(self):
        self.running = False
        self.thread.join()
        if not self.times:
            return "no calls"
        ms = sorted(t * 1000 for t in self.times)
        return f"median {statistics.median(ms):.0f} ms, worst {ms[-1]:.0f} ms, {self.errors} errors"


def call(method, path, body=None, headers=None, timeout=30):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers or {})
    if isinstance(body, (dict, list)):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def logon(email, password, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    status, body = call("POST", f"/api/AgentLogon?{Q}", {"EmailAddress": email, "Password": password}, headers)
    return status, (json.loads(body) if status == 200 else body)


ROWS = []


def row(attack, outcome, peak, probe):
    memory = f"{peak / 1024:.0f} MB" if peak else "-"
    ROWS.append((attack, outcome, memory, probe))
    print(f"-- {attack}: {outcome}; peak RSS {memory}; agent meanwhile: {probe}", flush=True)


def raw_chunked(path, content_type, total, chunk=64 * 1024):
    """Streams `total` bytes as a chunked body; returns (status line, bytes the server took)."""
    s = socket.create_connection((HOST, PORT))
    s.settimeout(10)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
    frame = f"{chunk:x}\r\n".encode() + b"a" * chunk + b"\r\n"
    sent = 0
    try:
        while sent < total:
            s.sendall(frame)
            sent += chunk
    except OSError:
        pass
    try:
        answer = s.recv(4096).decode(errors="replace").split("\r\n")[0]
    except OSError:
        answer = "(connection closed)"
    s.close()
    return answer, sent


async def logon_flood(total, at_once):
    """`total` AgentLogon attempts for random addresses from random source addresses."""
    statuses = {}
    sem = asyncio.Semaphore(at_once)

    async def one(i):
        async with sem:
            body = json.dumps({"EmailAddress": f"nobody{random.random()}@example.com", "Password": "guess-123"}).encode()
            fwd = f"198.51.{random.randint(0, 255)}.{random.randint(1, 254)}"
            try:
                reader, writer = await asyncio.open_connection(HOST, PORT)
                writer.write(
                    f"POST /api/AgentLogon?{Q} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    f"X-Forwarded-For: {fwd}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
                )
                await writer.drain()
                line = await asyncio.wait_for(reader.readline(), 60)
                status = line.split()[1].decode() if line else "closed"
                writer.close()
            except Exception as e:  # a refused or reset connection is an outcome too
                status = type(e).__name__
            statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(one(i) for i in range(total)))
    return statuses


class Hanging(threading.Thread):
    """A channel server that accepts connections and never answers."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(100)
        self.port = self.sock.getsockname()[1]
        self.held = []

    def run(self):
        while True:
            conn, _ = self.sock.accept()
            self.held.append(conn)


class Healthy(threading.Thread):
    """A channel server that takes every message and notes when each arrived."""

    def __init__(self):
        super().__init__(daemon=True)
        arrivals = self.arrivals = []

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                arrivals.append((time.monotonic(), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]

    def run(self):
        self.server.serve_forever()


def outage(t, channel, say):
    """The database unreachable for 30 s (PostgreSQL stopped, or the SQLite file locked by another
    process) while a channel server sends a message every 100 ms: every request must answer (503
    or 200) within the database timeout, nothing acknowledged may be lost, and the desk must serve
    within 5 s of the database's return."""
    db = os.environ.get("ABUSE_DB", "")
    answers, acknowledged, lock = {}, [], threading.Lock()
    slowest_box = [0.0]
    running = [True]

    def sender():
        n = 0
        while running[0]:
            n += 1
            started = time.monotonic()
            try:
                status, body = say(channel, f"outage-session-{n:05}", "are you there?")
            except Exception as e:
                status, body = type(e).__name__, b""
            took = time.monotonic() - started
            with lock:
                answers[str(status)] = answers.get(str(status), 0) + 1
                slowest_box[0] = max(slowest_box[0], took)
                if status == 200:
                    acknowledged.append(json.loads(body)["ChatID"])
            time.sleep(0.1)

    thread = threading.Thread(target=sender, daemon=True)
    if db.startswith("postgres"):
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        stop = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast"]
        start = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
        import subprocess
        thread.start()
        time.sleep(1)
        subprocess.run(stop, check=True)
        time.sleep(30)
        subprocess.run(start, check=True)
    else:
        import sqlite3
        thread.start()
        time.sleep(1)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        time.sleep(30)
        other.execute("COMMIT")
        other.close()
    back = time.monotonic()
    while time.monotonic() - back < 30:
        status, _ = call("GET", f"/api/GetDepartmentList?{t}")
        if status == 200:
            break
        time.sleep(0.1)
    recovered = time.monotonic() - back
    time.sleep(1)
    running[0] = False
    thread.join()
    found = set()
    for chat_id in acknowledged:
        _, got = call("GET", f"/api/GetChat?{t}&ChatID={chat_id}")
        if json.loads(got).get("ChatID") == chat_id:
            found.add(chat_id)
    what = "PostgreSQL stopped" if db.startswith("postgres") else "the SQLite file locked by another process"
    row(
        f"{what} for 30 s, a channel sending every 100 ms",
        f"answers {answers}, slowest {slowest_box[0]:.1f} s; serving again {recovered:.1f} s after the database's return; acknowledged chats found afterwards: {len(found)} of {len(acknowledged)}",
        0,
        "-",
    )


def main():
    status, m = logon(EMAIL, PASSWORD)
    assert status == 200, m
    token = m["SessionToken"]
    t = f"{Q}&SessionToken={token}"
    call("POST", f"/api/UpdateSettings?{t}", {"Settings": [{"MaxChatsPerAgent": 0}, {"MaxAttachmentMB": 10}]})
    status, dep = call("POST", f"/api/CreateDepartment?{t}", {"Name": "Support", "WelcomeNew": "Hello #CUSTOMERNAME#"})
    dep = json.loads(dep)["DepartmentID"]
    status, agent = call("POST", f"/api/CreateAgent?{t}", {"Name": "Ann Agent", "EmailAddress": "ann@example.com", "RoleID": 1, "DepartmentID": [dep], "Password": "ann-password-1"})
    status, ann = logon("ann@example.com", "ann-password-1")
    ann_token = ann["SessionToken"]

    # 1. An endless chunked multipart body to AgentLogon.
    s = Sampler()
    probe = AgentProbe(ann_token)
    answer, sent = raw_chunked(f"/api/AgentLogon?{Q}", "multipart/form-data; boundary=XyZ", 512 * 1024 * 1024)
    row("512 MiB chunked multipart to AgentLogon", f"{answer}; the server took {sent / 1048576:.1f} MiB before closing", s.stop(), probe.stop())

    # 2. 1,500 logons for random addresses, 300 at once, from many source addresses.
    s = Sampler()
    probe = AgentProbe(ann_token)
    started = time.monotonic()
    statuses = asyncio.run(logon_flood(1500, 300))
    took = time.monotonic() - started
    peak = s.stop()
    time.sleep(5)
    row("1,500 AgentLogon for random addresses, 300 at once", f"{statuses} in {took:.1f} s; RSS 5 s later {rss_kib() / 1024:.0f} MB", peak, probe.stop())

    # 3. Five wrong passwords for the manager from one address; the manager from another.
    s = Sampler()
    for _ in range(6):
        guess, _ = logon(EMAIL, "wrong-guess-1", "203.0.113.66")
    owner, _ = logon(EMAIL, PASSWORD, "192.0.2.10")
    row("6 wrong passwords for the manager from one address", f"guesser's 6th: {guess}; the manager from another address: {owner}", s.stop(), "-")

    # 4. 200 password resets for one agent.
    s = Sampler()
    before = len(os.listdir(OUTBOX)) if os.path.isdir(OUTBOX) else 0
    for _ in range(200):
        call("POST", f"/api/RequestPasswordReset?{Q}", {"EmailAddress": "ann@example.com"})
    time.sleep(2)
    after = len([f for f in os.listdir(OUTBOX) if f.endswith(".eml")]) if os.path.isdir(OUTBOX) else 0
    row("200 RequestPasswordReset for one agent", f"{after - before} mails sent", s.stop(), "-")

    # 5. A web visitor writes in with someone else's number.
    healthy = Healthy()
    healthy.start()
    status, gw = call("POST", f"/api/CreateChannel?{t}", {"Name": "WhatsApp", "ChatServer": f"http://127.0.0.1:{healthy.port}", "VerifiesIdentity": True})
    gw = json.loads(gw)
    status, web = call("POST", f"/api/CreateChannel?{t}", {"Name": "Web", "ChatServer": f"http://127.0.0.1:{healthy.port}"})
    web = json.loads(web)

    def say(ch, session, text, **who):
        body = {"chatServer": "chat.example.com", "chatSessionID": session, "chatAccountToken": ch["ChatAccountToken"], "message": text, **who}
        return call("POST", "/api/v2/chat/notifyUserNewChatMessage", body, {"apiKey": ch["ApiKey"]})

    _, victim = say(gw, "+27820000099", "hi", customerName="Joe Soap", phoneNumber="+27820000099", emailAddress="joe@example.com")
    victim = json.loads(victim)
    _, visitor = say(web, "web-visitor-0001", "hi it's Joe", customerName="Mallory", phoneNumber="+27820000099", emailAddress="mallory@example.net")
    visitor = json.loads(visitor)
    _, chat = call("GET", f"/api/GetChat?{t}&ChatID={victim['ChatID']}")
    stored = json.loads(chat)["Customer"]
    row("a web visitor gives a WhatsApp customer's number", f"same customer: {visitor['CustomerID'] == victim['CustomerID']}; stored name/email now {stored['FullName']}/{stored['EmailAddress']}", 0, "-")

    # 6. A channel server that never answers, twelve chats waiting on it.
    hanging = Hanging()
    hanging.start()
    status, stuck = call("POST", f"/api/CreateChannel?{t}", {"Name": "Hanging", "ChatServer": f"http://127.0.0.1:{hanging.port}"})
    stuck = json.loads(stuck)
    for i in range(12):
        say(stuck, f"stuck-session-{i:04}", "hello")
    time.sleep(1)
    sent_at = time.monotonic()
    say(web, "web-visitor-0002", "hello", customerName="Ann")
    while not any(b.get("chatSessionID") == "web-visitor-0002" for _, b in healthy.arrivals) and time.monotonic() - sent_at < 30:
        time.sleep(0.02)
    arrived = [at for at, b in healthy.arrivals if b.get("chatSessionID") == "web-visitor-0002"]
    latency = f"{(arrived[0] - sent_at) * 1000:.0f} ms" if arrived else "never (30 s)"
    row("a channel server that hangs, 12 chats on it", f"a healthy channel's welcome arrived in {latency}; calls to the hanging server: {len(hanging.held)}", 0, "-")

    # 7. 40 uploads of 26 MB base64 at once, over a 10 MB MaxAttachmentMB.
    s = Sampler()
    probe = AgentProbe(ann_token)
    blob = base64.b64encode(os.urandom(19_500_000)).decode()
    body = json.dumps({"ChatID": visitor["ChatID"], "AttachmentName": "big.bin", "AttachmentData": blob}).encode()
    results = {}
    lock = threading.Lock()

    def upload(chunked):
        try:
            if chunked:
                answer, _ = raw_chunked(f"/api/SendMessage?{t}", "application/json", len(body))
                code = answer.split(" ")[1] if " " in answer else answer
            else:
                code, _ = call("POST", f"/api/SendMessage?{t}", body, {"Content-Type": "application/json"}, timeout=120)
        except Exception as e:  # closed before the whole body went: the refusal came first
            code = f"closed mid-body ({type(e).__name__})"
        with lock:
            results[str(code)] = results.get(str(code), 0) + 1

    threads = [threading.Thread(target=upload, args=(i % 2 == 1,)) for i in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    row("40 uploads of 26 MB base64 at once (half chunked), MaxAttachmentMB 10", f"{results}", s.stop(), probe.stop())

    # 8. The database goes away for 30 s while a channel keeps sending.
    outage(t, web, say)

    print()
    print("| attack | what the attacker got | server peak RSS | a normal agent meanwhile |")
    print("|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


main()
