//! Embedded migrations, one series per backend, and a normalised description of the resulting
//! schema so that a test can prove the two series describe the same tables.

use crate::{Db, StoreError};
use sqlx::Row as _;
use sqlx::migrate::Migrator;
use std::collections::BTreeSet;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// Brings the database up to the newest schema.
pub async fn run(db: &Db) -> Result<(), StoreError> {
    match db {
        Db::Sqlite { write, .. } => SQLITE.run(write).await?,
        Db::Postgres(pool) => POSTGRES.run(pool).await?,
    }
    Ok(())
}

/// A backend-neutral description of the schema: tables, columns with type family and
/// nullability, and indexes with their columns and uniqueness.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaDescription {
    /// `table.column family [null]`
    pub columns: BTreeSet<String>,
    /// `table(col, col) [unique]`, primary keys included; PostgreSQL-only search indexes
    /// (names ending in `_trgm`) are left out.
    pub indexes: BTreeSet<String>,
}

/// Type families that mean the same on both backends.
fn family(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        // SQLite keeps UUIDs and raw bytes alike as BLOB.
        "blob" | "uuid" | "bytea" => "binary",
        "bigint" | "int8" => "bigint",
        "integer" | "int" | "int4" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "boolean" | "bool" => "boolean",
        other => return other.to_owned(),
    }
    .to_owned()
}

fn column_line(table: &str, column: &str, declared: &str, nullable: bool) -> String {
    format!(
        "{table}.{column} {}{}",
        family(declared),
        if nullable { " null" } else { "" }
    )
}

fn index_line(table: &str, columns: &[String], unique: bool) -> String {
    format!(
        "{table}({}){}",
        columns.join(", "),
        if unique { " unique" } else { "" }
    )
}

pub async fn describe(db: &Db) -> Result<SchemaDescription, StoreError> {
    match db {
        Db::Sqlite { read, .. } => describe_sqlite(read).await,
        Db::Postgres(pool) => describe_postgres(pool).await,
    }
}

async fn describe_sqlite(pool: &sqlx::SqlitePool) -> Result<SchemaDescription, StoreError> {
    let mut description = SchemaDescription::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await?;
    for table in tables {
        let columns = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
            .bind(&table)
            .fetch_all(pool)
            .await?;
        let mut primary_key: Vec<(i64, String)> = Vec::new();
        let key_columns = columns
            .iter()
            .filter(|c| c.try_get::<i64, _>("pk").is_ok_and(|pk| pk > 0))
            .count();
        for column in columns {
            let name: String = column.try_get("name")?;
            let pk: i64 = column.try_get("pk")?;
            let not_null: i64 = column.try_get("notnull")?;
            let declared: &str = column.try_get("type")?;
            // A lone `INTEGER PRIMARY KEY` is the rowid, always 64 bits: PostgreSQL's BIGINT.
            let rowid = key_columns == 1 && pk == 1 && declared.eq_ignore_ascii_case("integer");
            // A primary key column is NOT NULL on PostgreSQL whether declared so or not.
            description.columns.insert(column_line(
                &table,
                &name,
                if rowid { "bigint" } else { declared },
                not_null == 0 && pk == 0,
            ));
            if pk > 0 {
                primary_key.push((pk, name));
            }
        }
        primary_key.sort();
        description.indexes.insert(index_line(
            &table,
            &primary_key.into_iter().map(|(_, n)| n).collect::<Vec<_>>(),
            true,
        ));
        let indexes = sqlx::query("SELECT name, \"unique\", origin FROM pragma_index_list(?)")
            .bind(&table)
            .fetch_all(pool)
            .await?;
        for index in indexes {
            let origin: String = index.try_get("origin")?;
            if origin == "pk" {
                continue;
            }
            let name: String = index.try_get("name")?;
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(pool)
                    .await?;
            let unique: i64 = index.try_get("unique")?;
            description
                .indexes
                .insert(index_line(&table, &columns, unique == 1));
        }
    }
    Ok(description)
}

async fn describe_postgres(pool: &sqlx::PgPool) -> Result<SchemaDescription, StoreError> {
    let mut description = SchemaDescription::default();
    let columns = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, is_nullable::text AS is_nullable \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(pool)
    .await?;
    for column in columns {
        let table: String = column.try_get("table_name")?;
        let name: String = column.try_get("column_name")?;
        let nullable: String = column.try_get("is_nullable")?;
        description.columns.insert(column_line(
            &table,
            &name,
            column.try_get("data_type")?,
            nullable == "YES",
        ));
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique, \
                array_agg(a.attname::text ORDER BY k.ord) AS columns \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = current_schema() AND t.relname NOT LIKE '\\_sqlx%' \
         GROUP BY t.relname, i.relname, ix.indisunique",
    )
    .fetch_all(pool)
    .await?;
    for index in indexes {
        let name: String = index.try_get("index_name")?;
        if name.ends_with("_trgm") {
            continue;
        }
        let table: String = index.try_get("table_name")?;
        let columns: Vec<String> = index.try_get("columns")?;
        description
            .indexes
            .insert(index_line(&table, &columns, index.try_get("is_unique")?));
    }
    Ok(description)
}
