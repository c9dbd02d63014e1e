//! GetChatList at scale: `Term` finds exactly what `LIKE` finds, whatever index finds it; queue
//! positions are right on every page; keyset pages (`After`) walk a list exactly once, in the
//! same order as `Page`.

use std::collections::BTreeSet;

use agentdesk::domain::Password;
use agentdesk::service::seed::{self, Quiet, SeedOptions};
use diesel::sql_types::{BigInt, Text};
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::{Session, TestApp};

fn ids(page: &Value) -> Vec<i64> {
    page["Chats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ChatID"].as_i64().unwrap())
        .collect()
}

/// Every chat of a list, read with `Page` (one page per call) or by following `Cursor.Next`.
async fn walk(
    app: &TestApp,
    who: &Session,
    query: &[(&str, &str)],
    size: usize,
    keyset: bool,
) -> Vec<Value> {
    let size = size.to_string();
    let mut chats = Vec::new();
    let mut after = String::new();
    for page in 1.. {
        let page = page.to_string();
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("PageSize", &size));
        if keyset {
            q.push(("After", &after));
        } else {
            q.push(("Page", &page));
        }
        let body = app.get("GetChatList", &who.token, &q).await.ok();
        let rows = body["Chats"].as_array().unwrap().clone();
        let next = &body["Cursor"]["Next"];
        if keyset && next.is_string() {
            // `Next` only while more follow: the page before it is full.
            assert_eq!(rows.len().to_string(), size, "{body}");
        }
        chats.extend(rows.iter().cloned());
        if keyset {
            match next.as_str() {
                Some(n) => after = n.to_owned(),
                None => break,
            }
        } else if rows.is_empty() {
            break;
        }
    }
    chats
}

fn seed_options(chats: usize) -> SeedOptions {
    SeedOptions {
        agents: 6,
        departments: 3,
        chats,
        messages_per_chat: 6.0,
        long_chats: vec![60],
        days: 3,
        seed: 11,
        queued: 30,
        open: 12,
        password: Password::parse(seed::DEFAULT_PASSWORD).unwrap(),
        chat_server: "https://chat.example.com/hooks".into(),
        force: false,
        time_zone: None,
    }
}

/// A seeded desk of `chats` chats (over 1,000 matches of a common word take the search's other
/// plan: the list's order walked, the matches probed).
async fn seeded(chats: usize) -> (TestApp, seed::SeedReport) {
    let app = TestApp::spawn().await;
    app.set_clock("2026-11-25T12:00:00Z");
    let ctx = app.ctx.clone();
    let report =
        tokio::task::spawn_blocking(move || seed::seed(&ctx, &seed_options(chats), &Quiet))
            .await
            .unwrap()
            .map_err(|e| e.message)
            .expect("seeded");
    (app, report)
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The chats `Term` matched before it had an index: the definition, run as plain SQL.
async fn like_reference(app: &TestApp, term: &str) -> BTreeSet<i64> {
    let pattern: String = term
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect();
    let pattern = format!("%{pattern}%");
    let ctx = app.ctx.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = ctx.pool.get().unwrap();
        diesel::sql_query(
            "SELECT c.id AS id FROM chats c JOIN customers cu ON cu.id = c.customer_id \
             WHERE lower(cu.full_name) LIKE $1 OR cu.mobile LIKE $1 OR EXISTS \
             (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND lower(m.text) LIKE $1)",
        )
        .bind::<Text, _>(pattern)
        .load::<Id>(&mut **conn as &mut agentdesk::db::DbConnection)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
    })
    .await
    .unwrap()
}

async fn term_matches(app: &TestApp, who: &Session, term: &str) -> BTreeSet<i64> {
    let found = walk(app, who, &[("Term", term)], 100, true).await;
    // In the list's order (latest message first), whichever way the page was found.
    let keys: Vec<(chrono::DateTime<chrono::Utc>, i64)> = found
        .iter()
        .map(|c| {
            let at = c["LastMessageAt"].as_str().unwrap().parse().unwrap();
            (at, c["ChatID"].as_i64().unwrap())
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] > w[1]), "{term}: order");
    let set: BTreeSet<i64> = found
        .iter()
        .map(|c| c["ChatID"].as_i64().unwrap())
        .collect();
    assert_eq!(set.len(), found.len(), "{term}: a chat listed twice");
    let total = app
        .get("GetChatList", &who.token, &[("Term", term)])
        .await
        .ok()["Cursor"]["Total"]
        .clone();
    assert_eq!(total, set.len() as i64, "{term}: Total");
    set
}

#[tokio::test]
async fn term_finds_exactly_what_like_finds_on_a_seeded_desk() {
    let (app, report) = seeded(1_500).await;
    let m = app.logon(&report.managers[0].email, &report.password).await;
    // A word common enough that the search walks the list's order instead of sorting matches.
    assert!(like_reference(&app, "you").await.len() > 1_000);
    for term in [
        "you",
        "order",
        "refund",
        "REFUND",
        "order 1",
        "naidoo",
        "+27",
        "Müller",
        "van der",
        "courier has",
        "ok",
        "x",
        "zzzz-nothing",
        "it's",
        "5 working",
    ] {
        let expected = like_reference(&app, term).await;
        assert_eq!(term_matches(&app, &m, term).await, expected, "{term}");
    }
}

