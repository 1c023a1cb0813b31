//! Document boundaries: which consecutive pages of one file belong together.
//! Pure: it looks at page texts and page classifications only.
//!
//! A new document starts at a page when, in this order of precedence:
//! 1. the page before it was a separator sheet;
//! 2. its barcode names a document type (a site's `[[barcodes]]` rule)
//!    other than the one a barcode gave the current document;
//! 3. it says "Page k of N" with k > 1: never (a continuation page);
//! 4. it says "Page 1 of N", or the page before it said "Page N of N" (the
//!    last page of its document);
//! 5. it carries a medical record number (read by [`crate::extract`]) other
//!    than the current document's;
//! 6. its first lines hold a document title (e.g. "DISCHARGE SUMMARY") and
//!    it has a patient block (an MRN or a date of birth), as first pages do;
//! 7. its type differs from the previous page's, both classified with at
//!    least the configured confidence, and it has a first page's marks of
//!    its own: a title in its first lines, or a patient block (an MRN or a
//!    date-of-birth label). A change of type alone does not split: later
//!    pages of real notes often read like another type.
//!
//! Otherwise it continues the current document (pages without a header stay
//! with their document). Blank and failed pages never start a document.

use crate::classify::Classification;

/// What the splitter knows of one page.
#[derive(Debug, Clone)]
pub struct PageView<'a> {
    pub text: &'a str,
    /// `None` for pages without text (blank, failed).
    pub class: Option<&'a Classification>,
    pub separator: bool,
    /// The medical record number read cleanly on the page, if one was.
    pub mrn: Option<&'a str>,
    /// The document type the page's barcode names, if it names one.
    pub barcode_type: Option<&'a str>,
}

/// The page indices (0-based) at which documents start. Separator pages
/// belong to no document and are left out of the spans by the caller.
pub fn boundaries(pages: &[PageView], type_change_confidence: f32) -> Vec<bool> {
    let mut starts = vec![false; pages.len()];
    let mut current_mrn: Option<String> = None;
    let mut current_barcode_type: Option<&str> = None;
    let mut after_separator = true;
    let mut prev_class: Option<&Classification> = None;
    // The last page with text said "Page N of N".
    let mut after_last = false;
    for (i, p) in pages.iter().enumerate() {
        if p.separator {
            after_separator = true;
            continue;
        }
        let has_text = p.class.is_some();
        let mrn = p.mrn.map(str::to_string);
        let other_type = matches!((p.barcode_type, current_barcode_type), (Some(a), Some(b)) if a != b);
        let start = if after_separator || other_type {
            true
        } else if !has_text {
            false
        } else {
            match page_of(p.text) {
                Some((k, _)) if k > 1 => false,
                Some((1, _)) => true,
                _ if after_last => true,
                _ => {
                    let other_patient = matches!((&mrn, &current_mrn), (Some(a), Some(b)) if a != b);
                    let first_page_look = opens_document(p.text, mrn.is_some());
                    let type_change = match (prev_class, p.class) {
                        (Some(a), Some(b)) => {
                            a.code != b.code
                                && a.confidence >= type_change_confidence
                                && b.confidence >= type_change_confidence
                                && (has_title(p.text) || mrn.is_some() || has_dob_label(p.text))
                        }
                        _ => false,
                    };
                    other_patient || first_page_look || type_change
                }
            }
        };
        if start {
            starts[i] = true;
            current_mrn = None;
            current_barcode_type = None;
        }
        if p.barcode_type.is_some() && current_barcode_type.is_none() {
            current_barcode_type = p.barcode_type;
        }
        if mrn.is_some() && current_mrn.is_none() {
            current_mrn = mrn;
        }
        if has_text {
            prev_class = p.class;
            after_last = page_of(p.text).is_some_and(|(k, n)| k == n);
        }
        after_separator = false;
    }
    starts
}

