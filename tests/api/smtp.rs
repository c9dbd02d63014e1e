//! Mail over real SMTP (a sink on loopback) when `SMTP_URL` is set.

use reqwest::Method;

use crate::helpers::{reset_code, TestApp};
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn reset_mail_goes_over_smtp_when_configured() {
    let sink = SmtpSink::start(0).await;
    let app = TestApp::spawn_with(&[
        ("SMTP_URL", &sink.url()),
        ("MAIL_FROM", "Desk <desk@example.com>"),
    ])
    .await;
    let m = app.manager().await;
    app.call(
        Method::GET,
        "RequestPasswordReset",
        None,
        &[("EmailAddress", &m.email)],
        None,
    )
    .await
    .ok();
    let mails = sink.wait_for(1, 10).await;
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("From: Desk <desk@example.com>"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains(&m.email));
    assert!(mails[0].contains("Subject: Reset your agentdesk password"));
    let code = reset_code(&mails[0]);
    let r = app.set_password(&code, "via-smtp-123").await;
    r.ok();
    app.logon(&m.email, "via-smtp-123").await;
    assert!(
        app.mails().is_empty(),
        "no .eml files when SMTP is configured"
    );
}
