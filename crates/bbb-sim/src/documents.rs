//! The `<modules><module name="presentation"><document …/>` body of create (pre-upload) and
//! insertDocument.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::state::Document;

/// The documents of the presentation module, or `None` if the body is not well-formed XML.
pub fn parse_presentations(xml: &str) -> Option<Vec<Document>> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut documents = Vec::new();
    let mut in_presentation = false;
    let mut depth = 0usize;
    loop {
        match reader.read_event().ok()? {
            Event::Start(element) => {
                depth += 1;
                match element.local_name().as_ref() {
                    "module" => {
                        in_presentation =
                            attribute(&element, "name").as_deref() == Some("presentation")
                    }
                    "document" if in_presentation => documents.push(document(&element, true)),
                    _ => {}
                }
            }
            Event::Empty(element)
                if in_presentation && element.local_name().as_ref() == "document" =>
            {
                documents.push(document(&element, false));
            }
            Event::End(element) => {
                depth = depth.checked_sub(1)?;
                in_presentation &= element.local_name().as_ref() != "module";
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (depth == 0).then_some(documents)
}

fn document(element: &BytesStart<'_>, has_content: bool) -> Document {
    let flag = |name: &str, default: bool| {
        attribute(element, name).map_or(default, |v| v.eq_ignore_ascii_case("true"))
    };
    let inline_name = attribute(element, "name");
    Document {
        url: attribute(element, "url"),
        name: attribute(element, "filename").or_else(|| inline_name.clone()),
        inline: has_content && inline_name.is_some(),
        current: flag("current", false),
        downloadable: flag("downloadable", false),
        removable: flag("removable", true),
    }
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_url_and_inline_documents() {
        let xml = r#"<modules>
            <module name="presentation">
              <document url="https://host/a.pdf" filename="report.pdf" downloadable="true" current="true"/>
              <document name="b.pdf">QUJD</document>
            </module>
            <module name="clientSettingsOverride"><![CDATA[{}]]></module>
          </modules>"#;
        let docs = parse_presentations(xml).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].url.as_deref(), Some("https://host/a.pdf"));
        assert_eq!(docs[0].name.as_deref(), Some("report.pdf"));
        assert!(docs[0].current && docs[0].downloadable && docs[0].removable && !docs[0].inline);
        assert_eq!(docs[1].name.as_deref(), Some("b.pdf"));
        assert!(docs[1].inline && !docs[1].current);
    }

    #[test]
    fn documents_outside_the_presentation_module_are_ignored() {
        let xml = r#"<modules><module name="other"><document url="x"/></module></modules>"#;
        assert_eq!(parse_presentations(xml).unwrap(), []);
    }

    #[test]
    fn malformed_xml_is_refused() {
        assert_eq!(parse_presentations("<modules><module>"), None);
        assert_eq!(parse_presentations("<a></b>"), None);
        assert_eq!(parse_presentations("<a x=>"), None);
    }
}