/// Whether a page is a separator sheet: it carries one of the configured
/// texts (case-insensitive) and little else.
pub fn is_separator(text: &str, markers: &[String]) -> bool {
    const MAX_CHARS: usize = 300;
    let chars = text.chars().filter(|c| !c.is_whitespace()).count();
    if markers.is_empty() || chars > MAX_CHARS {
        return false;
    }
    let upper = text.to_uppercase();
    markers.iter().any(|m| !m.trim().is_empty() && upper.contains(&m.to_uppercase()))
}

/// "Page k of N" (also "Pg. k/N", "page k of N"), as (k, N).
pub fn page_of(text: &str) -> Option<(u32, u32)> {
    let lower = text.to_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("page") {
        let at = from + pos;
        from = at + 4;
        let rest = &lower[at + 4..];
        let mut nums = rest.trim_start_matches([' ', '.', ':']).splitn(2, [' ', '/']);
        let k = nums.next().and_then(|s| s.trim().parse::<u32>().ok());
        let tail = nums.next().unwrap_or("").trim_start();
        let tail = tail.strip_prefix("of").unwrap_or(tail).trim_start();
        let n: Option<u32> = tail.split(|c: char| !c.is_ascii_digit()).next().and_then(|s| s.parse().ok());
        if let (Some(k), Some(n)) = (k, n) {
            if k >= 1 && k <= n && n < 1000 && (at == 0 || !bytes[at - 1].is_ascii_alphabetic()) {
                return Some((k, n));
            }
        }
    }
    None
}

/// Titles that open a document, looked for in the first lines of a page.
const TITLES: &[&str] = &[
    "history and physical",
    "history & physical",
    "admission history",
    "discharge summary",
    "operative report",
    "operative note",
    "procedure note",
    "progress note",
    "consultation",
    "consult note",
    "emergency department",
    "emergency room",
    "laboratory",
    "lab report",
    "radiology report",
    "imaging report",
    "pathology report",
    "surgical pathology",
    "consent",
    "medication administration",
    "prescription",
    "insurance",
];

/// Whether one of the first lines is a document title (and not a "continued" header).
pub fn has_title(text: &str) -> bool {
    text.lines().filter(|l| !l.trim().is_empty()).take(6).any(|l| {
        let l = l.to_lowercase();
        !l.contains("continued") && TITLES.iter().any(|t| l.contains(t))
    })
}

/// Whether a page looks like the first page of a document on its own
/// evidence: "Page 1 of N", or a title in its first lines together with a
/// patient block (an MRN, `mrn_found`, or a date-of-birth label). A change of
/// patient at a page without this look is a weak boundary: the page may
/// belong to the document before it.
pub fn opens_document(text: &str, mrn_found: bool) -> bool {
    matches!(page_of(text), Some((1, _))) || (has_title(text) && (mrn_found || has_dob_label(text)))
}

