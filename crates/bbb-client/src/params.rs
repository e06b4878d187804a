//! An ordered list of query parameters. Order and repeats are kept because the checksum covers
//! the query string byte for byte (spec §1.1): what is signed must be what is sent.

/// Query parameters in the order they will stand in the URL; a name may repeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes a raw query string (`a=1&b=x+y`), keeping order and repeats; the gateway uses it
    /// to forward a client's parameters.
    pub fn from_query(raw: &str) -> Self {
        form_urlencoded::parse(raw.as_bytes())
            .into_owned()
            .collect()
    }

    /// Appends a parameter, even if the name is already present.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.push((name.into(), value.into()));
        self
    }

    /// Sets a parameter: replaces the value of the first one with this name where it stands
    /// (dropping any repeats), or appends it.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let name = name.into();
        let mut value = Some(value.into());
        self.0.retain_mut(|(n, v)| {
            if *n != name {
                return true;
            }
            // The first match takes the new value; later ones are dropped.
            match value.take() {
                Some(new) => {
                    *v = new;
                    true
                }
                None => false,
            }
        });
        if let Some(value) = value {
            self.0.push((name, value));
        }
        self
    }

    /// The parameters as [`Self::set`] would leave them, without copying them: the first
    /// `name` reads `value`, repeats are left out, and an absent one comes last.
    pub fn iter_set<'a>(
        &'a self,
        name: &'a str,
        value: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        let absent = self.get(name).is_none();
        let mut replaced = false;
        self.iter()
            .filter_map(move |(n, v)| {
                if n != name {
                    Some((n, v))
                } else if std::mem::replace(&mut replaced, true) {
                    None
                } else {
                    Some((n, value))
                }
            })
            .chain(absent.then_some((name, value)))
    }

    /// Removes every parameter with this name.
    pub fn remove(&mut self, name: &str) -> &mut Self {
        self.0.retain(|(n, _)| n != name);
        self
    }

    /// The value of the first parameter with this name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.0.iter())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The query string, `application/x-www-form-urlencoded` as bbb-web's servlet decodes it:
    /// space becomes `+`, everything but `A-Za-z0-9*-._` is percent-encoded.
    pub fn to_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.0)
            .finish()
    }
}

/// The parameters of a [`Params`] as `(name, value)`, in order.
pub struct Iter<'a>(std::slice::Iter<'a, (String, String)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Params(
            iter.into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        )
    }
}

impl<N: Into<String>, V: Into<String>> Extend<(N, V)> for Params {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, iter: I) {
        self.0
            .extend(iter.into_iter().map(|(n, v)| (n.into(), v.into())));
    }
}

impl IntoIterator for Params {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Joins values into BBB's comma-separated list form (`meetingID=a,b`, `state=…`).
pub(crate) fn csv<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    items
        .into_iter()
        .map(|item| item.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join(",")
}

/// BBB's boolean spelling: lower-case `true`/`false` (spec §0).
pub(crate) fn flag(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// Generates typed builder setters that `set` one named parameter on a `params: Params` field.
/// Each line is `kind method => "wireName";` with kind `text` (any string), `flag` (bool) or
/// `number` (u64); doc comments above a line go to its method.
macro_rules! param_setters {
    ($($(#[$doc:meta])* $kind:ident $method:ident => $param:literal;)*) => {
        $(param_setters!(@one $kind [$(#[$doc])*] $method $param);)*
    };
    (@one text [$(#[$doc:meta])*] $method:ident $param:literal) => {
        $(#[$doc])*
        #[doc = concat!("Sets `", $param, "`.")]
        pub fn $method(mut self, value: impl Into<String>) -> Self {
            self.params.set($param, value);
            self
        }
    };
    (@one flag [$(#[$doc:meta])*] $method:ident $param:literal) => {
        $(#[$doc])*
        #[doc = concat!("Sets `", $param, "` (`true`/`false`).")]
        pub fn $method(mut self, value: bool) -> Self {
            self.params.set($param, $crate::params::flag(value));
            self
        }
    };
    (@one number [$(#[$doc:meta])*] $method:ident $param:literal) => {
        $(#[$doc])*
        #[doc = concat!("Sets `", $param, "`.")]
        pub fn $method(mut self, value: u64) -> Self {
            self.params.set($param, value.to_string());
            self
        }
    };
}
pub(crate) use param_setters;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iter_set_is_set_without_the_copy() {
        let cases: [&[(&str, &str)]; 5] = [
            &[],
            &[("meetingID", "a")],
            &[("x", "1"), ("meetingID", "a"), ("y", "2")],
            &[("meetingID", "a"), ("x", "1"), ("meetingID", "b")],
            &[("x", "1")],
        ];
        for pairs in cases {
            let params: Params = pairs.iter().copied().collect();
            let mut set = params.clone();
            set.set("meetingID", "backend");
            let viewed: Params = params.iter_set("meetingID", "backend").collect();
            assert_eq!(viewed.to_query(), set.to_query(), "{pairs:?}");
        }
    }

    #[test]
    fn query_keeps_order_and_repeats() {
        let params: Params = [("b", "2"), ("a", "1"), ("b", "3")].into_iter().collect();
        assert_eq!(params.to_query(), "b=2&a=1&b=3");
    }

    #[test]
    fn encodes_like_a_form() {
        let mut params = Params::new();
        params
            .push("name", "Test Meeting")
            .push("welcome", "a&b=c/ä?%+")
            .push("safe", "A-z_0.9*~");
        assert_eq!(
            params.to_query(),
            "name=Test+Meeting&welcome=a%26b%3Dc%2F%C3%A4%3F%25%2B&safe=A-z_0.9*%7E"
        );
    }

    #[test]
    fn empty_params_give_an_empty_query() {
        assert_eq!(Params::new().to_query(), "");
    }

    #[test]
    fn set_replaces_in_place_and_drops_repeats() {
        let mut params: Params = [("a", "1"), ("b", "2"), ("a", "3"), ("c", "4")]
            .into_iter()
            .collect();
        params.set("a", "9");
        assert_eq!(params.to_query(), "a=9&b=2&c=4");
        params.set("d", "5");
        assert_eq!(params.to_query(), "a=9&b=2&c=4&d=5");
    }

    #[test]
    fn remove_get_and_len() {
        let mut params: Params = [("a", "1"), ("b", "2"), ("a", "3")].into_iter().collect();
        assert_eq!(params.get("a"), Some("1"));
        assert_eq!(params.len(), 3);
        params.remove("a");
        assert_eq!(params.get("a"), None);
        assert_eq!(params.to_query(), "b=2");
        assert!(!params.is_empty());
    }

    #[test]
    fn csv_and_flag_spelling() {
        assert_eq!(csv(["a", "b c", "d"]), "a,b c,d");
        assert_eq!(csv(Vec::<String>::new()), "");
        assert_eq!((flag(true), flag(false)), ("true", "false"));
    }

    #[test]
    fn from_query_decodes_and_round_trips() {
        let params = Params::from_query("meetingID=a%20b&name=x+y&meetingID=z&empty=");
        let pairs: Vec<_> = params.iter().collect();
        assert_eq!(
            pairs,
            [
                ("meetingID", "a b"),
                ("name", "x y"),
                ("meetingID", "z"),
                ("empty", "")
            ]
        );
        assert_eq!(
            params.to_query(),
            "meetingID=a+b&name=x+y&meetingID=z&empty="
        );
    }
}
