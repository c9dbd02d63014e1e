//! The desk under abuse, tried as an attacker would over real HTTP: bodies that never end, floods
//! of logons and resets, guesses from one address against another's account. Each test reproduces
//! an attack and asserts the behaviour (413, 429, 503, nothing lost); memory and latency figures
//! are for `benches/abuse.sh`, not for tests.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{reset_code, TestApp, PASSWORD};

/// What a raw client saw: the status line's code, the response's first bytes, and how many body
/// bytes it managed to send before the server stopped reading.
struct RawOutcome {
    status: u16,
    response: String,
    sent: usize,
}

/// Sends `head` then streams `chunk` as HTTP/1.1 chunked pieces, one a millisecond (a fast
/// network's pace), until `max` bytes went out or the server stops taking them, while reading
/// whatever the server answers.
async fn stream_chunked(app: &TestApp, head: String, chunk: Vec<u8>, max: usize) -> RawOutcome {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        let mut sent = 0;
        if writer.write_all(head.as_bytes()).await.is_err() {
            return sent;
        }
        let frame = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk,
            b"\r\n".to_vec(),
        ]
        .concat();
        while sent < max {
            let write = tokio::time::timeout(Duration::from_secs(5), writer.write_all(&frame));
            match write.await {
                Ok(Ok(())) => sent += frame.len(),
                _ => break,
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        sent
    });
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), reader.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                response.extend_from_slice(&buf[..n]);
                if response.windows(4).any(|w| w == b"\r\n\r\n") && response.len() > 100 {
                    break;
                }
            }
        }
    }
    drop(reader);
    let sent = sender.await.unwrap_or(0);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    RawOutcome {
        status,
        response,
        sent,
    }
}

fn chunked_head(path: &str, content_type: &str, extra: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n{extra}Transfer-Encoding: chunked\r\n\r\n"
    )
}

const MIB: usize = 1024 * 1024;

/// Posts `body` as one chunk of a chunked JSON request (no declared length) and returns the raw
/// answer.
async fn chunked_post(app: &TestApp, path: &str, body: &[u8]) -> String {
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut request = chunked_head(path, "application/json", "Connection: close\r\n").into_bytes();
    request.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
    request.extend_from_slice(body);
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    s.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_chunked_body_that_trickles_is_cut_off_and_holds_up_nobody() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let head = chunked_head(
        &format!("/api/SendMessage?Version=1&SessionToken={}", m.token),
        "application/json",
        "",
    );
    // One byte every 300 ms: far under any limit, and it never ends.
    let trickle = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await.ok();
        while writer.write_all(b"1\r\n \r\n").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    // Meanwhile everyone else is served.
    app.get("GetDepartmentList", &m.token, &[]).await.ok();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(30), reader.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the trickle was still being read after 30 s"),
        }
    }
    trickle.abort();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains(r#""Body""#), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_chunked_body_that_never_ends_is_refused_at_its_limit() {
    let app = TestApp::spawn().await;
    // Multipart without a boundary line in sight: the parser would buffer it all.
    let multipart = stream_chunked(
        &app,
        chunked_head(
            "/api/AgentLogon?Version=1",
            "multipart/form-data; boundary=XyZ",
            "",
        ),
        vec![b'a'; 64 * 1024],
        256 * MIB,
    )
    .await;
    assert_eq!(multipart.status, 413, "{}", multipart.response);
    assert!(multipart.response.contains("PayloadTooLarge"));
    assert!(
        multipart.sent < 64 * MIB,
        "the server kept reading: {} bytes went in",
        multipart.sent
    );
    // The same as JSON.
    let json_body = stream_chunked(
        &app,
        chunked_head("/api/AgentLogon?Version=1", "application/json", ""),
        vec![b' '; 64 * 1024],
        256 * MIB,
    )
    .await;
    assert_eq!(json_body.status, 413, "{}", json_body.response);
    assert!(
        json_body.sent < 64 * MIB,
        "{} bytes went in",
        json_body.sent
    );
    // The desk is fine afterwards.
    app.manager().await;
}

