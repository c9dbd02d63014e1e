//! The event stream (GetEvents) over real HTTP: what a front-end sees live, resuming without gaps
//! or repeats, who sees what, and events crossing from one instance to another.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::channel_helpers::Channel;
use crate::helpers::{Session, TestApp};

/// One event as a client parses it.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub name: String,
    pub data: Value,
}

/// An open event stream, read frame by frame as EventSource would.
pub struct EventClient {
    response: reqwest::Response,
    buffer: String,
    /// Comment lines seen (`: heartbeat` ...).
    pub comments: Vec<String>,
}

impl EventClient {
    /// Opens `GetEvents` for `token`, resuming after `last` (query parameter) when given.
    pub async fn open(app: &TestApp, token: &str, last: Option<&str>) -> Self {
        let mut query = vec![("Version", "1.0"), ("SessionToken", token)];
        if let Some(last) = last {
            query.push(("LastEventID", last));
        }
        let response = app
            .client
            .get(app.url("GetEvents"))
            .query(&query)
            .send()
            .await
            .expect("stream opened");
        assert_eq!(response.status(), 200, "GetEvents answered");
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            response,
            buffer: String::new(),
            comments: Vec::new(),
        }
    }

    /// A stream already opened by another kind of client (the web chat's visitor stream).
    pub fn from_response(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: String::new(),
            comments: Vec::new(),
        }
    }

    /// The next event within `within`, or None.
    pub async fn next(&mut self, within: Duration) -> Option<Event> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(event) = self.parse_one() {
                return Some(event);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                Ok(_) => return None,
                Err(_) => return None,
            }
        }
    }

    /// Every event that arrives within `within`.
    pub async fn drain(&mut self, within: Duration) -> Vec<Event> {
        let deadline = Instant::now() + within;
        let mut events = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next(left).await {
                Some(e) => events.push(e),
                None => break,
            }
        }
        events
    }

    /// Waits (at most `within`) for an event that `wanted` accepts; the ones before it are returned too.
    pub async fn until(
        &mut self,
        within: Duration,
        wanted: impl Fn(&Event) -> bool,
    ) -> (Event, Vec<Event>) {
        let deadline = Instant::now() + within;
        let mut before = Vec::new();
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no such event within {within:?}; saw {before:#?}"));
            match self.next(left).await {
                Some(e) if wanted(&e) => return (e, before),
                Some(e) => before.push(e),
                None => panic!("no such event within {within:?}; saw {before:#?}"),
            }
        }
    }

    fn parse_one(&mut self) -> Option<Event> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let frame: String = self.buffer.drain(..end + 2).collect();
            let (mut id, mut name, mut data) = (None, String::from("message"), String::new());
            let mut comment_only = true;
            for line in frame.lines().filter(|l| !l.is_empty()) {
                if let Some(c) = line.strip_prefix(':') {
                    self.comments.push(c.trim().to_owned());
                    continue;
                }
                comment_only = false;
                if let Some(v) = line.strip_prefix("id: ") {
                    id = Some(v.to_owned());
                } else if let Some(v) = line.strip_prefix("event: ") {
                    name = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data.push_str(v);
                }
            }
            if comment_only {
                continue;
            }
            assert_ne!(name, "message", "a frame without an event name: {frame:?}");
            let data = serde_json::from_str(&data).unwrap_or(Value::Null);
            return Some(Event { id, name, data });
        }
    }
}

fn is(name: &'static str) -> impl Fn(&Event) -> bool {
    move |e| e.name == name
}

const SECOND: Duration = Duration::from_millis(1500);

/// A desk with a department, an agent of it and a channel.
/// The stream position GetChatList says its answer is current to.
async fn list_event_id(app: &TestApp, agent: &Session) -> String {
    let list = app
        .get("GetChatList", &agent.token, &[("ChatType", "unassigned")])
        .await
        .ok();
    list["EventID"]
        .as_str()
        .expect("GetChatList has an EventID")
        .to_owned()
}

