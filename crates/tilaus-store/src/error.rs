use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A database URL that cannot be used; the message names the problem.
    #[error("{0}")]
    Config(String),
    /// A stored value that the code cannot read back (a bug or a manual edit of the database).
    #[error("corrupt stored value in {column}: {value}")]
    Corrupt { column: &'static str, value: String },
}

impl StoreError {
    /// Whether the error is a unique-constraint violation (a duplicate).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }

    /// Whether the pool was closed (the server is shutting down).
    pub fn is_pool_closed(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::PoolClosed))
    }

    pub fn corrupt(column: &'static str, value: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            column,
            value: value.to_string(),
        }
    }
}