#[tokio::test]
async fn multipart_parts_and_part_headers_are_capped() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let url = app.url("UpdateSettings");
    let many_parts = (0..40).fold(reqwest::multipart::Form::new(), |form, i| {
        form.text(format!("Field{i}"), "x")
    });
    app.raw(
        app.client
            .post(&url)
            .query(&[("Version", "1"), ("SessionToken", m.token.as_str())])
            .multipart(many_parts),
    )
    .await
    .expect_error(413, "PayloadTooLarge");
    let long_name = "n".repeat(9_000);
    let big_header = reqwest::multipart::Form::new().text(long_name, "x");
    app.raw(
        app.client
            .post(&url)
            .query(&[("Version", "1"), ("SessionToken", m.token.as_str())])
            .multipart(big_header),
    )
    .await
    .expect_error(413, "PayloadTooLarge");
}

#[tokio::test]
async fn an_upload_over_max_attachment_mb_is_refused_before_its_body_is_read() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.post(
        "UpdateSettings",
        &m.token,
        json!({"Settings": [{"MaxAttachmentMB": 1}]}),
    )
    .await
    .ok();
    // Headers declaring 30 MB, and not one byte of body: the answer comes anyway.
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/SendMessage?Version=1&SessionToken={} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        m.token,
        30 * MIB
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("PayloadTooLarge"), "{answer}");
    // A chunked upload is cut off as it passes the limit (1 MB as base64, plus room for fields).
    let chunked = stream_chunked(
        &app,
        chunked_head(
            &format!("/api/SendMessage?Version=1&SessionToken={}", m.token),
            "application/json",
            "",
        ),
        vec![b'A'; 64 * 1024],
        128 * MIB,
    )
    .await;
    assert_eq!(chunked.status, 413, "{}", chunked.response);
    assert!(chunked.sent < 64 * MIB, "{} bytes went in", chunked.sent);
}

