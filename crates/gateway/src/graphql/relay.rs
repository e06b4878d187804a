//! Relay conventions: global object IDs, the `Node` interface with `node(id:)`, and forward
//! cursor connections over the store's keyset pages.
//!
//! A global ID is `base64("Type:id")`, e.g. `VXNlcjo0Mg==` for `User:42`. To make a type
//! fetchable through `node(id:)`: implement [`NodeType`] for it, add a variant to [`Node`] and
//! one arm to [`NodeQueries::node`].

use std::future::Future;

use async_graphql::{
    Context, ID, Interface, Object, OutputType,
    connection::{Connection, CursorType, Edge},
};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use service::model::{Page, PageRequest};

use super::{
    meetings::MeetingNode,
    servers::{ServerGroupNode, ServerNode},
    tokens::ApiTokenNode,
    user::UserNode,
};
use crate::error::GatewayError;

/// A GraphQL object type with global IDs.
pub trait NodeType {
    /// The GraphQL type name, the first part of the global ID.
    const TYPE_NAME: &'static str;

    /// The database id of this object.
    fn database_id(&self) -> i64;

    /// The global ID of this object.
    fn global_id(&self) -> ID {
        encode_id(Self::TYPE_NAME, self.database_id())
    }
}

/// `base64("Type:id")`.
pub fn encode_id(type_name: &str, id: i64) -> ID {
    ID(BASE64.encode(format!("{type_name}:{id}")))
}

/// Splits a global ID into type name and database id; BAD_USER_INPUT on anything else.
pub fn decode_id(id: &ID) -> Result<(String, i64), GatewayError> {
    let invalid = || GatewayError::bad_field("id", format!("`{}` is not an ID of this API", id.0));
    let text = BASE64
        .decode(id.0.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(invalid)?;
    let (type_name, database_id) = text.split_once(':').ok_or_else(invalid)?;
    let database_id = database_id.parse().map_err(|_| invalid())?;
    if type_name.is_empty() {
        return Err(invalid());
    }
    Ok((type_name.to_owned(), database_id))
}

/// The database id behind a global ID that must name a `T`; BAD_USER_INPUT (naming `field`)
/// for garbage or an ID of another type.
pub fn decode_id_of<T: NodeType>(id: &ID, field: &str) -> Result<i64, GatewayError> {
    match decode_id(id) {
        Ok((type_name, database_id)) if type_name == T::TYPE_NAME => Ok(database_id),
        _ => Err(GatewayError::bad_field(
            field,
            format!("`{}` is not the ID of a {}", id.0, T::TYPE_NAME),
        )),
    }
}

/// Every object with a global ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The global ID of the object."))]
pub enum Node {
    User(UserNode),
    Meeting(MeetingNode),
    ServerGroup(ServerGroupNode),
    Server(ServerNode),
    ApiToken(ApiTokenNode),
}

#[derive(Default)]
pub struct NodeQueries;

#[Object]
impl NodeQueries {
    /// Fetches any object by its global ID; null when it does not exist or is not visible to
    /// the viewer.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, GatewayError> {
        let (type_name, database_id) = decode_id(&id)?;
        Ok(match type_name.as_str() {
            UserNode::TYPE_NAME => UserNode::load(ctx, database_id).await?.map(Node::User),
            MeetingNode::TYPE_NAME => MeetingNode::load(ctx, database_id)
                .await?
                .map(Node::Meeting),
            ServerGroupNode::TYPE_NAME => ServerGroupNode::load(ctx, database_id)
                .await?
                .map(Node::ServerGroup),
            ServerNode::TYPE_NAME => ServerNode::load(ctx, database_id).await?.map(Node::Server),
            ApiTokenNode::TYPE_NAME => ApiTokenNode::load(ctx, database_id)
                .await?
                .map(Node::ApiToken),
            _ => None,
        })
    }
}

/// Default and largest page size of connections.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// The cursor of keyset pagination: the database id of an edge's node, opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdCursor(pub i64);

impl CursorType for IdCursor {
    type Error = GatewayError;

    fn decode_cursor(cursor: &str) -> Result<Self, GatewayError> {
        BASE64
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| text.strip_prefix("cursor:")?.parse().ok())
            .map(IdCursor)
            .ok_or_else(|| GatewayError::bad_field("after", "not a cursor of this list"))
    }

    fn encode_cursor(&self) -> String {
        BASE64.encode(format!("cursor:{}", self.0))
    }
}

/// A forward-paginated list (`first`/`after`) of node objects.
pub type NodeConnection<T> = Connection<IdCursor, T>;

