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
        "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name != '__diesel_schema_migrations'",
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
        .load(&mut *conn as &mut DbConnection)
        .unwrap();
        group(rows)
    })
    .await
    .unwrap();
    assert_eq!(sqlite, pg);
}
