//! Training and evaluating the document-type classifier.
//!
//! Training is multinomial logistic regression by AdaGrad over the hashed
//! features of [`crate::classify::features`], on each example as given plus
//! copies with simulated OCR damage (so the model learns from text that looks
//! like what Tesseract returns from a scan), with classes weighted against
//! imbalance. A stratified share of the data is held out; a softmax
//! temperature is fitted on it (calibration) and the held-out metrics go into
//! the model's provenance.

use crate::classify::{features, softmax, Classification, Features, Model, Provenance};
use serde::Serialize;

/// Training settings.
#[derive(Debug, Clone, Serialize)]
pub struct TrainConfig {
    pub dims_log2: u32,
    pub epochs: usize,
    pub learning_rate: f32,
    /// OCR-damaged copies per example.
    pub noisy_copies: usize,
    /// Share of each class held out for calibration and metrics.
    pub heldout_fraction: f64,
    pub seed: u64,
    /// Weigh features by their inverse document frequency.
    pub idf: bool,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            dims_log2: 16,
            epochs: 6,
            learning_rate: 0.4,
            noisy_copies: 1,
            heldout_fraction: 0.15,
            seed: 7,
            idf: true,
        }
    }
}

/// SplitMix64: a small, seeded, reproducible generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Confusions Tesseract makes on degraded scans.
const CONFUSIONS: &[(&str, &str)] = &[
    ("l", "1"),
    ("l", "I"),
    ("I", "l"),
    ("i", "l"),
    ("O", "0"),
    ("o", "0"),
    ("0", "O"),
    ("1", "l"),
    ("S", "5"),
    ("5", "S"),
    ("B", "8"),
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("e", "c"),
    ("c", "e"),
    ("h", "b"),
    ("u", "v"),
    ("a", "o"),
    (",", "."),
    (".", ","),
    ("t", "f"),
];

