//! Patient identifiers on a page: a pure function of its text.
//!
//! Identifiers are read by their labels, never by position alone: every
//! label on a line is found (MRN, name, date of birth, dates of service,
//! account, provider), and each label's value is the text up to the next
//! label. So a date of birth is told from an admission, report or signature
//! date by the label in front of it; report, signature and transcription
//! dates are not identifiers and are left out.
//!
//! OCR confuses letters and digits (O/0, l/I/1, S/5, B/8, Z/2). A value read
//! only after undoing such a confusion is a *corrected* candidate: it is
//! offered to the filing decision as a lead, never as proof.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

mod cells;
mod mrn;

use mrn::read_mrn;
pub use mrn::{normalise_mrn, LeadingZeros, MrnFormat};

/// How ambiguous numeric dates (03/04/1962) are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    #[default]
    MonthFirst,
    DayFirst,
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let (y, m, d) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?, it.next()?.parse().ok()?);
        valid(y, m, d)
    }
}

fn valid(year: u16, month: u8, day: u8) -> Option<Date> {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => return None,
    };
    ((1850..=2100).contains(&year) && (1..=days).contains(&day)).then_some(Date { year, month, day })
}

/// A value found on the page, and whether reading it needed an OCR correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found<T> {
    pub value: T,
    pub corrected: bool,
}

/// A person's name as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    pub family: String,
    pub given: String,
    pub middle: Option<String>,
    pub suffix: Option<String>,
}

/// Everything found on one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extracted {
    pub mrn: Vec<Found<String>>,
    pub birth_date: Vec<Found<Date>>,
    pub service_date: Vec<Found<Date>>,
    pub name: Vec<Name>,
    pub account: Vec<String>,
    pub provider: Vec<String>,
    /// Numbers anywhere on the page that fit the site's MRN format but were
    /// not read as this page's MRN or account (an unlabelled MRN on an
    /// embossed card, another patient's sticker). Never filed on; the filing
    /// decision checks that none of them is another patient's MRN.
    #[serde(default)]
    pub mrn_like: Vec<String>,
    /// Every date written anywhere on the page, whatever its label (two-digit
    /// years read as a birth year would be). Only ever compared with a
    /// patient's known date of birth, never taken as one.
    #[serde(default)]
    pub dates_anywhere: Vec<Date>,
    /// The years of labelled dates of birth that do not read as a date
    /// ("Born: 99/09/1991"): never a date of birth, but a year that is not
    /// the patient's contradicts the MRN.
    #[serde(default)]
    pub birth_year_unread: Vec<u16>,
    /// The MRNs of `mrn` that a barcode gave (`barcode::PageMeaning::add_to`):
    /// exact readings, never an OCR misreading of another.
    #[serde(default)]
    pub barcode_mrn: Vec<String>,
}

/// Settings from the site configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractConfig {
    pub date_order: DateOrder,
    /// The site's MRN format, once prefixes and separators are dropped; a
    /// value that does not match is not an MRN (see [`MrnFormat`]).
    pub mrn_pattern: String,
    /// Printed before an MRN, not part of it (`MRN-004738`).
    pub mrn_prefixes: Vec<String>,
    /// Characters printed inside an MRN, not part of it (`023-417-36`);
    /// a hyphen stands for every kind of dash.
    pub mrn_separators: String,
    /// Whether `004738` and `4738` are two MRNs.
    pub mrn_leading_zeros: LeadingZeros,
    /// Extra MRN labels (regular expressions, case-insensitive).
    pub mrn_labels: Vec<String>,
    /// Years from now beyond which a two-digit year belongs to the last century.
    pub current_year: Option<u16>,
}

impl Default for ExtractConfig {
    fn default() -> ExtractConfig {
        ExtractConfig {
            date_order: DateOrder::MonthFirst,
            mrn_pattern: r"^[A-Z]{0,3}[0-9]{5,12}$".into(),
            mrn_prefixes: vec!["MRN".into(), "MR".into()],
            mrn_separators: "- ".into(),
            mrn_leading_zeros: LeadingZeros::Significant,
            mrn_labels: Vec::new(),
            current_year: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mrn,
    Name,
    Birth,
    Service,
    Account,
    Provider,
    /// "Acct/MRN: account / mrn".
    AccountMrn,
    /// A name printed in two fields: "Last Name: ...", "First Name: ...".
    FamilyName,
    GivenName,
    /// A label whose value is not an identifier (report date, signature
    /// date, age, phone, SSN): it only ends the value before it.
    Ignore,
}

struct Label {
    kind: Kind,
    re: Regex,
}

/// Labels, most specific first within a kind. All case-insensitive.
fn labels() -> &'static Vec<Label> {
    static L: OnceLock<Vec<Label>> = OnceLock::new();
    L.get_or_init(|| {
        let spec: &[(Kind, &str)] = &[
            (Kind::Ignore, r"\b(?:report(?:ed)?|signed|signature|transcribed|dictated|printed|typed|received|verified|result(?:ed)?|dict|trans)\s*(?:date|on|at)?\s*(?:/\s*time)?\s*:"),
            (Kind::Ignore, r"\bdate\s+(?:reported|signed|transcribed|dictated|printed|received|of\s+report)\s*:?"),
            (Kind::Ignore, r"\b(?:age|sex|gender|phone|tel|fax|ssn|soc(?:ial)?\s*sec(?:urity)?\s*(?:no|#)?|room|rm|bed|page|time)\s*[:#]"),
            // Other fields of a patient header: they end the value before them.
            (Kind::Ignore, r"\b(?:allerg(?:y|ies)|weight|height|location|dept|department|ward|floor|insurance|carrier|member\s*id|language|race|religion|marital\s*status|code\s*status|isolation|address)\s*:"),
            // Someone else's date of birth or name: not the patient's.
            (Kind::Ignore, r"\b(?:infant|baby|newborn|guarantor|spouse|mother|father|parent|subscriber|insured|contact|child)(?:'s)?\s+(?:d\s*\.?\s*o\s*\.?\s*b\s*\.?|date\s+of\s+birth|birth[\s,]*date|(?:(?:last|first|family|given|sur)\s*)?name)\s*[:#.]?"),
            (Kind::Birth, r"\b(?:(?:patient|pt)\.?\s*)?(?:d\s*\.?\s*o\s*\.?\s*b\s*\.?|date\s+of\s+birth|birth[\s,]*(?:date|dt\b)|birthdate|birthday|born\b|b\s*/\s*d\b|bd\b|birth\s*:)\s*[:#.]?"),
            (Kind::Service, r"\b(?:date\s+of\s+(?:service|visit|admission|surgery|procedure|exam(?:ination)?|consultation|discharge|encounter|delivery)|(?:service|visit|admission|admit|discharge|encounter|exam|procedure|surgery|delivery|consult(?:ation)?)\s+date|d\.?o\.?s\b\.?|collected|collection\s+date)\s*[:#.]?"),
            (Kind::Service, r"\b(?:admit(?:ted)?|adm|discharged?|dos)\s*:"),
            (Kind::Service, r"\bsv[ce]\.?\s*(?:date|dt)\.?\s*:?"),
            (Kind::AccountMrn, r"\bacc(?:oun)?t\.?\s*/\s*(?:mrn|m\.?\s*r\.?\s*#|med\s*rec\s*(?:no|#))\s*[:#.]?"),
            (Kind::Service, r"\badm\b"),
            (Kind::Mrn, r"\b(?:m\s*\.?\s*r\s*\.?\s*n\b\s*\.?|m\s*\.?\s*r\s*\.?\s*(?:#|no\b\.?|number|num\b)|h\.?\s*r\.?\s*n\b\.?|health\s+record\s*(?:no\b\.?|number|#)?|(?:patient|pt)\.?\s*(?:no\b\.?|number|#)|(?:hosp(?:ital)?|chart)\.?\s*id\b|reg(?:istration)?\.?\s*(?:no\.?|number|#)|med(?:ical)?\.?\s*rec(?:ord)?s?\.?\s*(?:no\.?|number|num|#)?|medical\s+record\s*(?:no\.?|number|#)?|(?:hosp(?:ital)?|record)\.?\s*(?:no\.?|number|#)|patient\s*id|pt\.?\s*id|chart\s*(?:no\.?|number|#)|unit\s*(?:no\.?|number|#))\s*[:#.]?"),
            // "MR 44190265", "REG 44190265" (find_labels keeps them only
            // before a digit, or alone on their line above the value).
            (Kind::Mrn, r"\b(?:mr|reg)(?:\s*:\s*|\s+|$)"),
            (Kind::Account, r"\b(?:acct\.?\s*(?:no\.?|number|#)?|account\s*(?:no\.?|number|#)?|encounter\s*(?:no\.?|number|#)|fin\s*(?:no\.?|#)?|visit\s*(?:no\.?|number|#)|csn)\s*[:#.]|\b(?:acct|account)\.?\s*no\s*,"),
            (Kind::Provider, r"\b(?:attending(?:\s+physician)?|ordering\s+(?:physician|provider)|referring\s+(?:physician|provider)|primary\s+care\s+(?:physician|provider)|pcp|surgeon|assistant|anesthesiologist|provider|physician|dictated\s+by|electronically\s+signed\s+by|signed\s+by|author|pathologist|radiologist|consultant)\s*:"),
            (Kind::FamilyName, r"\b(?:(?:patient|pt)\.?\s*)?(?:last|family|sur)\s*name\s*[:#.]?"),
            (Kind::GivenName, r"\b(?:(?:patient|pt)\.?\s*)?(?:first|given|fore)\s*name\s*[:#.]?"),
            (Kind::Ignore, r"\b(?:middle\s*(?:name|initial)|m\.?\s*i\.?)\s*:"),
            (Kind::Name, r"\b(?:patient\s*name|pt\.?\s*name|name\s+of\s+patient|patient|name|member\s*name|re|pt)\s*:"),
            (Kind::Provider, r"\batt(?:ending)?\.?\s*(?:phys(?:ician)?|dr|md)?\.?\s*:"),
        ];
        spec.iter()
            .map(|(kind, re)| Label {
                kind: *kind,
                re: Regex::new(&format!("(?i){}", ocr_tolerant(re))).expect("label patterns compile"),
            })
            .collect()
    })
}

/// Labels as they read when OCR has lost their first letter, anchored at
/// the start of a line (see `find_labels`).
fn clipped_labels() -> &'static Vec<(Kind, Regex)> {
    static L: OnceLock<Vec<(Kind, Regex)>> = OnceLock::new();
    L.get_or_init(|| {
        [
            (Kind::Mrn, r"^(?:ed\.?\s*rec(?:ord)?s?\.?\s*(?:no\.?|number|#)?|edical\s+record\s*(?:no\.?|number|#)?|osp(?:ital)?\.?\s*(?:no\.?|number|#)|atient\s*id|hart\s*(?:no\.?|number|#)|nit\s*(?:no\.?|number|#))\s*[:#.]?"),
            (Kind::Birth, r"^(?:ate\s+of\s+birth|irth\s*date|\.\s*o\s*\.\s*b\s*\.?)\s*[:#.]?"),
        ]
        .iter()
        .map(|(k, re)| (*k, Regex::new(&format!("(?i){}", ocr_tolerant(re))).expect("clipped label patterns compile")))
        .collect()
    })
}

/// A label pattern that also matches OCR's usual misreadings of its letters:
/// `i` as `l`/`1`, `o` as `0`, `m` as `rn`, `b` as `8` ("Patlent", "D0B",
/// "Servlce", "Nurnber", "D.O.8"), and `e` and `a` with an accent ("Namé").
/// Only letters
/// outside escapes and groups' `?:` are widened.
fn ocr_tolerant(re: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in re.chars() {
        if escaped {
            out.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                out.push(c);
            }
            'i' => out.push_str("[il1]"),
            'o' => out.push_str("[o0]"),
            'm' => out.push_str("(?:m|rn)"),
            'b' => out.push_str("[b8]"),
            // Accents OCR puts on plain letters ("Namé", "Dáte").
            'e' => out.push_str("[eéèê]"),
            'a' => out.push_str("[aáàâ]"),
            _ => out.push(c),
        }
    }
    out
}

