//! MRNs: the site's format and the one rule that says when two printings
//! are the same MRN.
//!
//! A patient index exported by one system and the pages printed by others
//! write the same MRN differently: `MRN-004738`, `004 738`, `023-417-36`,
//! `MRN: 004738`. [`MrnFormat::normalise`] turns each printing into one
//! form, the one the patient index is keyed by and every reading of a page
//! is compared in:
//!
//! 1. dashes of any kind are hyphens (OCR reads a hyphen as `–` or `—`);
//! 2. a prefix of the site's (`mrn_prefixes`, `MRN` and `MR` by default)
//!    followed by punctuation or a digit is not part of the MRN, nor is the
//!    punctuation after it (`MRN-004738`, `MR#004738`, `MRN: 004738`);
//! 3. the site's separators (`mrn_separators`, hyphen and space by
//!    default) are dropped;
//! 4. what is left, in capitals, must be letters and digits that match
//!    `mrn_pattern`; anything else is no MRN;
//! 5. leading zeros are part of the MRN unless the site says they are not
//!    (`mrn_leading_zeros = "insignificant"`: `004738` is then `4738`).
//!
//! The rule can make two printings of one MRN equal, and so two rows of a
//! patient index: `patients import` refuses the later of two rows that
//! normalise alike. Reading a page never goes beyond the rule: OCR's
//! letter-for-digit confusions are undone only as a *corrected* reading.

use super::{digits_for_letters, ExtractConfig, Found, LETTER_DIGITS};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Whether leading zeros tell MRNs apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LeadingZeros {
    /// `004738` and `4738` are two MRNs.
    #[default]
    Significant,
    /// `004738` and `4738` are one MRN, `4738`.
    Insignificant,
}

/// Characters printed for a hyphen: OCR's readings of it and typography's.
const DASHES: &[char] = &['‐', '‑', '‒', '–', '—', '―', '−', '﹣', '－'];

/// Marks between a prefix and the MRN, besides the separators (`MRN#`, `MRN:`).
const AFTER_PREFIX: &[char] = &['#', ':', '.'];

/// The longest printed MRN read (a sanity bound on the groups joined).
const MAX_PRINTED: usize = 32;

/// The site's MRN format, compiled from `[identifiers]`.
#[derive(Debug, Clone)]
pub struct MrnFormat {
    pattern: Regex,
    /// Upper case, longest first.
    prefixes: Vec<String>,
    separators: Vec<char>,
    leading_zeros: LeadingZeros,
}