/// Text with simulated OCR damage at roughly `rate` per character:
/// confusable substitutions, dropped and doubled characters, merged and
/// split words.
pub fn ocr_noise(text: &str, rng: &mut Rng, rate: f64) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if rng.f64() >= rate {
            out.push(c);
            i += 1;
            continue;
        }
        match rng.below(5) {
            0 | 1 => {
                // A confusion that starts here, if any.
                let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
                match CONFUSIONS.iter().find(|(from, _)| rest.starts_with(from)) {
                    Some((from, to)) => {
                        out.push_str(to);
                        i += from.chars().count();
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            2 => i += 1, // dropped
            3 => {
                // A space lost (words merge) or a letter doubled.
                if c != ' ' {
                    out.push(c);
                    out.push(c);
                }
                i += 1;
            }
            _ => {
                out.push(c);
                if c.is_alphanumeric() {
                    out.push(' '); // a word split
                }
                i += 1;
            }
        }
    }
    out
}

/// Characters of running text on a typeset page with its header.
pub const PAGE_CHARS: usize = 1800;

/// Cuts a text into pages of about `chars` characters, as a typesetter
/// would: at paragraph ends, a paragraph longer than a page at a sentence
/// end (or a line end), never inside a word. A short text is one page.
pub fn pages_of(text: &str, chars: usize) -> Vec<String> {
    let mut parts: Vec<&str> = Vec::new();
    for para in text.trim().split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let mut rest = para;
        while rest.len() > chars {
            let window = &rest[..rest.floor_char_boundary(chars)];
            let cut = window.rfind(". ").map(|i| i + 1).or_else(|| window.rfind('\n')).filter(|&i| i > chars / 3);
            let cut = cut.or_else(|| window.rfind(' ')).unwrap_or(window.len()).max(1);
            let cut = rest.floor_char_boundary(cut).max(rest.ceil_char_boundary(1));
            parts.push(rest[..cut].trim());
            rest = rest[cut..].trim();
        }
        if !rest.is_empty() {
            parts.push(rest);
        }
    }
    let mut pages: Vec<String> = Vec::new();
    let mut current = String::new();
    for p in parts {
        if !current.is_empty() && current.len() + p.len() > chars {
            pages.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(p);
    }
    if !current.is_empty() {
        pages.push(current);
    }
    pages
}

/// A labelled text.
#[derive(Debug, Clone)]
pub struct Example {
    pub label: String,
    pub text: String,
    /// The document this text is a page of, when pages are given apart
    /// (evaluation then also types each page from its whole document).
    pub document: Option<String>,
    /// The text is one scanned page as OCR read it (a stored page a
    /// technician typed): what ingest classifies, so it is learned as it
    /// is, never cut into pages.
    pub one_page: bool,
}

impl Example {
    pub fn new(label: impl Into<String>, text: impl Into<String>) -> Example {
        Example { label: label.into(), text: text.into(), document: None, one_page: false }
    }

    /// One page as OCR read it (see [`Example::one_page`]).
    pub fn page(label: impl Into<String>, text: impl Into<String>) -> Example {
        Example { one_page: true, ..Example::new(label, text) }
    }

    /// The text, and its pages when it is longer than a page and not one
    /// page already (later pages read unlike first pages).
    fn texts(&self) -> Vec<String> {
        let mut texts = vec![self.text.clone()];
        if !self.one_page {
            let pages = pages_of(&self.text, PAGE_CHARS);
            if pages.len() > 1 {
                texts.extend(pages);
            }
        }
        texts
    }
}

/// Stratified split: about `fraction` of each class goes to the second part.
pub fn split(mut examples: Vec<Example>, fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let mut rng = Rng::new(seed);
    rng.shuffle(&mut examples);
    examples.sort_by(|a, b| a.label.cmp(&b.label));
    let (mut keep, mut held) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < examples.len() {
        let j = examples[i..].iter().position(|e| e.label != examples[i].label).map_or(examples.len(), |p| i + p);
        let n = j - i;
        let h = if n >= 3 { ((n as f64 * fraction).round() as usize).max(1) } else { 0 };
        for (k, e) in examples[i..j].iter().enumerate() {
            if k < h {
                held.push(e.clone());
            } else {
                keep.push(e.clone());
            }
        }
        i = j;
    }
    (keep, held)
}

/// Trains a model on `train`, calibrates it on `heldout` (if any), and
/// returns it with the held-out metrics in its provenance.
pub fn train(train: &[Example], heldout: &[Example], classes: &[String], cfg: &TrainConfig) -> Model {
    let k = classes.len();
    let dims = 1usize << cfg.dims_log2;
    let class_of = |label: &str| classes.iter().position(|c| c == label);
    let mut rng = Rng::new(cfg.seed);

    // Examples as features: each text as given, its pages when it is longer
    // than a page and not a scanned page already (`Example::texts`), plus
    // OCR-damaged copies.
    let mut data: Vec<(usize, Features)> = Vec::new();
    for e in train {
        let Some(y) = class_of(&e.label) else {
            continue;
        };
        data.extend(e.texts().iter().map(|t| (y, features(t, cfg.dims_log2))));
        for copy in 0..cfg.noisy_copies {
            let rate = 0.02 + 0.04 * copy as f64;
            data.push((y, features(&ocr_noise(&e.text, &mut rng, rate), cfg.dims_log2)));
        }
    }
    // Inverse document frequency of each slot over the training texts
    // (smoothed as scikit-learn does), then every vector weighed by it and
    // brought back to unit length.
    let idf = if cfg.idf {
        let mut df = vec![0u32; dims];
        for (_, x) in &data {
            for &(f, _) in x {
                df[f as usize] += 1;
            }
        }
        let n = data.len() as f32;
        let idf: Vec<f32> = df.iter().map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0).collect();
        for (_, x) in &mut data {
            for (f, v) in x.iter_mut() {
                *v *= idf[*f as usize];
            }
            let norm = x.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, v) in x.iter_mut() {
                    *v /= norm;
                }
            }
        }
        idf
    } else {
        Vec::new()
    };
    // Class weights: every class counts as much in all (inverse frequency),
    // so a rare type is not given up for a frequent one.
    let mut counts = vec![0usize; k];
    for (y, _) in &data {
        counts[*y] += 1;
    }
    let n = data.len().max(1) as f32;
    let class_weight: Vec<f32> = counts.iter().map(|&c| if c == 0 { 0.0 } else { n / (k as f32 * c as f32) }).collect();

    let mut w = vec![0.0f32; k * dims];
    let mut g2 = vec![1e-6f32; k * dims];
    let mut b = vec![0.0f32; k];
    let mut bg2 = vec![1e-6f32; k];
    let mut order: Vec<usize> = (0..data.len()).collect();
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (y, x) = &data[i];
            let logits: Vec<f32> =
                (0..k).map(|c| b[c] + x.iter().map(|&(f, v)| w[c * dims + f as usize] * v).sum::<f32>()).collect();
            let p = softmax(&logits, 1.0);
            for c in 0..k {
                let g = (p[c] - if c == *y { 1.0 } else { 0.0 }) * class_weight[*y];
                if g.abs() < 1e-7 {
                    continue;
                }
                for &(f, v) in x {
                    let idx = c * dims + f as usize;
                    let grad = g * v;
                    g2[idx] += grad * grad;
                    w[idx] -= cfg.learning_rate * grad / g2[idx].sqrt();
                }
                bg2[c] += g * g;
                b[c] -= cfg.learning_rate * g / bg2[c].sqrt();
            }
        }
    }
    let mut model = Model {
        classes: classes.to_vec(),
        dims_log2: cfg.dims_log2,
        weights: w,
        bias: b,
        temperature: 1.0,
        idf,
        provenance: Provenance::default(),
    };
    // Calibrated on pages as well as whole texts: ingest classifies pages.
    let held: Vec<(usize, Vec<f32>)> = heldout
        .iter()
        .flat_map(|e| e.texts().into_iter().map(move |t| (e.label.clone(), t)))
        .filter_map(|(label, text)| Some((class_of(&label)?, model.logits(&model.features(&text)))))
        .collect();
    if !held.is_empty() {
        model.temperature = fit_temperature(&held);
        let m = evaluate(&model, heldout);
        model.provenance.heldout_accuracy = m.accuracy as f32;
        model.provenance.heldout_macro_f1 = m.macro_f1 as f32;
        model.provenance.heldout_examples = m.total;
    }
    model.provenance.examples = train.len();
    model
}

