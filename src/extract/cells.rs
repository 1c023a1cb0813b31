//! Reading a form from where its words are: a heading in a box or a table
//! cell, and the value printed beside, under or over it.
//!
//! Tesseract's plain text loses a form's columns: a row of headings comes out
//! as one line and its values as the next, with nothing to say which value
//! sits under which heading. This pass rebuilds rows and cells from the word
//! boxes (a cell is a run of words without a wide gap or a box rule between
//! them) and pairs each identifier heading ("MEDICAL RECORD NUMBER", "DOB",
//! "Chart #") with the cell to its right or the cell aligned with it in the
//! row below or above. Which of below and above a page uses is decided by
//! the page as a whole: the direction in which more headings find a value of
//! their kind. A value counts only when it reads as its kind (an MRN in the
//! site's format that is not a date, a valid date, a name), and everything
//! found here is *added* to what the text pass found, so a misreading can
//! only create a contradiction, which sends the page to review; it never
//! replaces a value.

use super::{
    find_labels, headings, push_unique, read_date, read_date_at, read_mrn, read_name, take, ExtractConfig, Extracted,
    Found, Kind, MrnFormat,
};
use crate::model::Word;
use regex::Regex;

/// A run of words on one row, without a wide gap or a rule between them.
#[derive(Debug, Clone)]
struct Cell {
    text: String,
    x0: u32,
    x1: u32,
    /// The top and bottom of its words.
    y0: u32,
    y1: u32,
}

/// Adds the identifiers that the page's cells pair up to `out`. Returns
/// whether the page prints its captions *under* the values (paper forms),
/// as far as its headings show: then a label's value is not on the next line.
pub(super) fn read_cells(
    words: &[Word],
    cfg: &ExtractConfig,
    mrn_format: &MrnFormat,
    extra: &[Regex],
    out: &mut Extracted,
) -> bool {
    let rows = join_split_headings(rows_of_cells(words), extra);
    read_imprint(&rows, cfg, mrn_format, extra, out);
    let labels: Vec<Vec<Option<Kind>>> =
        rows.iter().map(|r| r.iter().map(|c| heading_kind(&c.text, extra)).collect()).collect();
    let value_at = |r: usize, c: usize| -> Option<&str> {
        labels[r][c].is_none().then(|| rows[r][c].text.as_str()).filter(|t| find_labels(t, extra).is_empty())
    };
    // The aligned cell in row `r2` under/over cell (r, c): the one overlapping it most.
    let aligned = |r: usize, c: usize, r2: usize| -> Option<usize> {
        let h = &rows[r][c];
        rows[r2]
            .iter()
            .enumerate()
            .map(|(i, v)| (i, h.x1.min(v.x1) as i64 - h.x0.max(v.x0) as i64))
            .filter(|&(_, overlap)| overlap > 0)
            .max_by_key(|&(_, overlap)| overlap)
            .map(|(i, _)| i)
    };
    // The value under (`down`) or over cell (r, c): the aligned cell of the
    // next row, or, when that row has nothing in the cell's column (a row of
    // the header's other column, printed between the caption and its value),
    // of the nearest row within two of the cell's heights of it.
    let next_to = |r: usize, c: usize, down: bool| -> Option<(usize, usize)> {
        let h = &rows[r][c];
        let reach = 2 * (h.y1 - h.y0).max(1);
        let mut r2 = r;
        loop {
            r2 = if down { r2 + 1 } else { r2.checked_sub(1)? };
            let row = rows.get(r2)?;
            let far = if down {
                row.iter().map(|v| v.y0).min()?.saturating_sub(h.y1)
            } else {
                h.y0.saturating_sub(row.iter().map(|v| v.y1).max()?)
            };
            if r2 != if down { r + 1 } else { r - 1 } && far > reach {
                return None;
            }
            if let Some(i) = aligned(r, c, r2) {
                return value_at(r2, i).map(|_| (r2, i));
            }
        }
    };
    // What the value in cell (r, i) may be: the cell, then the cell joined
    // with its close neighbours in the row (values, not headings), for a
    // value whose words OCR spaced wider than the row's cells are apart
    // ("Mar 3," and "1975"; "CULPEPPER-NASH," and "BARNABY"), each cell
    // starting with a capital or a digit (not a dot leader read as "aan").
    // `leftwards`: neighbours on the left may be joined too (not for a value
    // beside its heading, which is on its left).
    let values_at = |(r, i): (usize, usize), leftwards: bool| -> Vec<String> {
        let row = &rows[r];
        let part =
            |a: usize| value_at(r, a).is_some_and(|t| t.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()));
        let close = |a: usize| {
            let h = row[a].y1.saturating_sub(row[a].y0).max(row[a + 1].y1.saturating_sub(row[a + 1].y0));
            row[a + 1].x0.saturating_sub(row[a].x1) <= 5 * h / 2 && part(a) && part(a + 1)
        };
        let mut out = vec![row[i].text.clone()];
        let (mut from, mut to) = (i, i);
        for _ in 0..2 {
            if to + 1 < row.len() && close(to) {
                to += 1;
                out.push(row[from..=to].iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join(" "));
            }
            if leftwards && from > 0 && close(from - 1) {
                from -= 1;
                out.push(row[from..=to].iter().map(|c| c.text.as_str()).collect::<Vec<_>>().join(" "));
            }
        }
        out
    };
    let fits = |kind: Kind, v: &str| valid(kind, v, cfg, mrn_format);
    struct Heading {
        kind: Kind,
        right: Option<String>,
        below: Option<String>,
        above: Option<String>,
    }
    let mut found: Vec<Heading> = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, label) in labels[r].iter().enumerate() {
            let identifier = |k: &Kind| {
                matches!(k, Kind::Name | Kind::Mrn | Kind::Birth | Kind::Service | Kind::FamilyName | Kind::GivenName)
            };
            let Some(kind) = label.filter(identifier) else {
                continue;
            };
            let mut right = (c + 1 < row.len() && value_at(r, c + 1).is_some()).then(|| values_at((r, c + 1), false));
            // A dot leader OCR read as a short word of round letters ("reer",
            // "aan") between the heading and its value.
            if let Some(v) = right.as_mut().filter(|v| super::leader_letters(&v[0], 1) && c + 2 < row.len()) {
                if value_at(r, c + 2).is_some() {
                    v.splice(1..1, values_at((r, c + 2), false));
                }
            }
            let below = next_to(r, c, true).map(|at| values_at(at, true));
            let above = next_to(r, c, false).map(|at| values_at(at, true));
            let keep = |v: &Option<Vec<String>>| v.iter().flatten().find(|v| fits(kind, v)).cloned();
            // A number beside the heading that does not read as its value
            // (a misread MRN, "99/09/1991") is its value all the same: the
            // cells under and over it belong to other headings.
            let numbered = right.as_ref().is_some_and(|v| v[0].chars().any(|c| c.is_ascii_digit()));
            let (below, above) = if numbered && keep(&right).is_none() { (None, None) } else { (below, above) };
            found.push(Heading { kind, right: keep(&right), below: keep(&below), above: keep(&above) });
        }
    }
    // The page's direction for values not beside their heading.
    let unpaired = found.iter().filter(|h| h.right.is_none());
    let (below, above) =
        unpaired.fold((0, 0), |(b, a), h| (b + h.below.is_some() as u32, a + h.above.is_some() as u32));
    let (mut family, mut given) = (None, None);
    for h in found {
        let value = h.right.or(if below >= above { h.below } else { h.above });
        let Some(value) = value else { continue };
        match h.kind {
            // A name in two boxes (a requisition's LAST NAME, FIRST NAME).
            Kind::FamilyName => family = family.or(Some(value)),
            Kind::GivenName => given = given.or(Some(value)),
            kind => take(kind, &value, cfg, mrn_format, out),
        }
    }
    if let (Some(f), Some(g)) = (family, given) {
        take(Kind::Name, &format!("{f}, {g}"), cfg, mrn_format, out);
    }
    above >= 2 && above > below
}