async fn desk(app: &TestApp) -> (Session, i64, Session, Channel) {
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let a = app.agent(&m, &[d]).await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    (m, d, a, ch)
}

#[tokio::test]
async fn an_agent_sees_a_new_chat_and_the_customers_message_within_a_second() {
    let app = TestApp::spawn().await;
    let (_m, d, a, ch) = desk(&app).await;
    let mut stream = EventClient::open(&app, &a.token, None).await;
    let started = Instant::now();
    let chat_id = app.waiting_chat(&ch, "session-0001").await;
    let (queued, _) = stream.until(SECOND, is("chat.queued")).await;
    assert_eq!(queued.data["ChatID"], chat_id);
    assert_eq!(queued.data["Chat"]["ChatType"], "unassigned");
    assert_eq!(queued.data["Chat"]["DepartmentID"], d);
    let (message, _) = stream
        .until(SECOND, |e| {
            e.name == "message.created" && e.data["Message"]["Type"] == "customer"
        })
        .await;
    assert_eq!(message.data["ChatID"], chat_id);
    assert_eq!(message.data["Message"]["Message"], "Hello, I need help");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(message.id.is_some() && queued.id.is_some());

    // Grab, reply, tag, read, close: each arrives with what the screen needs.
    app.get("GrabChat", &a.token, &[]).await.ok();
    let (assigned, _) = stream.until(SECOND, is("chat.assigned")).await;
    assert_eq!(assigned.data["How"], "grabbed");
    assert_eq!(assigned.data["AgentID"], a.agent_id);
    assert_eq!(assigned.data["Chat"]["ChatType"], "open");
    let id = chat_id.to_string();
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chat_id, "MessageText": "Hi, how can I help?"}),
    )
    .await
    .ok();
    let (reply, _) = stream
        .until(SECOND, |e| {
            e.name == "message.created" && e.data["Message"]["Type"] == "agent"
        })
        .await;
    assert_eq!(reply.data["Message"]["Message"], "Hi, how can I help?");
    app.get("MarkChatRead", &a.token, &[("ChatID", &id)])
        .await
        .ok();
    stream.until(SECOND, is("chat.read")).await;
    app.get("CloseChat", &a.token, &[("ChatID", &id)])
        .await
        .ok();
    let (closed, _) = stream.until(SECOND, is("chat.closed")).await;
    assert_eq!(closed.data["Chat"]["ChatType"], "closed");
}

#[tokio::test]
async fn resuming_after_missed_events_yields_each_exactly_once_in_order() {
    let app = TestApp::spawn().await;
    let (_m, _d, a, ch) = desk(&app).await;
    let start = list_event_id(&app, &a).await;

    // Events while no stream is open.
    for i in 0..5 {
        app.waiting_chat(&ch, &format!("session-missed-{i}")).await;
    }
    let mut stream = EventClient::open(&app, &a.token, Some(&start)).await;
    let first = stream.drain(Duration::from_millis(800)).await;
    let queued: Vec<&Event> = first.iter().filter(|e| e.name == "chat.queued").collect();
    assert_eq!(queued.len(), 5, "every missed chat once: {first:#?}");
    let last = first.last().unwrap().id.clone().unwrap();
    drop(stream);

    // More while away; resume from the last id seen, by the header EventSource sends.
    app.waiting_chat(&ch, "session-later").await;
    let response = app
        .client
        .get(app.url("GetEvents"))
        .query(&[("Version", "1.0"), ("SessionToken", a.token.as_str())])
        .header("Last-Event-ID", &last)
        .send()
        .await
        .unwrap();
    let mut stream = EventClient {
        response,
        buffer: String::new(),
        comments: Vec::new(),
    };
    let second = stream.drain(Duration::from_millis(800)).await;
    let queued: Vec<&Event> = second.iter().filter(|e| e.name == "chat.queued").collect();
    assert_eq!(queued.len(), 1, "only what came after: {second:#?}");
    let mut ids: Vec<&String> = first
        .iter()
        .chain(&second)
        .filter_map(|e| e.id.as_ref())
        .collect();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "no event twice");
}

