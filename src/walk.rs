//! Walking the input folders: every file and every problem, in a stable order.

use crate::model::Format;
use std::path::{Path, PathBuf};

/// One thing found under an input folder.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the folder given on the command line, for display.
    pub source: String,
    pub kind: EntryKind,
}

#[derive(Debug, Clone)]
pub enum EntryKind {
    /// A regular file; `format` is `None` for formats chartmill does not read.
    File { format: Option<Format>, size: u64, mtime: i64 },
    /// A folder or file that could not be walked (permission, symlink loop, ...).
    Problem(String),
}

/// Walks `roots` recursively (following symbolic links, reporting loops),
/// sorted by name, leaving out `exclude` (the store itself, if it lies inside).
pub fn walk<'a>(roots: &'a [PathBuf], exclude: &'a Path) -> impl Iterator<Item = Entry> + 'a {
    roots.iter().flat_map(move |root| {
        let root_abs = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        let shown_root = root_abs.clone();
        walkdir::WalkDir::new(root_abs)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(move |e| e.path() != exclude)
            .filter_map(move |item| entry(&shown_root, item))
    })
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() { path.file_name().map(Path::new).unwrap_or(path) } else { rel };
    rel.to_string_lossy().into_owned()
}

fn entry(root: &Path, item: walkdir::Result<walkdir::DirEntry>) -> Option<Entry> {
    match item {
        Ok(e) if e.file_type().is_dir() => None,
        Ok(e) => {
            let path = e.path().to_path_buf();
            let source = relative(root, &path);
            let kind = match e.metadata() {
                Ok(m) if m.is_file() => {
                    use std::os::unix::fs::MetadataExt;
                    EntryKind::File { format: Format::from_path(&path), size: m.len(), mtime: m.mtime() }
                }
                Ok(_) => EntryKind::Problem("unsupported: not a regular file".into()),
                Err(err) => EntryKind::Problem(format!("unreadable: {}", io_reason(&err))),
            };
            Some(Entry { path, source, kind })
        }
        Err(err) => {
            let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
            let source = relative(root, &path);
            let why = if err.loop_ancestor().is_some() {
                "unreadable: symbolic link loop".to_string()
            } else {
                format!("unreadable: {}", io_reason(&err))
            };
            Some(Entry { path, source, kind: EntryKind::Problem(why) })
        }
    }
}

/// The OS reason without repeating the path.
fn io_reason(err: &walkdir::Error) -> String {
    match err.io_error() {
        Some(io) => crate::error::io_reason(io),
        None => "cannot be walked".into(),
    }
}