/// Words of labels that OCR sometimes splits ("Pa tient", "Ser vice"),
/// joined again before labels are looked for, and forms' hints after
/// labels left out.
fn join_split_words(line: &str) -> std::borrow::Cow<'_, str> {
    static WORDS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        ["patient", "service", "birth", "record", "medical", "account", "admission", "physician", "attending", "number"]
            .iter()
            .map(|w| {
                let spaced: Vec<String> = w.chars().map(|c| c.to_string()).collect();
                (Regex::new(&format!(r"(?i)\b{}\b", spaced.join(r" ?"))).expect("word patterns compile"), *w)
            })
            .collect()
    });
    static HINT: OnceLock<Regex> = OnceLock::new();
    // A form's hint after a label, "(Last, First)", "(MM/DD/YYYY)": dropped.
    let hint = HINT.get_or_init(|| {
        Regex::new(r"(?i)\s*\((?:\s|[/,.\-]|last|first|middle|mi|given|family|surname|name|mm|dd|yyyy|yy|m|d|y)+\)")
            .expect("hint pattern compiles")
    });
    let mut line = std::borrow::Cow::Borrowed(line);
    // A speck read as a quote mark between a label and its '#' or colon
    // ("MR'#:", "DOB’:"): not part of it.
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    let quoted = QUOTED.get_or_init(|| Regex::new(r"(\p{L})['’‘`´]+([#:])").expect("quote pattern compiles"));
    if quoted.is_match(&line) {
        line = std::borrow::Cow::Owned(quoted.replace_all(&line, "$1$2").into_owned());
    }
    // A form line's underscores run into the word after them ("_D.O.B.",
    // "_627-B"): they would hide a label's start.
    if line.contains('_') {
        let chars: Vec<char> = line.chars().collect();
        let unglued: String = chars
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let before_word = chars[i + 1..].iter().find(|&&n| n != '_').is_some_and(|n| n.is_alphanumeric());
                if c == '_' && before_word {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        line = std::borrow::Cow::Owned(unglued);
    }
    if hint.is_match(&line) {
        line = std::borrow::Cow::Owned(hint.replace_all(&line, "").into_owned());
    }
    // A heading followed by a dot leader is a label, colon or not ("NAME
    // ...... Tremayne, Honoria", "FIN veeeeeess 914002231").
    static NAME: OnceLock<Regex> = OnceLock::new();
    let name = NAME.get_or_init(|| Regex::new(r"(?i)\bname\b").expect("name pattern compiles"));
    let spans: Vec<(usize, usize)> = headings()
        .iter()
        .map(|(_, re)| re)
        .chain([name])
        .flat_map(|re| re.find_iter(&line).map(|m| (m.start(), m.start() + m.as_str().trim_end().len())))
        .collect();
    let mut ends: Vec<usize> = Vec::new();
    for &(start, end) in &spans {
        // Only whole headings: "UNIT" is part of "UNIT NO".
        if spans.iter().any(|&(s, e)| s <= start && e >= end && (s, e) != (start, end)) {
            continue;
        }
        {
            let after = &line[end..];
            let v = after.trim_start_matches([' ', '.', '_', '-']);
            let dotted = after[..after.len() - v.len()].matches('.').count() >= 2;
            // Surely a leader, not words: dots, or a run of "eee".
            let skipped = &v[..v.len() - skip_leader(v, false).len()];
            let words: Vec<&str> = skipped.split_whitespace().collect();
            let strong = |w: &&str| {
                w.contains("eee") || w.matches('.').count() >= 2 || w.len() >= 2 && !w.contains(char::is_alphanumeric)
            };
            let junk = |w: &&str| is_leader(w) || w.chars().count() <= 3 && !w.contains(':');
            let leader = dotted || words.iter().any(strong) && words.iter().all(junk);
            if after.starts_with(' ') && leader && !ends.contains(&end) {
                ends.push(end);
            }
        }
    }
    if !ends.is_empty() {
        ends.sort_unstable();
        let mut s = line.into_owned();
        for e in ends.into_iter().rev() {
            s.insert(e, ':');
        }
        line = std::borrow::Cow::Owned(s);
    }
    for (re, w) in words {
        if re.is_match(&line) {
            line = std::borrow::Cow::Owned(re.replace_all(&line, *w).into_owned());
        }
    }
    line
}

/// Letters (and marks) that OCR reads for digits, and the digit each stands for.
const LETTER_DIGITS: &[(char, char)] = &[
    ('O', '0'),
    ('o', '0'),
    ('Q', '0'),
    ('D', '0'),
    ('l', '1'),
    ('I', '1'),
    ('i', '1'),
    ('|', '1'),
    ('!', '1'),
    ('S', '5'),
    ('s', '5'),
    ('B', '8'),
    ('Z', '2'),
    ('z', '2'),
    ('G', '6'),
];

/// One OCR confusion undone: letters that stand for digits ([`LETTER_DIGITS`]).
fn digits_for_letters(s: &str) -> String {
    s.chars().map(|c| LETTER_DIGITS.iter().find(|(l, _)| *l == c).map_or(c, |(_, d)| *d)).collect()
}

/// Labels found on a line: (start, end, kind), without overlaps, in order.
fn find_labels(line: &str, extra_mrn: &[Regex]) -> Vec<(usize, usize, Kind)> {
    let mut hits: Vec<(usize, usize, Kind, usize)> = Vec::new();
    for (rank, l) in labels().iter().enumerate() {
        for m in l.re.find_iter(line) {
            // A bare "MR" or "REG" is a label only before a number ("MR
            // 44190265") or alone on its line (a left-hand column, the value
            // under it), not in "MR SMITH" or "MR-0048291".
            let word = m.as_str().trim().trim_end_matches(':').trim_end();
            let bare = ["mr", "reg"].iter().any(|b| word.eq_ignore_ascii_case(b));
            let alone = line.trim().len() == m.as_str().trim().len();
            if bare && !alone && !line[m.end()..].starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            hits.push((m.start(), m.end(), l.kind, rank));
        }
    }
    for re in extra_mrn {
        for m in re.find_iter(line) {
            hits.push((m.start(), m.end(), Kind::Mrn, 0));
        }
    }
    // A label that starts its line without its first letter: OCR swallows
    // it when a small caption sits right under a bold line ("ed Rec #"
    // under "Larkspur, Tamsin", "osp No"). Only labels of two words or a
    // dotted abbreviation, whose rest is unlike any ordinary word.
    let lead = line.len() - line.trim_start().len();
    if !hits.iter().any(|h| h.0 == lead) {
        for (kind, re) in clipped_labels() {
            if let Some(m) = re.find(&line[lead..]) {
                hits.push((lead, lead + m.end(), *kind, usize::MAX));
            }
        }
    }
    first_longest(hits)
}

/// Matches (start, end, kind, rank) without overlaps, in order: earliest
/// first; at the same place, the longest ("Patient ID" over "Patient");
/// then by rank.
fn first_longest(mut hits: Vec<(usize, usize, Kind, usize)>) -> Vec<(usize, usize, Kind)> {
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.3.cmp(&b.3)));
    let mut out: Vec<(usize, usize, Kind)> = Vec::new();
    for (s, e, k, _) in hits {
        if out.last().is_some_and(|&(_, le, _)| s < le) {
            continue;
        }
        out.push((s, e, k));
    }
    out
}

/// The value after a label: up to the next label, or a wide gap (columns),
/// without the dot leader between them (see [`skip_leader`]).
fn value_of(line: &str, start: usize, end: usize) -> &str {
    let raw = &line[start..end];
    let punct = [' ', ':', ';', '#', '.', '-', '_', '\t'];
    let mut v = raw.trim_start_matches(punct);
    // A box rule between the label and its value ("Chart #.| 83057129"):
    // a bar on its own, not one glued to the value (OCR's reading of a 1).
    while let Some(rest) = v.strip_prefix('|').filter(|r| r.starts_with([' ', '\t'])) {
        v = rest.trim_start_matches(punct);
    }
    let dotted = raw[..raw.len() - v.len()].matches('.').count() >= 2;
    // The leader's last dots read as digits ("PATIENT ID .........008
    // 12960437"): a short run of digits glued to the dots, with more after it.
    if dotted && !raw[..raw.len() - v.len()].ends_with(' ') {
        if let Some((glued, after)) = v.split_once(' ') {
            if glued.len() <= 3 && glued.chars().all(|c| c.is_ascii_digit()) && !after.trim().is_empty() {
                v = after;
            }
        }
    }
    let v = skip_leader(v, dotted);
    match v.find("   ").or_else(|| v.find('\t')) {
        Some(gap) => v[..gap].trim(),
        None => v.trim(),
    }
}

/// A word that is surely a dot leader or a rule as OCR reads it: dots,
/// dashes or underscores ("......", "0...", "—"), or a run of the small
/// round letters that dots become ("eeeeeeeees", "sessvorsen",
/// "ccsiwecesiavcevoes").
pub(super) fn is_leader(word: &str) -> bool {
    let w = word.trim();
    let n = w.chars().count();
    let dots = w.chars().filter(|&c| matches!(c, '.' | '·' | '…')).count();
    let alnum = w.chars().filter(|c| c.is_alphanumeric()).count();
    if n >= 2 && alnum == 0 && w.chars().all(|c| matches!(c, '.' | '·' | '…' | ':' | '-' | '_' | '—' | '–' | '+'))
    {
        return true;
    }
    if dots >= 2 && alnum <= dots && !w.chars().any(char::is_uppercase) {
        return true;
    }
    let round = |c: char| "eocsauvwnrmitz".contains(c);
    let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
    let most = letters.iter().map(|c| letters.iter().filter(|x| *x == c).count()).max().unwrap_or(0);
    letters.len() >= 5
        && w.chars().all(|c| round(c) || matches!(c, '.' | '·' | ':' | '-' | '_'))
        && (most >= 3 || w.contains("ee"))
}

/// A dot leader, or a short word of the round lower-case letters OCR makes
/// of dots ("reer", "acerca"), of at least `min` characters (a name's
/// particle, "van", is three).
pub(super) fn leader_letters(word: &str, min: usize) -> bool {
    let w = word.trim();
    is_leader(w)
        || (min..=6).contains(&w.chars().count())
            && w.chars().all(|c| "eocsauvwnrmitz".contains(c) || matches!(c, '.' | ':' | '-' | '_' | ','))
}

/// The text after a dot leader that OCR has turned into words ("DOB
/// ooeeeteessestee eee sete Jan 30, 1937"): the words up to the first one
/// with a capital or a digit are skipped when they are all lower-case or
/// punctuation and at least one of them is surely a leader (or a word of
/// four to six round letters, "acerca"; or the label was followed by dots,
/// `dotted`). Otherwise the value is left as it is.
fn skip_leader(v: &str, dotted: bool) -> &str {
    let mut sure = dotted;
    let mut rest = v.trim_start();
    let mut skipped = false;
    while let Some(word) = rest.split_whitespace().next() {
        let leader = is_leader(word);
        if !leader && word.chars().any(|c| c.is_uppercase() || c.is_ascii_digit()) {
            return if sure && skipped { rest } else { v };
        }
        sure |=
            leader || leader_letters(word, 4) || word.chars().count() >= 2 && !word.chars().any(char::is_alphanumeric);
        skipped = true;
        rest = rest[word.len()..].trim_start();
    }
    v
}

/// The site's MRN format and extra MRN labels, compiled.
fn compiled(cfg: &ExtractConfig) -> (MrnFormat, Vec<Regex>) {
    let mrn_format = MrnFormat::of(cfg);
    let extra: Vec<Regex> = cfg.mrn_labels.iter().filter_map(|l| Regex::new(&format!("(?i){l}")).ok()).collect();
    (mrn_format, extra)
}

/// Reads the patient identifiers of an OCR'd page: from its text, then from
/// the positions of its words (headings and values of forms and tables,
/// see `extract/cells.rs`), which can only add values.
pub fn extract_page(text: &str, words: &[crate::model::Word], cfg: &ExtractConfig) -> Extracted {
    let (mrn_format, extra) = compiled(cfg);
    let mut from_cells = Extracted::default();
    let captions_under = !words.is_empty() && cells::read_cells(words, cfg, &mrn_format, &extra, &mut from_cells);
    let mut out = extract_text(text, cfg, &mrn_format, &extra, !captions_under);
    let name = std::mem::take(&mut from_cells.name);
    out.merge_unique(from_cells);
    if out.name.is_empty() {
        out.name = name;
    } else if let [cell] = name.as_slice() {
        // A name read from the text that is the name in the cell under or
        // beside its heading and more words (a grid's row of values run
        // together: "Delphine Marchbanks Dr. Ashdown"): the cell's.
        let words = |n: &Name| {
            let all = [&n.family, &n.given].into_iter().chain(&n.middle);
            all.flat_map(|p| p.split([' ', '-'])).map(str::to_string).collect::<Vec<String>>()
        };
        let theirs = words(cell);
        for n in out.name.iter_mut() {
            let mine = words(n);
            if mine.len() > theirs.len() && theirs.iter().all(|w| mine.contains(w)) {
                *n = cell.clone();
            }
        }
        let mut seen: Vec<Name> = Vec::new();
        out.name.retain(|n| {
            !seen.contains(n) && {
                seen.push(n.clone());
                true
            }
        });
    }
    drop_corrected_duplicates(&mut out);
    out.mrn_like = mrn_like(text, cfg, &mrn_format, &out);
    out.dates_anywhere = dates_anywhere(text, cfg);
    out
}

