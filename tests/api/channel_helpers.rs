//! Arrangements for chat tests: a registered channel, a customer writing in through the channel
//! API, and a real HTTP receiver standing in for the channel server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::helpers::{Reply, Session, TestApp};

#[derive(Clone, Debug)]
pub struct Channel {
    pub id: i64,
    pub api_key: String,
    pub account_token: String,
    pub signing_secret: String,
}

/// What the receiver got: the JSON body and its signature header.
#[derive(Clone, Debug)]
pub struct Received {
    pub body: Value,
    pub raw: Vec<u8>,
    pub signature: String,
    /// `X-Agentdesk-Timestamp` and `X-Agentdesk-Signature-V2`.
    pub timestamp: String,
    pub signature_v2: String,
}

/// A channel server on loopback that answers 500 to the first `fail_first` posts, then 200.
pub struct Receiver {
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
    pub attempts: Arc<AtomicUsize>,
}

struct ReceiverState {
    received: Arc<Mutex<Vec<Received>>>,
    attempts: Arc<AtomicUsize>,
    fail_first: usize,
}

async fn message_for_customer(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let n = state.attempts.fetch_add(1, Ordering::SeqCst);
    if n < state.fail_first {
        return HttpResponse::InternalServerError().body("not now");
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let parsed = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state.received.lock().unwrap().push(Received {
        body: parsed,
        raw: body.to_vec(),
        signature: header("X-Agentdesk-Signature"),
        timestamp: header("X-Agentdesk-Timestamp"),
        signature_v2: header("X-Agentdesk-Signature-V2"),
    });
    HttpResponse::Ok().json(json!({"ok": true}))
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let attempts = Arc::new(AtomicUsize::new(0));
        let state = web::Data::new(ReceiverState {
            received: received.clone(),
            attempts: attempts.clone(),
            fail_first,
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new().app_data(state.clone()).route(
                "/hooks/messageForCustomer",
                web::post().to(message_for_customer),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            base_url: format!("http://127.0.0.1:{port}/hooks"),
            received,
            attempts,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `n` messages arrived (or a few seconds passed).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.received().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.received()
    }
}

impl TestApp {
    pub async fn channel(&self, manager: &Session, chat_server: &str) -> Channel {
        let body = self
            .post(
                "CreateChannel",
                &manager.token,
                json!({"Name": "Web chat", "ChatServer": chat_server}),
            )
            .await
            .ok();
        Channel {
            id: body["ChannelID"].as_i64().unwrap(),
            api_key: body["ApiKey"].as_str().unwrap().to_owned(),
            account_token: body["ChatAccountToken"].as_str().unwrap().to_owned(),
            signing_secret: body["SigningSecret"].as_str().unwrap().to_owned(),
        }
    }

    /// A call to `/api/v2/chat/<name>` with the channel's key.
    pub async fn channel_call(&self, channel: &Channel, name: &str, body: Value) -> Reply {
        let url = format!("{}/api/v2/chat/{name}", self.address);
        self.raw(
            self.client
                .post(url)
                .header("apiKey", &channel.api_key)
                .json(&body),
        )
        .await
    }

    /// The customer of `session` writes `text`; `extra` adds fields (customerName, phoneNumber ...).
    pub async fn customer_says(
        &self,
        channel: &Channel,
        session: &str,
        text: &str,
        extra: Value,
    ) -> Reply {
        let mut body = json!({"chatServer": "chat.example.com", "chatSessionID": session,
                              "chatAccountToken": channel.account_token, "message": text});
        if let Value::Object(more) = extra {
            body.as_object_mut().unwrap().extend(more);
        }
        self.channel_call(channel, "notifyUserNewChatMessage", body)
            .await
    }

    /// A new chat waiting in the desk's only department; returns its ChatID.
    pub async fn waiting_chat(&self, channel: &Channel, session: &str) -> i64 {
        let reply = self
            .customer_says(channel, session, "Hello, I need help", json!({}))
            .await
            .ok();
        assert_eq!(reply["ChatType"], "unassigned");
        assert!(reply["DepartmentID"].is_i64(), "queued: {reply}");
        reply["ChatID"].as_i64().unwrap()
    }

    /// Working hours around the clock, so transcripts don't depend on when the test runs.
    pub async fn always_open(&self, token: &str) {
        let days: Vec<Value> = (1..=7)
            .map(|d| json!({"Day": d, "Enabled": true, "StartTime": "00:00", "EndTime": "24:00"}))
            .collect();
        self.post("UpdateWorkingHours", token, json!({"Days": days}))
            .await
            .ok();
    }

    pub async fn messages_of(&self, token: &str, chat_id: i64) -> Vec<Value> {
        let id = chat_id.to_string();
        let body = self
            .get(
                "GetChatMessages",
                token,
                &[("ChatID", &id), ("PageSize", "100")],
            )
            .await
            .ok();
        body["Messages"].as_array().unwrap().clone()
    }
}

/// The texts of a transcript's messages of one special type.
pub fn texts_of(messages: &[Value], special: &str) -> Vec<String> {
    messages
        .iter()
        .filter(|m| m["SpecialType"] == special)
        .map(|m| m["Message"].as_str().unwrap().to_owned())
        .collect()
}

/// A channel server that accepts connections and never answers, counting them.
pub struct Hanging {
    pub base_url: String,
    pub connections: Arc<AtomicUsize>,
}

impl Hanging {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                held.push(socket);
            }
        });
        Self {
            base_url: format!("http://127.0.0.1:{port}/hooks"),
            connections,
        }
    }
}
