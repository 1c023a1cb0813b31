#!/usr/bin/env python3
"""realgen: real clinical transcriptions typeset as scanned chart pages.

Takes de-identified clinical texts (a CSV with doc_type and text, or
MTSamples' doc_type,sample_name,description,transcription), invents patients,
letterheads and patient header blocks, typesets each text onto US-letter
pages with a TrueType font, degrades some of the scans, and writes them as
PNG, JPEG, Group 4 TIFF and image-only PDF files, some holding several
documents, some as one image file per page in a folder. Writes:

  DIR/scans/...         the files to ingest
  DIR/patients.csv      the patient index (mrn,family_name,given_name,birth_date,sex)
  DIR/truth.jsonl       one line per page (see --help-truth)
  DIR/documents.csv     one line per document (id, type, patient, file, pages)
  DIR/SYNTHETIC.txt     what is invented and where the texts come from

Written for scripts/eval-realworld (issue 24), independently of the
training-data generators: its layouts, labels and titles are its own.

  scripts/realgen.py --data TEXTS.csv --out DIR --seed S [--docs N] [--page-files-share 0.25]
                     [--site SITE [--outside-share 0.15]]

--site gives batches the look of one site: every batch made with the same
site seed has the same two hospitals (names, letterheads) and, per document
type, the same form (layout, title wording, fonts, labels, page numbers),
except a share of records from elsewhere; texts, patients and scans follow
--seed and --data. Without --site every document has a look of its own.

Everything is decided by --seed: the same arguments give the same files.
Needs python3 with Pillow and numpy (Debian: python3-pil python3-numpy).
"""
import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import shutil
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

csv.field_size_limit(1 << 24)

# --------------------------------------------------------------------------
# Fonts

FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation"]
# family name -> (regular, bold, italic) file names
FAMILIES = {
    "DejaVu Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
    "DejaVu Serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"),
    "DejaVu Sans Condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf",
                              "DejaVuSansCondensed-Oblique.ttf"),
    "DejaVu Serif Condensed": ("DejaVuSerifCondensed.ttf", "DejaVuSerifCondensed-Bold.ttf",
                               "DejaVuSerifCondensed-Italic.ttf"),
    "DejaVu Sans Mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf"),
    "Liberation Serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
                         "LiberationSerif-Italic.ttf"),
    "Liberation Sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf",
                        "LiberationSans-Italic.ttf"),
    "Liberation Sans Narrow": ("LiberationSansNarrow-Regular.ttf", "LiberationSansNarrow-Bold.ttf",
                               "LiberationSansNarrow-Italic.ttf"),
    "Liberation Mono": ("LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf",
                        "LiberationMono-Italic.ttf"),
}
MONO = {"DejaVu Sans Mono", "Liberation Mono"}


def find_font(name):
    for d in FONT_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


def available_families():
    out = {}
    for fam, files in FAMILIES.items():
        paths = [find_font(f) for f in files]
        if all(paths):
            out[fam] = paths
    return out


_font_cache = {}


def font(path, px):
    key = (path, int(round(px)))
    f = _font_cache.get(key)
    if f is None:
        f = ImageFont.truetype(path, max(6, key[1]))
        _font_cache[key] = f
    return f


class Fonts:
    """One family at one body size, in pixels for the page's dpi."""

    def __init__(self, paths, pt, dpi):
        self.paths, self.pt, self.dpi = paths, pt, dpi

    def get(self, pt=None, bold=False, italic=False):
        pt = pt or self.pt
        path = self.paths[1] if bold else self.paths[2] if italic else self.paths[0]
        return font(path, pt * self.dpi / 72.0)


# --------------------------------------------------------------------------
# Invented people, places and wording (all fictional)

GIVEN_START = ["Al", "Bren", "Cor", "Dav", "El", "Fen", "Gar", "Hal", "Is", "Jor", "Kel", "Lor",
               "Mar", "Nor", "Or", "Per", "Quin", "Ros", "Sel", "Tam", "Ul", "Ver", "Wyn", "Yar",
               "Zel", "Ab", "Cal", "Del", "Em", "Gil", "Hen", "Ja", "Le", "Mil", "Na", "Ot", "Ra",
               "Si", "Tor", "Vi"]
GIVEN_END = ["a", "an", "el", "ia", "o", "on", "ette", "ric", "wyn", "ine", "as", "en", "ora",
             "ius", "ey", "ara", "ick", "ene", "is", "da"]
FAMILY_START = ["Ash", "Brack", "Cul", "Dun", "Everd", "Fal", "Glen", "Hart", "Ing", "Kest",
                "Lang", "Merr", "Nett", "Oak", "Pell", "Rath", "Stan", "Thorn", "Upp", "Vand",
                "Wex", "Yell", "Zabr", "Bal", "Carr", "Dren", "Elm", "Fross", "Gorm", "Hux",
                "Jarv", "Kors", "Lind", "Mosk", "Nad", "Orv", "Prest", "Quar", "Ries", "Sark",
                "Trev", "Urq", "Vost", "Wald"]
FAMILY_END = ["ley", "ford", "wick", "more", "ton", "ridge", "holt", "by", "well", "stead",
              "cott", "ham", "ard", "enko", "ova", "ez", "ani", "ski", "dale", "son", "berg",
              "ing", "er", "ett"]
PLACE_START = ["Cedar", "North", "Silver", "Maple", "Granite", "Lake", "Pine", "Fair", "Blue",
               "Iron", "Elk", "Stone", "Willow", "Copper", "Oaken", "High", "Red", "West", "Mill",
               "Sand"]
PLACE_END = ["field", " Falls", " Valley", "brook", " Ridge", "haven", " Crossing", "ton", " Hills",
             "port", "wood", " Springs", " Harbor", "ville", " Point"]
ORG_KIND = ["Medical Center", "Regional Hospital", "Community Hospital", "Memorial Hospital",
            "General Hospital", "Health Center", "Clinic", "Specialty Clinic", "Health System",
            "University Hospital", "Family Medicine Associates", "Surgical Associates"]
STREET_KIND = ["Avenue", "Street", "Road", "Boulevard", "Parkway", "Drive", "Lane", "Way"]
STATES = ["OH", "PA", "MN", "OR", "WI", "IA", "KS", "NE", "VT", "ME", "ID", "MT", "NM", "KY",
          "TN", "MO", "MI", "IN", "CO", "WA"]
UNITS = ["4 West", "3 North", "ICU", "Med/Surg", "2B", "Outpatient", "5 East", "PACU", "Clinic B",
         "Day Surgery", "ED Pod C", "Tele 6"]

DEPT = {
    "consultation": ["Department of Internal Medicine", "Consultation Service", "Division of Specialty Care"],
    "history_physical": ["Admitting Service", "Department of Medicine", "Hospitalist Service"],
    "discharge_summary": ["Health Information Management", "Inpatient Services", "Department of Medicine"],
    "operative_report": ["Department of Surgery", "Perioperative Services", "Surgical Services"],
    "progress_note": ["Outpatient Clinic", "Primary Care", "Ambulatory Services"],
    "emergency_note": ["Emergency Services", "Emergency Department", "Urgent Care"],
    "radiology_report": ["Department of Radiology", "Diagnostic Imaging", "Imaging Services"],
    "pathology_report": ["Department of Pathology", "Laboratory Medicine", "Anatomic Pathology"],
    "correspondence": ["Office of the Physician", "Specialty Clinic", "Outpatient Services"],
}

TITLES = {
    "consultation": ["Consultation Note", "Specialist Consultation", "CONSULT REPORT", "Consultation",
                     "Outpatient Consultation", "INPATIENT CONSULTATION", "Consultant's Opinion"],
    "history_physical": ["History and Physical", "ADMISSION HISTORY & PHYSICAL", "Admission Note",
                         "History & Physical Examination", "Initial Hospital Assessment", "H & P"],
    "discharge_summary": ["Discharge Summary", "DISCHARGE SUMMARY", "Summary of Hospital Stay",
                          "Hospital Course and Discharge", "Discharge Note"],
    "operative_report": ["Operative Note", "Procedure Report", "OPERATIVE REPORT", "Report of Operation",
                         "Surgical Procedure Record", "Operation Record"],
    "progress_note": ["Progress Note", "Follow-up Visit", "CLINIC NOTE", "Office Visit", "Return Visit",
                      "Interval Note"],
    "emergency_note": ["Emergency Department Record", "ED Physician Note", "EMERGENCY ROOM REPORT",
                       "Emergency Visit", "Urgent Care Record"],
    "radiology_report": ["Imaging Report", "Diagnostic Study", "RADIOLOGY REPORT", "Diagnostic Imaging",
                         "Study Interpretation", "Examination Report"],
    "pathology_report": ["Pathology Report", "SURGICAL PATHOLOGY", "Anatomic Pathology Report",
                         "Specimen Examination", "Pathology Consultation"],
    "correspondence": ["Letter", "Referral Letter", "Letter to Referring Physician", "CORRESPONDENCE"],
}

MRN_LABELS = [("Medical Record No.", 4), ("MRN", 5), ("Med. Rec. #", 3), ("MR #", 3),
              ("Patient Number", 3), ("Record Number", 2), ("Medical Record Number", 3),
              ("Hospital No.", 1), ("Chart No.", 1), ("Unit No.", 1), ("MR No.", 2)]
