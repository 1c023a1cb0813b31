//! Document boundaries: which consecutive pages of one file belong together.
//! Pure: it looks at page texts and page classifications only.
//!
//! A new document starts at a page when, in this order of precedence:
//! 1. the page before it was a separator sheet;
//! 2. its barcode names a document type (a site's `[[barcodes]]` rule)
//!    other than the one a barcode gave the current document;
//! 3. it says "Page k of N" with k > 1: never (a continuation page);
//! 4. it says "Page 1 of N", or the page before it said "Page N of N" (the
//!    last page of its document), or the page before it ended with a
//!    signature (an electronic signature, "Dictated by", a transcription
//!    stamp `D: ... T: ...`, a letter's "Sincerely") and this page has a
//!    patient block (an MRN or a date-of-birth label);
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
    // The last page with text ended with a signature.
    let mut after_signed = false;
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
                _ if after_signed && (mrn.is_some() || has_dob_label(p.text)) => true,
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
            after_signed = ends_signed(p.text);
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

/// Nouns that make a short line a document's title ("Operation Record",
/// "INTERVAL NOTE", "Imaging Study"), however the rest is worded. Section
/// headings ("Physical Examination", "Assessment and Plan") have none.
const TITLE_NOUNS: &[&str] = &[
    "report",
    "note",
    "notes",
    "record",
    "summary",
    "consultation",
    "consult",
    "letter",
    "visit",
    "study",
    "referral",
    "consent",
    "prescription",
];

/// Lines at the top of a page where a title is looked for: below a
/// letterhead and a patient block of a few lines each.
const TITLE_LINES: usize = 12;

/// Whether one of the first lines is a document title (and not a
/// "continued" header): one of the known titles in the first six lines, or
/// a short line of words without digits or a colon, one of them a title
/// noun, in the first twelve.
pub fn has_title(text: &str) -> bool {
    let lines: Vec<String> =
        text.lines().filter(|l| !l.trim().is_empty()).take(TITLE_LINES).map(str::to_lowercase).collect();
    let known = lines.iter().take(6).any(|l| !l.contains("continued") && TITLES.iter().any(|t| l.contains(t)));
    known || lines.iter().any(|l| title_like(l))
}

/// A short line that reads as a title: 1 to 5 words of letters (`&`, `-`
/// and punctuation allowed), one of them a title noun, or a history and
/// physical however worded; nothing else.
fn title_like(lower: &str) -> bool {
    let words: Vec<&str> = lower.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphabetic())).collect();
    let only_words =
        lower.split_whitespace().all(|w| w.chars().all(|c| c.is_alphabetic() || matches!(c, '&' | '-' | '.' | ',')));
    let h_and_p = words.contains(&"history") && words.contains(&"physical");
    (1..=5).contains(&words.len())
        && only_words
        && !lower.contains("continued")
        && (h_and_p || words.iter().any(|w| TITLE_NOUNS.contains(w)))
}

/// Printed titles that name a document's type, as records departments and
/// EHRs title their documents (LOINC document names and their common
/// synonyms): a phrase looked for in a title line, and the type it names.
const TYPED_TITLES: &[(&str, &str)] = &[
    ("history and physical", "history_physical"),
    ("history & physical", "history_physical"),
    ("h&p", "history_physical"),
    ("h & p", "history_physical"),
    ("admission history", "history_physical"),
    ("admission note", "history_physical"),
    ("discharge summary", "discharge_summary"),
    ("discharge note", "discharge_summary"),
    ("discharge report", "discharge_summary"),
    ("operative report", "operative_report"),
    ("operative note", "operative_report"),
    ("operation report", "operative_report"),
    ("report of operation", "operative_report"),
    ("procedure note", "operative_report"),
    ("procedure report", "operative_report"),
    ("surgical report", "operative_report"),
    ("progress note", "progress_note"),
    ("clinic note", "progress_note"),
    ("office note", "progress_note"),
    ("office visit", "progress_note"),
    ("follow-up note", "progress_note"),
    ("follow up note", "progress_note"),
    ("soap note", "progress_note"),
    ("consultation", "consultation"),
    ("consult note", "consultation"),
    ("consult report", "consultation"),
    ("emergency department", "emergency_note"),
    ("emergency room", "emergency_note"),
    ("emergency note", "emergency_note"),
    ("ed note", "emergency_note"),
    ("er report", "emergency_note"),
    ("radiology report", "radiology_report"),
    ("imaging report", "radiology_report"),
    ("pathology report", "pathology_report"),
    ("surgical pathology", "pathology_report"),
    ("cytology report", "pathology_report"),
    ("laboratory report", "lab_report"),
    ("laboratory results", "lab_report"),
    ("lab report", "lab_report"),
    ("lab results", "lab_report"),
    ("informed consent", "consent"),
    ("consent for", "consent"),
    ("medication administration record", "medication_record"),
    ("letter", "correspondence"),
];