impl MrnFormat {
    /// The format of `cfg`, or what is wrong with it.
    pub fn new(cfg: &ExtractConfig) -> Result<MrnFormat, String> {
        let pattern = Regex::new(&cfg.mrn_pattern)
            .map_err(|_| "identifiers.mrn_pattern is not a valid regular expression".to_string())?;
        let mut prefixes: Vec<String> = Vec::new();
        for p in &cfg.mrn_prefixes {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err("identifiers.mrn_prefixes must be letters and digits".into());
            }
            prefixes.push(p.to_uppercase());
        }
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let mut separators: Vec<char> = cfg.mrn_separators.chars().collect();
        if separators.iter().any(|c| c.is_alphanumeric()) {
            return Err("identifiers.mrn_separators must not hold letters or digits".into());
        }
        if separators.iter().any(|c| DASHES.contains(c)) && !separators.contains(&'-') {
            separators.push('-');
        }
        Ok(MrnFormat { pattern, prefixes, separators, leading_zeros: cfg.mrn_leading_zeros })
    }

    /// [`MrnFormat::new`], or the default format when `cfg`'s is not valid
    /// (the site configuration is checked when it is loaded; extraction
    /// does not fail).
    pub(super) fn of(cfg: &ExtractConfig) -> MrnFormat {
        MrnFormat::new(cfg)
            .or_else(|_| MrnFormat::new(&ExtractConfig::default()))
            .expect("the default MRN format is valid")
    }

    /// The MRN a printing stands for, in the one form the patient index is
    /// keyed by, or `None` when it is not an MRN of the site's format (see
    /// the module's documentation for the rule).
    pub fn normalise(&self, printed: &str) -> Option<String> {
        self.key(&self.bare(printed))
    }

    /// A printing without its prefix, separators and the marks around it,
    /// in its own case (`l` and `L` read differently for OCR corrections).
    fn bare(&self, printed: &str) -> String {
        let folded: String = printed.chars().map(|c| if DASHES.contains(&c) { '-' } else { c }).collect();
        let outer = |c: char| c.is_whitespace() || "#:.,;".contains(c);
        let mut s = folded.trim_matches(outer);
        for p in &self.prefixes {
            let Some(rest) = s.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).map(|_| &s[p.len()..]) else {
                continue;
            };
            let mark = |c: char| c.is_whitespace() || self.separates(c) || AFTER_PREFIX.contains(&c);
            let after = rest.trim_start_matches(mark);
            let marked = after.len() < rest.len();
            if !after.is_empty() && (marked || after.starts_with(|c: char| c.is_ascii_digit())) {
                s = after;
                break;
            }
        }
        s.chars().filter(|c| !self.separates(*c)).collect()
    }

    /// The key of a bare printing: capitals, letters and digits only, in
    /// the site's pattern, leading zeros dropped where they do not count.
    fn key(&self, bare: &str) -> Option<String> {
        let up = bare.to_uppercase();
        if up.is_empty() || !up.chars().all(|c| c.is_ascii_alphanumeric()) || !self.pattern.is_match(&up) {
            return None;
        }
        Some(match self.leading_zeros {
            LeadingZeros::Significant => up,
            LeadingZeros::Insignificant => {
                let letters = up.chars().take_while(char::is_ascii_alphabetic).count();
                let (head, digits) = up.split_at(letters);
                let kept = digits.trim_start_matches('0');
                let kept = if kept.is_empty() && !digits.is_empty() { "0" } else { kept };
                format!("{head}{kept}")
            }
        })
    }

    fn separates(&self, c: char) -> bool {
        self.separators.contains(&c) || DASHES.contains(&c) && self.separators.contains(&'-')
    }

    /// `value` after a prefix printed as a word of its own ("MRN 004 738").
    fn after_prefix_word<'a>(&self, value: &'a str) -> &'a str {
        let word = value.split(' ').next().unwrap_or("");
        let bare = word.trim_end_matches(AFTER_PREFIX);
        match self.prefixes.iter().any(|p| p.eq_ignore_ascii_case(bare)) {
            true => value[word.len()..].trim_start(),
            false => value,
        }
    }

    /// A separator that may stand inside a word (any but the space).
    fn joins(&self, c: char) -> bool {
        c != ' ' && self.separates(c)
    }
}

/// The one rule (see [`MrnFormat::normalise`]) for a single printing: an
/// MRN typed by a technician or searched for, as the patient index is keyed.
pub fn normalise_mrn(printed: &str, cfg: &ExtractConfig) -> Option<String> {
    MrnFormat::of(cfg).normalise(printed)
}

/// The printings an MRN value may start with, shortest first: its first
/// word (letters, digits and the site's separators: `023-417-36`), then,
/// when a space is one of the separators, that word with each further
/// group of digits one space after it (`004 738`; `023-41 7-36`, where OCR
/// split one word; `023 - 417 - 36`). Each ends where its last group ends.
fn printings<'a>(value: &'a str, format: &MrnFormat) -> Vec<&'a str> {
    let first = value.find(|c: char| !(c.is_alphanumeric() || format.joins(c))).unwrap_or(value.len());
    let mut out = vec![&value[..first]];
    if !value[..first].contains(|c: char| c.is_ascii_digit()) || !format.separates(' ') {
        return out;
    }
    let mut at = first;
    while let Some(after) = value[at..].strip_prefix(' ').filter(|a| !a.starts_with(' ')) {
        // A group, up to a mark that ends the run ("9984)", "2913,").
        let word = &after[..after.find(|c: char| !(c.is_alphanumeric() || format.joins(c))).unwrap_or(after.len())];
        let end = at + 1 + word.len();
        let marks = !word.is_empty() && word.chars().all(|c| format.joins(c));
        let digits =
            word.contains(|c: char| c.is_ascii_digit()) && word.chars().all(|c| c.is_ascii_digit() || format.joins(c));
        if !(marks || digits) || end > MAX_PRINTED {
            break;
        }
        if digits {
            out.push(&value[..end]);
        }
        at = end;
    }
    out
}

