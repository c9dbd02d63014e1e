//! AgentLogon, KeepAlive, AgentLogoff, RequestPasswordReset, SetPassword and session expiry.

use agentdesk::service::auth;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{reset_code, TestApp, PASSWORD};

async fn status_of(app: &TestApp, manager_token: &str, agent_id: i64) -> i64 {
    let list = app.get("GetAgentList", manager_token, &[]).await.ok();
    let agent = list["Agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AgentID"] == agent_id)
        .cloned()
        .unwrap();
    agent["StatusID"].as_i64().unwrap()
}

#[tokio::test]
async fn logon_returns_a_hex_token_and_sets_the_agent_online() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    assert_eq!(a.token.len(), 32);
    assert!(a
        .token
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    let body = app
        .logon_reply(&a.email.to_uppercase(), PASSWORD)
        .await
        .ok();
    assert_eq!(body["Agent"]["StatusID"], 4);
    assert!(body["ExpiresAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(status_of(&app, &m.token, a.agent_id).await, 4);
}

#[tokio::test]
async fn tokens_are_stored_only_as_sha256() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let stored = app
        .sql_strings("SELECT token_hash AS value FROM sessions")
        .await;
    assert_eq!(stored, vec![agentdesk::domain::token::hash(&m.token)]);
    assert!(!stored[0].contains(&m.token));
}

#[tokio::test]
async fn wrong_password_and_unknown_address_look_the_same() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let wrong = app.logon_reply(&m.email, "not-the-password").await;
    wrong.expect_error(401, "InvalidCredentials");
    let unknown = app.logon_reply("nobody@example.com", "whatever-pass").await;
    unknown.expect_error(401, "InvalidCredentials");
    assert_eq!(
        wrong.body["Error"]["Message"],
        unknown.body["Error"]["Message"]
    );
    app.logon_reply("not-an-address", "x")
        .await
        .expect_field_error("EmailAddress");
    app.logon_reply(&m.email, "")
        .await
        .expect_field_error("Password");
}

#[tokio::test]
async fn a_disabled_agent_cannot_log_on() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    app.post(
        "UpdateAgent",
        &m.token,
        json!({"AgentID": a.agent_id, "Enabled": false}),
    )
    .await
    .ok();
    app.logon_reply(&a.email, PASSWORD)
        .await
        .expect_error(403, "AgentDisabled");
    app.logon_reply(&a.email, "wrong-password")
        .await
        .expect_error(401, "InvalidCredentials");
}

#[tokio::test]
async fn more_than_five_failures_are_refused_even_when_they_race() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let attempts = (0..8).map(|_| app.logon_reply(&m.email, "wrong-password-1"));
    let replies = futures_util::future::join_all(attempts).await;
    let refused: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    let denied = replies.iter().filter(|r| r.status == 401).count();
    assert_eq!(
        (denied, refused.len()),
        (5, 3),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let retry: u64 = refused[0].headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // Refused even with the right password until the delay (2 s after five failures) passes.
    app.logon_reply(&m.email.to_uppercase(), PASSWORD)
        .await
        .expect_error(429, "TooManyLogonAttempts");
    app.advance_clock(chrono::Duration::seconds(3));
    app.logon_reply(&m.email, PASSWORD).await.ok();
}

#[tokio::test]
async fn a_successful_logon_clears_earlier_failures() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    for _ in 0..4 {
        app.logon_reply(&m.email, "wrong-password-1")
            .await
            .expect_error(401, "InvalidCredentials");
    }
    app.logon_reply(&m.email, PASSWORD).await.ok();
    for _ in 0..5 {
        app.logon_reply(&m.email, "wrong-password-1")
            .await
            .expect_error(401, "InvalidCredentials");
    }
}

#[tokio::test]
async fn keep_alive_slides_the_idle_expiry() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let before = app
        .sql_strings("SELECT CAST(idle_expires_at AS TEXT) AS value FROM sessions")
        .await;
    // Ten minutes later, a KeepAlive moves the idle expiry to an hour from then.
    app.advance_clock(chrono::Duration::minutes(10));
    let body = app.get("KeepAlive", &m.token, &[]).await.ok();
    let expires =
        chrono::DateTime::parse_from_rfc3339(body["ExpiresAt"].as_str().unwrap()).unwrap();
    let in_an_hour = app.ctx.clock.now_utc() + chrono::Duration::minutes(60);
    assert!(
        (expires.with_timezone(&chrono::Utc) - in_an_hour)
            .num_seconds()
            .abs()
            < 30
    );
    // Written within a second here (SESSION_TOUCH_SECONDS=0: the writer's shortest period),
    // with the other sessions slid meanwhile, in one commit.
    let started = std::time::Instant::now();
    while app
        .sql_strings("SELECT CAST(idle_expires_at AS TEXT) AS value FROM sessions")
        .await
        == before
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_session_near_its_idle_expiry_is_slid_by_the_call_itself() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    // 59 minutes 30 seconds later the idle expiry is half a minute away: no second is left to
    // the writer, another instance's sweep could end the session meanwhile.
    app.advance_clock(chrono::Duration::seconds(59 * 60 + 30));
    let before = app
        .sql_strings("SELECT CAST(idle_expires_at AS TEXT) AS value FROM sessions")
        .await;
    app.get("KeepAlive", &m.token, &[]).await.ok();
    assert_ne!(
        app.sql_strings("SELECT CAST(idle_expires_at AS TEXT) AS value FROM sessions")
            .await,
        before,
        "written before the answer"
    );
}

