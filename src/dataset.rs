//! Labelled text for training and evaluation: CSV files with a `doc_type`
//! column and the text in `text` (or `transcription`, as in MTSamples), and
//! optionally a `document` column when the texts are pages of documents.

use crate::error::{Error, Result};
use crate::train::Example;
use std::path::Path;

/// Reads labelled examples. Every label must be a type of `taxonomy`; rows
/// with an empty text are left out. Errors name the file and line.
pub fn read_csv(path: &Path, taxonomy: &crate::taxonomy::Taxonomy) -> Result<Vec<Example>> {
    let bad = |detail: String| Error::Config(format!("{}: {detail}", path.display()));
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let label_col = col("doc_type").ok_or_else(|| bad("no doc_type column".into()))?;
    let text_col = col("text").or_else(|| col("transcription")).ok_or_else(|| bad("no text column".into()))?;
    let document_col = col("document");
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| bad(format!("line {line}: {e}")))?;
        let label = row.get(label_col).unwrap_or("").trim().to_string();
        if !taxonomy.contains(&label) {
            return Err(bad(format!("line {line}: unknown document type '{label}'")));
        }
        let text = row.get(text_col).unwrap_or("").to_string();
        if text.trim().is_empty() {
            continue;
        }
        let document = document_col.and_then(|c| row.get(c)).map(str::trim).filter(|d| !d.is_empty());
        out.push(Example { document: document.map(str::to_string), ..Example::new(label, text) });
    }
    Ok(out)
}
