//! Building blocks shared by the migrations, so that every table spells foreign keys, CHECKs
//! and indexes the same way (the store maps constraint names back to field names).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// A foreign key named `fk_<table>_<column>`.
pub fn foreign_key(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    parent: impl IntoIden + 'static,
    parent_column: impl IntoIden + 'static,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let table = table.into_iden();
    let column = column.into_iden();
    ForeignKey::create()
        .name(format!("fk_{}_{}", table, column))
        .from(table, column)
        .to(parent, parent_column)
        .on_delete(on_delete)
        .to_owned()
}

/// A CHECK that a column holds one of the given strings.
pub fn one_of(name: &str, column: impl IntoIden + 'static, values: &[&str]) -> Check {
    Check::named(
        name.to_owned(),
        Expr::col(column.into_iden()).is_in(values.iter().copied()),
    )
}

/// A CHECK that a text column is not empty.
pub fn not_empty(name: &str, column: &str) -> Check {
    Check::named(name.to_owned(), Expr::cust(format!("length({column}) > 0")))
}

/// A CHECK that an optional integer column is positive when present.
pub fn positive_or_null(name: &str, column: &str) -> Check {
    Check::named(
        name.to_owned(),
        Expr::cust(format!("{column} IS NULL OR {column} > 0")),
    )
}

/// A CHECK that an optional text column holds 1 to `max` ASCII digits when present. SQLite has
/// no regular expressions, so it gets the equivalent GLOB test.
pub fn digits_or_null(backend: DbBackend, name: &str, column: &str, max: u32) -> Check {
    let expr = match backend {
        DbBackend::Postgres => format!("{column} ~ '^[0-9]{{1,{max}}}$'"),
        _ => format!("length({column}) BETWEEN 1 AND {max} AND {column} NOT GLOB '*[^0-9]*'"),
    };
    Check::named(name.to_owned(), Expr::cust(expr))
}

/// An index named as given over the columns of one table.
pub fn index<T, C>(name: &str, table: T, columns: C) -> IndexCreateStatement
where
    T: IntoIden + 'static,
    C: IntoIterator,
    C::Item: IntoIden + 'static,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column.into_iden());
    }
    index
}
