//! The `<modules>` XML body of create (pre-upload, client settings override) and insertDocument
//! (spec §2.1, §2.13). The body is never signed; the API parameters stay in the URL.

use base64::Engine;
use quick_xml::escape::escape;

/// Content-Type of a `<modules>` body; both calls accept it.
pub const MODULES_CONTENT_TYPE: &str = "application/xml";

/// One presentation document: fetched by BBB from a URL, or sent inline as base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    source: Source,
    downloadable: Option<bool>,
    removable: Option<bool>,
    current: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Url {
        url: String,
        filename: Option<String>,
    },
    Inline {
        name: String,
        content: Vec<u8>,
    },
}

impl Document {
    /// A document BBB downloads itself (by default it must be `https`, see spec §2.1).
    pub fn url(url: impl Into<String>) -> Self {
        Self::from_source(Source::Url {
            url: url.into(),
            filename: None,
        })
    }

    /// A document sent in the request body, base64-encoded; `name` carries its extension.
    pub fn inline(name: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        Self::from_source(Source::Inline {
            name: name.into(),
            content: content.into(),
        })
    }

    fn from_source(source: Source) -> Self {
        Document {
            source,
            downloadable: None,
            removable: None,
            current: None,
        }
    }

    /// The file name BBB should use for a URL document whose URL has no extension.
    /// Inline documents are named by [`Document::inline`] already.
    pub fn filename(mut self, name: impl Into<String>) -> Self {
        match &mut self.source {
            Source::Url { filename, .. } => *filename = Some(name.into()),
            Source::Inline { name: own, .. } => *own = name.into(),
        }
        self
    }

    pub fn downloadable(mut self, downloadable: bool) -> Self {
        self.downloadable = Some(downloadable);
        self
    }

    pub fn removable(mut self, removable: bool) -> Self {
        self.removable = Some(removable);
        self
    }

    /// Makes this the presentation shown first.
    pub fn current(mut self, current: bool) -> Self {
        self.current = Some(current);
        self
    }

    fn write_to(&self, out: &mut String) {
        out.push_str("<document");
        match &self.source {
            Source::Url { url, filename } => {
                push_attribute(out, "url", url);
                if let Some(filename) = filename {
                    push_attribute(out, "filename", filename);
                }
            }
            Source::Inline { name, .. } => push_attribute(out, "name", name),
        }
        for (name, value) in [
            ("downloadable", self.downloadable),
            ("removable", self.removable),
            ("current", self.current),
        ] {
            if let Some(value) = value {
                push_attribute(out, name, if value { "true" } else { "false" });
            }
        }
        match &self.source {
            Source::Url { .. } => out.push_str("/>"),
            Source::Inline { content, .. } => {
                out.push('>');
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(content));
                out.push_str("</document>");
            }
        }
    }
}

fn push_attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(&escape(value));
    out.push('"');
}

/// The `<modules>` document: a presentation module with `documents` (if any) and a
/// `clientSettingsOverride` module with a JSON text (if given, BBB 3.0).
pub fn modules_xml(documents: &[Document], client_settings_override: Option<&str>) -> String {
    let mut out = String::from("<modules>");
    if !documents.is_empty() {
        out.push_str("<module name=\"presentation\">");
        for document in documents {
            document.write_to(&mut out);
        }
        out.push_str("</module>");
    }
    if let Some(json) = client_settings_override {
        out.push_str("<module name=\"clientSettingsOverride\"><![CDATA[");
        // A literal `]]>` would end the section early: split it across two sections.
        out.push_str(&json.replace("]]>", "]]]]><![CDATA[>"));
        out.push_str("]]></module>");
    }
    out.push_str("</modules>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_and_inline_documents() {
        let xml = modules_xml(
            &[
                Document::url("https://host/sample.pdf?a=1&b=2")
                    .filename("report.pdf")
                    .downloadable(true)
                    .removable(false)
                    .current(true),
                Document::inline("slides.pdf", b"%PDF-1".to_vec()),
            ],
            None,
        );
        assert_eq!(
            xml,
            "<modules><module name=\"presentation\">\
             <document url=\"https://host/sample.pdf?a=1&amp;b=2\" filename=\"report.pdf\" \
             downloadable=\"true\" removable=\"false\" current=\"true\"/>\
             <document name=\"slides.pdf\">JVBERi0x</document>\
             </module></modules>"
        );
    }

    #[test]
    fn filename_renames_an_inline_document() {
        let xml = modules_xml(
            &[Document::inline("a.pdf", b"x".to_vec()).filename("b.pdf")],
            None,
        );
        assert!(
            xml.contains("<document name=\"b.pdf\">eA==</document>"),
            "{xml}"
        );
    }

    #[test]
    fn client_settings_override_is_cdata_even_with_a_terminator_inside() {
        let xml = modules_xml(&[], Some(r#"{"public":{"x":"]]>"}}"#));
        assert_eq!(
            xml,
            "<modules><module name=\"clientSettingsOverride\">\
             <![CDATA[{\"public\":{\"x\":\"]]]]><![CDATA[>\"}}]]></module></modules>"
        );
    }

    #[test]
    fn the_body_is_well_formed_xml() {
        let xml = modules_xml(
            &[Document::url("https://h/\"quoted\"<&>.pdf")],
            Some("{\"a\":\"<b>\"}"),
        );
        let mut reader = quick_xml::Reader::from_str(&xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}: {xml}"),
            }
        }
    }
}
