//! The schemas that must agree: the two migration trees (the same tables and columns), and the API
//! document with the validation (every rule and error stated).

use std::collections::BTreeMap;

use agentdesk::db::{migrations, DbConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use serde_json::{json, Value};
use utoipa::OpenApi;

use crate::helpers::{is_postgres, TestApp};

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

fn sqlite_columns() -> BTreeMap<String, Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = DbConnection::Sqlite(
        SqliteConnection::establish(&dir.path().join("s.db").display().to_string()).unwrap(),
    );
    migrations::run_pending(&mut conn).unwrap();
    let rows: Vec<Column> = diesel::sql_query(
        // Ordinary tables and views only: the text indexes differ by design (FTS5 virtual tables
        // and their shadow tables on SQLite, with the rows noted for them until a commit;
        // pg_trgm indexes on PostgreSQL).
        "SELECT t.name AS table_name, p.name AS column_name FROM pragma_table_list t, pragma_table_info(t.name) p \
         WHERE t.schema = 'main' AND t.type IN ('table', 'view') AND t.name NOT LIKE 'sqlite_%' \
         AND t.name NOT LIKE '%\\_search\\_pending' ESCAPE '\\' AND t.name != '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .unwrap();
    group(rows)
}

fn group(rows: Vec<Column>) -> BTreeMap<String, Vec<String>> {
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        tables.entry(r.table_name).or_default().push(r.column_name);
    }
    tables.values_mut().for_each(|c| c.sort());
    tables
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let sqlite = sqlite_columns();
    assert!(sqlite.contains_key("agents") && sqlite.contains_key("sessions"));
    if !is_postgres() {
        eprintln!("TEST_DATABASE_URL not set: compared SQLite only");
        return;
    }
    let app = TestApp::spawn().await;
    let ctx = app.ctx.clone();
    let pg = tokio::task::spawn_blocking(move || {
        let mut conn = ctx.pool.get().unwrap();
        let rows: Vec<Column> = diesel::sql_query(
            "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name != '__diesel_schema_migrations'",
        )
        .load(&mut **conn as &mut DbConnection)
        .unwrap();
        group(rows)
    })
    .await
    .unwrap();
    assert_eq!(sqlite, pg);
}

#[derive(diesel::QueryableByName)]
struct Hours {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    start_minute: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    end_minute: i32,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    enabled: bool,
}

fn week_of(conn: &mut DbConnection) -> Vec<(bool, i32, i32)> {
    diesel::sql_query("SELECT enabled, start_minute, end_minute FROM working_hours ORDER BY day")
        .load::<Hours>(conn)
        .unwrap()
        .into_iter()
        .map(|h| (h.enabled, h.start_minute, h.end_minute))
        .collect()
}

/// A desk made by an older release keeps its hours on upgrade (a manager may have chosen the old
/// Monday-Friday default); a new desk is open around the clock.
#[test]
fn upgrading_keeps_the_hours_of_a_desk_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let open = |name: &str| {
        DbConnection::Sqlite(
            SqliteConnection::establish(&dir.path().join(name).display().to_string()).unwrap(),
        )
    };
    let mut in_use = open("old.db");
    migrations::run_up_to(&mut in_use, "2026-11-23-000003").unwrap();
    diesel::sql_query(
        "INSERT INTO agents (name, email, email_key, role, status, enabled, notify_unassigned, created_at, updated_at) \
         VALUES ('Mia', 'mia@example.com', 'mia@example.com', 2, 1, TRUE, FALSE, '2026-11-24 09:00:00', '2026-11-24 09:00:00')",
    )
    .execute(&mut in_use)
    .unwrap();
    let before = week_of(&mut in_use);
    assert_eq!(before[0], (true, 480, 1020), "the old default");
    migrations::run_pending(&mut in_use).unwrap();
    assert_eq!(week_of(&mut in_use), before);

    let mut new = open("new.db");
    migrations::run_pending(&mut new).unwrap();
    assert_eq!(week_of(&mut new), vec![(true, 0, 1440); 7]);
}

/// The API document, as `/api/openapi.json` serves it.
fn api_document() -> Value {
    serde_json::to_value(agentdesk::http::openapi::ApiDoc::openapi()).unwrap()
}

/// Every operation: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), op.clone()));
        }
    }
    all
}

/// A schema with its `$ref` followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")],
        None => schema,
    }
}

/// The properties of a request body's schema (through `$ref` and `allOf`), by name.
fn body_properties(doc: &Value, schema: &Value) -> BTreeMap<String, Value> {
    let schema = resolve(doc, schema);
    let mut properties: BTreeMap<String, Value> = schema["properties"]
        .as_object()
        .map(|p| p.clone().into_iter().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        for (name, property) in body_properties(doc, part) {
            properties.entry(name).or_insert(property);
        }
    }
    properties
}

/// The request fields of an operation: its parameters and its body's properties.
fn request_fields(doc: &Value, op: &Value) -> Vec<(String, Value)> {
    let mut fields: Vec<(String, Value)> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["schema"].clone()))
        .collect();
    if let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema") {
        fields.extend(body_properties(doc, schema));
    }
    fields
}

