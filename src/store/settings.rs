//! Settings as stored text (GetSettings, UpdateSettings; the widget's lists for checkOriginAndIP
//! and whitelistedDomainsAndBlacklistedIPs).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::settings;
use crate::db::{dialect, DbConnection};

/// Every stored (key, value).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    settings::table
        .select((settings::key, settings::value))
        .load(conn)
}

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

pub fn put(conn: &mut DbConnection, key: &str, value: &str, now: NaiveDateTime) -> QueryResult<()> {
    dialect::upsert_setting(conn, key, value, now)
}