/// An addressograph imprint or embossed patient card: no labels, but a
/// fixed form that says what each line is. A name in capitals (family name
/// first, as cards print it), and under
/// it, starting at the same place, within the next few rows: one number in
/// the site's MRN format alone on its line, and a date followed by the
/// patient's sex ("03/03/75  M"), which is what makes it the date of birth.
/// The name and the date must be there, and one MRN or none (OCR drops an
/// embossed card's MRN line); then they are read as the page's name, MRN and
/// date of birth, and filed on like labelled ones (so a card of another
/// patient on the page is a second MRN, and goes to review). A date read
/// only after an OCR correction ("62/19/69") stays a corrected reading.
/// Returns the rows (top, bottom) of each imprint read.
fn read_imprint(
    rows: &[Vec<Cell>],
    cfg: &ExtractConfig,
    mrn_format: &MrnFormat,
    extra: &[Regex],
    out: &mut Extracted,
) -> Vec<(u32, u32)> {
    let mut spans = Vec::new();
    static SEX: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let sex = SEX.get_or_init(|| Regex::new(r"^(?:M|F|U|X|MALE|FEMALE)\b").expect("sex pattern compiles"));
    let plain = |t: &str| find_labels(t, extra).is_empty() && heading_kind(t, extra).is_none();
    // OCR's specks and quote marks at a cell's ends ("‘ESTERBROOK,",
    // "DELPHINE.|", "- 58136924:") are not part of it.
    let bare = |t: &str| t.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let capitals = |t: &str| {
        let t = bare(t);
        t.chars().any(|c| c.is_ascii_uppercase()) && t.chars().all(|c| c.is_ascii_uppercase() || " ,;.'-".contains(c))
    };
    // Cells of the rows next to row `r` level with `cell` (overlapping at
    // least half the lower one's height) and close beside it, after it
    // (`after`) or before it: a box made tall by a speck, or a card's
    // bigger type for the family name, moves a row's centre so far that
    // the rest of the name line starts a row of its own ("LARKSPUR" over
    // "TAMSIN L", level with it).
    let beside = |r: usize, cell: &Cell, after: bool| -> Vec<&Cell> {
        let h = cell.y1 - cell.y0;
        let level = |x: &Cell| 2 * x.y1.min(cell.y1).saturating_sub(x.y0.max(cell.y0)) >= (x.y1 - x.y0).min(h);
        let close = |x: &Cell| match after {
            true => x.x0 >= cell.x1 && x.x0 - cell.x1 <= 3 * h,
            false => x.x1 <= cell.x0 && cell.x0 - x.x1 <= 3 * h,
        };
        let around = [r.checked_sub(1), Some(r + 1)];
        around.into_iter().flatten().filter_map(|i| rows.get(i)).flatten().filter(|x| level(x) && close(x)).collect()
    };
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // A name starts with a cell of capitals, not after one.
            let after_capitals =
                c > 0 && capitals(&row[c - 1].text) || beside(r, cell, false).iter().any(|x| capitals(&x.text));
            if !capitals(&cell.text) || after_capitals {
                continue;
            }
            // A card's wide monospaced letters may part the name into cells:
            // the capitals of the cells after it join it, and those level
            // with it just after it on the rows next to it.
            let mut parts: Vec<&Cell> = row[c..].iter().collect();
            let mut last = cell;
            while let Some(next) = beside(r, last, true).into_iter().find(|x| capitals(&x.text)) {
                if parts.iter().any(|p| std::ptr::eq(*p, next)) || parts.len() > 6 {
                    break;
                }
                parts.push(next);
                last = next;
            }
            parts.sort_by_key(|x| x.x0);
            let joined: Vec<String> =
                parts.iter().map(|x| x.text.as_str()).take_while(|t| capitals(t)).take(3).map(bare).collect();
            // A semicolon after the family name is OCR's reading of its comma.
            let joined = joined.join(" ").replace(';', ",");
            let text = joined.trim_matches(|c: char| !c.is_alphanumeric());
            let words = text.split_whitespace().count();
            let title = ["DR", "DR.", "MD", "DO"].iter().any(|t| text.split_whitespace().next() == Some(*t));
            if !(2..=4).contains(&words) || title || !plain(text) {
                continue;
            }
            // Cards print the family name first, with or without a comma.
            let Some(name) = (match text.split_once(' ') {
                Some((family, rest)) if !text.contains(',') => read_name(&format!("{family}, {rest}")),
                _ => read_name(text),
            }) else {
                continue;
            };
            // The cells under the name that start where it starts, each
            // with the cell after it on its row (the sex after a wide gap).
            let under: Vec<(String, String, u32, u32)> = rows[r + 1..]
                .iter()
                .take(6)
                .filter_map(|row| {
                    let i = row.iter().position(|c| c.x0.abs_diff(cell.x0) <= 40)?;
                    let next = row.get(i + 1).map(|c| c.text.as_str()).unwrap_or("");
                    let text = bare(&row[i].text);
                    Some((text.clone(), format!("{text} {next}"), row[i].y0, row[i].y1))
                })
                .take(3)
                .collect();
            let mrns: Vec<Found<String>> = under
                .iter()
                .map(|(t, _, _, _)| t.as_str())
                // Alone on its line: the cell is one MRN ("06219984", "0621 9984").
                .filter(|t| mrn_format.normalise(t).is_some() && valid(Kind::Mrn, t, cfg, mrn_format))
                .filter_map(|t| read_mrn(t, mrn_format))
                .collect();
            let date_and_sex = |t: &str| {
                let (d, end) = read_date_at(t, cfg, true)?;
                let (date, rest) = (t.get(..end)?, t.get(end..)?.trim_start_matches([' ', ',', '.', '|']));
                (date.split_whitespace().count() <= 3 && sex.is_match(rest)).then_some(d)
            };
            let births: Vec<Found<super::Date>> = under.iter().filter_map(|u| date_and_sex(&u.1)).collect();
            // The card's MRN line may be dropped by OCR: its name and date
            // of birth are still the page's (they can only contradict a
            // patient or suggest one; filing needs an MRN), when the date is
            // the first line under the name, at most three of its heights
            // below it (the dropped line between them).
            let close = |u: &(String, String, u32, u32)| u.2.saturating_sub(cell.y1) <= 3 * (cell.y1 - cell.y0);
            let mrn = match mrns.as_slice() {
                [mrn] => Some(mrn),
                [] if under.first().is_some_and(|u| close(u) && date_and_sex(&u.1).is_some()) => None,
                _ => continue,
            };
            if let [birth] = births.as_slice() {
                mrn.into_iter().for_each(|m| push_unique(&mut out.mrn, m.clone()));
                push_unique(&mut out.birth_date, birth.clone());
                if !out.name.contains(&name) {
                    out.name.push(name);
                }
                spans.push((cell.y0, under.iter().map(|u| u.3).max().unwrap_or(cell.y1)));
            }
        }
    }
    spans
}

