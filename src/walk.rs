//! Walking the input folders: every file and every problem, in a stable order.
//!
//! A folder's numbered page files (`page-1.tif`, `page-2.tif`, ..., as
//! scanners that write one image per page leave them) are one entry, a
//! [`EntryKind::Sequence`]: the pipeline reads them as one multi-page file,
//! so documents span them with the rules that hold inside a file. A
//! folder's files are grouped when the walk enters it; memory holds the
//! listing of the folders the walk is in, never the batch.

use crate::model::Format;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// One thing found under an input folder.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Absolute path. For a sequence, its folder joined with the pattern of
    /// its members' names (`page-*.tif`), which names no file of the folder.
    pub path: PathBuf,
    /// Path relative to the folder given on the command line, for display.
    pub source: String,
    pub kind: EntryKind,
}

#[derive(Debug, Clone)]
pub enum EntryKind {
    /// A regular file; `format` is `None` for formats chartmill does not read.
    File { format: Option<Format>, size: u64, mtime: i64 },
    /// Page files of one folder, read as one multi-page file: at least two,
    /// in page order (see [`page_sequences`]).
    Sequence { members: Vec<Member> },
    /// A folder or file that could not be walked (permission, symbolic link loop, ...).
    Problem(String),
}

/// One page file of a sequence, as the walk saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Absolute path.
    pub path: PathBuf,
    /// The file name, lossily made UTF-8, for display.
    pub name: String,
    /// The format its name promises (PNG, JPEG or TIFF).
    pub format: Format,
    pub size: u64,
    pub mtime: i64,
}

/// What a walk does besides listing files.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Numbered page files of a folder are one entry (`[documents] page_files`).
    pub page_files: bool,
}

/// Walks `roots` recursively (following symbolic links, reporting loops),
/// sorted by name, leaving out `exclude` (the store itself, if it lies
/// inside). A sequence of page files takes the place of its first member by
/// name; its other members are not listed on their own.
pub fn walk<'a>(roots: &'a [PathBuf], exclude: &'a Path, options: Options) -> impl Iterator<Item = Entry> + 'a {
    roots.iter().flat_map(move |root| {
        let root_abs = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        let shown_root = root_abs.clone();
        // The page sequences of each folder the walk is in, by depth.
        let mut folders: Vec<Folder> = Vec::new();
        walkdir::WalkDir::new(root_abs)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(move |e| e.path() != exclude)
            .filter_map(move |item| {
                if let (true, Ok(e)) = (options.page_files, &item) {
                    if e.file_type().is_dir() {
                        folders.truncate(e.depth());
                        folders.push(Folder::read(e.path()));
                        return None;
                    }
                    let folder = e.depth().checked_sub(1).and_then(|d| folders.get_mut(d));
                    match folder.and_then(|f| f.claim(e.file_name())) {
                        None => {}
                        Some(Claim::Taken) => return None,
                        Some(Claim::First(path, members)) => {
                            let source = relative(&shown_root, &path);
                            return Some(Entry { path, source, kind: EntryKind::Sequence { members } });
                        }
                    }
                }
                entry(&shown_root, item)
            })
    })
}

/// The page sequences of one folder, and which of them the walk has listed.
#[derive(Default)]
struct Folder {
    /// Member file name → its sequence (an index into `sequences`).
    member_of: std::collections::HashMap<OsString, usize>,
    /// Each sequence's path and members; `None` once listed.
    sequences: Vec<Option<(PathBuf, Vec<Member>)>>,
}

enum Claim {
    /// The first member met: the walk lists the sequence in its place.
    First(PathBuf, Vec<Member>),
    /// A member of a sequence already listed.
    Taken,
}

impl Folder {
    /// Groups the files of `dir` into page sequences. A sequence one of
    /// whose members is not a regular file that can be looked at, or whose
    /// pattern names an entry of the folder, is none: its files are walked
    /// one by one (and their problems recorded) as without sequences.
    fn read(dir: &Path) -> Folder {
        use std::os::unix::fs::MetadataExt;
        let Ok(listing) = std::fs::read_dir(dir) else { return Folder::default() };
        let names: Vec<OsString> = listing.filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        let mut folder = Folder::default();
        for (pattern, names) in page_sequences(&names) {
            let path = dir.join(&pattern);
            if std::fs::symlink_metadata(&path).is_ok() {
                continue;
            }
            let members: Option<Vec<Member>> = names
                .iter()
                .map(|name| {
                    let path = dir.join(name);
                    let m = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
                    let format = Format::from_path(&path)?;
                    let name = name.to_string_lossy().into_owned();
                    Some(Member { path, name, format, size: m.len(), mtime: m.mtime() })
                })
                .collect();
            let Some(members) = members else { continue };
            for name in names {
                folder.member_of.insert(name, folder.sequences.len());
            }
            folder.sequences.push(Some((path, members)));
        }
        folder
    }

