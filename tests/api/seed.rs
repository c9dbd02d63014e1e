//! `agentdesk seed`: a small desk built by the same code the command runs, then read back through
//! the API as an agent and a manager would: the lists, the metrics and a seeded agent's logon.

use agentdesk::domain::Password;
use agentdesk::seed::{self, Quiet, SeedOptions, SeedReport};
use serde_json::{json, Value};

use crate::channel_helpers::Channel;
use crate::helpers::TestApp;

const SEEDED_AT: &str = "2026-11-25T12:00:00Z";

fn options() -> SeedOptions {
    SeedOptions {
        agents: 5,
        departments: 3,
        chats: 50,
        messages_per_chat: 10.0,
        long_chats: vec![200],
        days: 2,
        seed: 7,
        queued: 6,
        open: 4,
        password: Password::parse(seed::DEFAULT_PASSWORD).unwrap(),
        chat_server: "https://chat.example.com/hooks".into(),
        force: false,
        time_zone: None,
    }
}

async fn seed_desk(app: &TestApp, opts: SeedOptions) -> Result<SeedReport, String> {
    let ctx = app.ctx.clone();
    tokio::task::spawn_blocking(move || seed::seed(&ctx, &opts, &Quiet))
        .await
        .unwrap()
        .map_err(|e| e.message)
}

fn total(list: &Value) -> i64 {
    list["Cursor"]["Total"].as_i64().unwrap()
}

#[tokio::test]
async fn a_seeded_desk_is_consistent_through_the_api() {
    let app = TestApp::spawn().await;
    app.set_clock(SEEDED_AT);
    let report = seed_desk(&app, options()).await.expect("seeded");
    assert_eq!(report.chats.queued, 6);
    assert_eq!(report.chats.open, 4);
    assert_eq!(report.long_chats.len(), 1);

    // A seeded manager and agent log on with the printed password.
    let m = app.logon(&report.managers[0].email, &report.password).await;
    let agent = app.logon(&report.agents[0].email, &report.password).await;
    assert!(agent.agent_id > 0);

    // Every chat is listed once, in the state the report says.
    let list = |kind: &'static str| {
        let token = m.token.clone();
        let app = &app;
        async move {
            let query: Vec<(&str, &str)> = if kind.is_empty() {
                vec![]
            } else {
                vec![("ChatType", kind)]
            };
            app.get("GetChatList", &token, &query).await.ok()
        }
    };
    let c = &report.chats;
    assert_eq!(total(&list("").await), 50 + 1);
    assert_eq!(
        total(&list("unassigned").await),
        (c.queued + c.in_menu) as i64
    );
    assert_eq!(total(&list("open").await), c.open as i64);
    assert_eq!(total(&list("closed").await), c.closed as i64);
    let waiting = list("unassigned").await;
    let first = &waiting["Chats"][0];
    assert_eq!(first["QueuePosition"], 1, "{first}");

    // The long chat's transcript holds every message, in order.
    let long = &report.long_chats[0];
    let messages = app
        .get(
            "GetChatMessages",
            &m.token,
            &[("ChatID", &long.chat_id.to_string()), ("PageSize", "100")],
        )
        .await
        .ok();
    assert_eq!(total(&messages), long.messages as i64);
    assert!(long.messages >= 200, "{}", long.messages);

    // The live figures match the queue; history shows in the reports.
    let live = app.get("LiveMetrics", &agent.token, &[]).await.ok();
    assert_eq!(live["ChatsWaiting"], c.queued as i64, "{live}");
    assert_eq!(live["ChatsOpen"], c.open as i64, "{live}");
    let agents = &live["Agents"];
    let counted: i64 = ["Online", "Busy", "OnBreak", "Offline"]
        .iter()
        .map(|k| agents[*k].as_i64().unwrap())
        .sum();
    assert_eq!(counted, 5, "{live}");
    let week = app
        .get("DataInsight", &m.token, &[("Period", "week")])
        .await
        .ok();
    let totals = &week["Totals"];
    for figure in [
        "ChatsStarted",
        "ChatsQueued",
        "ChatsAssigned",
        "ChatsClosed",
        "MessagesIn",
        "MessagesOut",
    ] {
        assert!(totals[figure].as_i64().unwrap() > 0, "{figure}: {totals}");
    }
    for average in [
        "AverageWaitSeconds",
        "AverageFirstResponseSeconds",
        "AverageHandleSeconds",
    ] {
        assert!(
            totals[average].as_f64().unwrap() > 0.0,
            "{average}: {totals}"
        );
    }
    assert!(!week["Agents"].as_array().unwrap().is_empty());
    assert!(!week["Tags"].as_array().unwrap().is_empty());

    // The printed channel secrets work, and new rows get ids past the seeded ones.
    let channel = Channel {
        id: report.channel.channel_id,
        api_key: report.channel.api_key.clone(),
        account_token: report.channel.chat_account_token.clone(),
        signing_secret: report.channel.signing_secret.clone(),
    };
    let new_chat = app
        .customer_says(&channel, "after-seeding", "Hello, I need help", json!({}))
        .await
        .ok();
    assert!(
        new_chat["ChatID"].as_i64().unwrap() > long.chat_id,
        "{new_chat}"
    );

    // An agent may take a waiting chat of the seeded queue.
    let grabbed = app.get("GrabChat", &agent.token, &[]).await;
    assert!(
        grabbed.status == 200 || grabbed.status == 404 || grabbed.status == 409,
        "{:?}",
        grabbed
    );
    let dept = app.department(&m, "Added after seeding").await;
    assert!(dept > 0);
}

#[tokio::test]
async fn seeding_refuses_a_desk_with_chats_unless_forced() {
    let app = TestApp::spawn().await;
    app.set_clock(SEEDED_AT);
    let small = SeedOptions {
        chats: 10,
        queued: 1,
        open: 1,
        long_chats: vec![],
        ..options()
    };
    let first = seed_desk(&app, small.clone()).await.expect("seeded");
    let refused = seed_desk(&app, small.clone()).await.unwrap_err();
    assert!(refused.contains("--force"), "{refused}");
    let again = seed_desk(
        &app,
        SeedOptions {
            force: true,
            ..small
        },
    )
    .await
    .expect("seeded again");
    assert!(again.channel.channel_id > first.channel.channel_id);
    assert_ne!(again.agents[0].email, first.agents[0].email);
    let m = app.logon(&again.managers[0].email, &again.password).await;
    let all = app.get("GetChatList", &m.token, &[]).await.ok();
    assert_eq!(total(&all), 20);
}
