//! bbb-web's per-parameter constraints (the ≥2.5 validation layer) and their messages.

use crate::params::{Params, strip_control_chars};
use crate::reply::Failure;

pub const VALIDATION_ERROR: &str = "validationError";

/// `MeetingIDConstraint`: present, 2–256 characters, no comma, no control characters.
/// Surrounding whitespace is stripped first.
pub fn meeting_id(params: &Params) -> Result<String, Failure> {
    let Some(raw) = params.non_empty("meetingID") else {
        return Err(Failure::new(
            "missingParamMeetingID",
            "You must provide a meeting ID",
        ));
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Failure::new(
            "missingParamMeetingID",
            "You must provide a meeting ID",
        ));
    }
    let length = trimmed.chars().count();
    if !(2..=256).contains(&length) {
        return Err(Failure::new(
            VALIDATION_ERROR,
            "Meeting ID must be between 2 and 256 characters",
        ));
    }
    if trimmed.contains(',') {
        return Err(Failure::new(
            VALIDATION_ERROR,
            "Meeting ID cannot contain ','",
        ));
    }
    if strip_control_chars(trimmed) != trimmed {
        return Err(Failure::new(VALIDATION_ERROR, "Invalid meeting ID"));
    }
    Ok(trimmed.to_owned())
}

/// `MeetingNameConstraint`: present and 2–256 characters once control characters are stripped.
pub fn meeting_name(params: &Params) -> Result<String, Failure> {
    let name = params
        .non_empty("name")
        .map(|n| strip_control_chars(n).trim().to_owned())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Failure::new(VALIDATION_ERROR, "You must provide a meeting name"))?;
    if !(2..=256).contains(&name.chars().count()) {
        return Err(Failure::new(
            VALIDATION_ERROR,
            "Meeting name must be between 2 and 256 characters",
        ));
    }
    Ok(name)
}

/// `PasswordConstraint`: when given (and not empty), 2–64 characters.
pub fn password(params: &Params, name: &str) -> Result<Option<String>, Failure> {
    match params.non_empty(name) {
        None => Ok(None),
        Some(pw) if (2..=64).contains(&pw.chars().count()) => Ok(Some(pw.to_owned())),
        Some(_) => Err(Failure::new(
            "invalidPassword",
            "Passwords must be between 2 and 64 character in length",
        )),
    }
}

/// `IsBooleanConstraint`: absent, or `true`/`false` in any case. Returns the parsed value.
pub fn boolean(params: &Params, name: &str, message: &str) -> Result<Option<bool>, Failure> {
    match params.get(name) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(Failure::new(VALIDATION_ERROR, message)),
    }
}

/// `IsIntegralConstraint`: absent, or a decimal integer.
pub fn integral(params: &Params, name: &str, message: &str) -> Result<Option<i64>, Failure> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Failure::new(VALIDATION_ERROR, message)),
    }
}

/// Java's `Boolean.parseBoolean`, for parameters bbb-web does not validate.
pub fn parse_boolean(params: &Params, name: &str, default: bool) -> bool {
    params
        .get(name)
        .map_or(default, |v| v.eq_ignore_ascii_case("true"))
}