/// Trains on `fit`, calibrates and measures on `held`, then learns again
/// on both with the same settings and keeps the fitted temperature and the
/// held-out metrics: the shipped model wastes none of the (few) real texts
/// of a rare type, and its calibration and figures are still measured on
/// texts the measured model never saw.
pub fn train_refit(fit: &[Example], held: &[Example], classes: &[String], cfg: &TrainConfig) -> Model {
    let measured = train(fit, held, classes, cfg);
    if held.is_empty() {
        return measured;
    }
    let all: Vec<Example> = fit.iter().chain(held).cloned().collect();
    let mut model = train(&all, &[], classes, cfg);
    model.temperature = measured.temperature;
    model.provenance = measured.provenance;
    model.provenance.examples = all.len();
    model
}

/// The temperature that minimises the negative log-likelihood of the
/// held-out labels (golden-section search on log T).
pub fn fit_temperature(held: &[(usize, Vec<f32>)]) -> f32 {
    let nll =
        |t: f64| -> f64 { held.iter().map(|(y, l)| -(softmax(l, t as f32)[*y].max(1e-9) as f64).ln()).sum::<f64>() };
    let (mut lo, mut hi) = ((0.02f64).ln(), (20.0f64).ln());
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let a = hi - phi * (hi - lo);
        let b = lo + phi * (hi - lo);
        if nll(a.exp()) < nll(b.exp()) {
            hi = b;
        } else {
            lo = a;
        }
    }
    ((lo + hi) / 2.0).exp() as f32
}

/// One row of a reliability table.
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    pub from: f32,
    pub to: f32,
    pub count: usize,
    pub mean_confidence: f64,
    pub accuracy: f64,
}