#[tokio::test]
async fn uploads_in_flight_are_bounded_and_the_rest_wait_then_get_503() {
    let app = TestApp::spawn_with(&[("UPLOAD_CONCURRENCY", "1"), ("BUSY_WAIT_MS", "300")]).await;
    let m = app.manager().await;
    // One upload holds the only place: its body arrives slowly and never ends.
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(
        chunked_head(
            &format!("/api/SendMessage?Version=1&SessionToken={}", m.token),
            "application/json",
            "",
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    slow.write_all(b"5\r\n{\"Cha\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A second body of undeclared length (it could be any size) finds no place.
    let send_path = format!("/api/SendMessage?Version=1&SessionToken={}", m.token);
    let text = br#"{"ChatID": 1, "MessageText": "hi"}"#;
    let busy = chunked_post(&app, &send_path, text).await;
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    assert!(busy.contains("ServerBusy"), "{busy}");
    assert!(busy.to_ascii_lowercase().contains("retry-after"), "{busy}");
    // A text message (a small declared body) is not held up by uploads, nor are reads.
    app.post(
        "SendMessage",
        &m.token,
        json!({"ChatID": 1, "MessageText": "hi"}),
    )
    .await
    .expect_error(404, "ChatNotFound");
    app.get("GetSettings", &m.token, &[]).await.ok();
    // Once the slow upload is gone, the place is free again.
    drop(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let served = chunked_post(&app, &send_path, text).await;
    assert!(served.starts_with("HTTP/1.1 404"), "{served}");
    assert!(served.contains("ChatNotFound"), "{served}");
}

#[tokio::test]
async fn password_checks_are_bounded_and_a_flood_gets_503_not_memory() {
    let app =
        TestApp::spawn_with(&[("PASSWORD_HASH_CONCURRENCY", "1"), ("BUSY_WAIT_MS", "50")]).await;
    let m = app.manager().await;
    let flood = (0..24).map(|i| {
        let app = &app;
        async move {
            app.logon_reply(&format!("nobody{i}@example.com"), "whatever-pass")
                .await
        }
    });
    let replies = futures_util::future::join_all(flood).await;
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(!busy.is_empty(), "some attempts found no place");
    for r in &busy {
        r.expect_error(503, "ServerBusy");
        assert!(r.headers.contains_key("retry-after"));
    }
    assert!(
        replies.iter().all(|r| [401, 503].contains(&r.status)),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    // An agent already logged on is served meanwhile and afterwards.
    app.get("GetSettings", &m.token, &[]).await.ok();
}

/// A logon through our proxy (TRUSTED_PROXIES covers the test client) from `client`.
async fn logon_from(app: &TestApp, client: &str, email: &str, password: &str) -> u16 {
    app.raw(
        app.client
            .post(app.url("AgentLogon"))
            .query(&[("Version", "1")])
            .header("X-Forwarded-For", client)
            .json(&json!({"EmailAddress": email, "Password": password})),
    )
    .await
    .status
}

#[tokio::test]
async fn guesses_from_one_address_do_not_lock_the_owner_out() {
    let app = TestApp::spawn_with(&[("TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    let m = app.manager().await;
    for _ in 0..5 {
        assert_eq!(
            logon_from(&app, "203.0.113.5", &m.email, "wrong-guess").await,
            401
        );
    }
    // The guesser is refused, even with the right password...
    assert_eq!(
        logon_from(&app, "203.0.113.5", &m.email, PASSWORD).await,
        429
    );
    // ...and the owner, from where they work, is not.
    assert_eq!(
        logon_from(&app, "198.51.100.7", &m.email, PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn a_forwarded_for_header_is_ignored_without_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    // Rotating the header from one peer changes nothing: the peer is the source.
    for i in 0..5 {
        let ip = format!("203.0.113.{i}");
        assert_eq!(logon_from(&app, &ip, &m.email, "wrong-guess").await, 401);
    }
    assert_eq!(
        logon_from(&app, "198.51.100.9", &m.email, PASSWORD).await,
        429
    );
}

#[tokio::test]
async fn an_address_spraying_unknown_accounts_is_throttled_and_counted_in_batches() {
    let app = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
        ("LOGON_MAX_FAILURES_PER_ADDRESS", "6"),
    ])
    .await;
    let m = app.manager().await;
    for i in 0..6 {
        let email = format!("nobody{i}@example.com");
        assert_eq!(
            logon_from(&app, "203.0.113.9", &email, "x-pass-1").await,
            401
        );
    }
    // No write per failed guess at an unknown address; they are written together, once a second.
    let written = || {
        app.sql_strings(
            "SELECT CAST(COUNT(*) AS TEXT) AS value FROM logon_failures WHERE source = '203.0.113.9'",
        )
    };
    // Written in batches by a once-a-second flush, so at this instant anything from none to all.
    let before: i64 = written().await[0].parse().unwrap();
    assert!((0..=6).contains(&before), "{before}");
    assert_eq!(
        logon_from(&app, "203.0.113.9", "nobody9@example.com", "x-pass-1").await,
        429
    );
    // Nor may the sprayer try a real account.
    assert_eq!(
        logon_from(&app, "203.0.113.9", &m.email, PASSWORD).await,
        429
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(written().await, ["6"]);
    // Another address is not affected.
    assert_eq!(
        logon_from(&app, "198.51.100.1", &m.email, PASSWORD).await,
        200
    );
}

#[tokio::test]
async fn reset_requests_can_neither_spam_nor_block_the_owner() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let reset = |email: String| {
        let app = &app;
        async move {
            app.call(
                reqwest::Method::POST,
                "RequestPasswordReset",
                None,
                &[],
                Some(json!({"EmailAddress": email})),
            )
            .await
        }
    };
    let first = reset(m.email.clone()).await;
    let first_mail = app.wait_for_mails(1).await;
    assert_eq!(first_mail.len(), 1);
    let first_code = reset_code(&first_mail[0]);
    let unknown = reset("nobody@example.com".into()).await;
    assert_eq!(first.body, unknown.body, "the same answer either way");
    for _ in 0..20 {
        reset(m.email.clone()).await.ok();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.mails().len(), 3, "at most three reset mails per window");
    // The first code, sent before the flood, still works.
    app.set_password(&first_code, "a-new-password-1").await.ok();
    app.logon(&m.email, "a-new-password-1").await;
}

/// A flood of new chats while the cached configuration is stale, on a pool of two connections:
/// each write reads what it needs on its own connection, so none waits for a second one (on
/// PostgreSQL that left every connection waiting for another, and customers got 503s).
#[tokio::test]
async fn a_flood_of_new_chats_on_a_small_pool_is_answered_in_full() {
    let app = TestApp::spawn_with(&[
        ("DATABASE_POOL_SIZE", "2"),
        ("DATABASE_TIMEOUT_SECONDS", "3"),
    ])
    .await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    // Past the caches' one second, so the first writes of the flood reload them.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let sessions: Vec<String> = (0..24).map(|i| format!("session-flood-{i:04}")).collect();
    let replies = futures_util::future::join_all(
        sessions
            .iter()
            .map(|session| app.customer_says(&ch, session, "Hello", json!({}))),
    )
    .await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}
