//! Document-type classification: a pure function of page text.
//!
//! The model is a multinomial logistic regression over hashed features that
//! survive OCR noise: word unigrams and bigrams, character 3- to 5-grams of
//! each word (a misread letter spoils one n-gram, not the word's whole
//! signal), the words of the first lines marked as title words, section
//! headings, and the marks of a letter (salutation, reference line, closing),
//! the last two counting double. Digits
//! are folded to `0` so values and dates do not split features. Its scores
//! are calibrated by a temperature fitted on held-out data, so a confidence
//! of 0.9 means about 9 in 10 are right (see `chartmill eval`).
//!
//! Nothing here does I/O or panics on garbage: any text, including empty
//! text, gets a [`Classification`].

use serde::{Deserialize, Serialize};

/// Lines at the top of a page where a title is looked for.
const TITLE_LINES: usize = 14;

/// A title: a short line in capitals without digits ("DISCHARGE SUMMARY"),
/// as opposed to the hospital's letterhead or the patient block.
fn is_title(line: &str) -> bool {
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    let words = line.split_whitespace().count();
    letters.len() >= 4
        && (1..=6).contains(&words)
        && !line.chars().any(|c| c.is_ascii_digit())
        && letters.iter().filter(|c| c.is_uppercase()).count() * 10 >= letters.len() * 9
}

/// How much a heading or a letter's mark counts against one word.
const STRUCTURE_WEIGHT: f32 = 2.0;

/// A line that marks a letter: its salutation, reference line or closing.
fn letter_mark(line: &str) -> Option<&'static str> {
    let l = line.trim().to_ascii_lowercase();
    if l.starts_with("dear ") {
        Some("salutation")
    } else if l.starts_with("re:") || l.starts_with("re :") {
        Some("reference")
    } else if [
        "sincerely",
        "yours truly",
        "best regards",
        "kind regards",
        "respectfully",
        "with best wishes",
        "thank you for",
    ]
    .iter()
    .any(|c| l.starts_with(c))
    {
        Some("closing")
    } else {
        None
    }
}

/// What the classifier says about a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    pub code: String,
    /// Calibrated probability of `code`, 0..1.
    pub confidence: f32,
    /// The classes by probability, best first (at most 3).
    pub ranked: Vec<(String, f32)>,
}

/// Where a model came from and how well it did; kept in the model file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub trained_at: String,
    pub chartmill_version: String,
    /// Training inputs: file names with their row counts and SHA-256.
    pub sources: Vec<String>,
    pub examples: usize,
    pub settings: String,
    /// Metrics on the held-out calibration split.
    pub heldout_accuracy: f32,
    pub heldout_macro_f1: f32,
    pub heldout_examples: usize,
    pub credit: String,
}

/// A trained classifier. `weights` is row-major: class × feature slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub classes: Vec<String>,
    pub dims_log2: u32,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    pub temperature: f32,
    /// Inverse document frequency of each slot in the training texts (empty:
    /// every slot weighs 1).
    pub idf: Vec<f32>,
    pub provenance: Provenance,
}

/// A sparse, L2-normalised feature vector: (slot, value).
pub type Features = Vec<(u32, f32)>;