/// Evaluation of a classifier on labelled examples.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub total: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// (class, precision, recall, f1, support)
    pub per_class: Vec<(String, f64, f64, f64, usize)>,
    pub labels: Vec<String>,
    /// `confusion[truth][predicted]`
    pub confusion: Vec<Vec<usize>>,
    pub reliability: Vec<Bin>,
    /// Expected calibration error.
    pub ece: f64,
}

/// Scores predictions against truths.
pub fn score(pairs: &[(String, Classification)]) -> Metrics {
    let mut labels: Vec<String> = pairs.iter().map(|(t, _)| t.clone()).collect();
    labels.extend(pairs.iter().map(|(_, c)| c.code.clone()));
    labels.sort();
    labels.dedup();
    let idx = |s: &str| labels.iter().position(|l| l == s).unwrap_or(0);
    let mut confusion = vec![vec![0usize; labels.len()]; labels.len()];
    let mut bins: Vec<(usize, f64, usize)> = vec![(0, 0.0, 0); 10];
    for (truth, c) in pairs {
        confusion[idx(truth)][idx(&c.code)] += 1;
        let b = ((c.confidence * 10.0) as usize).min(9);
        bins[b].0 += 1;
        bins[b].1 += c.confidence as f64;
        bins[b].2 += usize::from(*truth == c.code);
    }
    let total = pairs.len();
    let correct: usize = (0..labels.len()).map(|i| confusion[i][i]).sum();
    let mut per_class = Vec::new();
    let mut f1_sum = 0.0;
    let mut f1_n = 0;
    for (i, l) in labels.iter().enumerate() {
        let tp = confusion[i][i] as f64;
        let support: usize = confusion[i].iter().sum();
        let predicted: usize = confusion.iter().map(|r| r[i]).sum();
        let p = if predicted > 0 { tp / predicted as f64 } else { 0.0 };
        let r = if support > 0 { tp / support as f64 } else { 0.0 };
        let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        if support > 0 {
            f1_sum += f1;
            f1_n += 1;
        }
        per_class.push((l.clone(), p, r, f1, support));
    }
    let reliability: Vec<Bin> = bins
        .iter()
        .enumerate()
        .map(|(i, &(n, conf, ok))| Bin {
            from: i as f32 / 10.0,
            to: (i + 1) as f32 / 10.0,
            count: n,
            mean_confidence: if n > 0 { conf / n as f64 } else { 0.0 },
            accuracy: if n > 0 { ok as f64 / n as f64 } else { 0.0 },
        })
        .collect();
    let ece =
        reliability.iter().map(|b| b.count as f64 / total.max(1) as f64 * (b.accuracy - b.mean_confidence).abs()).sum();
    Metrics {
        total,
        accuracy: correct as f64 / total.max(1) as f64,
        macro_f1: if f1_n > 0 { f1_sum / f1_n as f64 } else { 0.0 },
        per_class,
        labels,
        confusion,
        reliability,
        ece,
    }
}

/// Classifies every example and scores the result.
pub fn evaluate(model: &Model, examples: &[Example]) -> Metrics {
    let pairs: Vec<(String, Classification)> =
        examples.iter().map(|e| (e.label.clone(), model.classify(&e.text))).collect();
    score(&pairs)
}

/// One page's type, alone and from its whole document.
#[derive(Debug, Clone, Serialize)]
pub struct PagePrediction {
    pub document: String,
    /// 1-based position of the page in its document.
    pub page: usize,
    pub truth: String,
    pub alone: Classification,
    pub in_document: Classification,
}

