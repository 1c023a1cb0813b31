//! The filing decision: file a document to a patient, or send it to review
//! with reasons a technician understands. Pure: the patient index is reached
//! through [`PatientIndex`].
//!
//! A document is filed only when all of these hold:
//! - exactly one MRN is read cleanly (not only after an OCR correction) and
//!   it is in the patient index (both in the one form of
//!   [`crate::extract::MrnFormat::normalise`]; a second reading one digit
//!   away, in no one's record, on a page that shows the patient's name and
//!   date of birth, is taken for OCR's misreading of it);
//! - at least one other identifier agrees with that patient: the date of
//!   birth, or the name (allowing for OCR errors);
//! - nothing contradicts it: no second MRN, no date of birth or name of
//!   someone else (nor a labelled date of birth too damaged to read whose
//!   year is not the patient's, or that reads as another date only after
//!   an OCR correction), no name and date of birth that belong to another
//!   patient;
//! - the OCR confidence and the document type are not in doubt.
//!
//! An MRN read from a barcode (a site's `[[barcodes]]` rule) is a clean
//! reading like a printed one, and needs the same second identifier; the
//! date of birth a label carries with it (when the site says so) is one.
//! Another MRN read beside a barcode's is another patient's: review.
//!
//! Everything else goes to review. Candidates (from the MRN, a corrected MRN
//! reading, or name and date of birth) are suggested, never applied.

use crate::extract::{Date, Extracted, Name};
use crate::store::PatientRecord;
use serde::{Deserialize, Serialize};

/// Access to the master patient index.
pub trait PatientIndex {
    fn by_mrn(&self, mrn: &str) -> Option<PatientRecord>;
    fn born_on(&self, date: &str) -> Vec<PatientRecord>;
}

/// Thresholds from the site configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilingConfig {
    /// Pages read with a lower OCR confidence go to review.
    pub min_ocr_confidence: f32,
    /// Similarity (0..1) a family name needs to count as the same.
    pub name_similarity: f32,
    /// Send every page of a file naming several patients to review.
    pub review_files_with_several_patients: bool,
}

impl Default for FilingConfig {
    fn default() -> FilingConfig {
        FilingConfig { min_ocr_confidence: 0.6, name_similarity: 0.8, review_files_with_several_patients: false }
    }
}

/// A patient suggested to the technician, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub mrn: String,
    pub why: String,
}

/// The outcome for one document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    pub patient: Option<PatientRecord>,
    pub reasons: Vec<String>,
    pub candidates: Vec<Candidate>,
}

/// Levenshtein similarity in 0..1.
pub fn similarity(a: &str, b: &str) -> f32 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    1.0 - prev[b.len()] as f32 / a.len().max(b.len()) as f32
}

/// Whether a name read on a page is this patient's, allowing OCR errors:
/// letters misread, and the family and given names read in each other's
/// place (a speck read as a comma: "Cassius, Ulverston" for "Cassius
/// Ulverston"), when neither is an initial.
pub fn name_matches(name: &Name, p: &PatientRecord, cfg: &FilingConfig) -> bool {
    in_order(name, p, cfg) || {
        let swapped = Name { family: name.given.clone(), given: name.family.clone(), ..name.clone() };
        name.given.chars().count() > 1 && name.family.chars().count() > 1 && in_order(&swapped, p, cfg)
    }
}

fn in_order(name: &Name, p: &PatientRecord, cfg: &FilingConfig) -> bool {
    let family = |s: &str| s.to_uppercase().replace(['-', '\'', ' '], "");
    if name_similarity(&family(&name.family), &family(&p.family_name)) < cfg.name_similarity {
        return false;
    }
    let given = name.given.to_uppercase();
    let theirs = p.given_name.to_uppercase();
    if given.len() == 1 {
        return theirs.starts_with(&given);
    }
    name_similarity(&given, &theirs) >= cfg.name_similarity.min(0.75)
}

/// [`similarity`] of two names in capitals, also with the letter pairs OCR
/// reads for one letter taken as that letter in both ("IMOGERI" for
/// "IMOGEN", "KIRNBERLY" for "KIMBERLY"): the better of the two.
fn name_similarity(a: &str, b: &str) -> f32 {
    let fold = |s: &str| s.replace("RN", "M").replace("RI", "N").replace("CL", "D").replace("VV", "W");
    similarity(a, b).max(similarity(&fold(a), &fold(b)))
}

/// What a document offers: every page's identifiers and OCR confidence.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub pages: Vec<Extracted>,
    /// The pages' texts, to look for a patient's name where no label says
    /// "name" (see [`decide`]).
    pub texts: Vec<String>,
    /// The lowest OCR confidence of the document's pages (`None` for text layers).
    pub min_ocr_confidence: Option<f32>,
}