/// 64-bit FNV-1a: stable across platforms and versions, unlike std's hasher.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Lowercased words of a line: letters kept, digits folded to `0`, runs of
/// digits to one `0`, everything else a separator.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in line.chars() {
        if c.is_alphabetic() {
            cur.extend(c.to_lowercase());
        } else if c.is_ascii_digit() {
            if !cur.ends_with('0') {
                cur.push('0');
            }
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Runs of capitalised words (at least two letters each) ending in a colon
/// or filling the line: section headings, lowercased.
fn headings(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in line.split(':') {
        let ws: Vec<&str> = part.split_whitespace().collect();
        // The capitalised run that ends this part.
        let run: Vec<&str> = ws
            .iter()
            .rev()
            .take_while(|w| {
                let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
                letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
            })
            .copied()
            .collect();
        if !run.is_empty() && run.len() <= 6 {
            let h: Vec<String> = run.iter().rev().map(|w| w.to_lowercase()).collect();
            out.push(h.join(" "));
        }
    }
    out
}

/// Every feature of a text, in order: its hash parts, how much it counts,
/// and what a person would call it (the word, the heading, the letter's
/// mark) for [`Model::explain`].
fn each_feature(text: &str, mut f: impl FnMut(&[&[u8]], f32, &str)) {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    for line in &lines {
        // The marks of a letter: a salutation, a reference line, a closing.
        if let Some(mark) = letter_mark(line) {
            f(&[b"s", mark.as_bytes()], STRUCTURE_WEIGHT, mark);
        }
        // Section headings ("HISTORY OF PRESENT ILLNESS:", "IMPRESSION:")
        // say much about a document's type: capitalised runs count apart,
        // and more than a word of the running text.
        for heading in headings(line) {
            f(&[b"h", heading.as_bytes()], STRUCTURE_WEIGHT, &heading);
        }
    }
    let mut prev: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        let title_line = i < TITLE_LINES && is_title(line);
        for w in words(line) {
            if w.len() < 2 {
                continue;
            }
            f(&[b"w", w.as_bytes()], 1.0, &w);
            if title_line {
                f(&[b"t", w.as_bytes()], 1.0, &w);
            }
            if let Some(p) = &prev {
                f(&[b"b", p.as_bytes(), w.as_bytes()], 1.0, &w);
            }
            let padded: Vec<char> = std::iter::once(' ').chain(w.chars()).chain(std::iter::once(' ')).collect();
            for n in 3..=5 {
                for gram in padded.windows(n) {
                    let s: String = gram.iter().collect();
                    f(&[b"c", s.as_bytes()], 1.0, &w);
                }
            }
            prev = Some(w);
        }
    }
}

/// The feature vector of a text.
pub fn features(text: &str, dims_log2: u32) -> Features {
    weighted_features(text, dims_log2, &[])
}

/// The feature vector of a text, each slot's term frequency times its
/// inverse document frequency (`idf`, one per slot; empty: all 1).
pub fn weighted_features(text: &str, dims_log2: u32, idf: &[f32]) -> Features {
    let mask = (1u64 << dims_log2) - 1;
    let mut counts: std::collections::HashMap<u32, f32> = std::collections::HashMap::new();
    each_feature(text, |parts, n, _| {
        *counts.entry((fnv1a(parts) & mask) as u32).or_insert(0.0) += n;
    });
    // Sublinear term frequency, then unit length; sorted first so the sum
    // (and so every value) is the same from run to run.
    let mut feats: Features =
        counts.into_iter().map(|(k, v)| (k, (1.0 + v.ln()) * idf.get(k as usize).copied().unwrap_or(1.0))).collect();
    feats.sort_unstable_by_key(|(k, _)| *k);
    let norm = feats.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in &mut feats {
            *v /= norm;
        }
    }
    feats
}

/// Softmax of `logits / temperature`.
pub fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let t = temperature.max(1e-3);
    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|l| ((l - max) / t).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

impl Model {
    pub fn dims(&self) -> usize {
        1 << self.dims_log2
    }

    /// A text's features as this model weighs them.
    pub fn features(&self, text: &str) -> Features {
        weighted_features(text, self.dims_log2, &self.idf)
    }

    /// Raw scores, one per class.
    pub fn logits(&self, feats: &Features) -> Vec<f32> {
        let dims = self.dims();
        self.classes
            .iter()
            .enumerate()
            .map(|(c, _)| {
                let row = &self.weights[c * dims..(c + 1) * dims];
                self.bias[c] + feats.iter().map(|&(k, v)| row[k as usize] * v).sum::<f32>()
            })
            .collect()
    }

    fn decide(&self, probs: Vec<f32>) -> Classification {
        let mut ranked: Vec<(String, f32)> = self.classes.iter().cloned().zip(probs).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(3);
        let (code, confidence) = ranked.first().cloned().unwrap_or_else(|| (crate::taxonomy::OTHER.into(), 0.0));
        Classification { code, confidence, ranked }
    }