fn has_dob_label(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["dob", "d.o.b", "date of birth", "birth date", "birthdate"].iter().any(|l| lower.contains(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(code: &str, confidence: f32) -> Classification {
        Classification { code: code.into(), confidence, ranked: vec![] }
    }

    #[test]
    fn page_numbers_are_read() {
        assert_eq!(page_of("Riverbend\n... Page 2 of 3"), Some((2, 3)));
        assert_eq!(page_of("PAGE 1 OF 1"), Some((1, 1)));
        assert_eq!(page_of("Pg page 4/7 end"), Some((4, 7)));
        assert_eq!(page_of("see homepage 2 of 3"), None);
        assert_eq!(page_of("page 5 of 3"), None);
    }

    #[test]
    fn continuation_pages_stay_and_new_patients_split() {
        let dc = class("discharge_summary", 0.95);
        let lab = class("lab_report", 0.95);
        let pages = [
            PageView {
                text: "DISCHARGE SUMMARY\nMRN: 11111111 DOB: 1/2/1950\nPage 1 of 2",
                class: Some(&dc),
                separator: false,
                mrn: Some("11111111"),
                barcode_type: None,
            },
            PageView {
                text: "more narrative\nPage 2 of 2",
                class: Some(&dc),
                separator: false,
                mrn: None,
                barcode_type: None,
            },
            PageView { text: "", class: None, separator: false, mrn: None, barcode_type: None },
            PageView {
                text: "LABORATORY REPORT\nMRN: 22222222",
                class: Some(&lab),
                separator: false,
                mrn: Some("22222222"),
                barcode_type: None,
            },
            PageView { text: "results continue", class: Some(&lab), separator: false, mrn: None, barcode_type: None },
            PageView { text: "SEPARATOR", class: None, separator: true, mrn: None, barcode_type: None },
            PageView { text: "results continue", class: Some(&lab), separator: false, mrn: None, barcode_type: None },
        ];
        assert_eq!(boundaries(&pages, 0.8), vec![true, false, false, true, false, false, true]);
    }

    #[test]
    fn a_document_ends_at_page_n_of_n() {
        // A card whose MRN and title OCR dropped, after a document's last
        // page: a document of its own, not the end of the one before.
        let rad = class("radiology_report", 0.6);
        let page = |text| PageView { text, class: Some(&rad), separator: false, mrn: None, barcode_type: None };
        let pages = [
            PageView { mrn: Some("27750318"), ..page("RADIOLOGY REPORT\nPage 1 of 2") },
            page("findings\nPage 2 of 2"),
            page("GRIMSDITCH, PHILIPPA K\n08/14/56 F"),
            page("more findings"),
            PageView { text: "", class: None, separator: false, mrn: None, barcode_type: None },
            page("notes\nPage 1 of 1"),
            PageView { text: "", class: None, separator: false, mrn: None, barcode_type: None },
            page("an addendum"),
            page("a continuation\nPage 2 of 3"),
        ];
        assert_eq!(boundaries(&pages, 0.8), vec![true, false, true, false, false, true, false, true, false]);
    }

    #[test]
    fn a_confident_change_of_type_on_a_page_with_a_header_splits() {
        fn two<'a>(first: &'a Classification, text: &'a str, class: &'a Classification) -> [PageView<'a>; 2] {
            [
                PageView {
                    text: "OPERATIVE REPORT",
                    class: Some(first),
                    separator: false,
                    mrn: None,
                    barcode_type: None,
                },
                PageView { text, class: Some(class), separator: false, mrn: None, barcode_type: None },
            ]
        }
        let (op, path, weak) =
            (class("operative_report", 0.9), class("pathology_report", 0.9), class("pathology_report", 0.5));
        // A title, or a patient block, with a confident change of type: a new document.
        assert_eq!(boundaries(&two(&op, "SURGICAL PATHOLOGY\nspecimen", &path), 0.8), vec![true, true]);
        assert_eq!(boundaries(&two(&op, "Name: X  DOB: 01/02/1950\nspecimen", &path), 0.8), vec![true, true]);
        // The change of type alone: a later page that reads like another type.
        assert_eq!(boundaries(&two(&op, "specimen sent; findings follow", &path), 0.8), vec![true, false]);
        // A weak change never splits.
        assert_eq!(boundaries(&two(&op, "SURGICAL PATHOLOGY\nspecimen", &weak), 0.8), vec![true, false]);
    }

    #[test]
    fn a_barcode_naming_another_type_starts_a_document() {
        let note = class("progress_note", 0.5);
        let view =
            |text, barcode_type| PageView { text, class: Some(&note), separator: false, mrn: None, barcode_type };
        let pages = [
            view("form page one", Some("consent")),
            view("form page two", Some("consent")),
            view("continued without a barcode", None),
            view("another form", Some("lab_report")),
            view("its second page", Some("lab_report")),
        ];
        assert_eq!(boundaries(&pages, 0.8), vec![true, false, false, true, false]);
    }
}