    /// Whether the file `name` of this folder belongs to a sequence.
    fn claim(&mut self, name: &OsStr) -> Option<Claim> {
        let &i = self.member_of.get(name)?;
        Some(match self.sequences[i].take() {
            Some((path, members)) => Claim::First(path, members),
            None => Claim::Taken,
        })
    }
}

/// A file name as PREFIX DIGITS SUFFIX: DIGITS is the last run of digits
/// before the extension, SUFFIX what follows it (the extension included).
struct Numbered<'a> {
    prefix: &'a [u8],
    digits: &'a [u8],
    /// Between the digits and the extension's dot.
    rest: &'a [u8],
    /// From the extension's dot on.
    ext: &'a [u8],
}

fn numbered(name: &[u8]) -> Option<Numbered<'_>> {
    let dot = name.iter().rposition(|&b| b == b'.')?;
    let (stem, ext) = name.split_at(dot);
    let end = stem.iter().rposition(u8::is_ascii_digit)? + 1;
    let start = stem[..end].iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |i| i + 1);
    Some(Numbered { prefix: &stem[..start], digits: &stem[start..end], rest: &stem[end..], ext })
}

/// Page order: the number's value (`page-2` before `page-10`, of any
/// length), then the name.
fn page_order(a: &Numbered, a_name: &[u8], b: &Numbered, b_name: &[u8]) -> std::cmp::Ordering {
    let value = |d: &[u8]| {
        let d = &d[d.iter().position(|&b| b != b'0').unwrap_or(d.len())..];
        (d.len(), d.to_vec())
    };
    value(a.digits).cmp(&value(b.digits)).then_with(|| a_name.cmp(b_name))
}