/// Every printing (see [`printings`]) that starts a word of `text` (its
/// marks before it aside) and is an MRN of the site's format, unlabelled,
/// with the MRN it stands for: the shorter printings too ("12345678" as
/// well as "12345678 90123"), since which one is meant no label says.
pub(super) fn printed_anywhere<'a>(text: &'a str, format: &MrnFormat) -> Vec<(&'a str, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let starts = line
            .char_indices()
            .filter(|&(i, c)| !c.is_whitespace() && line[..i].chars().next_back().is_none_or(char::is_whitespace));
        for (i, _) in starts {
            let word = &line[i..];
            let end = word.find(char::is_whitespace).unwrap_or(word.len());
            let Some(skip) = word[..end].find(char::is_alphanumeric) else { continue };
            for p in printings(&word[skip..], format) {
                if let Some(key) = format.normalise(p) {
                    out.push((p, key));
                }
            }
        }
    }
    out
}

/// The MRN a labelled value starts with: the longest of its printings (see
/// [`printings`]) that is an MRN of the site's format, read whole, never
/// cut at a separator; failing that, the longest that is one once OCR's
/// letter-for-digit confusions are undone, as a corrected reading. A
/// printing whose leading letters all could be OCR's digits ("O0482913",
/// "SB1234") is read only that way.
pub(super) fn read_mrn(value: &str, format: &MrnFormat) -> Option<Found<String>> {
    // Specks and rule fragments before it ("_° 06219984", "_70318846"), but
    // not the marks OCR makes of a 1 ("|", "!").
    let speck = |c: char| !c.is_alphanumeric() && !matches!(c, '|' | '!');
    let value = format.after_prefix_word(value.trim_start_matches(|c: char| speck(c) || c == ' '));
    let first = value.split(' ').next().unwrap_or("");
    let word = value.find(|c: char| !(c.is_alphanumeric() || format.joins(c))).unwrap_or(value.len());
    let rest = &first[word.min(first.len())..];
    if rest.starts_with([',', '.', ':', ';']) && rest.contains(|c: char| c.is_ascii_digit()) {
        // Digits broken by other marks ("23,522.03:"): a dot leader OCR
        // read as digits, not a number; the value is what follows it.
        let after = &value[first.len()..];
        return if after.trim().is_empty() { None } else { read_mrn(after, format) };
    }
    let bare: Vec<String> = printings(value, format).iter().rev().map(|p| format.bare(p)).collect();
    let confusable = |c: char| c.is_alphabetic() && LETTER_DIGITS.iter().any(|(l, _)| *l == c);
    let clean = bare.iter().filter(|b| {
        let letters = b.chars().take_while(char::is_ascii_alphabetic);
        !(b.starts_with(confusable) && letters.clone().all(confusable))
    });
    if let Some(key) = clean.filter_map(|b| format.key(b)).next() {
        return Some(Found { value: key, corrected: false });
    }
    // Undo letter-for-digit confusions (in the printed case: l is 1, L is
    // not), keeping as few leading letters as the format needs.
    for b in &bare {
        let letters = b.chars().take_while(char::is_ascii_alphabetic).count().min(3);
        for keep in 0..=letters {
            let fixed = format!("{}{}", &b[..keep], digits_for_letters(&b[keep..]));
            if !fixed.eq_ignore_ascii_case(b) {
                if let Some(key) = format.normalise(&fixed) {
                    return Some(Found { value: key, corrected: true });
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(edit: impl FnOnce(&mut ExtractConfig)) -> MrnFormat {
        let mut cfg = ExtractConfig::default();
        edit(&mut cfg);
        MrnFormat::new(&cfg).expect("a valid format")
    }

    /// Printings and the MRN each stands for (`None`: not an MRN of the format).
    fn check(f: &MrnFormat, table: &[(&str, Option<&str>)]) {
        for (printed, want) in table {
            assert_eq!(f.normalise(printed).as_deref(), *want, "{printed:?}");
        }
    }

    #[test]
    fn printings_of_one_mrn_normalise_alike() {
        check(
            &format(|_| {}),
            &[
                ("004738", Some("004738")),
                ("MRN-004738", Some("004738")),
                ("mrn 004738", Some("004738")),
                ("MRN: 004 738", Some("004738")),
                ("MRN#004738", Some("004738")),
                ("MR-0048291", Some("0048291")),
                ("MRN004738", Some("004738")),
                (" 023-417-36 ", Some("02341736")),
                ("023–417–36", Some("02341736")),
                ("023 — 417 — 36", Some("02341736")),
                ("789-01-2345", Some("789012345")),
                ("#00482913.", Some("00482913")),
                ("A00482913", Some("A00482913")),
                ("e1234567", Some("E1234567")),
                // A prefix glued to letters is no prefix: "MRNA" is not "MRN" and "A".
                ("MRNA12345", None),
                ("MRN", None),
            ],
        );
    }

    #[test]
    fn what_the_format_refuses() {
        check(
            &format(|_| {}),
            &[
                ("", None),
                ("  ", None),
                ("4738", None),
                ("1234567890123", None),
                ("ABCD12345", None),
                ("004/738", None),
                ("004_738", None),
                ("00473B", None),
                ("03/14/1962", None),
                ("N/A", None),
                ("0048 2913 x", None),
            ],
        );
        // Leading zeros count: 004738 and 4738 stay apart.
        let f = format(|c| c.mrn_pattern = "^[0-9]{4,8}$".into());
        check(&f, &[("004738", Some("004738")), ("4738", Some("4738"))]);
    }

    #[test]
    fn a_site_chooses_its_prefixes_separators_and_zeros() {
        let f = format(|c| {
            c.mrn_prefixes = vec!["HN".into()];
            c.mrn_separators = "-./".into();
            c.mrn_leading_zeros = LeadingZeros::Insignificant;
            c.mrn_pattern = "^[0-9]{4,10}$".into();
        });
        check(
            &f,
            &[
                ("HN 0047.38", Some("4738")),
                ("004/738", Some("4738")),
                ("4738", Some("4738")),
                ("0000000", Some("0")),
                // Not this site's: "MRN" is no prefix of it, a space no separator.
                ("MRN-004738", None),
                ("004 738", None),
            ],
        );
        let bad = |edit: fn(&mut ExtractConfig)| {
            let mut cfg = ExtractConfig::default();
            edit(&mut cfg);
            MrnFormat::new(&cfg).is_err()
        };
        assert!(bad(|c| c.mrn_pattern = "([0-9]".into()));
        assert!(bad(|c| c.mrn_prefixes = vec!["MR N".into()]));
        assert!(bad(|c| c.mrn_separators = "-0".into()));
    }

    #[test]
    fn mrns_printed_anywhere_are_found_in_every_printing() {
        let f = format(|_| {});
        let text = "BRACKENRIDGE T  105-738-26\n(MRN 0621 9984) Tel (555) 010-7784, 12345678 90123";
        let keys: Vec<String> = printed_anywhere(text, &f).into_iter().map(|(_, k)| k).collect();
        for want in ["10573826", "06219984", "0107784", "12345678", "1234567890123"] {
            assert_eq!(keys.contains(&want.to_string()), want != "1234567890123", "{want}: {keys:?}");
        }
        assert!(!keys.contains(&"0621".to_string()) && !keys.contains(&"555".to_string()), "{keys:?}");
    }

    #[test]
    fn a_value_is_read_whole_never_cut_at_a_separator() {
        let f = format(|_| {});
        let read = |v: &str| read_mrn(v, &f).map(|m| (m.value, m.corrected));
        for (value, want) in [
            ("023-417-36", "02341736"),
            ("023–417–36  DOB: 01/02/1960", "02341736"),
            ("023 - 417 - 36", "02341736"),
            // OCR split the word at a separator: the parts are still one MRN
            // (it used to be read as 02341).
            ("023-41 7-36", "02341736"),
            ("789-01-2345", "789012345"),
            ("004 738", "004738"),
            ("0048 2913 Acct: 5550123", "00482913"),
            ("0048 2913, DOB", "00482913"),
            ("MRN-004738", "004738"),
            ("MRN 004 738", "004738"),
            ("MR# 0048291", "0048291"),
            ("12345-67 DOB", "1234567"),
            // Two numbers two spaces apart are two values.
            ("12345678  55512345", "12345678"),
            // Groups that make too long an MRN are another number's.
            ("12345678 5551234", "12345678"),
        ] {
            assert_eq!(read(value), Some((want.to_string(), false)), "{value:?}");
        }
        // Still only a corrected reading when a letter stands for a digit.
        assert_eq!(read("OO4-829l3"), Some(("00482913".into(), true)));
        assert_eq!(read("MRNO04738"), Some(("004738".into(), true)));
        // A cut MRN is no MRN: "12345" is not read from a value that goes on.
        assert_eq!(read("12345—6789012345"), None);
    }
}