    /// Classifies one text (a page).
    pub fn classify(&self, text: &str) -> Classification {
        let feats = self.features(text);
        if feats.is_empty() {
            return Classification { code: crate::taxonomy::OTHER.into(), confidence: 0.0, ranked: Vec::new() };
        }
        self.decide(softmax(&self.logits(&feats), self.temperature))
    }

    /// The words that decided between `code` and `against` (usually the
    /// runner-up) on a document's pages: each word, section heading or
    /// letter's mark with how much it moved the score of `code` above that
    /// of `against` (its features' weights times their values, a feature
    /// shared by several words split between them, pages weighted as in
    /// [`Model::classify_pages`]); the `n` that moved it most, biggest first.
    pub fn explain(&self, pages: &[&str], code: &str, against: &str, n: usize) -> Vec<(String, f32)> {
        let (Some(c), Some(r)) =
            (self.classes.iter().position(|x| x == code), self.classes.iter().position(|x| x == against))
        else {
            return Vec::new();
        };
        let dims = self.dims();
        let mask = (1u64 << self.dims_log2) - 1;
        let mut by_name: std::collections::HashMap<String, f32> = std::collections::HashMap::new();
        let mut total = 0.0f32;
        for (text, feats, weight) in self.weighted_pages(pages) {
            total += weight;
            let value: std::collections::HashMap<u32, f32> = feats.into_iter().collect();
            // How many times each slot occurs, so its value is shared out.
            let mut occurrences: std::collections::HashMap<u32, f32> = std::collections::HashMap::new();
            each_feature(text, |parts, k, _| *occurrences.entry((fnv1a(parts) & mask) as u32).or_insert(0.0) += k);
            each_feature(text, |parts, k, name| {
                let slot = (fnv1a(parts) & mask) as u32;
                let v = value.get(&slot).copied().unwrap_or(0.0) * k / occurrences[&slot];
                let w = self.weights[c * dims + slot as usize] - self.weights[r * dims + slot as usize];
                // Headings are shown as printed, apart from the same words in the text.
                let name = if parts[0] == b"h" { name.to_uppercase() } else { name.to_string() };
                *by_name.entry(name).or_insert(0.0) += weight * v * w;
            });
        }
        if total == 0.0 {
            return Vec::new();
        }
        let mut out: Vec<(String, f32)> =
            by_name.into_iter().map(|(k, v)| (k, v / total)).filter(|(_, v)| *v > 0.0).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out.truncate(n);
        out
    }

