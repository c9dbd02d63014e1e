//! GetChatList at scale: `Term` finds exactly what `LIKE` finds, whatever index finds it; queue
//! positions are right on every page; keyset pages (`After`) walk a list exactly once, in the
//! same order as `Page`.

use std::collections::BTreeSet;

use agentdesk::domain::Password;
use agentdesk::seed::{self, Quiet, SeedOptions};
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

/// SQLite indexes new messages and customers when their transaction commits (group commit);
/// rows written by anything else (here plain SQL) are found by `Term` all the same, and the text
/// index stays consistent through rows changed or deleted before and after they are indexed.
#[tokio::test]
async fn term_finds_rows_written_outside_the_desk_before_and_after_they_are_indexed() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    app.department(&m, "Support").await;
    let ch = app.channel(&m, "https://chat.example.com").await;
    let chat = app
        .customer_says(
            &ch,
            "outside-session-1",
            "hello there",
            json!({"customerName": "Ida Lindqvist"}),
        )
        .await
        .ok()["ChatID"]
        .as_i64()
        .unwrap();
    let insert = |text: &str| {
        format!(
            "INSERT INTO messages (chat_id, kind, author, text, to_customer, created_at) \
             SELECT id, 1, 'Someone', '{text}', false, last_message_at FROM chats WHERE id = {chat}"
        )
    };
    // Written outside the desk's writers: not indexed yet on SQLite, found all the same.
    app.sql_owned(insert("a Walrus-shaped kettle")).await;
    app.sql_owned(insert("a message deleted unindexed")).await;
    app.sql("UPDATE customers SET full_name = 'Ottoline Brambleby'")
        .await;
    for term in ["walrus", "unindexed", "brambleby"] {
        assert_eq!(
            term_matches(&app, &m, term).await,
            BTreeSet::from([chat]),
            "{term}"
        );
    }
    app.sql("DELETE FROM messages WHERE text = 'a message deleted unindexed'")
        .await;
    assert!(term_matches(&app, &m, "unindexed").await.is_empty());
    // The desk's next write indexes what was left over.
    app.customer_says(&ch, "outside-session-2", "second chat", json!({}))
        .await
        .ok();
    for term in ["walrus", "brambleby"] {
        assert_eq!(
            term_matches(&app, &m, term).await,
            BTreeSet::from([chat]),
            "{term}"
        );
    }
    // Changed and deleted once indexed: the index forgets the old text.
    app.sql("UPDATE messages SET text = 'a Narwhal-shaped kettle' WHERE text LIKE '%Walrus%'")
        .await;
    assert!(term_matches(&app, &m, "walrus").await.is_empty());
    assert_eq!(
        term_matches(&app, &m, "narwhal").await,
        BTreeSet::from([chat])
    );
    app.sql("DELETE FROM messages WHERE text LIKE '%Narwhal%'")
        .await;
    assert!(term_matches(&app, &m, "narwhal").await.is_empty());
    for term in ["kettle", "hello", "second", "lindqvist", "brambleby", "ida"] {
        let expected = like_reference(&app, term).await;
        assert_eq!(term_matches(&app, &m, term).await, expected, "{term}");
    }
    if !crate::helpers::is_postgres() {
        // FTS5's own check of its index structures.
        app.sql("INSERT INTO messages_search (messages_search) VALUES ('integrity-check')")
            .await;
        app.sql("INSERT INTO customers_search (customers_search) VALUES ('integrity-check')")
            .await;
    }
}