/// Classifies pages given apart (examples with a `document`), each alone
/// and from all the pages of its document together, as ingest types a
/// document ([`Model::classify_pages`]). Examples without a document are
/// documents of one page. Pages keep their order in `examples`.
pub fn predict_pages(model: &Model, examples: &[Example]) -> Vec<PagePrediction> {
    let mut order: Vec<String> = Vec::new();
    let mut pages: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    for (i, e) in examples.iter().enumerate() {
        let key = e.document.clone().unwrap_or_else(|| format!("#{i}"));
        let entry = pages.entry(key.clone()).or_default();
        if entry.is_empty() {
            order.push(key);
        }
        entry.push(i);
    }
    let mut out = Vec::with_capacity(examples.len());
    for key in order {
        let idx = &pages[&key];
        let texts: Vec<&str> = idx.iter().map(|&i| examples[i].text.as_str()).collect();
        let whole = model.classify_pages(&texts);
        for (k, &i) in idx.iter().enumerate() {
            out.push(PagePrediction {
                document: key.clone(),
                page: k + 1,
                truth: examples[i].label.clone(),
                alone: model.classify(&examples[i].text),
                in_document: whole.clone(),
            });
        }
    }
    out
}

/// Page-level metrics of [`predict_pages`]: every page typed from its
/// document (as the record types it), also for first and later pages
/// apart, and every page typed alone.
#[derive(Debug, Clone, Serialize)]
pub struct PageMetrics {
    pub in_document: Metrics,
    pub first_pages: Metrics,
    pub later_pages: Metrics,
    pub alone: Metrics,
}

pub fn score_pages(predictions: &[PagePrediction]) -> PageMetrics {
    let pick = |keep: &dyn Fn(&PagePrediction) -> bool, alone: bool| {
        let pairs: Vec<(String, Classification)> = predictions
            .iter()
            .filter(|p| keep(p))
            .map(|p| (p.truth.clone(), if alone { p.alone.clone() } else { p.in_document.clone() }))
            .collect();
        score(&pairs)
    };
    PageMetrics {
        in_document: pick(&|_| true, false),
        first_pages: pick(&|p| p.page == 1, false),
        later_pages: pick(&|p| p.page > 1, false),
        alone: pick(&|_| true, true),
    }
}