#[tokio::test]
async fn an_agent_of_another_department_never_sees_the_chat() {
    let app = TestApp::spawn().await;
    let (m, _d, a, ch) = desk(&app).await;
    let other = app.department(&m, "Sales").await;
    let outsider = app.agent(&m, &[other]).await;
    let mut theirs = EventClient::open(&app, &outsider.token, None).await;
    let mut manager = EventClient::open(&app, &m.token, None).await;
    let chat_id = app.waiting_chat(&ch, "session-private").await;
    app.get("GrabChat", &a.token, &[]).await.ok();
    app.post(
        "SendMessage",
        &a.token,
        json!({"ChatID": chat_id, "MessageText": "secret"}),
    )
    .await
    .ok();
    manager
        .until(SECOND, |e| {
            e.name == "message.created" && e.data["Message"]["Message"] == "secret"
        })
        .await;
    let seen = theirs.drain(Duration::from_millis(500)).await;
    assert!(
        seen.iter().all(|e| e.data["ChatID"] != chat_id),
        "the outsider saw the chat: {seen:#?}"
    );
}

#[tokio::test]
async fn a_bad_or_pruned_position_is_refused_or_resynced() {
    let app = TestApp::spawn().await;
    let (_m, _d, a, _ch) = desk(&app).await;
    let bad = app
        .get("GetEvents", &a.token, &[("LastEventID", "yesterday")])
        .await;
    bad.expect_field_error("LastEventID");
    app.get("GetEvents", "00000000000000000000000000000000", &[])
        .await
        .expect_error(401, "InvalidSessionToken");
    // A position this desk never handed out (far ahead): one resync, then live events.
    let mut stream = EventClient::open(&app, &a.token, Some("999999999-999999999")).await;
    let first = stream.next(SECOND).await.expect("an event");
    assert_eq!(first.name, "resync");
}