#[tokio::test]
async fn term_follows_every_write_and_ignores_case_as_like_does() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let texts = [
        "Do you sell KETTLES?",
        "my order 50% off_code did not apply",
        "Straße and MÜLLER",
        "say \"quoted\" words",
        "ab",
    ];
    let mut chat_ids = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let reply = app
            .customer_says(
                &ch,
                &format!("term-session-{i}"),
                text,
                json!({"customerName": format!("Customer {i}"), "phoneNumber": format!("+2782555000{i}")}),
            )
            .await
            .ok();
        chat_ids.push(reply["ChatID"].as_i64().unwrap());
    }
    for term in [
        "kettle",
        "KeTtLe",
        "ettl",
        "50off",
        "off_code",
        "50%",
        "straße",
        "müller",
        "MÜLLER",
        "\"quoted\"",
        "quot",
        "ab",
        "b",
        "customer 3",
        "+2782555",
        "5550003",
        "nope",
    ] {
        let expected = like_reference(&app, term).await;
        assert_eq!(term_matches(&app, &m, term).await, expected, "{term}");
    }
    assert_eq!(
        term_matches(&app, &m, "kettles").await,
        BTreeSet::from([chat_ids[0]])
    );

    // A renamed customer is found by the new name only.
    let customer = app
        .get("GetChat", &m.token, &[("ChatID", &chat_ids[1].to_string())])
        .await
        .ok()["CustomerID"]
        .as_i64()
        .unwrap();
    app.post(
        "UpdateCustomer",
        &m.token,
        json!({"CustomerID": customer, "FullName": "Zebedee Quartermain"}),
    )
    .await
    .ok();
    assert_eq!(
        term_matches(&app, &m, "quartermain").await,
        BTreeSet::from([chat_ids[1]])
    );
    assert!(term_matches(&app, &m, "customer 1").await.is_empty());
    // An agent's answer is searchable at once.
    let chat = chat_ids[0].to_string();
    app.get("AssignChat", &m.token, &[("ChatID", &chat)])
        .await
        .ok();
    app.post(
        "SendMessage",
        &m.token,
        json!({"ChatID": chat_ids[0], "MessageText": "The Xylophone ships today"}),
    )
    .await
    .ok();
    assert_eq!(
        term_matches(&app, &m, "xylophone").await,
        BTreeSet::from([chat_ids[0]])
    );
}

#[tokio::test]
async fn keyset_pages_walk_every_list_once_in_page_order() {
    let (app, report) = seeded(240).await;
    let m = app.logon(&report.managers[0].email, &report.password).await;
    let agent = app.logon(&report.agents[0].email, &report.password).await;
    // Ties on every sort key: only the ids order these chats, and no page may lose one.
    app.sql("UPDATE chats SET last_message_at = (SELECT MIN(last_message_at) FROM chats) WHERE id % 3 = 0")
        .await;
    app.sql("UPDATE chats SET closed_at = (SELECT MIN(closed_at) FROM chats) WHERE closed_at IS NOT NULL AND id % 4 = 0")
        .await;
    app.sql("UPDATE chats SET queued_at = (SELECT MIN(queued_at) FROM chats WHERE state = 1) WHERE state = 1 AND id % 2 = 0")
        .await;
    for who in [&m, &agent] {
        for query in [
            vec![],
            vec![("ChatType", "open")],
            vec![("ChatType", "closed")],
            vec![("ChatType", "unassigned")],
            vec![("Selector", "unread")],
            vec![("Selector", "private")],
            vec![("ChatType", "closed"), ("Term", "order")],
            vec![("DepartmentID", "1")],
        ] {
            let whole = ids(&app
                .get(
                    "GetChatList",
                    &who.token,
                    &[query.clone(), vec![("PageSize", "100")]].concat(),
                )
                .await
                .ok());
            let all = walk(&app, who, &query, 100, false).await;
            let by_page: Vec<i64> = all.iter().map(|c| c["ChatID"].as_i64().unwrap()).collect();
            let by_key: Vec<i64> = walk(&app, who, &query, 7, true)
                .await
                .iter()
                .map(|c| c["ChatID"].as_i64().unwrap())
                .collect();
            let by_small_page: Vec<i64> = walk(&app, who, &query, 7, false)
                .await
                .iter()
                .map(|c| c["ChatID"].as_i64().unwrap())
                .collect();
            assert_eq!(by_key, by_page, "{query:?}");
            assert_eq!(by_small_page, by_page, "{query:?}");
            assert_eq!(&by_page[..whole.len()], &whole[..], "{query:?}");
            let unique: BTreeSet<i64> = by_page.iter().copied().collect();
            assert_eq!(unique.len(), by_page.len(), "{query:?}");
        }
    }
    app.get("GetChatList", &m.token, &[("After", "yesterday")])
        .await
        .expect_field_error("After");
}

#[tokio::test]
async fn queue_positions_are_right_on_every_page() {
    let (app, report) = seeded(240).await;
    let m = app.logon(&report.managers[0].email, &report.password).await;
    let agent = app.logon(&report.agents[0].email, &report.password).await;
    for who in [&m, &agent] {
        for query in [
            vec![("ChatType", "unassigned")],
            vec![("ChatType", "unassigned"), ("Selector", "unread")],
            vec![("ChatType", "unassigned"), ("DepartmentID", "2")],
        ] {
            for keyset in [false, true] {
                let listed = walk(&app, who, &query, 4, keyset).await;
                // The whole queue as the manager sees it, in order: positions count from it.
                let queue = walk(&app, &m, &[("ChatType", "unassigned")], 100, true).await;
                for chat in &listed {
                    let expected = chat["DepartmentID"].as_i64().map(|d| {
                        1 + queue
                            .iter()
                            .take_while(|c| c["ChatID"] != chat["ChatID"])
                            .filter(|c| c["DepartmentID"].as_i64() == Some(d))
                            .count() as i64
                    });
                    assert_eq!(chat["QueuePosition"].as_i64(), expected, "{chat}");
                }
            }
        }
    }
}
