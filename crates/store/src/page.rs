//! Keyset pagination by id: stable under concurrent inserts, and cheap at any depth.

/// The largest page the store hands out, whatever the caller asks for.
pub const MAX_PAGE_SIZE: u64 = 500;

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