/// The metrics as text: accuracy, macro-F1, per class, confusion, reliability.
pub fn render(m: &Metrics) -> String {
    let mut s =
        format!("examples {}  accuracy {:.3}  macro-F1 {:.3}  ECE {:.3}\n\n", m.total, m.accuracy, m.macro_f1, m.ece);
    s.push_str(&format!("{:<20} {:>9} {:>7} {:>6} {:>8}\n", "class", "precision", "recall", "F1", "support"));
    for (l, p, r, f, n) in &m.per_class {
        s.push_str(&format!("{l:<20} {p:>9.3} {r:>7.3} {f:>6.3} {n:>8}\n"));
    }
    s.push_str("\nconfusion (rows: truth, columns: predicted, in the order of the rows)\n");
    for (i, l) in m.labels.iter().enumerate() {
        let row: Vec<String> = m.confusion[i].iter().map(|n| format!("{n:>4}")).collect();
        s.push_str(&format!("{l:<20}{}\n", row.join("")));
    }
    s.push_str("\nreliability (calibration)\nconfidence   pages  mean conf  accuracy\n");
    for b in m.reliability.iter().filter(|b| b.count > 0) {
        s.push_str(&format!(
            "{:.1}-{:.1}  {:>8}  {:>9.3}  {:>8.3}\n",
            b.from, b.to, b.count, b.mean_confidence, b.accuracy
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_damages_a_little_and_is_reproducible() {
        let text = "DISCHARGE SUMMARY. The patient was admitted with pneumonia.";
        let a = ocr_noise(text, &mut Rng::new(1), 0.05);
        assert_eq!(a, ocr_noise(text, &mut Rng::new(1), 0.05));
        assert_ne!(a, text);
        assert_eq!(ocr_noise(text, &mut Rng::new(1), 0.0), text);
    }

    #[test]
    fn texts_are_cut_into_pages_at_paragraphs_and_sentences() {
        assert_eq!(pages_of("short", 100), vec!["short"]);
        let text = format!("{}\n\n{}\n\n{}", "a".repeat(60), "b".repeat(60), "c".repeat(30));
        assert_eq!(pages_of(&text, 100), vec!["a".repeat(60), format!("{}\n\n{}", "b".repeat(60), "c".repeat(30))]);
        let long = "The patient is well. ".repeat(20);
        let pages = pages_of(&long, 100);
        assert!(pages.len() >= 4 && pages.iter().all(|p| p.len() <= 100 && p.ends_with('.')), "{pages:?}");
        assert_eq!(pages.join(" ").split_whitespace().count(), long.split_whitespace().count());
        // No character boundary is broken, no text lost, whatever the input.
        let odd = "é".repeat(300);
        assert_eq!(pages_of(&odd, 100).concat(), odd);
    }

    #[test]
    fn a_scanned_page_is_learned_whole_and_a_long_text_also_by_its_pages() {
        let long = "The wound bed is clean. ".repeat(200);
        let texts = Example::new("a", long.clone()).texts();
        assert!(texts.len() > 2 && texts[0] == long, "{}", texts.len());
        assert_eq!(Example::page("a", long.clone()).texts(), vec![long]);
    }

    #[test]
    fn split_is_stratified() {
        let ex: Vec<Example> =
            (0..40).map(|i| Example::new(if i % 4 == 0 { "a" } else { "b" }, i.to_string())).collect();
        let (keep, held) = split(ex, 0.25, 3);
        assert_eq!(keep.len() + held.len(), 40);
        assert_eq!(held.iter().filter(|e| e.label == "a").count(), 3);
        assert!(held.iter().filter(|e| e.label == "b").count() >= 7);
    }

    #[test]
    fn a_tiny_model_learns_and_is_calibrated_to_something_sane() {
        let mut ex = Vec::new();
        for i in 0..30 {
            ex.push(Example::new(
                "lab_report",
                format!("LABORATORY REPORT sodium {i} potassium chloride mmol/L reference range"),
            ));
            ex.push(Example::new(
                "consent",
                format!("CONSENT FOR SURGERY I authorize the procedure risks benefits signature witness {i}"),
            ));
        }
        let (tr, held) = split(ex, 0.2, 1);
        let classes = vec!["consent".to_string(), "lab_report".to_string()];
        let cfg = TrainConfig { dims_log2: 14, epochs: 4, ..TrainConfig::default() };
        let model = train(&tr, &held, &classes, &cfg);
        assert_eq!(model.classify("Potassium 4.1 mmol/L Sodium 140 (reference range)").code, "lab_report");
        assert_eq!(model.classify("I authorize the surgeon. Signature of witness").code, "consent");
        assert!(model.temperature > 0.0);
        assert!(model.provenance.heldout_accuracy > 0.9);
        let back = Model::from_json(&model.to_json()).unwrap();
        assert_eq!(back.classify("sodium potassium").code, model.classify("sodium potassium").code);
        // A word of half the texts weighs less than one never seen; the
        // weights survive the model file within their 16-bit steps.
        let slot = |w: &str| crate::classify::features(w, 14)[0].0 as usize;
        assert!(model.idf[slot("potassium")] > 1.0);
        assert!(model.idf[slot("potassium")] + 1.0 < model.idf[slot("xylophone")]);
        assert!(model.idf.iter().zip(&back.idf).all(|(a, b)| (a - b).abs() < 1e-3));
        // A model written before idf weights still reads, every slot weighing 1.
        let mut v1: serde_json::Value = serde_json::from_slice(&model.to_json()).unwrap();
        v1["format"] = "chartmill-doctype-logreg/1".into();
        v1.as_object_mut().unwrap().remove("idf_u16_deflate_base64");
        let old = Model::from_json(&serde_json::to_vec(&v1).unwrap()).unwrap();
        assert!(old.idf.is_empty());
        assert_eq!(old.features("sodium"), crate::classify::features("sodium", 14));
    }

    #[test]
    fn scoring_counts_a_confusion() {
        let c = |code: &str, conf: f32| Classification { code: code.into(), confidence: conf, ranked: vec![] };
        let m = score(&[("a".into(), c("a", 0.95)), ("a".into(), c("b", 0.55)), ("b".into(), c("b", 0.9))]);
        assert!((m.accuracy - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.confusion[0], vec![1, 1]);
        assert_eq!(m.reliability[9].count, 2);
    }
}