#[tokio::test]
async fn logoff_kills_the_token_and_sets_offline_after_the_last_session() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let second = app.logon(&a.email, PASSWORD).await;
    app.get("AgentLogoff", &a.token, &[]).await.ok();
    app.get("KeepAlive", &a.token, &[])
        .await
        .expect_error(401, "InvalidSessionToken");
    assert_eq!(
        status_of(&app, &m.token, a.agent_id).await,
        4,
        "still on through the second session"
    );
    app.call(Method::POST, "AgentLogoff", Some(&second.token), &[], None)
        .await
        .ok();
    assert_eq!(status_of(&app, &m.token, a.agent_id).await, 1);
}

#[tokio::test]
async fn expired_sessions_are_refused_and_swept_offline() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    let b = app.agent(&m, &[]).await;
    app.sql_with_id(
        "UPDATE sessions SET idle_expires_at = '2000-01-01 00:00:00' WHERE agent_id = $1",
        a.agent_id,
    )
    .await;
    app.sql_with_id(
        "UPDATE sessions SET absolute_expires_at = '2000-01-01 00:00:00' WHERE agent_id = $1",
        b.agent_id,
    )
    .await;
    app.get("KeepAlive", &a.token, &[])
        .await
        .expect_error(401, "InvalidSessionToken");
    app.get("KeepAlive", &b.token, &[])
        .await
        .expect_error(401, "InvalidSessionToken");
    let ctx = app.ctx.clone();
    let ended = tokio::task::spawn_blocking(move || auth::sweep_expired_sessions(&ctx))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended, 2);
    assert_eq!(status_of(&app, &m.token, a.agent_id).await, 1);
    assert_eq!(status_of(&app, &m.token, b.agent_id).await, 1);
    assert_eq!(status_of(&app, &m.token, m.agent_id).await, 4);
}

#[tokio::test]
async fn password_reset_by_mail_end_to_end() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let a = app.agent(&m, &[]).await;
    // No SessionToken needed; the seed's GET form with the address as a query parameter.
    let r = app
        .call(
            Method::GET,
            "RequestPasswordReset",
            None,
            &[("EmailAddress", &a.email.to_uppercase())],
            None,
        )
        .await;
    assert_eq!(r.ok()["Success"], true);
    let mails = app.wait_for_mails(1).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains(&a.email), "{}", mails[0]);
    let code = reset_code(&mails[0]);
    let stored = app
        .sql_strings("SELECT code_hash AS value FROM password_resets")
        .await;
    assert_eq!(stored, vec![agentdesk::domain::token::hash(&code)]);

    app.set_password(&code, "short")
        .await
        .expect_field_error("Password");
    app.set_password(&code, "a-brand-new-password").await.ok();
    app.get("KeepAlive", &a.token, &[])
        .await
        .expect_error(401, "InvalidSessionToken");
    app.logon_reply(&a.email, PASSWORD)
        .await
        .expect_error(401, "InvalidCredentials");
    app.logon_reply(&a.email, "a-brand-new-password").await.ok();
    app.set_password(&code, "another-password-2")
        .await
        .expect_error(400, "InvalidResetCode");
    app.set_password("0123456789abcdef0123456789abcdef", "another-password-2")
        .await
        .expect_error(400, "InvalidResetCode");
}

#[tokio::test]
async fn reset_codes_expire_and_unknown_addresses_get_no_mail() {
    let app = TestApp::spawn().await;
    let m = app.manager().await;
    let r = app
        .call(
            Method::GET,
            "RequestPasswordReset",
            None,
            &[("EmailAddress", "nobody@example.com")],
            None,
        )
        .await;
    assert_eq!(r.ok()["Success"], true);
    app.call(
        Method::GET,
        "RequestPasswordReset",
        None,
        &[("EmailAddress", "bad")],
        None,
    )
    .await
    .expect_field_error("EmailAddress");
    app.call(
        Method::GET,
        "RequestPasswordReset",
        Some(&m.token),
        &[("EmailAddress", &m.email)],
        None,
    )
    .await
    .ok();
    let mails = app.wait_for_mails(1).await;
    assert_eq!(mails.len(), 1, "only the known address got a mail");
    // Codes expire after RESET_CODE_MINUTES (60).
    app.advance_clock(chrono::Duration::minutes(61));
    let r = app
        .set_password(&reset_code(&mails[0]), "new-password-9")
        .await;
    r.expect_error(400, "InvalidResetCode");
}
