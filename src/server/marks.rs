//! Where on a page the identifiers chartmill read are: the boxes of the
//! OCR words that spell them, for the viewer to outline. Pure.
//!
//! A value is matched against words by letters and digits only, upper
//! case: an MRN against any word containing it (`MRN:00482918`), a date
//! against its usual printed forms (`03/14/1957`, `3/14/57`, `1957-03-14`),
//! a name by each of its parts (`PENHALIGON`, `ROSE`).

use crate::model::{Identifiers, Word};

fn letters_digits(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(|c| c.to_uppercase()).collect()
}

/// The forms a `YYYY-MM-DD` date is printed in, as letters and digits.
fn date_forms(iso: &str) -> Vec<String> {
    let Some(d) = crate::extract::Date::parse_iso(iso) else { return Vec::new() };
    let (y, m, day) = (d.year, d.month, d.day);
    let yy = y % 100;
    let mut forms = vec![
        format!("{y:04}{m:02}{day:02}"),
        format!("{m:02}{day:02}{y:04}"),
        format!("{m}{day}{y:04}"),
        format!("{day:02}{m:02}{y:04}"),
        format!("{m:02}{day:02}{yy:02}"),
        format!("{m}{day}{yy:02}"),
    ];
    forms.sort();
    forms.dedup();
    forms
}

/// `[kind, x, y, w, h]` for each word that spells an identifier, in the
/// words' coordinates (the frame OCR read). Kinds: mrn, name, dob, service.
pub fn identifier_boxes(ids: &Identifiers, words: &[Word]) -> Vec<serde_json::Value> {
    let mut needles: Vec<(&str, Vec<String>, bool)> = Vec::new(); // kind, forms, whole word only
    for m in &ids.mrn {
        let m = letters_digits(m);
        if m.len() >= 4 {
            needles.push(("mrn", vec![m], false));
        }
    }
    for d in &ids.birth_date {
        needles.push(("dob", date_forms(d), true));
    }
    for d in &ids.service_date {
        needles.push(("service", date_forms(d), true));
    }
    for n in &ids.name {
        let parts: Vec<String> =
            n.split(|c: char| !c.is_alphabetic() && c != '\'').map(letters_digits).filter(|p| p.len() >= 2).collect();
        needles.push(("name", parts, true));
    }
    let mut out = Vec::new();
    for w in words {
        let t = letters_digits(&w.text);
        if t.is_empty() {
            continue;
        }
        let hit = needles.iter().find(|(kind, forms, whole)| {
            forms.iter().any(|f| {
                if *whole {
                    // A date may carry a label stuck to it ("DOB:03/14/1957").
                    t == *f || (*kind != "name" && t.ends_with(f.as_str()) && f.len() >= 6)
                } else {
                    t.contains(f.as_str())
                }
            })
        });
        if let Some((kind, _, _)) = hit {
            out.push(serde_json::json!([kind, w.x, w.y, w.w, w.h]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x: u32) -> Word {
        Word { text: text.into(), conf: 90.0, x, y: 10, w: 50, h: 12, line: 1 }
    }

    #[test]
    fn the_words_that_spell_each_identifier_are_found() {
        let ids = Identifiers {
            mrn: vec!["00482918".into()],
            birth_date: vec!["1957-03-14".into()],
            service_date: vec!["2019-11-02".into()],
            name: vec!["PENHALIGON, ROSE".into()],
        };
        let words = [
            word("Patient:", 0),
            word("Penhaligon,", 60),
            word("Rose", 120),
            word("MRN:00482918", 180),
            word("DOB:", 240),
            word("03/14/1957", 300),
            word("Seen", 360),
            word("11/02/2019", 420),
            word("Roseville", 480),
        ];
        let kinds: Vec<(String, u64)> = identifier_boxes(&ids, &words)
            .iter()
            .map(|v| (v[0].as_str().unwrap_or("").to_string(), v[1].as_u64().unwrap_or(0)))
            .collect();
        assert_eq!(
            kinds,
            [
                ("name".into(), 60),
                ("name".into(), 120),
                ("mrn".into(), 180),
                ("dob".into(), 300),
                ("service".into(), 420)
            ]
        );
    }

    #[test]
    fn nothing_read_marks_nothing() {
        assert!(identifier_boxes(&Identifiers::default(), &[word("MRN", 0), word("12345678", 10)]).is_empty());
    }
}
