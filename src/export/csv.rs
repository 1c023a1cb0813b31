//! The load file a document-management system imports: one row per
//! document (RFC 4180, UTF-8, a header row). A correction is two rows: the
//! old one again with action `delete`, the new one with action `add`.

use crate::model::IndexEntry;

/// The columns, in order.
pub const HEADER: [&str; 18] = [
    "pdf_path",
    "mrn",
    "family_name",
    "given_name",
    "birth_date",
    "type_code",
    "loinc",
    "display",
    "service_date",
    "pages",
    "batch",
    "source_file",
    "page_range",
    "pdf_sha256",
    "document_id",
    "revision",
    "status",
    "action",
];

/// Whether a row adds a document or withdraws one added before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Add,
    Delete,
}

/// One document's row.
pub fn row(entry: &IndexEntry, action: Action) -> [String; 18] {
    let patient = entry.patient.as_ref();
    let field = |f: fn(&crate::model::Patient) -> &String| patient.map(f).cloned().unwrap_or_default();
    [
        entry.pdf.as_ref().map(|p| p.path.clone()).unwrap_or_default(),
        field(|p| &p.mrn),
        field(|p| &p.family_name),
        field(|p| &p.given_name),
        field(|p| &p.birth_date),
        entry.doc_type.clone(),
        entry.loinc.clone().unwrap_or_default(),
        entry.display.clone(),
        entry.service_start.clone().unwrap_or_default(),
        entry.pages.len().to_string(),
        entry.batch.clone(),
        entry.source.clone(),
        page_range(&entry.pages),
        entry.pdf.as_ref().map(|p| p.sha256.clone()).unwrap_or_default(),
        entry.document_id.clone(),
        entry.revision.to_string(),
        entry.status.clone(),
        match action {
            Action::Add => "add",
            Action::Delete => "delete",
        }
        .to_string(),
    ]
}

/// Page numbers as runs: `1-3,5`.
pub fn page_range(pages: &[u32]) -> String {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &p in pages {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == p => *end = p,
            _ => runs.push((p, p)),
        }
    }
    runs.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(",")
}

/// A CSV writer with RFC 4180's line ends.
pub fn writer<W: std::io::Write>(out: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new().terminator(::csv::Terminator::CRLF).from_writer(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_ranges_are_runs() {
        assert_eq!(page_range(&[1, 2, 3, 5]), "1-3,5");
        assert_eq!(page_range(&[4]), "4");
        assert_eq!(page_range(&[]), "");
    }

    #[test]
    fn rows_are_quoted_as_rfc_4180_asks() {
        let mut e = crate::export::fhir::tests::entry();
        e.source = "box \"7\", shelf 2/scan.tif".into();
        let mut w = writer(Vec::new());
        w.write_record(HEADER).unwrap();
        w.write_record(row(&e, Action::Delete)).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("pdf_path,mrn,family_name"));
        assert!(lines[1].contains(",\"box \"\"7\"\", shelf 2/scan.tif\",\"1-2,4\","), "{}", lines[1]);
        assert!(lines[1].ends_with(",12-3,2,filed,delete"));
        assert_eq!(lines[2], "");
    }
}