/// What the patient index says of an MRN, for [`second_look`] and
/// [`Extracted::add_second_reading`] (extraction itself never looks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSays {
    /// No patient has it.
    Unknown,
    /// A patient has it, born on this date (`YYYY-MM-DD`); `None` when there
    /// is nothing to compare with (no patients imported yet).
    Known(Option<String>),
}

/// Where a second reading of the page could find what this one missed:
/// the band of its patient header (top and bottom, in pixels of the image
/// OCR saw; with the lines around the first unlabelled number in the MRN
/// format when no clean MRN was read), when the page has identifier labels
/// (or such a number) but no clean MRN, no clean
/// date of birth, only MRNs that are no patient's, or a date of birth that
/// is not its MRN's patient's (`index` says). Tesseract's layout analysis of
/// a whole page drops lines of small type beside bold or boxed text (an
/// embossed card's MRN, a caption under a rule), and misreads digits of
/// noisy scans (a 0 as 9, or as 6 at the end of a year), that it reads right
/// when given the header alone. What the second reading finds is added with
/// [`Extracted::add_second_reading`].
pub fn second_look(
    found: &Extracted,
    words: &[crate::model::Word],
    cfg: &ExtractConfig,
    index: impl Fn(&str) -> IndexSays,
) -> Option<(u32, u32)> {
    let births = known_births(found, &index);
    let clean_birth = found.birth_date.iter().any(|d| !d.corrected);
    let birth_agrees = births.iter().all(|b| match b {
        Some(b) => found.birth_date.iter().any(|d| !d.corrected && d.value.to_string() == *b),
        None => true,
    });
    if !births.is_empty() && clean_birth && birth_agrees {
        return None;
    }
    let (mrn_format, extra) = compiled(cfg);
    let band = cells::header_band(words, cfg, &mrn_format, &extra);
    // No clean MRN: the header is also where a number in the MRN format
    // stands without a label (OCR drops a column of light labels beside
    // bold values), unless that takes in most of the page.
    if found.mrn.iter().any(|m| !m.corrected) {
        return band;
    }
    // The first of six characters or more: a letterhead's ZIP code fits a
    // short MRN format too.
    let like = found.mrn_like.iter().find(|m| m.len() >= 6).or(found.mrn_like.first());
    let Some(like) = like.and_then(|m| cells::band_around(words, m, &mrn_format)) else {
        return band;
    };
    let Some(band) = band else { return Some(like) };
    let joined = (band.0.min(like.0), band.1.max(like.1));
    let page = words.iter().map(|w| w.y + w.h).max().unwrap_or(0);
    Some(if 2 * (joined.1 - joined.0) <= page { joined } else { band })
}

/// Whether the header is worth reading once more, in another look, after
/// the readings so far (`found`, from the texts `texts`) and a second
/// reading that [`second_look`] asked for: when they read no clean MRN
/// though the page has an MRN label, only MRNs that are no patient's, no
/// clean date of birth though the page has a birth-date label, or only
/// dates of birth that are not the MRN's patient's. Narrower than
/// [`second_look`] (a page that prints no date of birth is not read a
/// third time for one): each further look costs a reading of the band.
pub fn look_again(found: &Extracted, texts: &[&str], cfg: &ExtractConfig, index: impl Fn(&str) -> IndexSays) -> bool {
    let (_, extra) = compiled(cfg);
    let labelled = |kind: Kind| {
        texts.iter().flat_map(|t| t.lines()).any(|line| {
            let mended = mend_heading_words(line);
            find_labels(&mended, &extra).iter().any(|l| l.2 == kind)
                || headings().iter().any(|(k, re)| *k == kind && re.is_match(&mended))
        })
    };
    let births = known_births(found, &index);
    let mrn_wanted = match found.mrn.iter().any(|m| !m.corrected) {
        false => labelled(Kind::Mrn),
        true => births.is_empty(),
    };
    let read: Vec<String> = found.birth_date.iter().filter(|d| !d.corrected).map(|d| d.value.to_string()).collect();
    let theirs: Vec<&String> = births.iter().flatten().collect();
    let birth_wanted = match read.is_empty() {
        true => labelled(Kind::Birth),
        false => !theirs.is_empty() && !read.iter().any(|d| theirs.contains(&d)),
    };
    mrn_wanted || birth_wanted
}

/// What the index says of each clean MRN found that a patient has.
fn known_births(found: &Extracted, index: impl Fn(&str) -> IndexSays) -> Vec<Option<String>> {
    found
        .mrn
        .iter()
        .filter(|m| !m.corrected)
        .filter_map(|m| match index(&m.value) {
            IndexSays::Known(b) => Some(b),
            IndexSays::Unknown => None,
        })
        .collect()
}

/// Reads the identifiers of a second reading of a page's header band
/// (`top..bottom`): its text, and its words together with the first
/// reading's words outside the band, so the page's layout (whether its
/// captions sit under their values) is judged on the whole page, as for the
/// first reading.
pub fn extract_second_reading(
    first_words: &[crate::model::Word],
    (top, bottom): (u32, u32),
    text: &str,
    words: &[crate::model::Word],
    cfg: &ExtractConfig,
) -> Extracted {
    let mut all: Vec<crate::model::Word> =
        first_words.iter().filter(|w| w.y + w.h <= top || w.y >= bottom).cloned().collect();
    all.extend(words.iter().cloned());
    extract_page(text, &all, cfg)
}

impl Extracted {
    /// Adds `other`'s MRNs, dates, names and account numbers that this has
    /// not (a value found by both stays corrected only if both corrected
    /// it). The other fields are this one's. For a second reading of the
    /// page, with its own rules, see [`Extracted::add_second_reading`].
    fn merge_unique(&mut self, other: Extracted) {
        let Extracted { mrn, birth_date, service_date, name, account, .. } = other;
        mrn.into_iter().for_each(|m| push_unique(&mut self.mrn, m));
        birth_date.into_iter().for_each(|d| push_unique(&mut self.birth_date, d));
        service_date.into_iter().for_each(|d| push_unique(&mut self.service_date, d));
        for n in name {
            if !self.name.contains(&n) {
                self.name.push(n);
            }
        }
        for a in account {
            if !self.account.contains(&a) {
                self.account.push(a);
            }
        }
    }

    /// Adds what a reading of the page's header again found (`reading`,
    /// read in the layout of the first reading's words, `first_words`; see
    /// [`extract_second_reading`] and [`Extracted::add_second_reading`]).
    pub fn add_reading(
        &mut self,
        first_words: &[crate::model::Word],
        reading: &crate::model::SecondReading,
        cfg: &ExtractConfig,
        index: impl Fn(&str) -> IndexSays,
    ) {
        let band = (reading.top, reading.bottom);
        let second = extract_second_reading(first_words, band, &reading.text, &reading.words, cfg);
        self.add_second_reading(second, index);
    }

    /// Adds what a second reading of the page found (see [`second_look`]):
    /// its MRNs when this reading has no clean MRN, its MRNs that are a
    /// patient's (`index`) when this reading's are none, its date of birth
    /// of the MRN's patient when this reading's is another, and the other
    /// identifiers of each kind this reading has no clean value of. A value
    /// found by both is kept once; a value found only by the second reading
    /// stands beside this reading's, so two readings that differ are two
    /// values to the filing decision (review, unless it takes one for a
    /// misreading of the other: `filing::misread_mrns`, `misread_births`).
    pub fn add_second_reading(&mut self, second: Extracted, index: impl Fn(&str) -> IndexSays) {
        let known = |m: &str| index(m) != IndexSays::Unknown;
        let clean: Vec<&str> = self.mrn.iter().filter(|m| !m.corrected).map(|m| m.value.as_str()).collect();
        if clean.is_empty() {
            second.mrn.into_iter().for_each(|m| push_unique(&mut self.mrn, m));
        } else if !clean.iter().any(|m| known(m)) {
            // Only unknown MRNs read first: the second reading's known ones
            // (another unknown number is a misreading, not news).
            second.mrn.into_iter().filter(|m| known(&m.value)).for_each(|m| push_unique(&mut self.mrn, m));
        }
        let births: Vec<String> = known_births(self, &index).into_iter().flatten().collect();
        if !self.birth_date.iter().any(|d| !d.corrected) {
            second.birth_date.into_iter().for_each(|d| push_unique(&mut self.birth_date, d));
        } else if !births.is_empty()
            && !self.birth_date.iter().any(|d| !d.corrected && births.contains(&d.value.to_string()))
        {
            // A date of birth that is not the MRN's patient's: the second
            // reading's that is (a misreading of one of them, for the
            // filing decision to judge), not another; also one read only
            // after an OCR correction ("62/28/1990"), kept as corrected.
            let agreeing = second.birth_date.into_iter().filter(|d| births.contains(&d.value.to_string()));
            agreeing.for_each(|d| push_unique(&mut self.birth_date, d));
        }
        if self.service_date.is_empty() {
            self.service_date = second.service_date;
        }
        if self.name.is_empty() {
            self.name = second.name;
        }
        if self.account.is_empty() {
            self.account = second.account;
        }
        if self.provider.is_empty() {
            self.provider = second.provider;
        }
        for m in second.mrn_like {
            let known = self.mrn.iter().any(|x| x.value == m) || self.account.contains(&m);
            if !known && !self.mrn_like.contains(&m) {
                self.mrn_like.push(m);
            }
        }
        for d in second.dates_anywhere {
            if !self.dates_anywhere.contains(&d) {
                self.dates_anywhere.push(d);
            }
        }
        self.birth_year_unread.extend(second.birth_year_unread);
        self.birth_year_unread.dedup();
        drop_corrected_duplicates(self);
    }
}

/// Every clean date in `text`: read from each word on.
fn dates_anywhere(text: &str, cfg: &ExtractConfig) -> Vec<Date> {
    let mut out: Vec<Date> = Vec::new();
    for line in text.lines() {
        let starts = line
            .char_indices()
            .filter(|&(i, c)| c.is_alphanumeric() && (i == 0 || !line[..i].ends_with(|p: char| p.is_alphanumeric())));
        for (i, _) in starts {
            if let Some((d, _)) = read_date_at(&line[i..], cfg, true).filter(|(d, _)| !d.corrected) {
                if !out.contains(&d.value) {
                    out.push(d.value);
                }
            }
        }
    }
    out
}