/// Decides one document.
/// Where no label names an MRN: the one indexed patient whose MRN is printed
/// somewhere on the document without a label (an embossed card), provided
/// their family and given names are words of the text and their date of
/// birth is one of its dates, and no labelled date of birth or name says
/// otherwise. Three identifiers agreeing, none read by position.
fn unlabelled_patient(
    ev: &Evidence,
    index: &dyn PatientIndex,
    dobs: &[Date],
    names: &[&Name],
    cfg: &FilingConfig,
) -> Option<PatientRecord> {
    let mut found: Vec<PatientRecord> = Vec::new();
    for m in ev.pages.iter().flat_map(|p| &p.mrn_like) {
        if let Some(p) = index.by_mrn(m).filter(|p| !found.iter().any(|q| q.mrn == p.mrn)) {
            found.push(p);
        }
    }
    let [p] = found.as_slice() else { return None };
    let words = text_words(ev.texts.iter().map(String::as_str));
    let has = |name: &str| has_name(&words, name);
    let dob_printed = ev.pages.iter().flat_map(|pg| &pg.dates_anywhere).any(|d| d.to_string() == p.birth_date);
    let contradicted = dobs.iter().any(|d| d.to_string() != p.birth_date)
        || year_conflicts(ev, p)
        || names.iter().any(|n| !name_matches(n, p, cfg));
    (has(&p.family_name) && has(&p.given_name) && dob_printed && !contradicted).then(|| p.clone())
}

/// The words of texts, upper-cased, as names are compared.
fn text_words<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
    texts
        .flat_map(|t| t.split(|c: char| !c.is_alphabetic() && c != '-' && c != '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect()
}

/// Whether every part of `name` is one of `words`.
fn has_name(words: &[String], name: &str) -> bool {
    let name = name.trim().to_uppercase();
    !name.is_empty() && name.split_whitespace().all(|part| words.iter().any(|w| w == part))
}

/// The filed patient's identifiers that a page shows, beyond those read
/// cleanly by their labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confirmed {
    /// The patient's MRN is printed on the page without a label.
    pub mrn: bool,
    /// The patient's date of birth is one of the page's dates, or what a
    /// labelled date of birth reads as once an OCR confusion is undone
    /// ("96/21/70"): a corrected reading, corroborated by the filing.
    pub birth_date: bool,
    /// The patient's family and given names are words of the page.
    pub name: bool,
}

/// After a document has been filed to `p` (on the evidence of all its
/// pages), what one page shows of `p` that no label gave: an MRN on an
/// embossed card, a date of birth whose label OCR mangled, a name without a
/// "Name:" caption. Only ever reported with the page, never a ground for
/// filing: the decision is taken before, by [`decide`].
pub fn confirmed_on_page(e: &Extracted, text: &str, p: &crate::model::Patient) -> Confirmed {
    Confirmed {
        mrn: !e.mrn.iter().any(|m| !m.corrected && m.value == p.mrn) && e.mrn_like.contains(&p.mrn),
        birth_date: !e.birth_date.iter().any(|b| !b.corrected && b.value.to_string() == p.birth_date)
            && (e.dates_anywhere.iter().any(|d| d.to_string() == p.birth_date)
                || e.birth_date.iter().any(|b| b.corrected && b.value.to_string() == p.birth_date)),
        name: e.name.is_empty() && {
            let words = text_words(std::iter::once(text));
            has_name(&words, &p.family_name) && has_name(&words, &p.given_name)
        },
    }
}

/// Whether a labelled date of birth that could not be read has a year that
/// is not this patient's ("Born: 99/09/1991" on a page of someone born in
/// 1958): the page may be another patient's of the same name.
/// So too a labelled date of birth read only after undoing an OCR confusion
/// ("99/09/1991" as 09/09/1991): never proof, but if it is not the
/// patient's date of birth, it speaks against the MRN.
fn year_conflicts(ev: &Evidence, p: &PatientRecord) -> bool {
    let year = p.birth_date.get(..4).and_then(|y| y.parse::<u16>().ok());
    ev.pages.iter().flat_map(|pg| &pg.birth_year_unread).any(|y| Some(*y) != year)
        || ev.pages.iter().flat_map(|pg| &pg.birth_date).any(|b| b.corrected && b.value.to_string() != p.birth_date)
}

/// What the index says of `mrn` (read from a page: in the index's form),
/// for the second reading of a page's header.
pub fn index_says(index: &dyn PatientIndex, mrn: &str) -> crate::extract::IndexSays {
    match index.by_mrn(mrn) {
        Some(p) => crate::extract::IndexSays::Known(Some(p.birth_date)),
        None => crate::extract::IndexSays::Unknown,
    }
}

/// MRNs of a document that are OCR's misreading of its patient's MRN: not
/// in the index, one digit away from the document's one indexed MRN, and
/// read only on pages that show that patient's name *and* date of birth
/// (three identifiers agreeing, as many as a clean page offers). Page 2 of
/// a report whose MRN lost a digit to a speck is then no second patient.
/// A document whose only MRN is misread is not helped: there is no indexed
/// MRN to be one digit from.
fn misread_mrns(ev: &Evidence, index: &dyn PatientIndex, clean: &[String], cfg: &FilingConfig) -> Vec<String> {
    let indexed: Vec<PatientRecord> = clean.iter().filter_map(|m| index.by_mrn(m)).collect();
    let [p] = indexed.as_slice() else { return Vec::new() };
    clean
        .iter()
        .filter(|m| index.by_mrn(m).is_none() && one_digit_apart(m, &p.mrn))
        .filter(|m| {
            ev.pages.iter().filter(|pg| pg.mrn.iter().any(|x| !x.corrected && x.value == **m)).all(|pg| {
                let dobs: Vec<&Date> = pg.birth_date.iter().filter(|b| !b.corrected).map(|b| &b.value).collect();
                !dobs.is_empty()
                    && dobs.iter().all(|d| d.to_string() == p.birth_date)
                    && !pg.name.is_empty()
                    && pg.name.iter().all(|n| name_matches(n, p, cfg))
            })
        })
        .cloned()
        .collect()
}

