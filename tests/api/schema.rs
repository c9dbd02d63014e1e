//! The two migration trees must produce the same tables and columns.

use std::collections::BTreeMap;

use agentdesk::db::{migrations, DbConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

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
        // Ordinary tables only: the text indexes differ by design (FTS5 virtual tables and their
        // shadow tables on SQLite, pg_trgm indexes on PostgreSQL).
        "SELECT t.name AS table_name, p.name AS column_name FROM pragma_table_list t, pragma_table_info(t.name) p \
         WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite_%' \
         AND t.name != '__diesel_schema_migrations'",
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