/// Every MRN of the site's format printed anywhere in `text` (see
/// [`mrn::printed_anywhere`]: `023-417-36` and `0621 9984` too) that is not
/// a date and not already this page's MRN or an account number. Those
/// printed as one plain word come first: a phone number (`010-7784`) is
/// also a number in groups.
fn mrn_like(text: &str, cfg: &ExtractConfig, mrn_format: &MrnFormat, found: &Extracted) -> Vec<String> {
    let mut anywhere = mrn::printed_anywhere(text, mrn_format);
    anywhere.sort_by_key(|(printed, _)| printed.contains(|c: char| !c.is_alphanumeric()));
    let mut out: Vec<String> = Vec::new();
    for (printed, key) in anywhere {
        if printed.chars().filter(char::is_ascii_alphanumeric).count() < 5
            || !printed.contains(|c: char| c.is_ascii_digit())
            || read_date(printed, cfg, false).is_some()
        {
            continue;
        }
        let known = found.mrn.iter().any(|m| m.value == key)
            || found.account.iter().any(|a| mrn_format.normalise(a).as_ref() == Some(&key));
        if !known && !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// A page's rows of word cells as the positional pass sees them, one line
/// per row: each cell's left and top edges and text (for `chartmill debug cells`).
pub fn cell_rows(words: &[crate::model::Word]) -> Vec<String> {
    cells::describe_rows(words)
}

/// Reads the patient identifiers of a page from its text alone.
pub fn extract(text: &str, cfg: &ExtractConfig) -> Extracted {
    extract_page(text, &[], cfg)
}

/// The text pass. `values_below`: a label's value may be on the line under
/// it (false on forms that print their captions under the values).
fn extract_text(
    text: &str,
    cfg: &ExtractConfig,
    mrn_format: &MrnFormat,
    extra: &[Regex],
    values_below: bool,
) -> Extracted {
    let mut out = Extracted::default();
    let joined: Vec<std::borrow::Cow<str>> = text.lines().map(join_split_words).collect();
    let lines: Vec<&str> = joined.iter().map(|l| l.as_ref()).collect();
    if values_below {
        pair_label_columns(&lines, extra, cfg, mrn_format, &mut out);
        pair_label_rows(&lines, extra, cfg, mrn_format, &mut out);
    }
    let (mut family, mut given): (Option<String>, Option<String>) = (None, None);
    for (i, line) in lines.iter().enumerate() {
        let line: &str = line;
        let found = find_labels(line, extra);
        // On a row of headings, only the first one's value is the first
        // of the line below; the others are paired by `pair_label_rows`.
        let headings_only = heading_row(line).is_some();
        // "Guarantor Last Name: ... First Name: ...": the line's name fields are someone else's.
        let someone_elses_name =
            found.iter().any(|&(s, e, k)| k == Kind::Ignore && line[s..e].to_lowercase().contains("name"));
        for (j, &(start, end, kind)) in found.iter().enumerate() {
            let next = found.get(j + 1).map(|x| x.0).unwrap_or(line.len());
            let mut value = value_of(line, end, next).to_string();
            // A label alone at the end of its line: the value is on the next
            // line with text. So too for an MRN or a date of birth followed
            // on its line by no digit at all (another label, a speck: "MRN
            // woe", "MRN Allergies: NKDA"), and for a patient label followed
            // at once by another label ("Pt: Room: 329-A"), when the label
            // starts its line: the labels of a left-hand column sharing
            // their lines with a right-hand one. The value under it must
            // still read as an MRN, a date or a name to count.
            //
            // An MRN or a date of birth that does not read, last on its
            // line, may also run on into the next line ("DOB: Jun ." /
            // "21, 1970"): then the two parts are read together.
            let identifier = matches!(kind, Kind::Mrn | Kind::Birth);
            let reads = identifier && reads_as(kind, &value, cfg, mrn_format);
            let starts_line = line[..start].trim().is_empty();
            let look_below = (value.is_empty() && next == line.len()
                || starts_line && (identifier && !reads || value.is_empty() && kind == Kind::Name))
                && (starts_line || !headings_only);
            let runs_on = identifier && !reads && !value.is_empty() && next == line.len();
            if values_below && (look_below || runs_on) {
                let head_of = |n: &str| {
                    let first = find_labels(n, extra).first().map(|x| x.0).unwrap_or(n.len());
                    value_of(n, 0, first).to_string()
                };
                let run_on = lines.get(i + 1).filter(|n| runs_on && !n.trim().is_empty()).map(|n| {
                    let v = format!("{value} {}", head_of(n));
                    (reads_as(kind, &v, cfg, mrn_format), v)
                });
                let below = lines[i + 1..].iter().take(3).find(|l| !l.trim().is_empty()).filter(|_| look_below);
                match (run_on, below) {
                    (Some((true, v)), _) => value = v,
                    (_, Some(n)) => {
                        // Under a label that ends its line after other
                        // columns' headings ("Acct # PROVIDER UNIT NO"), no
                        // label among them, over a line of values alone,
                        // the value is the last on that line. Not where a
                        // sentence of labels and values wraps ("Name:
                        // Penhaligon, Rosalind BIRTH DATE:" over "02/11/1958
                        // HOSPITAL NUMBER: ..."): there it is the first.
                        let columns = j == 0 && find_labels(n, extra).is_empty();
                        let tail = || {
                            let words: Vec<&str> = n.split_whitespace().collect();
                            (1..=3.min(words.len()))
                                .map(|k| words[words.len() - k..].join(" "))
                                .find(|v| reads_as(kind, v, cfg, mrn_format))
                        };
                        let v = match starts_line || !identifier || !columns {
                            true => head_of(n),
                            false => tail().unwrap_or_else(|| head_of(n)),
                        };
                        if !identifier || value.is_empty() || reads_as(kind, &v, cfg, mrn_format) {
                            value = v;
                        }
                    }
                    _ => {}
                }
            }
            if value.is_empty() {
                continue;
            }
            match kind {
                Kind::FamilyName | Kind::GivenName if someone_elses_name => {}
                Kind::FamilyName if family.is_none() => family = Some(value),
                Kind::GivenName if given.is_none() => given = Some(value),
                _ => take(kind, &value, cfg, mrn_format, &mut out),
            }
        }
        if values_below {
            labels_across_lines(line, lines.get(i + 1).copied().unwrap_or(""), extra, cfg, mrn_format, &mut out);
        }
    }
    // A name in two fields: the family name's first word, the given name's words.
    if let (Some(f), Some(g)) = (family, given) {
        let f = f.split_whitespace().next().unwrap_or("").trim_end_matches(',');
        take(Kind::Name, &format!("{f}, {g}"), cfg, mrn_format, &mut out);
    }
    if out.name.is_empty() && values_below {
        if let Some(n) = name_under_bare_label(&lines, extra) {
            out.name.push(n);
        }
    }
    if out.name.is_empty() {
        if let Some(n) = unlabelled_name(&lines, extra) {
            out.name.push(n);
        }
    }
    out
}

/// "Patient" or "Patient Name" alone on its line, without a colon, and
/// under it a line that is only a capitalised name of two to four words (a
/// left-hand column of captions over values).
fn name_under_bare_label(lines: &[&str], extra: &[Regex]) -> Option<Name> {
    static NAMEISH: OnceLock<Regex> = OnceLock::new();
    let nameish = NAMEISH.get_or_init(|| {
        Regex::new(r"^[A-Z][A-Za-z'\-]+,?(?:\s+[A-Z][A-Za-z'\-]*\.?,?){1,3}$").expect("name line pattern compiles")
    });
    for (i, line) in lines.iter().enumerate().take(40) {
        if !bare_name_label(line) {
            continue;
        }
        let Some(below) = lines[i + 1..].iter().take(3).find(|l| !l.trim().is_empty()) else { continue };
        let below = below.trim();
        if find_labels(below, extra).is_empty() && heading_only(below).is_none() && nameish.is_match(below) {
            return read_name(below);
        }
    }
    None
}

/// Whether a labelled value reads as an MRN or a date of birth (corrected or not).
fn reads_as(kind: Kind, value: &str, cfg: &ExtractConfig, mrn_format: &MrnFormat) -> bool {
    match kind {
        Kind::Mrn => read_mrn(value, mrn_format).is_some(),
        Kind::Birth => read_date(value, cfg, true).is_some(),
        _ => true,
    }
}

/// An MRN or date-of-birth label broken over two lines ("... MR”" /
/// "#: 25806391 ..."): read from the end of `line` joined to `next`. Only
/// labels that neither line holds whole are read here.
fn labels_across_lines(
    line: &str,
    next: &str,
    extra: &[Regex],
    cfg: &ExtractConfig,
    mrn_format: &MrnFormat,
    out: &mut Extracted,
) {
    let quote = |c: char| c.is_whitespace() || "\"'“”‘’`".contains(c);
    let tail = line.trim_end_matches(quote);
    if tail.is_empty() || next.trim().is_empty() {
        return;
    }
    let joined = format!("{tail} {next}");
    let found = find_labels(&joined, extra);
    for (j, &(start, end, kind)) in found.iter().enumerate() {
        if start >= tail.len() || end <= tail.len() + 1 || !matches!(kind, Kind::Mrn | Kind::Birth) {
            continue;
        }
        let until = found.get(j + 1).map(|x| x.0).unwrap_or(joined.len());
        take(kind, value_of(&joined, end, until), cfg, mrn_format, out);
    }
}

/// A corrected reading that equals a clean one adds nothing.
fn drop_corrected_duplicates(out: &mut Extracted) {
    let clean: Vec<String> = out.mrn.iter().filter(|m| !m.corrected).map(|m| m.value.clone()).collect();
    out.mrn.retain(|m| !m.corrected || !clean.contains(&m.value));
}

/// Labels printed in a column with their values in a second column below
/// ("Patient:", "MRN:", "DOB:" then the three values): paired by position.
fn pair_label_columns(
    lines: &[&str],
    extra: &[Regex],
    cfg: &ExtractConfig,
    mrn_format: &MrnFormat,
    out: &mut Extracted,
) {
    let label_only = |l: &str| -> Option<Kind> {
        let t = l.trim();
        let found = find_labels(t, extra);
        match found.as_slice() {
            [(0, end, kind)] if t[*end..].trim_matches([':', ' ', '#', '.', ',']).is_empty() => Some(*kind),
            _ if bare_name_label(t) => Some(Kind::Name),
            _ => heading_only(t),
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let mut kinds = Vec::new();
        let mut j = i;
        while j < lines.len() {
            match label_only(lines[j]) {
                Some(k) => kinds.push(k),
                None if lines[j].trim().is_empty() => {}
                None => break,
            }
            j += 1;
        }
        if kinds.len() >= 2 {
            // The values below, up to the next labelled line. Only headings
            // of things that are not identifiers (sex, age) may lack a value,
            // and only at the end: a value missing in the middle would shift
            // the others onto the wrong headings.
            let values: Vec<&str> = lines[j..]
                .iter()
                .filter(|l| !l.trim().is_empty())
                .take(kinds.len())
                .take_while(|v| find_labels(v, extra).is_empty() && heading_only(v).is_none())
                .copied()
                .collect();
            let needed = kinds.iter().rposition(|k| *k != Kind::Ignore).map_or(0, |p| p + 1);
            if values.len() >= needed.max(2) {
                for (kind, value) in kinds.iter().zip(values) {
                    take(*kind, value.trim(), cfg, mrn_format, out);
                }
            } else if let Some(row) = values.first() {
                // The headings stacked, their values side by side on one line.
                parse_value_row(&kinds, row, cfg, mrn_format, out);
            }
        }
        i = j.max(i + 1);
    }
}

/// Column headings (printed without colons, in table and box layouts).
fn headings() -> &'static Vec<(Kind, Regex)> {
    static HEADINGS: OnceLock<Vec<(Kind, Regex)>> = OnceLock::new();
    HEADINGS.get_or_init(|| {
        [
            (Kind::Birth, r"\b(?:(?:patient|pt)\.?\s*)?(?:birth[\s,]*(?:date|dt\b)|birthdate|birthday|dob|d\.o\.b\.?|date[\s.]+of[\s.]+birth|born)\b"),
            (Kind::Name, r"\b(?:patient\s+name|pt\.?\s+name|patient|name)\b"),
            (Kind::Mrn, r"\b(?:mrn|m\.?\s*r\.?\s*(?:#|no\b\.?|number)|hrn|health\s+record\s*(?:no\b\.?|number|#)?|(?:patient|pt)\.?\s*(?:no\b\.?|number|#)|(?:hosp(?:ital)?|chart)\.?\s*id\b|reg(?:istration)?\.?\s*(?:no\.?|number|#)|med(?:ical)?\.?\s*rec(?:ord)?\.?\s*(?:no\.?|#|number)?|chart\s*(?:#|no\.?)|unit\s*(?:no\.?|#|number)|(?:hosp(?:ital)?|record)\.?\s*(?:no\.?|number|#)|patient\s*id|pt\.?\s*id)"),
            (Kind::Account, r"\bvisit\s*(?:no\.?|#|number)"),
            (Kind::Service, r"\b(?:sv[ce]\.?\s*(?:date|dt)|(?:service|admit|admission)\s+(?:date|dt)|date\s+of\s+service|visit(?:\s+(?:date|dt))?|encounter\s+(?:date|dt)|dos)\b"),
            (Kind::Account, r"\b(?:account\s*(?:no\.?|#)?|acct\.?\s*(?:no\.?|#)?|fin\b\s*#?|encounter\s*(?:no\.?|#|number)?|visit\s*(?:no\.?|#|number)|csn\b)"),
            (Kind::Ignore, r"\b(?:sex|gender|age|attending(?:\s+physician)?|physician|provider|author|location|room|unit)\b"),
        ]
        .iter()
        .map(|(k, re)| (*k, Regex::new(&format!("(?i){}", ocr_tolerant(re))).expect("heading patterns compile")))
        .collect()
    })
}

/// Words of column headings, for [`mend_heading_words`].
const HEADING_WORDS: &[&str] = &[
    "number",
    "birth",
    "birthdate",
    "record",
    "medical",
    "patient",
    "account",
    "encounter",
    "visit",
    "service",
    "admission",
    "admit",
    "gender",
    "location",
    "hospital",
    "registration",
];

/// Column headings as OCR garbles them in small capitals and thin type
/// ("MR NumsBer", "BirntH Dt", "MR Numser"): a word of five letters or more
/// that is one edit (a letter added, dropped, changed or two swapped) from a
/// heading word and starts with the same letter is read as that word. Used
/// only where a whole line or cell must be headings and nothing else, so a
/// real word mended wrongly cannot make a value into a label; a heading
/// still finds only values that read as its kind.
fn mend_heading_words(line: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::new();
    let mut last = 0;
    let mut changed = false;
    let bytes: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].1.is_alphabetic() {
            i += 1;
            continue;
        }
        let start = bytes[i].0;
        while i < bytes.len() && bytes[i].1.is_alphabetic() {
            i += 1;
        }
        let end = bytes.get(i).map_or(line.len(), |b| b.0);
        let word = line[start..end].to_lowercase();
        if word.chars().count() < 5 || HEADING_WORDS.contains(&word.as_str()) {
            continue;
        }
        let mended = HEADING_WORDS.iter().find(|h| h.chars().next() == word.chars().next() && one_edit_apart(h, &word));
        if let Some(h) = mended {
            out.push_str(&line[last..start]);
            out.push_str(h);
            last = end;
            changed = true;
        }
    }
    if !changed {
        return std::borrow::Cow::Borrowed(line);
    }
    out.push_str(&line[last..]);
    std::borrow::Cow::Owned(out)
}