/// Whether two readings of the same length differ in exactly one place.
fn one_digit_apart(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.chars().zip(b.chars()).filter(|(x, y)| x != y).count() == 1
}

/// Dates of birth of a document that are OCR's misreading of its patient's
/// `p`'s: a digit from `p`'s, and read only on pages that also read `p`'s
/// date of birth (cleanly, or as what another reading reads once an OCR
/// confusion is undone: `62/28/1990` beside 02/28/1998), `p`'s MRN
/// cleanly, and only names of `p` (the two readings of one field that a
/// second reading of the header gives, `6/21/76` beside 06/21/70). A page
/// whose only date of birth is a digit off is not helped.
fn misread_births(ev: &Evidence, p: &PatientRecord, cfg: &FilingConfig) -> Vec<Date> {
    let mut out: Vec<Date> = Vec::new();
    for d in ev.pages.iter().flat_map(|pg| &pg.birth_date).filter(|b| !b.corrected).map(|b| b.value) {
        if out.contains(&d) || !one_digit_apart(&d.to_string(), &p.birth_date) {
            continue;
        }
        let explained =
            ev.pages.iter().filter(|pg| pg.birth_date.iter().any(|b| !b.corrected && b.value == d)).all(|pg| {
                pg.birth_date.iter().any(|b| b.value.to_string() == p.birth_date)
                    && pg.mrn.iter().any(|m| !m.corrected && m.value == p.mrn)
                    && !pg.name.is_empty()
                    && pg.name.iter().all(|n| name_matches(n, p, cfg))
            });
        if explained {
            out.push(d);
        }
    }
    out
}

/// Review reason: a second indexed patient's MRN appears on the document
/// without being read as its MRN.
pub const REASON_OTHER_MRN: &str = "two patients in one document (another patient's MRN on the page)";

/// Review reason: a barcode's MRN and an MRN printed on the document differ.
pub const REASON_BARCODE_MRN: &str = "two patients in one document (the barcode's MRN is not the printed MRN)";

