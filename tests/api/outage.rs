//! The database going away: PostgreSQL unreachable (through a proxy the test cuts) or a SQLite
//! file locked by another process. Requests answer 503 `DatabaseUnavailable` with `Retry-After`
//! within `DATABASE_TIMEOUT_SECONDS`, nothing acknowledged is lost, and the desk serves again as
//! soon as the database is back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::channel_helpers::Channel;
use crate::helpers::{is_postgres, postgres_host_port, Reply, Session, TestApp};

/// A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones closed at once)
/// and restored.
struct DbProxy {
    address: String,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl DbProxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (is_up, held) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !is_up.load(Ordering::SeqCst) {
                    continue;
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                held.lock().unwrap().push(link.abort_handle());
            }
        });
        Self { address, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn desk(app: &TestApp) -> (Session, Channel) {
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    (m, ch)
}

/// Asserts a 503 `DatabaseUnavailable` with `Retry-After`, answered in good time.
#[track_caller]
fn assert_unavailable(reply: &Reply, took: Duration) {
    reply.expect_error(503, "DatabaseUnavailable");
    assert!(
        reply.headers.contains_key("retry-after"),
        "{:?}",
        reply.headers
    );
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

/// Calls until the desk answers 200, for at most `within`; returns how long it took.
async fn until_served(app: &TestApp, m: &Session, within: Duration) -> Duration {
    let started = Instant::now();
    while started.elapsed() < within {
        if app.get("GetDepartmentList", &m.token, &[]).await.status == 200 {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the desk did not serve again within {within:?}");
}

#[tokio::test]
async fn postgres_going_away_is_a_503_and_the_desk_recovers() {
    if !is_postgres() {
        return; // SQLite's own outage is a locked file: see the next test.
    }
    let target = match postgres_host_port() {
        hp if hp.contains(':') => hp,
        host => format!("{host}:5432"),
    };
    let proxy = DbProxy::start(target).await;
    let app = TestApp::spawn_through(&proxy.address, &[("DATABASE_TIMEOUT_SECONDS", "1")]).await;
    let (m, ch) = desk(&app).await;
    for i in 0..5 {
        app.customer_says(&ch, &format!("before-outage-{i:03}"), "hello", json!({}))
            .await
            .ok();
    }
    proxy.cut();
    for _ in 0..3 {
        let started = Instant::now();
        let read = app.get("GetDepartmentList", &m.token, &[]).await;
        assert_unavailable(&read, started.elapsed());
        let started = Instant::now();
        let write = app
            .customer_says(&ch, "during-outage-001", "anyone?", json!({}))
            .await;
        assert_unavailable(&write, started.elapsed());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    proxy.restore();
    until_served(&app, &m, Duration::from_secs(5)).await;
    let list = app.get("GetChatList", &m.token, &[]).await.ok();
    assert_eq!(
        list["Cursor"]["Total"], 5,
        "every acknowledged chat is there"
    );
}

#[tokio::test]
async fn a_locked_sqlite_file_is_a_503_for_writes_and_the_desk_recovers() {
    if is_postgres() {
        return;
    }
    let app = TestApp::spawn_with(&[("DATABASE_TIMEOUT_SECONDS", "1")]).await;
    let (m, ch) = desk(&app).await;
    app.customer_says(&ch, "before-lock-0001", "hello", json!({}))
        .await
        .ok();
    // Another process takes the write lock for three seconds.
    let path = app.database_url.clone();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut other = diesel::SqliteConnection::establish(&path).unwrap();
        // Waits for a write of the server's own background work, if one is under way, instead of
        // failing with SQLITE_BUSY (seen once in a full run under faketime).
        other
            .batch_execute("PRAGMA busy_timeout = 5000; BEGIN EXCLUSIVE")
            .unwrap();
        locked_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_secs(3));
        other.batch_execute("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    let started = Instant::now();
    let write = app
        .customer_says(&ch, "during-lock-0001", "anyone?", json!({}))
        .await;
    assert_unavailable(&write, started.elapsed());
    // Reads go on: the lock blocks writers only.
    app.get("GetDepartmentList", &m.token, &[]).await.ok();
    holder.join().unwrap();
    until_served(&app, &m, Duration::from_secs(5)).await;
    app.customer_says(&ch, "after-lock-0001", "back?", json!({}))
        .await
        .ok();
    let list = app.get("GetChatList", &m.token, &[]).await.ok();
    assert_eq!(list["Cursor"]["Total"], 2);
}
