//! Meeting pages at and around every page size: the page query asks the database for a row
//! count of its own (see `store::page`), and each page must still hold exactly the rows asked
//! for, with `has_next_page` true exactly when more follow.

mod common;

use common::fixture;
use store::{MeetingFilter, MeetingSettings, NewMeeting, PageRequest, TestDb};

/// The store's largest page (`store::page::MAX_PAGE_SIZE`): larger requests are cut to it.
const LARGEST_PAGE: usize = 500;

#[tokio::test]
async fn meeting_pages_hold_exactly_the_rows_asked_for_at_every_size() {
    let db = TestDb::new().await;
    let store = db.store();
    let f = fixture(store).await;
    let mut ids = Vec::new();
    for number in 0..LARGEST_PAGE + 2 {
        let meeting = store
            .meetings()
            .create(NewMeeting {
                group_id: f.group.id,
                owner_id: Some(f.user.id),
                settings: MeetingSettings::new(format!("Meeting {number}")),
            })
            .await
            .unwrap();
        ids.push(meeting.id);
    }
    let filter = MeetingFilter {
        site_id: Some(f.site.id),
        accessible_by: Some(f.user.id),
        ..MeetingFilter::default()
    };
    let list = |page: PageRequest| {
        let filter = filter.clone();
        async move {
            let page = store.meetings().list(&filter, page).await.unwrap();
            let ids: Vec<i64> = page.items.iter().map(|meeting| meeting.id).collect();
            (ids, page.has_next_page)
        }
    };

    let total = ids.len();
    for asked in [
        0, 1, 2, 4, 5, 6, 9, 10, 11, 19, 20, 21, 30, 49, 50, 51, 99, 100, 101, 199, 200, 201, 499,
        500, 501, 1000,
    ] {
        let size = (asked as usize).clamp(1, LARGEST_PAGE);
        assert_eq!(
            list(PageRequest::first(asked)).await,
            (ids[..size].to_vec(), true),
            "first {asked}"
        );
        // Exactly a page left.
        let cursor = ids[total - size - 1];
        assert_eq!(
            list(PageRequest::after(cursor, asked)).await,
            (ids[total - size..].to_vec(), false),
            "{asked} after the {}th",
            total - size - 1
        );
        // One row more than a page left.
        let cursor = ids[total - size - 2];
        assert_eq!(
            list(PageRequest::after(cursor, asked)).await,
            (ids[total - size - 1..total - 1].to_vec(), true),
            "{asked} after the {}th",
            total - size - 2
        );
        // One row less than a page left.
        let cursor = ids[total - size];
        assert_eq!(
            list(PageRequest::after(cursor, asked)).await,
            (ids[total - size + 1..].to_vec(), false),
            "{asked} after the {}th",
            total - size
        );
    }

    // Following the cursor with page sizes on and off the sizes the query is written for.
    for asked in [1, 30, 50, 100, 500] {
        let mut seen = Vec::new();
        let mut request = PageRequest::first(asked);
        loop {
            let (page, has_next_page) = list(request).await;
            assert!(page.len() <= asked as usize, "pages of {asked}");
            seen.extend_from_slice(&page);
            if !has_next_page {
                break;
            }
            request = PageRequest::after(*page.last().unwrap(), asked);
        }
        assert_eq!(seen, ids, "pages of {asked}");
    }
}