/// How sure a type read from a printed title is: a person reads the title
/// first, and titles are right far more often than the text's guess.
pub const TITLE_CONFIDENCE: f32 = 0.9;

/// The type a page's printed title names: a short title line in its first
/// lines holding one of `TYPED_TITLES` (the longest phrase found wins);
/// `None` without one, or when two title lines name different types.
pub fn title_type(text: &str) -> Option<&'static str> {
    let mut found: Option<(&str, &'static str)> = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(TITLE_LINES) {
        let lower = line.trim().to_lowercase();
        let words = lower.split_whitespace().count();
        if !(1..=6).contains(&words) || lower.contains(':') || lower.contains("continued") {
            continue;
        }
        if lower.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let padded = format!(" {} ", lower.replace(|c: char| !c.is_alphanumeric() && c != '&' && c != '-', " "));
        let best = TYPED_TITLES
            .iter()
            .filter(|(phrase, _)| padded.contains(&format!(" {phrase} ")))
            .max_by_key(|(phrase, _)| phrase.len());
        match (found, best) {
            (Some((_, a)), Some(&(_, b))) if a != b => return None,
            (None, Some(&(phrase, code))) => found = Some((phrase, code)),
            _ => {}
        }
    }
    found.map(|f| f.1)
}

/// A document's classification with its printed title taken into account:
/// a title that names a type decides it (with [`TITLE_CONFIDENCE`], or the
/// model's confidence if higher and the same), the model's ranking after it.
pub fn typed_by_title(c: Classification, first_page: &str) -> Classification {
    let Some(code) = title_type(first_page) else {
        return c;
    };
    let confidence = if c.code == code { c.confidence.max(TITLE_CONFIDENCE) } else { TITLE_CONFIDENCE };
    let mut ranked = vec![(code.to_string(), confidence)];
    ranked.extend(c.ranked.into_iter().filter(|r| r.0 != code).take(2));
    Classification { code: code.to_string(), confidence, ranked }
}

/// Lines at the bottom of a page where a signature is looked for (below it
/// there may be a footer: a page number, a confidentiality notice).
const SIGNATURE_LINES: usize = 6;