DOB_LABELS = [("Date of Birth", 5), ("DOB", 5), ("D.O.B.", 3), ("Birthdate", 3), ("Birth Date", 3),
              ("D.O.B", 2), ("Born", 1)]
NAME_LABELS = [("Patient Name", 5), ("Patient", 5), ("Name", 3), ("Name (Last, First)", 2),
               ("Pt Name", 1)]
SEX_LABELS = ["Sex", "Gender", "Sex"]
DOB_FORMATS = [("%m/%d/%Y", 6), ("%m-%d-%Y", 2), ("%Y-%m-%d", 2), ("%b %d, %Y", 2),
               ("%B %d, %Y", 2), ("%d %b %Y", 1), ("%d-%b-%Y", 1), ("unpadded", 2)]
SERVICE_LABELS = ["Date of Service", "Visit Date", "Service Date", "DOS", "Encounter Date", "Date"]
ACCT_LABELS = ["Account No.", "Acct #", "Encounter #", "Visit No.", "FIN"]

LAYOUTS = ["two_column", "grid_table", "boxed", "typed_block", "sticker", "ehr_line",
           "caption_under", "footer_ids", "letter"]
CONT_STYLES = {
    "two_column": ["none", "name", "name_mrn"],
    "grid_table": ["none", "table"],
    "boxed": ["none", "name"],
    "typed_block": ["typed", "name", "none"],
    "sticker": ["sticker", "sticker", "none"],
    "ehr_line": ["ehr"],
    "caption_under": ["none", "name"],
    "footer_ids": ["name", "none"],
    "letter": ["letter", "none"],
}


def wchoice(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def invent_given(rng):
    return rng.choice(GIVEN_START) + rng.choice(GIVEN_END)


def invent_family(rng):
    s = rng.choice(FAMILY_START) + rng.choice(FAMILY_END)
    if rng.random() < 0.06:
        s += "-" + rng.choice(FAMILY_START) + rng.choice(FAMILY_END)
    return s


def invent_place(rng):
    return rng.choice(PLACE_START) + rng.choice(PLACE_END)


def invent_org(rng):
    place = invent_place(rng)
    kind = rng.choice(ORG_KIND)
    if rng.random() < 0.15:
        name = f"St. {invent_given(rng)} {kind}"
    else:
        name = f"{place} {kind}"
    return {
        "name": name,
        "street": f"{rng.randint(12, 9800)} {invent_place(rng).split()[0]} {rng.choice(STREET_KIND)}",
        "city": invent_place(rng),
        "state": rng.choice(STATES),
        "zip": f"{rng.randint(10000, 99950):05d}",
        "phone": f"(555) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}",
        "fax": f"(555) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}",
        "logo": rng.choice(["cross", "circle", "square", "none", "diamond"]),
    }


def hamming1(a, b):
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) <= 1


def invent_patients(rng, n_index, n_outside):
    people, mrns, names, families = [], [], set(), set()
    while len(people) < n_index + n_outside:
        fam, giv = invent_family(rng), invent_given(rng)
        if fam in families or (fam, giv) in names:
            continue
        digits = rng.choice([7, 8, 8, 9])
        mrn = str(rng.randint(10 ** (digits - 1), 10 ** digits - 1))
        if rng.random() < 0.1:
            mrn = "0" + mrn[1:]
        if any(m == mrn or hamming1(m, mrn) for m in mrns):
            continue
        birth = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randint(0, (dt.date(2015, 12, 31) - dt.date(1925, 1, 1)).days))
        sex = rng.choice("MF") if rng.random() < 0.97 else "U"
        families.add(fam)
        names.add((fam, giv))
        mrns.append(mrn)
        people.append({"mrn": mrn, "family_name": fam, "given_name": giv, "birth_date": birth,
                       "sex": sex, "middle": rng.choice("ABCDEFGHJKLMNPRSTW"),
                       "in_index": len(people) < n_index})
    return people


def invent_clinicians(rng, n, taken):
    out = []
    while len(out) < n:
        fam = invent_family(rng)
        if fam in taken:
            continue
        taken.add(fam)
        out.append({"given": invent_given(rng), "family": fam,
                    "degree": wchoice(rng, [("MD", 6), ("M.D.", 3), ("DO", 1), ("MD, FACS", 1)])})
    return out


def fmt_date(d, fmt):
    if fmt == "unpadded":
        return f"{d.month}/{d.day}/{d.year}"
    return d.strftime(fmt)


def age_at(birth, when):
    return when.year - birth.year - ((when.month, when.day) < (birth.month, birth.day))


# --------------------------------------------------------------------------
# The text

HEADING = re.compile(r"^([A-Z][A-Z0-9 ,/&()'\-.]{1,60}?:)(\s|$)")


def clean_text(t):
    t = t.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    t = re.sub(r"[ \u00a0]+\n", "\n", t)
    t = re.sub(r"\n{3,}", "\n\n", t)
    return t.strip()


def truncate(t, limit):
    if len(t) <= limit:
        return t
    cut = t.rfind("\n\n", 0, limit)
    if cut < limit * 0.6:
        cut = t.rfind(". ", 0, limit) + 1
    return t[:cut].rstrip()


def paragraphs(text):
    """[(kind, text)]: 'p' a paragraph (one source line), 'gap' a blank line."""
    out = []
    for line in text.split("\n"):
        s = re.sub(r"\s+", " ", line).strip()
        if not s:
            if out and out[-1][0] != "gap":
                out.append(("gap", ""))
        else:
            out.append(("p", s))
    return out


# --------------------------------------------------------------------------
# Drawing

class Canvas:
    """A page: draws when real, measures only when dry."""

    def __init__(self, dpi, dry):
        self.dpi = dpi
        self.w, self.h = int(8.5 * dpi), int(11 * dpi)
        self.dry = dry
        if not dry:
            self.im = Image.new("L", (self.w, self.h), 255)
            self.d = ImageDraw.Draw(self.im)

    def px(self, inches):
        return int(round(inches * self.dpi))

    def text(self, x, y, s, f, fill=0, anchor="la"):
        if not self.dry and s:
            self.d.text((x, y), s, font=f, fill=fill, anchor=anchor)
        return f.getlength(s)

    def line(self, x0, y0, x1, y1, width=1, fill=0):
        if not self.dry:
            self.d.line([(x0, y0), (x1, y1)], fill=fill, width=max(1, int(width)))

    def rect(self, x0, y0, x1, y1, width=1, outline=0, fill=None, radius=0):
        if not self.dry:
            if radius:
                self.d.rounded_rectangle([x0, y0, x1, y1], radius=radius, outline=outline, fill=fill,
                                         width=max(1, int(width)))
            else:
                self.d.rectangle([x0, y0, x1, y1], outline=outline, fill=fill, width=max(1, int(width)))

    def ellipse(self, box, width=1, outline=0, fill=None):
        if not self.dry:
            self.d.ellipse(box, outline=outline, fill=fill, width=max(1, int(width)))

    def polygon(self, pts, fill=0):
        if not self.dry:
            self.d.polygon(pts, fill=fill)


def fit(f, text, width, floor=12):
    """The font, made smaller until `text` fits in `width` pixels (not below `floor` pixels)."""
    while f.getlength(text) > width and f.size > floor:
        f = font(f.path, f.size - 1)
    return f


def lh(f, spacing=1.2):
    """Line height in pixels of a font."""
    return int(round(f.size * spacing))


class Doc:
    """Everything about one document's look, decided before anything is drawn."""

    def __init__(self, spec, dpi, fam_paths):
        self.s = spec
        self.dpi = dpi
        self.F = Fonts(fam_paths[spec["font"]], spec["pt"], dpi)
        self.HF = Fonts(fam_paths[spec["header_font"]], spec["pt"], dpi)

    # --- identifiers as printed -------------------------------------------
    def name_str(self, which=None):
        p = self.s["patient"]
        style = which or self.s["name_style"]
        fam, giv, mid = p["family_name"], p["given_name"], p["middle"]
        return {
            "FAMILY, GIVEN": f"{fam.upper()}, {giv.upper()}",
            "Family, Given": f"{fam}, {giv}",
            "Given Family": f"{giv} {fam}",
            "Given M. Family": f"{giv} {mid}. {fam}",
            "FAMILY, GIVEN M": f"{fam.upper()}, {giv.upper()} {mid}",
        }[style]

    def dob_str(self):
        return fmt_date(self.s["birth"], self.s["dob_format"])

    def mrn_str(self):
        return self.s["mrn_printed"]

    def svc_str(self):
        return fmt_date(self.s["service_date"], self.s["svc_format"])