/// Which of a folder's file names (`names`, its whole listing) are page
/// sequences: for each, the pattern that names it (`page-*.tif`) and its
/// members in page order.
///
/// Files named PREFIX DIGITS SUFFIX with one PREFIX are one sequence when
/// there are at least two of them, all PNG, JPEG or TIFF by their names, all
/// with one SUFFIX (the extension's case aside). Numbered files with one
/// PREFIX that mix formats or suffixes (`scan_0001.png`, `scan_0002.pdf`,
/// `scan_0003.png`) are separate scans, not one scan's pages: none of them
/// is in a sequence. Files of other formats (`page-1.xml`) do not count.
pub fn page_sequences(names: &[OsString]) -> Vec<(OsString, Vec<OsString>)> {
    let mut by_prefix: BTreeMap<&[u8], Vec<(Numbered, Format, &OsString)>> = BTreeMap::new();
    for name in names {
        let Some(format) = Format::from_path(Path::new(name)) else { continue };
        let Some(n) = numbered(name.as_bytes()) else { continue };
        by_prefix.entry(n.prefix).or_default().push((n, format, name));
    }
    let mut sequences = Vec::new();
    for (prefix, mut files) in by_prefix {
        let (rest, ext) = (files[0].0.rest, files[0].0.ext);
        let one_kind = files
            .iter()
            .all(|(n, format, _)| *format != Format::Pdf && n.rest == rest && n.ext.eq_ignore_ascii_case(ext));
        if files.len() < 2 || !one_kind {
            continue;
        }
        files.sort_by(|(a, _, a_name), (b, _, b_name)| page_order(a, a_name.as_bytes(), b, b_name.as_bytes()));
        let first = &files[0].0;
        let pattern = [prefix, b"*", first.rest, first.ext].concat();
        sequences.push((OsString::from_vec(pattern), files.into_iter().map(|(_, _, name)| name.clone()).collect()));
    }
    sequences
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The sequences among `names`, as (pattern, members) strings.
    fn check(names: &[&str]) -> Vec<(String, Vec<String>)> {
        let names: Vec<OsString> = names.iter().map(OsString::from).collect();
        page_sequences(&names)
            .into_iter()
            .map(|(p, m)| {
                (p.to_string_lossy().into_owned(), m.iter().map(|n| n.to_string_lossy().into_owned()).collect())
            })
            .collect()
    }

    fn one(pattern: &str, members: &[&str]) -> Vec<(String, Vec<String>)> {
        vec![(pattern.to_string(), members.iter().map(|m| m.to_string()).collect())]
    }

    #[test]
    fn page_files_are_in_natural_order() {
        let names = ["page-10.tif", "page-2.tif", "page-1.tif", "page-9.tif"];
        assert_eq!(check(&names), one("page-*.tif", &["page-1.tif", "page-2.tif", "page-9.tif", "page-10.tif"]));
        assert_eq!(check(&["p10.png", "p9.png"]), one("p*.png", &["p9.png", "p10.png"]));
        // Zero-padded, numbers longer than any integer, the same value twice (by name then).
        assert_eq!(check(&["page-002.tif", "page-001.tif"]), one("page-*.tif", &["page-001.tif", "page-002.tif"]));
        let long = ["s123456789012345678901234567890.png", "s99999999999999999999999999999.png"];
        assert_eq!(check(&long), one("s*.png", &[long[1], long[0]]));
        assert_eq!(check(&["page-1.tif", "page-01.tif"]), one("page-*.tif", &["page-01.tif", "page-1.tif"]));
        // The last number before the extension counts; no prefix at all is one prefix.
        assert_eq!(
            check(&["IMG_20240105_0002.jpg", "IMG_20240105_0001.jpg"]),
            one("IMG_20240105_*.jpg", &["IMG_20240105_0001.jpg", "IMG_20240105_0002.jpg"])
        );
        assert_eq!(check(&["0002.png", "0001.png"]), one("*.png", &["0001.png", "0002.png"]));
    }

    #[test]
    fn what_is_and_is_not_a_page_sequence() {
        // Another suffix after the number, the extension's case aside.
        assert_eq!(
            check(&["page-1_front.TIF", "page-2_front.tif"]),
            one("page-*_front.TIF", &["page-1_front.TIF", "page-2_front.tif"])
        );
        // Files of formats chartmill does not read do not count.
        assert_eq!(
            check(&["page-1.tif", "page-1.xml", "page-2.tif", "notes.txt"]),
            one("page-*.tif", &["page-1.tif", "page-2.tif"])
        );
        // Two prefixes: two sequences.
        assert_eq!(check(&["a1.png", "a2.png", "b1.png", "b2.png"]).len(), 2);
        let none: Vec<&[&str]> = vec![
            &["page-1.tif"],                                              // a single file
            &["a1.png", "b2.png"],                                        // different prefixes
            &["page-1.png", "page-2.tif"],                                // mixed extensions
            &["scan_0001.png", "scan_0002.tif", "scan_0003.png"],         // separate scans, numbered in one run
            &["page-1.pdf", "page-2.pdf"],                                // PDFs
            &["scan_1.png", "scan_2.pdf", "scan_3.png"],                  // a PDF in the run
            &["page-1_front.tif", "page-1_back.tif", "page-2_front.tif"], // fronts and backs
            &["page.tif", "page-a.tif", "cover.png"],                     // no numbers
            &["page-1", "page-2"],                                        // no extension
        ];
        for names in none {
            assert_eq!(check(names), vec![], "{names:?}");
        }
    }

    fn walked(root: &Path, page_files: bool) -> Vec<(String, String)> {
        walk(&[root.to_path_buf()], Path::new("/nonexistent"), Options { page_files })
            .map(|e| {
                let what = match e.kind {
                    EntryKind::File { .. } => "file".to_string(),
                    EntryKind::Sequence { members } => {
                        members.iter().map(|m| format!("{}:{}", m.name, m.size)).collect::<Vec<_>>().join(",")
                    }
                    EntryKind::Problem(why) => why,
                };
                (e.source, what)
            })
            .collect()
    }

    #[test]
    fn a_walk_lists_a_sequence_once_in_place_of_its_first_member() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (name, bytes) in
            [("page-1.png", 1), ("page-10.png", 10), ("page-2.png", 2), ("cover.png", 5), ("notes.txt", 3)]
        {
            std::fs::write(root.join(name), vec![0u8; bytes]).unwrap();
        }
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/x1.tif"), b"a").unwrap();
        std::fs::write(root.join("sub/x2.tif"), b"b").unwrap();
        std::fs::write(root.join("zz3.png"), b"c").unwrap();
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            walked(root, true),
            vec![
                s("cover.png", "file"),
                s("notes.txt", "file"),
                s("page-*.png", "page-1.png:1,page-2.png:2,page-10.png:10"),
                s("sub/x*.tif", "x1.tif:1,x2.tif:1"),
                s("zz3.png", "file"),
            ]
        );
        let files: Vec<String> = walked(root, false).into_iter().map(|(source, _)| source).collect();
        assert_eq!(
            files,
            [
                "cover.png",
                "notes.txt",
                "page-1.png",
                "page-10.png",
                "page-2.png",
                "sub/x1.tif",
                "sub/x2.tif",
                "zz3.png"
            ]
        );
        // A file named like the pattern: no sequence, the files one by one.
        std::fs::write(root.join("page-*.png"), b"odd").unwrap();
        let files: Vec<String> = walked(root, true).into_iter().map(|(source, _)| source).collect();
        assert!(files.contains(&"page-1.png".to_string()) && files.contains(&"page-*.png".to_string()), "{files:?}");
        assert!(files.contains(&"sub/x*.tif".to_string()), "{files:?}");
    }
}