/// Whether a page ends with its document's signature: an electronic
/// signature, "Dictated by", a transcription stamp (`D: 06/05/2021 T:
/// 06/05/2021`) or a letter's closing, in its last lines.
pub fn ends_signed(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.iter().rev().take(SIGNATURE_LINES).any(|l| {
        let l = l.trim().to_lowercase();
        let stamp = (l.starts_with("d:") || l.starts_with("dd:")) && (l.contains(" t:") || l.contains(" dt:"));
        stamp
            || l.starts_with("sincerely")
            || ["electronically signed", "signed by", "dictated by", "authenticated by", "e-signed"]
                .iter()
                .any(|m| l.contains(m))
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
    fn a_signed_page_ends_its_document_when_a_patient_block_follows() {
        let signed =
            "the patient will follow up in two weeks.\nElectronically signed by A. Doctor, M.D. on 08/19/2010\nPage 2";
        let stamped =
            "Naene Yelling, MD\nSurgical Services\nD: 06/05/2021 T: 06/05/2021 Job #289245\nyn/tk\nCONFIDENTIAL";
        assert!(ends_signed(signed) && ends_signed(stamped));
        assert!(!ends_signed("Patient signature: ________\nWitness: ________\nthe plan is to continue"));
        let c = class("progress_note", 0.9);
        let next_with_block = "Stone Springs Hospital\nDOB: 01/02/1960\nCHIEF COMPLAINT: cough";
        let next_without = "was seen again the next day and did well.";
        let views = |a: &'static str, b: &'static str| {
            vec![
                PageView { text: a, class: Some(&c), separator: false, mrn: Some("123"), barcode_type: None },
                PageView { text: b, class: Some(&c), separator: false, mrn: None, barcode_type: None },
            ]
        };
        // Same patient, same type: the signature and the new patient block split.
        assert_eq!(boundaries(&views(signed, next_with_block), 0.6), vec![true, true]);
        assert_eq!(boundaries(&views(stamped, next_with_block), 0.6), vec![true, true]);
        // A page after a signature without a header of its own stays (an addendum).
        assert_eq!(boundaries(&views(signed, next_without), 0.6), vec![true, false]);
    }

    #[test]
    fn a_printed_title_names_the_type() {
        let page = |title: &str| {
            format!("Elk Harbor Health System\nName: Doe, Jane\nMRN: 123\n{title}\nCHIEF COMPLAINT: cough")
        };
        assert_eq!(title_type(&page("ADMISSION HISTORY & PHYSICAL")), Some("history_physical"));
        assert_eq!(title_type(&page("Report of Operation")), Some("operative_report"));
        assert_eq!(title_type(&page("DISCHARGE SUMMARY")), Some("discharge_summary"));
        assert_eq!(title_type(&page("Emergency Department Record")), Some("emergency_note"));
        assert_eq!(title_type(&page("Referral Letter")), Some("correspondence"));
        // Not a title: in a sentence, after a colon, continued, or none at all.
        assert_eq!(title_type("The consultation went well and the patient was discharged home today."), None);
        assert_eq!(title_type(&page("REASON FOR CONSULTATION: chest pain")), None);
        assert_eq!(title_type(&page("Operative Note (continued)")), None);
        assert_eq!(title_type(&page("Surgical Services")), None);
        // Two titles naming different types say nothing.
        assert_eq!(title_type("PROGRESS NOTE\nDISCHARGE SUMMARY\ntext"), None);
        let model = Classification {
            code: "radiology_report".into(),
            confidence: 0.97,
            ranked: vec![("radiology_report".into(), 0.97), ("history_physical".into(), 0.02)],
        };
        let c = typed_by_title(model.clone(), &page("ADMISSION HISTORY & PHYSICAL"));
        assert_eq!((c.code.as_str(), c.confidence), ("history_physical", TITLE_CONFIDENCE));
        assert_eq!(c.ranked.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["history_physical", "radiology_report"]);
        assert_eq!(typed_by_title(model.clone(), "no title here"), model);
    }

    #[test]
    fn titles_are_found_however_worded() {
        let page = |title: &str| {
            format!("Elk Harbor Health System\n8230 Copper Road\nName: Doe, Jane\nMRN: 123\n{title}\nBody text.")
        };
        for t in
            ["Operation Record", "INTERVAL NOTE", "History & Physical Examination", "DISCHARGE SUMMARY", "Office Visit"]
        {
            assert!(has_title(&page(t)), "{t}");
        }
        for t in [
            "Operative Note (continued)",
            "Surgical Services",
            "Report dated 03/04/2020",
            "PLAN: see the note",
            "The operation went well and the patient recovered.",
            "PHYSICAL EXAMINATION",
            "assessment and plan",
        ] {
            assert!(!has_title(&page(t)), "{t}");
        }
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
