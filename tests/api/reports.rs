//! Reports, recipients and schedules, and the scheduled-report mailer over real SMTP, driven
//! through the real `agentdesk reports send-due` command.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::helpers::{Session, TestApp};
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn reports_recipients_and_schedules() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let reports = app.get("GetReports", &m.token, &[]).await.ok();
    let list = reports["Reports"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert!(list.iter().all(|r| r["Formats"] == json!(["CSV"])
        && r["Name"].is_string()
        && r["Description"].is_string()));
    app.get("GetReports", &a.token, &[])
        .await
        .expect_error(403, "Forbidden");

    let recipient = app
        .post(
            "CreateRecipient",
            &m.token,
            json!({"FullName": "Zakes Mthini", "EmailAddress": "zakes@example.com"}),
        )
        .await
        .ok();
    assert_eq!(recipient["RecipientID"], 1);
    app.post(
        "CreateRecipient",
        &m.token,
        json!({"FullName": "X", "EmailAddress": "nope"}),
    )
    .await
    .expect_field_error("EmailAddress");
    app.post(
        "CreateRecipient",
        &a.token,
        json!({"FullName": "X", "EmailAddress": "x@example.com"}),
    )
    .await
    .expect_error(403, "Forbidden");

    // The seed's body, as written.
    let seed = json!({"RecipientID": "1", "ReportID": "1", "Format": "CSV", "Grouping": ["WEEK", "MONTH"], "Delivery": "EMAIL",
                      "ScheduledDay": ["1", "2", "3", "4", "5"], "ScheduledTime": "16:30"});
    let schedule = app
        .post("CreateReportSchedule", &m.token, seed.clone())
        .await
        .ok();
    assert_eq!(schedule["Grouping"], json!(["WEEK", "MONTH"]));
    assert_eq!(schedule["ScheduledDay"], json!([1, 2, 3, 4, 5]));
    assert_eq!(schedule["ScheduledTime"], "16:30");
    assert!(schedule["NextSendAt"]
        .as_str()
        .unwrap()
        .ends_with("16:30:00Z"));
    assert!(schedule["LastSentAt"].is_null());
    let bad = |field: &str, value: Value| {
        let mut body = seed.clone();
        body[field] = value;
        body
    };
    for (field, value) in [
        ("RecipientID", json!(99)),
        ("ReportID", json!(9)),
        ("Format", json!("PDF")),
        ("Grouping", json!(["YEAR"])),
        ("Grouping", json!([])),
        ("Delivery", json!("FAX")),
        ("ScheduledDay", json!(["8"])),
        ("ScheduledTime", json!("24:00")),
    ] {
        app.post("CreateReportSchedule", &m.token, bad(field, value))
            .await
            .expect_field_error(field);
    }
    app.post("CreateReportSchedule", &a.token, seed.clone())
        .await
        .expect_error(403, "Forbidden");
    let recipients = app.get("GetRecipients", &m.token, &[]).await.ok();
    assert_eq!(
        recipients["Recipients"][0]["Schedules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let id = schedule["ScheduleID"].as_i64().unwrap().to_string();
    app.delete("DeleteReportSchedule", &m.token, &[("ScheduleID", &id)])
        .await
        .ok();
    app.delete("DeleteReportSchedule", &m.token, &[("ScheduleID", &id)])
        .await
        .expect_error(404, "NotFound");
    app.post("CreateReportSchedule", &m.token, seed).await.ok();
    app.delete("DeleteRecipient", &m.token, &[("RecipientID", "1")])
        .await
        .ok();
    assert_eq!(
        app.get("GetRecipients", &m.token, &[]).await.ok()["Recipients"],
        json!([])
    );
    app.delete("DeleteRecipient", &m.token, &[("RecipientID", "1")])
        .await
        .expect_error(404, "NotFound");
}

/// The week the test desk's history is made in (its clock is set to that Wednesday noon), and
/// next Monday 08:00 UTC: a weekly report sent then covers that week.
fn weeks() -> (NaiveDate, String) {
    let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    (monday, format!("{}T08:00:00Z", monday + Duration::days(7)))
}

fn later(at: &str, minutes: i64) -> String {
    let t = chrono::DateTime::parse_from_rfc3339(at).unwrap() + Duration::minutes(minutes);
    t.with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Runs `agentdesk reports send-due --at` as a separate process, as an operator (or cron) would.
async fn send_due(app: &TestApp, smtp_url: &str, at: &str) -> Value {
    let (url, smtp, at) = (app.database_url.clone(), smtp_url.to_owned(), at.to_owned());
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_agentdesk"))
            .args(["reports", "send-due", "--at", &at])
            .env("DATABASE_URL", url)
            .env("SMTP_URL", smtp)
            .env("MAIL_FROM", "Desk Reports <reports@example.com>")
            .env("RUST_LOG", "warn")
            .output()
            .expect("agentdesk runs");
        assert!(
            out.status.success(),
            "send-due failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).expect("a JSON summary")
    })
    .await
    .unwrap()
}

/// A week with one answered chat whose wait, first response and handle times are 60, 30 and 300 s.
async fn desk_with_a_week(app: &TestApp) -> Session {
    app.set_clock("2026-11-25T12:00:00Z");
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let chat = app.waiting_chat(&ch, "session-0001").await;
    app.get("AssignChat", &m.token, &[("ChatID", &chat.to_string())])
        .await
        .ok();
    app.post(
        "SendMessage",
        &m.token,
        json!({"ChatID": chat, "MessageText": "Hello"}),
    )
    .await
    .ok();
    app.get("CloseChat", &m.token, &[("ChatID", &chat.to_string())])
        .await
        .ok();
    for (kind, seconds) in [(2, 60), (3, 30), (6, 300)] {
        app.sql_set_seconds(kind, chat, seconds).await;
    }
    app.post(
        "CreateRecipient",
        &m.token,
        json!({"FullName": "Zakes Mthini", "EmailAddress": "zakes@example.com"}),
    )
    .await
    .ok();
    let schedule = json!({"RecipientID": 1, "ReportID": 1, "Format": "CSV", "Grouping": ["WEEK"], "Delivery": "EMAIL",
                          "ScheduledDay": ["1"], "ScheduledTime": "08:00"});
    app.post("CreateReportSchedule", &m.token, schedule)
        .await
        .ok();
    m
}

/// The named attachment's text (7bit, quoted-printable or base64) out of a raw mail.
fn attachment(mail: &str, file_name: &str) -> String {
    use base64::Engine;
    let at = [
        format!("filename=\"{file_name}\""),
        format!("filename*0=\"{file_name}\""),
    ]
    .iter()
    .find_map(|needle| mail.find(needle.as_str()))
    .unwrap_or_else(|| panic!("{file_name} attached:\n{mail}"));
    let part = &mail[at..];
    let body_start = part.find("\n\n").expect("part headers end") + 2;
    let body: String = part[body_start..]
        .lines()
        .take_while(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    let headers = &part[..body_start];
    if headers.contains("Content-Transfer-Encoding: base64") {
        let raw: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .unwrap(),
        )
        .unwrap()
    } else if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        quoted_printable(&body)
    } else {
        body
    }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn a_weekly_report_arrives_once_over_smtp() {
    let sink = SmtpSink::start(0).await;
    let app = TestApp::spawn().await;
    let m = desk_with_a_week(&app).await;
    let (monday, at) = weeks();

    // Before the slot nothing is due.
    assert_eq!(
        send_due(&app, &sink.url(), &later(&at, -1)).await["Sent"],
        0
    );
    // The server was down at 08:00 and comes back at 11:00: the report still goes, once.
    let first = send_due(&app, &sink.url(), &later(&at, 180)).await;
    assert_eq!(
        (first["RunsCreated"].as_i64(), first["Sent"].as_i64()),
        (Some(1), Some(1)),
        "{first}"
    );
    let mails = sink.wait_for(1, 10).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(
        mail.contains("zakes@example.com")
            && mail.contains("Subject: agentdesk: Chat summary report for"),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("WEEK {monday} to {}", monday + Duration::days(6))),
        "{mail}"
    );
    let csv = attachment(mail, &format!("chat-summary-week-{monday}.csv"));
    let lines: Vec<&str> = csv.lines().map(|l| l.trim_end_matches('\r')).collect();
    assert_eq!(lines[0], "Date,ChatsStarted,ChatsQueued,ChatsAssigned,ChatsTransferred,ChatsClosed,ChatsMissed,MessagesIn,MessagesOut,AverageWaitSeconds,AverageFirstResponseSeconds,AverageHandleSeconds,CsatScore,CsatResponses,CsatResponseRate");
    assert_eq!(lines.len(), 9, "seven days and a total: {csv}");
    assert_eq!(
        lines[1].split(',').next(),
        Some(monday.to_string().as_str())
    );
    // Closed with AskForRating on: one rating request, no rating yet.
    assert_eq!(lines[8], "Total,1,1,1,0,1,0,1,1,60.0,30.0,300.0,,0,0.0");

    // A second pass, and a restarted process, send nothing more.
    for minutes in [181, 240] {
        let again = send_due(&app, &sink.url(), &later(&at, minutes)).await;
        assert_eq!(
            (again["RunsCreated"].as_i64(), again["Sent"].as_i64()),
            (Some(0), Some(0)),
            "{again}"
        );
    }
    assert_eq!(sink.mails().len(), 1);
    let recipients = app.get("GetRecipients", &m.token, &[]).await.ok();
    let schedule = &recipients["Recipients"][0]["Schedules"][0];
    assert_eq!(schedule["LastState"], "sent");
    assert!(schedule["LastSentAt"].is_string());
    // A day late is too late: the next week's slot is not caught up after more than a day.
    assert_eq!(
        send_due(&app, &sink.url(), &later(&at, 7 * 24 * 60 + 25 * 60)).await["RunsCreated"],
        0
    );
}

#[tokio::test]
async fn concurrent_passes_send_one_report() {
    let sink = SmtpSink::start(0).await;
    let app = TestApp::spawn().await;
    desk_with_a_week(&app).await;
    let (_, at) = weeks();
    let smtp = sink.url();
    let passes = (0..4).map(|_| send_due(&app, &smtp, &at));
    let results = futures_util::future::join_all(passes).await;
    let sent: i64 = results.iter().map(|r| r["Sent"].as_i64().unwrap()).sum();
    assert_eq!(sent, 1, "{results:?}");
    assert_eq!(sink.wait_for(1, 5).await.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 1);
}

#[tokio::test]
async fn a_refused_send_is_retried_and_its_error_shown() {
    let sink = SmtpSink::start(1).await;
    let app = TestApp::spawn().await;
    let m = desk_with_a_week(&app).await;
    let (_, at) = weeks();
    let first = send_due(&app, &sink.url(), &at).await;
    assert_eq!(
        (first["Sent"].as_i64(), first["Failed"].as_i64()),
        (Some(0), Some(1)),
        "{first}"
    );
    let recipients = app.get("GetRecipients", &m.token, &[]).await.ok();
    let schedule = &recipients["Recipients"][0]["Schedules"][0];
    assert_eq!(schedule["LastState"], "pending");
    assert!(
        schedule["LastError"].as_str().unwrap().contains("451"),
        "{schedule}"
    );
    // Too early for the retry (REPORT_RETRY_SECONDS = 60), then due.
    assert_eq!(send_due(&app, &sink.url(), &later(&at, 0)).await["Sent"], 0);
    assert_eq!(send_due(&app, &sink.url(), &later(&at, 2)).await["Sent"], 1);
    assert_eq!(sink.wait_for(1, 5).await.len(), 1);
}

#[tokio::test]
async fn a_send_cut_off_midway_is_marked_not_repeated() {
    let sink = SmtpSink::start(0).await;
    let app = TestApp::spawn().await;
    let m = desk_with_a_week(&app).await;
    let (_, at) = weeks();
    // A pass that found the report due but died while sending: the run is left `sending`.
    let dead_smtp = "smtp://127.0.0.1:1";
    assert_eq!(send_due(&app, dead_smtp, &at).await["Failed"], 1);
    app.sql("UPDATE report_runs SET state = 2, lease_until = '2000-01-01 00:00:00'")
        .await;
    let next = send_due(&app, &sink.url(), &later(&at, 5)).await;
    assert_eq!(
        (next["Interrupted"].as_i64(), next["Sent"].as_i64()),
        (Some(1), Some(0)),
        "{next}"
    );
    let recipients = app.get("GetRecipients", &m.token, &[]).await.ok();
    assert_eq!(
        recipients["Recipients"][0]["Schedules"][0]["LastState"],
        "interrupted"
    );
    assert!(sink.mails().is_empty());
}

/// The headers and decoded body of every leaf part of a raw mail, in order (nested multiparts
/// walked by their boundaries).
fn leaf_parts(mail: &str) -> Vec<(String, Vec<u8>)> {
    use base64::Engine;
    fn boundary(headers: &str) -> Option<String> {
        let at = headers.find("boundary=")? + "boundary=".len();
        let rest = headers[at..].trim_start_matches('"');
        Some(rest[..rest.find(['"', '\n', ';']).unwrap_or(rest.len())].to_owned())
    }
    fn walk(part: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let split = part.find("\n\n").unwrap_or(part.len());
        let (headers, body) = (&part[..split], part.get(split + 2..).unwrap_or(""));
        match boundary(headers).filter(|_| headers.contains("Content-Type: multipart/")) {
            Some(b) => {
                let marker = format!("--{b}");
                for inner in body.split(marker.as_str()).skip(1) {
                    if !inner.starts_with("--") {
                        walk(inner.trim_start_matches('\n'), out);
                    }
                }
            }
            None => {
                let bytes = if headers.contains("Content-Transfer-Encoding: base64") {
                    let raw: String = body.split_whitespace().collect();
                    base64::engine::general_purpose::STANDARD
                        .decode(raw)
                        .expect("base64 body")
                } else if headers.contains("Content-Transfer-Encoding: quoted-printable") {
                    quoted_printable(body).into_bytes()
                } else {
                    body.as_bytes().to_vec()
                };
                out.push((headers.to_owned(), bytes));
            }
        }
    }
    let mut parts = Vec::new();
    walk(&mail.replace("\r\n", "\n"), &mut parts);
    parts
}

#[tokio::test]
async fn a_report_mail_has_text_html_a_chart_and_the_csv() {
    let app = TestApp::spawn().await;
    desk_with_a_week(&app).await;
    let (monday, at) = weeks();
    let ctx = app.ctx.clone();
    let at = chrono::DateTime::parse_from_rfc3339(&at)
        .unwrap()
        .naive_utc();
    let summary = tokio::task::spawn_blocking(move || {
        agentdesk::service::reports::send_due(&ctx, at).expect("a pass")
    })
    .await
    .unwrap();
    assert_eq!(summary.sent, 1, "{summary:?}");
    let mails = app.wait_for_mails(1).await;
    assert_eq!(mails.len(), 1, "one .eml in MAIL_OUTBOX_DIR");
    let mail = &mails[0].replace("\r\n", "\n");
    assert!(mail.contains("Content-Type: multipart/mixed"), "{mail}");
    assert!(
        mail.contains("Content-Type: multipart/alternative"),
        "{mail}"
    );
    assert!(mail.contains("Content-Type: multipart/related"), "{mail}");

    let parts = leaf_parts(mail);
    let find = |content_type: &str| {
        parts
            .iter()
            .find(|(headers, _)| headers.contains(&format!("Content-Type: {content_type}")))
            .unwrap_or_else(|| panic!("a {content_type} part in\n{mail}"))
    };
    let (_, text) = find("text/plain");
    let text = String::from_utf8_lossy(text);
    assert!(text.contains("Hello Zakes Mthini"), "{text}");
    assert!(
        text.contains("chats started 1, closed 1, missed 0"),
        "{text}"
    );

    let (_, html) = find("text/html");
    let html = String::from_utf8_lossy(html);
    assert!(html.contains("<b>Chat summary</b> report"), "{html}");
    assert!(
        html.contains(&format!("WEEK {monday} to {}", monday + Duration::days(6))),
        "{html}"
    );
    assert!(html.contains("60.0&nbsp;s"), "the average wait: {html}");

    let (png_headers, png) = find("image/png");
    let content_id = png_headers
        .lines()
        .find_map(|l| l.strip_prefix("Content-ID: <"))
        .and_then(|id| id.strip_suffix('>'))
        .unwrap_or_else(|| panic!("the image has a Content-ID: {png_headers}"));
    assert!(
        html.contains(&format!("src=\"cid:{content_id}\"")),
        "{html}"
    );
    assert!(
        png_headers.contains("Content-Disposition: inline"),
        "{png_headers}"
    );
    let mut reader = png::Decoder::new(png.as_slice())
        .read_info()
        .expect("a valid PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("a whole PNG");
    assert_eq!((frame.width, frame.height), (640, 260));

    let csv = attachment(mail, &format!("chat-summary-week-{monday}.csv"));
    assert!(
        csv.contains("Total,1,1,1,0,1,0,1,1,60.0,30.0,300.0"),
        "{csv}"
    );
}
