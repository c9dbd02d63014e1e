//! Webhooks: signed events of the stream POSTed to a receiver, in order per chat, retried until
//! delivered, with a delivery log.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{Session, TestApp};

#[derive(Clone, Debug)]
struct Hit {
    event: String,
    event_id: String,
    signature: String,
    raw: Vec<u8>,
    body: Value,
}

/// A webhook receiver on loopback that answers 503 to its first `refuse_first` calls.
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    calls: Arc<AtomicUsize>,
}

struct State {
    hits: Arc<Mutex<Vec<Hit>>>,
    calls: Arc<AtomicUsize>,
    refuse_first: usize,
}

async fn hook(req: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    if state.calls.fetch_add(1, Ordering::SeqCst) < state.refuse_first {
        return HttpResponse::ServiceUnavailable().body("down for maintenance");
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    state.hits.lock().unwrap().push(Hit {
        event: header("X-Agentdesk-Event"),
        event_id: header("X-Agentdesk-Event-ID"),
        signature: header("X-Agentdesk-Signature"),
        raw: body.to_vec(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    HttpResponse::Ok().body("thanks")
}

impl Receiver {
    async fn start(refuse_first: usize) -> Self {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let calls = Arc::new(AtomicUsize::new(0));
        let state = web::Data::new(State {
            hits: hits.clone(),
            calls: calls.clone(),
            refuse_first,
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/hook", web::post().to(hook))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            hits,
            calls,
        }
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

/// What docs/webhooks.md tells a receiver to do: recompute the HMAC over "<t>.<body>".
fn verifies(secret: &str, hit: &Hit) -> bool {
    let mut t = "";
    let mut v1 = "";
    for part in hit.signature.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value,
            Some(("v1", value)) => v1 = value,
            _ => {}
        }
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&hit.raw);
    hex::encode(mac.finalize().into_bytes()) == v1
}

async fn webhook(app: &TestApp, m: &Session, url: &str, events: Value) -> (i64, String) {
    let created = app
        .post(
            "CreateWebhook",
            &m.token,
            json!({"Url": url, "Events": events}),
        )
        .await
        .ok();
    (
        created["WebhookID"].as_i64().unwrap(),
        created["SigningSecret"].as_str().unwrap().to_owned(),
    )
}

/// Polls until `check` holds, moving the desk's clock 10 s each time so retries fall due. The
/// step stays below a claim's lease (3 x DELIVERY_TIMEOUT_SECONDS): a bigger jump would expire
/// the lease of a call in flight and, rightly, send it again.
async fn eventually(app: &TestApp, what: &str, check: impl Fn() -> bool) {
    for _ in 0..400 {
        if check() {
            return;
        }
        app.advance_clock(chrono::Duration::seconds(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

/// Polls until `check` holds, the clock left alone.
async fn soon(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

#[tokio::test]
async fn a_chats_events_arrive_signed_and_in_order() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let d = app.department(&m, "Support").await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = webhook(&app, &m, &receiver.url, json!(["*"])).await;
    let (_, queued_only_secret) = webhook(&app, &m, &receiver.url, json!(["chat.queued"])).await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let agent = app.agent(&m, &[d]).await;
    let chat = app.waiting_chat(&ch, "session-hook-0001").await;
    let id = chat.to_string();
    app.get("GrabChat", &agent.token, &[]).await.ok();
    app.post(
        "SendMessage",
        &agent.token,
        json!({"ChatID": chat, "MessageText": "Hello from the desk"}),
    )
    .await
    .ok();
    app.get("CloseChat", &agent.token, &[("ChatID", &id)])
        .await
        .ok();
    soon("chat.closed arrives", || {
        receiver.hits().iter().any(|h| h.event == "chat.closed")
    })
    .await;

    let hits = receiver.hits();
    let signed_by = |h: &Hit| {
        if verifies(&secret, h) {
            "all"
        } else if verifies(&queued_only_secret, h) {
            "queued"
        } else {
            "nobody"
        }
    };
    assert!(
        hits.iter().all(|h| signed_by(h) != "nobody"),
        "every call is signed"
    );
    let queued_only: Vec<&Hit> = hits.iter().filter(|h| signed_by(h) == "queued").collect();
    assert!(queued_only.iter().all(|h| h.event == "chat.queued"));
    assert_eq!(queued_only.len(), 1);
    let of_chat: Vec<&Hit> = hits
        .iter()
        .filter(|h| signed_by(h) == "all" && h.body["Data"]["ChatID"] == chat)
        .collect();
    let names: Vec<&str> = of_chat.iter().map(|h| h.event.as_str()).collect();
    let position = |name: &str| names.iter().position(|n| *n == name).unwrap();
    assert!(
        position("chat.queued") < position("chat.assigned"),
        "{names:?}"
    );
    assert!(
        position("chat.assigned") < position("chat.closed"),
        "{names:?}"
    );
    // In the stream's order, each once, with the headers matching the body.
    let ids: Vec<(i64, i64)> = of_chat
        .iter()
        .map(|h| {
            let (tx, id) = h.event_id.split_once('-').unwrap();
            (tx.parse().unwrap(), id.parse().unwrap())
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "in order, no repeats");
    for h in &of_chat {
        assert_eq!(h.body["EventID"], h.event_id);
        assert_eq!(h.body["Event"], h.event);
        assert!(h.body["OccurredAt"].is_string());
    }
}

#[tokio::test]
async fn an_endpoint_that_refuses_for_a_while_gets_every_event_once() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let receiver = Receiver::start(4).await;
    let (webhook_id, secret) = webhook(&app, &m, &receiver.url, json!(["chat.queued"])).await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let mut chats = Vec::new();
    for i in 0..3 {
        chats.push(app.waiting_chat(&ch, &format!("session-down-{i:04}")).await);
    }
    eventually(&app, "three chats queued arrive", || {
        receiver.hits().len() >= 3
    })
    .await;
    let hits = receiver.hits();
    assert_eq!(hits.len(), 3, "each once");
    assert!(hits.iter().all(|h| verifies(&secret, h)));
    let got: Vec<i64> = hits
        .iter()
        .map(|h| h.body["Data"]["ChatID"].as_i64().unwrap())
        .collect();
    let mut want = chats.clone();
    want.sort();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, want);
    assert!(
        receiver.calls.load(Ordering::SeqCst) >= 7,
        "the refused calls were retried"
    );

    let id = webhook_id.to_string();
    let log = app
        .get("GetWebhookDeliveries", &m.token, &[("WebhookID", &id)])
        .await
        .ok();
    let deliveries = log["Deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 3);
    for d in deliveries {
        assert_eq!(d["State"], "delivered");
        assert_eq!(d["LastStatus"], 200);
        assert_eq!(d["LastAnswer"], "thanks");
    }
    assert!(deliveries
        .iter()
        .any(|d| d["Attempts"].as_i64().unwrap() > 1));
    let list = app.get("GetWebhookList", &m.token, &[]).await.ok();
    assert_eq!(list[0]["Delivered"], 3);
    assert!(
        list[0].get("SigningSecret").is_none(),
        "the secret is shown once"
    );
}

#[tokio::test]
async fn webhooks_are_validated_tested_audited_and_for_managers() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let agent = app.agent(&m, &[]).await;
    let receiver = Receiver::start(0).await;
    for (body, field) in [
        (
            json!({"Url": receiver.url, "Events": ["chat.eaten"]}),
            "Events",
        ),
        (json!({"Url": receiver.url, "Events": []}), "Events"),
        (
            json!({"Url": "ftp://example.com/x", "Events": ["*"]}),
            "Url",
        ),
        (
            json!({"Url": "http://10.1.2.3/hook", "Events": ["*"]}),
            "Url",
        ),
    ] {
        app.post("CreateWebhook", &m.token, body)
            .await
            .expect_field_error(field);
    }
    app.post(
        "CreateWebhook",
        &agent.token,
        json!({"Url": receiver.url, "Events": ["*"]}),
    )
    .await
    .expect_error(403, "Forbidden");
    let (webhook_id, secret) = webhook(&app, &m, &receiver.url, json!(["agent.status"])).await;
    let id = webhook_id.to_string();
    app.get("TestWebhook", &m.token, &[("WebhookID", &id)])
        .await
        .ok();
    eventually(&app, "the test event arrives", || {
        receiver.hits().iter().any(|h| h.event == "webhook.test")
    })
    .await;
    let test = receiver
        .hits()
        .into_iter()
        .find(|h| h.event == "webhook.test")
        .unwrap();
    assert!(verifies(&secret, &test));
    assert_eq!(test.body["Data"]["WebhookID"], webhook_id);

    let updated = app
        .post(
            "UpdateWebhook",
            &m.token,
            json!({"WebhookID": webhook_id, "Enabled": false}),
        )
        .await
        .ok();
    assert_eq!(updated["Enabled"], false);
    app.delete("DeleteWebhook", &m.token, &[("WebhookID", &id)])
        .await
        .ok();
    assert_eq!(
        app.get("GetWebhookList", &m.token, &[]).await.ok(),
        json!([])
    );
    app.delete("DeleteWebhook", &m.token, &[("WebhookID", &id)])
        .await
        .expect_error(404, "NotFound");
    let log = app
        .get("GetAuditLog", &m.token, &[("PageSize", "100")])
        .await
        .ok();
    let actions: Vec<&str> = log["Entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Action"].as_str().unwrap())
        .collect();
    for action in ["CreateWebhook", "UpdateWebhook", "DeleteWebhook"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(
        !log.to_string().contains(&secret),
        "the secret never enters the log"
    );
}

#[tokio::test]
async fn two_instances_send_each_event_once() {
    let a = TestApp::spawn().await;
    let b = a.beside(&[]).await;
    let m = a.manager().await;
    a.department(&m, "Support").await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = webhook(
        &a,
        &m,
        &receiver.url,
        json!(["chat.queued", "message.created"]),
    )
    .await;
    let ch = a.channel(&m, "https://chat.example.com").await;
    for i in 0..6 {
        // Customers write through both instances; both fan out and send.
        let app = if i % 2 == 0 { &a } else { &b };
        app.waiting_chat(&ch, &format!("session-twice-{i:04}"))
            .await;
    }
    soon("six chats queued arrive", || {
        receiver
            .hits()
            .iter()
            .filter(|h| h.event == "chat.queued")
            .count()
            >= 6
    })
    .await;
    // Give a duplicate, if there were one, the time to arrive.
    for _ in 0..10 {
        b.advance_clock(chrono::Duration::seconds(10));
        a.advance_clock(chrono::Duration::seconds(10));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hits = receiver.hits();
    let mut ids: Vec<&str> = hits.iter().map(|h| h.event_id.as_str()).collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "no event sent twice");
    assert_eq!(hits.iter().filter(|h| h.event == "chat.queued").count(), 6);
    assert!(hits.iter().all(|h| verifies(&secret, h)));
}

async fn hang() -> HttpResponse {
    tokio::time::sleep(Duration::from_secs(30)).await;
    HttpResponse::Ok().finish()
}

#[tokio::test]
async fn a_hanging_endpoint_does_not_delay_another() {
    let app = TestApp::spawn_with(&[("DELIVERY_TIMEOUT_SECONDS", "20")]).await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| App::new().route("/hook", web::post().to(hang)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    let hanging = format!("http://127.0.0.1:{port}/hook");
    webhook(&app, &m, &hanging, json!(["chat.queued"])).await;
    let receiver = Receiver::start(0).await;
    webhook(&app, &m, &receiver.url, json!(["chat.queued"])).await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    // More chats than the hanging endpoint may hold calls for at once.
    for i in 0..8 {
        app.waiting_chat(&ch, &format!("session-hang-{i:04}")).await;
    }
    let started = std::time::Instant::now();
    for _ in 0..100 {
        if receiver.hits().len() >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        receiver.hits().len(),
        8,
        "the healthy endpoint got every event"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "without waiting for the hanging one: {:?}",
        started.elapsed()
    );
}