#[tokio::test]
async fn keyset_pages_walk_every_list_once_in_page_order() {
    let (app, report) = seeded(240).await;
    let m = app.logon(&report.managers[0].email, &report.password).await;
    let mut readers = vec![m.clone()];
    for a in &report.agents {
        readers.push(app.logon(&a.email, &report.password).await);
    }
    // Chats of an agent outside their departments (one with no department at all): an agent's
    // pages by offset merge these with their departments' lists.
    let agent = "(SELECT MIN(id) FROM agents WHERE role = 1 AND id IN (SELECT agent_id FROM agent_departments))";
    let elsewhere = format!(
        "department_id NOT IN (SELECT department_id FROM agent_departments WHERE agent_id = {agent})"
    );
    let moved = app
        .sql_owned(format!(
            "UPDATE chats SET agent_id = {agent} WHERE id IN \
             (SELECT id FROM chats WHERE {elsewhere} ORDER BY id LIMIT 9)"
        ))
        .await;
    assert_eq!(moved, 9);
    app.sql_owned(format!(
        "UPDATE chats SET department_id = NULL WHERE id = \
         (SELECT MIN(id) FROM chats WHERE agent_id = {agent} AND {elsewhere})"
    ))
    .await;
    // Ties on every sort key: only the ids order these chats, and no page may lose one.
    app.sql("UPDATE chats SET last_message_at = (SELECT MIN(last_message_at) FROM chats) WHERE id % 3 = 0")
        .await;
    app.sql("UPDATE chats SET closed_at = (SELECT MIN(closed_at) FROM chats) WHERE closed_at IS NOT NULL AND id % 4 = 0")
        .await;
    app.sql("UPDATE chats SET queued_at = (SELECT MIN(queued_at) FROM chats WHERE state = 1) WHERE state = 1 AND id % 2 = 0")
        .await;
    for who in &readers {
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
    // Ties on queued_at, which only the ids order, across page boundaries too.
    app.sql("UPDATE chats SET queued_at = (SELECT MIN(queued_at) FROM chats WHERE state = 1) WHERE state = 1 AND id % 2 = 0")
        .await;
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

/// The seeded desk's channel, to write in as customers.
fn seeded_channel(report: &seed::SeedReport) -> crate::channel_helpers::Channel {
    crate::channel_helpers::Channel {
        id: report.channel.channel_id,
        api_key: report.channel.api_key.clone(),
        account_token: report.channel.chat_account_token.clone(),
        signing_secret: report.channel.signing_secret.clone(),
    }
}

/// Every list's `Cursor.Total` equals the number of chats walking its pages finds.
async fn assert_totals_match_the_lists(app: &TestApp, who: &Session, departments: &[i64]) {
    let mut queries: Vec<Vec<(&str, String)>> = Vec::new();
    for chat_type in ["", "open", "closed", "unassigned"] {
        for selector in ["", "private", "unread"] {
            let mut q = Vec::new();
            if !chat_type.is_empty() {
                q.push(("ChatType", chat_type.to_owned()));
            }
            if !selector.is_empty() {
                q.push(("Selector", selector.to_owned()));
            }
            queries.push(q.clone());
            for d in departments.iter().chain([&0]) {
                let mut q = q.clone();
                q.push(("DepartmentID", d.to_string()));
                queries.push(q);
            }
        }
    }
    for query in &queries {
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let first = app
            .get(
                "GetChatList",
                &who.token,
                &[query.clone(), vec![("PageSize", "100")]].concat(),
            )
            .await;
        if query.contains(&("DepartmentID", "0")) {
            first.expect_field_error("DepartmentID");
            continue;
        }
        let total = first.ok()["Cursor"]["Total"].as_i64().unwrap();
        let listed = walk(app, who, &query, 100, false).await.len() as i64;
        assert_eq!(total, listed, "{query:?}");
    }
}

/// `Cursor.Total` of department and state filters comes from counters kept by triggers (and, on
/// PostgreSQL, deltas folded in by a worker): after every kind of write — chats opened into the
/// welcome menu, a department chosen from it, grabs raced by agents, transfers, closes, a raw SQL
/// change — every list a manager or an agent reads still totals what it lists, before and after
/// the deltas are folded.
#[tokio::test]
async fn totals_are_the_chats_listed_after_every_kind_of_write() {
    let (app, report) = seeded(150).await;
    let m = app.logon(&report.managers[0].email, &report.password).await;
    let mut agents = Vec::new();
    for a in &report.agents[..4] {
        agents.push(app.logon(&a.email, &report.password).await);
    }
    let departments: Vec<i64> = report.departments.iter().map(|(id, _)| *id).collect();
    let channel = seeded_channel(&report);
    for i in 0..8 {
        let session = format!("totals-session-{i}");
        app.customer_says(&channel, &session, "Hello, I need help", json!({}))
            .await
            .ok();
        if i % 2 == 0 {
            // Picks a department from the welcome menu (when the desk shows one).
            app.customer_says(&channel, &session, "1", json!({}))
                .await
                .ok();
        }
    }
    let grabs = agents
        .iter()
        .flat_map(|a| [a, a])
        .map(|a| app.get("GrabChat", &a.token, &[]));
    let grabbed: Vec<i64> = futures_util::future::join_all(grabs)
        .await
        .into_iter()
        .filter_map(|r| r.body["ChatID"].as_i64())
        .collect();
    assert!(grabbed.len() >= 4, "agents took chats: {grabbed:?}");
    let unique: BTreeSet<i64> = grabbed.iter().copied().collect();
    assert_eq!(unique.len(), grabbed.len(), "no chat taken twice");
    let closes = grabbed.iter().step_by(2).map(|id| {
        let id = id.to_string();
        let app = &app;
        let m = &m;
        async move {
            app.get("CloseChat", &m.token, &[("ChatID", &id)])
                .await
                .ok()
        }
    });
    futures_util::future::join_all(closes).await;
    let last = departments[departments.len() - 1].to_string();
    for id in grabbed.iter().skip(1).step_by(2) {
        app.get(
            "TransferChat",
            &m.token,
            &[("ChatID", &id.to_string()), ("DepartmentID", &last)],
        )
        .await
        .ok();
    }
    app.sql("UPDATE chats SET department_id = NULL WHERE id = (SELECT MIN(id) FROM chats WHERE state = 1 AND department_id IS NOT NULL)")
        .await;
    for who in [&m, &agents[0], &agents[1]] {
        assert_totals_match_the_lists(&app, who, &departments).await;
    }
    // PostgreSQL: folding the deltas (as every instance's worker does) moves no total.
    agentdesk::service::chats::fold_counts(&app.ctx).unwrap();
    assert_totals_match_the_lists(&app, &m, &departments).await;
    let pending: Vec<String> = app
        .sql_strings("SELECT CAST(COUNT(*) AS TEXT) AS value FROM chat_count_deltas")
        .await;
    assert_eq!(pending, vec!["0".to_owned()], "the deltas were folded");
}

/// The counters against a count of the chats themselves, per department and state.
async fn counters_match_the_chats(app: &TestApp) {
    let counted = app
        .sql_strings(
            "SELECT CAST(COALESCE(department_id, 0) AS TEXT) || '/' || CAST(state AS TEXT) || '=' \
             || CAST(COUNT(*) AS TEXT) AS value FROM chats GROUP BY department_id, state \
             ORDER BY 1",
        )
        .await;
    let kept = app
        .sql_strings(
            "SELECT CAST(department_id AS TEXT) || '/' || CAST(state AS TEXT) || '=' \
             || CAST(SUM(n) AS TEXT) AS value FROM (SELECT department_id, state, n FROM chat_counts \
             UNION ALL SELECT department_id, state, delta FROM chat_count_deltas) AS c \
             GROUP BY department_id, state HAVING SUM(n) <> 0 ORDER BY 1",
        )
        .await;
    assert_eq!(kept, counted);
}

/// Folding the counters' deltas from several connections at once (as every instance's worker
/// does) while customers open chats and agents take them counts every chat exactly once.
#[tokio::test]
async fn counters_stay_exact_while_folds_race_writes() {
    let (app, report) = seeded(60).await;
    let channel = seeded_channel(&report);
    let agent = app.logon(&report.agents[0].email, &report.password).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let folders: Vec<_> = (0..4)
        .map(|_| {
            let ctx = app.ctx.clone();
            let stop = stop.clone();
            tokio::task::spawn_blocking(move || {
                let mut folds = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    agentdesk::service::chats::fold_counts(&ctx).expect("fold");
                    folds += 1;
                }
                folds
            })
        })
        .collect();
    let writes = (0..40).map(|i| {
        let (app, channel, agent) = (&app, &channel, &agent);
        async move {
            let session = format!("fold-race-session-{i}");
            app.customer_says(channel, &session, "Hello", json!({}))
                .await
                .ok();
            app.customer_says(channel, &session, "2", json!({}))
                .await
                .ok();
            app.get("GrabChat", &agent.token, &[]).await;
        }
    });
    futures_util::future::join_all(writes).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for folder in folders {
        assert!(folder.await.unwrap() > 0);
    }
    counters_match_the_chats(&app).await;
    agentdesk::service::chats::fold_counts(&app.ctx).unwrap();
    counters_match_the_chats(&app).await;
}
