//! Request parameters as a servlet container sees them: `+` is a space, percent-escapes are
//! UTF-8, a parameter whose name or value does not decode is dropped (Tomcat logs "Character
//! decoding failed" and ignores it), and `getParameter` returns the first of repeated values.

/// Decoded parameters in request order; repeated names keep every value, lookups see the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parses a raw `application/x-www-form-urlencoded` string (a URL query or a form body).
    pub fn parse(raw: &str) -> Self {
        let pairs = raw
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                Some((decode(name)?, decode(value)?))
            })
            .filter(|(name, _)| !name.is_empty())
            .collect();
        Self { pairs }
    }

    /// The first value of `name`, like `ServletRequest.getParameter`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name` unless it is empty: most calls treat `x=` like a missing `x`.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == name)
    }

    /// Every distinct name with its first value, in request order.
    pub fn first_values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs
            .iter()
            .enumerate()
            .filter_map(|(i, (name, value))| {
                let first = !self.pairs[..i].iter().any(|(n, _)| n == name);
                first.then_some((name.as_str(), value.as_str()))
            })
    }

    /// Names and first values of parameters starting with `prefix`, the prefix cut off.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.first_values()
            .filter_map(move |(name, value)| Some((name.strip_prefix(prefix)?, value)))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.pairs.iter().map(|(n, _)| n.as_str())
    }

    /// Appends `other`'s parameters after this one's (URL parameters come before body ones).
    pub fn extend(&mut self, other: Params) {
        self.pairs.extend(other.pairs);
    }

    pub fn push(&mut self, name: String, value: String) {
        self.pairs.push((name, value));
    }

    /// All pairs, repeated names included, in request order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// Decodes one form-encoded component, or `None` if an escape is malformed or the bytes are
/// not UTF-8.
fn decode(component: &str) -> Option<String> {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Removes ASCII control characters (0x00–0x1F), as bbb-web's `stripControlChars` does.
pub fn strip_control_chars(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, '\0'..='\x1f'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent_escapes() {
        let params = Params::parse("name=Test+Meeting&id=a%20b%2Cc&emoji=%F0%9F%98%80");
        assert_eq!(params.get("name"), Some("Test Meeting"));
        assert_eq!(params.get("id"), Some("a b,c"));
        assert_eq!(params.get("emoji"), Some("😀"));
    }

    #[test]
    fn first_value_wins_for_repeated_names() {
        let params = Params::parse("a=1&b=2&a=3");
        assert_eq!(params.get("a"), Some("1"));
        assert_eq!(
            params.first_values().collect::<Vec<_>>(),
            [("a", "1"), ("b", "2")]
        );
        assert_eq!(params.pairs().len(), 3);
    }

    #[test]
    fn undecodable_parameters_are_dropped() {
        let params = Params::parse("bad=%FF&trunc=%4&nohex=%zz&pct=%&ok=1&%FF=x");
        assert_eq!(params.get("bad"), None);
        assert_eq!(params.get("trunc"), None);
        assert_eq!(params.get("nohex"), None);
        assert_eq!(params.get("pct"), None);
        assert_eq!(params.names().collect::<Vec<_>>(), ["ok"]);
    }

    #[test]
    fn garbage_yields_no_parameters() {
        for raw in ["", "&&&=", "&", "=", "==&=x", "%"] {
            assert_eq!(Params::parse(raw), Params::default(), "{raw:?}");
        }
        assert_eq!(Params::parse("flag").get("flag"), Some(""));
    }

    #[test]
    fn non_empty_treats_empty_values_as_missing() {
        let params = Params::parse("a=&b=x");
        assert_eq!(params.non_empty("a"), None);
        assert!(params.contains("a"));
        assert_eq!(params.non_empty("b"), Some("x"));
    }

    #[test]
    fn prefixed_names_are_listed_once() {
        let params = Params::parse("meta_A=1&x=2&meta_b=3&meta_A=4");
        assert_eq!(
            params.with_prefix("meta_").collect::<Vec<_>>(),
            [("A", "1"), ("b", "3")]
        );
    }

    #[test]
    fn control_characters_are_stripped() {
        assert_eq!(strip_control_chars("a\u{0}b\tc\nd é"), "abcd é");
    }
}