    /// A document's pages with text: each with its features and its weight
    /// in the document (the square root of its length).
    fn weighted_pages<'a>(&'a self, pages: &'a [&'a str]) -> impl Iterator<Item = (&'a str, Features, f32)> + 'a {
        pages.iter().filter_map(move |text| {
            let feats = self.features(text);
            (!feats.is_empty()).then(|| (*text, feats, (text.len() as f32).sqrt()))
        })
    }

    /// Classifies a document from all its pages together: the mean of the
    /// pages' logits, weighted by how much text each page has, so a near-empty
    /// continuation page does not outvote the page with the title.
    pub fn classify_pages(&self, pages: &[&str]) -> Classification {
        let mut sum = vec![0.0f32; self.classes.len()];
        let mut total = 0.0f32;
        for (_, feats, weight) in self.weighted_pages(pages) {
            for (s, l) in sum.iter_mut().zip(self.logits(&feats)) {
                *s += weight * l;
            }
            total += weight;
        }
        if total == 0.0 {
            return Classification { code: crate::taxonomy::OTHER.into(), confidence: 0.0, ranked: Vec::new() };
        }
        let mean: Vec<f32> = sum.iter().map(|s| s / total).collect();
        self.decide(softmax(&mean, self.temperature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_that_decided_are_the_ones_the_model_weighs() {
        // A model of two classes over 2^12 slots whose only weights are the
        // features of "biopsy" (for pathology) and "fracture" (for radiology).
        let dims_log2 = 12;
        let mut weights = vec![0.0f32; 2 << dims_log2];
        for (class, word) in [(0usize, "biopsy"), (1, "fracture")] {
            for (slot, _) in features(word, dims_log2) {
                weights[(class << dims_log2) + slot as usize] = 1.0;
            }
        }
        let model = Model {
            classes: vec!["pathology_report".into(), "radiology_report".into()],
            dims_log2,
            weights,
            bias: vec![0.0, 0.0],
            temperature: 1.0,
            idf: Vec::new(),
            provenance: Provenance::default(),
        };
        let text = "Needle biopsy of the liver.\nNo fracture seen. Biopsy margins clear.";
        let c = model.classify_pages(&[text]);
        assert_eq!(c.code, "pathology_report");
        let why = model.explain(&[text], "pathology_report", "radiology_report", 3);
        assert_eq!(why.first().map(|w| w.0.as_str()), Some("biopsy"), "{why:?}");
        assert!(why.iter().all(|(w, v)| w != "fracture" && *v > 0.0), "{why:?}");
        let against = model.explain(&[text], "radiology_report", "pathology_report", 3);
        assert_eq!(against.first().map(|w| w.0.as_str()), Some("fracture"), "{against:?}");
        assert!(model.explain(&[text], "consent", "radiology_report", 3).is_empty());
    }

    #[test]
    fn letters_are_marked() {
        assert_eq!(letter_mark("Dear Dr. Smith:"), Some("salutation"));
        assert_eq!(letter_mark("RE:  the patient"), Some("reference"));
        assert_eq!(letter_mark("Sincerely,"), Some("closing"));
        assert_eq!(letter_mark("The patient is dear to us"), None);
    }

    #[test]
    fn headings_are_capitalised_runs() {
        assert_eq!(headings("HISTORY OF PRESENT ILLNESS: The patient"), vec!["history of present illness"]);
        assert_eq!(headings("IMPRESSION:  1. Pneumonia"), vec!["impression"]);
        assert!(headings("The patient is well.").is_empty());
    }

    #[test]
    fn words_fold_digits_and_case() {
        assert_eq!(words("DOB: 03/14/1962, Na+ 139"), vec!["dob", "0", "0", "0", "na", "0"]);
        assert_eq!(words("Page 1 of 3"), vec!["page", "0", "of", "0"]);
    }

    #[test]
    fn features_are_unit_length_and_stable() {
        let f = features("DISCHARGE SUMMARY\nThe patient was discharged home.", 16);
        let norm: f32 = f.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4);
        assert_eq!(f, features("DISCHARGE SUMMARY\nThe patient was discharged home.", 16));
        assert!(features("", 16).is_empty());
        assert!(features("!!! ... ###", 16).is_empty());
    }

    #[test]
    fn a_misread_letter_keeps_most_features() {
        let a: std::collections::HashSet<u32> = features("discharge summary", 20).into_iter().map(|x| x.0).collect();
        let b: std::collections::HashSet<u32> = features("dlscharge summary", 20).into_iter().map(|x| x.0).collect();
        let shared = a.intersection(&b).count() as f32 / a.len() as f32;
        assert!(shared > 0.5, "{shared}");
    }

    #[test]
    fn softmax_sums_to_one_and_sharpens_with_low_temperature() {
        let p = softmax(&[1.0, 2.0, 3.0], 1.0);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let sharp = softmax(&[1.0, 2.0, 3.0], 0.5);
        assert!(sharp[2] > p[2]);
    }
}

/// The on-disk form of a [`Model`]: JSON with the provenance readable and
/// the weights quantised to 16 bits, deflated and base64-encoded.
#[derive(Serialize, Deserialize)]
struct ModelFile {
    format: String,
    classes: Vec<String>,
    dims_log2: u32,
    temperature: f32,
    bias: Vec<f32>,
    weights_scale: f32,
    weights_i16_deflate_base64: String,
    /// [`Model::idf`] as 16-bit steps of `idf_scale`, deflated and
    /// base64-encoded (absent in models without it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    idf_u16_deflate_base64: String,
    #[serde(default)]
    idf_scale: f32,
    provenance: Provenance,
}

const MODEL_FORMAT: &str = "chartmill-doctype-logreg/2";
/// Models written before the idf weights: read, with every slot weighing 1.
const MODEL_FORMAT_V1: &str = "chartmill-doctype-logreg/1";

/// Packs numbers as little-endian 16-bit integers, deflated, in base64.
fn pack16(values: impl Iterator<Item = [u8; 2]>) -> String {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    for v in values {
        enc.write_all(&v).expect("writing to memory");
    }
    base64::engine::general_purpose::STANDARD.encode(enc.finish().expect("writing to memory"))
}

/// Unpacks [`pack16`]'s `expected` 16-bit values.
fn unpack16(packed: &str, expected: usize, what: &str) -> Result<Vec<[u8; 2]>, String> {
    use base64::Engine as _;
    use std::io::Read as _;
    let packed = base64::engine::general_purpose::STANDARD.decode(packed).map_err(|e| format!("model {what}: {e}"))?;
    let mut raw = Vec::new();
    flate2::read::DeflateDecoder::new(packed.as_slice())
        .read_to_end(&mut raw)
        .map_err(|e| format!("model {what}: {e}"))?;
    if raw.len() != expected * 2 {
        return Err(format!("model has {} {what}, expected {expected}", raw.len() / 2));
    }
    Ok(raw.chunks_exact(2).map(|b| [b[0], b[1]]).collect())
}

impl Model {
    /// Serialises the model (pure: bytes in memory).
    pub fn to_json(&self) -> Vec<u8> {
        let max = self.weights.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / i16::MAX as f32 } else { 1.0 };
        let weights = pack16(
            self.weights
                .iter()
                .map(|w| ((w / scale).round().clamp(i16::MIN as f32, i16::MAX as f32) as i16).to_le_bytes()),
        );
        let idf_max = self.idf.iter().fold(0.0f32, |m, w| m.max(*w));
        let idf_scale = if idf_max > 0.0 { idf_max / u16::MAX as f32 } else { 1.0 };
        let idf = if self.idf.is_empty() {
            String::new()
        } else {
            pack16(self.idf.iter().map(|v| ((v / idf_scale).round().clamp(0.0, u16::MAX as f32) as u16).to_le_bytes()))
        };
        let file = ModelFile {
            format: MODEL_FORMAT.into(),
            classes: self.classes.clone(),
            dims_log2: self.dims_log2,
            temperature: self.temperature,
            bias: self.bias.clone(),
            weights_scale: scale,
            weights_i16_deflate_base64: weights,
            idf_u16_deflate_base64: idf,
            idf_scale,
            provenance: self.provenance.clone(),
        };
        serde_json::to_vec_pretty(&file).expect("model serialises")
    }

    /// Reads a model serialised by [`Model::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<Model, String> {
        let file: ModelFile = serde_json::from_slice(bytes).map_err(|e| format!("not a model file: {e}"))?;
        if file.format != MODEL_FORMAT && file.format != MODEL_FORMAT_V1 {
            return Err(format!("model format '{}', expected '{MODEL_FORMAT}'", file.format));
        }
        if file.dims_log2 > 24 || file.classes.is_empty() || file.bias.len() != file.classes.len() {
            return Err("model dimensions are inconsistent".into());
        }
        let expected = file.classes.len() << file.dims_log2;
        let weights = unpack16(&file.weights_i16_deflate_base64, expected, "weights")?
            .into_iter()
            .map(|b| i16::from_le_bytes(b) as f32 * file.weights_scale)
            .collect();
        let idf = if file.idf_u16_deflate_base64.is_empty() {
            Vec::new()
        } else {
            unpack16(&file.idf_u16_deflate_base64, 1 << file.dims_log2, "idf values")?
                .into_iter()
                .map(|b| u16::from_le_bytes(b) as f32 * file.idf_scale)
                .collect()
        };
        Ok(Model {
            classes: file.classes,
            dims_log2: file.dims_log2,
            weights,
            bias: file.bias,
            temperature: file.temperature,
            idf,
            provenance: file.provenance,
        })
    }
}