/// The band of the page that holds its patient header, as (top, bottom) in
/// pixels: the rows with an identifier's label or heading (the patient's
/// name, MRN, date of birth, account, dates of service), the largest group
/// of them (rows less than five line heights apart, a line height being the
/// page's median word height; the highest of equal groups), three line
/// heights above it (values over their captions) and six below (the
/// unlabelled lines of a card or imprint). The rows of an addressograph
/// imprint count as labelled. `None` when no row has such a label.
pub(super) fn header_band(
    words: &[Word],
    cfg: &ExtractConfig,
    mrn_format: &MrnFormat,
    extra: &[Regex],
) -> Option<(u32, u32)> {
    let rows = join_split_headings(rows_of_cells(words), extra);
    let imprints = read_imprint(&rows, cfg, mrn_format, extra, &mut Extracted::default());
    let identifier = |k: Kind| {
        matches!(
            k,
            Kind::Mrn
                | Kind::Name
                | Kind::Birth
                | Kind::Service
                | Kind::Account
                | Kind::AccountMrn
                | Kind::FamilyName
                | Kind::GivenName
        )
    };
    let labelled = |c: &Cell| {
        find_labels(&c.text, extra).iter().any(|l| identifier(l.2))
            || heading_kind(&c.text, extra).is_some_and(identifier)
    };
    let line = median_height(&words.iter().filter(|w| w.h > 0).collect::<Vec<_>>()).max(1);
    // (top, bottom) of each labelled row.
    let span = |r: &Vec<Cell>| (r.iter().map(|c| c.y0).min().unwrap_or(0), r.iter().map(|c| c.y1).max().unwrap_or(0));
    let in_imprint = |r: &Vec<Cell>| {
        let (top, bottom) = span(r);
        imprints.iter().any(|&(t, b)| top < b && bottom > t)
    };
    let marked: Vec<(u32, u32)> = rows.iter().filter(|r| r.iter().any(labelled) || in_imprint(r)).map(span).collect();
    let mut groups: Vec<Vec<(u32, u32)>> = Vec::new();
    for m in marked {
        match groups.last_mut() {
            Some(g) if m.0.saturating_sub(g.last().expect("groups are not empty").1) < 5 * line => g.push(m),
            _ => groups.push(vec![m]),
        }
    }
    let best = groups.iter().rev().max_by_key(|g| g.len())?;
    let top = best.first()?.0.saturating_sub(3 * line);
    let bottom = best.last()?.1 + 6 * line;
    Some((top, bottom))
}

/// Joins the cells of a heading that a wide space split ("Birth" "Date"
/// in a serif font whose words OCR boxes at cap height): two neighbours on
/// a row, less than three of their heights apart, that read as one heading
/// together but are not two headings apart.
fn join_split_headings(rows: Vec<Vec<Cell>>, extra: &[Regex]) -> Vec<Vec<Cell>> {
    rows.into_iter()
        .map(|row| {
            let mut out: Vec<Cell> = Vec::with_capacity(row.len());
            for cell in row {
                if let Some(last) = out.last_mut() {
                    let h = (last.y1 - last.y0).min(cell.y1 - cell.y0).max(1);
                    let joined = format!("{} {}", last.text, cell.text);
                    let apart = heading_kind(&last.text, extra).is_some() && heading_kind(&cell.text, extra).is_some();
                    if cell.x0.saturating_sub(last.x1) < 3 * h && !apart && heading_kind(&joined, extra).is_some() {
                        last.text = joined;
                        last.x1 = last.x1.max(cell.x1);
                        last.y0 = last.y0.min(cell.y0);
                        last.y1 = last.y1.max(cell.y1);
                        continue;
                    }
                }
                out.push(cell);
            }
            out
        })
        .collect()
}

/// The lines around the first word that is the MRN `value` (OCR's specks
/// aside): six of the page's line heights above and below it.
pub(super) fn band_around(words: &[Word], value: &str, mrn_format: &MrnFormat) -> Option<(u32, u32)> {
    let line = median_height(&words.iter().filter(|w| w.h > 0).collect::<Vec<_>>()).max(1);
    let is_value = |w: &&Word| {
        let t = w.text.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        t == value || mrn_format.normalise(t).is_some_and(|m| m == value)
    };
    let w = words.iter().find(is_value)?;
    Some((w.y.saturating_sub(6 * line), w.y + w.h + 6 * line))
}

