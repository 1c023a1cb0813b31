//! Validated settings, built from the raw command line (see [`crate::cli`]).

use std::path::PathBuf;

/// The default store, relative to the working folder.
pub const DEFAULT_STORE: &str = "chartmill.db";
/// Environment variable that overrides the default store.
pub const STORE_ENV: &str = "CHARTMILL_STORE";

/// Exit codes, documented in the README.
pub mod exit {
    /// Everything asked for was done.
    pub const OK: u8 = 0;
    /// Done, but some files or pages failed (they are recorded and listed),
    /// or a check (`audit verify`, `verify`) found a problem.
    pub const DONE_WITH_FAILURES: u8 = 1;
    /// Nothing useful could be done: bad arguments, store in use or unreadable, no OCR engine.
    pub const FATAL: u8 = 2;
}

/// The store path: `--store`, else `$CHARTMILL_STORE`, else `./chartmill.db`.
pub fn store_path(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os(STORE_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE))
}

/// The batch name used when `--batch` is not given: the input folders' names
/// joined with `+`, so running the same command again resumes the same batch.
pub fn default_batch_name(roots: &[PathBuf]) -> String {
    let names: Vec<String> = roots
        .iter()
        .map(|r| {
            let abs = std::path::absolute(r).unwrap_or_else(|_| r.clone());
            abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "root".into())
        })
        .collect();
    names.join("+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_batch_is_named_after_the_folders() {
        let roots = vec![PathBuf::from("samples/"), PathBuf::from("/archive/box-7")];
        assert_eq!(default_batch_name(&roots), "samples+box-7");
    }
}

/// Environment variable naming the site configuration file.
pub const CONFIG_ENV: &str = "CHARTMILL_CONFIG";

/// A site's settings, from a TOML file (`--config`, else `$CHARTMILL_CONFIG`).
/// Every field has a default that suits common US forms.
///
/// ```toml
/// [classifier]
/// model = "/srv/chartmill/doctype.json"   # default: the model built into chartmill
/// review_threshold = 0.4                  # pages under it get "uncertain document type"
///
/// [documents]
/// separator_texts = ["DOCUMENT SEPARATOR SHEET"]
/// patch_sheets = true                      # patch-code sheets (tall bars, no text)
/// page_files = true                        # a folder's page-1.tif, page-2.tif, ...: one multi-page file
///
/// [identifiers]
/// date_order = "month_first"               # or "day_first", for 03/04/1962
/// mrn_pattern = "^[A-Z]{0,3}[0-9]{5,12}$"  # the site's MRN format (prefix and separators dropped)
/// mrn_prefixes = ["MRN", "MR"]             # printed before an MRN, not part of it: MRN-004738
/// mrn_separators = "- "                    # printed inside an MRN, not part of it: 023-417-36
/// mrn_leading_zeros = "significant"        # or "insignificant": 004738 is then 4738
/// mrn_labels = ["Hosp(?:ital)? No\\.?"]     # extra labels (regular expressions)
///
/// [filing]
/// min_ocr_confidence = 0.6
/// name_similarity = 0.8
/// review_files_with_several_patients = false
///
/// [ocr]
/// layout = "auto"                          # or "block": one block of lines (faster, single-column pages)
/// time_limit_seconds = 120                 # a page taking longer fails, the batch goes on
///
/// [[doc_types]]                            # a site's own types
/// code = "wound_care"
/// display = "Wound care record"
///
/// [[barcodes]]                             # what the site's barcodes mean (regex on the text)
/// pattern = '^MRN[:\s]*(?P<mrn>\d{6,10})$'
/// meaning = "mrn"                          # or "doc_type", "cover_sheet" (with doc_type = "..."), "separator"
/// carries = ["mrn", "birth_date"]          # the label carries both (groups mrn and birth_date)
///
/// [encryption]                             # an encrypted store (docs/security.md); one of:
/// key_file = "/etc/chartmill/store.key"    # 32 bytes, base64 or hex; mode 0400 (relative: to this file)
/// key_env = "CHARTMILL_STORE_KEY"          # an environment variable holding it
/// key_command = "vault kv get -field=key secret/chartmill"   # a command printing it
///
/// [export]                                 # FHIR: the site's identifier systems
/// document_system = "urn:oid:1.2.3.4.5.1"
/// patient_system = "urn:oid:1.2.3.4.5.2"   # the MRNs' assigning authority
/// type_system = "urn:oid:1.2.3.4.5.3"      # document types without a LOINC code
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    pub classifier: ClassifierConfig,
    pub documents: DocumentsConfig,
    pub identifiers: crate::extract::ExtractConfig,
    pub filing: crate::filing::FilingConfig,
    pub ocr: crate::ocr::OcrSettings,
    pub doc_types: Vec<crate::taxonomy::DocType>,
    pub export: crate::export::fhir::Systems,
    /// What the site's barcodes mean (none: barcodes are read and kept,
    /// and mean nothing).
    pub barcodes: Vec<crate::barcode::BarcodeRule>,
    /// Where the key of an encrypted store comes from; with it, new stores
    /// are encrypted.
    pub encryption: Option<EncryptionConfig>,
}

