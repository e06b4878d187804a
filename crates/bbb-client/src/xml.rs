//! Reading and writing BBB's XML documents with the types of [`crate::model`].

use serde::{Serialize, de::DeserializeOwned};

/// The XML library these functions are built on, for code that reads BBB's documents event by
/// event (the gateway's streaming rewrite) with the very parser and escaping rules used here.
pub use quick_xml;

/// Serializes `value` as a BBB `<response>` document: no XML declaration, as bbb-web sends it.
pub fn to_response_xml<T: Serialize>(value: &T) -> Result<String, quick_xml::SeError> {
    quick_xml::se::to_string_with_root("response", value)
}

/// Parses a BBB `<response>` document (or any other root) into `T`; unknown elements are ignored.
pub fn from_xml<T: DeserializeOwned>(body: &str) -> Result<T, quick_xml::DeError> {
    quick_xml::de::from_str(body)
}
