//! Embedded migrations, one tree per backend with the same folder names.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration of the connection's backend; returns how many ran.
pub fn run_pending(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.len()),
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES).map(|v| v.len()),
    };
    applied.map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// Applies pending migrations up to and including `version` (a folder name's leading date and
/// number, e.g. `2026-11-23-000003`); for upgrade tests that need a database as an older release
/// left it.
pub fn run_up_to(conn: &mut DbConnection, version: &str) -> anyhow::Result<()> {
    fn step<C, B>(c: &mut C, source: EmbeddedMigrations, version: &str) -> anyhow::Result<()>
    where
        C: MigrationHarness<B>,
        B: diesel::backend::Backend,
    {
        let pending = c
            .pending_migrations(source)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for migration in pending {
            let name = migration.name().to_string();
            if name.as_str() > version && !name.starts_with(version) {
                break;
            }
            c.run_migration(&*migration)
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        }
        Ok(())
    }
    match conn {
        DbConnection::Sqlite(c) => step(c, SQLITE, version),
        DbConnection::Postgres(c) => step(c, POSTGRES, version),
    }
}
