//! Keyset pagination by id: stable under concurrent inserts, and cheap at any depth.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryResult, QueryTrait, Select, Statement};

/// The largest page the store hands out, whatever the caller asks for.
pub const MAX_PAGE_SIZE: u64 = 500;

/// The page sizes page queries are written for. A page of another size fetches the next
/// larger one and is cut (see [`PageRequest::rows_to_fetch`]), so that each filter shape has
/// only these few statement texts, all kept in the connection's statement cache.
const FETCHED_PAGE_SIZES: [u64; 8] = [1, 5, 10, 20, 50, 100, 200, MAX_PAGE_SIZE];

/// "Up to `limit` rows with an id greater than `after`", in id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<i64>,
    pub limit: u64,
}

impl PageRequest {
    pub fn first(limit: u64) -> Self {
        PageRequest { after: None, limit }
    }

    pub fn after(cursor: i64, limit: u64) -> Self {
        PageRequest {
            after: Some(cursor),
            limit,
        }
    }

    pub(crate) fn effective_limit(&self) -> u64 {
        self.limit.clamp(1, MAX_PAGE_SIZE)
    }

    /// The rows a page query asks for: the effective limit rounded up to one of
    /// [`FETCHED_PAGE_SIZES`], plus one to tell whether a next page exists.
    fn rows_to_fetch(&self) -> u64 {
        let limit = self.effective_limit();
        let fetched = FETCHED_PAGE_SIZES
            .into_iter()
            .find(|size| *size >= limit)
            .unwrap_or(MAX_PAGE_SIZE);
        fetched + 1
    }
}

/// Runs `select` — filtered and ordered by id, with no limit of its own — for one page.
///
/// The row count is written into the SQL as a literal (an integer from
/// [`PageRequest::rows_to_fetch`], never text from a caller) instead of sea-query's bound
/// `LIMIT ?`: SQLite treats a statement whose `LIMIT` is a parameter as depending on its value
/// and parses and plans it again (`sqlite3Reprepare`) on every execution after a new binding,
/// so the statement cache saved nothing for page queries. With a literal the prepared
/// statement is reused; only the filter values stay bound.
pub(crate) async fn fetch_page<E, C>(
    select: Select<E>,
    page: PageRequest,
    db: &C,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let items = E::find()
        .from_raw_sql(page_statement(select, page, db))
        .all(db)
        .await?;
    Ok(Page::from_overfetch(items, page.effective_limit()))
}

/// [`fetch_page`] for a select of some columns only: each row as the database returned it.
pub(crate) async fn fetch_page_rows<E, C>(
    select: Select<E>,
    page: PageRequest,
    db: &C,
) -> Result<Page<QueryResult>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let rows = db.query_all_raw(page_statement(select, page, db)).await?;
    Ok(Page::from_overfetch(rows, page.effective_limit()))
}

fn page_statement<E: EntityTrait, C: ConnectionTrait>(
    select: Select<E>,
    page: PageRequest,
    db: &C,
) -> Statement {
    let mut statement = select.build(db.get_database_backend());
    statement.sql += &format!(" LIMIT {}", page.rows_to_fetch());
    statement
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Splits one extra fetched row off into `has_next_page`.
    pub(crate) fn from_overfetch(mut items: Vec<T>, limit: u64) -> Self {
        let has_next_page = items.len() as u64 > limit;
        items.truncate(limit as usize);
        Page {
            items,
            has_next_page,
        }
    }
}