/// A non-negative number, falling back to `default` when absent or unparsable, as bbb-web
/// does for maxParticipants, duration and the like.
pub fn number_or(params: &Params, name: &str, default: u64) -> u64 {
    params
        .get(name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A `meta_` parameter name (without the prefix) as stored: it must match
/// `[a-zA-Z][a-zA-Z0-9-]*`, and is lower-cased. Other names are ignored by bbb-web.
pub fn meta_name(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
    (first_ok && rest_ok).then(|| name.to_ascii_lowercase())
}

/// Every valid `meta_*` parameter, names lower-cased (first value of each name wins).
pub fn metadata(params: &Params) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in params.with_prefix("meta_") {
        if let Some(name) = meta_name(name)
            && !out.iter().any(|(n, _)| *n == name)
        {
            out.push((name, strip_control_chars(value)));
        }
    }
    out
}

/// Whether `name` may stand as an XML element name in `<customdata>`: the user data keys
/// bbb-web passes through must not break the document.
pub fn xml_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !name.to_ascii_lowercase().starts_with("xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure_key<T: std::fmt::Debug>(result: Result<T, Failure>) -> &'static str {
        result.expect_err("should fail").key
    }

    #[test]
    fn meeting_id_rules() {
        let ok = |q: &str| meeting_id(&Params::parse(q)).unwrap();
        assert_eq!(ok("meetingID=ab"), "ab");
        assert_eq!(ok("meetingID=+ab+"), "ab");
        let key = |q: &str| failure_key(meeting_id(&Params::parse(q)));
        assert_eq!(key(""), "missingParamMeetingID");
        assert_eq!(key("meetingID="), "missingParamMeetingID");
        assert_eq!(key("meetingID=+++"), "missingParamMeetingID");
        assert_eq!(key("meetingID=%FF"), "missingParamMeetingID");
        assert_eq!(key("meetingID=a"), VALIDATION_ERROR);
        assert_eq!(
            key(&format!("meetingID={}", "x".repeat(257))),
            VALIDATION_ERROR
        );
        assert_eq!(key("meetingID=a,b"), VALIDATION_ERROR);
        assert_eq!(key("meetingID=a%00b"), VALIDATION_ERROR);
        assert_eq!(
            ok(&format!("meetingID={}", "é".repeat(256)))
                .chars()
                .count(),
            256
        );
    }

    #[test]
    fn name_and_password_rules() {
        assert_eq!(
            meeting_name(&Params::parse("name=My+Room")).unwrap(),
            "My Room"
        );
        assert_eq!(
            failure_key(meeting_name(&Params::parse(""))),
            VALIDATION_ERROR
        );
        assert_eq!(
            failure_key(meeting_name(&Params::parse("name=x"))),
            VALIDATION_ERROR
        );
        let long = format!("name={}", "n".repeat(257));
        assert_eq!(
            failure_key(meeting_name(&Params::parse(&long))),
            VALIDATION_ERROR
        );

        assert_eq!(password(&Params::parse("pw="), "pw").unwrap(), None);
        assert_eq!(
            password(&Params::parse("pw=ab"), "pw").unwrap().as_deref(),
            Some("ab")
        );
        assert_eq!(
            failure_key(password(&Params::parse("pw=a"), "pw")),
            "invalidPassword"
        );
        let long = format!("pw={}", "p".repeat(65));
        assert_eq!(
            failure_key(password(&Params::parse(&long), "pw")),
            "invalidPassword"
        );
    }

    #[test]
    fn booleans_and_integers() {
        let p = Params::parse("a=TRUE&b=false&c=yes&n=12&m=1x");
        assert_eq!(boolean(&p, "a", "").unwrap(), Some(true));
        assert_eq!(boolean(&p, "b", "").unwrap(), Some(false));
        assert_eq!(boolean(&p, "missing", "").unwrap(), None);
        assert_eq!(failure_key(boolean(&p, "c", "msg")), VALIDATION_ERROR);
        assert_eq!(integral(&p, "n", "").unwrap(), Some(12));
        assert_eq!(failure_key(integral(&p, "m", "msg")), VALIDATION_ERROR);
        assert!(!parse_boolean(&p, "c", true));
        assert!(parse_boolean(&p, "missing", true));
        assert_eq!(number_or(&p, "m", 7), 7);
        assert_eq!(number_or(&p, "n", 7), 12);
    }

    #[test]
    fn meta_names_are_checked_and_lower_cased() {
        assert_eq!(
            meta_name("endCallbackUrl").as_deref(),
            Some("endcallbackurl")
        );
        assert_eq!(meta_name("bbb-origin").as_deref(), Some("bbb-origin"));
        assert_eq!(meta_name("bad_name"), None);
        assert_eq!(meta_name("1abc"), None);
        assert_eq!(meta_name(""), None);
        let p = Params::parse("meta_A=1&meta_a=2&meta_x_y=3&meta_ok=%01v");
        assert_eq!(
            metadata(&p),
            [
                ("a".to_owned(), "1".to_owned()),
                ("ok".to_owned(), "v".to_owned())
            ]
        );
    }

    #[test]
    fn custom_data_keys_must_be_element_names() {
        assert!(xml_element_name("bbb_auto_join_audio"));
        assert!(!xml_element_name("1st"));
        assert!(!xml_element_name("a b"));
        assert!(!xml_element_name("xmlthing"));
        assert!(!xml_element_name(""));
    }
}