/// Whether `v` reads as a value of `kind`, cleanly (no OCR correction).
fn valid(kind: Kind, v: &str, cfg: &ExtractConfig, mrn_format: &MrnFormat) -> bool {
    match kind {
        Kind::Mrn => read_date(v, cfg, false).is_none() && read_mrn(v, mrn_format).is_some_and(|m| !m.corrected),
        Kind::Birth | Kind::Service => read_date(v, cfg, kind == Kind::Birth).is_some_and(|d| !d.corrected),
        Kind::Name => v.split_whitespace().count() <= 5 && !crate::documents::has_title(v) && read_name(v).is_some(),
        // One word of letters (a box holds only its part of the name).
        Kind::FamilyName | Kind::GivenName => {
            let w = v.trim();
            w.chars().count() >= 2
                && w.starts_with(|c: char| c.is_uppercase())
                && w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'')
                && heading_kind(w, &[]).is_none()
        }
        _ => false,
    }
}

/// The kind of a cell that is a heading and nothing else, if it is one.
/// Parenthesised hints ("(LAST, FIRST)", "(MM/DD/YYYY)") are not part of it.
fn heading_kind(text: &str, extra: &[Regex]) -> Option<Kind> {
    let mut t = String::new();
    let mut depth = 0;
    for ch in text.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = (depth - 1).max(0),
            _ if depth == 0 => t.push(ch),
            _ => {}
        }
    }
    let punct: &[char] = &[':', ' ', '.', ',', ';', '-', '\'', '"', '‘', '’', '“', '”', '[', ']', '|'];
    let t = super::mend_heading_words(t.trim_matches(punct));
    let t = &*t;
    if t.is_empty() {
        return None;
    }
    if let [(0, end, kind)] = find_labels(t, extra).as_slice() {
        if t[*end..].trim_matches(punct).is_empty() {
            return Some(*kind);
        }
    }
    if super::bare_name_label(t) {
        return Some(Kind::Name);
    }
    headings().iter().find_map(|(kind, re)| re.find(t).filter(|m| m.start() == 0 && m.end() == t.len()).map(|_| *kind))
}

/// Box rules and dot leaders, as OCR reads them: they end a cell.
fn is_divider(word: &str) -> bool {
    let w = word.trim();
    if !w.is_empty() && w.chars().all(|c| matches!(c, '|' | '!' | '[' | ']' | '_' | '—' | '–' | '¦' | '‖')) {
        return true;
    }
    // Dot leaders: "........", "uoeeeecseeeeeees" (dots read as letters).
    super::is_leader(w)
}

/// [`rows_of_cells`], as text: "x0 [text]" per cell.
pub(super) fn describe_rows(words: &[Word]) -> Vec<String> {
    rows_of_cells(words)
        .iter()
        .map(|r| r.iter().map(|c| format!("{},{} [{}]", c.x0, c.y0, c.text)).collect::<Vec<_>>().join("  "))
        .collect()
}

/// The page's rows (top to bottom), each split into cells (left to right).
fn rows_of_cells(words: &[Word]) -> Vec<Vec<Cell>> {
    let mut ws: Vec<&Word> = words.iter().filter(|w| w.h > 0 && !w.text.trim().is_empty()).collect();
    ws.sort_by_key(|w| w.y + w.h / 2);
    // A word joins the row whose running centre is within half a word height,
    // unless it stands under or over one of the row's words: a row made tall
    // by boxes that took in specks reaches the line below, whose label
    // ("Born" under "BEATRIX") is no part of it.
    let mut rows: Vec<Vec<&Word>> = Vec::new();
    for w in ws {
        let centre = (w.y + w.h / 2) as f32;
        let joins = rows.last().is_some_and(|r| {
            let c = r.iter().map(|x| (x.y + x.h / 2) as f32).sum::<f32>() / r.len() as f32;
            let h = text_height(r) as f32;
            // Words, not specks or rules: two letters or digits each, the
            // one's centre outside the other's top and bottom.
            let word = |v: &Word| letters(v) >= 2;
            let stacked = word(w)
                && r.iter().filter(|x| word(x)).any(|x| {
                    let overlap = (x.x + x.w).min(w.x + w.w) as i64 - x.x.max(w.x) as i64;
                    let apart = !(x.y..=x.y + x.h).contains(&(w.y + w.h / 2));
                    overlap > i64::from(x.w.min(w.w) / 2) && apart
                });
            (centre - c).abs() <= 0.6 * h.max(w.h as f32) && !stacked
        });
        if joins {
            rows.last_mut().expect("a row exists").push(w);
        } else {
            rows.push(vec![w]);
        }
    }
    rows.into_iter()
        .map(|mut r| {
            r.sort_by_key(|w| w.x);
            let line_h = text_height(&r);
            let gap = (line_h as f32 * 1.2).max(8.0) as u32;
            let mut cells: Vec<Cell> = Vec::new();
            let mut open = false;
            let mut last_x1 = 0;
            for w in r {
                // A long flat "word" well under the line's height is a dot
                // leader or a rule, whatever letters OCR made of it; a
                // letter that small, a speck of one ("p").
                let flat = w.h * 2 < line_h && (w.w > 3 * w.h || letters(w) < 2);
                if flat || is_divider(&w.text) {
                    open = false;
                    continue;
                }
                let far = w.x.saturating_sub(last_x1) > gap;
                match cells.last_mut() {
                    Some(cell) if open && !far => {
                        cell.text.push(' ');
                        cell.text.push_str(w.text.trim());
                        cell.x1 = cell.x1.max(w.x + w.w);
                        cell.y0 = cell.y0.min(w.y);
                        cell.y1 = cell.y1.max(w.y + w.h);
                    }
                    _ => cells.push(Cell {
                        text: w.text.trim().to_string(),
                        x0: w.x,
                        x1: w.x + w.w,
                        y0: w.y,
                        y1: w.y + w.h,
                    }),
                }
                open = true;
                last_x1 = w.x + w.w;
            }
            cells
        })
        // A row of specks only ("~", "."), between a row of values and its
        // headings, is no row: it would keep them from being paired.
        .filter(|r| r.iter().any(|c| c.text.chars().any(char::is_alphanumeric)))
        .collect()
}