/// Texts without a bound of their own: free-form values the server keeps as they come or only
/// passes on (a file's name is cleaned, a password only compared).
const FREE_TEXTS: [&str; 8] = [
    "additionalData",
    // The channel's customer details: any text is taken, a malformed one is left out and named
    // under the answer's `Ignored` rather than refused (issue 23).
    "customerName",
    "emailAddress",
    "phoneNumber",
    "externalAddressOverwrite",
    "AttachmentName",
    "fileName",
    "Password",
];

/// The document states the validation, so generated clients and fuzzers send what the server
/// takes: if a rule is dropped from an annotation, this fails rather than the document loosening.
#[test]
fn the_api_document_states_every_rule_and_error() {
    let doc = api_document();
    let error_body = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error_body["required"], json!(["Error"]));
    assert_eq!(
        error_body["properties"]["Error"]["required"],
        json!(["Code", "Message", "Fields"])
    );
    let mut ids = std::collections::BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let at = format!("{method} {path}");
        assert!(
            ids.insert(op["operationId"].as_str().unwrap().to_owned()),
            "{at}: operationId repeated"
        );
        if !path.starts_with("/api/") {
            continue;
        }
        let mut errors = vec!["400", "500", "503"];
        if op.get("security").is_some() {
            errors.push("401");
        }
        if op.get("requestBody").is_some() {
            errors.extend(["413", "415"]);
        }
        for status in errors {
            assert_eq!(
                op["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{at}: {status} with the error body"
            );
        }
        // The channel API and the web chat's visitor API take no Version.
        if !path.starts_with("/api/v2/") && !path.starts_with("/api/webchat/") {
            let version = &op["parameters"][0];
            assert_eq!(
                (&version["name"], &version["required"]),
                (&json!("Version"), &json!(true)),
                "{at}"
            );
        }
        for (name, schema) in request_fields(&doc, &op) {
            let schema = resolve(&doc, &schema);
            let types = schema["type"].to_string();
            if name.ends_with("ID") && types.contains("integer") {
                assert!(
                    schema["minimum"] == json!(1) || schema.get("enum").is_some(),
                    "{at}: {name} is an id from 1: {schema}"
                );
            }
            if types.contains("string") && !FREE_TEXTS.contains(&name.as_str()) {
                assert!(
                    ["maxLength", "pattern", "enum"]
                        .iter()
                        .any(|rule| schema.get(*rule).is_some()),
                    "{at}: {name} is a text without a bound: {schema}"
                );
            }
        }
    }

    let param = |path: &str, name: &str| -> Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} has no {name}"))
            .clone()
    };
    let page_size = param("/api/GetChatList", "PageSize");
    assert_eq!(
        (
            &page_size["schema"]["minimum"],
            &page_size["schema"]["maximum"]
        ),
        (&json!(1), &json!(100))
    );
    assert_eq!(page_size["required"], json!(false));
    assert_eq!(
        param("/api/DataInsight", "Period")["schema"]["enum"],
        json!(["day", "week", "month", "year"])
    );
    assert_eq!(param("/api/GetChat", "ChatID")["required"], json!(true));

    let create_agent = &doc["components"]["schemas"]["CreateAgentRequest"];
    assert_eq!(
        create_agent["required"],
        json!(["Name", "EmailAddress", "RoleID"])
    );
    let agent = &create_agent["properties"];
    assert_eq!(agent["RoleID"]["enum"], json!([1, 2]));
    assert_eq!(agent["Name"]["maxLength"], json!(100));
    let email = agent["EmailAddress"]["pattern"].as_str().unwrap();
    assert!(email.contains('@'), "{email}");
    assert_eq!(agent["Password"]["minLength"], json!(8));
    // An optional field takes null ("a JSON null counts as absent").
    assert!(
        agent["MobileNumber"]["type"].to_string().contains("null"),
        "{}",
        agent["MobileNumber"]
    );
    let schedule = &doc["components"]["schemas"]["CreateReportScheduleRequest"]["properties"];
    assert_eq!(
        schedule["Grouping"]["items"]["enum"],
        json!(["DAY", "WEEK", "MONTH"])
    );
    assert_eq!(schedule["Grouping"]["minItems"], json!(1));
    let session = &doc["components"]["schemas"]["NewChatMessageRequest"]["properties"];
    assert_eq!(session["chatSessionID"]["maxLength"], json!(65));
}

#[test]
fn the_document_rejects_what_the_validation_rejects() {
    let doc = api_document();
    let agent = &doc["components"]["schemas"]["CreateAgentRequest"]["properties"];
    let pattern = |schema: &Value| regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
    let name = pattern(&agent["Name"]);
    for (text, taken) in [
        ("Mia", true),
        ("  ", false),
        ("a\u{0}b", false),
        ("two\nlines", true),
    ] {
        assert_eq!(
            name.is_match(text),
            agentdesk::domain::required_text(text, 100).is_ok(),
            "{text:?}"
        );
        assert_eq!(name.is_match(text), taken, "{text:?}");
    }
    let email = pattern(&agent["EmailAddress"]);
    for text in ["mia@example.com", "a.b+c@mail.example.co.za"] {
        assert!(email.is_match(text), "{text}");
        assert!(agentdesk::domain::EmailAddress::parse(text).is_ok());
    }
    for text in ["plain", "a@b", "<a>@x.com", "a b@x.com"] {
        assert!(!email.is_match(text), "{text}");
    }
}