pub fn decide(ev: &Evidence, index: &dyn PatientIndex, cfg: &FilingConfig) -> Decision {
    let mut d = Decision::default();
    let mut clean_mrns: Vec<String> = Vec::new();
    let mut corrected_mrns: Vec<String> = Vec::new();
    let mut dobs: Vec<Date> = Vec::new();
    let mut names: Vec<&Name> = Vec::new();
    for page in &ev.pages {
        for m in &page.mrn {
            let list = if m.corrected { &mut corrected_mrns } else { &mut clean_mrns };
            if !list.contains(&m.value) {
                list.push(m.value.clone());
            }
        }
        for b in page.birth_date.iter().filter(|b| !b.corrected) {
            if !dobs.contains(&b.value) {
                dobs.push(b.value);
            }
        }
        for n in &page.name {
            if !names.iter().any(|x| x.family == n.family && x.given == n.given) {
                names.push(n);
            }
        }
    }
    corrected_mrns.retain(|m| !clean_mrns.contains(m));
    // A barcode's MRN is read exactly: another MRN read beside it is
    // another patient's, never OCR's misreading of it.
    let barcode_mrns: Vec<&String> = ev.pages.iter().flat_map(|p| &p.barcode_mrn).collect();
    let barcode_differs = !barcode_mrns.is_empty() && clean_mrns.iter().any(|m| !barcode_mrns.contains(&m));
    let misreadings = if barcode_mrns.is_empty() { misread_mrns(ev, index, &clean_mrns, cfg) } else { Vec::new() };
    clean_mrns.retain(|m| !misreadings.contains(m));
    let suggest = |d: &mut Decision, p: &PatientRecord, why: &str| {
        if !d.candidates.iter().any(|c| c.mrn == p.mrn) {
            d.candidates.push(Candidate { mrn: p.mrn.clone(), why: why.into() });
        }
    };
    // Patients whose name and date of birth both appear in the document.
    let mut by_name_and_dob: Vec<PatientRecord> = Vec::new();
    for dob in &dobs {
        for p in index.born_on(&dob.to_string()) {
            if names.iter().any(|n| name_matches(n, &p, cfg)) && !by_name_and_dob.contains(&p) {
                by_name_and_dob.push(p);
            }
        }
    }

    match clean_mrns.as_slice() {
        [] => match unlabelled_patient(ev, index, &dobs, &names, cfg) {
            Some(p) if corrected_mrns.is_empty() && by_name_and_dob.iter().all(|q| q.mrn == p.mrn) => {
                d.patient = Some(p);
            }
            other => {
                if let Some(p) = other {
                    suggest(&mut d, &p, "unlabelled number on the page");
                }
                d.reasons.push(if corrected_mrns.is_empty() {
                    "no MRN found".into()
                } else {
                    "MRN unreadable (only an OCR-corrected reading)".into()
                });
            }
        },
        [mrn] => match index.by_mrn(mrn) {
            None => d.reasons.push("MRN not in patient index".into()),
            Some(p) => {
                let misread = misread_births(ev, &p, cfg);
                let dobs: Vec<&Date> = dobs.iter().filter(|d| !misread.contains(d)).collect();
                let dob_agrees = dobs.iter().any(|x| x.to_string() == p.birth_date);
                let dob_conflicts = dobs.iter().any(|x| x.to_string() != p.birth_date) || year_conflicts(ev, &p);
                let name_agrees = names.iter().any(|n| name_matches(n, &p, cfg));
                let name_conflicts = names.iter().any(|n| !name_matches(n, &p, cfg));
                let someone_else = by_name_and_dob.iter().any(|q| q.mrn != p.mrn);
                suggest(&mut d, &p, "MRN on the page");
                if someone_else {
                    d.reasons.push("name and DOB belong to another patient".into());
                } else if dob_conflicts && name_conflicts {
                    d.reasons.push("name and DOB do not match the MRN's patient".into());
                }
                if !someone_else && dob_conflicts && !name_conflicts {
                    d.reasons.push(if dob_agrees {
                        "two patients in one document (two dates of birth)".into()
                    } else {
                        "DOB does not match the MRN's patient".into()
                    });
                }
                if !someone_else && name_conflicts && !dob_conflicts {
                    d.reasons.push(if name_agrees {
                        "two patients in one document (two names)".into()
                    } else {
                        "name does not match the MRN's patient".into()
                    });
                }
                if !(dob_agrees || name_agrees) && d.reasons.is_empty() {
                    d.reasons.push("MRN not corroborated by name or DOB".into());
                }
                // Another indexed patient's MRN printed anywhere, even unlabelled
                // (an embossed card, a second sticker): this is not one patient's page.
                let others: Vec<PatientRecord> = ev
                    .pages
                    .iter()
                    .flat_map(|page| &page.mrn_like)
                    .filter(|m| **m != p.mrn)
                    .filter_map(|m| index.by_mrn(m))
                    .collect();
                if !others.is_empty() {
                    d.reasons.push(REASON_OTHER_MRN.into());
                    for q in &others {
                        suggest(&mut d, q, "MRN elsewhere on the page");
                    }
                }
                if d.reasons.is_empty() {
                    d.patient = Some(p);
                }
            }
        },
        _ if barcode_differs => d.reasons.push(REASON_BARCODE_MRN.into()),
        _ => d.reasons.push(format!("two patients in one document ({} different MRNs)", clean_mrns.len())),
    }
    // Leads for the technician.
    for m in &clean_mrns {
        if let Some(p) = index.by_mrn(m) {
            suggest(&mut d, &p, "MRN on the page");
        }
    }
    for m in &corrected_mrns {
        if let Some(p) = index.by_mrn(m) {
            suggest(&mut d, &p, "OCR-corrected MRN reading");
        }
    }
    for p in &by_name_and_dob {
        suggest(&mut d, p, "name and DOB");
    }
    if let Some(c) = ev.min_ocr_confidence.filter(|c| *c < cfg.min_ocr_confidence) {
        d.reasons.push(format!("low OCR confidence ({c:.2})"));
    }
    if !d.reasons.is_empty() {
        d.patient = None;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{extract, ExtractConfig};
    use std::collections::HashMap;

    struct Index(HashMap<String, PatientRecord>);

    impl PatientIndex for Index {
        fn by_mrn(&self, mrn: &str) -> Option<PatientRecord> {
            self.0.get(mrn).cloned()
        }
        fn born_on(&self, date: &str) -> Vec<PatientRecord> {
            self.0.values().filter(|p| p.birth_date == date).cloned().collect()
        }
    }

    fn index() -> Index {
        index_of(&[("00482913", "QUILLFEATHER"), ("10573826", "BRACKENRIDGE"), ("00482918", "PENHALIGON")], &cfg())
    }

    /// An index of these patients (by MRN as printed and family name), keyed
    /// as `patients import` keys it under `cfg`.
    fn index_of(printed: &[(&str, &str)], cfg: &ExtractConfig) -> Index {
        let born = |family: &str| match family {
            "QUILLFEATHER" => ("MARISOL", "1962-03-14"),
            "BRACKENRIDGE" => ("THADDEUS", "1948-07-22"),
            _ => ("WYSTAN", "1975-10-02"),
        };
        let p = |printed: &str, family: &str| {
            let mrn = crate::extract::normalise_mrn(printed, cfg).expect("an MRN of the format");
            let (given, dob) = born(family);
            let record = PatientRecord {
                printed_mrn: (mrn != printed).then(|| printed.to_string()),
                mrn: mrn.clone(),
                family_name: family.into(),
                given_name: given.into(),
                birth_date: dob.into(),
                sex: "F".into(),
            };
            (mrn, record)
        };
        Index(printed.iter().map(|(m, f)| p(m, f)).collect())
    }

    fn cfg() -> ExtractConfig {
        ExtractConfig { current_year: Some(2026), ..Default::default() }
    }

    fn decide_text(text: &str) -> Decision {
        decide_pages(&[text])
    }

    #[test]
    fn a_corroborated_mrn_is_filed() {
        let d = decide_text("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962");
        assert_eq!(d.patient.unwrap().mrn, "00482913");
        assert!(d.reasons.is_empty());
        // Numbers of the MRN's shape that are no one's MRN change nothing.
        let d = decide_text("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962\nAccession 55555555");
        assert!(d.patient.is_some(), "{:?}", d.reasons);
        // A misread letter in the name is still the same name.
        let d = decide_text("Patient: QUILLFEATHFR, MARISOL  MRN: 00482913");
        assert!(d.patient.is_some(), "{:?}", d.reasons);
        // So are the names read in each other's place, on one page or on
        // one of the document's pages ("Marisol, Quillfeather").
        let d = decide_text("Patient: Marisol, Quillfeather  MRN: 00482913");
        assert!(d.patient.is_some(), "{:?}", d.reasons);
        let d = decide_pages(&[
            "Patient: Quillfeather, Marisol  MRN: 00482913  DOB: 03/14/1962",
            "Patient: Marisol, Quillfeather  MRN: 00482913",
        ]);
        assert!(d.patient.is_some(), "{:?}", d.reasons);
        // Two letters OCR read for one ("VV" for "W", "RI" for "N").
        for misread in ["PENHALIGON, VVYSTAN", "PENHALIGON, WYSTARI"] {
            let d = decide_text(&format!("Patient: {misread}  MRN: 00482918"));
            assert_eq!(d.patient.map(|p| p.mrn), Some("00482918".into()), "{misread}: {:?}", d.reasons);
        }
        assert!(similarity("VVYSTAN", "WYSTAN") < 0.75, "without folding, too far apart");
        // An initial is no given name to swap with.
        let d = decide_text("Patient: M, Quillfeather  MRN: 00482913");
        assert!(d.patient.is_none());
    }

    #[test]
    fn an_unlabelled_card_is_filed_only_when_name_and_birth_date_agree() {
        let card = "PROGRESS NOTE\nQUILLFEATHER MARISOL T\n00482913\n03/14/62 F Room 503-A\nDR BELLWEATHER";
        let d = decide_text(card);
        assert_eq!(d.patient.map(|p| p.mrn), Some("00482913".into()), "{:?}", d.reasons);
        for (text, why) in [
            ("QUILLFEATHER MARISOL\n00482913\n04/14/62 F", "another date of birth"),
            ("QUILLFEATHER\n00482913\n03/14/62 F", "no given name"),
            ("BRACKENRIDGE THADDEUS\n00482913\n03/14/62", "another name"),
            ("QUILLFEATHER MARISOL\n00482913\n03/14/62\nDOB: 07/22/1948", "a labelled DOB says otherwise"),
            ("QUILLFEATHER MARISOL\n00482913 10573826\n03/14/62", "two indexed numbers"),
        ] {
            let d = decide_text(text);
            assert!(d.patient.is_none(), "{why}");
            assert!(d.reasons.iter().any(|r| r == "no MRN found"), "{why}: {:?}", d.reasons);
        }
    }

    #[test]
    fn a_filed_page_reports_what_it_shows_of_the_patient_without_labels() {
        let p = crate::model::Patient::from(&index().by_mrn("00482913").expect("in the index"));
        let cfg = ExtractConfig { current_year: Some(2026), ..Default::default() };
        let card = "PROGRESS NOTE\nQUILLFEATHER MARISOL T\n00482913\n03/14/62 F Room 503-A";
        let c = confirmed_on_page(&extract(card, &cfg), card, &p);
        assert_eq!(c, Confirmed { mrn: true, birth_date: true, name: true });
        // Read by their labels already: nothing to add.
        let labelled = "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962";
        assert_eq!(confirmed_on_page(&extract(labelled, &cfg), labelled, &p), Confirmed::default());
        // A continuation page that shows none of them.
        let other = "Page 2 of 2\nPlan: follow up in 03/2027. Seen 10573826 times.";
        assert_eq!(confirmed_on_page(&extract(other, &cfg), other, &p), Confirmed::default());
        // A label OCR mangled beyond reading leaves the date unlabelled; it is the patient's.
        let mangled = "MRN: 00482913  Bxrtn: 03/14/1962";
        let c = confirmed_on_page(&extract(mangled, &cfg), mangled, &p);
        assert!(c.birth_date && !c.mrn && !c.name, "{c:?}");
        // Leading zeros count (by default): 482913 is another MRN.
        let zeros = "MRN: 482913  DOB: 03/14/1962";
        assert!(!confirmed_on_page(&extract(zeros, &cfg), zeros, &p).mrn);
        // A labelled date of birth whose 0 OCR read as 9: corrected, and the patient's.
        let zero = "MRN: 00482913  DOB: 93/14/1962";
        assert!(confirmed_on_page(&extract(zero, &cfg), zero, &p).birth_date);
        let other = "MRN: 00482913  DOB: 93/15/1962";
        assert!(!confirmed_on_page(&extract(other, &cfg), other, &p).birth_date);
    }

    #[test]
    fn an_unreadable_date_of_birth_with_another_year_blocks_filing() {
        // Two patients may share a name; a date of birth OCR could not read
        // ("99/09/1991") still tells them apart by its year.
        let d = decide_text("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  Born: 99/09/1991");
        assert!(d.patient.is_none());
        assert!(d.reasons.iter().any(|r| r.starts_with("DOB does not match")), "{:?}", d.reasons);
        // The patient's own year does not block (nor corroborate: the name does).
        let d = decide_text("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  Born: 93/14/1962");
        assert!(d.patient.is_some(), "{:?}", d.reasons);
        let card = "QUILLFEATHER MARISOL T\n00482913\n03/14/62 F\nDOB: 93/14/1991";
        assert!(decide_text(card).patient.is_none());
    }

    #[test]
    fn traps_go_to_review_with_their_reason() {
        let cases = [
            ("Patient: NOBODY, NEVER  MRN: 99999999  DOB: 01/01/1990", "MRN not in patient index"),
            (
                "Patient: BRACKENRIDGE, THADDEUS  MRN: 00482913  DOB: 07/22/1948",
                "name and DOB belong to another patient",
            ),
            (
                "Patient: QUILLFEATHER, MARISOL  MRN: 00482918  DOB: 03/14/1962",
                "name and DOB belong to another patient",
            ),
            ("The patient is doing well.", "no MRN found"),
            ("MRN: 00482913\nMRN: 10573826", "two patients in one document"),
            ("MRN: 00482913", "MRN not corroborated by name or DOB"),
            ("MRN: OO4829l3  DOB: 03/14/1962", "MRN unreadable"),
            ("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 04/14/1962", "DOB does not match"),
            (
                // An embossed card for another patient, without labels, above a labelled sticker.
                "BRACKENRIDGE, THADDEUS\n10573826\n07/22/48 M\n\nPatient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962",
                REASON_OTHER_MRN,
            ),
        ];
        for (text, reason) in cases {
            let d = decide_text(text);
            assert!(d.patient.is_none(), "{text}");
            assert!(d.reasons.iter().any(|r| r.starts_with(reason)), "{text}: {:?}", d.reasons);
        }
    }

    fn decide_pages(texts: &[&str]) -> Decision {
        decide_with(texts, &index(), &cfg())
    }

    fn decide_with(texts: &[&str], index: &Index, cfg: &ExtractConfig) -> Decision {
        let ev = Evidence {
            pages: texts.iter().map(|t| extract(t, cfg)).collect(),
            texts: texts.iter().map(|t| t.to_string()).collect(),
            min_ocr_confidence: Some(0.93),
        };
        decide(&ev, index, &FilingConfig::default())
    }

    #[test]
    fn two_readings_of_a_date_of_birth_a_digit_apart_are_one_misread() {
        // A second reading of the header read the patient's 03/14/1962
        // where the first read 03/14/1968: MRN, name and one reading agree.
        let both = "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1968\nDOB: 03/14/1962";
        let d = decide_pages(&[both]);
        assert_eq!(d.patient.map(|p| p.mrn), Some("00482913".into()), "{:?}", d.reasons);
        for (page, why) in [
            ("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1968", "only the misread date"),
            ("MRN: 00482913  DOB: 03/14/1968\nDOB: 03/14/1962", "no name on the page"),
            ("Patient: PENHALIGON, WYSTAN  MRN: 00482913  DOB: 03/14/1968\nDOB: 03/14/1962", "another name"),
            ("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1958\nDOB: 03/14/1962", "two digits away"),
        ] {
            let d = decide_pages(&[page]);
            assert!(d.patient.is_none(), "{why}");
        }
        // The other reading reads the patient's only once an OCR confusion
        // is undone ("O3/14/1962"; blind unseen 149: a card's 02/28/1990
        // read 02/28/1998, then 62/28/1990): still two readings of one field.
        let corrected = "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1968\nDOB: O3/14/1962";
        let d = decide_pages(&[corrected]);
        assert_eq!(d.patient.map(|p| p.mrn), Some("00482913".into()), "{:?}", d.reasons);
        let d = decide_pages(&["Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1968\nDOB: O3/14/1961"]);
        assert!(d.patient.is_none(), "a corrected reading that is not the patient's explains nothing");
        // Another page of the document with the other date alone: not explained.
        let d = decide_pages(&[both, "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1968\nPage 2 of 2"]);
        assert!(d.patient.is_none(), "{:?}", d.reasons);
    }

    #[test]
    fn a_page_whose_mrn_lost_a_digit_to_ocr_does_not_split_its_patient() {
        let first = "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962";
        // Page 2 reads 00482973: in no one's record, one digit away, and the
        // page shows the patient's name and date of birth.
        let d = decide_pages(&[first, "Patient: QUILLFEATHER, MARISOL  MRN: 00482973  DOB: 03/14/1962\nPage 2 of 2"]);
        assert_eq!(d.patient.map(|p| p.mrn), Some("00482913".into()), "{:?}", d.reasons);
        for (second, why) in [
            ("Patient: QUILLFEATHER, MARISOL  MRN: 00482973", "no date of birth on the page"),
            ("MRN: 00482973  DOB: 03/14/1962", "no name on the page"),
            ("Patient: QUILLFEATHER, MARISOL  MRN: 00482973  DOB: 03/15/1962", "another date of birth"),
            ("Patient: QUILLFEATHER, MARISOL  MRN: 00488973  DOB: 03/14/1962", "two digits away"),
            ("Patient: PENHALIGON, WYSTAN  MRN: 00482918  DOB: 10/02/1975", "an indexed MRN"),
        ] {
            let d = decide_pages(&[first, second]);
            assert!(d.patient.is_none(), "{why}");
            assert!(d.reasons.iter().any(|r| r.starts_with("two patients")), "{why}: {:?}", d.reasons);
        }
        // The only MRN misread: nothing to be one digit from.
        let d = decide_text("Patient: QUILLFEATHER, MARISOL  MRN: 00482973  DOB: 03/14/1962");
        assert!(d.reasons.iter().any(|r| r == "MRN not in patient index"), "{:?}", d.reasons);
    }

    #[test]
    fn leading_zeros_tell_mrns_apart_unless_the_site_says_they_do_not() {
        let lost = [
            "Patient: QUILLFEATHER, MARISOL  MRN: 482913  DOB: 03/14/1962",
            "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962",
        ];
        // By default 482913 is another MRN than 00482913, in no one's
        // record: review (it used to be taken for the index's 00482913).
        let d = decide_pages(&lost);
        assert!(d.patient.is_none(), "{:?}", d.reasons);
        let d = decide_text(lost[0]);
        assert!(d.reasons.iter().any(|r| r == "MRN not in patient index"), "{:?}", d.reasons);
        // A site whose leading zeros do not count: one MRN, on both sides.
        let cfg = ExtractConfig { mrn_leading_zeros: crate::extract::LeadingZeros::Insignificant, ..cfg() };
        let index = index_of(&[("00482913", "QUILLFEATHER"), ("10573826", "BRACKENRIDGE")], &cfg);
        let d = decide_with(&lost, &index, &cfg);
        assert_eq!(d.patient.map(|p| p.mrn), Some("482913".into()), "{:?}", d.reasons);
        // Still corroborated as any MRN must be.
        let d = decide_with(&["Patient: BRACKENRIDGE, THADDEUS  MRN: 482913  DOB: 07/22/1948"], &index, &cfg);
        assert!(d.patient.is_none());
    }

    #[test]
    fn an_mrn_printed_another_way_than_the_index_prints_it_is_the_same_mrn() {
        // The index as a site exports it: prefixes and separators.
        let printed = [("MRN-0048-2913", "QUILLFEATHER"), ("MR 10573826", "BRACKENRIDGE"), ("0048 2918", "PENHALIGON")];
        let index = index_of(&printed, &cfg());
        for page in [
            "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962",
            "Patient: QUILLFEATHER, MARISOL  MRN: 004-829-13  DOB: 03/14/1962",
            "Patient: QUILLFEATHER, MARISOL  MRN: 0048 2913  DOB: 03/14/1962",
            "Patient: QUILLFEATHER, MARISOL  MRN: MRN-00482913  DOB: 03/14/1962",
            "Patient: QUILLFEATHER, MARISOL  Med Rec No: 0048–2913  DOB: 03/14/1962",
            // OCR split the number at its separator.
            "Patient: QUILLFEATHER, MARISOL  MRN: 0048-29 13  DOB: 03/14/1962",
        ] {
            let d = decide_with(&[page], &index, &cfg());
            assert_eq!(d.patient.map(|p| p.mrn), Some("00482913".into()), "{page}: {:?}", d.reasons);
        }
        // Near misses stay in review: a digit off (another patient's MRN),
        // a zero lost, a group lost, the MRN cut short.
        for (page, reason) in [
            (
                "Patient: QUILLFEATHER, MARISOL  MRN: 0048-2918  DOB: 03/14/1962",
                "name and DOB belong to another patient",
            ),
            ("Patient: QUILLFEATHER, MARISOL  MRN: 048-2913  DOB: 03/14/1962", "MRN not in patient index"),
            ("Patient: QUILLFEATHER, MARISOL  MRN: 0048-29  DOB: 03/14/1962", "MRN not in patient index"),
            ("Patient: QUILLFEATHER, MARISOL  MRN: 0048-2913-7  DOB: 03/14/1962", "MRN not in patient index"),
        ] {
            let d = decide_with(&[page], &index, &cfg());
            assert!(d.patient.is_none(), "{page}");
            assert!(d.reasons.iter().any(|r| r == reason), "{page}: {:?}", d.reasons);
        }
        // Another patient's MRN printed with separators, unlabelled, is
        // still another patient's MRN on the page.
        let sticker = "Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962\nBRACKENRIDGE T 105-738-26";
        let d = decide_with(&[sticker], &index, &cfg());
        assert!(d.reasons.iter().any(|r| r == REASON_OTHER_MRN), "{:?}", d.reasons);
    }

    #[test]
    fn candidates_are_suggested_not_applied() {
        let d = decide_text("Patient: QUILLFEATHER, MARISOL  MRN: OO4829l3  DOB: 03/14/1962");
        assert!(d.patient.is_none());
        assert_eq!(d.candidates.first().map(|c| c.mrn.as_str()), Some("00482913"));
    }

    #[test]
    fn low_ocr_confidence_blocks_filing() {
        let e = extract("Patient: QUILLFEATHER, MARISOL  MRN: 00482913  DOB: 03/14/1962", &ExtractConfig::default());
        let d = decide(
            &Evidence { pages: vec![e], min_ocr_confidence: Some(0.41), ..Default::default() },
            &index(),
            &FilingConfig::default(),
        );
        assert!(d.patient.is_none());
        assert_eq!(d.reasons, vec!["low OCR confidence (0.41)".to_string()]);
    }

    #[test]
    fn similarity_allows_a_misread_letter() {
        assert!(similarity("QUILLFEATHER", "QUILLFEATHFR") > 0.9);
        assert!(similarity("SMITH", "JONES") < 0.5);
        assert_eq!(similarity("", ""), 1.0);
    }

    /// The decision on one page whose text is `text` and whose barcodes
    /// gave the MRN `mrn` (and the date of birth `dob`, when the label
    /// carries both).
    fn decide_barcode(text: &str, mrn: &str, dob: Option<Date>) -> Decision {
        let mut page = extract(text, &cfg());
        let m = crate::barcode::PageMeaning {
            mrn: vec![mrn.into()],
            birth_date: dob.into_iter().collect(),
            ..Default::default()
        };
        m.add_to(&mut page);
        let ev = Evidence { pages: vec![page], texts: vec![text.into()], min_ocr_confidence: Some(0.93) };
        decide(&ev, &index(), &FilingConfig::default())
    }

    #[test]
    fn a_barcode_mrn_is_a_clean_reading_that_needs_a_second_identifier() {
        let born = Date { year: 1962, month: 3, day: 14 };
        // The name printed, no MRN printed: filed.
        let d = decide_barcode("LABORATORY REPORT\nPatient: QUILLFEATHER, MARISOL", "00482913", None);
        assert_eq!(d.patient.map(|p| p.mrn), Some("00482913".into()), "{:?}", d.reasons);
        // Nothing corroborates it.
        let d = decide_barcode("LABORATORY REPORT\nresults follow", "00482913", None);
        assert_eq!(d.reasons, vec!["MRN not corroborated by name or DOB".to_string()]);
        // A label that carries MRN and date of birth: two identifiers.
        let d = decide_barcode("LABORATORY REPORT\nresults follow", "00482913", Some(born));
        assert_eq!(d.patient.map(|p| p.mrn), Some("00482913".into()), "{:?}", d.reasons);
        // ... and still subject to every check: another date of birth printed,
        let d = decide_barcode("DOB: 04/14/1962", "00482913", Some(born));
        assert!(d.patient.is_none() && d.reasons.iter().any(|r| r.contains("two dates of birth")), "{:?}", d.reasons);
        // another patient's name and date of birth,
        let d = decide_barcode("Patient: BRACKENRIDGE, THADDEUS  DOB: 07/22/1948", "00482913", Some(born));
        assert!(d.patient.is_none(), "{:?}", d.reasons);
        // another patient's MRN anywhere on the page.
        let d = decide_barcode("Patient: QUILLFEATHER, MARISOL\nBRACKENRIDGE T 10573826", "00482913", None);
        assert!(d.reasons.iter().any(|r| r == REASON_OTHER_MRN), "{:?}", d.reasons);
    }

    #[test]
    fn a_barcode_mrn_and_a_printed_mrn_that_differ_are_never_filed() {
        // The printed MRN a digit off and in no one's record, with the
        // patient's name and date of birth: by OCR alone a misreading, but
        // a barcode is read exactly.
        let page = "Patient: QUILLFEATHER, MARISOL  MRN: 00482973  DOB: 03/14/1962";
        let d = decide_barcode(page, "00482913", None);
        assert!(d.patient.is_none());
        assert_eq!(d.reasons, vec![REASON_BARCODE_MRN.to_string()]);
        // Another patient's MRN printed.
        let d = decide_barcode("Patient: QUILLFEATHER, MARISOL  MRN: 10573826", "00482913", None);
        assert_eq!(d.reasons, vec![REASON_BARCODE_MRN.to_string()]);
        // The same MRN printed and coded: one reading, filed.
        let d = decide_barcode("Patient: QUILLFEATHER, MARISOL  MRN: 0048-2913", "00482913", None);
        assert!(d.patient.is_some(), "{:?}", d.reasons);
    }
}