/// Whether `a` becomes `b` by one insertion, deletion, substitution or
/// swap of two neighbouring letters, or (in words of five letters or more)
/// by two neighbouring letters read as two others: OCR misreads a pair of
/// small capitals as one shape ("BratH" for "BirtH").
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let head = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    if head == short.len() {
        return long.len() != short.len();
    }
    if short.len() == long.len() {
        let swapped = head + 1 < short.len()
            && short[head] == long[head + 1]
            && short[head + 1] == long[head]
            && short[head + 2..] == long[head + 2..];
        let pair = short.len() >= 5 && head + 2 <= short.len() && short[head + 2..] == long[head + 2..];
        swapped || pair || short[head + 1..] == long[head + 1..]
    } else {
        short[head..] == long[head + 1..]
    }
}

/// The kind of a line that is one column heading and nothing else ("SEX,",
/// "BIRTHDATE"), as box layouts print them stacked.
fn heading_only(line: &str) -> Option<Kind> {
    let line = mend_heading_words(line);
    let t = line.trim().trim_matches([':', ' ', '#', '.', ',', '|', ';']);
    headings().iter().find_map(|(kind, re)| re.find(t).filter(|m| m.start() == 0 && m.end() == t.len()).map(|_| *kind))
}

/// The headings of a line that holds nothing but two or more column
/// headings, an identifier's among them: (start, end, kind), in order.
fn heading_row(line: &str) -> Option<Vec<(usize, usize, Kind)>> {
    let mended = mend_heading_words(line);
    let line = &*mended;
    let mut hits: Vec<(usize, usize, Kind, usize)> = Vec::new();
    for (rank, (kind, re)) in headings().iter().enumerate() {
        hits.extend(re.find_iter(line).map(|m| (m.start(), m.end(), *kind, rank)));
    }
    let found = first_longest(hits);
    // Only headings on the line (besides punctuation), and an identifier among them.
    let mut rest = line.to_string();
    for &(s, e, _) in found.iter().rev() {
        rest.replace_range(s..e, "");
    }
    // Nothing but headings: a colon after one is OCR's or the form's
    // punctuation (labels with values are read in place), and OCR turns
    // box rules into a few short fragments ("par", "5 if").
    let fragments: Vec<&str> = rest.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let is_heading_row = found.len() >= 2
        && found.iter().any(|f| matches!(f.2, Kind::Mrn | Kind::Birth | Kind::Service | Kind::Account))
        && fragments.len() <= 2
        && fragments.iter().all(|w| w.chars().count() <= 3);
    is_heading_row.then_some(found)
}

/// A row of column headings without colons ("PATIENT NAME  MEDICAL REC #
/// BIRTHDATE  SEX") above a row of values: each value is taken by what it
/// looks like, in the order of the headings (a name, an MRN, dates).
/// Unless the page's rows of headings read as their values better from the
/// line above them than from the line below, more often than not: a form
/// that prints its captions under the values, when the word positions did
/// not tell. Its line under a row of captions holds the next row's values
/// ("Mar 9, 2019  7717798359" under "Patient Name  MR #  Birth Date"). The
/// direction is the page's, not each row's: in rows of headings stacked
/// over rows of values, the line above a row of headings is the values of
/// the row before.
fn pair_label_rows(lines: &[&str], extra: &[Regex], cfg: &ExtractConfig, mrn_format: &MrnFormat, out: &mut Extracted) {
    let values = |l: &&&str| find_labels(l, extra).is_empty() && l.chars().any(|c| c.is_ascii_digit());
    // Each row of headings read from the line below and from the line above
    // (the next and the previous line with text, without labels of their
    // own), with how many identifiers each gave.
    type Values = Option<(usize, Extracted)>;
    let mut read: Vec<(Values, Values)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(found) = heading_row(line) else { continue };
        let kinds: Vec<Kind> = found.iter().map(|f| f.2).collect();
        let parse = |values: &str| {
            let mut e = Extracted::default();
            parse_value_row(&kinds, values, cfg, mrn_format, &mut e);
            let clean = e.mrn.iter().filter(|m| !m.corrected).count()
                + [&e.birth_date, &e.service_date].iter().flat_map(|d| d.iter()).filter(|d| !d.corrected).count();
            (clean + e.name.len() + e.account.len(), e)
        };
        let below = lines[i + 1..].iter().find(|l| !l.trim().is_empty()).filter(values).map(|l| parse(l));
        let above = lines[..i].iter().rev().find(|l| !l.trim().is_empty()).filter(values).map(|l| parse(l));
        read.push((below, above));
    }
    let score = |r: &Values| r.as_ref().map_or(0, |r| r.0);
    let over = read.iter().filter(|(b, a)| score(a) > score(b)).count();
    let under = read.iter().filter(|(b, a)| score(b) > score(a)).count();
    for (below, above) in read {
        let Some((_, e)) = (if over > under { above } else { below }) else { continue };
        out.merge_unique(e);
    }
}

/// Reads a row of values in the order of `kinds`, each taken by what it
/// looks like: a name runs up to the first digit, an MRN or account is one
/// token, a date is whatever date form comes first.
fn parse_value_row(kinds: &[Kind], values: &str, cfg: &ExtractConfig, mrn_format: &MrnFormat, out: &mut Extracted) {
    // Box rules and OCR's specks between the values.
    let mut v: String = values.replace(['|', '*', '»', ':', ';', '‘', '’', '_'], " ");
    for (i, &kind) in kinds.iter().enumerate() {
        // Fragments without letters or digits ("-.", ",") before the value.
        let mut t = v.trim_start();
        while let Some((first, after)) = t.split_once(' ') {
            if first.chars().any(char::is_alphanumeric) {
                break;
            }
            t = after.trim_start();
        }
        let t = t.to_string();
        let rest = match kind {
            Kind::Name => {
                // Up to the first word with a digit ("E7749624", an account
                // number), or to the month of a date written in words
                // ("Aurelio Kestrel . Jun 21, 1970").
                let mut end = t.find(|c: char| c.is_ascii_digit()).unwrap_or(t.len());
                end = t[..end].rfind(' ').map_or(if end < t.len() { 0 } else { end }, |space| space + 1);
                let before = t[..end].trim_end();
                if let Some(month) = before.rsplit(' ').next().filter(|w| end < t.len() && month_of(w).is_some()) {
                    end = before.len() - month.len();
                }
                // Or to another person's title: the next column's physician
                // ("Fennimore, Ysolde Dr. Ashdown").
                let title = |w: &str| w.trim_end_matches('.').eq_ignore_ascii_case("dr");
                if let Some(at) = t[..end]
                    .match_indices(' ')
                    .map(|(i, _)| i + 1)
                    .find(|&i| t[i..end].split_whitespace().next().is_some_and(title))
                {
                    end = at;
                }
                take(Kind::Name, t[..end].trim().trim_end_matches(['.', ',', '-', ' ']), cfg, mrn_format, out);
                t[end..].to_string()
            }
            Kind::Birth | Kind::Service => match read_date_at(&t, cfg, kind == Kind::Birth) {
                Some((d, end)) if t.is_char_boundary(end) && t[..end].split_whitespace().count() <= 3 => {
                    let list = if kind == Kind::Birth { &mut out.birth_date } else { &mut out.service_date };
                    push_unique(list, d);
                    t[end..].to_string()
                }
                _ => t.split_once(' ').map(|x| x.1.to_string()).unwrap_or_default(),
            },
            Kind::Ignore if kinds.get(i + 1).is_some_and(|k| *k != Kind::Name) => {
                // A column of no identifier before one that starts with a
                // digit or a month: its words up to there, however many
                // ("Priya Halvorsen, MD 73306158").
                let mut rest = t.as_str();
                while let Some(word) = rest.split_whitespace().next() {
                    if word.contains(|c: char| c.is_ascii_digit()) && rest.len() < t.len()
                        || month_of(word.trim_end_matches([',', '.'])).is_some()
                    {
                        break;
                    }
                    rest = rest.trim_start()[word.len()..].trim_start();
                }
                rest.to_string()
            }
            _ => {
                let token = t.split_whitespace().next().unwrap_or("");
                if matches!(kind, Kind::Mrn | Kind::Account) {
                    take(kind, token.trim_end_matches([',', '.']), cfg, mrn_format, out);
                }
                t[token.len()..].to_string()
            }
        };
        v = rest;
    }
}

/// "Patient Name" or "Patient" alone on a line, without a colon.
fn bare_name_label(line: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)^(?:patient\s*name|patient|pt\.?\s*name|name)\s*:?$").unwrap())
        .is_match(line.trim())
}

/// A patient name without a colon label: after "Patient" or "Name", a
/// "LAST, FIRST" in capitals before an MRN label (a footer), or a line that
/// is only a capitalised "LAST, FIRST" near the top (an addressograph
/// sticker). Used only when no labelled name was found.
fn unlabelled_name(lines: &[&str], extra: &[Regex]) -> Option<Name> {
    static CAPS: OnceLock<Regex> = OnceLock::new();
    let caps = CAPS.get_or_init(|| {
        Regex::new(r"^(?:(?i:patient(?:\s*name)?|name)\s+)?([A-Z][A-Z'\-]+,\s*[A-Z][A-Za-z]+(?:\s+[A-Z]\.?)?)\s*$")
            .unwrap()
    });
    static FIRST_LAST: OnceLock<Regex> = OnceLock::new();
    let first_last = FIRST_LAST.get_or_init(|| {
        let word = r"[A-Z](?:[a-z]+(?:['\-][A-Z][a-z]+)?|[A-Z'\-]+)";
        Regex::new(&format!(r"^{word}(?:\s+{word}){{1,2}}$")).unwrap()
    });
    static LAST_FIRST: OnceLock<Regex> = OnceLock::new();
    let last_first = LAST_FIRST
        .get_or_init(|| Regex::new(r"^[A-Z][a-z]+(?:['\-][A-Z][a-z]+)?,\s*[A-Z][a-z]+(?:\s+[A-Z]\.?)?$").unwrap());
    for (i, line) in lines.iter().enumerate() {
        let labels = find_labels(line, extra);
        // The text before the first identifier label on the line.
        let head = match labels.first() {
            Some(&(start, _, kind)) if kind != Kind::Name => &line[..start],
            Some(_) => continue,
            None if i < 15 => line,
            None => continue,
        };
        let head = head.trim();
        // Before an MRN or a date-of-birth label, a capitalised name is the patient's.
        let mrn_follows = labels.iter().any(|l| matches!(l.2, Kind::Mrn | Kind::Birth));
        if let Some(c) = caps.captures(head) {
            if mrn_follows || labels.is_empty() || head.to_lowercase().starts_with("patient") {
                if let Some(n) = read_name(&c[1]) {
                    return Some(n);
                }
            }
        }
        // A banner's line of identifiers that starts with the name, set off
        // by a mark ("- Severine Talmadge ¢ Patient ID 20847713 ¢ Birth
        // Date ..."): two or three capitalised words and nothing else.
        let mark = |c: char| !c.is_alphanumeric() && c != '\'';
        let bare = head.trim_matches(mark);
        let title_word = |w: &str| TITLE_WORDS.contains(&w.trim_end_matches(',').to_uppercase().as_str());
        // Or a "Last, First" in mixed case before such a label ("Castellane,
        // Jory Birth Date: ...").
        let last_first = mrn_follows && last_first.is_match(head) && !head.split(' ').any(title_word);
        if last_first {
            if let Some(n) = read_name(head) {
                return Some(n);
            }
        }
        if mrn_follows && bare.len() < head.len() && first_last.is_match(bare) && !bare.split(' ').any(title_word) {
            if let Some(n) = read_name(bare) {
                return Some(n);
            }
        }
    }
    None
}

