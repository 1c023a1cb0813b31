//! Document types: stable snake_case codes, their LOINC document codes and
//! display names, kept in this one place. A site adds its own types through
//! the site configuration (see [`crate::config::SiteConfig`]).

use serde::{Deserialize, Serialize};

/// One document type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocType {
    pub code: String,
    /// LOINC document code; `None` for local types.
    pub loinc: Option<String>,
    pub display: String,
}

/// The type that always goes to review.
pub const OTHER: &str = "other";

const BUILTIN: &[(&str, Option<&str>, &str)] = &[
    ("history_physical", Some("34117-2"), "History and physical note"),
    ("discharge_summary", Some("18842-5"), "Discharge summary"),
    ("operative_report", Some("11504-8"), "Surgical operation note (operations and procedures)"),
    ("progress_note", Some("11506-3"), "Progress note"),
    ("consultation", Some("11488-4"), "Consult note"),
    ("emergency_note", Some("34111-5"), "Emergency department note"),
    ("lab_report", Some("11502-2"), "Laboratory report"),
    ("radiology_report", Some("18748-4"), "Diagnostic imaging study"),
    ("pathology_report", Some("11526-1"), "Pathology study"),
    ("consent", Some("59284-0"), "Consent document"),
    ("insurance", Some("64290-0"), "Health insurance card and coverage documents"),
    ("medication_record", None, "Medication administration record, prescriptions"),
    ("correspondence", None, "Letters and correspondence"),
    (OTHER, None, "Anything else; always goes to review"),
];

/// The set of document types in force: the built-in ones plus the site's.
#[derive(Debug, Clone, PartialEq)]
pub struct Taxonomy {
    types: Vec<DocType>,
}

impl Default for Taxonomy {
    fn default() -> Taxonomy {
        let types = BUILTIN
            .iter()
            .map(|(code, loinc, display)| DocType {
                code: code.to_string(),
                loinc: loinc.map(str::to_string),
                display: display.to_string(),
            })
            .collect();
        Taxonomy { types }
    }
}

impl Taxonomy {
    /// The built-in types plus `extra` (a site's own). A site type with a
    /// built-in code replaces its display name and LOINC code.
    pub fn with_site_types(extra: &[DocType]) -> Result<Taxonomy, String> {
        let mut t = Taxonomy::default();
        for e in extra {
            if !is_valid_code(&e.code) {
                return Err(format!("document type code '{}' is not snake_case (a-z, 0-9, _)", e.code));
            }
            match t.types.iter_mut().find(|x| x.code == e.code) {
                Some(x) => *x = e.clone(),
                None => t.types.push(e.clone()),
            }
        }
        Ok(t)
    }

    pub fn types(&self) -> &[DocType] {
        &self.types
    }

    pub fn get(&self, code: &str) -> Option<&DocType> {
        self.types.iter().find(|t| t.code == code)
    }

    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }
}

fn is_valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && code.starts_with(|c: char| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_types_have_their_loinc_codes() {
        let t = Taxonomy::default();
        assert_eq!(t.types().len(), 14);
        assert_eq!(t.get("discharge_summary").unwrap().loinc.as_deref(), Some("18842-5"));
        assert_eq!(t.get("correspondence").unwrap().loinc, None);
        assert!(t.contains(OTHER));
    }

    #[test]
    fn a_site_adds_and_renames_types() {
        let extra = [
            DocType { code: "wound_care".into(), loinc: None, display: "Wound care record".into() },
            DocType { code: "consent".into(), loinc: Some("59284-0".into()), display: "Consent form".into() },
        ];
        let t = Taxonomy::with_site_types(&extra).unwrap();
        assert_eq!(t.types().len(), 15);
        assert_eq!(t.get("consent").unwrap().display, "Consent form");
        let bad = [DocType { code: "Wound Care".into(), loinc: None, display: String::new() }];
        assert!(Taxonomy::with_site_types(&bad).is_err());
    }
}
