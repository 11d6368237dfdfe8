//! The one place where rendered statements meet the database.
//!
//! Statements are built with sea-query and rendered here for the backend in use. This module is
//! the only one that wraps SQL text in [`AssertSqlSafe`]: the text always comes from sea-query or
//! from the constant strings in [`crate::dialect`], never from user input.

use crate::StoreError;
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::Row as _;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ConnectOptions, FromRow, PgPool, Postgres, Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// A row type both drivers can decode.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: SQLite (a single writer plus readers, as WAL allows) or a PostgreSQL pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// A write transaction.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A pooled connection for reads outside a transaction.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Db {
    /// Opens the database a URL names: `sqlite:PATH` (created when missing) or
    /// `postgres://…`. Anything else is refused with a message that names the problem.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            Self::connect_sqlite(path.trim_start_matches("//")).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, 16).await
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL '{}': use sqlite:PATH or postgres://USER@HOST/DB",
                redact(url)
            )))
        }
    }

    async fn connect_sqlite(path: &str) -> Result<Db, StoreError> {
        if path.is_empty() || path.contains(":memory:") {
            return Err(StoreError::Config("sqlite: needs a file path (in-memory databases cannot be shared by the reader and writer pools)".into()));
        }
        // Durability stays the safe default (synchronous=FULL). The single-connection write pool
        // is what serialises writers, so users never see "database is locked"; the busy
        // timeout only covers readers meeting a checkpoint.
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|e| StoreError::Config(format!("invalid sqlite path '{path}': {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .log_statements(tracing::log::LevelFilter::Trace);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Db::Sqlite { read, write })
    }

    /// Connects to PostgreSQL with a pool of `max_connections`.
    pub async fn connect_postgres(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| {
                StoreError::Config(format!("invalid postgres URL '{}': {e}", redact(url)))
            })?
            .log_statements(tracing::log::LevelFilter::Trace);
        // One direct connection first: a refused port or an unknown host then fails at once
        // with its real reason, instead of after the pool's acquire timeout as "pool timed out".
        let probe = tokio::time::timeout(Duration::from_secs(10), options.connect())
            .await
            .map_err(|_| {
                StoreError::Config(format!(
                    "PostgreSQL at '{}' did not answer within 10 s",
                    redact(url)
                ))
            })??;
        sqlx::Connection::close(probe).await?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Db::Postgres(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it begins IMMEDIATE so that the write lock is taken
    /// up front rather than failing on upgrade halfway through.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<Conn, StoreError> {
        Ok(match self {
            Db::Sqlite { read, .. } => Conn::Sqlite(read.acquire().await?),
            Db::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read().await?.execute_raw("SELECT 1").await.map(|_| ())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Removes a password from a database URL before it is shown.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Running statements: implemented by transactions and by plain connections alike, so that a
/// query function serves both.
pub trait Queries: Send {
    fn backend(&self) -> Backend;
    /// Runs a statement; returns the number of rows it touched.
    fn execute<S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    fn fetch_all<T: Row, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send;
    fn fetch_optional<T: Row, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl Future<Output = Result<Option<T>, StoreError>> + Send;
    /// Like [`Queries::fetch_all`] but never as a cached prepared statement, so PostgreSQL plans
    /// it for the actual values every time. Lists need this: a generic plan cannot see the
    /// search pattern and is many times slower (reference/performance.md, trap 1).
    fn fetch_all_planned<T: Row, S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl Future<Output = Result<Vec<T>, StoreError>> + Send;
    /// The plan the database chooses for a query with these values, one line per step
    /// (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL, planned for the actual values
    /// as [`Queries::fetch_all_planned`] is).
    fn explain<S: SqlxBinder + Sync>(
        &mut self,
        stmt: &S,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    /// Runs constant SQL from [`crate::dialect`] with integer arguments.
    fn execute_raw(
        &mut self,
        sql: &'static str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Runs a constant query from [`crate::dialect`] with a key and a count; reads one `i64`
    /// per row.
    fn fetch_i64s(
        &mut self,
        sql: &'static str,
        key: uuid::Uuid,
        count: i64,
    ) -> impl Future<Output = Result<Vec<i64>, StoreError>> + Send;
    /// Runs a constant query with one `i64` argument and reads one boolean back.
    fn fetch_bool(
        &mut self,
        sql: &'static str,
        argument: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

macro_rules! impl_queries {
    ($type:ident) => {
        impl Queries for $type {
            fn backend(&self) -> Backend {
                match self {
                    $type::Sqlite(_) => Backend::Sqlite,
                    $type::Postgres(_) => Backend::Postgres,
                }
            }

            async fn execute<S: SqlxBinder + Sync>(&mut self, stmt: &S) -> Result<u64, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => {
                        let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                        sqlx::query_with(AssertSqlSafe(sql), values)
                            .execute(&mut **c)
                            .await?
                            .rows_affected()
                    }
                    $type::Postgres(c) => {
                        let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                        sqlx::query_with(AssertSqlSafe(sql), values)
                            .execute(&mut **c)
                            .await?
                            .rows_affected()
                    }
                })
            }

            async fn fetch_all<T: Row, S: SqlxBinder + Sync>(
                &mut self,
                stmt: &S,
            ) -> Result<Vec<T>, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => {
                        let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                        sqlx::query_as_with(AssertSqlSafe(sql), values)
                            .fetch_all(&mut **c)
                            .await?
                    }
                    $type::Postgres(c) => {
                        let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                        sqlx::query_as_with(AssertSqlSafe(sql), values)
                            .fetch_all(&mut **c)
                            .await?
                    }
                })
            }

            async fn fetch_optional<T: Row, S: SqlxBinder + Sync>(
                &mut self,
                stmt: &S,
            ) -> Result<Option<T>, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => {
                        let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                        sqlx::query_as_with(AssertSqlSafe(sql), values)
                            .fetch_optional(&mut **c)
                            .await?
                    }
                    $type::Postgres(c) => {
                        let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                        sqlx::query_as_with(AssertSqlSafe(sql), values)
                            .fetch_optional(&mut **c)
                            .await?
                    }
                })
            }

            async fn fetch_all_planned<T: Row, S: SqlxBinder + Sync>(
                &mut self,
                stmt: &S,
            ) -> Result<Vec<T>, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => {
                        let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                        sqlx::query_as_with(AssertSqlSafe(sql), values)
                            .fetch_all(&mut **c)
                            .await?
                    }
                    $type::Postgres(c) => {
                        let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                        sqlx::query_as_with(AssertSqlSafe(sql), values)
                            .persistent(false)
                            .fetch_all(&mut **c)
                            .await?
                    }
                })
            }

            async fn explain<S: SqlxBinder + Sync>(
                &mut self,
                stmt: &S,
            ) -> Result<Vec<String>, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => {
                        let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                        sqlx::query_with(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")), values)
                            .fetch_all(&mut **c)
                            .await?
                            .iter()
                            .map(|row| row.try_get::<String, _>("detail"))
                            .collect::<Result<_, _>>()?
                    }
                    $type::Postgres(c) => {
                        let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                        sqlx::query_with(AssertSqlSafe(format!("EXPLAIN {sql}")), values)
                            .persistent(false)
                            .fetch_all(&mut **c)
                            .await?
                            .iter()
                            .map(|row| row.try_get::<String, _>(0))
                            .collect::<Result<_, _>>()?
                    }
                })
            }

            async fn execute_raw(&mut self, sql: &'static str) -> Result<u64, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => sqlx::query(sql).execute(&mut **c).await?.rows_affected(),
                    $type::Postgres(c) => sqlx::query(sql).execute(&mut **c).await?.rows_affected(),
                })
            }

            async fn fetch_i64s(
                &mut self,
                sql: &'static str,
                key: uuid::Uuid,
                count: i64,
            ) -> Result<Vec<i64>, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => {
                        sqlx::query_scalar(sql)
                            .bind(key)
                            .bind(count)
                            .fetch_all(&mut **c)
                            .await?
                    }
                    $type::Postgres(c) => {
                        sqlx::query_scalar(sql)
                            .bind(key)
                            .bind(count)
                            .fetch_all(&mut **c)
                            .await?
                    }
                })
            }

            async fn fetch_bool(
                &mut self,
                sql: &'static str,
                argument: i64,
            ) -> Result<bool, StoreError> {
                Ok(match self {
                    $type::Sqlite(c) => {
                        sqlx::query_scalar(sql)
                            .bind(argument)
                            .fetch_one(&mut **c)
                            .await?
                    }
                    $type::Postgres(c) => {
                        sqlx::query_scalar(sql)
                            .bind(argument)
                            .fetch_one(&mut **c)
                            .await?
                    }
                })
            }
        }
    };
}

impl_queries!(Tx);
impl_queries!(Conn);

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(
            redact("postgres://app:secret@db/tilaus"),
            "postgres://app:***@db/tilaus"
        );
        assert_eq!(
            redact("postgres://app@db/tilaus"),
            "postgres://app@db/tilaus"
        );
    }
}