/// Records one labelled value.
fn take(kind: Kind, value: &str, cfg: &ExtractConfig, mrn_format: &MrnFormat, out: &mut Extracted) {
    match kind {
        Kind::Mrn => {
            // A date is never an MRN ("2015-10-18" is not 20151018).
            let first = value.split_whitespace().next().unwrap_or("");
            if read_date(first, cfg, false).is_some() {
                return;
            }
            if let Some(m) = read_mrn(value, mrn_format) {
                push_unique(&mut out.mrn, m);
            }
        }
        Kind::Birth => match read_date(value, cfg, true) {
            Some(d) => push_unique(&mut out.birth_date, d),
            None => {
                if let Some(y) = unread_year(value).filter(|y| !out.birth_year_unread.contains(y)) {
                    out.birth_year_unread.push(y);
                }
            }
        },
        Kind::Service => {
            if let Some(d) = read_date(value, cfg, false) {
                push_unique(&mut out.service_date, d);
            }
        }
        Kind::Name => {
            if let Some(n) = read_name(value) {
                if !out.name.contains(&n) {
                    out.name.push(n);
                }
            }
        }
        Kind::Provider => {
            let v = clean_person(value);
            if v.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !out.provider.contains(&v) {
                out.provider.push(v);
            }
        }
        Kind::Account => {
            let token: String = value.split_whitespace().next().unwrap_or("").to_string();
            if token.chars().any(|c| c.is_ascii_digit()) && !out.account.contains(&token) {
                out.account.push(token);
            }
        }
        Kind::AccountMrn => {
            if let Some((acct, mrn)) = value.split_once('/') {
                take(Kind::Account, acct.trim(), cfg, mrn_format, out);
                take(Kind::Mrn, mrn.trim(), cfg, mrn_format, out);
            }
        }
        Kind::FamilyName | Kind::GivenName | Kind::Ignore => {}
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<Found<T>>, f: Found<T>) {
    if let Some(existing) = v.iter_mut().find(|x| x.value == f.value) {
        existing.corrected &= f.corrected;
    } else {
        v.push(f);
    }
}

/// The four-digit year of a value that looks like a date but does not read
/// as one: a year and a second number or a month name at its start.
fn unread_year(value: &str) -> Option<u16> {
    let head: String = value.chars().take(24).collect();
    let groups: Vec<&str> = head.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let month = head.split(|c: char| !c.is_alphabetic()).any(|w| month_of(w).is_some());
    let year = groups.iter().find(|g| g.len() == 4)?.parse::<u16>().ok().filter(|y| (1850..=2100).contains(y))?;
    (groups.len() >= 2 || month).then_some(year)
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn month_of(word: &str) -> Option<u8> {
    let w = word.trim_end_matches('.').to_lowercase();
    if w.len() < 3 {
        return None;
    }
    let m = MONTHS.iter().position(|m| w.starts_with(m))? as u8 + 1;
    // "March", "Mar", "Sept" - but not "marital" or "maybe".
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    (full[m as usize - 1].starts_with(&w) || w == "sept").then_some(m)
}

fn full_year(y: u16, digits: usize, birth: bool, cfg: &ExtractConfig) -> u16 {
    if digits != 2 {
        return y;
    }
    let now = cfg.current_year.unwrap_or_else(current_year);
    let pivot = now % 100;
    // A birth date cannot be in the future; a service date is recent.
    if y <= pivot && !(birth && y + 2000 > now) {
        2000 + y
    } else {
        1900 + y
    }
}

fn current_year() -> u16 {
    let days = crate::model::now() / 86_400;
    (1970 + days * 400 / 146_097) as u16
}

/// The first date in a value, in any common written form.
/// Specks between its parts ("Jun . 21, 1970") are passed over.
fn read_date(value: &str, cfg: &ExtractConfig, birth: bool) -> Option<Found<Date>> {
    let part = |w: &&str| w.chars().any(|c| c.is_alphanumeric() || c == '/' || c == '-');
    let value: Vec<&str> = value.split_whitespace().filter(part).collect();
    read_date_at(&value.join(" "), cfg, birth).map(|(d, _)| d)
}

/// [`read_date`], with the byte offset in `value` where the date ends.
fn read_date_at(value: &str, cfg: &ExtractConfig, birth: bool) -> Option<(Found<Date>, usize)> {
    static NUMERIC: OnceLock<Regex> = OnceLock::new();
    static WORDS: OnceLock<Regex> = OnceLock::new();
    let numeric =
        NUMERIC.get_or_init(|| Regex::new(r"\b(\d{1,4})\s?[/\-.;]\s?(\d{1,2})\s?[/\-.;]\s?(\d{2,4})\b").unwrap());
    let words = WORDS.get_or_init(|| {
        Regex::new(r"(?i)\b(?:([a-z]{3,9})\.?(?:\s*|[\-/])(\d{1,2})(?:st|nd|rd|th)?(?:,\s*|\s+|[\-/])(\d{4}|\d{2})|(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+([a-z]{3,9})\.?,?[\s\-/]+(\d{4}|\d{2}))\b").unwrap()
    });
    // Only the start of the value: "03/14/1962 (Age 59)"; 24 characters,
    // and the rest of the word the last of them is in (a year cut to two
    // digits would be another date).
    let cut = value.char_indices().nth(24).map_or(value.len(), |(i, _)| i);
    let end = value[cut..].find(char::is_whitespace).map_or(value.len(), |n| cut + n);
    let head: String = value[..end].to_string();
    let letters_undone = digits_for_letters(&head);
    let zeros_undone = zeros_for_round_digits(&letters_undone);
    let candidates = [(head.clone(), false), (letters_undone, true), (zeros_undone, true)];
    for (i, (text, corrected)) in candidates.iter().enumerate() {
        let (text, corrected) = (text.as_str(), *corrected);
        if candidates[..i].iter().any(|(t, _)| t == text) {
            continue;
        }
        // One separator read as a semicolon ("04;02-1941") leaves the
        // digits as printed; two make a list, not a date.
        if let Some(c) = numeric.captures(text).filter(|c| c[0].matches(';').count() <= 1) {
            let (a, b, y) = (&c[1], &c[2], &c[3]);
            let parsed = if a.len() == 4 {
                valid(a.parse().ok()?, b.parse().ok()?, y.parse().ok()?)
            } else {
                let year = full_year(y.parse().ok()?, y.len(), birth, cfg);
                let (a, b): (u8, u8) = (a.parse().ok()?, b.parse().ok()?);
                let (m, d) = match cfg.date_order {
                    _ if a > 12 => (b, a),
                    _ if b > 12 => (a, b),
                    DateOrder::MonthFirst => (a, b),
                    DateOrder::DayFirst => (b, a),
                };
                valid(year, m, d)
            };
            if let Some(d) = parsed {
                return Some((Found { value: d, corrected }, c.get(0)?.end()));
            }
        }
        if let Some(c) = words.captures(text) {
            let year = |y: &str| Some(full_year(y.parse().ok()?, y.len(), birth, cfg));
            let parsed = if c.get(1).is_some() {
                valid(year(&c[3])?, month_of(&c[1])?, c[2].parse().ok()?)
            } else {
                valid(year(&c[6])?, month_of(&c[5])?, c[4].parse().ok()?)
            };
            if let Some(d) = parsed {
                return Some((Found { value: d, corrected }, c.get(0)?.end()));
            }
        }
    }
    None
}

/// Another OCR confusion, of a digit for a digit: a 0 on a form's line or
/// under a speck reads as 9, 6 or 8 ("96/21/70", "98/30/1977"). A two-digit
/// part of a numeric date that no month or day can be (32 or more) and that
/// starts with one of them gets its 0 back. Only ever a corrected reading.
fn zeros_for_round_digits(s: &str) -> String {
    static PART: OnceLock<Regex> = OnceLock::new();
    let part = PART.get_or_init(|| Regex::new(r"(^|[^0-9])([968])([0-9])([/\-.])").expect("pattern compiles"));
    part.replace_all(s, |c: &regex::Captures| {
        let n: u32 = format!("{}{}", &c[2], &c[3]).parse().unwrap_or(0);
        if n >= 32 {
            format!("{}0{}{}", &c[1], &c[3], &c[4])
        } else {
            c[0].to_string()
        }
    })
    .into_owned()
}

const SUFFIXES: &[&str] = &["JR", "SR", "II", "III", "IV", "V"];
const TITLES: &[&str] = &["MR", "MRS", "MS", "MISS", "DR", "PATIENT"];
/// Words of letterheads, document titles and salutations: a line of them
/// before an MRN label is no unlabelled name ("HISTORY AND PHYSICAL «
/// MRN ...").
const TITLE_WORDS: &[&str] = &[
    "AND",
    "OF",
    "THE",
    "FOR",
    "DEAR",
    "COLLEAGUE",
    "HOSPITAL",
    "CENTER",
    "CENTRE",
    "CLINIC",
    "MEDICAL",
    "GENERAL",
    "COMMUNITY",
    "HEALTH",
    "DEPARTMENT",
    "REPORT",
    "RESULTS",
    "RESULT",
    "LAB",
    "LABORATORY",
    "HISTORY",
    "PHYSICAL",
    "NOTE",
    "NOTES",
    "SUMMARY",
    "DISCHARGE",
    "PROGRESS",
    "CONSULTATION",
    "OPERATIVE",
    "RADIOLOGY",
    "PATHOLOGY",
    "EMERGENCY",
    "PATIENT",
    "RECORD",
    "CHART",
    "PAGE",
    "SAMPLE",
    "FICTIONAL",
    "SYNTHETIC",
];

/// A clinician's degrees and licences: a name printed with one after it is
/// a provider's, never the patient's ("Priya Halvorsen, MD"). Not "DO" or
/// "PA", which are also family names.
const CREDENTIALS: &[&str] = &["MD", "RN", "NP", "PHD", "DDS", "DPM", "APRN", "CRNP", "FNP", "PA-C", "MBBS", "FACP"];
/// Words of form headings that are no part of a patient's name: a name
/// label whose value OCR left out reads the next headings instead ("NAME :
/// ATTENDING PHYSICIAN ENCOUNTER #").
const HEADING_NOT_NAME: &[&str] = &[
    "ATTENDING",
    "PHYSICIAN",
    "PROVIDER",
    "ENCOUNTER",
    "ACCOUNT",
    "ADMIT",
    "ADMISSION",
    "SERVICE",
    "BIRTH",
    "BIRTHDATE",
    "DOB",
    "MRN",
    "RECORD",
    "NUMBER",
    "GENDER",
];

fn clean_person(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ").trim_end_matches([',', '.', ';']).to_string()
}

/// A patient's name: "LAST, FIRST MIDDLE SUFFIX" or "First Middle Last Suffix".
fn read_name(value: &str) -> Option<Name> {
    let v = clean_person(value);
    // "Re: Patient Marchbanks, Delphine": the word is the label's, not the name's.
    static PATIENT: OnceLock<Regex> = OnceLock::new();
    let patient =
        PATIENT.get_or_init(|| Regex::new(r"(?i)^(?:patient|pt)\.?\s+(\S+\s+\S.*)$").expect("pattern compiles"));
    let v = match patient.captures(&v) {
        Some(c) => c[1].to_string(),
        None => v,
    };
    // A dot leader OCR read as words before the name ("...:0:::seeeee eee
    // Clementine Ashcombe"); not a particle ("van Houten").
    let leader =
        |w: &str| !w.chars().any(char::is_uppercase) && (w.contains("ee") || is_leader(w) || leader_letters(w, 4));
    let v = match v.split_whitespace().position(|w| !leader(w)) {
        Some(0) | None => v,
        Some(n) => v.split_whitespace().skip(n).collect::<Vec<_>>().join(" "),
    };
    // No name holds a digit or a colon ("Witness: Interpreter used: No").
    if v.chars().any(|c| c.is_ascii_digit() || c == ':') || v.len() < 3 {
        return None;
    }
    // A lower-case l inside a capitalised word is OCR's reading of I ("MARlSOL").
    let word = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_alphabetic() && c != '-' && c != '\'');
        let upper = w.chars().filter(|c| c.is_uppercase()).count();
        let w = if upper >= 2 && upper + 1 >= w.chars().filter(|c| c.is_alphabetic()).count() {
            w.replace('l', "I")
        } else {
            w.to_string()
        };
        w.to_uppercase()
    };
    let is_suffix = |w: &str| SUFFIXES.contains(&w.trim_end_matches('.'));
    let (family, rest): (String, Vec<String>) = if let Some((last, first)) = v.split_once(',') {
        let rest: Vec<String> = first.split_whitespace().map(word).filter(|w| !w.is_empty()).collect();
        (word(last), rest)
    } else {
        let mut ws: Vec<String> =
            v.split_whitespace().map(word).filter(|w| !w.is_empty() && !TITLES.contains(&w.as_str())).collect();
        let suffix = ws.last().filter(|w| is_suffix(w)).cloned();
        if suffix.is_some() {
            ws.pop();
        }
        let family = ws.pop()?;
        if let Some(s) = suffix {
            ws.push(s);
        }
        (family, ws)
    };
    let mut rest: Vec<String> = rest.into_iter().filter(|w| !TITLES.contains(&w.as_str())).collect();
    let suffix = rest.last().filter(|w| is_suffix(w)).cloned();
    if suffix.is_some() {
        rest.pop();
    }
    if std::iter::once(&family).chain(&rest).any(|w| HEADING_NOT_NAME.contains(&w.as_str())) {
        return None;
    }
    // After the first word printed: in "LAST, FIRST" any word but the
    // family name, in "First Last" the family name too.
    let mut later = rest.iter().chain((!v.contains(',')).then_some(&family));
    if later.any(|w| CREDENTIALS.contains(&w.replace('.', "").as_str())) {
        return None;
    }
    let given = rest.first()?.clone();
    let middle = (rest.len() > 1).then(|| rest[1..].join(" "));
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
    if letters(&family) < 2 || letters(&given) < 1 || rest.len() > 3 || family.split('-').any(str::is_empty) {
        return None;
    }
    Some(Name { family, given, middle, suffix: suffix.map(|s| s.trim_end_matches('.').to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Word;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date { year: y, month: m, day }
    }

    fn cfg() -> ExtractConfig {
        ExtractConfig { current_year: Some(2026), ..ExtractConfig::default() }
    }

    #[test]
    fn dates_in_every_common_form() {
        for (s, want) in [
            ("03/14/1962", d(1962, 3, 14)),
            ("3-14-62", d(1962, 3, 14)),
            ("1962-03-14", d(1962, 3, 14)),
            ("March 14, 1962", d(1962, 3, 14)),
            ("14 Mar 1962", d(1962, 3, 14)),
            ("Mar. 14, 1962", d(1962, 3, 14)),
            ("Mar 14,1962", d(1962, 3, 14)),
            ("14-Mar-1962", d(1962, 3, 14)),
            ("14/Mar/1962", d(1962, 3, 14)),
            ("Mar-14-1962", d(1962, 3, 14)),
            ("14-Mar-62", d(1962, 3, 14)),
            ("Mar 14, 62", d(1962, 3, 14)),
            ("Mar . 14, 1962", d(1962, 3, 14)),
        ] {
            assert_eq!(read_date(s, &cfg(), true).map(|f| f.value), Some(want), "{s}");
        }
        let day_first = ExtractConfig { date_order: DateOrder::DayFirst, ..cfg() };
        assert_eq!(read_date("04/03/1962", &day_first, true).unwrap().value, d(1962, 3, 4));
        assert_eq!(read_date("04/03/1962", &cfg(), true).unwrap().value, d(1962, 4, 3));
        assert!(read_date("02/30/1962", &cfg(), true).is_none());
        // One separator read as a semicolon; two are a list.
        assert_eq!(read_date("04;02-1941", &cfg(), true).map(|f| (f.value, f.corrected)), Some((d(1941, 4, 2), false)));
        assert!(read_date("4;2;1941", &cfg(), true).is_none());
    }

    #[test]
    fn a_month_run_into_its_day() {
        assert_eq!(read_date("Apr17,2003", &cfg(), true).map(|d| d.value.to_string()), Some("2003-04-17".into()));
        assert!(read_date("RX17,2003", &cfg(), false).is_none());
    }

    #[test]
    fn a_zero_read_as_nine_six_or_eight_is_a_corrected_date() {
        for (s, want) in [("96/21/70", "1970-06-21"), ("98/30/1977", "1977-08-30"), ("62/11/58", "1958-02-11")] {
            let d = read_date(s, &cfg(), true).unwrap_or_else(|| panic!("{s}"));
            assert_eq!((d.value.to_string().as_str(), d.corrected), (want, true), "{s}");
        }
        // Parts a month or day can be are left alone.
        assert!(read_date("93/14/1962", &cfg(), true).is_some_and(|d| d.corrected));
        assert_eq!(read_date("09/21/1970", &cfg(), true).map(|d| d.corrected), Some(false));
        assert!(read_date("99/99/1999", &cfg(), true).is_none());
    }

    #[test]
    fn two_digit_years_of_births_are_not_in_the_future() {
        assert_eq!(read_date("3-14-30", &cfg(), true).unwrap().value.year, 1930);
        assert_eq!(read_date("3-14-21", &cfg(), false).unwrap().value.year, 2021);
        assert_eq!(read_date("3-14-21", &cfg(), true).unwrap().value.year, 2021);
    }

    #[test]
    fn labels_tell_dates_apart() {
        let e = extract(
            "Patient: QUILLFEATHER, MARISOL   MRN: 00482913   DOB: 03/14/1962\nAdmission Date: 11/02/2019   Report Date: 11/05/2019",
            &cfg(),
        );
        assert_eq!(e.mrn, vec![Found { value: "00482913".into(), corrected: false }]);
        assert_eq!(e.birth_date[0].value, d(1962, 3, 14));
        assert_eq!(e.service_date.iter().map(|f| f.value).collect::<Vec<_>>(), vec![d(2019, 11, 2)]);
        assert_eq!(
            e.name[0],
            Name { family: "QUILLFEATHER".into(), given: "MARISOL".into(), middle: None, suffix: None }
        );
    }

    #[test]
    fn misread_digits_are_corrected_candidates() {
        let e = extract("MRN: OO4829l3\nDOB: O3/l4/1962", &cfg());
        assert_eq!(e.mrn, vec![Found { value: "00482913".into(), corrected: true }]);
        assert_eq!(e.birth_date, vec![Found { value: d(1962, 3, 14), corrected: true }]);
        // A date far into the value is read whole, not cut to a two-digit year.
        let e = extract("DOB:\nLARKSPUR TAMSIN 08/19/1988 OM F", &cfg());
        assert_eq!(e.birth_date.iter().map(|b| b.value).collect::<Vec<_>>(), [d(1988, 8, 19)]);
        // A dot leader read as digits and marks is no part of the MRN.
        let e = extract("PATIENT ID 23,522.03: 44088170 FIN cscsictescosesess 984007428", &cfg());
        assert_eq!(e.mrn, vec![Found { value: "44088170".into(), corrected: false }]);
    }

    #[test]
    fn names_in_both_orders_with_middle_names_and_suffixes() {
        let n = read_name("Thaddeus J. Brackenridge Jr.").unwrap();
        assert_eq!((n.family.as_str(), n.given.as_str()), ("BRACKENRIDGE", "THADDEUS"));
        assert_eq!((n.middle.as_deref(), n.suffix.as_deref()), (Some("J"), Some("JR")));
        let n = read_name("Okonkwo-Vale, Adaeze Ngozi").unwrap();
        assert_eq!(
            (n.family.as_str(), n.given.as_str(), n.middle.as_deref()),
            ("OKONKWO-VALE", "ADAEZE", Some("NGOZI"))
        );
        assert!(read_name("12345").is_none());
    }

    #[test]
    fn a_physician_is_a_provider_not_the_patient() {
        let e =
            extract("Patient Name: Wystan Penhaligon    Attending: Dr. Fictional Surgeon\nAcct #: A7781234", &cfg());
        assert_eq!(e.name.len(), 1);
        assert_eq!(e.name[0].family, "PENHALIGON");
        assert_eq!(e.provider, vec!["Dr. Fictional Surgeon".to_string()]);
        assert_eq!(e.account, vec!["A7781234".to_string()]);
        assert!(e.mrn.is_empty(), "an account number is not an MRN");
        // A name with a clinician's degree after it is no patient's.
        for v in ["Halvorsen, MD", "Priya Halvorsen MD", "HALVORSEN, PRIYA M.D.", "Priya Halvorsen, RN"] {
            assert!(extract(&format!("Patient: {v}"), &cfg()).name.is_empty(), "{v}");
        }
        assert_eq!(extract("Patient: Do, Minh", &cfg()).name[0].family, "DO");
    }

    #[test]
    fn mrn_and_birth_date_label_wordings() {
        for label in [
            "MRN:",
            "MRN#",
            "M.R.N.",
            "MR#",
            "MR #:",
            "MR No:",
            "MR No.",
            "M.R. No:",
            "MRNo:",
            "MR Number:",
            "Med Rec No:",
            "Med Rec #",
            "Medical Record Number:",
            "Medical Record #",
            "Patient ID:",
            "Chart #:",
            "Unit No:",
            "Hosp No:",
            "Hospital No.",
            "Record No.:",
            "Patient Number:",
            "MR:",
            "MR :",
            "Chart #.|",
            "MR'#:",
            "MR’#",
            "Account No, 93280425 MRN:",
        ] {
            let e = extract(&format!("{label} 12960437"), &cfg());
            assert_eq!(e.mrn.first().map(|m| m.value.as_str()), Some("12960437"), "{label}");
        }
        for label in [
            "DOB:",
            "DOB’:",
            "D.O.B.",
            "D.0.B.",
            "D.O.8:",
            "Date of Birth:",
            "Birth Date:",
            "Birth Dt:",
            "Birthdate:",
            "Born:",
            "Pt DOB:",
            "Patient DOB:",
            "Pt. Date of Birth:",
            "_D.O.B.",
            // "DATE OF" ended the line before.
            "BIRTH:",
        ] {
            let e = extract(&format!("{label} 05/27/1994"), &cfg());
            assert_eq!(e.birth_date.first().map(|d| d.value.to_string()), Some("1994-05-27".into()), "{label}");
        }
        // A bar glued to the value is OCR's reading of a 1, not a rule.
        assert!(extract("Chart #|2960437", &cfg()).mrn.iter().all(|m| m.value != "2960437"));
        let e = extract("PATIENT ID .........008 12960437\nDATE OF BIRTH ......... 05/27/1994", &cfg());
        assert_eq!(e.mrn.iter().map(|m| m.value.as_str()).collect::<Vec<_>>(), ["12960437"]);
        let e = extract("Re: Patient Marchbanks, Delphine\nMR No. 12960437 Date of Birth 05/27/1994", &cfg());
        assert_eq!((e.name[0].family.as_str(), e.name[0].given.as_str()), ("MARCHBANKS", "DELPHINE"));
        // Labels are whole words: "dose" holds no "DOS" (fresh 97: it made
        // a list of recommendations the page's header band), "borne" no "born".
        let e = extract("Date of Service: 03/04/2020   renally dose 04/05/2020\nwell borne 01/02/1990", &cfg());
        assert_eq!(e.service_date.len(), 1, "{e:?}");
        assert!(e.birth_date.is_empty(), "{e:?}");
        // With a dot after it (blind novel 67, a fax cover's second page).
        let e = extract("Re: Patient. YARROWBY, Florentine    MR No. 70358146", &cfg());
        assert_eq!((e.name[0].family.as_str(), e.name[0].given.as_str()), ("YARROWBY", "FLORENTINE"));
    }

    #[test]
    fn headings_garbled_in_small_capitals_are_mended() {
        // One edit from a heading word, same first letter, five letters or more.
        for (a, b, near) in [
            ("number", "numsber", true),
            ("number", "numser", true),
            ("birth", "birnth", true),
            ("number", "nubmer", true),
            ("birth", "brath", true),
            ("birth", "brash", false),
            ("admit", "auxit", true),
            ("sex", "sax", true),
            ("age", "axe", true),
            ("sex", "fax", false),
            ("number", "number", false),
            ("birth", "berths", false),
            ("patient", "patience", false),
        ] {
            assert_eq!(one_edit_apart(a, b), near, "{a} {b}");
        }
        assert_eq!(mend_heading_words("MR NumsBer | BirntH Dt"), "MR number | birth Dt");
        // Short words and words far from any heading stay as they are.
        assert_eq!(mend_heading_words("Nane Patience Bridge"), "Nane Patience Bridge");
        for heading in [
            "PATIENT NAME | MR Numser | DOB | Sex | Visit",
            "PATIENT | MR No | BirntH Dt | GENDER | VISIT",
            // Blind novel 67, a bilevel scan of small capitals.
            "PATIENT  MRN  BratH Dt  GENDER  Apmit DT",
        ] {
            let e = extract(&format!("{heading}\nLindqvist-Mour, Saoirse 36912580 03/08/1999 F 10/14/2017"), &cfg());
            assert_eq!(e.mrn.first().map(|m| m.value.as_str()), Some("36912580"), "{heading}");
            assert_eq!(e.birth_date.first().map(|d| d.value.to_string()), Some("1999-03-08".into()), "{heading}");
        }
        // An accent OCR put on a heading's letter ("Namé").
        let e = extract("Namé   Unit No   Visit Daté\nCulpepper-Nash, Barnaby 25806391 01/10/2018", &cfg());
        assert_eq!(e.name.first().map(|n| n.family.as_str()), Some("CULPEPPER-NASH"), "{e:?}");
        assert_eq!(e.service_date.first().map(|d| d.value.to_string()), Some("2018-01-10".into()), "{e:?}");
        // A mended word does not make a sentence a row of headings.
        let e = extract("The patient's numsber and birnth were checked\n36912580 03/08/1999", &cfg());
        assert!(e.mrn.is_empty() && e.birth_date.is_empty(), "{e:?}");
    }

    fn known(birth: Option<&str>) -> IndexSays {
        IndexSays::Known(birth.map(str::to_string))
    }

    #[test]
    fn a_banner_starts_with_the_name_set_off_by_a_mark() {
        let name =
            |t: &str| extract(t, &cfg()).name.iter().map(|n| format!("{}, {}", n.family, n.given)).collect::<Vec<_>>();
        assert_eq!(name("- Severine Talmadge ¢ Patient ID 20847713 ¢ Birth Date 07/08/1955"), ["TALMADGE, SEVERINE"]);
        assert_eq!(name("Saoirse Lindqvist-Mour - : DOB: 08/08/1999 F- 22Y"), ["LINDQVIST-MOUR, SAOIRSE"]);
        // "Last, First" in mixed case needs no mark.
        assert_eq!(name("MR #: 63015528 -\nCastellane, Jory Birth Date: May 5,1993 M 27Y"), ["CASTELLANE, JORY"]);
        assert!(name("Report, Final MRN 63015528").is_empty());
        // Not without a mark, nor without an MRN or birth label after it,
        // nor a letterhead, a title or a salutation.
        for t in [
            "Severine Talmadge Patient ID 20847713",
            "Severine Talmadge ¢ Visit # 983528430",
            "- Attending Physician ¢ MRN 44718020",
            "Dear Colleague - MRN 44718020",
            "HISTORY AND PHYSICAL « MRN 44718020",
            "Harrowgate General Hospital | MRN 44718020",
        ] {
            assert!(name(t).is_empty(), "{t}");
        }
    }

    #[test]
    fn a_grid_row_run_together_is_read_by_its_cells() {
        // A row of headings over a row of values: in the text the patient's
        // name runs on into the attending's (a title would end it: "Dr.").
        let text = "Patient Name  Attending  DOB\n\nDelphine Marchbanks Nkechi Ashdown | 02-Dec-1979\n";
        let word = |t: &str, x: u32, y: u32| Word::at(t, x, y, 18 * t.chars().count() as u32, 30);
        let words = [
            word("Patient", 100, 100),
            word("Name", 240, 100),
            word("Attending", 700, 100),
            word("DOB", 1100, 100),
            word("Delphine", 100, 160),
            word("Marchbanks", 264, 160),
            word("Nkechi", 700, 160),
            word("Ashdown", 830, 160),
            word("02-Dec-1979", 1100, 160),
        ];
        let name = |e: &Extracted| e.name.iter().map(|n| format!("{}, {}", n.family, n.given)).collect::<Vec<_>>();
        assert_eq!(name(&extract(text, &cfg())), ["ASHDOWN, DELPHINE"], "the text alone runs the names together");
        let e = extract_page(text, &words, &cfg());
        assert_eq!(name(&e), ["MARCHBANKS, DELPHINE"]);
        let with_title = extract(&text.replace("Nkechi", "Dr."), &cfg());
        assert_eq!(name(&with_title), ["MARCHBANKS, DELPHINE"]);
        assert_eq!(e.birth_date.iter().map(|d| d.value.to_string()).collect::<Vec<_>>(), ["1979-12-02"]);
        // A dot leader read as words before the name is not a given name.
        let e = extract("PATIENT NAME .........:0:::seeeeeeeee eee Clementine Ashcombe", &cfg());
        assert_eq!(name(&e), ["ASHCOMBE, CLEMENTINE"]);
        assert_eq!(name(&extract("Patient: van Houten, Piet", &cfg())), ["VAN HOUTEN, PIET"]);
    }

    #[test]
    fn a_second_reading_only_fills_what_the_first_missed() {
        let first = extract("Patient Name: Larkspur, Tamsin\nDOB: 08/19/1988\nMRN: 4471B020", &cfg());
        assert!(first.mrn.iter().all(|m| m.corrected) && !first.mrn.is_empty());
        let mut merged = first.clone();
        merged.add_second_reading(extract("Name: Larkspur, Tamsin\nMRN: 44718020 DOB: 08/18/1988", &cfg()), |_| {
            known(None)
        });
        // The clean MRN is added; the corrected one is the same number and goes.
        assert_eq!(
            merged.mrn.iter().map(|m| (m.value.as_str(), m.corrected)).collect::<Vec<_>>(),
            [("44718020", false)]
        );
        // The first reading's clean date of birth is kept, the second's not added.
        assert_eq!(merged.birth_date.iter().map(|d| d.value.to_string()).collect::<Vec<_>>(), ["1988-08-19"]);
        // A second reading's other MRN stands beside the first's (two MRNs to
        // the filing decision); its date of birth does not replace a clean one.
        let mut full = extract("Patient Name: Larkspur, Tamsin\nDOB: 08/19/1988\nMRN: 94718020", &cfg());
        let before = full.clone();
        let second = extract("MRN: 04718020 DOB: 01/01/1990", &cfg());
        full.add_second_reading(second.clone(), |m| if m == "04718020" { known(None) } else { IndexSays::Unknown });
        assert_eq!(full.mrn.iter().map(|m| m.value.as_str()).collect::<Vec<_>>(), ["94718020", "04718020"]);
        // Neither reading is a patient's: the second's number is not added.
        let mut unknown = before.clone();
        unknown.add_second_reading(second.clone(), |_| IndexSays::Unknown);
        assert_eq!(unknown.mrn, before.mrn);
        assert_eq!(full.birth_date, before.birth_date);
        // A known MRN read first: the second reading's MRNs are not added.
        let mut known = before.clone();
        known.add_second_reading(second, |_| self::known(None));
        assert_eq!(known.mrn, before.mrn);
        // When to look again: no MRN, no date of birth, or no known MRN.
        let header = |e: &Extracted, known: bool| {
            let w = |t: &str, x: u32| Word::at(t, x, 400, 60, 30);
            second_look(e, &[w("MRN:", 100), w("94718020", 200)], &cfg(), |_| {
                if known {
                    self::known(None)
                } else {
                    IndexSays::Unknown
                }
            })
        };
        assert_eq!(header(&before, true), None);
        assert_eq!(header(&before, false), Some((310, 610)));
        assert!(header(&first, true).is_some());
        // No label read, but a number in the MRN format: the lines around it.
        let w = |t: &str, x: u32, y: u32| Word::at(t, x, y, 120, 30);
        let bare = [
            w("ZZ", 170, 170),
            w("00000", 220, 170),
            w("Tamsin", 640, 370),
            w(".", 489, 417),
            w("84718020", 520, 417),
            w("RX3415903", 920, 1600),
        ];
        let unlabelled = extract_page("ZZ 00000\nTamsin\n. 84718020\nRX3415903", &bare, &cfg());
        assert!(unlabelled.mrn.is_empty());
        assert_eq!(second_look(&unlabelled, &bare, &cfg(), |_| self::known(None)), Some((417 - 180, 417 + 30 + 180)));
        // The date of birth is not the MRN's patient's: look again, and add
        // the second reading's date of birth only if it is the patient's.
        let band = [Word::at("DOB:", 100, 400, 60, 30)];
        let theirs = |b: &str| {
            let b = b.to_string();
            move |_: &str| IndexSays::Known(Some(b.clone()))
        };
        assert_eq!(second_look(&before, &band, &cfg(), theirs("1988-08-19")), None);
        assert!(second_look(&before, &band, &cfg(), theirs("1980-08-19")).is_some());
        let mut misread = before.clone();
        misread.add_second_reading(extract("DOB: 08/19/1986", &cfg()), theirs("1980-08-19"));
        assert_eq!(misread.birth_date, before.birth_date, "another date again is not added");
        misread.add_second_reading(extract("DOB: 08/19/1980", &cfg()), theirs("1980-08-19"));
        let dobs: Vec<String> = misread.birth_date.iter().map(|d| d.value.to_string()).collect();
        assert_eq!(dobs, ["1988-08-19", "1980-08-19"]);
        // The patient's read only after an OCR correction: added, as corrected.
        let mut corrected = before.clone();
        corrected.add_second_reading(extract("DOB: 68/19/1980", &cfg()), theirs("1980-08-19"));
        let dobs: Vec<(String, bool)> =
            corrected.birth_date.iter().map(|d| (d.value.to_string(), d.corrected)).collect();
        assert_eq!(dobs, [("1988-08-19".to_string(), false), ("1980-08-19".to_string(), true)]);
    }

    #[test]
    fn a_header_is_looked_at_once_more_only_for_what_the_page_labels() {
        let theirs = |b: &'static str| move |_: &str| known(Some(b));
        let look = |text: &str, index: &dyn Fn(&str) -> IndexSays| {
            let found = extract(text, &cfg());
            look_again(&found, &[text], &cfg(), index)
        };
        // Read in full and agreeing: no.
        assert!(!look("MRN: 44718020\nDOB: 08/19/1988", &theirs("1988-08-19")));
        // A date of birth that is not the patient's, or only an MRN that is no one's: yes.
        assert!(look("MRN: 44718020\nDOB: 08/19/1986", &theirs("1988-08-19")));
        assert!(look("MRN: 44718020\nDOB: 08/19/1988", &|_| IndexSays::Unknown));
        // No date of birth: only when the page labels one, also as a caption alone on its line.
        assert!(!look("MRN: 44718020\nVisit Date: 03/04/2020", &theirs("1988-08-19")));
        assert!(look("MRN: 44718020\nBirth Date\n", &theirs("1988-08-19")));
        assert!(look("MRN: 44718020\nDate of Birth: 08/1?/19B8", &theirs("1988-08-19")));
        // No MRN: only when the page labels one.
        assert!(!look("Patient: Larkspur, Tamsin\nDOB: 08/19/1988", &theirs("1988-08-19")));
        assert!(look("Patient: Larkspur, Tamsin\nChart #\nDOB: 08/19/1988", &theirs("1988-08-19")));
        // The label may be in another reading's text than the one the values came from.
        let found = extract("MRN: 44718020", &cfg());
        assert!(look_again(&found, &["MRN: 44718020", "DOB"], &cfg(), theirs("1988-08-19")));
    }

    #[test]
    fn garbage_does_not_panic() {
        let e = extract("MRN:\nDOB:\n::::\nName: ,\nMRN: ------\n\u{0}", &cfg());
        assert!(e.mrn.is_empty() && e.birth_date.is_empty());
    }
}