/// `[encryption]`: exactly one source of the key-encryption key.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncryptionConfig {
    pub key_file: Option<PathBuf>,
    pub key_env: Option<String>,
    pub key_command: Option<String>,
}

impl EncryptionConfig {
    pub fn source(&self) -> crate::Result<crate::store::KeySource> {
        use crate::store::KeySource;
        match (&self.key_file, &self.key_env, &self.key_command) {
            (Some(f), None, None) => Ok(KeySource::File(f.clone())),
            (None, Some(e), None) => Ok(KeySource::Env(e.clone())),
            (None, None, Some(c)) => Ok(KeySource::Command(c.clone())),
            _ => {
                Err(crate::Error::Config("[encryption] takes exactly one of key_file, key_env and key_command".into()))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierConfig {
    pub model: Option<PathBuf>,
    pub review_threshold: f32,
    /// A document whose patient is certain but whose type is not is filed,
    /// its type marked unverified for the type check, instead of waiting in
    /// the review queue (false: it waits in review, as before).
    pub type_check: bool,
}

impl Default for ClassifierConfig {
    fn default() -> ClassifierConfig {
        ClassifierConfig { model: None, review_threshold: 0.4, type_check: true }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentsConfig {
    /// A page whose text holds one of these (case-insensitive) is a separator
    /// sheet: it ends the current document and is not stored as a page.
    pub separator_texts: Vec<String>,
    /// Type confidence both sides of a boundary need for a change of type
    /// alone to start a new document.
    pub type_change_confidence: f32,
    /// Recognise patch-code separator sheets (tall black bars, no text).
    pub patch_sheets: bool,
    /// Read a folder's numbered page files (`page-1.tif`, `page-2.tif`, ...)
    /// as one multi-page file, so documents span them (see `walk::page_sequences`).
    pub page_files: bool,
}

impl Default for DocumentsConfig {
    fn default() -> DocumentsConfig {
        DocumentsConfig {
            separator_texts: vec!["DOCUMENT SEPARATOR SHEET".into()],
            type_change_confidence: 0.8,
            patch_sheets: true,
            page_files: true,
        }
    }
}

impl SiteConfig {
    /// Reads the site configuration from `flag`, else `$CHARTMILL_CONFIG`,
    /// else the defaults.
    pub fn load(flag: Option<PathBuf>) -> crate::Result<SiteConfig> {
        let path = flag.or_else(|| std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()).map(PathBuf::from));
        let Some(path) = path else {
            return Ok(SiteConfig::default());
        };
        let text = std::fs::read_to_string(&path).map_err(|e| crate::Error::Io { path: path.clone(), source: e })?;
        let mut cfg: SiteConfig = toml::from_str(&text)
            .map_err(|e| crate::Error::Config(format!("site configuration {}: {e}", path.display())))?;
        if let Some(enc) = &mut cfg.encryption {
            enc.source()?;
            if let (Some(file), Some(folder)) = (&mut enc.key_file, path.parent()) {
                if file.is_relative() {
                    *file = folder.join(&*file);
                }
            }
        }
        if !(0.0..=1.0).contains(&cfg.classifier.review_threshold) {
            return Err(crate::Error::Config("classifier.review_threshold must be between 0 and 1".into()));
        }
        if !(cfg.ocr.time_limit_seconds > 0.0 && cfg.ocr.time_limit_seconds.is_finite()) {
            return Err(crate::Error::Config("ocr.time_limit_seconds must be a positive number".into()));
        }
        crate::extract::MrnFormat::new(&cfg.identifiers).map_err(crate::Error::Config)?;
        if cfg.identifiers.mrn_labels.iter().any(|l| regex::Regex::new(&format!("(?i){l}")).is_err()) {
            return Err(crate::Error::Config("identifiers.mrn_labels must be valid regular expressions".into()));
        }
        cfg.barcode_rules()?;
        Ok(cfg)
    }

    /// The `[[barcodes]]` rules, checked and compiled.
    pub fn barcode_rules(&self) -> crate::Result<crate::barcode::Rules> {
        crate::barcode::Rules::new(&self.barcodes, &self.taxonomy()?)
            .map_err(|e| crate::Error::Config(format!("site configuration: {e}")))
    }

    pub fn taxonomy(&self) -> crate::Result<crate::taxonomy::Taxonomy> {
        crate::taxonomy::Taxonomy::with_site_types(&self.doc_types).map_err(crate::Error::Config)
    }
}

#[cfg(test)]
mod site_tests {
    use super::*;

    #[test]
    fn site_config_reads_types_and_thresholds() {
        let cfg: SiteConfig = toml::from_str(
            "[classifier]\nreview_threshold = 0.7\n[[doc_types]]\ncode = \"wound_care\"\ndisplay = \"Wound care\"\n",
        )
        .unwrap();
        assert_eq!(cfg.classifier.review_threshold, 0.7);
        assert!(cfg.taxonomy().unwrap().contains("wound_care"));
        assert_eq!(cfg.documents, DocumentsConfig::default());
        assert!(toml::from_str::<SiteConfig>("[classifier]\nthreshold = 1\n").is_err(), "unknown keys are refused");
    }

    /// Writes `text` as a site configuration and loads it.
    fn load(text: &str) -> crate::Result<SiteConfig> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site.toml");
        std::fs::write(&path, text).unwrap();
        SiteConfig::load(Some(path))
    }

    #[test]
    fn barcode_rules_are_checked_at_load() {
        let good = r#"
[[barcodes]]
pattern = '^MRN[:\s]*(?P<mrn>\d{6,10})$'
meaning = "mrn"
[[barcodes]]
pattern = '^P(?P<mrn>\d{8})D(?P<birth_date>\d{8})$'
meaning = "mrn"
carries = ["mrn", "birth_date"]
[[barcodes]]
pattern = '^FORM-LAB$'
meaning = "doc_type"
doc_type = "lab_report"
[[barcodes]]
pattern = '^COVER-(WOUND)$'
meaning = "cover_sheet"
doc_type = "wound_care"
[[barcodes]]
pattern = '^SEPARATOR$'
meaning = "separator"
[[doc_types]]
code = "wound_care"
display = "Wound care"
"#;
        let cfg = load(good).expect("a good configuration");
        assert_eq!(cfg.barcodes.len(), 5);
        assert!(!cfg.barcode_rules().unwrap().is_empty());
        assert!(load("").unwrap().barcode_rules().unwrap().is_empty(), "no rules: barcodes mean nothing");
        for (text, says) in [
            (
                "[[barcodes]]\npattern = '^MRN(?P<mrn>\\d+'\nmeaning = \"mrn\"\n",
                "barcodes[1]: pattern is not a valid regular expression",
            ),
            (
                "[[barcodes]]\npattern = 'X'\nmeaning = \"doc_type\"\n",
                "barcodes[1]: meaning \"doc_type\" needs a doc_type",
            ),
            (
                "[[barcodes]]\npattern = 'X'\nmeaning = \"cover_sheet\"\ndoc_type = \"nope\"\n",
                "unknown document type 'nope'",
            ),
            (
                "[[barcodes]]\npattern = 'X'\nmeaning = \"separator\"\ncarries = [\"mrn\"]\n",
                "carries goes with meaning \"mrn\"",
            ),
            (
                "[[barcodes]]\npattern = '(?P<mrn>X)'\nmeaning = \"mrn\"\ncarries = [\"mrn\", \"birth_date\"]\n",
                "no (?P<birth_date>...) group",
            ),
            ("[[barcodes]]\npattern = 'X'\nmeaning = \"mrn\"\ncarries = [\"name\"]\n", "carries names 'name'"),
            ("[[barcodes]]\npattern = 'X'\nmeaning = \"patient\"\n", "unknown variant"),
        ] {
            let e = load(text).expect_err(text).to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
