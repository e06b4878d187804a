//! Input checks done in code before the database sees a value, with the same errors the
//! database constraints map to. The constraints stay as the last line of defence.

use crate::StoreError;

/// Trims `value` and requires 1 to `max` characters.
pub(crate) fn name(field: &'static str, value: &str, max: usize) -> Result<String, StoreError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Like `name` but without trimming and allowing empty text (messages, e-mail).
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<String, StoreError> {
    if value.chars().count() > max {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

pub(crate) fn positive(field: &'static str, value: i32) -> Result<i32, StoreError> {
    if value > 0 {
        Ok(value)
    } else {
        Err(StoreError::invalid(field, "must be positive"))
    }
}

pub(crate) fn positive_or_none(
    field: &'static str,
    value: Option<i32>,
) -> Result<Option<i32>, StoreError> {
    value.map(|value| positive(field, value)).transpose()
}

/// The phone dial-in PIN: 1 to 10 ASCII digits.
pub(crate) fn conference_pin(pin: Option<&str>) -> Result<Option<String>, StoreError> {
    match pin {
        None => Ok(None),
        Some(pin) if (1..=10).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(Some(pin.to_owned()))
        }
        Some(_) => Err(StoreError::invalid(
            "conference_pin",
            "must be 1 to 10 digits",
        )),
    }
}

/// A URL path segment: letters, digits, `-` and `_`, 1 to 100 characters.
pub(crate) fn slug(slug: &str) -> Result<String, StoreError> {
    let valid = (1..=100).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(slug.to_owned())
    } else {
        Err(StoreError::invalid(
            "slug",
            "must be 1 to 100 letters, digits, '-' or '_'",
        ))
    }
}

/// A BBB API base URL: http or https, no whitespace.
pub(crate) fn api_url(url: &str) -> Result<String, StoreError> {
    let url = url.trim();
    let valid = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if valid {
        Ok(url.to_owned())
    } else {
        Err(StoreError::invalid("api_url", "must be an http(s) URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("name", "  x  ", 60).unwrap(), "x");
        assert!(name("name", "   ", 60).is_err());
        assert!(name("name", &"é".repeat(61), 60).is_err());
        assert!(name("name", &"é".repeat(60), 60).is_ok());
    }

    #[test]
    fn conference_pins_are_up_to_ten_digits() {
        assert_eq!(
            conference_pin(Some("0123456789")).unwrap().unwrap(),
            "0123456789"
        );
        assert!(conference_pin(None).unwrap().is_none());
        for bad in ["", "12345678901", "12a4", " 123", "١٢٣"] {
            assert!(conference_pin(Some(bad)).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn slugs_and_urls() {
        assert!(slug("team-meeting_2").is_ok());
        for bad in ["", "a b", "a/b", "ä", &"a".repeat(101)] {
            assert!(slug(bad).is_err(), "{bad:?} accepted");
        }
        assert!(api_url("https://bbb.example.org/bigbluebutton/api/").is_ok());
        assert!(api_url("ftp://x").is_err());
        assert!(api_url("https://").is_err());
    }
}
