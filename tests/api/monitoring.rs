//! `GET /metrics`: Prometheus' text format, without a session, on the main listener or only on
//! `METRICS_BIND`'s.

use crate::channel_helpers::Channel;
use crate::helpers::TestApp;

/// The value of one series (`name{labels}` exactly as exposed), if it is there.
fn value(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let rest = line.strip_prefix(series)?.strip_prefix(' ')?;
        rest.trim().parse().ok()
    })
}

#[track_caller]
fn expect(exposition: &str, series: &str) -> f64 {
    value(exposition, series).unwrap_or_else(|| panic!("{series} in\n{exposition}"))
}

async fn scrape(address: &str) -> (u16, String, String) {
    let response = reqwest::get(format!("{address}/metrics")).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_show_the_pool_queues_backlogs_and_memory() {
    let app = TestApp::spawn_with(&[("METRICS_ON_MAIN_LISTENER", "true")]).await;
    let m = app.manager().await;
    let department = app.department(&m, "Support").await;
    let agent = app.agent(&m, &[department]).await;
    let ch: Channel = app.channel(&m, "https://chat.example.com").await;
    let first = app.waiting_chat(&ch, "session-0001").await;
    app.waiting_chat(&ch, "session-0002").await;
    app.get(
        "AssignChat",
        &agent.token,
        &[("ChatID", &first.to_string())],
    )
    .await
    .ok();
    // A reply for a channel server that isn't there: a delivery that can't be made.
    app.post(
        "SendMessage",
        &agent.token,
        serde_json::json!({"ChatID": first, "MessageText": "Hello"}),
    )
    .await
    .ok();
    for _ in 0..3 {
        app.get("GetDepartmentList", &m.token, &[]).await.ok();
    }
    app.get("GetDepartmentList", "not-a-token", &[])
        .await
        .expect_error(401, "InvalidSessionToken");
    let probe = app
        .client
        .get(format!("{}/wp-admin/setup-config.php", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(probe.status(), 404);

    // No session: a scraper has none.
    let (status, content_type, text) = scrape(&app.address).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );

    let requests = "agentdesk_http_request_duration_seconds";
    let route = r#"endpoint="/api/GetDepartmentList""#;
    assert_eq!(
        expect(
            &text,
            &format!("{requests}_count{{{route},status=\"200\"}}")
        ),
        3.0
    );
    assert_eq!(
        expect(
            &text,
            &format!("{requests}_count{{{route},status=\"401\"}}")
        ),
        1.0
    );
    assert!(text.contains(&format!(
        "{requests}_bucket{{{route},status=\"200\",le=\"0.005\"}}"
    )));
    // Unknown paths share one series; a raw path never becomes a label.
    assert!(
        expect(
            &text,
            &format!("{requests}_count{{endpoint=\"unmatched\",status=\"404\"}}")
        ) >= 1.0
    );
    assert!(!text.contains("wp-admin"), "{text}");

    let d = format!("department=\"{department}\"");
    assert_eq!(expect(&text, &format!("agentdesk_queue_chats{{{d}}}")), 1.0);
    assert!(
        expect(
            &text,
            &format!("agentdesk_queue_oldest_wait_seconds{{{d}}}")
        ) >= 0.0
    );
    assert_eq!(expect(&text, &format!("agentdesk_chats_open{{{d}}}")), 1.0);
    let undelivered: f64 = ["pending", "sending", "failed"]
        .iter()
        .map(|state| expect(&text, &format!("agentdesk_deliveries{{state=\"{state}\"}}")))
        .sum();
    assert!(undelivered >= 1.0, "{text}");
    expect(&text, "agentdesk_delivery_oldest_due_seconds");
    for state in ["pending", "sending", "sent", "failed", "interrupted"] {
        assert_eq!(
            expect(
                &text,
                &format!("agentdesk_report_runs{{state=\"{state}\"}}")
            ),
            0.0
        );
    }
    assert_eq!(expect(&text, "agentdesk_database_gauges_ok"), 1.0);

    assert_eq!(expect(&text, "agentdesk_db_pool_max_connections"), 10.0);
    expect(&text, "agentdesk_db_pool_connections{state=\"idle\"}");
    expect(&text, "agentdesk_db_pool_connections{state=\"in_use\"}");
    assert!(expect(&text, "agentdesk_db_pool_checkout_seconds_count") >= 5.0);
    assert_eq!(expect(&text, "agentdesk_db_pool_timeouts_total"), 0.0);
    // How chat reads were answered: both series show, counted from 0.
    expect(&text, "agentdesk_chat_answers_total{outcome=\"kept\"}");
    expect(&text, "agentdesk_chat_answers_total{outcome=\"computed\"}");
    assert!(expect(&text, "process_resident_memory_bytes") > 1_000_000.0);

    // The scrape itself is counted, under its route.
    let (_, _, again) = scrape(&app.address).await;
    assert!(
        expect(
            &again,
            &format!("{requests}_count{{endpoint=\"/metrics\",status=\"200\"}}")
        ) >= 1.0
    );
}

#[tokio::test]
async fn metrics_bind_serves_them_on_their_own_address_and_not_on_the_desks() {
    let app = TestApp::spawn_with(&[("METRICS_BIND", "127.0.0.1:0")]).await;
    let m = app.manager().await;
    app.get("GetSettings", &m.token, &[]).await.ok();

    let (status, _, _) = scrape(&app.address).await;
    assert_eq!(status, 404, "not on the desk's port");

    let metrics = app.metrics_address.as_deref().expect("a metrics listener");
    assert_ne!(metrics, app.address);
    let (status, content_type, text) = scrape(metrics).await;
    assert_eq!(status, 200, "{text}");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    // The desk's requests are counted there, the 404 for /metrics among them.
    let requests = "agentdesk_http_request_duration_seconds_count";
    assert_eq!(
        expect(
            &text,
            &format!("{requests}{{endpoint=\"/api/GetSettings\",status=\"200\"}}")
        ),
        1.0
    );
    assert_eq!(
        expect(
            &text,
            &format!("{requests}{{endpoint=\"unmatched\",status=\"404\"}}")
        ),
        1.0
    );
    expect(&text, "agentdesk_db_pool_max_connections");
    expect(&text, "agentdesk_report_runs{state=\"sent\"}");
}