def draw_logo(cv, kind, x, y, size):
    s = size
    if kind == "cross":
        t = s // 3
        cv.rect(x + t, y, x + 2 * t, y + s, fill=0, outline=0)
        cv.rect(x, y + t, x + s, y + 2 * t, fill=0, outline=0)
    elif kind == "circle":
        cv.ellipse([x, y, x + s, y + s], width=max(2, s // 12))
        cv.ellipse([x + s // 4, y + s // 4, x + 3 * s // 4, y + 3 * s // 4], fill=0)
    elif kind == "square":
        cv.rect(x, y, x + s, y + s, width=max(2, s // 14))
        cv.rect(x + s // 5, y + s // 5, x + 4 * s // 5, y + 4 * s // 5, fill=80, outline=80)
    elif kind == "diamond":
        cv.polygon([(x + s // 2, y), (x + s, y + s // 2), (x + s // 2, y + s), (x, y + s // 2)], fill=60)


def draw_letterhead(cv, D, x0, y, width):
    s, org = D.s, D.s["org"]
    F = D.HF
    style = s["letterhead"]
    big = F.get(s["pt"] + 5, bold=True)
    small = F.get(max(8, s["pt"] - 2))
    mid = F.get(s["pt"])
    addr = f"{org['street']}, {org['city']}, {org['state']} {org['zip']}"
    tel = f"Tel {org['phone']}   Fax {org['fax']}"
    dept = s["dept"]
    base, full = cv, width

    class Fit:  # the canvas, each line made to fit the letterhead's width
        def text(self, x, y_, t, f, fill=0, anchor="la"):
            room = full - (x - x0 if anchor[0] == "l" else 0)
            f = fit(f, t, room, floor=7 * base.dpi / 72)
            while f.getlength(t) > room and " " in t:
                t = t.rsplit(" ", 1)[0]
            return base.text(x, y_, t, f, fill, anchor)

        def __getattr__(self, name):
            return getattr(base, name)
    cv = Fit()
    if style == "centered":
        cx = x0 + width // 2
        cv.text(cx, y, org["name"], big, anchor="ma"); y += lh(big, 1.25)
        cv.text(cx, y, dept, mid, anchor="ma"); y += lh(mid)
        cv.text(cx, y, addr, small, anchor="ma"); y += lh(small)
        cv.text(cx, y, tel, small, anchor="ma"); y += lh(small, 1.6)
        cv.line(x0, y, x0 + width, y, width=cv.dpi / 100); y += cv.px(0.12)
    elif style == "logo_left":
        size = cv.px(0.6)
        if org["logo"] != "none":
            draw_logo(cv, org["logo"], x0, y, size)
            tx = x0 + size + cv.px(0.18)
        else:
            tx = x0
        cv.text(tx, y, org["name"], big); y2 = y + lh(big, 1.2)
        cv.text(tx, y2, f"{addr}  ·  {org['phone']}", small); y2 += lh(small)
        cv.text(tx, y2, dept, small); y2 += lh(small, 1.5)
        y = max(y + size, y2) + cv.px(0.08)
        cv.line(x0, y, x0 + width, y, width=cv.dpi / 150, fill=90); y += cv.px(0.15)
    elif style == "right":
        rx = x0 + width
        cv.text(rx, y, org["name"].upper(), F.get(s["pt"] + 3, bold=True), anchor="ra"); y += lh(F.get(s["pt"] + 3), 1.25)
        cv.text(rx, y, dept, small, anchor="ra"); y += lh(small)
        cv.text(rx, y, org["street"], small, anchor="ra"); y += lh(small)
        cv.text(rx, y, f"{org['city']}, {org['state']} {org['zip']}", small, anchor="ra"); y += lh(small)
        cv.text(rx, y, f"Phone {org['phone']}", small, anchor="ra"); y += lh(small, 1.8)
    elif style == "band":
        bf = F.get(s["pt"] + 4, bold=True)
        h = lh(bf, 1.7)
        cv.rect(x0, y, x0 + width, y + h, fill=45, outline=45)
        cv.text(x0 + cv.px(0.15), y + (h - bf.size) // 2, org["name"], bf, fill=255)
        y += h + cv.px(0.06)
        cv.text(x0, y, f"{dept}  |  {addr}  |  {org['phone']}", small); y += lh(small, 1.8)
    else:  # "plain": a typed department line
        cv.text(x0, y, dept.upper(), F.get(s["pt"], bold=True)); y += lh(mid)
        cv.text(x0, y, org["name"], mid); y += lh(mid)
        cv.text(x0, y, f"{org['city']}, {org['state']}", small); y += lh(small, 1.8)
    return y


def draw_title(cv, D, x0, y, width):
    s = D.s
    if not s["title"]:
        return y
    f = D.HF.get(s["title_pt"], bold=True)
    t = s["title"]
    if s["title_align"] == "center":
        cv.text(x0 + width // 2, y, t, f, anchor="ma")
        w = f.getlength(t)
        lx = x0 + (width - w) / 2
    else:
        cv.text(x0, y, t, f)
        w = f.getlength(t)
        lx = x0
    if s["title_underline"]:
        uy = y + f.size * 1.1
        cv.line(lx, uy, lx + w, uy, width=max(1, cv.dpi / 120))
    return y + lh(f, 1.9)


def label_value(cv, x, y, label, value, lf, vf, gap=None):
    """'Label: value' on one line; returns x after."""
    w = cv.text(x, y, label + ":", lf)
    g = gap if gap is not None else lf.getlength("  ")
    w2 = cv.text(x + w + g, y, value, vf)
    return x + w + g + w2


def hdr_two_column(cv, D, x0, y, width):
    s = D.s
    lf, vf = D.HF.get(bold=True), D.HF.get()
    L = s["labels"]
    rows = [((L["name"], D.name_str()), (L["dob"], D.dob_str())),
            ((L["mrn"], D.mrn_str()), (L["sex"], s["sex_printed"])),
            ((L["svc"], D.svc_str()), ("Physician", s["clin_str"]))]
    left = max(lf.getlength(a[0] + ":") + lf.getlength("  ") + vf.getlength(a[1]) for a, _ in rows)
    col2 = x0 + max(int(width * 0.56), int(left + cv.px(0.35)))
    for a, b in rows:
        label_value(cv, x0, y, a[0], a[1], lf, vf)
        label_value(cv, col2, y, b[0], b[1], lf, vf)
        y += lh(vf, 1.45)
    y += cv.px(0.05)
    cv.line(x0, y, x0 + width, y, width=cv.dpi / 150)
    return y + cv.px(0.2)


def hdr_grid_table(cv, D, x0, y, width):
    s = D.s
    L = s["labels"]
    cap = D.HF.get(max(7, s["pt"] - 2.5), bold=True)
    vf = D.HF.get()
    cols = [(L["name"].upper(), D.name_str(), 0.34), (L["mrn"].upper(), D.mrn_str(), 0.2),
            (L["dob"].upper(), D.dob_str(), 0.18), (L["sex"].upper(), s["sex_printed"], 0.08),
            (L["svc"].upper(), D.svc_str(), 0.2)]
    h1, h2 = lh(cap, 1.7), lh(vf, 1.8)
    lw = max(1, cv.dpi // 120)
    cv.rect(x0, y, x0 + width, y + h1, fill=215, outline=0, width=lw)
    cv.rect(x0, y + h1, x0 + width, y + h1 + h2, outline=0, width=lw)
    x = x0
    pad = cv.px(0.06)
    for i, (c, v, frac) in enumerate(cols):
        cw = int(width * frac)
        if i:
            cv.line(x, y, x, y + h1 + h2, width=lw)
        cf = cap
        while cf.getlength(c) > cw - 2 * pad and cf.size > 12:
            cf = font(D.HF.paths[1], cf.size - 1)
        cv.text(x + pad, y + (h1 - cap.size) // 2, c, cf)
        cv.text(x + pad, y + h1 + (h2 - vf.size) // 2, v, fit(vf, v, cw - 2 * pad))
        x += cw
    return y + h1 + h2 + cv.px(0.25)


def hdr_boxed(cv, D, x0, y, width):
    s = D.s
    L = s["labels"]
    lf, vf = D.HF.get(bold=True), D.HF.get()
    pad = cv.px(0.12)
    top = y
    y += pad
    label_value(cv, x0 + pad, y, "Name (Last, First)" if s["name_style"] in ("Family, Given", "FAMILY, GIVEN") else L["name"],
                D.name_str(), lf, vf)
    y += lh(vf, 1.5)
    x = label_value(cv, x0 + pad, y, L["mrn"], D.mrn_str(), lf, vf)
    label_value(cv, max(x + cv.px(0.5), x0 + width // 2), y, L["dob"], D.dob_str(), lf, vf)
    y += lh(vf, 1.5)
    x = label_value(cv, x0 + pad, y, "Age/Sex", f"{s['age']} Y / {s['sex_printed'][:1] or '-'}", lf, vf)
    label_value(cv, max(x + cv.px(0.5), x0 + width // 2), y, "Location", s["unit"], lf, vf)
    y += lh(vf, 1.3) + pad
    cv.rect(x0, top, x0 + width, y, width=max(2, cv.dpi // 90))
    return y + cv.px(0.25)


def hdr_typed_block(cv, D, x0, y, width):
    s = D.s
    L = s["labels"]
    f = D.F.get()
    rows = [(L["name"].upper(), D.name_str()), (L["mrn"].upper(), D.mrn_str()),
            (L["dob"].upper(), D.dob_str()), (s["typed_date_label"], D.svc_str()),
            ("ATTENDING PHYSICIAN" if s["clin_role"] == "att" else "DICTATING PHYSICIAN", s["clin_str"])]
    col = max(f.getlength(r[0] + ":") for r in rows) + f.getlength("   ")
    for a, b in rows:
        cv.text(x0, y, a + ":", f)
        cv.text(x0 + col, y, b, f)
        y += lh(f, 1.3)
    return y + lh(f, 1.0)


def sticker_lines(D):
    s = D.s
    return [D.name_str("FAMILY, GIVEN M"),
            f"{s['labels']['mrn_short']} {D.mrn_str()}    {s['acct_label']} {s['acct']}",
            f"{s['labels']['dob_short']} {D.dob_str()}   {s['age']}Y   {s['sex_printed'][:1]}",
            f"ADM {D.svc_str()}   DR {s['clin']['family'].upper()}"]


def sticker_size(cv, D):
    """An addressograph label: (width, height, font), as wide as its longest line."""
    f = D.HF.get(max(8, D.s["pt"] - 1.5))
    fb = D.HF.get(max(8, D.s["pt"] - 1.5), bold=True)
    lines = sticker_lines(D)
    w = max([fb.getlength(lines[0])] + [f.getlength(t) for t in lines[1:]])
    return int(w + cv.px(0.26)), int(lh(f, 1.25) * 4 + cv.px(0.22)), f


def draw_sticker(cv, D, right, y):
    s = D.s
    w, h, f = sticker_size(cv, D)
    fb = D.HF.get(max(8, s["pt"] - 1.5), bold=True)
    x0 = right - w
    cv.rect(x0, y, right, y + h, width=max(1, cv.dpi // 150), radius=cv.px(0.08))
    x, yy = x0 + cv.px(0.13), y + cv.px(0.11)
    for i, t in enumerate(sticker_lines(D)):
        cv.text(x, yy, t, fb if i == 0 else f)
        yy += lh(f, 1.25)
    return y + h


def hdr_ehr_line(cv, D, x0, y, width, small=False):
    s = D.s
    L = s["labels"]
    f = D.HF.get(max(8, s["pt"] - (1.5 if small else 0.5)))
    parts = [f"{L['name']}: {D.name_str()}", f"{L['mrn']}: {D.mrn_str()}", f"{L['dob']}: {D.dob_str()}"]
    if not small:
        parts.append(f"{L['sex']}: {s['sex_printed']}")
    line = "  |  ".join(parts)
    if not small:
        y += cv.px(0.1)
    while f.getlength(line) > width and f.size > 8:
        f = font(D.HF.paths[0], f.size - 2)
    cv.text(x0, y, line, f)
    y += lh(f, 1.4)
    cv.line(x0, y, x0 + width, y, width=1, fill=120)
    return y + cv.px(0.15)


def hdr_caption_under(cv, D, x0, y, width):
    s = D.s
    p = s["patient"]
    vf, cf = D.HF.get(), D.HF.get(max(7, s["pt"] - 3))
    L = s["labels"]
    cells = [(p["family_name"].upper() if s["caps"] else p["family_name"], "Last Name", 0.27),
             (p["given_name"].upper() if s["caps"] else p["given_name"], "First Name", 0.22),
             (D.mrn_str(), L["mrn"], 0.25), (D.dob_str(), L["dob"], 0.26)]
    x = x0
    gap = cv.px(0.15)
    ly = y + lh(vf, 1.25)
    for v, c, frac in cells:
        cw = int(width * frac) - gap
        cv.text(x + cv.px(0.04), y, v, fit(vf, v, cw - cv.px(0.06)))
        cv.line(x, ly, x + cw, ly, width=max(1, cv.dpi // 150))
        cv.text(x, ly + cv.px(0.03), c, fit(cf, c, cw))
        x += cw + gap
    return ly + lh(cf, 1.2) + cv.px(0.25)


def hdr_footer_ids(cv, D, x0, y, width):
    s = D.s
    L = s["labels"]
    lf, vf = D.HF.get(bold=True), D.HF.get()
    x = label_value(cv, x0, y, L["name"], D.name_str(), lf, vf)
    label_value(cv, max(x + cv.px(0.6), x0 + int(width * 0.58)), y, L["dob"], D.dob_str(), lf, vf)
    y += lh(vf, 1.45)
    label_value(cv, x0, y, L["svc"], D.svc_str(), lf, vf)
    label_value(cv, x0 + int(width * 0.58), y, "Provider", s["clin_str"], lf, vf)
    return y + lh(vf, 1.2) + cv.px(0.2)


def hdr_letter(cv, D, x0, y, width):
    s = D.s
    f = D.F.get()
    cv.text(x0, y, s["letter_date"], f); y += lh(f, 2.2)
    for line in s["recipient"]:
        cv.text(x0, y, line, f); y += lh(f, 1.25)
    y += lh(f, 0.9)
    L = s["labels"]
    fb = D.F.get(bold=True)
    cv.text(x0, y, f"RE:  {D.name_str()}", fb); y += lh(f, 1.25)
    cv.text(x0 + f.getlength("RE:  "), y, f"{L['dob']}: {D.dob_str()}", f); y += lh(f, 1.25)
    cv.text(x0 + f.getlength("RE:  "), y, f"{L['mrn']}: {D.mrn_str()}", f); y += lh(f, 2.0)
    if s["salutation"]:
        cv.text(x0, y, s["salutation"], f); y += lh(f, 1.9)
    return y


HEADERS = {"two_column": hdr_two_column, "grid_table": hdr_grid_table, "boxed": hdr_boxed,
           "typed_block": hdr_typed_block, "ehr_line": hdr_ehr_line, "caption_under": hdr_caption_under,
           "footer_ids": hdr_footer_ids, "letter": hdr_letter}


def draw_first_header(cv, D, x0, y, width):
    """Letterhead, patient block and title of a first page. Returns (y, printed)."""
    s = D.s
    lay = s["layout"]
    printed = {"mrn": D.mrn_str(), "birth_date": s["birth"].isoformat(),
               "name": f"{s['patient']['family_name']}, {s['patient']['given_name']}"}
    if lay == "sticker":
        sw, _, _ = sticker_size(cv, D)
        s["letterhead"] = "plain"  # short lines beside the label
        bottom = draw_sticker(cv, D, x0 + width, y)
        y = draw_letterhead(cv, D, x0, y, width - sw - cv.px(0.3))
        y = max(y, bottom + cv.px(0.25))
        y = draw_title(cv, D, x0, y, width)
        return y, printed
    y = draw_letterhead(cv, D, x0, y, width)
    hdr = HEADERS[lay]
    if lay == "letter":
        if s["title"]:
            y = draw_title(cv, D, x0, y, width)
        return hdr(cv, D, x0, y, width), printed
    if s["title_first"]:
        y = draw_title(cv, D, x0, y, width)
        y = hdr(cv, D, x0, y, width)
    else:
        y = hdr(cv, D, x0, y, width)
        y = draw_title(cv, D, x0, y, width)
    return y, printed


def draw_cont_header(cv, D, x0, y, width, k, n):
    """The running header of a later page. Returns (y, printed)."""
    s = D.s
    cont = s["cont"]
    p = s["patient"]
    nm = f"{p['family_name']}, {p['given_name']}"
    f = D.HF.get(max(8, s["pt"] - 1))
    if cont == "none":
        return y, {"mrn": None, "birth_date": None, "name": None}
    if cont == "name":
        t = D.name_str() + ("  (continued)" if s["cont_continued"] else "")
        if s["cont_right"]:
            cv.text(x0 + width, y, t, f, anchor="ra")
        else:
            cv.text(x0, y, t, f)
        return y + lh(f, 2.2), {"mrn": None, "birth_date": None, "name": nm}
    if cont == "name_mrn":
        cv.text(x0, y, f"{D.name_str()}    {s['labels']['mrn']}: {D.mrn_str()}", f)
        y += lh(f, 1.4)
        cv.line(x0, y, x0 + width, y, width=1, fill=110)
        return y + cv.px(0.18), {"mrn": D.mrn_str(), "birth_date": None, "name": nm}
    if cont == "table":
        cap = D.HF.get(max(7, s["pt"] - 2.5), bold=True)
        h = lh(f, 1.8)
        cv.rect(x0, y, x0 + width, y + h, width=max(1, cv.dpi // 120))
        cv.line(x0 + width * 0.55, y, x0 + width * 0.55, y + h, width=max(1, cv.dpi // 120))
        pad = cv.px(0.06)
        w = cv.text(x0 + pad, y + (h - f.size) // 2, "PATIENT ", cap)
        cv.text(x0 + pad + w + pad, y + (h - f.size) // 2, D.name_str(), fit(f, D.name_str(), width * 0.55 - w - 3 * pad))
        w = cv.text(x0 + width * 0.55 + pad, y + (h - f.size) // 2, s["labels"]["mrn"].upper() + " ", cap)
        cv.text(x0 + width * 0.55 + 2 * pad + w, y + (h - f.size) // 2, D.mrn_str(), f)
        return y + h + cv.px(0.25), {"mrn": D.mrn_str(), "birth_date": None, "name": nm}
    if cont == "typed":
        g = D.F.get()
        cv.text(x0, y, D.name_str(), g); y += lh(g, 1.25)
        cv.text(x0, y, D.mrn_str(), g); y += lh(g, 1.25)
        cv.text(x0, y, f"Page {k}", g); y += lh(g, 2.2)
        return y, {"mrn": D.mrn_str(), "birth_date": None, "name": nm}
    if cont == "sticker":
        bottom = draw_sticker(cv, D, x0 + width, y)
        return bottom + cv.px(0.25), {"mrn": D.mrn_str(), "birth_date": s["birth"].isoformat(), "name": nm}
    if cont == "ehr":
        y = hdr_ehr_line(cv, D, x0, y, width, small=True)
        return y, {"mrn": D.mrn_str(), "birth_date": s["birth"].isoformat(), "name": nm}
    if cont == "letter":
        g = D.F.get()
        cv.text(x0, y, s["recipient"][0], g); y += lh(g, 1.25)
        cv.text(x0, y, f"Re: {D.name_str('Given Family')}", g); y += lh(g, 1.25)
        cv.text(x0, y, s["letter_date"], g); y += lh(g, 1.25)
        cv.text(x0, y, f"Page {k}", g); y += lh(g, 2.2)
        return y, {"mrn": None, "birth_date": None, "name": nm}
    raise ValueError(cont)


def page_number_text(s, k, n):
    st = s["pagenum"]
    if st is None or (k == 1 and not s["pagenum_first"]):
        return None
    return st.format(k=k, n=n)


def footer_height(cv, D):
    f = D.HF.get(max(7, D.s["pt"] - 2))
    lines = 0
    if D.s["pagenum"] or D.s["layout"] in ("footer_ids", "ehr_line"):
        lines += 1
    if D.s["confidential"] and D.s["layout"] != "footer_ids":
        lines += 1
    return lines * lh(f, 1.4) + (cv.px(0.25) if lines else 0)


def draw_footer(cv, D, x0, width, bottom, k, n):
    """Footer lines above `bottom`. Returns what identifiers it printed."""
    s = D.s
    f = D.HF.get(max(7, s["pt"] - 2))
    y = bottom - lh(f, 1.4)
    printed = None
    pn = page_number_text(s, k, n)
    if s["layout"] == "footer_ids":
        left = f"{s['labels']['mrn']} {D.mrn_str()}"
        notice = "CONFIDENTIAL PATIENT INFORMATION"
        cv.line(x0, y - cv.px(0.06), x0 + width, y - cv.px(0.06), width=1, fill=100)
        lw = cv.text(x0, y, left, f)
        nw = f.getlength(notice)
        right = x0 + width - (f.getlength(pn) if pn else 0)
        nx = max(x0 + width // 2 - nw / 2, x0 + lw + cv.px(0.3))
        if nx + nw < right - cv.px(0.3):
            cv.text(nx, y, notice, f)
        if pn:
            cv.text(x0 + width, y, pn, f, anchor="ra")
        printed = {"mrn": D.mrn_str()}
        return printed
    elif s["layout"] == "ehr_line":
        cv.text(x0, y, f"Printed {s['printed_on']} by {s['printed_by']}", f)
        cv.text(x0 + width, y, pn or "", f, anchor="ra")
        y -= lh(f, 1.4)
    elif pn:
        if s["pagenum_pos"] == "center":
            cv.text(x0 + width // 2, y, pn, f, anchor="ma")
        else:
            cv.text(x0 + width, y, pn, f, anchor="ra")
        y -= lh(f, 1.4)
    if s["confidential"]:
        cv.text(x0 + width // 2, y - cv.px(0.04), s["confidential"], f, anchor="ma")
    return printed


# --- body -----------------------------------------------------------------

def body_lines(D, width):
    """The text wrapped to `width`: [(height, [(dx, str, font)], kind)], kind 'text', 'heading', 'gap'."""
    s = D.s
    reg, bold = D.F.get(), D.F.get(bold=True)
    space = reg.getlength(" ")
    line_h = lh(reg, s["leading"])
    out = []
    for kind, para in s["paras"]:
        if kind == "gap":
            out.append((int(line_h * s["para_gap"]), [], "gap"))
            continue
        tokens = []
        m = HEADING.match(para)
        rest = para
        if m:
            for w in m.group(1).split(" "):
                tokens.append((w, bold if s["bold_headings"] else reg))
            rest = para[m.end(1):].strip()
        for w in rest.split(" "):
            if w:
                tokens.append((w, reg))
        cur, x = [], 0.0
        only_heading = bool(m) and not rest
        for w, f in tokens:
            ww = f.getlength(w)
            if cur and x + space + ww > width:
                out.append((line_h, cur, "text"))
                cur, x = [], 0.0
            if cur:
                x += space
            if ww > width:  # a word longer than the line: cut it
                while ww > width and len(w) > 1:
                    cut = max(1, int(len(w) * width / ww) - 1)
                    out.append((line_h, [(0, w[:cut], f)], "text"))
                    w = w[cut:]
                    ww = f.getlength(w)
            cur.append((x, w, f))
            x += ww
        if cur:
            out.append((line_h, cur, "heading" if only_heading else "text"))
    while out and out[-1][2] == "gap":
        out.pop()
    return out


def signature_lines(D):
    s = D.s
    f = D.F.get()
    out = []
    c = s["clin"]
    who = f"{c['given']} {c['family']}, {c['degree']}"
    st = s["signature"]
    L = lambda t, sp=1.3: out.append((lh(f, sp), t))
    if st is None:
        return []
    L("", 1.0)
    if st == "esign":
        L(f"Electronically signed by {who} on {s['sign_date']} at {s['sign_time']}")
    elif st == "dictated":
        L("", 1.4)
        L("_" * 30)
        L(who)
        L(s["clin_title"])
        L("", 0.8)
        L(f"D: {s['sign_date']}   T: {s['trans_date']}   Job #{s['job']}", 1.3)
        L(f"{c['family'][0]}{c['given'][0]}/{s['typist']}".lower())
    elif st == "cc":
        L("", 1.4)
        L(who)
        L(s["clin_title"])
        L("", 0.8)
        L(f"cc: {s['cc']}")
    elif st == "closing":
        L("Sincerely,", 1.3)
        L("", 2.2)
        L(who)
        L(s["clin_title"])
    return [(h, [(0, t, f)] if t else [], "sig") for h, t in out]


def paginate(D, first_y, cont_y, bottom):
    """Split the body and the signature over pages: [[(h, runs, kind)]]."""
    lines = body_lines(D, D.width)
    sig = signature_lines(D)
    pages, cur, y = [], [], first_y
    for i, ln in enumerate(lines):
        h, _, kind = ln
        need = h
        if kind == "heading" and i + 1 < len(lines):
            need += lines[i + 1][0]  # no heading alone at the foot of a page
        if y + need > bottom and cur:
            pages.append(cur)
            cur, y = [], cont_y
            if kind == "gap":
                continue
        cur.append(ln)
        y += h
    sig_h = sum(h for h, _, _ in sig)
    if sig:
        if y + sig_h > bottom and cur:
            pages.append(cur)
            cur, y = [], cont_y
        cur.extend(sig)
    pages.append(cur)
    return pages


def render_document(D):
    """Pages of one document: [(PIL image L, printed dict, k)]."""
    s, dpi = D.s, D.dpi
    probe = Canvas(dpi, dry=True)
    x0 = probe.px(s["margin_left"])
    width = probe.w - x0 - probe.px(s["margin_right"])
    D.width = width
    top = probe.px(s["margin_top"])
    bottom = probe.h - probe.px(s["margin_bottom"]) - footer_height(probe, D)
    first_y, _ = draw_first_header(probe, D, x0, top, width)
    cont_y, _ = draw_cont_header(probe, D, x0, top, width, 2, 2)
    pages = paginate(D, first_y, cont_y, bottom)
    n = len(pages)
    out = []
    for k, lines in enumerate(pages, 1):
        cv = Canvas(dpi, dry=False)
        if k == 1:
            y, printed = draw_first_header(cv, D, x0, top, width)
        else:
            y, printed = draw_cont_header(cv, D, x0, top, width, k, n)
        printed = dict(printed)
        sig_x = min([s["sig_indent"] * width] + [width - f.getlength(t) for _, runs, kind in lines
                                                   if kind == "sig" for _, t, f in runs])
        for h, runs, kind in lines:
            for dx, t, f in runs:
                cv.text(x0 + dx + (max(0, sig_x) if kind == "sig" else 0), y, t, f)
            y += h
        fp = draw_footer(cv, D, x0, width, probe.h - probe.px(s["margin_bottom"]) + probe.px(0.3), k, n)
        if fp and fp.get("mrn"):
            printed["mrn"] = fp["mrn"]
        out.append((cv.im, printed, k))
    return out


# --------------------------------------------------------------------------
# Degradation and files

def degrade(im, eff, nrng, dpi):
    """Apply a file's effects to one page (L); returns L or 1."""
    scale = dpi / 300.0
    if eff.get("blur"):
        im = im.filter(ImageFilter.GaussianBlur(eff["blur"] * scale))
    if eff.get("skew"):
        angle = eff["skew"] + float(nrng.uniform(-0.15, 0.15))
        im = im.rotate(angle, resample=Image.BILINEAR, fillcolor=255, expand=False)
    a = np.asarray(im, dtype=np.float32)
    ink, paper = eff.get("ink", 0), eff.get("paper", 255)
    a = ink + a * ((paper - ink) / 255.0)
    if eff.get("noise"):
        a += nrng.normal(0, eff["noise"], a.shape).astype(np.float32)
    if eff.get("speckle"):
        h, w = a.shape
        count = int(eff["speckle"] * h * w)
        ys = nrng.integers(0, h - 4, count)
        xs = nrng.integers(0, w - 4, count)
        sizes = nrng.integers(1, max(2, int(3 * scale) + 1), count)
        vals = nrng.uniform(0, 90, count)
        for dy in range(3):
            for dx in range(3):
                sel = (sizes > dy) & (sizes > dx)
                a[ys[sel] + dy, xs[sel] + dx] = vals[sel]
    a = np.clip(a, 0, 255).astype(np.uint8)
    if eff.get("bilevel"):
        b = np.where(a > eff["bilevel"], 255, 0).astype(np.uint8)
        return Image.fromarray(b, "L").convert("1", dither=Image.NONE)
    return Image.fromarray(a, "L")


def effects_names(eff, fmt):
    out = [k for k in ("skew", "speckle", "blur", "noise") if eff.get(k)]
    if eff.get("ink", 0) >= 30:
        out.append("light_toner")
    if eff.get("bilevel") or fmt == "tiff":
        out.append("bilevel")
    if eff.get("jpeg") and fmt in ("jpeg", "pdf"):
        out.append(f"jpeg{eff['jpeg']}")
    return out


FIXED_DATE = dt.datetime(2020, 1, 1).timetuple()  # Pillow writes a struct_time as a PDF date


def save_pages(images, path, fmt, dpi, quality):
    if fmt == "png":
        images[0].save(path, "PNG", dpi=(dpi, dpi))
    elif fmt == "jpeg":
        images[0].convert("L").save(path, "JPEG", quality=quality, dpi=(dpi, dpi))
    elif fmt == "tiff":
        comp = "group4" if images[0].mode == "1" else "tiff_lzw"
        images[0].save(path, "TIFF", save_all=True, append_images=images[1:], compression=comp,
                       dpi=(dpi, dpi))
    elif fmt == "pdf":
        images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi),
                       quality=quality, creationDate=FIXED_DATE, modDate=FIXED_DATE,
                       producer="realgen", title="scan")
    else:
        raise ValueError(fmt)


EXT = {"png": "png", "jpeg": "jpg", "tiff": "tif", "pdf": "pdf"}


def fax_line(cv_im, unit, p, total, dpi, fam_paths):
    d = ImageDraw.Draw(cv_im)
    f = font(fam_paths[unit["fax"]["font"]][0], 7.5 * dpi / 72)
    t = f"{unit['fax']['stamp']}  FROM: {unit['fax']['from']}   P.{p:03d}/{total:03d}"
    d.text((int(0.3 * dpi), int(0.15 * dpi)), t, font=f, fill=0)


def render_unit(job):
    """Render one file or page-file folder; returns its truth lines."""
    unit, out_dir, fam_paths = job
    nrng = np.random.default_rng(unit["seed"])
    dpi = unit["dpi"]
    pages = []  # (image, doc spec, k, n, printed)
    for spec in unit["docs"]:
        D = Doc(spec, dpi, fam_paths)
        rendered = render_document(D)
        for im, printed, k in rendered:
            pages.append((im, spec, k, len(rendered), printed))
    total = len(pages)
    finished = []
    for i, (im, spec, k, n, printed) in enumerate(pages, 1):
        if unit.get("fax"):
            fax_line(im, unit, i, total, dpi, fam_paths)
        finished.append(degrade(im, unit["effects"], nrng, dpi))
    fmt = unit["format"]
    if unit["kind"] == "file" and total > 1 and fmt in ("png", "jpeg"):
        fmt = unit["multi_format"]  # PNG and JPEG hold one page
    if fmt == "tiff" and finished[0].mode != "1":
        finished = [im.point(lambda v, t=unit["tiff_threshold"]: 255 if v > t else 0).convert("1", dither=Image.NONE)
                    for im in finished]
    scans = os.path.join(out_dir, "scans")
    truth = []
    if unit["kind"] == "folder":
        folder = os.path.join(scans, unit["name"])
        os.makedirs(folder, exist_ok=True)
        sources = []
        for i, im in enumerate(finished, 1):
            rel = f"{unit['name']}/page-{i:03d}.{EXT[fmt]}"
            save_pages([im], os.path.join(scans, rel), fmt, dpi, unit["quality"])
            sources.append((rel, 1))
    else:
        rel = f"{unit['name']}.{EXT[fmt]}"
        save_pages(finished, os.path.join(scans, rel), fmt, dpi, unit["quality"])
        sources = [(rel, i) for i in range(1, total + 1)]
    for i, ((rel, page), (im, spec, k, n, printed)) in enumerate(zip(sources, pages), 1):
        p = spec["patient"]
        trap = None if p["in_index"] else "not_in_index"
        truth.append({
            "source": rel, "page": page, "doc_type": spec["doc_type"], "starts_document": k == 1,
            "document": spec["id"], "page_in_document": k, "pages_in_document": n,
            "patient_mrn": p["mrn"], "trap": trap,
            "expect_reason": "MRN not in patient index" if trap else None,
            "printed": [printed] if any(printed.values()) else [],
            "layout": spec["layout"], "degradation": unit["degradation"],
            "effects": effects_names(unit["effects"], fmt), "format": fmt, "dpi": dpi, "file_kind": unit["kind"],
            "file_documents": len(unit["docs"]),
            "folder": unit["name"] if unit["kind"] == "folder" else None,
            "folder_index": i if unit["kind"] == "folder" else None,
            "title": spec["title"], "font": f"{spec['font']} {spec['pt']}pt",
            "site_form": spec.get("site_form", False),
        })
    return unit["index"], truth


# --------------------------------------------------------------------------
# Planning: every random choice, made in the parent from the seed

def read_texts(path):
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            t = r.get("text") or r.get("transcription") or ""
            t = clean_text(t)
            if len(t) < 150 or not r.get("doc_type"):
                continue
            rows.append({"doc_type": r["doc_type"].strip(), "text": t,
                         "name": (r.get("sample_name") or "").strip()})
    return rows


def select_docs(rng, rows, n):
    if n is None or n >= len(rows):
        chosen = list(rows)
        rng.shuffle(chosen)
        return chosen
    by = {}
    for r in rows:
        by.setdefault(r["doc_type"], []).append(r)
    chosen, ids = [], set()
    quota = min(4, n // len(by))  # rare types appear: up to 4 of each
    for t in sorted(by):
        pool = list(by[t])
        rng.shuffle(pool)
        for r in pool[:min(len(pool), quota)]:
            chosen.append(r)
            ids.add(id(r))
    rest = [r for r in rows if id(r) not in ids]
    rng.shuffle(rest)
    chosen += rest[:max(0, n - len(chosen))]
    rng.shuffle(chosen)
    return chosen


def plan_style(rng, row, patient, org, clinicians, fams, layout_hint=None):
    t = row["doc_type"]
    s = {"doc_type": t, "patient": patient, "org": org}
    if layout_hint:
        layout = layout_hint
    elif t == "correspondence":
        layout = "letter" if rng.random() < 0.85 else rng.choice(LAYOUTS[:-1])
    elif rng.random() < {"consultation": 0.25, "progress_note": 0.08}.get(t, 0):
        layout = "letter"  # a reply to the referring physician
    else:
        layout = rng.choice(LAYOUTS[:-1])
    s["layout"] = layout
    text = row["text"]
    # a title of our own wording, or none (the text's own first heading stands)
    if layout == "letter":
        s["title"] = rng.choice(TITLES.get(t, ["Letter"])) if rng.random() < 0.2 else None
    elif rng.random() < 0.15:
        s["title"] = None
    else:
        titles = TITLES.get(t) or [t.replace("_", " ").title()]
        s["title"] = rng.choice(titles)
    if s["title"] and rng.random() < 0.3:
        s["title"] = s["title"].upper()
    families = sorted(fams)
    mono_ok = [f for f in families if f in MONO]
    prop = [f for f in families if f not in MONO]
    if layout == "typed_block" and mono_ok and rng.random() < 0.7:
        s["font"] = rng.choice(mono_ok)
    else:
        s["font"] = rng.choice(prop if rng.random() < 0.9 or not mono_ok else mono_ok)
    s["header_font"] = s["font"] if rng.random() < 0.5 else rng.choice(prop)
    s["pt"] = rng.choice([10, 10.5, 11, 11, 11.5, 12] if s["font"] not in MONO else [10, 10, 10.5, 11])
    s["leading"] = rng.uniform(1.18, 1.45)
    s["para_gap"] = rng.uniform(0.6, 1.0)
    s["bold_headings"] = rng.random() < 0.6
    s["title_pt"] = s["pt"] + rng.choice([1, 2, 3, 4])
    s["title_align"] = rng.choice(["center", "center", "left"])
    s["title_underline"] = rng.random() < 0.3
    s["title_first"] = rng.random() < 0.4
    s["letterhead"] = rng.choice(["centered", "logo_left", "right", "band", "plain"])
    s["margin_left"] = rng.uniform(0.75, 1.1)
    s["margin_right"] = rng.uniform(0.7, 1.0)
    s["margin_top"] = rng.uniform(0.5, 0.8)
    s["margin_bottom"] = rng.uniform(0.6, 0.9)
    s["dept"] = rng.choice(DEPT.get(t, ["Health Information Management"]))
    s["labels"] = {"mrn": wchoice(rng, MRN_LABELS), "dob": wchoice(rng, DOB_LABELS),
                   "name": wchoice(rng, NAME_LABELS), "sex": rng.choice(SEX_LABELS),
                   "svc": rng.choice(SERVICE_LABELS),
                   "mrn_short": rng.choice(["MRN", "MR#", "MR", "Med Rec"]),
                   "dob_short": rng.choice(["DOB", "DOB:", "BD", "Born"])}
    if layout == "letter" and s["labels"]["name"] != "Patient":
        s["labels"]["name"] = "Patient"
    s["name_style"] = wchoice(rng, [("FAMILY, GIVEN", 4), ("Family, Given", 4), ("Given Family", 3),
                                    ("Given M. Family", 1)])
    s["caps"] = rng.random() < 0.5
    s["dob_format"] = wchoice(rng, DOB_FORMATS)
    s["svc_format"] = rng.choice(["%m/%d/%Y", "%m/%d/%Y", "%Y-%m-%d", "%b %d, %Y"])
    birth = patient["birth_date"]
    s["birth"] = birth
    lo = max(dt.date(2006, 1, 1), birth + dt.timedelta(days=30))
    hi = dt.date(2021, 12, 31)
    if lo > hi:
        lo = hi - dt.timedelta(days=60)
    svc = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
    s["service_date"] = svc
    s["age"] = max(0, age_at(birth, svc))
    sex = patient["sex"]
    s["sex_printed"] = {"M": rng.choice(["M", "Male"]), "F": rng.choice(["F", "Female"]), "U": "U"}[sex]
    # MRN as printed: mostly as the index has it, sometimes grouped
    m = patient["mrn"]
    if rng.random() < 0.12 and len(m) >= 7:
        cut = len(m) - 4
        s["mrn_printed"] = f"{m[:cut]}-{m[cut:]}" if rng.random() < 0.6 else f"{m[:3]} {m[3:]}"
    else:
        s["mrn_printed"] = m
    clin = rng.choice(clinicians)
    s["clin"] = clin
    s["clin_str"] = f"{clin['given']} {clin['family']}, {clin['degree']}" if rng.random() < 0.5 else f"Dr. {clin['family']}"
    s["clin_role"] = rng.choice(["att", "dict"])
    s["clin_title"] = rng.choice(["Attending Physician", s["dept"], "Consulting Physician", "Staff Physician",
                                  "Surgeon" if t == "operative_report" else "Physician"])
    s["typed_date_label"] = {"discharge_summary": "DATE OF DISCHARGE", "history_physical": "DATE OF ADMISSION",
                             "operative_report": "DATE OF OPERATION", "emergency_note": "DATE OF VISIT",
                             "radiology_report": "DATE OF EXAM"}.get(t, rng.choice(["DATE OF SERVICE", "VISIT DATE"]))
    s["unit"] = rng.choice(UNITS)
    s["acct_label"] = rng.choice(["ACCT", "FIN", "ENC", "V#"])
    s["acct"] = f"{rng.randint(10 ** 9, 10 ** 10 - 1)}"
    s["cont"] = rng.choice(CONT_STYLES[layout])
    s["cont_continued"] = rng.random() < 0.4
    s["cont_right"] = rng.random() < 0.5
    s["pagenum"] = wchoice(rng, [(None, 3), ("Page {k} of {n}", 4), ("Page {k}", 1.5), ("{k}/{n}", 1),
                                 ("- {k} -", 1), ("Pg {k} of {n}", 0.5)])
    if layout == "ehr_line":
        s["pagenum"] = "Page {k} of {n}"
    s["pagenum_first"] = rng.random() < 0.7
    s["pagenum_pos"] = rng.choice(["center", "right"])
    s["confidential"] = rng.choice([None, None, None, "CONFIDENTIAL",
                                    "This record contains confidential health information."])
    s["printed_on"] = (svc + dt.timedelta(days=rng.randint(0, 900))).strftime("%m/%d/%Y") + f" {rng.randint(7, 18):02d}:{rng.randint(0, 59):02d}"
    s["printed_by"] = f"{invent_given(rng)[0].lower()}{invent_family(rng).lower()[:6]}"
    sd = svc + dt.timedelta(days=rng.randint(0, 3))
    s["sign_date"] = sd.strftime("%m/%d/%Y")
    s["trans_date"] = (sd + dt.timedelta(days=rng.randint(0, 2))).strftime("%m/%d/%Y")
    s["sign_time"] = f"{rng.randint(6, 22):02d}:{rng.randint(0, 59):02d}"
    s["job"] = str(rng.randint(100000, 999999))
    s["typist"] = "".join(rng.choice("abcdefghjklmnprstvw") for _ in range(2))
    other = rng.choice(clinicians)
    s["cc"] = f"{other['given']} {other['family']}, {other['degree']}"
    s["sig_indent"] = rng.choice([0, 0, 0.45])
    s["other"] = other
    plan_closing(rng, s, text)
    s["paras"] = paragraphs(truncate(text, 9000))
    s["text_chars"] = len(text)
    return s


def plan_closing(rng, s, text):
    """How the document ends (and a letter opens), for its layout."""
    other = s["other"]
    low = text.lower()
    has_close = any(w in low[-400:] for w in ("sincerely", "regards", "thank you for"))
    if s["layout"] == "letter":
        s["signature"] = None if has_close else "closing"
        s["salutation"] = None if "dear " in low[:400] else f"Dear Dr. {other['family']}:"
        s["letter_date"] = s["service_date"].strftime("%B %d, %Y").replace(" 0", " ")
        s["recipient"] = [f"{other['given']} {other['family']}, {other['degree']}", invent_org(rng)["name"],
                          f"{rng.randint(10, 999)} {invent_place(rng).split()[0]} {rng.choice(STREET_KIND)}",
                          f"{invent_place(rng)}, {rng.choice(STATES)} {rng.randint(10000, 99950):05d}"]
    else:
        s["signature"] = wchoice(rng, [("esign", 3), ("dictated", 3), ("cc", 1), (None, 1)])
        s["salutation"] = None


# --------------------------------------------------------------------------
# A site (--site): the same hospitals and, for each document type, the same
# form (layout, title, fonts, labels, page numbers) from batch to batch,
# while the texts, patients, dates and scans vary with --seed.

# What a site's form fixes of a document's look.
FORM_KEYS = ("layout", "title", "font", "pt", "leading", "para_gap", "bold_headings", "title_pt", "title_align",
             "title_underline", "title_first", "margin_left", "margin_right", "margin_top", "margin_bottom", "dept",
             "labels", "name_style", "caps", "dob_format", "svc_format", "typed_date_label", "clin_title", "cont",
             "cont_continued", "cont_right", "pagenum", "pagenum_first", "pagenum_pos", "confidential",
             "sig_indent", "signature")


class Site:
    """A site's hospitals (each with its letterhead) and its forms, one per
    document type, all decided by the site's seed alone."""

    def __init__(self, seed, fams):
        self.seed, self.fams = seed, fams
        rng = random.Random(f"realgen-site-{seed}")
        families = sorted(fams)
        prop = [f for f in families if f not in MONO]
        self.orgs = []
        for _ in range(2):
            org = invent_org(rng)
            org["letterhead"] = rng.choice(["centered", "logo_left", "right", "band", "plain"])
            org["header_font"] = rng.choice(prop)
            self.orgs.append(org)
        self.clinicians = invent_clinicians(rng, 4, set())
        self.forms = {}

    def form(self, doc_type):
        if doc_type not in self.forms:
            rng = random.Random(f"realgen-site-{self.seed}-{doc_type}")
            nobody = {"mrn": "0000000", "birth_date": dt.date(1970, 1, 1), "sex": "U"}
            row = {"doc_type": doc_type, "text": "", "name": ""}
            s = plan_style(rng, row, nobody, self.orgs[0], self.clinicians, self.fams)
            self.forms[doc_type] = {k: s[k] for k in FORM_KEYS}
        return self.forms[doc_type]

    def apply(self, rng, s, text):
        """Gives a planned document the site's form for its type and its
        hospital's letterhead."""
        was_letter = s["layout"] == "letter"
        s.update(self.form(s["doc_type"]))
        s["letterhead"], s["header_font"] = s["org"]["letterhead"], s["org"]["header_font"]
        s["site_form"] = True
        if s["layout"] == "letter" and not was_letter:
            plan_closing(rng, s, text)
        elif s["layout"] == "letter":
            # a letter's closing follows its text
            has_close = any(w in text.lower()[-400:] for w in ("sincerely", "regards", "thank you for"))
            s["signature"] = None if has_close else "closing"
        else:
            s["salutation"] = None


def plan(args):
    rng = random.Random(args.seed)
    rows = read_texts(args.data)
    if not rows:
        sys.exit("realgen: no texts in " + args.data)
    docs = select_docs(rng, rows, args.docs)
    n = len(docs)
    fams = available_families()
    if not fams:
        sys.exit("realgen: no DejaVu or Liberation fonts found (Debian: fonts-dejavu-core fonts-liberation)")
    n_outside = max(2, round(0.1 * n / 2))
    patients = invent_patients(rng, args.patients, n_outside)
    indexed = [p for p in patients if p["in_index"]]
    outside = [p for p in patients if not p["in_index"]]
    clinicians = invent_clinicians(rng, 14, {p["family_name"] for p in patients})
    orgs = [invent_org(rng) for _ in range(7)]
    site = Site(args.site, fams) if args.site is not None else None

    # which documents go into page-file folders, and how documents share files
    order = list(range(n))
    n_folder = round(args.page_files_share * n)
    folder_docs, file_docs = order[:n_folder], order[n_folder:]
    def group(docs_, share, sizes):
        """Split docs_ into units, about `share` of them holding several documents."""
        bundles = []
        left = len(docs_)
        # b bundles of mean size m among u units: b = share * u, u = left - b * (m - 1)
        m = sum(sizes) / len(sizes)
        target = round(share * left / (1 + share * (m - 1)))
        for _ in range(target):
            k = rng.choice(sizes)
            if left - k < 0:
                break
            bundles.append(k)
            left -= k
        counts = bundles + [1] * left
        rng.shuffle(counts)
        out, i = [], 0
        for k in counts:
            out.append(docs_[i:i + k])
            i += k
        return out

    units = [("folder", g) for g in group(folder_docs, 0.3, [2])]
    units += [("file", g) for g in group(file_docs, 0.3, [2, 2, 3])]
    rng.shuffle(units)

    # about 10% of documents for patients missing from the index: each fresh
    # patient is one with the chance that keeps the count on target (documents
    # of a bundle for one patient share it)
    trap_budget, docs_left = round(0.1 * n), n
    jobs = []
    doc_no = 0
    for ui, (kind, members) in enumerate(units, 1):
        unit_org = rng.choice(orgs)
        if site:
            unit_org = rng.choice(site.orgs)
        same_patient = rng.random() < 0.5
        prev = None
        specs = []
        for j, di in enumerate(members):
            if prev is not None and same_patient:
                patient = prev
            elif rng.random() < trap_budget / max(docs_left, 1):
                patient = rng.choice(outside)
            else:
                patient = rng.choice(indexed)
            prev = patient
            docs_left -= 1
            trap_budget -= not patient["in_index"]
            org = unit_org if rng.random() < 0.7 else rng.choice(orgs)
            # at a site, its own hospitals' documents on its forms, and
            # records from elsewhere (--outside-share) as they come
            elsewhere = site is not None and rng.random() < args.outside_share
            if site:
                org = rng.choice(orgs) if elsewhere else unit_org if rng.random() < 0.8 else rng.choice(site.orgs)
            spec = plan_style(rng, docs[di], patient, org, clinicians, fams)
            if site and not elsewhere:
                site.apply(rng, spec, docs[di]["text"])
            doc_no += 1
            spec["id"] = f"D{doc_no:04d}"
            spec["source_name"] = docs[di]["name"]
            specs.append(spec)
        # the file: resolution, degradation, format
        dpi = wchoice(rng, [(300, 6), (240, 1.5), (200, 2.5)])
        moderate = rng.random() < 0.4
        eff = {"paper": rng.randint(246, 255), "ink": rng.randint(0, 25)}
        if kind == "folder":
            fmt = wchoice(rng, [("png", 4), ("jpeg", 3), ("tiff", 3)])
        else:
            fmt = wchoice(rng, [("png", 2), ("jpeg", 2), ("tiff", 3), ("pdf", 3)])
        if moderate:
            while True:
                if rng.random() < 0.6:
                    eff["skew"] = rng.choice([-1, 1]) * rng.uniform(0.3, 1.5)
                if rng.random() < 0.5:
                    eff["speckle"] = rng.uniform(1e-5, 6e-5)
                if rng.random() < 0.35:
                    eff["blur"] = rng.uniform(0.5, 0.9)
                if rng.random() < 0.35:
                    eff["noise"] = rng.uniform(3, 8)
                if rng.random() < 0.35:
                    eff["bilevel"] = rng.randint(150, 185)
                if rng.random() < 0.3:
                    eff["ink"] = rng.randint(30, 70)
                if any(eff.get(x) for x in ("skew", "speckle", "blur", "noise", "bilevel")) or eff["ink"] >= 30:
                    break
        if eff.get("bilevel") and fmt == "jpeg":
            fmt = rng.choice(["png", "tiff"])
        if kind == "file" and len(members) > 1 and fmt in ("png", "jpeg"):
            fmt = rng.choice(["tiff", "pdf"])
        quality = rng.randint(60, 80) if moderate else rng.randint(85, 95)
        if moderate and not eff.get("bilevel"):
            eff["jpeg"] = quality  # applies when the file is a JPEG or a PDF
        # a TIFF is Group 4, so bilevel: at this threshold when nothing else made it so
        tiff_threshold = rng.randint(150, 175) if moderate else 160
        unit = {"index": ui, "kind": kind, "name": f"chart-{ui:04d}", "docs": specs, "dpi": dpi,
                "effects": eff, "degradation": "moderate" if moderate else "clean", "format": fmt,
                "quality": quality, "seed": [args.seed, ui], "tiff_threshold": tiff_threshold,
                "multi_format": rng.choice(["tiff", "pdf"])}
        if rng.random() < 0.07:
            sent = specs[0]["service_date"] + dt.timedelta(days=rng.randint(1, 400))
            unit["fax"] = {"font": rng.choice(sorted(fams)),
                           "stamp": sent.strftime("%b-%d-%Y").upper() + f" {rng.randint(7, 19):02d}:{rng.randint(0, 59):02d}",
                           "from": f"{unit_org['name'].upper()[:28]} HIM {unit_org['fax']}"}
        jobs.append(unit)
    return jobs, patients, fams


SYNTHETIC = """SYNTHETIC DATA NOTICE

Generated by scripts/realgen.py (seed {seed}) for scripts/eval-realworld.

The patients (names, medical record numbers, dates of birth, sex), the
hospitals and clinics, their addresses and telephone numbers, the clinicians,
the letterheads, patient header blocks, titles, signatures and page layouts
are all fictional, invented by the generator from its own syllable lists and
describe no real person or institution.

The clinical text of each document is a real, de-identified public medical
transcription sample: "Transcribed Medical Transcription Sample Reports and
Examples, www.mtsamples.com" (as collected in ../shared/data/mtsamples-train.csv;
the site allows sharing with this credit). The texts carry no patient
identifiers; the identifiers printed on the pages are the invented ones.

patients.csv is the patient index; {outside} further invented patients are
deliberately missing from it (their documents' pages carry trap
"not_in_index" in truth.jsonl and must go to review with "MRN not in patient
index"). truth.jsonl has one line per page.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="CSV: doc_type,text (or doc_type,...,transcription)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--docs", type=int, default=None, help="documents to render (default: every text)")
    ap.add_argument("--page-files-share", type=float, default=0.25)
    ap.add_argument("--patients", type=int, default=60, help="patients in the index")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--site", type=int, default=None,
                    help="a site's look: the same hospitals, letterheads and per-type forms (layout, title, "
                         "fonts, labels) for every batch made with this site seed, while --seed varies the "
                         "texts' order, patients, dates and scans")
    ap.add_argument("--outside-share", type=float, default=0.15,
                    help="with --site: share of documents from elsewhere, in their own looks")
    args = ap.parse_args()

    jobs, patients, fams = plan(args)
    if os.path.exists(os.path.join(args.out, "scans")):
        shutil.rmtree(os.path.join(args.out, "scans"))
    os.makedirs(os.path.join(args.out, "scans"), exist_ok=True)
    with open(os.path.join(args.out, "patients.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mrn", "family_name", "given_name", "birth_date", "sex"])
        for p in patients:
            if p["in_index"]:
                w.writerow([p["mrn"], p["family_name"], p["given_name"], p["birth_date"].isoformat(), p["sex"]])
    work = [(u, args.out, fams) for u in jobs]
    results = {}
    if args.workers > 1:
        with multiprocessing.Pool(args.workers) as pool:
            for idx, truth in pool.imap_unordered(render_unit, work):
                results[idx] = truth
    else:
        for job in work:
            idx, truth = render_unit(job)
            results[idx] = truth
    pages = 0
    with open(os.path.join(args.out, "truth.jsonl"), "w") as f:
        for idx in sorted(results):
            for t in results[idx]:
                f.write(json.dumps(t) + "\n")
                pages += 1
    with open(os.path.join(args.out, "documents.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["document", "doc_type", "patient_mrn", "in_index", "unit", "layout", "title", "sample_name"])
        for u in jobs:
            for s in u["docs"]:
                w.writerow([s["id"], s["doc_type"], s["patient"]["mrn"], s["patient"]["in_index"], u["name"],
                            s["layout"], s["title"] or "", s["source_name"]])
    with open(os.path.join(args.out, "SYNTHETIC.txt"), "w") as f:
        f.write(SYNTHETIC.format(seed=args.seed, outside=sum(not p["in_index"] for p in patients)))
    ndocs = sum(len(u["docs"]) for u in jobs)
    print(f"realgen: {ndocs} documents, {pages} pages, {len(jobs)} files/folders "
          f"({sum(u['kind'] == 'folder' for u in jobs)} page-file folders, "
          f"{sum(len(u['docs']) > 1 for u in jobs)} holding several documents) in {args.out}/scans",
          file=sys.stderr)


if __name__ == "__main__":
    main()