/// The height of a row's text: the median height of its words of two
/// letters or digits or more that are not flat (a dot leader OCR read as
/// letters, "neeegeeeneee" 104 by 5 pixels, is far wider per letter than it
/// is high); of all its words when it has none. Leaders and specks would
/// make it a few pixels, so that the words of one label ("Birth  Date")
/// fall into cells of their own and a speck starts a row.
fn text_height(words: &[&Word]) -> u32 {
    let text: Vec<&Word> = words
        .iter()
        .copied()
        .filter(|w| letters(w) >= 2 && 5 * w.h * w.text.chars().count() as u32 >= 4 * w.w)
        .collect();
    median_height(if text.is_empty() { words } else { &text })
}

/// How many letters and digits a word has.
fn letters(w: &Word) -> usize {
    w.text.chars().filter(|c| c.is_alphanumeric()).count()
}

fn median_height(words: &[&Word]) -> u32 {
    let mut h: Vec<u32> = words.iter().map(|w| w.h).collect();
    h.sort_unstable();
    h.get(h.len() / 2).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words laid out on a grid of text rows: (text, x, row).
    fn words(spec: &[(&str, u32, u32)]) -> Vec<Word> {
        spec.iter().map(|&(t, x, row)| Word::at(t, x, 100 + row * 60, 18 * t.chars().count() as u32, 30)).collect()
    }

    fn read(ws: &[Word]) -> Extracted {
        let cfg = ExtractConfig::default();
        let mrn_format = MrnFormat::new(&cfg).unwrap();
        let mut out = Extracted::default();
        read_cells(ws, &cfg, &mrn_format, &[], &mut out);
        out
    }

    fn dobs(e: &Extracted) -> Vec<String> {
        e.birth_date.iter().map(|d| d.value.to_string()).collect()
    }

    fn mrns(e: &Extracted) -> Vec<String> {
        e.mrn.iter().map(|m| m.value.clone()).collect()
    }

    #[test]
    fn captions_above_values() {
        // PATIENT | FIN | MEDICAL RECORD NUMBER, then the values under them.
        let ws = words(&[
            ("PATIENT", 100, 0),
            ("FIN", 700, 0),
            ("MEDICAL", 1100, 0),
            ("RECORD", 1240, 0),
            ("NUMBER", 1370, 0),
            ("Esterbrook,", 100, 1),
            ("Winifred", 310, 1),
            ("936176273", 700, 1),
            ("52946318", 1100, 1),
            ("BIRTH", 100, 2),
            ("DATE", 210, 2),
            ("SERVICE", 700, 2),
            ("DATE", 850, 2),
            ("08/30/1977", 100, 3),
            ("08/27/2018", 700, 3),
        ]);
        let e = read(&ws);
        assert_eq!(mrns(&e), vec!["52946318"]);
        assert_eq!(dobs(&e), vec!["1977-08-30"]);
        assert_eq!(e.name[0].family, "ESTERBROOK");
    }

    #[test]
    fn captions_below_values() {
        // Values on the line, captions under it; a second pair of rows below.
        let ws = words(&[
            ("KESTREL,", 100, 0),
            ("AURELIO", 270, 0),
            ("38025514", 700, 0),
            ("06/21/1970", 1100, 0),
            ("PATIENT", 100, 1),
            ("NAME", 240, 1),
            ("(LAST,", 340, 1),
            ("FIRST)", 460, 1),
            ("UNIT", 700, 1),
            ("NO", 790, 1),
            ("DATE", 1100, 1),
            ("OF", 1190, 1),
            ("BIRTH", 1240, 1),
            ("02/01/2015", 100, 2),
            ("7786476536", 700, 2),
            ("Evander", 1100, 2),
            ("Tolliver,", 1250, 2),
            ("MD", 1420, 2),
            ("ADMIT", 100, 3),
            ("DATE", 210, 3),
            ("ENCOUNTER", 700, 3),
            ("#", 880, 3),
        ]);
        let e = read(&ws);
        assert_eq!(mrns(&e), vec!["38025514"]);
        assert_eq!(dobs(&e), vec!["1970-06-21"]);
        assert_eq!(e.name[0].family, "KESTREL");
    }

    #[test]
    fn a_requisition_with_the_name_in_two_boxes() {
        let ws = words(&[
            ("LAST", 100, 0),
            ("NAME", 190, 0),
            ("FIRST", 500, 0),
            ("NAME", 610, 0),
            ("[BIRTH", 900, 0),
            ("DT", 1020, 0),
            ("SEX", 1300, 0),
            ("HAVERSTOCK", 100, 1),
            ("JULIAN", 500, 1),
            ("01/12/1963", 900, 1),
            ("M", 1300, 1),
            ("PATIENT", 100, 2),
            ("NUMBER", 240, 2),
            ("83057129", 100, 3),
        ]);
        let e = read(&ws);
        assert_eq!(mrns(&e), vec!["83057129"]);
        assert_eq!(dobs(&e), vec!["1963-01-12"]);
        assert_eq!((e.name[0].family.as_str(), e.name[0].given.as_str()), ("HAVERSTOCK", "JULIAN"));
    }

    #[test]
    fn a_card_name_in_bigger_type_keeps_its_row() {
        // Boxes as Tesseract gave them on a bilevel card scanned 1.8 degrees
        // askew (blind unseen 149): the family name's box is taller than the
        // given name's, their bottoms level; by centres alone "TAMSIN L"
        // was a row of its own and the card was not read.
        let at = |t, x, y, w, h| Word::at(t, x, y, w, h);
        let ws = vec![
            at("Account", 171, 387, 104, 21),
            at("No.", 286, 386, 39, 22),
            at("90601235", 337, 386, 129, 22),
            at(";", 549, 418, 4, 4),
            at("LARKSPUR", 1167, 395, 156, 35),
            at("TAMSIN", 1343, 404, 117, 26),
            at("L", 1485, 404, 16, 26),
            at("Service", 172, 435, 93, 23),
            at("Date:", 278, 437, 65, 21),
            at("Apr.18,", 355, 436, 92, 28),
            at("2018", 459, 436, 63, 22),
            at("29471650", 1165, 445, 156, 29),
            at("Room", 172, 486, 71, 22),
            at("339-B", 254, 486, 74, 22),
            at("04/22/59", 1165, 492, 156, 29),
            at("F", 1365, 492, 17, 26),
            at("DR", 1165, 536, 38, 25),
            at("BELLWEATHER", 1225, 536, 217, 26),
        ];
        let e = read(&ws);
        assert_eq!((mrns(&e), dobs(&e)), (vec!["29471650".to_string()], vec!["1959-04-22".to_string()]));
        assert_eq!((e.name[0].family.as_str(), e.name[0].given.as_str()), ("LARKSPUR", "TAMSIN"));
        // A second reading of a card (blind unseen 151): a speck made the
        // account number's box tall, the given name joined its row, the
        // family name is a row of its own under it.
        let ws = vec![
            at("Acct", 697, 387, 59, 26),
            at("#", 764, 387, 18, 21),
            at("96493909", 794, 369, 129, 39),
            at("ESTERBROOK,", 203, 404, 209, 29),
            at("WINIFRED", 439, 404, 158, 24),
            at("52946318", 200, 437, 157, 35),
            at("Adm.", 697, 436, 65, 22),
            at("Date:", 776, 437, 65, 21),
            at("12/15/2016", 855, 436, 146, 37),
            at("Room", 700, 487, 69, 21),
            at("508-B", 781, 486, 73, 22),
            at("08/30/77", 202, 492, 155, 35),
            at("F", 402, 492, 15, 24),
        ];
        let e = read(&ws);
        assert_eq!((mrns(&e), dobs(&e)), (vec!["52946318".to_string()], vec!["1977-08-30".to_string()]));
        assert_eq!((e.name[0].family.as_str(), e.name[0].given.as_str()), ("ESTERBROOK", "WINIFRED"));
        // Capitals level with the name but far from it are no part of it.
        let far: Vec<Word> = ws
            .iter()
            .map(|w| if w.text == "WINIFRED" { Word::at("WINIFRED", 900, 404, 158, 24) } else { w.clone() })
            .collect();
        assert!(read(&far).name.is_empty());
    }

    #[test]
    fn an_embossed_card_beside_labelled_fields() {
        // Left: labelled fields of the form. Right: the card, without labels.
        let card = |extra: &[(&'static str, u32, u32)]| {
            let mut spec = vec![
                ("Patient", 100, 0),
                ("Acct", 240, 0),
                ("No.", 330, 0),
                ("99267197", 400, 0),
                ("CULPEPPER-NASH", 1000, 0),
                ("BARNABY", 1270, 0),
                ("Date", 100, 1),
                ("of", 190, 1),
                ("Admission:", 240, 1),
                ("09-Jul-2018", 440, 1),
                ("Room", 100, 2),
                ("239-B", 200, 2),
                ("DR", 1000, 4),
                ("OYELARAN-STROUD", 1060, 4),
            ];
            spec.extend_from_slice(extra);
            words(&spec)
        };
        let e = read(&card(&[("90817734", 1002, 1), ("03/03/75", 998, 2), ("M", 1180, 2)]));
        assert_eq!(mrns(&e), vec!["90817734"]);
        // A 0 of the date read as 6: the card is read, its date only as a corrected reading.
        let e = read(&card(&[("90817734", 1002, 1), ("63/03/75", 998, 2), ("M", 1180, 2)]));
        assert_eq!(mrns(&e), vec!["90817734"]);
        assert!(e.birth_date.iter().all(|d| d.corrected) && dobs(&e) == vec!["1975-03-03"], "{e:?}");
        assert_eq!(dobs(&e), vec!["1975-03-03"]);
        assert_eq!(e.name[0].family, "CULPEPPER-NASH");
        // Without an MRN, a date and sex further under capitals (a banner
        // over a form's fields) are no card.
        let e = read(&card(&[("03/03/75", 998, 3), ("M", 1180, 3)]));
        assert!(dobs(&e).is_empty() && e.name.is_empty(), "{e:?}");
        // Cards as OCR reads them: (words, MRN, date of birth, family and given name).
        type Case = (&'static [(&'static str, u32, u32)], &'static str, &'static str, (&'static str, &'static str));
        let cases: [Case; 2] = [
            // The name parted into two cells by the card's wide letters.
            (
                &[
                    ("PENHALIGON,", 200, 0),
                    ("ROSALIND", 440, 0),
                    ("C", 620, 0),
                    ("44190265", 202, 1),
                    ("9/9/91", 202, 2),
                    ("F", 360, 2),
                ],
                "44190265",
                "1991-09-09",
                ("PENHALIGON", "ROSALIND"),
            ),
            // The comma after the family name read as a semicolon.
            (
                &[
                    ("FEATHERSTONEHAUGH;", 200, 0),
                    ("RUPERT", 560, 0),
                    ("47025813", 201, 1),
                    ("11/19/40", 203, 2),
                    ("M", 425, 2),
                ],
                "47025813",
                "1940-11-19",
                ("FEATHERSTONEHAUGH", "RUPERT"),
            ),
        ];
        for (spec, mrn, dob, (family, given)) in cases {
            let c = read(&words(spec));
            assert_eq!((mrns(&c), dobs(&c)), (vec![mrn.to_string()], vec![dob.to_string()]), "{spec:?}");
            assert_eq!((c.name[0].family.as_str(), c.name[0].given.as_str()), (family, given));
        }
        // OCR's specks and quote marks at the ends of the card's cells, and a
        // speck before the name.
        let specked = words(&[
            (".", 900, 0),
            ("‘ESTERBROOK,", 1000, 0),
            ("WINIFRED.|", 1300, 0),
            ("-", 985, 1),
            ("52946318:", 1010, 1),
            ("“08/30/77", 1000, 2),
            ("F", 1200, 2),
        ]);
        let s = read(&specked);
        assert_eq!((mrns(&s), dobs(&s)), (vec!["52946318".to_string()], vec!["1977-08-30".to_string()]));
        assert_eq!((s.name[0].family.as_str(), s.name[0].given.as_str()), ("ESTERBROOK", "WINIFRED"));
        // Without the sex after it, a date under a name is not a date of birth,
        // and without a date of birth, or with two MRNs, nothing is read.
        for extra in [
            &[("90817734", 1002, 1), ("03/03/75", 998, 2)][..],
            &[("90817734", 1002, 1)][..],
            &[("90817734", 1002, 1), ("44190265", 1002, 3), ("03/03/75", 998, 2), ("M", 1180, 2)][..],
        ] {
            let e = read(&card(extra));
            assert!(mrns(&e).is_empty() && dobs(&e).is_empty() && e.name.is_empty(), "{extra:?}: {e:?}");
        }
        // The card's MRN line dropped by OCR: its name and date of birth are read.
        let e = read(&card(&[("03/03/75", 998, 2), ("M", 1180, 2)]));
        assert!(mrns(&e).is_empty() && dobs(&e) == vec!["1975-03-03"], "{e:?}");
        assert_eq!(e.name[0].family, "CULPEPPER-NASH");
    }

    #[test]
    fn a_value_whose_words_are_spaced_wider_than_cells() {
        // A bilevel scan: the value's words stand further apart than the
        // row's split between cells, so "Mar 3," and "1975" are two cells.
        let ws = words(&[
            ("CULPEPPER-NASH,", 100, 0),
            ("BARNABY", 415, 0),
            ("25806391", 800, 0),
            ("Mar", 1180, 0),
            ("3,", 1279, 0),
            ("1975", 1360, 0),
            ("Patient", 100, 1),
            ("Name", 240, 1),
            ("(Last,", 330, 1),
            ("First)", 450, 1),
            ("MR", 800, 1),
            ("#", 850, 1),
            ("Birth", 1180, 1),
            ("Date", 1290, 1),
            ("Mar", 100, 2),
            ("9,", 199, 2),
            ("2019", 280, 2),
            ("7717798359", 500, 2),
            ("Oyelaran-Stroud,", 900, 2),
            ("Date", 100, 3),
            ("of", 190, 3),
            ("Service", 240, 3),
            ("FIN", 500, 3),
            ("Provider", 900, 3),
        ]);
        let cfg = ExtractConfig::default();
        let mrn_format = MrnFormat::new(&cfg).unwrap();
        let mut e = Extracted::default();
        assert!(read_cells(&ws, &cfg, &mrn_format, &[], &mut e), "captions under the values");
        assert_eq!(mrns(&e), vec!["25806391"]);
        assert_eq!(dobs(&e), vec!["1975-03-03"]);
        assert_eq!((e.name[0].family.as_str(), e.name[0].given.as_str()), ("CULPEPPER-NASH", "BARNABY"));
        assert_eq!(e.service_date.iter().map(|d| d.value.to_string()).collect::<Vec<_>>(), vec!["2019-03-09"]);
        // A dot leader read as a word is no part of the name beside it.
        let ws =
            words(&[("PATIENT", 100, 0), ("NAME", 240, 0), ("aan", 400, 0), ("KESTREL,", 500, 0), ("AURELIO", 660, 0)]);
        let e = read(&ws);
        assert_eq!(e.name.iter().map(|n| n.family.as_str()).collect::<Vec<_>>(), vec!["KESTREL"]);
        let ws = words(&[("MED", 100, 0), ("REC", 180, 0), ("NO", 260, 0), ("reer", 400, 0), ("06219984", 530, 0)]);
        assert_eq!(mrns(&read(&ws)), vec!["06219984"]);
    }

    #[test]
    fn a_tall_row_does_not_take_in_the_label_under_its_words() {
        // A left-hand column: the name on two lines, "Born" under it, its
        // date under that; a right-hand column shares the lines, and OCR's
        // boxes of its words took in specks ("Allergies:" 41 pixels high for
        // a line of 24): the row of "BEATRIX" reaches down to "Born".
        let w = Word::at;
        let ws = [
            w("Patient", 190, 379, 81, 19),
            w("Visit", 700, 366, 65, 36),
            w("Date:", 777, 381, 74, 21),
            w("6/26/2018", 865, 380, 145, 25),
            w("NIGHTINGALE-ODUYA,", 189, 419, 406, 29),
            w("Room:", 702, 428, 89, 22),
            w("505-A", 804, 429, 85, 35),
            w("BEATRIX", 189, 457, 159, 24),
            w("Born", 190, 493, 52, 19),
            w("Allergies:", 700, 463, 146, 41),
            w("NKDA", 867, 459, 74, 49),
            w("10/10/1980", 192, 533, 191, 22),
            w("Attending:", 700, 524, 152, 28),
            w("MRN", 190, 569, 51, 19),
            w("14792580", 192, 609, 168, 24),
        ];
        let rows = describe_rows(&ws);
        assert!(rows.iter().any(|r| r == "190,493 [Born]"), "{rows:#?}");
        let e = read(&ws);
        assert_eq!(dobs(&e), vec!["1980-10-10"]);
        assert_eq!(mrns(&e), vec!["14792580"]);
        // Specks over a word are no line of their own: the row holds on.
        let card = [
            w("GRIMSDITCH,", 202, 404, 210, 29),
            w("PHILIPPA", 442, 390, 156, 38),
            w("F", 620, 404, 15, 28),
            w("*°*t", 737, 387, 85, 21),
            w("*", 807, 382, 16, 63),
            w("93260581", 834, 386, 128, 22),
        ];
        let rows = describe_rows(&card);
        assert!(rows.len() == 1 && rows[0].contains("[GRIMSDITCH, PHILIPPA F]"), "{rows:#?}");
    }

    #[test]
    fn captions_over_values_between_the_rows_of_another_column() {
        // Two columns whose lines do not line up: the right column's
        // "Visit Date" row falls between the caption "Birth Date" and its
        // value, and the caption's words are a wide space apart (a serif
        // font, boxed at cap height).
        let word = Word::at;
        let ws = vec![
            word("PATIENT", 100, 100, 110, 21),
            word("Room:", 700, 100, 80, 21),
            word("408-B", 790, 100, 80, 21),
            word("Perpetua", 100, 140, 156, 30),
            word("Mallory-Finch", 266, 140, 246, 30),
            word("Birth", 100, 180, 54, 21),
            word("Date", 184, 180, 67, 21),
            word("Visit", 700, 200, 65, 21),
            word("Date:", 775, 200, 65, 21),
            word("2022-12-15", 850, 200, 163, 21),
            word("1952-09-29", 100, 220, 193, 23),
            word("MRN", 100, 260, 60, 21),
            word("92570368", 100, 300, 150, 23),
        ];
        let e = read(&ws);
        assert_eq!((mrns(&e), dobs(&e)), (vec!["92570368".to_string()], vec!["1952-09-29".to_string()]));
        // A row further away than two of the caption's heights is not its value.
        let far: Vec<Word> = ws
            .iter()
            .filter(|w| w.text != "MRN" && w.text != "92570368")
            .map(|w| if w.text == "1952-09-29" { Word { y: 270, ..w.clone() } } else { w.clone() })
            .collect();
        assert!(dobs(&read(&far)).is_empty(), "{:?}", read(&far));
    }

    #[test]
    fn the_header_band_is_the_largest_group_of_labelled_rows() {
        // Rows 60 px apart, words 30 px high (see `words`).
        let ws = words(&[
            ("RADIOLOGY", 100, 0),
            ("REPORT", 300, 0),
            ("Acct", 100, 2),
            ("#", 180, 2),
            ("96068913", 220, 2),
            ("LARKSPUR,", 1000, 2),
            ("TAMSIN", 1200, 2),
            ("Adm.", 100, 3),
            ("Date:", 190, 3),
            ("4/18/2014", 300, 3),
            ("Findings", 100, 6),
            ("communicated", 300, 6),
            ("Dictated", 100, 20),
            ("by:", 260, 20),
        ]);
        // Rows 2 and 3 (y 220..310), three lines above, six below.
        let cfg = ExtractConfig::default();
        let mrn_format = MrnFormat::new(&cfg).unwrap();
        let band = |ws: &[Word]| header_band(ws, &cfg, &mrn_format, &[]);
        assert_eq!(band(&ws), Some((220 - 90, 280 + 30 + 180)));
        assert_eq!(band(&words(&[("Findings", 100, 0), ("communicated", 300, 0)])), None);
        // "Account No," (a dot read as a comma) is a label.
        let comma = words(&[("Account", 100, 2), ("No,", 260, 2), ("93280425", 340, 2), ("Findings", 100, 9)]);
        assert_eq!(band(&comma), Some((220 - 90, 250 + 180)));
        // An embossed card and no label on the page: the card's rows (0..2)
        // are the header, also when its MRN line was dropped.
        let card = words(&[
            ("ESTERBROOK", 1000, 0),
            ("WINIFRED", 1200, 0),
            ("8/30/77", 1000, 2),
            ("F", 1180, 2),
            ("Findings", 100, 9),
        ]);
        assert_eq!(band(&card), Some((100 - 90, 220 + 30 + 180)));
    }

    #[test]
    fn labels_beside_values_across_rules_and_leaders() {
        let ws = words(&[
            ("Chart", 100, 0),
            ("#", 200, 0),
            ("|", 240, 0),
            ("03681479", 280, 0),
            ("DOB", 100, 1),
            ("woecccceceeeeeeeeneeeeenes", 180, 1),
            ("19-Nov-1940", 700, 1),
        ]);
        let e = read(&ws);
        assert_eq!(mrns(&e), vec!["03681479"]);
        assert_eq!(dobs(&e), vec!["1940-11-19"]);
    }

    #[test]
    fn dot_leaders_read_as_flat_words_do_not_set_the_line_height() {
        // A bilevel scan's header read again: each dot leader is a run of
        // flat "words" 4 to 6 pixels high, more of them than the label's
        // words. "Birth" and "Date" are one label, and the 3-pixel "p" of
        // the leader is no row of its own.
        let w = Word::at;
        let ws = [
            w("Patient", 172, 373, 99, 21),
            w("Deen", 284, 389, 49, 6),
            w("eee", 339, 389, 22, 5),
            w("peeeneeepaeeeeeepeeee", 367, 389, 215, 5),
            w("ees", 560, 376, 26, 28),
            w("BLACKTHORN,", 608, 372, 201, 25),
            w("EVADNE", 824, 373, 115, 21),
            w("Medical", 173, 416, 106, 22),
            w("Record", 293, 416, 95, 22),
            w("Number", 403, 416, 113, 22),
            w("seeeene", 529, 433, 59, 5),
            w("06209140", 608, 416, 144, 22),
            w("Birth", 172, 460, 65, 22),
            w("Date", 251, 461, 65, 21),
            w("eee", 331, 477, 40, 5),
            w("ener", 377, 478, 31, 4),
            w("eee", 414, 477, 22, 5),
            w("p", 442, 477, 3, 6),
            w("eee", 451, 478, 21, 4),
            w("neeegeeeneee", 479, 477, 104, 5),
            w("1990-02-28", 609, 460, 163, 23),
            w("Admit", 171, 504, 84, 22),
            w("Date", 268, 505, 65, 21),
            w("woe", 347, 521, 22, 5),
            w("cenneveenanncerecesors", 375, 521, 206, 5),
            w("2018-12-26", 608, 504, 165, 23),
        ];
        let rows = describe_rows(&ws);
        assert!(rows.iter().any(|r| r.starts_with("172,460 [Birth Date]")), "{rows:#?}");
        assert_eq!(rows.len(), 4, "{rows:#?}");
        let e = read(&ws);
        assert_eq!(dobs(&e), vec!["1990-02-28"]);
        assert_eq!(mrns(&e), vec!["06209140"]);
    }

    #[test]
    fn a_date_is_never_an_mrn_and_a_heading_is_never_a_value() {
        let ws = words(&[("MRN", 100, 0), ("DOB", 700, 0), ("1940-11-19", 100, 1), ("SEX", 700, 1)]);
        let e = read(&ws);
        assert!(e.mrn.is_empty(), "{e:?}");
        assert!(e.birth_date.is_empty(), "{e:?}");
    }

    #[test]
    fn a_row_of_specks_does_not_part_values_from_their_captions() {
        // Values, a stray "~" between the rows, captions under the values.
        let mut ws = words(&[
            ("Tolliver", 100, 0),
            ("Aurelia", 270, 0),
            ("38025514", 700, 0),
            ("1958-02-11", 1100, 0),
            ("Patient", 100, 2),
            ("Name", 240, 2),
            ("Unit", 700, 2),
            ("No", 790, 2),
            ("Date", 1100, 2),
            ("of", 1190, 2),
            ("Birth", 1240, 2),
            ("2015-10-18", 100, 3),
            ("E2015059", 700, 3),
        ]);
        ws.push(Word { text: "~".into(), conf: 40.0, x: 900, y: 160, w: 11, h: 7, line: 0 });
        let cfg = ExtractConfig::default();
        let mrn_format = MrnFormat::new(&cfg).unwrap();
        let mut out = Extracted::default();
        assert!(read_cells(&ws, &cfg, &mrn_format, &[], &mut out), "captions under the values");
        assert_eq!(mrns(&out), vec!["38025514"]);
        assert_eq!(dobs(&out), vec!["1958-02-11"]);
    }

    #[test]
    fn dividers_and_leaders() {
        for w in [
            "|",
            "||",
            "_",
            "........",
            "uoeeeecseeeeeeeeees",
            "......:eeeeeees",
            "sessvorsen",
            "ccsiwecesiavcevoes",
            "0...",
        ] {
            assert!(is_divider(w), "{w}");
        }
        for w in ["Rupert", "Dr.", "No.", "cree", "F", "#", "unknown", "Nov", "1962"] {
            assert!(!is_divider(w), "{w}");
        }
    }
}