/// One session can't hold streams without end: past its share it is refused (429), while its
/// open streams and other sessions go on; a closed stream frees its place (noticed at the next
/// write to it, the heartbeat at the latest).
#[tokio::test]
async fn a_session_opening_streams_without_end_is_refused_past_its_share() {
    let app = TestApp::spawn_with(&[("EVENT_STREAMS_PER_SESSION", "3")]).await;
    let (m, d, a, ch) = desk(&app).await;
    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(EventClient::open(&app, &a.token, None).await);
    }
    // The third as a browser tab holds it: its own connection, closed whole when the tab goes.
    let tab = raw_stream(&app, &a.token).await;
    app.get("GetEvents", &a.token, &[])
        .await
        .expect_error(429, "TooManyStreams");
    let colleague = app.agent(&m, &[d]).await;
    let mut theirs = EventClient::open(&app, &colleague.token, None).await;
    let chat_id = app.waiting_chat(&ch, "session-share").await;
    for stream in open.iter_mut().chain(std::iter::once(&mut theirs)) {
        let (queued, _) = stream.until(SECOND, is("chat.queued")).await;
        assert_eq!(queued.data["ChatID"], chat_id);
    }
    drop(tab);
    let started = Instant::now();
    loop {
        // Only the status: a stream's body never ends.
        let status = app
            .client
            .get(app.url("GetEvents"))
            .query(&[("Version", "1.0"), ("SessionToken", a.token.as_str())])
            .send()
            .await
            .expect("answered")
            .status();
        if status != 429 {
            assert_eq!(status, 200, "a closed stream frees its place");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still refused");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Opens GetEvents on a connection of its own and reads the answer's head; dropping the socket
/// closes the connection as a closed browser tab does.
async fn raw_stream(app: &TestApp, token: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "GET /api/GetEvents?Version=1.0&SessionToken={token} HTTP/1.1\r\nHost: {host}\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        socket.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    socket
}

#[tokio::test]
async fn an_event_caused_through_one_instance_reaches_a_stream_on_the_other() {
    let a_app = TestApp::spawn().await;
    let b_app = a_app.beside(&[]).await;
    let (_m, _d, agent, ch) = desk(&a_app).await;
    let mut on_b = EventClient::open(&b_app, &agent.token, None).await;
    let started = Instant::now();
    let chat_id = a_app.waiting_chat(&ch, "session-cross").await;
    let (queued, _) = on_b.until(SECOND, is("chat.queued")).await;
    assert_eq!(queued.data["ChatID"], chat_id);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_logged_off_session_loses_its_stream() {
    let app = TestApp::spawn().await;
    let (_m, _d, a, _ch) = desk(&app).await;
    let mut stream = EventClient::open(&app, &a.token, None).await;
    app.get("AgentLogoff", &a.token, &[]).await.ok();
    let started = Instant::now();
    // The stream ends: reading reaches the end instead of timing out.
    let _ = stream.drain(Duration::from_secs(5)).await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the stream stayed open after logoff"
    );
}

/// On PostgreSQL, ids commit out of order: an event written by a transaction that is still open
/// holds back the events of transactions that began after it, so when it commits it is sent
/// first, and nothing after it is skipped.
#[tokio::test]
async fn an_event_committed_late_is_never_skipped() {
    if !crate::helpers::is_postgres() {
        return;
    }
    use diesel::{Connection, RunQueryDsl};
    let app = TestApp::spawn().await;
    let (_m, _d, a, ch) = desk(&app).await;
    let mut stream = EventClient::open(&app, &a.token, None).await;
    let url = app.database_url.clone();
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let (began, began_rx) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::sql_query(
                "INSERT INTO live_events (at, topic, scope, data) \
                 VALUES (now(), 12, 1, '{\"AgentID\":0,\"Name\":\"late\",\"StatusID\":4}')",
            )
            .execute(c)?;
            began.send(()).unwrap();
            hold.recv().unwrap();
            Ok(())
        })
        .unwrap();
    });
    began_rx.recv().unwrap();
    // A change that commits while the first transaction is still open.
    let chat_id = app.waiting_chat(&ch, "session-after-late").await;
    let early = stream.drain(Duration::from_millis(800)).await;
    assert!(
        early.iter().all(|e| e.data["ChatID"] != chat_id),
        "an event was sent while an older transaction was still open: {early:#?}"
    );
    release.send(()).unwrap();
    writer.join().unwrap();
    let (late, _) = stream.until(SECOND, is("agent.status")).await;
    assert_eq!(late.data["Name"], "late");
    let (queued, _) = stream.until(SECOND, is("chat.queued")).await;
    assert_eq!(queued.data["ChatID"], chat_id);
}

#[tokio::test]
async fn a_position_older_than_the_retention_gets_one_resync() {
    let app = TestApp::spawn().await;
    let (_m, _d, a, ch) = desk(&app).await;
    let start = list_event_id(&app, &a).await;
    app.waiting_chat(&ch, "session-long-ago-1").await;
    // A day and more later the events after that position are pruned.
    app.advance_clock(chrono::Duration::hours(25));
    let ctx = app.ctx.clone();
    let pruned = tokio::task::spawn_blocking(move || agentdesk::service::live_hub::prune(&ctx))
        .await
        .unwrap()
        .unwrap();
    assert!(pruned > 0);
    let again = app.logon(&a.email, crate::helpers::PASSWORD).await;
    let mut stream = EventClient::open(&app, &again.token, Some(&start)).await;
    let first = stream.next(SECOND).await.expect("an event");
    assert_eq!(first.name, "resync");
    // Then live events follow on the same stream.
    let chat_id = app.waiting_chat(&ch, "session-after-resync").await;
    let (queued, _) = stream.until(SECOND, is("chat.queued")).await;
    assert_eq!(queued.data["ChatID"], chat_id);
}