/// Runs `fetch` for the page that `first`/`after` ask for and wraps it as a connection.
/// `first` defaults to [`DEFAULT_PAGE_SIZE`] and may not exceed [`MAX_PAGE_SIZE`].
pub async fn forward_connection<T, F, Fut>(
    first: Option<i32>,
    after: Option<String>,
    fetch: F,
) -> Result<NodeConnection<T>, GatewayError>
where
    T: NodeType + OutputType,
    F: FnOnce(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, GatewayError>>,
{
    let limit = match first {
        None => DEFAULT_PAGE_SIZE,
        Some(first) => u64::try_from(first)
            .ok()
            .filter(|first| *first <= MAX_PAGE_SIZE)
            .ok_or_else(|| {
                GatewayError::bad_field("first", format!("must be between 0 and {MAX_PAGE_SIZE}"))
            })?,
    };
    let after = after.as_deref().map(IdCursor::decode_cursor).transpose()?;
    let page = if limit == 0 {
        Page {
            items: Vec::new(),
            has_next_page: false,
        }
    } else {
        fetch(PageRequest {
            after: after.map(|cursor| cursor.0),
            limit,
        })
        .await?
    };
    let mut connection = Connection::new(after.is_some(), page.has_next_page);
    connection.edges = page
        .items
        .into_iter()
        .map(|node| Edge::new(IdCursor(node.database_id()), node))
        .collect();
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl NodeType for Fake {
        const TYPE_NAME: &'static str = "Fake";
        fn database_id(&self) -> i64 {
            7
        }
    }

    #[test]
    fn global_ids_round_trip() {
        let id = encode_id("Meeting", 42);
        assert_eq!(id.0, "TWVldGluZzo0Mg==");
        assert_eq!(decode_id(&id).unwrap(), ("Meeting".to_owned(), 42));
        assert_eq!(Fake.global_id(), encode_id("Fake", 7));
        assert_eq!(decode_id_of::<Fake>(&Fake.global_id(), "id").unwrap(), 7);
    }

    #[test]
    fn garbage_ids_are_bad_user_input() {
        let garbage = [
            "",
            "!!!",
            "TWVldGluZw==",
            "OjQy",
            "TWVldGluZzp4",
            "TWVldGluZzo0Mjo0",
        ];
        for id in garbage {
            match decode_id(&ID(id.to_owned())) {
                Err(GatewayError::BadUserInput { field, .. }) => {
                    assert_eq!(field.as_deref(), Some("id"));
                }
                other => panic!("{id:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn ids_of_another_type_are_refused() {
        let error = decode_id_of::<Fake>(&encode_id("User", 7), "meetingId").unwrap_err();
        assert!(
            matches!(&error, GatewayError::BadUserInput { field: Some(field), .. } if field == "meetingId"),
            "{error:?}"
        );
    }

    #[derive(async_graphql::SimpleObject)]
    struct Item {
        id: i64,
    }

    impl NodeType for Item {
        const TYPE_NAME: &'static str = "Item";
        fn database_id(&self) -> i64 {
            self.id
        }
    }

    async fn items(
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<(Option<PageRequest>, NodeConnection<Item>), GatewayError> {
        let mut asked = None;
        let connection = forward_connection(first, after, |request| {
            asked = Some(request);
            let start = request.after.unwrap_or(0) + 1;
            let end = (start + request.limit as i64).min(11);
            let items = (start..end).map(|id| Item { id }).collect();
            async move {
                Ok(Page {
                    items,
                    has_next_page: end <= 10,
                })
            }
        })
        .await?;
        Ok((asked, connection))
    }

    #[tokio::test]
    async fn connections_page_forward_by_cursor() {
        let (asked, first_page) = items(Some(4), None).await.unwrap();
        assert_eq!(
            asked,
            Some(PageRequest {
                after: None,
                limit: 4
            })
        );
        let ids: Vec<i64> = first_page.edges.iter().map(|edge| edge.node.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert!(first_page.has_next_page && !first_page.has_previous_page);

        let cursor = first_page.edges.last().unwrap().cursor.encode_cursor();
        let (asked, next_page) = items(Some(100), Some(cursor)).await.unwrap();
        assert_eq!(
            asked,
            Some(PageRequest {
                after: Some(4),
                limit: 100
            })
        );
        let ids: Vec<i64> = next_page.edges.iter().map(|edge| edge.node.id).collect();
        assert_eq!(ids, [5, 6, 7, 8, 9, 10]);
        assert!(!next_page.has_next_page && next_page.has_previous_page);

        let (asked, _) = items(None, None).await.unwrap();
        assert_eq!(asked.unwrap().limit, DEFAULT_PAGE_SIZE);
        let (asked, empty) = items(Some(0), None).await.unwrap();
        assert!(asked.is_none() && empty.edges.is_empty());
    }

    #[tokio::test]
    async fn connections_refuse_bad_arguments() {
        for (first, after, field) in [
            (Some(-1), None, "first"),
            (Some(101), None, "first"),
            (Some(5), Some("garbage".to_owned()), "after"),
        ] {
            match items(first, after).await {
                Err(GatewayError::BadUserInput {
                    field: Some(name), ..
                }) => assert_eq!(name, field),
                Err(other) => panic!("{other:?}"),
                Ok(_) => panic!("{first:?} accepted"),
            }
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let cursor = IdCursor(99);
        assert_eq!(
            IdCursor::decode_cursor(&cursor.encode_cursor()).unwrap(),
            cursor
        );
        assert!(IdCursor::decode_cursor("99").is_err());
        assert!(IdCursor::decode_cursor(&encode_id("User", 99).0).is_err());
    }
}
