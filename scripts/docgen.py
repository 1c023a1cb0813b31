#!/usr/bin/python3
"""docgen - varied synthetic chart-document TEXT generator for chartmill.

Everything produced here is SYNTHETIC: organisations, clinicians, patients and
all clinical wording were invented for this generator (names come from a
generated pool; phone numbers use the fictional 555-01xx range).

Used by scripts/make-training-data (CSV of labelled document texts) and
scripts/make-classifier-scans (renders labelled texts as degraded chart scans).

Main entry points
  * Gen(seed, split)                     - seeded randomness; split "train" or
                                           "test" decides which wording variants
                                           and templates may be used (about one
                                           wording variant in five, and some
                                           whole templates, are test-only)
  * generate_document(doc_type, g)       - -> (text, meta) for one document
  * TYPES, TEMPLATES                     - document type codes, template registry
  * patient_pool(split), make_patient()  - fictional patients
  * patient_block(g, doc)                - chart patient block lines, many styles
  * parse_patient(text)                  - inverse of the patient block styles
  * strip_pagination(text)               - drop page footers/continuation lines
  * render_text_pages(...)               - lay out any text as chart page images

Determinism: all randomness flows through random.Random instances seeded from
strings; the hold-out test uses zlib.crc32, never hash().
"""

import random
import re
import zlib
from datetime import date, timedelta

TYPES = ["history_physical", "discharge_summary", "operative_report", "progress_note",
         "consultation", "emergency_note", "lab_report", "radiology_report",
         "pathology_report", "consent", "insurance", "medication_record",
         "correspondence", "other"]

SPLITS = ("train", "test")

# --------------------------------------------------------------------------
# Split-aware randomness
# --------------------------------------------------------------------------


def _crc(s):
    return zlib.crc32(s.encode("utf-8"))


def held_out(x):
    """True for wording variants reserved for the test split (about 1 in 5)."""
    return _crc("docgen-holdout:" + str(x)) % 5 == 0


class Gen:
    """Seeded random source.  pick()/some() respect the train/test hold-out:
    in "train" held-out variants are never chosen (unless nothing else is
    left); in "test" they are preferred 40% of the time."""

    def __init__(self, seed, split="train"):
        if split not in SPLITS:
            raise ValueError(split)
        self.rng = random.Random(seed)
        self.split = split

    def random(self):
        return self.rng.random()

    def chance(self, p):
        return self.rng.random() < p

    def randint(self, a, b):
        return self.rng.randint(a, b)

    def uniform(self, a, b):
        return self.rng.uniform(a, b)

    def choice(self, seq):
        return self.rng.choice(list(seq))

    def sample(self, seq, k):
        seq = list(seq)
        return self.rng.sample(seq, min(k, len(seq)))

    def shuffle(self, seq):
        self.rng.shuffle(seq)

    def _allowed(self, seq):
        seq = list(seq)
        if self.split == "train":
            return [x for x in seq if not held_out(x)] or seq
        return seq

    def pick(self, seq):
        seq = list(seq)
        if self.split == "test":
            held = [x for x in seq if held_out(x)]
            if held and self.rng.random() < 0.4:
                return self.rng.choice(held)
            return self.rng.choice(seq)
        return self.rng.choice(self._allowed(seq))

    def some(self, seq, lo, hi=None):
        """lo..hi distinct items (order randomised)."""
        seq = self._allowed(seq)
        hi = lo if hi is None else hi
        k = min(len(seq), self.randint(lo, hi))
        return self.rng.sample(seq, k)

    def digits(self, n):
        return "".join(str(self.rng.randint(0, 9)) for _ in range(n))


# --------------------------------------------------------------------------
# Generated name pools (fictional)
# --------------------------------------------------------------------------

GIVEN_F = [
    "Ada", "Adaeze", "Agnes", "Aiko", "Alma", "Amara", "Anika", "Beatrix", "Bianca", "Blessing",
    "Calla", "Camille", "Carmen", "Celeste", "Dalia", "Daphne", "Delphine", "Dolores", "Edith",
    "Elena", "Eloise", "Esme", "Farah", "Fatima", "Fiona", "Freya", "Gemma", "Greta", "Hana",
    "Harriet", "Ilse", "Imani", "Ines", "Ingrid", "Iris", "Jovana", "Juno", "Kalani", "Keiko",
    "Lale", "Leonie", "Lidia", "Lorna", "Lucia", "Maeve", "Malia", "Marisol", "Mei", "Mina",
    "Nadia", "Nell", "Noemi", "Odette", "Olive", "Opal", "Paloma", "Petra", "Priya", "Rosalind",
    "Ruth", "Saoirse", "Selma", "Sunniva", "Tamsin", "Thea", "Una", "Valeria", "Vera", "Wilma",
    "Yara", "Yesenia", "Zinnia", "Zofia", "Ottilie", "Hester", "Marguerite", "Philippa",
]
GIVEN_M = [
    "Abel", "Ambrose", "Anselm", "Arjun", "Augustin", "Bartholomew", "Basil", "Bertram", "Caspian",
    "Cedric", "Cosimo", "Cyprian", "Dashiell", "Desmond", "Dmitri", "Eamon", "Emeka", "Emil",
    "Ezekiel", "Fabian", "Felix", "Florian", "Gideon", "Gustavo", "Hamish", "Haruto", "Horace",
    "Ignatius", "Isidore", "Jasper", "Joaquin", "Jonas", "Kai", "Kwame", "Lazlo", "Leopold",
    "Lucius", "Malcolm", "Mateo", "Matthias", "Nikolai", "Obadiah", "Octavio", "Olumide", "Osric",
    "Percival", "Piotr", "Quentin", "Rafferty", "Ravi", "Rupert", "Santiago", "Silas", "Soren",
    "Tadeo", "Thaddeus", "Tobias", "Ulrich", "Vikram", "Wendell", "Xavier", "Yusuf", "Zeno",
    "Alistair", "Barnaby", "Cornelius", "Enzo", "Lorcan", "Mortimer", "Oswin",
]
_SUR_A = ["Ash", "Bram", "Brack", "Cald", "Cob", "Corn", "Dun", "Elm", "Fen", "Fair", "Gold",
          "Grim", "Hal", "Hart", "Holm", "Kes", "Lang", "Lind", "Mar", "Mel", "Nor", "Ock",
          "Pen", "Quill", "Ran", "Ros", "Stan", "Sel", "Thorn", "Tre", "Ul", "Wex", "Whit",
          "Yar", "Bel", "Cran", "Dal", "Hob", "Lock", "Mab"]
_SUR_B = ["bury", "combe", "dale", "field", "ford", "gate", "hurst", "ley", "mere", "more",
          "ridge", "ton", "wick", "worth", "well", "brook", "holt", "shaw", "croft", "lowe",
          "stead", "wood", "by", "ham", "wyn", "ington"]
_SUR_X = ["Okonkwo", "Abernathy", "Villaseñor", "Nakagawa", "Oyelaran", "Haldane", "Szabo",
          "Castellanos", "Mbeki", "Lindqvist", "Petrakis", "Ferreira", "Kowalczyk", "Ramanathan",
          "Delacroix", "Achterberg", "Mwangi", "Takahashi", "Ostrowski", "Quiñones", "Bellamy",
          "Oduya", "Varga", "Halvorsen", "Esterhazy", "Tolliver", "Ashdown", "Mancini", "Rautio",
          "Nguyen-Hale", "Obuya", "Saavedra", "Thackeray", "Vasquez-Orr", "Yilmaz", "Zeller"]


def _ascii(s):
    return s.replace("ñ", "n").replace("ñ", "n")


def make_surname(rng):
    if rng.random() < 0.3:
        s = _ascii(rng.choice(_SUR_X))
    else:
        s = rng.choice(_SUR_A) + rng.choice(_SUR_B)
    if rng.random() < 0.05:
        s = s + "-" + rng.choice(_SUR_A) + rng.choice(_SUR_B)
    return s


def _place_names():
    a = ["Ash", "Birch", "Bramble", "Cedar", "Clover", "Copper", "Crane", "Elder", "Fern", "Fox",
         "Glen", "Hazel", "Heron", "Holly", "Iron", "Juniper", "Kestrel", "Lark", "Linden", "Maple",
         "Marsh", "Mill", "Oak", "Osprey", "Pine", "Quarry", "Raven", "Rowan", "Sage", "Silver",
         "Sparrow", "Stone", "Thorn", "Willow", "Wren", "Amber", "Cinder", "Tamar", "Alder", "Wolds"]
    b = ["brook", "dale", "field", "ford", "gate", "haven", "hollow", "hurst", "mere", "moor",
         "ridge", "stead", "vale", "wick", "wood", "crest", "bridge", "port", "shire", "ton"]
    rng = random.Random("docgen-places")
    out, seen = [], set()
    while len(out) < 90:
        x = rng.choice(a) + rng.choice(b)
        if rng.random() < 0.15:
            x = rng.choice(["North ", "East ", "West ", "South ", "Upper ", "Lake ", "Port "]) + x
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


PLACES = _place_names()
STATES = ["OH", "PA", "MN", "WI", "OR", "VT", "NC", "KY", "IA", "NM", "ME", "MO", "IN", "CO"]
STREET_A = ["Lantern", "Copperleaf", "Orchard", "Quarry", "Mill Pond", "Harbor", "Cobble", "Juniper",
            "Chestnut", "Wicker", "Foundry", "Meadowlark", "Granary", "Tannery", "Beacon", "Larkspur"]
STREET_B = ["Row", "Avenue", "Street", "Lane", "Road", "Drive", "Way", "Court", "Parkway", "Boulevard"]


def make_address(rng, suite=False):
    s = "%d %s %s" % (rng.randint(1, 9899), rng.choice(STREET_A), rng.choice(STREET_B))
    if suite and rng.random() < 0.5:
        s += ", Suite %d" % rng.randint(100, 450)
    return {"street": s, "city": rng.choice(PLACES), "state": rng.choice(STATES),
            "zip": "%05d" % rng.randint(10000, 99899)}


def addr_line(a):
    return "%s, %s, %s %s" % (a["street"], a["city"], a["state"], a["zip"])


def make_phone(rng):
    return "(%d) 555-01%02d" % (rng.randint(201, 989), rng.randint(0, 99))


HOSP_KIND = ["Medical Center", "Regional Hospital", "Community Hospital", "General Hospital",
             "Memorial Hospital", "Regional Medical Center", "Health Center", "University Hospital",
             "Hospital", "Valley Hospital", "Health System"]
PRACTICE_KIND = ["Family Medicine", "Internal Medicine Associates", "Cardiology Associates",
                 "Orthopaedic Group", "Women's Health", "Pediatrics", "Gastroenterology Clinic",
                 "Pulmonary & Sleep Medicine", "Neurology Associates", "Primary Care",
                 "Dermatology", "Urology Partners", "Endocrine Clinic", "Surgical Associates",
                 "Oncology & Hematology", "Rheumatology Clinic", "ENT Associates"]
PAYER_KIND = ["Health Plan", "Mutual Health", "Health Alliance", "Care Network", "HealthCare",
              "Benefit Administrators", "Medical Plan", "Health Cooperative", "Insurance Company"]
LAB_KIND = ["Clinical Laboratories", "Reference Laboratory", "Diagnostic Laboratories",
            "Pathology Associates", "Laboratory Services"]


def _orgs():
    rng = random.Random("docgen-orgs")
    hosp, prac, payer, lab = [], [], [], []
    places = list(PLACES)
    rng.shuffle(places)
    for i, pl in enumerate(places):
        a = make_address(rng)
        org = {"name": "", "address": a, "phone": make_phone(rng), "fax": make_phone(rng)}
        if i < 40:
            org["name"] = pl + " " + rng.choice(HOSP_KIND)
            org["kind"] = "hospital"
            hosp.append(org)
        elif i < 68:
            org["name"] = pl + " " + rng.choice(PRACTICE_KIND)
            org["kind"] = "practice"
            a["street"] += ", Suite %d" % rng.randint(100, 450)
            prac.append(org)
        elif i < 80:
            org["name"] = pl + " " + rng.choice(PAYER_KIND)
            org["kind"] = "payer"
            payer.append(org)
        else:
            org["name"] = pl + " " + rng.choice(LAB_KIND)
            org["kind"] = "lab"
            lab.append(org)
    return hosp, prac, payer, lab


HOSPITALS, PRACTICES, PAYERS, LABS = _orgs()
ORG_NAMES = {o["name"].upper() for o in HOSPITALS + PRACTICES + PAYERS + LABS}


def is_org_line(line):
    """True if the line is (starts with) one of the generated organisation names."""
    u = line.strip().upper()
    if not u:
        return False
    if u in ORG_NAMES:
        return True
    return any(u.startswith(n) for n in ORG_NAMES)


CREDS = ["MD", "MD", "MD", "DO", "MD, FACP", "MD, PhD", "MD, FACS"]


def _clinicians():
    rng = random.Random("docgen-clinicians")
    out = []
    for i in range(160):
        f = rng.random() < 0.5
        out.append({"given": rng.choice(GIVEN_F if f else GIVEN_M), "family": make_surname(rng),
                    "cred": rng.choice(CREDS), "sex": "F" if f else "M",
                    "npi": "1%09d" % rng.randint(0, 999999999)})
    return out


CLINICIANS = _clinicians()
NURSE_CREDS = ["RN", "RN", "LPN", "RN, BSN"]


def dr_full(c):
    return "%s %s, %s" % (c["given"], c["family"], c["cred"])


def dr_short(c):
    return "Dr. %s" % c["family"]


def dr_last_first(c):
    return "%s, %s %s" % (c["family"].upper(), c["given"].upper(), c["cred"].split(",")[0])


# --------------------------------------------------------------------------
# Patients
# --------------------------------------------------------------------------

MRN_FORMATS = ["%08d", "%07d", "M%07d", "%09d", "E%06d", "%02d-%03d-%03d", "%010d"]


def make_patient(rng, pid, min_age=0, max_age=97):
    f = rng.random() < 0.52
    age = rng.choice([rng.randint(18, 92), rng.randint(18, 92), rng.randint(35, 88),
                      rng.randint(1, 17), rng.randint(0, 97)])
    age = max(min_age, min(max_age, age))
    ref = date(2021, 1, 1)
    b = ref - timedelta(days=365 * age + rng.randint(0, 364))
    fmt = rng.choice(MRN_FORMATS)
    if fmt.count("%") == 3:
        mrn = fmt % (rng.randint(10, 99), rng.randint(0, 999), rng.randint(0, 999))
    else:
        n = 10 ** (int(re.search(r"(\d+)d", fmt).group(1)) - 1)
        mrn = fmt % rng.randint(n // 10 if n > 10 else 0, n * 10 - 1)
    return {
        "id": pid,
        "given_name": rng.choice(GIVEN_F if f else GIVEN_M),
        "family_name": make_surname(rng),
        "middle": rng.choice("ABCDEFGHJKLMNPRSTW") if rng.random() < 0.55 else "",
        "sex": "F" if f else "M",
        "birth_date": b.isoformat(),
        "mrn": mrn,
        "account": "%d" % rng.randint(10 ** 8, 10 ** 10 - 1),
        "address": make_address(rng),
        "phone": make_phone(rng),
    }


_POOLS = {}


def patient_pool(split):
    """Disjoint fictional patient pools: 400 for train, 200 for test, 300 'scan'."""
    if split not in _POOLS:
        n = {"train": 400, "test": 200, "scan": 300}[split]
        rng = random.Random("docgen-patients:" + split)
        _POOLS[split] = [make_patient(rng, "%s-%d" % (split, i)) for i in range(n)]
    return _POOLS[split]


def patient_truth(p):
    if p is None:
        return None
    return {"mrn": p.get("mrn"), "family_name": p.get("family_name"),
            "given_name": p.get("given_name"), "birth_date": p.get("birth_date")}


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DATE_STYLES = ["mdY", "mdY", "mdY", "mdY_np", "ISO", "dbY", "BdY", "mdY_dash", "mdy"]
DOB_STYLES = ["mdY", "mdY", "mdY", "mdY_np", "ISO", "dbY", "BdY", "mdY_dash"]


def to_date(x):
    if isinstance(x, date):
        return x
    y, m, d = (int(v) for v in x.split("-"))
    return date(y, m, d)


def fmt_date(x, style):
    d = to_date(x)
    if style == "mdY":
        return "%02d/%02d/%04d" % (d.month, d.day, d.year)
    if style == "mdY_np":
        return "%d/%d/%04d" % (d.month, d.day, d.year)
    if style == "ISO":
        return d.isoformat()
    if style == "dbY":
        return "%02d-%s-%04d" % (d.day, MONTHS[d.month - 1][:3], d.year)
    if style == "BdY":
        return "%s %d, %d" % (MONTHS[d.month - 1], d.day, d.year)
    if style == "mdY_dash":
        return "%02d-%02d-%04d" % (d.month, d.day, d.year)
    if style == "mdy":
        return "%02d/%02d/%02d" % (d.month, d.day, d.year % 100)
    raise ValueError(style)


_MON3 = {m[:3].lower(): i + 1 for i, m in enumerate(MONTHS)}
DATE_RE = (r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|\d{2}-[A-Za-z]{3}-\d{4}|"
           r"[A-Z][a-z]+ \d{1,2}, \d{4}|\d{2}-\d{2}-\d{4})")


def parse_date_text(s):
    s = s.strip()
    try:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s) or re.fullmatch(r"(\d{2})-(\d{2})-(\d{4})", s)
        if m:
            return date(int(m.group(3)), int(m.group(1)), int(m.group(2))).isoformat()
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        m = re.fullmatch(r"(\d{2})-([A-Za-z]{3})-(\d{4})", s)
        if m:
            return date(int(m.group(3)), _MON3[m.group(2).lower()], int(m.group(1))).isoformat()
        m = re.fullmatch(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})", s)
        if m and m.group(1)[:3].lower() in _MON3:
            return date(int(m.group(3)), _MON3[m.group(1)[:3].lower()], int(m.group(2))).isoformat()
    except (ValueError, KeyError):
        return None
    return None


def random_date(rng, y0=2015, y1=2023):
    a, b = date(y0, 1, 1).toordinal(), date(y1, 12, 31).toordinal()
    return date.fromordinal(rng.randint(a, b))


def age_on(p, d):
    b, d = to_date(p["birth_date"]), to_date(d)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


def clock(rng, lo=0, hi=23):
    return "%02d:%02d" % (rng.randint(lo, hi), rng.randint(0, 59))


# --------------------------------------------------------------------------
# Patient block (many label styles) and its inverse
# --------------------------------------------------------------------------

NAME_LABELS = ["Patient Name:", "Name:", "Patient:", "PATIENT:", "PATIENT NAME:", "Pt Name:",
               "NAME:", "Pt:", "Patient name:"]
MRN_LABELS = ["MRN:", "MRN #:", "Med Rec #:", "Medical Record #:", "Medical Record Number:", "MR#:",
              "MR #:", "Chart #:", "Unit No:", "MRN", "Med Rec No:", "Hosp #:"]
DOB_LABELS = ["DOB:", "D.O.B.:", "Date of Birth:", "Birth Date:", "Birthdate:", "DOB", "BD:"]
ACCT_LABELS = ["Acct #:", "Account:", "FIN:", "Encounter #:", "Visit #:", "Acct No:"]
SEX_LABELS = ["Sex:", "Gender:", "Sex"]

_NAME_LAB_RE = (r"(?:(?i:Patient Name|Pt Name|Patient|Name|Pt|Member Name|Member|Subscriber|Insured Name|Resident|RE|Regarding)"
                r"\s*:|PATIENT'S NAME \(Last, First, MI\))")
_MRN_LAB_RE = r"(?i:MRN #|MRN|Med Rec #|Med Rec No|Medical Record #|Medical Record Number|MR ?#|Chart #|Unit No|Hosp #)"
_DOB_LAB_RE = r"(?i:BIRTH DATE / SEX|DOB|D\.O\.B\.|Date of Birth|Birth Date|Birthdate|BD)"


def name_forms(p, form):
    g, f, m = p["given_name"], p["family_name"], p.get("middle") or ""
    if form == "LAST, First":
        return "%s, %s" % (f.upper(), g)
    if form == "LAST, FIRST":
        return "%s, %s" % (f.upper(), g.upper())
    if form == "LAST, FIRST M":
        return ("%s, %s %s" % (f.upper(), g.upper(), m)).strip()
    if form == "Last, First":
        return "%s, %s" % (f, g)
    if form == "Last, First M.":
        return "%s, %s %s" % (f, g, m + ".") if m else "%s, %s" % (f, g)
    if form == "First Last":
        return "%s %s" % (g, f)
    if form == "First M. Last":
        return "%s %s. %s" % (g, m, f) if m else "%s %s" % (g, f)
    if form == "FIRST LAST":
        return "%s %s" % (g.upper(), f.upper())
    raise ValueError(form)


NAME_FORMS = ["LAST, First", "LAST, FIRST", "LAST, FIRST M", "Last, First", "Last, First M.",
              "First Last", "First M. Last", "FIRST LAST"]


def _pad(a, w):
    return a + " " * max(2, w - len(a))


def patient_block(g, doc, dos_label=None, extras=None, style=None):
    """Lines of a chart patient block for doc.p (None -> []).
    extras: list of (label, value) shown when the style has room."""
    p = doc.p
    if p is None:
        return []
    name = name_forms(p, g.choice(NAME_FORMS))
    nl, ml, bl = g.choice(NAME_LABELS), g.choice(MRN_LABELS), g.choice(DOB_LABELS)
    dob = fmt_date(p["birth_date"], doc.dob_style)
    dl = dos_label or g.pick(["Date of Service:", "DOS:", "Service Date:", "Visit Date:", "Date:",
                              "Encounter Date:"])
    dosv = doc.date(doc.dos) if doc.dos else None
    age = age_on(p, doc.dos or date(2021, 1, 1))
    extras = list(extras or [])
    if g.chance(0.45):
        extras.insert(0, (g.choice(SEX_LABELS), p["sex"] if g.chance(0.7) else {"F": "Female", "M": "Male"}[p["sex"]]))
    if g.chance(0.3):
        extras.append((g.choice(ACCT_LABELS), p["account"]))
    if g.chance(0.3):
        extras.append(("Age:", "%d" % age + g.choice(["", "Y", " yrs", " years"])))
    style = style or g.choice(["twocol", "twocol", "lines", "inline", "sticker", "grid"])
    out = []
    if style == "twocol":
        pairs = [(nl, name), (ml, p["mrn"]), (bl, dob)]
        if dosv:
            pairs.append((dl, dosv))
        pairs += extras
        w = g.choice([44, 48, 52])
        for i in range(0, len(pairs), 2):
            a = "%s %s" % pairs[i]
            if i + 1 < len(pairs):
                out.append(_pad(a, w) + "%s %s" % pairs[i + 1])
            else:
                out.append(a)
    elif style == "lines":
        pairs = [(nl, name), (bl, dob), (ml, p["mrn"])]
        if g.chance(0.5):
            pairs[1], pairs[2] = pairs[2], pairs[1]
        if dosv:
            pairs.append((dl, dosv))
        pairs += extras
        for a, b in pairs:
            out.append("%s %s" % (a, b))
    elif style == "inline":
        sep = g.pick(["  |  ", "   ", "  -  ", "    "])
        parts = ["%s %s" % (nl, name), "%s %s" % (ml, p["mrn"]), "%s %s" % (bl, dob)]
        out.append(sep.join(parts))
        rest = (["%s %s" % (dl, dosv)] if dosv else []) + ["%s %s" % e for e in extras]
        if rest:
            out.append(sep.join(rest))
    elif style == "sticker":
        out.append(name_forms(p, g.choice(["LAST, FIRST", "LAST, FIRST M"])))
        out.append("%s %s    %s %s" % (g.pick(["MRN:", "MR#:", "MRN", "Med Rec #:"]), p["mrn"],
                                       g.pick(["Acct:", "FIN:", "Acct #:"]), p["account"]))
        out.append("%s %s    %s  %s" % (g.pick(["DOB:", "DOB", "D.O.B.:"]), dob, "%dY" % age, p["sex"]))
        if dosv:
            out.append("%s %s" % (g.pick(["Adm:", "Svc:", "DOS:", "Admit:", "Visit:"]), dosv))
        for e in [e for e in extras if e[0] not in SEX_LABELS][:2]:
            out.append("%s %s" % e)
    else:  # grid: label row then value row is hard to parse; use label: value with fixed columns
        cells = [(nl, name), (ml, p["mrn"]), (bl, dob)]
        if dosv:
            cells.append((dl, dosv))
        cells += extras[:2]
        row = []
        for a, b in cells:
            row.append("%s %s" % (a, b))
            if len(row) == 3:
                out.append("   ".join(row))
                row = []
        if row:
            out.append("   ".join(row))
    return out


def _clean_name_value(v):
    v = v.strip()
    v = re.split(r"\s{2,}|\s\|\s|\t|\(|\s-\s|,?\s+(?:DOB|D\.O\.B\.|MRN|MR#|Date of Birth)\b", v)[0].strip().rstrip(",;")
    return v


def _split_name(v):
    """'LAST, FIRST M' / 'First M. Last' -> (family, given) in the printed case."""
    v = _clean_name_value(v)
    if not v:
        return None
    if "," in v:
        fam, rest = v.split(",", 1)
        toks = [t for t in rest.strip().split() if not re.fullmatch(r"[A-Z]\.?", t)]
        if not toks or not fam.strip():
            return None
        return fam.strip(), toks[0]
    toks = [t for t in v.split() if not re.fullmatch(r"[A-Z]\.?", t)]
    toks = [t for t in toks if t.rstrip(".") not in ("Mr", "Ms", "Mrs", "Dr", "Miss")]
    if len(toks) < 2:
        return None
    return toks[-1], toks[0]


def _nice_case(s):
    if s.isupper():
        return "-".join(w[:1] + w[1:].lower() for w in s.split("-"))
    return s


def parse_patient(text, max_lines=45):
    """Find the patient identity printed by patient_block() (or a letter's RE:
    line, or an insurance card's Member line) in the first lines of a text.
    Returns {mrn, family_name, given_name, birth_date} (values may be None) or
    None when no name is found.  Names are returned in mixed case."""
    lines = [l for l in text.splitlines()[:max_lines]]
    name = None
    for l in lines:
        m = re.search(r"(?:^|\s{2,}|\|\s|^\d+[a-z]?\.\s)" + _NAME_LAB_RE + r"\s*([A-Z][A-Za-z'\-]+(?:[ ,]+[A-Z][A-Za-z'\-]*\.?){1,3})", l)
        if m and not re.match(r"\s*(?:Name|Patient|Member)\s*:?\s*_", l[m.start():]):
            cand = _split_name(m.group(1))
            if cand:
                name = cand
                break
    if name is None:
        for l in lines:
            m = re.fullmatch(r"\s*([A-Z][A-Z'\-]+, [A-Z]+(?: [A-Z])?)\s*", l)
            if m:
                name = _split_name(m.group(1))
                break
    if name is None:
        return None
    mrn = dob = None
    for l in lines:
        if mrn is None:
            m = re.search(r"(?<![A-Za-z])" + _MRN_LAB_RE + r"\s*:?\s*([A-Z]?\d[\d\-]*\d)", l)
            if m:
                mrn = m.group(1)
        if dob is None:
            m = re.search(r"(?<![A-Za-z])" + _DOB_LAB_RE + r"\s*:?\s*" + DATE_RE, l)
            if m:
                dob = parse_date_text(m.group(1))
    return {"mrn": mrn, "family_name": _nice_case(name[0]), "given_name": _nice_case(name[1]),
            "birth_date": dob}


# --------------------------------------------------------------------------
# Pagination marks inside document texts
# --------------------------------------------------------------------------

PAGE_FOOTERS = ["Page {i} of {n}", "Page {i} of {n}", "Page {i}/{n}", "Pg {i} of {n}", "- {i} -",
                "{i} of {n}", "Page: {i} of {n}"]
_PAGE_RE = re.compile(r"^\s*(?:Page:? \d+ of \d+|Page \d+/\d+|Pg \d+ of \d+|- \d+ -|\d+ of \d+)\s*$")
_CONT_RE = re.compile(r"(\((?:continued|cont\.?)\)\s*$|^\s*Continued from page \d+|^\s*\(Continued\)\s*$)", re.I)
_PRINTED_RE = re.compile(r"^\s*(?:Printed(?: on| by)?|Print Date|Printed:)\b.*$", re.I)


def strip_pagination(text):
    """Remove page footers, continuation headers and 'Printed ...' lines that
    generate_document() inserts, so a renderer can paginate on its own."""
    out = []
    for l in text.splitlines():
        if _PAGE_RE.match(l) or _CONT_RE.search(l) or _PRINTED_RE.match(l):
            continue
        out.append(l)
    s = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", s).strip("\n")


# --------------------------------------------------------------------------
# Document builder
# --------------------------------------------------------------------------

def _title_case(s):
    small = {"and", "of", "or", "the", "for", "to", "in", "on", "with", "a", "an", "by", "at"}
    out = []
    for i, w0 in enumerate(s.split()):
        w = w0.lower()
        if w0.isupper() and len(w0) <= 4 and w not in small:
            out.append(w0)
        elif i and w in small:
            out.append(w)
        elif w in ("hpi", "ros", "ed", "iv", "ct", "mri", "ekg", "ecg", "cbc", "bmp", "cmp", "ua",
                   "pt/inr", "ptt", "a1c", "icu", "mar", "prn", "npo", "id", "hipaa", "eob", "pcp",
                   "cpt", "icd-10", "npi", "rx"):
            out.append(w.upper())
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


class Doc:
    """Accumulates the printed lines of one document.

    Per-document style choices (heading case/layout, date formats, list
    numbering) are drawn once so a document is internally consistent while
    documents differ from each other."""

    def __init__(self, g, doc_type, patient=None, org=None, dos=None):
        self.g = g
        self.type = doc_type
        self.p = patient
        self.org = org
        self.dos = dos
        self.lines = []
        self.hcase = g.choice(["upper", "upper", "upper", "title", "asis"])
        self.hlayout = g.choice(["inline", "inline", "inline", "own", "own", "own_nocolon"])
        self.date_style = g.choice(DATE_STYLES)
        self.dob_style = g.choice(DOB_STYLES)
        self.num_style = g.choice(["1.", "1.", "1)", "-", "*", "(1)", "o"])
        self.blank_after_sec = g.chance(0.7)
        self.sep = g.choice(["  ", " ", "  "])
        self.title = None
        self.min_len, self.max_len = 800, 3000
        self.c = self._ctx()

    # -- context for {placeholders}
    def _ctx(self):
        g, p = self.g, self.p
        docs = g.sample(CLINICIANS, 5)
        c = {"doctor": dr_full(docs[0]), "doc_short": dr_short(docs[0]),
             "doctor2": dr_full(docs[1]), "doc2_short": dr_short(docs[1]),
             "doctor3": dr_full(docs[2]), "doc3_short": dr_short(docs[2]),
             "doctor4": dr_full(docs[3]), "doc4_short": dr_short(docs[3]),
             "nurse": "%s %s, %s" % (docs[4]["given"], docs[4]["family"], g.choice(NURSE_CREDS)),
             "nurse_short": "%s %s" % (docs[4]["given"][0] + ".", docs[4]["family"])}
        self.clin = docs
        if p is not None:
            f = p["sex"] == "F"
            age = age_on(p, self.dos or date(2021, 1, 1))
            if age < 1:
                man = "infant"
            elif age < 13:
                man = "girl" if f else "boy"
            elif age < 18:
                man = "adolescent"
            else:
                man = "woman" if f else "man"
            c.update({"First": p["given_name"], "Last": p["family_name"], "LAST": p["family_name"].upper(),
                      "FIRST": p["given_name"].upper(), "age": age, "He": "She" if f else "He",
                      "he": "she" if f else "he", "His": "Her" if f else "His", "his": "her" if f else "his",
                      "him": "her" if f else "him", "man": man, "Mr": ("Ms." if f else "Mr.") if age >= 18 else p["given_name"],
                      "mrn": p["mrn"], "dob": fmt_date(p["birth_date"], self.dob_style),
                      "sexword": "female" if f else "male"})
            ages = "%d-year-old" % age if age >= 2 else ("%d-month-old" % max(1, age * 12 + g.randint(1, 11)))
            c["ageword"] = ages
            c["pt"] = g.pick(["{Mr} {Last}", "the patient", "{Mr} {Last}", "this {ageword} {man}"])
            c["pt"] = c["pt"].format(**c)
            c["Pt"] = c["pt"][0].upper() + c["pt"][1:]
        if self.dos:
            c["dos"] = self.date(self.dos)
        return c

    def f(self, s):
        return s.format(**self.c) if "{" in s else s

    def date(self, d):
        return fmt_date(d, self.date_style)

    def dt(self, d, lo=6, hi=20):
        return "%s %s" % (self.date(d), clock(self.g.rng, lo, hi))

    # -- lines
    def line(self, s=""):
        self.lines.append(self.f(s) if s else "")

    def raw(self, s=""):
        self.lines.append(self.f(s))

    def blank(self):
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def head_text(self, t):
        if self.hcase == "upper":
            return t.upper()
        if self.hcase == "title":
            return _title_case(t)
        return t

    def heading(self, t, colon=True):
        h = self.head_text(t)
        if colon and self.hlayout != "own_nocolon":
            h += ":"
        self.blank()
        self.raw(h)

    def sec(self, title, text, layout=None):
        """Section: heading + paragraph, laid out per the document's style."""
        if isinstance(title, (list, tuple)):
            title = self.g.pick(title)
        text = self.f(text)
        lay = layout or self.hlayout
        h = self.head_text(title)
        if lay == "inline":
            if self.blank_after_sec:
                self.blank()
            self.raw("%s:%s%s" % (h, self.sep, text))
        elif lay == "own":
            self.blank()
            self.raw(h + ":")
            self.raw(text)
        else:
            self.blank()
            self.raw(h)
            self.raw(text)

    def items(self, title, items, numbered=None):
        """Heading + list items (numbered or bulleted per doc style)."""
        if title:
            if isinstance(title, (list, tuple)):
                title = self.g.pick(title)
            self.heading(title)
        style = numbered or self.num_style
        for i, it in enumerate(items):
            it = self.f(it)
            if style == "1.":
                self.raw("%d. %s" % (i + 1, it))
            elif style == "1)":
                self.raw("%d) %s" % (i + 1, it))
            elif style == "(1)":
                self.raw("(%d) %s" % (i + 1, it))
            elif style == "o":
                self.raw("o  " + it)
            else:
                self.raw("%s %s" % (style, it))

    def kv(self, pairs, cols=None, width=None):
        """label/value pairs, 1-3 per line, padded into columns."""
        pairs = [(x[0], self.f(str(x[1]))) for x in pairs if x is not None and x[1] is not None]
        cols = cols or self.g.choice([1, 2, 2, 3])
        width = width or {1: 0, 2: self.g.choice([40, 44, 48]), 3: 30}[cols]
        for i in range(0, len(pairs), cols):
            cells = ["%s %s" % (a, b) for a, b in pairs[i:i + cols]]
            if cols == 1:
                self.raw(cells[0])
            else:
                self.raw("".join(_pad(c, width) for c in cells[:-1]) + cells[-1])

    def table(self, headers, rows, gap=None, right=()):
        """Space-aligned table (as OCR of a printed grid would read)."""
        gap = gap or self.g.choice([2, 3, 3, 4])
        cols = len(headers) if headers else max(len(r) for r in rows)
        w = [0] * cols
        for r in ([headers] if headers else []) + rows:
            for i, c in enumerate(r):
                w[i] = max(w[i], len(str(c)))
        def fmt(r):
            cells = []
            for i, c in enumerate(r):
                c = str(c)
                cells.append(c.rjust(w[i]) if i in right else c.ljust(w[i]))
            return (" " * gap).join(cells).rstrip()
        if headers:
            self.raw(fmt(headers))
            if self.g.chance(0.45):
                self.raw(self.g.choice(["-", "=", "_"]) * min(100, sum(w) + gap * (cols - 1)))
        for r in rows:
            self.raw(fmt(r))

    def sig(self, who=None, role=None, electronic=None):
        g = self.g
        who = self.f(who or "{doctor}")
        electronic = g.chance(0.6) if electronic is None else electronic
        self.blank()
        if electronic:
            self.raw(g.pick(["Electronically signed by: %s on %s", "Electronically signed by %s %s",
                             "E-signed: %s  %s", "Signed electronically by %s on %s",
                             "Authenticated by %s on %s"]) % (who, self.dt(self.dos or date(2021, 1, 1), 7, 22)))
        else:
            self.raw(g.pick(["______________________________", "Signature: ____________________________",
                             "_________________________  Date: __________"]))
            self.raw(who + (", " + role if role else ""))
        if g.chance(0.25):
            self.raw(g.pick(["Dictated: %s  Transcribed: %s", "D: %s  T: %s", "DD: %s   DT: %s"]) % (
                self.date(self.dos), self.date(self.dos + timedelta(days=g.randint(0, 2)))))
            if g.chance(0.5):
                self.raw("Job #: %s" % g.digits(6))

    # -- letterhead
    def letterhead(self, org=None, dept=None, style=None):
        g = self.g
        org = org or self.org
        if org is None:
            return
        style = style or g.pick(["full", "full", "name_addr", "name_only", "name_dept", "oneline"])
        name = org["name"] if g.chance(0.75) else org["name"].upper()
        a = org["address"]
        if style == "full":
            self.raw(name)
            if dept:
                self.raw(dept)
            self.raw(a["street"])
            self.raw("%s, %s %s" % (a["city"], a["state"], a["zip"]))
            self.raw(g.pick(["Phone %s  Fax %s", "Tel: %s | Fax: %s", "P: %s  F: %s", "Phone: %s   Fax: %s"])
                     % (org["phone"], org["fax"]))
        elif style == "name_addr":
            self.raw(name)
            self.raw(addr_line(a) + g.pick(["  |  %s", "   Tel %s", "  %s", ""]).replace("%s", org["phone"]))
            if dept:
                self.raw(dept)
        elif style == "name_dept":
            self.raw(name)
            self.raw(dept or g.pick(["Health Information Management", "Medical Records",
                                     "Patient Care Services", "Main Campus"]))
        elif style == "oneline":
            self.raw("%s  -  %s" % (name, addr_line(a)))
        else:
            self.raw(name)
            if dept:
                self.raw(dept)
        self.blank()

    def set_title(self, options, underline=None):
        """Print a title chosen from options (None in options = no title)."""
        t = self.g.pick(options) if isinstance(options, (list, tuple)) else options
        self.title = t
        if not t:
            return None
        self.raw(t)
        if underline if underline is not None else self.g.chance(0.15):
            self.raw(self.g.choice(["=", "-"]) * len(t))
        self.blank()
        return t

    def patient(self, dos_label=None, extras=None, style=None):
        for l in patient_block(self.g, self, dos_label, extras, style):
            self.raw(l)
        self.blank()

    def text(self):
        out = "\n".join(self.lines)
        out = re.sub(r"\n{3,}", "\n\n", out).strip("\n")
        return out


def finalize(d, text=None):
    """Add page footers / a continuation header / print stamp to a document text."""
    g = d.g
    text = text if text is not None else d.text()
    lines = text.split("\n")
    foot = g.choice(PAGE_FOOTERS)
    stamp = None
    if g.chance(0.12):
        stamp = g.pick(["Printed: %s %s", "Printed on %s %s", "Print Date: %s %s", "Printed by HIM on %s %s"]) % (
            d.date(d.dos + timedelta(days=g.randint(0, 400))) if d.dos else "", clock(g.rng))
    r = g.random()
    if len(text) > 1500 and r < 0.45 and len(lines) > 12:
        # two printed pages
        cut = len(lines) // 2 + g.randint(-3, 3)
        while cut < len(lines) - 1 and lines[cut].strip() == "":
            cut += 1
        cont = []
        if d.p is not None and g.chance(0.75):
            p = d.p
            cont.append(g.pick([
                "%s, %s  MRN: %s  (continued)" % (p["family_name"].upper(), p["given_name"].upper(), p["mrn"]),
                "Patient: %s %s (continued)" % (p["given_name"], p["family_name"]),
                ("%s, %s - %s (cont.)" % (p["family_name"].upper(), p["given_name"], d.title)) if d.title else
                ("%s, %s (cont.)" % (p["family_name"].upper(), p["given_name"])),
                "Continued from page 1",
                "RE: %s %s   DOB: %s   (continued)" % (p["given_name"], p["family_name"],
                                                        fmt_date(p["birth_date"], d.dob_style)),
            ]))
        elif g.chance(0.5):
            cont.append("Continued from page 1")
        pre = lines[:cut]
        post = lines[cut:]
        lines = pre + ["", foot.format(i=1, n=2)] + ([stamp] if stamp else []) + [""] + cont + [""] + post + \
            ["", foot.format(i=2, n=2)] + ([stamp] if stamp else [])
    elif r < 0.7:
        lines = lines + ["", foot.format(i=1, n=1)] + ([stamp] if stamp else [])
    elif stamp:
        lines = lines + ["", stamp]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip("\n")


# --------------------------------------------------------------------------
# Template registry
# --------------------------------------------------------------------------

TEMPLATES = {t: [] for t in TYPES}


def template(doc_type, weight=1.0, splits=SPLITS, min_len=None, max_len=None):
    """Register fn(d: Doc) -> None as a template for doc_type."""
    def deco(fn):
        TEMPLATES[doc_type].append({"fn": fn, "name": fn.__name__, "weight": weight,
                                    "splits": tuple(splits), "min_len": min_len, "max_len": max_len})
        return fn
    return deco


def _choose_template(doc_type, g):
    opts = [t for t in TEMPLATES[doc_type] if g.split in t["splits"]]
    if g.split == "test":
        # test-only templates are favoured so the test set is not a copy of train
        opts = [dict(t, weight=t["weight"] * (2.0 if "train" not in t["splits"] else 1.0)) for t in opts]
    tot = sum(t["weight"] for t in opts)
    x = g.uniform(0, tot)
    for t in opts:
        x -= t["weight"]
        if x <= 0:
            return t
    return opts[-1]


def generate_document(doc_type, g, patients=None, max_tries=30):
    """One synthetic document of doc_type: (text, meta).
    meta = {template, patient (truth dict or None), date_of_service}.
    Retries (with the same rng stream) until the length fits the template's
    range (default 800..3000 characters)."""
    patients = patients or patient_pool(g.split)
    best = None
    t = _choose_template(doc_type, g)
    for _ in range(max_tries):
        p = g.choice(patients)
        born = to_date(p["birth_date"]) + timedelta(days=20)
        dos = random_date(g.rng)
        if dos < born:
            dos = date.fromordinal(g.randint(born.toordinal(), max(born.toordinal(), date(2023, 12, 31).toordinal())))
        org = g.choice(HOSPITALS) if g.chance(0.8) else g.choice(PRACTICES)
        d = Doc(g, doc_type, p, org, dos)
        t["fn"](d)
        text = finalize(d) if not getattr(d, "no_finalize", False) else d.text()
        lo = t["min_len"] if t["min_len"] is not None else d.min_len
        hi = t["max_len"] if t["max_len"] is not None else d.max_len
        meta = {"template": t["name"], "patient": patient_truth(d.p),
                "date_of_service": d.dos.isoformat() if d.dos else None}
        if lo <= len(text) <= hi:
            return text, meta
        dist = lo - len(text) if len(text) < lo else len(text) - hi
        if best is None or dist < best[0]:
            best = (dist, text, meta)
    return best[1], best[2]


def std_header(d, dos_label=None, extras=None, title_opts=None, dept=None, title_first=None):
    """Letterhead + title + patient block, in one of a few orders."""
    g = d.g
    order = title_first if title_first is not None else g.chance(0.25)
    if g.chance(0.9):
        d.letterhead(dept=dept)
    if order:
        if title_opts:
            d.set_title(title_opts)
        d.patient(dos_label, extras)
    else:
        d.patient(dos_label, extras)
        if title_opts:
            d.set_title(title_opts)


# --------------------------------------------------------------------------
# Clinical content library (all wording written for this generator)
# --------------------------------------------------------------------------

PMH_POOL = ["Hypertension", "Type 2 diabetes mellitus", "Hyperlipidemia", "Coronary artery disease",
            "Atrial fibrillation", "Chronic obstructive pulmonary disease", "Asthma", "Obstructive sleep apnea",
            "Hypothyroidism", "Gastroesophageal reflux disease", "Osteoarthritis", "Chronic kidney disease stage 3",
            "Depression", "Generalized anxiety disorder", "Migraine", "Benign prostatic hyperplasia",
            "Osteoporosis", "Iron deficiency anemia", "Gout", "Heart failure with reduced ejection fraction",
            "Peripheral neuropathy", "Seizure disorder", "Remote history of nephrolithiasis", "Obesity"]
PSH_POOL = ["Appendectomy", "Cholecystectomy", "Tonsillectomy in childhood", "Right knee arthroscopy",
            "Cesarean section", "Hysterectomy", "Inguinal hernia repair", "Coronary artery bypass grafting",
            "Left total hip arthroplasty", "Carpal tunnel release", "Cataract extraction, both eyes",
            "Lumbar laminectomy", "Colonoscopy with polypectomy", "Tubal ligation"]
MED_POOL = [("Lisinopril", "10 mg", "daily"), ("Lisinopril", "20 mg", "daily"), ("Metformin", "500 mg", "twice daily"),
            ("Metformin", "1000 mg", "twice daily"), ("Atorvastatin", "40 mg", "nightly"), ("Amlodipine", "5 mg", "daily"),
            ("Metoprolol succinate", "25 mg", "daily"), ("Metoprolol tartrate", "25 mg", "twice daily"),
            ("Levothyroxine", "75 mcg", "daily"), ("Omeprazole", "20 mg", "daily"), ("Pantoprazole", "40 mg", "daily"),
            ("Aspirin", "81 mg", "daily"), ("Apixaban", "5 mg", "twice daily"), ("Warfarin", "5 mg", "daily"),
            ("Furosemide", "40 mg", "daily"), ("Hydrochlorothiazide", "25 mg", "daily"), ("Sertraline", "50 mg", "daily"),
            ("Gabapentin", "300 mg", "three times daily"), ("Albuterol inhaler", "2 puffs", "every 4 hours as needed"),
            ("Tiotropium", "18 mcg", "inhaled daily"), ("Insulin glargine", "20 units", "at bedtime"),
            ("Losartan", "50 mg", "daily"), ("Tamsulosin", "0.4 mg", "daily"), ("Allopurinol", "100 mg", "daily"),
            ("Carvedilol", "12.5 mg", "twice daily"), ("Escitalopram", "10 mg", "daily"), ("Montelukast", "10 mg", "nightly"),
            ("Acetaminophen", "650 mg", "every 6 hours as needed"), ("Vitamin D3", "1000 units", "daily"),
            ("Clopidogrel", "75 mg", "daily"), ("Spironolactone", "25 mg", "daily"), ("Prednisone", "5 mg", "daily"),
            ("Donepezil", "10 mg", "nightly"), ("Ferrous sulfate", "325 mg", "daily"), ("Trazodone", "50 mg", "at bedtime")]
ALLERGY_POOL = ["No known drug allergies.", "NKDA", "Penicillin (hives).", "Sulfa drugs (rash).",
                "Codeine (nausea).", "Iodinated contrast (itching).", "Latex.", "Morphine (pruritus).",
                "Amoxicillin (rash); shellfish.", "Lisinopril (cough).", "No known allergies."]
SOCIAL_POOL = ["Lives with {his} spouse. Never smoker. Drinks alcohol socially.",
               "Lives alone in a second floor apartment. Former smoker, quit ten years ago. No alcohol.",
               "Retired teacher. Lives with a daughter. Denies tobacco, alcohol or drug use.",
               "Works in construction. Smokes half a pack per day. Drinks two to three beers on weekends.",
               "Married, two children. Works as an accountant. Nonsmoker. Occasional wine.",
               "Lives in an assisted living facility. Uses a walker. Remote tobacco history.",
               "Student. Lives with parents. No tobacco, vaping or alcohol.",
               "Widowed, lives with a son. Quit smoking 20 years ago, 30 pack-year history.",
               "Works night shifts at a warehouse. Vapes daily. Denies illicit drugs."]
FAMILY_POOL = ["Father with coronary artery disease in his sixties. Mother with type 2 diabetes.",
               "Noncontributory.", "Mother had breast cancer. Father died of a stroke.",
               "Sister with lupus. No family history of colon cancer.", "Both parents with hypertension.",
               "Family history negative for early cardiac death.", "Brother with colon cancer at age 52.",
               "Unknown, the patient was adopted."]

EXAM_NORMAL = {
    "General": ["Alert, in no acute distress.", "Well-appearing, comfortable at rest.",
                "Well developed, well nourished, no distress.", "Awake and conversant, pleasant."],
    "HEENT": ["Normocephalic, atraumatic. Pupils equal, round and reactive. Oropharynx clear.",
              "Head atraumatic. Extraocular movements intact. Mucous membranes moist.",
              "Conjunctivae pink, sclerae anicteric. Tympanic membranes clear."],
    "Neck": ["Supple. No lymphadenopathy or thyromegaly. No JVD.", "Supple, full range of motion, no adenopathy."],
    "Lungs": ["Clear to auscultation bilaterally.", "Breath sounds equal, no wheezes, rales or rhonchi.",
              "Good air entry throughout, no crackles."],
    "Heart": ["Regular rate and rhythm. No murmurs, rubs or gallops.", "S1 and S2 normal, no murmur.",
              "Regular rhythm, normal heart sounds."],
    "Abdomen": ["Soft, nontender, nondistended. Normal bowel sounds.", "Soft, no tenderness, no masses or organomegaly.",
                "Bowel sounds present, nontender, no rebound or guarding."],
    "Extremities": ["No edema. Distal pulses 2+ and symmetric.", "Warm and well perfused, no cyanosis or edema.",
                    "No calf tenderness. Full range of motion."],
    "Skin": ["Warm and dry. No rash.", "Intact, no lesions.", "Normal color and turgor."],
    "Neuro": ["Alert and oriented x3. Cranial nerves II-XII intact. Strength 5/5 in all extremities.",
              "Nonfocal. Speech fluent. Gait normal.", "Oriented, sensation intact, reflexes symmetric."],
    "Psych": ["Normal mood and affect.", "Appropriate, cooperative, good insight."],
}
EXAM_LABELS = {"General": ["General", "GEN", "Constitutional"], "HEENT": ["HEENT", "Head/Eyes/ENT"],
               "Neck": ["Neck"], "Lungs": ["Lungs", "Respiratory", "Chest"], "Heart": ["Heart", "Cardiovascular", "CV"],
               "Abdomen": ["Abdomen", "GI", "Abd"], "Extremities": ["Extremities", "Ext", "Musculoskeletal"],
               "Skin": ["Skin", "Integumentary"], "Neuro": ["Neuro", "Neurologic", "Neurological"],
               "Psych": ["Psych", "Psychiatric"]}


def C(**kw):
    kw.setdefault("setting", ("ed", "inpt", "clinic"))
    kw.setdefault("age", (18, 95))
    kw.setdefault("vitals", {})
    kw.setdefault("exam", {})
    kw.setdefault("data", [])
    kw.setdefault("course", [])
    kw.setdefault("dc_meds", [])
    kw.setdefault("procedures", [])
    return kw


CONDITIONS = [
    C(key="pneumonia", setting=("ed", "inpt"),
      cc=["Cough and fever", "Shortness of breath with productive cough", "Fever, cough and chills for four days"],
      hpi=["{Pt} reports {days} days of cough productive of yellow-green sputum, subjective fevers and chills, and "
           "increasing breathlessness on exertion. {He} has had decreased appetite and pleuritic pain on the {side} side.",
           "{Pt} developed a dry cough {days} days ago that has become productive, with fevers to 102 at home. "
           "{He} denies hemoptysis, recent travel or sick contacts. {He} took acetaminophen without relief."],
      vitals={"t": (100.6, 103.0), "hr": (98, 122), "rr": (20, 28), "spo2": (86, 93)},
      exam={"Lungs": ["Crackles at the {side} base with egophony.", "Decreased breath sounds and rhonchi over the {side} lower lobe."]},
      data=["WBC 15.8 with left shift. Lactate 1.9.", "Chest radiograph shows {side} lower lobe consolidation.",
            "Procalcitonin 1.4. Blood cultures drawn x2."],
      dx=["Community-acquired pneumonia", "{Side} lower lobe pneumonia", "Pneumonia with acute hypoxemic respiratory failure"],
      plan=["Ceftriaxone 1 g IV daily and azithromycin 500 mg daily.", "Supplemental oxygen to keep saturation above 92 percent.",
            "Blood and sputum cultures; urine legionella and pneumococcal antigens.", "Incentive spirometry, early mobilization.",
            "DVT prophylaxis with subcutaneous heparin."],
      course=["{He} was started on intravenous ceftriaxone and azithromycin with supplemental oxygen.",
              "Fever resolved by hospital day two and oxygen was weaned to room air.",
              "Blood cultures remained negative. Antibiotics were narrowed to oral therapy.",
              "{He} ambulated in the hallway without desaturation prior to discharge."],
      dc_meds=["Amoxicillin-clavulanate 875 mg by mouth twice daily for 5 more days", "Guaifenesin 600 mg twice daily as needed"]),
    C(key="chf", setting=("ed", "inpt", "clinic"), age=(45, 95),
      cc=["Shortness of breath and leg swelling", "Worsening breathlessness", "Weight gain and dyspnea"],
      hpi=["{Pt}, with known heart failure, reports two weeks of progressive dyspnea on exertion, three-pillow orthopnea "
           "and a weight gain of about {kg} kilograms. {He} admits to dietary indiscretion over the holidays.",
           "{Pt} presents with increasing leg swelling and shortness of breath now occurring after walking half a block. "
           "{He} ran out of furosemide a week ago. No chest pain."],
      vitals={"sbp": (150, 178), "hr": (88, 110), "spo2": (88, 94), "rr": (20, 26)},
      exam={"Neck": ["JVD to the angle of the jaw."], "Lungs": ["Bibasilar crackles."],
            "Extremities": ["2+ pitting edema to the knees bilaterally.", "Pitting edema to the mid shins."]},
      data=["BNP 1,480. Troponin negative x2.", "Chest x-ray with cephalization and small bilateral effusions.",
            "Echocardiogram: ejection fraction 30 to 35 percent."],
      dx=["Acute on chronic systolic heart failure", "Decompensated congestive heart failure", "Volume overload"],
      plan=["Furosemide 40 mg IV twice daily, strict intake and output, daily weights.", "Fluid restriction 1.5 liters, 2 gram sodium diet.",
            "Continue carvedilol; hold lisinopril while diuresing if creatinine rises.", "Repeat BMP in the morning.",
            "Heart failure education and cardiology follow-up."],
      course=["{He} diuresed well on intravenous furosemide with net negative output of about five liters.",
              "Dyspnea and edema improved. Creatinine remained stable.", "Transitioned to oral diuretic on day three."],
      dc_meds=["Furosemide 40 mg by mouth twice daily", "Carvedilol 12.5 mg twice daily", "Spironolactone 25 mg daily"]),
    C(key="copd", setting=("ed", "inpt", "clinic"), age=(45, 90),
      cc=["Wheezing and shortness of breath", "COPD flare", "Increased sputum and dyspnea"],
      hpi=["{Pt} with COPD on home tiotropium reports {days} days of increased cough, change in sputum color and wheezing, "
           "using {his} rescue inhaler every two hours without much relief.",
           "{Pt} has had worsening dyspnea since a cold last week. {He} continues to smoke about a pack a day."],
      vitals={"rr": (22, 30), "spo2": (85, 91), "hr": (95, 118)},
      exam={"Lungs": ["Diffuse expiratory wheezes with prolonged expiratory phase.", "Poor air movement, scattered wheezes."],
            "General": ["Speaking in short sentences, using accessory muscles."]},
      data=["Venous blood gas pH 7.34, pCO2 52.", "Chest radiograph hyperinflated without infiltrate."],
      dx=["Acute exacerbation of COPD", "COPD with acute exacerbation", "Chronic obstructive pulmonary disease exacerbation"],
      plan=["DuoNeb every 4 hours, prednisone 40 mg daily for 5 days.", "Doxycycline 100 mg twice daily.",
            "Titrate oxygen to saturation 88 to 92 percent.", "Smoking cessation counseling; nicotine patch offered."],
      course=["Treated with scheduled nebulizers, systemic steroids and doxycycline.", "Wheezing improved and oxygen was weaned."],
      dc_meds=["Prednisone 40 mg daily to complete 5 days", "Doxycycline 100 mg twice daily for 5 days"]),
    C(key="chestpain", setting=("ed", "inpt"), age=(35, 88),
      cc=["Chest pain", "Chest pressure radiating to the left arm", "Substernal chest tightness"],
      hpi=["{Pt} reports substernal pressure that began at rest {hours} hours ago, radiating to the left arm, with "
           "diaphoresis and nausea. Pain is 7 out of 10 and not reproducible.",
           "{Pt} developed chest tightness while shoveling snow. It eased with rest but recurred this morning. "
           "{He} has hypertension and a strong family history of early coronary disease."],
      vitals={"sbp": (140, 170), "hr": (80, 104)},
      exam={"General": ["Anxious, diaphoretic."]},
      data=["ECG with 1 mm ST depressions in V4-V6.", "Initial troponin 0.09, repeat 0.21.", "ECG normal sinus rhythm without acute ST changes. Troponin negative x2."],
      dx=["Non-ST elevation myocardial infarction", "Chest pain, rule out acute coronary syndrome", "Unstable angina"],
      plan=["Aspirin 325 mg given, heparin drip per ACS protocol.", "Serial troponins and ECGs.", "Cardiology consultation for catheterization.",
            "High intensity statin.", "Telemetry monitoring."],
      course=["Cardiac catheterization showed a culprit lesion in the mid LAD treated with a drug-eluting stent.",
              "Started on dual antiplatelet therapy and high-intensity statin. No recurrent chest pain."],
      dc_meds=["Aspirin 81 mg daily", "Ticagrelor 90 mg twice daily", "Atorvastatin 80 mg nightly", "Nitroglycerin 0.4 mg sublingual as needed"]),
    C(key="cellulitis", setting=("ed", "inpt", "clinic"),
      cc=["Red swollen leg", "Redness and pain of the {side} lower leg", "Skin infection"],
      hpi=["{Pt} noticed redness of the {side} shin {days} days ago after a scrape while gardening. The redness has spread "
           "and is warm and painful. Subjective fever last night.",
           "{Pt} reports increasing swelling and redness of the {side} forearm around an insect bite."],
      vitals={"t": (99.5, 101.8), "hr": (88, 106)},
      exam={"Skin": ["Well-demarcated erythema over the {side} anterior shin, warm and tender, no fluctuance.",
                     "Area of erythema about 10 by 8 cm with streaking, no abscess."]},
      data=["WBC 12.4. Ultrasound without drainable fluid collection."],
      dx=["Cellulitis of the {side} lower extremity", "Nonpurulent cellulitis"],
      plan=["Cefazolin 2 g IV every 8 hours.", "Mark borders, elevate the extremity.", "Transition to oral cephalexin when improving."],
      course=["Erythema receded within the marked borders on intravenous cefazolin.", "Transitioned to oral cephalexin."],
      dc_meds=["Cephalexin 500 mg four times daily for 7 days"]),
    C(key="pyelo", setting=("ed", "inpt"),
      cc=["Flank pain and fever", "Burning urination and back pain", "Fever and dysuria"],
      hpi=["{Pt} reports {days} days of dysuria and frequency followed by {side} flank pain, fever and vomiting."],
      vitals={"t": (100.8, 103.2), "hr": (100, 124)},
      exam={"Abdomen": ["{Side} costovertebral angle tenderness. Abdomen soft."]},
      data=["Urinalysis with large leukocyte esterase, positive nitrite, many bacteria.", "WBC 17.1, creatinine 1.3."],
      dx=["Acute pyelonephritis", "Complicated urinary tract infection", "Sepsis due to pyelonephritis"],
      plan=["Ceftriaxone 1 g IV daily, follow urine culture.", "IV fluids, antiemetics.", "Renal ultrasound if no improvement in 48 hours."],
      course=["Urine culture grew pan-sensitive E. coli. Fever resolved and {he} tolerated oral intake."],
      dc_meds=["Ciprofloxacin 500 mg twice daily to complete 7 days"]),
    C(key="dka", setting=("ed", "inpt"), age=(14, 70),
      cc=["Nausea, vomiting and high blood sugar", "Abdominal pain and excessive thirst"],
      hpi=["{Pt} with type 1 diabetes reports {days} days of polyuria, polydipsia and vomiting after running out of insulin."],
      vitals={"hr": (108, 130), "rr": (24, 32)},
      exam={"General": ["Ill-appearing with Kussmaul respirations."], "HEENT": ["Dry mucous membranes."]},
      data=["Glucose 512, bicarbonate 9, anion gap 26, beta-hydroxybutyrate elevated.", "Venous pH 7.12."],
      dx=["Diabetic ketoacidosis", "Type 1 diabetes with ketoacidosis"],
      plan=["Insulin infusion per DKA protocol.", "Aggressive IV fluid resuscitation, potassium replacement.",
            "Hourly glucose, BMP every 2 hours.", "Diabetes educator consult."],
      course=["Anion gap closed within 14 hours on insulin infusion.", "Transitioned to basal-bolus insulin."],
      dc_meds=["Insulin glargine 22 units at bedtime", "Insulin lispro per sliding scale with meals"]),
    C(key="appy", setting=("ed", "inpt"), age=(8, 70),
      cc=["Right lower quadrant pain", "Abdominal pain since last night"],
      hpi=["{Pt} developed periumbilical pain yesterday evening that migrated to the right lower quadrant, with anorexia and nausea."],
      vitals={"t": (99.8, 101.2), "hr": (90, 110)},
      exam={"Abdomen": ["Tenderness at McBurney point with guarding. Positive Rovsing sign."]},
      data=["WBC 14.6. CT abdomen: dilated appendix with periappendiceal stranding."],
      dx=["Acute appendicitis", "Acute uncomplicated appendicitis"],
      plan=["NPO, IV fluids.", "Piperacillin-tazobactam.", "General surgery consulted for laparoscopic appendectomy."],
      course=["Underwent laparoscopic appendectomy without complication. Diet advanced on postoperative day one."],
      dc_meds=["Ibuprofen 600 mg every 6 hours as needed", "Oxycodone 5 mg every 6 hours as needed for severe pain, 8 tablets"]),
    C(key="gib", setting=("ed", "inpt"), age=(40, 92),
      cc=["Black stools", "Vomiting blood", "Dizziness and dark stools"],
      hpi=["{Pt} reports {days} days of black tarry stools and lightheadedness. {He} takes ibuprofen daily for knee pain."],
      vitals={"hr": (104, 126), "sbp": (88, 104)},
      exam={"Abdomen": ["Mild epigastric tenderness."], "General": ["Pale."]},
      data=["Hemoglobin 7.2 (baseline 12). BUN 48.", "Rectal exam: melena, guaiac positive."],
      dx=["Upper gastrointestinal bleed", "Acute blood loss anemia", "Bleeding duodenal ulcer"],
      plan=["Two large bore IVs, type and cross 2 units.", "IV pantoprazole 40 mg twice daily.", "Gastroenterology for urgent EGD.",
            "Hold NSAIDs and anticoagulants."],
      course=["EGD showed a clean-based duodenal ulcer. Transfused one unit with appropriate response.",
              "Biopsies sent for Helicobacter pylori."],
      dc_meds=["Pantoprazole 40 mg twice daily for 8 weeks"]),
    C(key="stroke", setting=("ed", "inpt"), age=(50, 95),
      cc=["Right sided weakness", "Slurred speech", "Facial droop"],
      hpi=["{Pt} was last known well at {clock} when {his} spouse noticed slurred speech and weakness of the right arm."],
      vitals={"sbp": (160, 192)},
      exam={"Neuro": ["Right facial droop, right arm drift, expressive aphasia. NIHSS 6."]},
      data=["CT head without hemorrhage. CTA with left M2 occlusion.", "MRI brain: acute left frontal infarct."],
      dx=["Acute ischemic stroke", "Left MCA territory infarct", "Transient ischemic attack"],
      plan=["Stroke alert activated; neurology at bedside.", "Permissive hypertension.", "Aspirin, high-intensity statin.",
            "Swallow screen before oral intake.", "PT/OT/speech evaluation."],
      course=["Received thrombolysis with partial improvement.", "Echocardiogram and telemetry without atrial fibrillation."],
      dc_meds=["Aspirin 81 mg daily", "Atorvastatin 80 mg nightly"]),
    C(key="syncope", setting=("ed", "inpt"), age=(18, 95),
      cc=["Passed out", "Syncope", "Fainting episode"],
      hpi=["{Pt} lost consciousness briefly after standing up from the dinner table, with a prodrome of lightheadedness. "
           "No incontinence or tongue biting. Witnessed by family; back to baseline within a minute."],
      exam={},
      data=["Orthostatic vital signs positive.", "ECG sinus rhythm, normal intervals.", "Hemoglobin normal, troponin negative."],
      dx=["Syncope, likely orthostatic", "Vasovagal syncope", "Syncope and collapse"],
      plan=["IV fluids, orthostatic vitals.", "Telemetry monitoring overnight.", "Hold antihypertensives.", "Echocardiogram."],
      course=["Telemetry without arrhythmia. Echocardiogram normal. Orthostasis resolved with hydration."],
      dc_meds=[]),
    C(key="afib", setting=("ed", "inpt", "clinic"), age=(45, 95),
      cc=["Palpitations", "Racing heart", "Irregular heartbeat and fatigue"],
      hpi=["{Pt} reports {hours} hours of rapid irregular palpitations with mild dyspnea. No chest pain or syncope."],
      vitals={"hr": (120, 156)},
      exam={"Heart": ["Irregularly irregular, tachycardic, no murmur."]},
      data=["ECG atrial fibrillation with rapid ventricular response, rate 138.", "TSH normal."],
      dx=["Atrial fibrillation with rapid ventricular response", "New onset atrial fibrillation"],
      plan=["Diltiazem IV then oral for rate control.", "CHA2DS2-VASc score calculated; start apixaban.", "Echocardiogram."],
      course=["Rate controlled with oral diltiazem. Anticoagulation started."],
      dc_meds=["Diltiazem ER 180 mg daily", "Apixaban 5 mg twice daily"]),
    C(key="asthma", setting=("ed", "clinic"), age=(4, 60),
      cc=["Wheezing", "Asthma attack", "Cough and trouble breathing"],
      hpi=["{Pt} with asthma has had {days} days of cough and wheeze after a viral illness, needing albuterol every 3 hours."],
      vitals={"rr": (22, 32), "spo2": (90, 95)},
      exam={"Lungs": ["Diffuse expiratory wheezes, mild intercostal retractions."]},
      data=["Peak flow 55 percent of predicted, improved to 80 percent after treatment."],
      dx=["Acute asthma exacerbation", "Moderate persistent asthma with exacerbation"],
      plan=["Albuterol-ipratropium nebulizers x3.", "Oral dexamethasone.", "Asthma action plan reviewed."],
      dc_meds=["Albuterol inhaler 2 puffs every 4 hours as needed", "Prednisone 40 mg daily for 5 days"]),
    C(key="stone", setting=("ed",), age=(20, 75),
      cc=["Flank pain", "Severe {side} back pain", "Kidney stone pain"],
      hpi=["{Pt} reports sudden severe colicky {side} flank pain radiating to the groin with nausea since this morning."],
      vitals={"hr": (90, 112)},
      exam={"Abdomen": ["{Side} CVA tenderness, abdomen soft."], "General": ["Writhing, unable to find a comfortable position."]},
      data=["Urinalysis with large blood, no nitrite.", "CT stone protocol: 4 mm {side} distal ureteral stone with mild hydronephrosis."],
      dx=["{Side} ureterolithiasis", "Renal colic", "Nephrolithiasis"],
      plan=["Ketorolac IV, ondansetron.", "Tamsulosin for stone passage.", "Strain urine; urology follow-up."],
      dc_meds=["Tamsulosin 0.4 mg daily", "Ibuprofen 600 mg every 6 hours with food"]),
    C(key="ankle", setting=("ed", "clinic"), age=(8, 80),
      cc=["Ankle injury", "Twisted {side} ankle", "Ankle pain after a fall"],
      hpi=["{Pt} inverted {his} {side} ankle stepping off a curb {hours} hours ago and has had difficulty bearing weight."],
      exam={"Extremities": ["Swelling and tenderness over the {side} lateral malleolus, neurovascularly intact."]},
      data=["X-ray {side} ankle: nondisplaced distal fibula fracture.", "X-ray {side} ankle: no fracture."],
      dx=["{Side} ankle sprain", "Nondisplaced {side} lateral malleolus fracture"],
      plan=["Splint, crutches, non-weight-bearing.", "Ice, elevation, ibuprofen.", "Orthopedics follow-up in one week."],
      dc_meds=["Ibuprofen 400 mg every 6 hours as needed"]),
    C(key="lac", setting=("ed",), age=(3, 85),
      cc=["Laceration", "Cut to the hand", "Scalp laceration after a fall"],
      hpi=["{Pt} cut {his} {side} hand on a kitchen knife while slicing vegetables about {hours} hours ago. Bleeding controlled with pressure."],
      exam={"Skin": ["3 cm linear laceration over the {side} thenar eminence, no tendon involvement, sensation intact."]},
      data=[],
      dx=["Laceration of the {side} hand without foreign body", "Simple laceration"],
      plan=["Irrigated and repaired with 5-0 nylon, 6 simple interrupted sutures.", "Tetanus updated.", "Suture removal in 10 days."],
      procedures=["Laceration repair, simple, 3 cm"],
      dc_meds=[]),
    C(key="headache", setting=("ed", "clinic"), age=(15, 70),
      cc=["Headache", "Migraine", "Worst headache of my life"],
      hpi=["{Pt} with a history of migraines reports a throbbing {side}-sided headache for {days} days with photophobia and nausea, "
           "similar to prior migraines but longer lasting."],
      exam={"Neuro": ["Nonfocal neurologic exam. No meningismus."]},
      data=["CT head without contrast: no acute intracranial abnormality."],
      dx=["Migraine without aura", "Status migrainosus", "Tension-type headache"],
      plan=["Metoclopramide, diphenhydramine and IV fluids.", "Headache diary, limit analgesic overuse.", "Neurology follow-up if recurrent."],
      dc_meds=["Sumatriptan 50 mg at onset, may repeat once in 2 hours"]),
    C(key="backpain", setting=("ed", "clinic"), age=(20, 85),
      cc=["Low back pain", "Back pain after lifting"],
      hpi=["{Pt} developed low back pain radiating to the {side} buttock after lifting a heavy box {days} days ago. No bowel or bladder changes, no saddle anesthesia."],
      exam={"Extremities": ["Paraspinal tenderness. Straight leg raise negative. Strength and reflexes intact."]},
      dx=["Acute lumbar strain", "Low back pain with sciatica"],
      plan=["NSAIDs, heat, gentle activity.", "Physical therapy referral.", "Return precautions for red flag symptoms reviewed."],
      dc_meds=["Naproxen 500 mg twice daily with food", "Cyclobenzaprine 5 mg at bedtime as needed"]),
    C(key="htn_fu", setting=("clinic",), age=(30, 90),
      cc=["Follow-up of hypertension", "Blood pressure check", "Routine follow-up"],
      hpi=["{Pt} returns for follow-up of hypertension. Home readings average 142/88. Taking medications as prescribed. No headaches, chest pain or dyspnea.",
           "{Pt} is here for a three-month visit. {He} has been walking 20 minutes most days and cut back on salt."],
      vitals={"sbp": (134, 156)},
      data=["Recent BMP: creatinine 1.0, potassium 4.3.", "Lipid panel: LDL 128."],
      dx=["Essential hypertension, not at goal", "Hyperlipidemia", "Prediabetes"],
      plan=["Increase amlodipine to 10 mg daily.", "Continue home blood pressure log.", "Repeat labs before next visit.", "Return in 3 months."]),
    C(key="dm_fu", setting=("clinic",), age=(30, 90),
      cc=["Diabetes follow-up", "Review of blood sugars"],
      hpi=["{Pt} with type 2 diabetes returns for follow-up. Fasting sugars 140s to 170s. No hypoglycemia. Occasional numbness of the feet.",
           "{Pt} reports improved diet but missed several doses of metformin because of GI upset."],
      data=["Hemoglobin A1c 8.1 percent, up from 7.4.", "Urine microalbumin to creatinine ratio 45."],
      dx=["Type 2 diabetes mellitus with hyperglycemia", "Diabetic peripheral neuropathy", "Microalbuminuria"],
      plan=["Add empagliflozin 10 mg daily.", "Switch to extended-release metformin.", "Annual eye exam and monofilament foot exam.", "Nutrition referral."]),
    C(key="depression", setting=("clinic",), age=(16, 85),
      cc=["Low mood", "Follow-up for depression", "Trouble sleeping"],
      hpi=["{Pt} reports low mood, poor sleep and loss of interest for about two months after a job loss. PHQ-9 score 16. Denies suicidal ideation."],
      exam={"Psych": ["Flat affect, tearful at times, linear thought process, no suicidal ideation."]},
      dx=["Major depressive disorder, single episode, moderate", "Adjustment disorder with depressed mood"],
      plan=["Start sertraline 50 mg daily.", "Referral to behavioral health for therapy.", "Safety plan reviewed; crisis line given.", "Follow-up in 4 weeks."]),
    C(key="otitis", setting=("ed", "clinic"), age=(1, 10),
      cc=["Ear pain and fever", "Pulling at ear"],
      hpi=["{Pt} has had fever to 102 and ear pain for {days} days after a cold. Drinking less but still making wet diapers. Immunizations up to date."],
      vitals={"t": (100.4, 102.6)},
      exam={"HEENT": ["{Side} tympanic membrane erythematous and bulging. Nasal congestion."]},
      dx=["Acute otitis media, {side}", "Viral upper respiratory infection"],
      plan=["Amoxicillin 90 mg/kg/day divided twice daily for 10 days.", "Acetaminophen or ibuprofen for fever.", "Return if not improving in 48 to 72 hours."],
      dc_meds=["Amoxicillin suspension 400 mg/5 mL, dose per weight twice daily"]),
    C(key="cholecystitis", setting=("ed", "inpt"), age=(25, 85),
      cc=["Right upper quadrant pain", "Abdominal pain after eating"],
      hpi=["{Pt} reports constant right upper quadrant pain for {days} days after a fatty meal, with nausea and subjective fevers."],
      vitals={"t": (99.8, 101.6)},
      exam={"Abdomen": ["Right upper quadrant tenderness with positive Murphy sign."]},
      data=["Ultrasound: gallstones, gallbladder wall thickening and pericholecystic fluid.", "WBC 13.2, bilirubin 1.1, lipase normal."],
      dx=["Acute calculous cholecystitis", "Symptomatic cholelithiasis"],
      plan=["NPO, IV fluids, IV antibiotics.", "Surgery consult for laparoscopic cholecystectomy."],
      course=["Underwent laparoscopic cholecystectomy on hospital day two. Tolerated diet afterwards."],
      dc_meds=["Acetaminophen 1000 mg every 8 hours as needed", "Docusate 100 mg twice daily"]),
]


def cond_ctx(d, cond):
    g = d.g
    side = g.choice(["left", "right"])
    d.c.update({"side": side, "Side": side.capitalize(), "days": g.choice(["two", "three", "four", "five", "several"]),
                "hours": g.choice(["two", "three", "four", "six", "twelve"]), "kg": g.choice(["three", "four", "five"]),
                "clock": clock(g.rng)})


def pick_condition(d, setting):
    g = d.g
    opts = [c for c in CONDITIONS if setting in c["setting"]]
    if d.p is not None:
        age = d.c.get("age", 40)
        fit = [c for c in opts if c["age"][0] <= age <= c["age"][1]]
        opts = fit or opts
    cond = g.choice(opts)
    cond_ctx(d, cond)
    return cond


def vitals_text(d, cond, style=None):
    g = d.g
    v = cond.get("vitals", {})

    def rv(k, lo, hi, dec=0):
        a, b = v.get(k, (lo, hi))
        x = g.uniform(a, b)
        return ("%.1f" % x) if dec else "%d" % round(x)
    t, hr = rv("t", 97.6, 99.0, 1), rv("hr", 62, 92)
    sbp, dbp = rv("sbp", 108, 138), rv("dbp", 64, 86)
    rr, spo2 = rv("rr", 14, 18), min(100, int(rv("spo2", 95, 99)))
    style = style or g.pick(["long", "short", "list", "labels"])
    if style == "long":
        return ("Temperature %s F, pulse %s, blood pressure %s/%s, respirations %s, oxygen saturation %s%% on room air."
                % (t, hr, sbp, dbp, rr, spo2))
    if style == "short":
        return "T %s  HR %s  BP %s/%s  RR %s  SpO2 %s%% RA" % (t, hr, sbp, dbp, rr, spo2)
    if style == "list":
        return "BP %s/%s, P %s, R %s, T %s, O2 sat %s%%." % (sbp, dbp, hr, rr, t, spo2)
    return "Temp: %s  Pulse: %s  Resp: %s  BP: %s/%s  SpO2: %s%%  Wt: %d kg" % (t, hr, rr, sbp, dbp, spo2, g.randint(45, 120))


def exam_lines(d, cond, systems=None):
    g = d.g
    systems = systems or [s for s in EXAM_NORMAL if g.chance(0.8) or s in cond.get("exam", {})]
    out = []
    for s in systems:
        if s in cond.get("exam", {}):
            txt = d.f(g.choice(cond["exam"][s]))
        else:
            txt = g.pick(EXAM_NORMAL[s])
        out.append((g.pick(EXAM_LABELS[s]), txt))
    return out


def put_exam(d, cond, title=None, with_vitals=True):
    g = d.g
    title = title or g.pick(["Physical Examination", "Physical Exam", "Exam", "Examination", "PE"])
    ex = exam_lines(d, cond)
    if with_vitals:
        ex.insert(0, (g.pick(["Vitals", "Vital Signs", "VS"]), vitals_text(d, cond)))
    if g.chance(0.5):
        d.heading(title)
        for a, b in ex:
            d.raw("%s: %s" % (a, b))
    else:
        d.sec(title, " ".join("%s: %s" % (a, b) for a, b in ex))


PMH_PEDS = ["Asthma", "Eczema", "ADHD", "Recurrent otitis media", "Seasonal allergies", "Born at term, no complications",
            "Constipation", "Food allergy (peanut)", "Febrile seizure at age 2"]
PSH_PEDS = ["Tympanostomy tubes", "Tonsillectomy and adenoidectomy", "Circumcision", "None", "Inguinal hernia repair in infancy"]
MED_PEDS = [("Cetirizine", "5 mg", "daily"), ("Albuterol inhaler", "2 puffs", "every 4 hours as needed"),
            ("Fluticasone inhaler", "44 mcg, 2 puffs", "twice daily"), ("Polyethylene glycol", "8.5 g", "daily"),
            ("Methylphenidate ER", "18 mg", "every morning"), ("Hydrocortisone 1% cream", "thin layer", "twice daily"),
            ("Ibuprofen suspension", "10 mg/kg", "every 6 hours as needed"), ("Multivitamin with fluoride", "1 tablet", "daily")]
_MALE_ONLY = {"Benign prostatic hyperplasia", "Tamsulosin", "Circumcision"}
_FEMALE_ONLY = {"Cesarean section", "Hysterectomy", "Tubal ligation"}


def _fits_sex(d, item):
    sex = d.p["sex"] if d.p else None
    if sex == "F" and item in _MALE_ONLY:
        return False
    if sex == "M" and item in _FEMALE_ONLY:
        return False
    return True


def _is_child(d):
    return d.p is not None and d.c.get("age", 40) < 18


def pmh(d, k):
    pool = PMH_PEDS if _is_child(d) else PMH_POOL
    return d.g.sample([x for x in pool if _fits_sex(d, x)], k)


def psh(d, k):
    pool = PSH_PEDS if _is_child(d) else PSH_POOL
    return d.g.sample([x for x in pool if _fits_sex(d, x)], k)


def meds_list(d, lo=2, hi=7):
    g = d.g
    out = []
    pool = MED_PEDS if _is_child(d) else [m for m in MED_POOL if _fits_sex(d, m[0])]
    if _is_child(d):
        lo, hi = min(lo, 1), min(hi, 3)
    for n, dose, fr in g.sample(pool, g.randint(lo, hi)):
        out.append(g.pick(["%s %s %s", "%s %s by mouth %s", "%s %s PO %s"]) % (n, dose, fr))
    return out


def hpi_text(d, cond):
    g = d.g
    s = d.f(g.choice(cond["hpi"]))
    lead = g.pick(["{Mr} {Last} is a {ageword} {man} who presents with ",
                   "This is a {ageword} {sexword} who comes in with ",
                   "{Mr} {Last} is a {ageword} {man} with a history of {pmh1} who presents for ",
                   "The patient is a {ageword} {man} seen for "])
    d.c["pmh1"] = (pmh(d, 1) or ["no significant illness"])[0].lower()
    first = d.f(lead) + d.f(g.choice(cond["cc"])).lower() + "."
    extra = g.some(["{He} denies recent travel or sick contacts.", "No prior similar episodes.",
                    "Symptoms have been gradually worsening.", "{He} has not tried anything for relief.",
                    "{He} was seen by {his} primary care provider last week and was advised to come in if worse.",
                    "Review of outside records was performed.", "History was obtained from the patient and a family member."], 0, 2)
    return " ".join([first, s] + [d.f(e) for e in extra])


def dx_text(d, cond):
    return d.f(d.g.choice(cond["dx"]))


# ---- operative procedures
PROCEDURES = [
    {"name": "Laparoscopic cholecystectomy", "pre": "Symptomatic cholelithiasis", "post": "Chronic cholecystitis with cholelithiasis",
     "anes": "General endotracheal", "ebl": (5, 40), "spec": "Gallbladder",
     "ind": "recurrent biliary colic with gallstones on ultrasound",
     "steps": ["The patient was placed supine and general anesthesia was induced.", "The abdomen was prepped and draped in the usual sterile fashion.",
               "Pneumoperitoneum was established via an umbilical Hasson technique and three additional 5 mm ports were placed under direct vision.",
               "The gallbladder was retracted cephalad and the triangle of Calot dissected to obtain the critical view of safety.",
               "The cystic duct and cystic artery were clipped and divided.", "The gallbladder was removed from the liver bed with electrocautery and extracted in an endocatch bag.",
               "Hemostasis was confirmed. Ports were removed under direct vision and the fascia at the umbilicus closed with 0 Vicryl.",
               "Skin was closed with 4-0 Monocryl subcuticular sutures."],
     "findings": "Distended gallbladder with multiple stones and omental adhesions."},
    {"name": "Laparoscopic appendectomy", "pre": "Acute appendicitis", "post": "Acute suppurative appendicitis",
     "anes": "General", "ebl": (5, 25), "spec": "Appendix", "ind": "right lower quadrant pain with CT findings of appendicitis",
     "steps": ["After induction of general anesthesia the abdomen was prepped and draped.", "A 12 mm umbilical port and two 5 mm ports were placed.",
               "The appendix was identified, inflamed but without perforation.", "The mesoappendix was divided with a harmonic scalpel.",
               "The base of the appendix was divided with an endoscopic stapler.", "The specimen was removed in a bag and the right lower quadrant irrigated.",
               "Port sites were closed in layers."],
     "findings": "Inflamed, nonperforated appendix with minimal purulent fluid."},
    {"name": "Open right inguinal hernia repair with mesh", "pre": "Right inguinal hernia", "post": "Right indirect inguinal hernia",
     "anes": "General with local infiltration", "ebl": (5, 20), "spec": "None", "ind": "symptomatic reducible right groin bulge",
     "steps": ["An oblique incision was made in the right groin.", "The external oblique aponeurosis was opened in line with its fibers.",
               "The cord structures were isolated and an indirect hernia sac was dissected off the cord and reduced.",
               "A polypropylene mesh was secured to the pubic tubercle and shelving edge of the inguinal ligament.",
               "The external oblique was reapproximated and the skin closed with subcuticular sutures."],
     "findings": "Moderate indirect hernia sac; floor intact."},
    {"name": "Right total knee arthroplasty", "pre": "Right knee osteoarthritis", "post": "Same",
     "anes": "Spinal with adductor canal block", "ebl": (100, 300), "spec": "Bone fragments", "ind": "end-stage tricompartmental arthritis failing conservative management",
     "steps": ["A tourniquet was applied to the right thigh.", "A midline incision and medial parapatellar arthrotomy were performed.",
               "The distal femur and proximal tibia were cut using standard alignment guides.", "Trial components showed good stability and range of motion.",
               "Final cemented components were placed.", "The wound was irrigated and closed in layers; a sterile dressing was applied."],
     "findings": "Severe tricompartmental degenerative changes with large osteophytes."},
    {"name": "Left carpal tunnel release", "pre": "Left carpal tunnel syndrome", "post": "Same",
     "anes": "Local with monitored anesthesia care", "ebl": (1, 5), "spec": "None", "ind": "numbness and tingling with positive nerve conduction studies",
     "steps": ["A longitudinal incision was made in the palm in line with the radial border of the ring finger.",
               "The transverse carpal ligament was identified and released completely under direct vision.",
               "The median nerve was inspected and found compressed but intact.", "The skin was closed with 4-0 nylon."],
     "findings": "Thickened transverse carpal ligament with hourglass narrowing of the median nerve."},
    {"name": "Colonoscopy with cold snare polypectomy", "pre": "Screening colonoscopy", "post": "Colon polyps; diverticulosis",
     "anes": "Monitored anesthesia care with propofol", "ebl": (0, 2), "spec": "Colon polyps", "ind": "average-risk colorectal cancer screening",
     "steps": ["The colonoscope was introduced through the anus and advanced to the cecum, identified by the appendiceal orifice and ileocecal valve.",
               "The preparation was good. The colon was carefully examined on withdrawal.", "Two sessile polyps, 4 and 6 mm, were removed with cold snare.",
               "Scattered sigmoid diverticula were seen.", "Retroflexion in the rectum showed small internal hemorrhoids."],
     "findings": "Two small polyps in the ascending and transverse colon; sigmoid diverticulosis."},
    {"name": "Esophagogastroduodenoscopy with biopsy", "pre": "Dyspepsia", "post": "Gastritis",
     "anes": "Moderate sedation", "ebl": (0, 2), "spec": "Gastric antrum biopsies", "ind": "persistent epigastric pain",
     "steps": ["The endoscope was passed into the esophagus under direct vision.", "The esophagus appeared normal with a regular Z-line.",
               "The stomach showed patchy erythema of the antrum; biopsies were taken.", "The duodenum was normal to the second portion."],
     "findings": "Antral erythema; normal esophagus and duodenum."},
    {"name": "Low transverse cesarean section", "pre": "Intrauterine pregnancy at 39 weeks, prior cesarean", "post": "Same, delivered",
     "anes": "Spinal", "ebl": (500, 900), "spec": "Placenta", "ind": "repeat cesarean by patient choice",
     "steps": ["A Pfannenstiel incision was made and carried down to the fascia.", "The peritoneum was entered bluntly and a bladder blade placed.",
               "A low transverse hysterotomy was made and a viable infant delivered from vertex position.",
               "The placenta was delivered and the uterus closed in two layers.", "The fascia and skin were closed."],
     "findings": "Viable female infant, Apgars 8 and 9. Normal uterus, tubes and ovaries."},
    {"name": "Excision of skin lesion with intermediate closure", "pre": "Enlarging pigmented lesion of the back", "post": "Same",
     "anes": "Local, 1% lidocaine with epinephrine", "ebl": (1, 5), "spec": "Skin, back", "ind": "changing pigmented lesion",
     "steps": ["An elliptical excision with 2 mm margins was marked.", "The lesion was excised to the subcutaneous fat and oriented with a suture.",
               "The wound was closed in layers with 4-0 Vicryl and 5-0 nylon."],
     "findings": "8 mm irregular pigmented macule."},
    {"name": "Cystoscopy with left ureteral stent placement", "pre": "Obstructing left ureteral stone", "post": "Same",
     "anes": "General, LMA", "ebl": (0, 5), "spec": "None", "ind": "obstructing stone with infection",
     "steps": ["The patient was placed in dorsal lithotomy.", "The cystoscope was advanced into the bladder, which was unremarkable.",
               "A guidewire was passed up the left ureter under fluoroscopy.", "A 6 French by 26 cm double J stent was placed with good curl."],
     "findings": "Purulent efflux from the left ureteral orifice."},
    {"name": "Open reduction and internal fixation of right distal radius fracture", "pre": "Displaced right distal radius fracture", "post": "Same",
     "anes": "General with supraclavicular block", "ebl": (10, 50), "spec": "None", "ind": "displaced intra-articular fracture after a fall",
     "steps": ["A volar Henry approach was used.", "The pronator quadratus was elevated and the fracture reduced under fluoroscopy.",
               "A volar locking plate was applied with distal locking screws.", "Final fluoroscopic images confirmed reduction.", "Layered closure and splint."],
     "findings": "Comminuted intra-articular distal radius fracture."},
    {"name": "Tonsillectomy and adenoidectomy", "pre": "Recurrent tonsillitis", "post": "Same",
     "anes": "General endotracheal", "ebl": (10, 30), "spec": "Tonsils and adenoids", "ind": "seven episodes of tonsillitis in the past year",
     "steps": ["A McIvor mouth gag was placed.", "The tonsils were removed by electrocautery dissection.",
               "The adenoids were removed with suction cautery.", "Hemostasis was obtained and the oropharynx irrigated."],
     "findings": "3+ cryptic tonsils, moderate adenoid hypertrophy."},
]

# ---- imaging studies: (exam name, technique, normal findings, abnormal findings, normal impression, abnormal impressions)
IMAGING = [
    {"exam": ["Chest radiograph, PA and lateral", "XR CHEST 2 VIEWS", "Chest x-ray, two views"],
     "tech": "PA and lateral views of the chest.",
     "normal": "The lungs are clear. No pleural effusion or pneumothorax. The cardiomediastinal silhouette is within normal limits. Osseous structures are intact.",
     "abn": ["Patchy consolidation in the {side} lower lobe. No effusion. Heart size normal.",
             "Cardiomegaly with pulmonary vascular congestion and small bilateral pleural effusions.",
             "Hyperinflated lungs with flattened hemidiaphragms. No focal consolidation."],
     "imp_n": "No acute cardiopulmonary process.",
     "imp_a": ["{Side} lower lobe pneumonia.", "Findings consistent with congestive heart failure.", "Hyperinflation, no acute process."]},
    {"exam": ["CT head without contrast", "CT BRAIN WO CONTRAST", "Noncontrast CT of the head"],
     "tech": "Axial images of the head were obtained without intravenous contrast. Dose reduction techniques were used.",
     "normal": "No intracranial hemorrhage, mass effect or midline shift. Gray-white differentiation is preserved. Ventricles are normal in size. Paranasal sinuses are clear.",
     "abn": ["Hypodensity in the left frontal lobe consistent with evolving infarct. No hemorrhage.",
             "Small right frontal subdural hematoma measuring 6 mm without midline shift.",
             "Moderate chronic small vessel ischemic changes. No acute abnormality."],
     "imp_n": "No acute intracranial abnormality.",
     "imp_a": ["Acute to subacute left frontal infarct.", "Small right subdural hematoma.", "Chronic microvascular changes only."]},
    {"exam": ["CT abdomen and pelvis with contrast", "CT ABD/PELVIS W CONTRAST"],
     "tech": "Helical CT of the abdomen and pelvis after intravenous contrast. Coronal and sagittal reformats were reviewed.",
     "normal": "The liver, spleen, pancreas, adrenal glands and kidneys are unremarkable. No bowel obstruction. The appendix is normal. No free fluid or free air. No lymphadenopathy.",
     "abn": ["The appendix is dilated to 11 mm with periappendiceal fat stranding. No abscess.",
             "Sigmoid diverticulosis with pericolic stranding consistent with diverticulitis. No abscess.",
             "Dilated small bowel loops with transition point in the right lower quadrant."],
     "imp_n": "No acute abdominopelvic process.",
     "imp_a": ["Acute appendicitis.", "Acute uncomplicated sigmoid diverticulitis.", "Small bowel obstruction."]},
    {"exam": ["CT angiogram of the chest, PE protocol", "CTA CHEST PE"],
     "tech": "CT angiography of the chest was performed during the pulmonary arterial phase.",
     "normal": "The pulmonary arteries opacify well without filling defect. No pleural effusion. Lungs are clear. Heart size normal.",
     "abn": ["Filling defects in the right lower lobe segmental pulmonary arteries. RV to LV ratio less than 1.",
             "No pulmonary embolism. 7 mm solid nodule in the right upper lobe."],
     "imp_n": "No pulmonary embolism.",
     "imp_a": ["Acute right lower lobe segmental pulmonary emboli without right heart strain.", "No PE. Incidental 7 mm pulmonary nodule, follow-up CT in 6 to 12 months."]},
    {"exam": ["MRI lumbar spine without contrast", "MR L-SPINE WO"],
     "tech": "Sagittal and axial T1 and T2 weighted images of the lumbar spine.",
     "normal": "Vertebral body heights are maintained. The conus terminates normally at L1. No significant disc herniation or canal stenosis.",
     "abn": ["At L4-L5 there is a broad-based disc bulge with a {side} paracentral protrusion contacting the traversing {side} L5 nerve root.",
             "At L5-S1 moderate facet arthropathy with mild bilateral foraminal narrowing."],
     "imp_n": "Unremarkable MRI of the lumbar spine.",
     "imp_a": ["L4-L5 {side} paracentral disc protrusion contacting the {side} L5 nerve root.", "Degenerative changes at L5-S1 with mild foraminal narrowing."]},
    {"exam": ["Ultrasound abdomen, right upper quadrant", "US RUQ", "Limited abdominal ultrasound"],
     "tech": "Grayscale and color Doppler images of the right upper quadrant.",
     "normal": "The liver is normal in echotexture. The gallbladder is without stones or wall thickening. The common bile duct measures 3 mm. No ascites.",
     "abn": ["Multiple shadowing gallstones. The gallbladder wall is thickened to 5 mm with pericholecystic fluid. Sonographic Murphy sign positive.",
             "Increased hepatic echogenicity consistent with fatty infiltration. Gallbladder normal."],
     "imp_n": "Normal right upper quadrant ultrasound.",
     "imp_a": ["Findings consistent with acute calculous cholecystitis.", "Hepatic steatosis."]},
    {"exam": ["Screening mammogram, bilateral", "MAMMO SCREENING BILATERAL W TOMO", "Bilateral digital screening mammography"],
     "tech": "Standard CC and MLO views of both breasts with tomosynthesis.",
     "normal": "The breasts are heterogeneously dense, which may obscure small masses. No suspicious mass, calcification or architectural distortion.",
     "abn": ["There is a 9 mm irregular mass in the left breast at 2 o'clock, middle depth.", "Grouped amorphous calcifications in the right upper outer quadrant."],
     "imp_n": "BI-RADS 1: Negative. Routine annual screening recommended.",
     "imp_a": ["BI-RADS 0: Incomplete. Diagnostic mammogram and ultrasound of the left breast recommended.", "BI-RADS 0: Additional magnification views recommended."]},
    {"exam": ["X-ray {side} ankle, 3 views", "XR ANKLE {SIDE} 3+ VIEWS"],
     "tech": "AP, mortise and lateral views of the {side} ankle.",
     "normal": "No fracture or dislocation. The ankle mortise is congruent. Soft tissues unremarkable.",
     "abn": ["Nondisplaced oblique fracture of the distal fibula at the level of the syndesmosis. Mortise intact. Lateral soft tissue swelling."],
     "imp_n": "No acute osseous abnormality.", "imp_a": ["Nondisplaced distal fibular fracture, Weber B."]},
    {"exam": ["Venous duplex ultrasound, {side} lower extremity", "US VENOUS DOPPLER LE {SIDE}"],
     "tech": "Grayscale compression and color Doppler of the {side} deep veins from the common femoral to the popliteal and calf veins.",
     "normal": "The deep veins are fully compressible with normal flow and augmentation.",
     "abn": ["Noncompressible echogenic thrombus in the {side} popliteal and posterior tibial veins."],
     "imp_n": "No deep venous thrombosis.", "imp_a": ["Acute deep venous thrombosis of the {side} popliteal and posterior tibial veins."]},
    {"exam": ["Transthoracic echocardiogram", "ECHO COMPLETE TTE", "2D echocardiogram with Doppler"],
     "tech": "Complete two-dimensional, M-mode, color and spectral Doppler examination.",
     "normal": "Normal left ventricular size and wall thickness. Ejection fraction estimated at 60 percent. No regional wall motion abnormality. Valves structurally normal. No pericardial effusion.",
     "abn": ["The left ventricle is mildly dilated with global hypokinesis. Ejection fraction 30 to 35 percent. Moderate mitral regurgitation.",
             "Concentric left ventricular hypertrophy with grade II diastolic dysfunction. Ejection fraction 60 percent."],
     "imp_n": "Normal echocardiogram.", "imp_a": ["Cardiomyopathy with ejection fraction 30 to 35 percent and moderate MR.", "LVH with diastolic dysfunction."]},
    {"exam": ["DEXA bone density", "Bone densitometry, DXA"],
     "tech": "Dual energy x-ray absorptiometry of the lumbar spine and hips.",
     "normal": "Lumbar spine L1-L4 T-score -0.6. Left femoral neck T-score -0.9.",
     "abn": ["Lumbar spine L1-L4 T-score -2.7. Left femoral neck T-score -2.1. Total hip T-score -1.8."],
     "imp_n": "Normal bone mineral density.", "imp_a": ["Osteoporosis of the lumbar spine; osteopenia of the hip. FRAX 10-year major fracture risk 18 percent."]},
    {"exam": ["MRI brain with and without contrast", "MR BRAIN W/WO"],
     "tech": "Multiplanar multisequence MRI of the brain before and after gadolinium.",
     "normal": "No acute infarct on diffusion imaging. No mass, hemorrhage or abnormal enhancement. Ventricles and sulci are age appropriate.",
     "abn": ["Restricted diffusion in the left frontal cortex and subcortical white matter. No hemorrhage.",
             "A 1.2 cm enhancing extra-axial mass along the right frontal convexity with a dural tail, most consistent with meningioma."],
     "imp_n": "Normal MRI of the brain.", "imp_a": ["Acute left frontal infarct.", "Small right frontal convexity meningioma."]},
]


_IMG_REGIONS = ["chest", "head", "abd", "chest", "spine", "abd_us", "breast", "msk", "vasc", "cardiac", "dexa", "head"]
for _st, _rg in zip(IMAGING, _IMG_REGIONS):
    _st["region"] = _rg
REGION_NORMALS = {
    "chest": ["Lungs: No focal consolidation, effusion or pneumothorax.", "Pleura: No pleural thickening.", "Heart: Normal size. No pericardial effusion.",
              "Mediastinum: No lymphadenopathy. Trachea midline.", "Bones: No acute fracture. Mild degenerative changes of the thoracic spine.",
              "Upper abdomen: Visualized portions unremarkable.", "Lines/tubes: None."],
    "head": ["Brain parenchyma: No acute territorial infarct.", "Ventricles: Normal in size and configuration.", "Extra-axial spaces: No collection.",
             "Calvarium: Intact.", "Orbits: Unremarkable.", "Mastoids and sinuses: Clear.", "Vascular: No hyperdense vessel."],
    "abd": ["Liver: Normal size, no focal lesion.", "Gallbladder: No radiopaque stones.", "Pancreas: Normal enhancement, no ductal dilatation.",
            "Spleen: Normal size.", "Adrenals: Unremarkable.", "Kidneys: Symmetric enhancement, no hydronephrosis.",
            "Bowel: No obstruction.", "Lymph nodes: None enlarged.", "Pelvis: Bladder unremarkable.", "Bones: No aggressive lesion.",
            "Lung bases: Clear."],
    "abd_us": ["Pancreas: Visualized portions unremarkable.", "Right kidney: %d cm, no hydronephrosis." % 11, "Aorta: Normal caliber.",
               "IVC: Patent.", "Spleen: 9 cm."],
    "spine": ["Alignment: Normal lordosis.", "Vertebral bodies: Heights maintained, marrow signal normal.", "Conus: Terminates at L1.",
              "L1-L2: No disc herniation.", "L2-L3: Mild disc desiccation.", "L3-L4: Small disc bulge without stenosis.",
              "Paraspinal soft tissues: Unremarkable."],
    "breast": ["Breast composition: scattered areas of fibroglandular density.", "No suspicious axillary lymph nodes.",
               "Skin and nipples unremarkable.", "Stable benign-appearing calcifications bilaterally."],
    "msk": ["Bones: Normal mineralization.", "Joint spaces: Preserved.", "Soft tissues: No radiopaque foreign body."],
    "vasc": ["Common femoral vein: compressible, phasic flow.", "Femoral vein: compressible.", "Great saphenous vein: patent.",
             "Contralateral common femoral vein: normal flow."],
    "cardiac": ["Left atrium: Normal size.", "Right ventricle: Normal size and function.", "Aortic valve: Trileaflet, no stenosis.",
                "Mitral valve: Trace regurgitation.", "Tricuspid valve: Estimated RVSP 28 mmHg.", "IVC: Normal with respiratory variation.",
                "Pericardium: No effusion."],
    "dexa": ["L1-L4 BMD 0.9 g/cm2.", "Femoral neck BMD 0.7 g/cm2.", "Scan quality: good, no artifacts."],
}


def imaging_ctx(d):
    side = d.g.choice(["left", "right"])
    d.c.update({"side": side, "Side": side.capitalize(), "SIDE": side.upper()})


# --------------------------------------------------------------------------
# Narrative clinical notes
# --------------------------------------------------------------------------

HP_TITLES = ["HISTORY AND PHYSICAL", "History and Physical", "ADMISSION HISTORY AND PHYSICAL", "H&P",
             "Admission H&P", "HISTORY & PHYSICAL EXAMINATION", "INTERNAL MEDICINE ADMISSION NOTE",
             "Hospitalist Admission Note", "PREOPERATIVE HISTORY AND PHYSICAL", None]


def _hp_body(d, cond, short=False):
    g = d.g
    d.sec(["Chief Complaint", "CC", "Reason for Admission", "Presenting Complaint"], d.f(g.choice(cond["cc"])) + ".")
    d.sec(["History of Present Illness", "HPI", "Present Illness"], hpi_text(d, cond))
    pmhl = pmh(d, g.randint(1, 5))
    if g.chance(0.5):
        d.items(["Past Medical History", "PMH", "Medical History"], pmhl)
    else:
        d.sec(["Past Medical History", "PMH", "Medical History"], ", ".join(pmhl) + ".")
    if g.chance(0.7):
        d.sec(["Past Surgical History", "PSH", "Surgical History"], ", ".join(psh(d, g.randint(1, 3))) + "." if g.chance(0.85) else "None.")
    if g.chance(0.5):
        d.items(["Medications", "Home Medications", "Current Medications", "Outpatient Medications"], meds_list(d))
    else:
        d.sec(["Medications", "Home Medications", "Meds"], "; ".join(meds_list(d)) + ".")
    d.sec(["Allergies", "Drug Allergies", "ALL"], g.pick(ALLERGY_POOL))
    if not short:
        d.sec(["Social History", "SH", "Social"], g.pick(SOCIAL_POOL))
        d.sec(["Family History", "FH"], g.pick(FAMILY_POOL))
        d.sec(["Review of Systems", "ROS"], g.pick([
            "Positive as per HPI. All other systems reviewed and negative.",
            "Constitutional: as above. Cardiac: no palpitations. GI: no melena. GU: no hematuria. Neuro: no focal weakness. Otherwise negative.",
            "A complete 12-point review of systems was obtained and is negative except as noted in the HPI.",
            "Denies headache, vision change, chest pain, abdominal pain, dysuria or rash except as above."]))
    put_exam(d, cond)
    if cond["data"] and g.chance(0.85):
        d.sec(["Laboratory Data", "Data", "Labs/Imaging", "Diagnostic Data", "Results"], " ".join(d.f(x) for x in g.sample(cond["data"], g.randint(1, len(cond["data"])))))


def _ap(d, cond, title=None):
    g = d.g
    title = title or g.pick(["Assessment and Plan", "Assessment/Plan", "A/P", "Impression and Plan", "Plan"])
    if g.chance(0.5):
        d.heading(title)
        d.raw(d.f("{ageword} {man} with ") + dx_text(d, cond)[0].lower() + dx_text(d, cond)[1:] + ".")
        d.items(None, g.some(cond["plan"], 2, 5))
    else:
        d.heading(title)
        probs = [dx_text(d, cond)] + pmh(d, g.randint(1, 2))
        for i, pr in enumerate(probs):
            plan = " ".join(g.some(cond["plan"], 1, 3)) if i == 0 else g.pick([
                "Continue home regimen.", "Stable, continue current management.", "Monitor; resume home medications.",
                "Hold for now, reassess in the morning.", "Outpatient follow-up."])
            d.raw("%d. %s: %s" % (i + 1, pr, plan) if d.num_style != "-" else "- %s: %s" % (pr, plan))
    if g.chance(0.4):
        d.sec(["Code Status", "Code"], g.pick(["Full code.", "DNR/DNI, confirmed with the patient.", "Full code, discussed with family."]))
    if g.chance(0.3):
        d.sec(["Disposition", "Dispo"], g.pick(["Admit to medicine, telemetry.", "Observation status.", "Admit to step-down unit."]))


@template("history_physical", weight=3)
def hp_standard(d):
    cond = pick_condition(d, "inpt")
    std_header(d, d.g.pick(["Admission Date:", "Date of Admission:", "Admit Date:", "DOS:", "Date of Service:"]),
               [("Attending:", d.c["doctor"])] if d.g.chance(0.5) else None, HP_TITLES)
    _hp_body(d, cond)
    _ap(d, cond)
    d.sig()


@template("history_physical", weight=1.5)
def hp_clinic(d):
    """Office new-patient H&P / annual physical."""
    g = d.g
    cond = pick_condition(d, "clinic")
    std_header(d, g.pick(["Visit Date:", "Date of Visit:", "Date:"]), None,
               ["NEW PATIENT HISTORY AND PHYSICAL", "Comprehensive History and Physical", "ANNUAL PHYSICAL EXAMINATION",
                "Initial Visit - History & Physical", None])
    _hp_body(d, cond, short=g.chance(0.4))
    if g.chance(0.5):
        d.sec(["Health Maintenance", "Preventive Care"], g.pick([
            "Colonoscopy due. Influenza vaccine given today. Tdap up to date.",
            "Mammogram last year, normal. Pneumococcal vaccine recommended.",
            "Up to date on immunizations. Lipid screening ordered."]))
    _ap(d, cond)
    d.sig()


@template("history_physical", weight=1, splits=("test",))
def hp_preop(d):
    g = d.g
    proc = g.choice(PROCEDURES)
    cond = pick_condition(d, "clinic")
    std_header(d, "Date of Evaluation:", [("Surgeon:", d.c["doctor2"])], ["PRE-ANESTHESIA / PREOPERATIVE H&P", "Preoperative Evaluation", None])
    d.sec("Planned Procedure", proc["name"] + ".")
    d.sec("Indication", proc["ind"][0].upper() + proc["ind"][1:] + ".")
    _hp_body(d, cond, short=True)
    d.sec(["Airway", "Airway Assessment"], g.pick(["Mallampati II, full neck range of motion, no loose teeth.", "Mallampati III, dentures upper."]))
    d.sec(["ASA Class", "ASA Physical Status"], g.pick(["II", "III", "2", "3"]))
    d.sec("Assessment", "Acceptable candidate for the planned procedure. Risks reviewed. Continue beta blocker; hold anticoagulant 48 hours prior.")
    d.sig()


DC_TITLES = ["DISCHARGE SUMMARY", "Discharge Summary", "HOSPITAL DISCHARGE SUMMARY", "DISCHARGE SUMMARY / TRANSFER NOTE",
             "Physician Discharge Summary", "DISCHARGE NOTE", None]


@template("discharge_summary", weight=3)
def dc_standard(d):
    g = d.g
    cond = pick_condition(d, "inpt")
    los = g.randint(2, 9)
    adm = d.dos - timedelta(days=los)
    std_header(d, g.pick(["Discharge Date:", "Date of Discharge:", "DOS:"]), None, DC_TITLES)
    d.kv([(g.pick(["Admission Date:", "Date of Admission:", "Admitted:"]), d.date(adm)),
          (g.pick(["Discharge Date:", "Discharged:"]), d.date(d.dos)),
          (g.pick(["Attending Physician:", "Attending:"]), d.c["doctor"]),
          (g.pick(["Primary Care:", "PCP:"]), d.c["doctor3"]),
          (g.pick(["Disposition:", "Discharged to:"]), g.pick(["Home", "Home with home health", "Skilled nursing facility",
                                                                 "Acute rehabilitation", "Home with family"]))])
    dx = dx_text(d, cond)
    d.sec(["Admission Diagnosis", "Admitting Diagnosis", "Reason for Admission"], dx + ".")
    d.items(["Discharge Diagnoses", "Final Diagnoses", "Principal and Secondary Diagnoses"],
            [dx] + pmh(d, g.randint(1, 3)))
    if cond.get("procedures") or g.chance(0.4):
        d.sec(["Procedures", "Procedures Performed", "Operations/Procedures"], g.pick(
            ["None.", "Chest radiograph, echocardiogram.", "Peripherally inserted central catheter placement.",
             "Esophagogastroduodenoscopy.", "Transfusion of one unit packed red cells."]))
    d.sec(["History of Present Illness", "Brief HPI", "Presentation"], hpi_text(d, cond))
    course = [d.f(x) for x in cond["course"]] or ["{He} was treated supportively with improvement."]
    course = [d.f(x) for x in course]
    course.append(d.f(g.pick(["By the day of discharge {he} was ambulating independently and tolerating a regular diet.",
                              "{He} was seen by physical therapy and cleared for discharge.",
                              "At discharge vital signs were stable and {he} was at {his} baseline mental status."])))
    d.sec(["Hospital Course", "Brief Hospital Course", "Course in Hospital"], " ".join(course))
    d.sec(["Condition at Discharge", "Discharge Condition", "Condition"], g.pick(["Stable.", "Good.", "Improved, stable.", "Fair."]))
    meds = [d.f(m) for m in cond["dc_meds"]] + meds_list(d, 1, 4)
    d.items(["Discharge Medications", "Medications at Discharge", "Discharge Medication List"], meds)
    d.items(["Follow-up", "Follow-up Appointments", "Follow Up"], g.some([
        "Primary care with {doc3_short} in 1 week.", "Cardiology clinic in 2 weeks.", "Repeat BMP in 3 to 5 days.",
        "Outpatient physical therapy.", "Gastroenterology clinic in 4 weeks.", "Pulmonary function testing in 6 weeks."], 1, 3))
    if g.chance(0.6):
        d.sec(["Discharge Instructions", "Patient Instructions", "Instructions"], g.pick([
            "Return to the emergency department for fever, chest pain, shortness of breath or any worsening symptoms.",
            "Weigh yourself daily; call for a gain of more than 2 pounds in a day. Low sodium diet.",
            "Activity as tolerated. No driving while taking narcotic pain medication. Keep incisions clean and dry."]))
    if g.chance(0.4):
        d.sec("Diet", g.pick(["Regular.", "Cardiac, 2 g sodium.", "Carbohydrate controlled.", "Soft diet, advance as tolerated."]))
    d.sig()


@template("discharge_summary", weight=1, splits=("test",))
def dc_brief(d):
    """Short-stay / observation discharge with a table of medication changes."""
    g = d.g
    cond = pick_condition(d, "inpt")
    std_header(d, "Date:", None, ["OBSERVATION DISCHARGE SUMMARY", "Short Stay Summary", "Discharge Summary (Brief)"])
    d.kv([("Admitted:", d.date(d.dos - timedelta(days=1))), ("Discharged:", d.date(d.dos)), ("Length of stay:", "1 day")], cols=3)
    d.sec("Diagnosis", dx_text(d, cond))
    d.sec("Summary", hpi_text(d, cond) + " " + " ".join(d.f(x) for x in cond["course"][:2]))
    rows = [[m.split(" ")[0], g.pick(["NEW", "CONTINUE", "CHANGED", "STOP"]), g.pick(["as directed", "see label", "with food"])]
            for m in (cond["dc_meds"] + [x[0] for x in g.sample(MED_POOL, 3)])]
    d.heading("Medication changes")
    d.table(["Medication", "Action", "Notes"], rows)
    d.sec("Follow up", "With {doc3_short} in one week.")
    d.sig()


OP_TITLES = ["OPERATIVE REPORT", "Operative Report", "OPERATIVE NOTE", "PROCEDURE NOTE", "Brief Op Note",
             "OPERATION REPORT", "SURGICAL REPORT", None]


@template("operative_report", weight=3)
def op_standard(d):
    g = d.g
    pr = g.choice(PROCEDURES)
    std_header(d, g.pick(["Date of Surgery:", "Date of Procedure:", "Surgery Date:", "DOS:"]), None, OP_TITLES)
    d.sec(["Preoperative Diagnosis", "Pre-op Diagnosis", "Preoperative Diagnoses"], pr["pre"] + ".")
    d.sec(["Postoperative Diagnosis", "Post-op Diagnosis", "Postoperative Diagnoses"], pr["post"] + ".")
    d.sec(["Procedure", "Procedure Performed", "Operation", "Operation Performed", "Procedures"], pr["name"] + ".")
    d.sec(["Surgeon", "Attending Surgeon"], "{doctor}")
    if g.chance(0.6):
        d.sec(["Assistant", "Assistant Surgeon", "First Assistant"], g.pick(["{doctor2}", "None.", "{nurse}, surgical first assistant"]))
    d.sec(["Anesthesia", "Type of Anesthesia"], pr["anes"] + ".")
    d.sec(["Estimated Blood Loss", "EBL", "Blood Loss"], "%d mL." % g.randint(*pr["ebl"]))
    if g.chance(0.6):
        d.sec(["Fluids", "IV Fluids"], "%d mL crystalloid." % (g.randint(4, 25) * 100))
    d.sec(["Specimens", "Specimen", "Specimens Removed"], pr["spec"] + (" to pathology." if pr["spec"] != "None" else "."))
    d.sec(["Complications", "Intraoperative Complications"], g.pick(["None.", "None apparent.", "No immediate complications."]))
    if g.chance(0.5):
        d.sec(["Drains", "Implants"], g.pick(["None.", "None.", "Jackson-Pratt drain to bulb suction."]))
    d.sec(["Indications", "Indications for Procedure", "Indication"], "{Pt} is a {ageword} {man} with " + pr["ind"] + ". "
          + g.pick(["Risks, benefits and alternatives were discussed and informed consent was obtained.",
                    "The risks including bleeding, infection and injury to surrounding structures were reviewed and the patient wished to proceed."]))
    d.sec(["Findings", "Operative Findings"], pr["findings"])
    steps = list(pr["steps"])
    if g.chance(0.5):
        steps.insert(1, g.pick(["A surgical time-out was performed confirming the patient, procedure and site.",
                                "Preoperative antibiotics were given within one hour of incision.",
                                "Sequential compression devices were in place."]))
    steps.append(g.pick(["Sponge, needle and instrument counts were correct at the end of the case.",
                         "All counts were correct times two.", "The patient tolerated the procedure well."]))
    steps.append(g.pick(["{He} was taken to the recovery room in stable condition.", "{He} was extubated and transferred to PACU in good condition.",
                         "Disposition: PACU, then home when criteria met."]))
    if g.chance(0.5):
        d.sec(["Description of Procedure", "Procedure in Detail", "Details of Procedure", "Technique"], " ".join(d.f(s) for s in steps))
    else:
        d.heading(g.pick(["Description of Procedure", "Procedure in Detail", "Operative Technique"]))
        half = len(steps) // 2
        d.raw(" ".join(d.f(s) for s in steps[:half]))
        d.blank()
        d.raw(" ".join(d.f(s) for s in steps[half:]))
    d.sig()


@template("operative_report", weight=1, splits=("test",))
def op_brief(d):
    g = d.g
    pr = g.choice(PROCEDURES)
    std_header(d, "Date:", None, ["BRIEF OPERATIVE NOTE", "Immediate Post-Procedure Note"])
    d.kv([("Pre-op Dx:", pr["pre"]), ("Post-op Dx:", pr["post"]), ("Procedure:", pr["name"]), ("Surgeon:", "{doctor}"),
          ("Anesthesia:", pr["anes"]), ("EBL:", "%d mL" % g.randint(*pr["ebl"])), ("Specimens:", pr["spec"]),
          ("Complications:", "None"), ("Findings:", pr["findings"]), ("Condition:", "Stable to PACU")], cols=1)
    d.blank()
    d.raw("Full operative report to follow. " + " ".join(d.f(s) for s in pr["steps"][:4]))
    d.sig()


PN_TITLES = ["PROGRESS NOTE", "Progress Note", "DAILY PROGRESS NOTE", "Hospitalist Progress Note", "OFFICE VISIT",
             "Follow-up Visit", "CLINIC NOTE", "Interval Note", "SOAP NOTE", "Medicine Progress Note", None]


@template("progress_note", weight=3)
def pn_soap(d):
    g = d.g
    inpt = g.chance(0.5)
    cond = pick_condition(d, "inpt" if inpt else "clinic")
    std_header(d, g.pick(["Date of Service:", "Date:", "Visit Date:", "DOS:"]),
               [("Hospital Day:", str(g.randint(2, 8)))] if inpt and g.chance(0.5) else None, PN_TITLES)
    s = g.pick(["Subjective", "S", "Interval History", "Subjective/Interval Events"])
    if inpt:
        subj = g.pick(["Feels better today. Slept well. Tolerating diet.", "Still short of breath with exertion but improved from yesterday.",
                       "Overnight events: none. Pain controlled. Ambulated with PT.", "Complains of poor sleep and mild nausea, no vomiting."])
    else:
        subj = hpi_text(d, cond)
    d.sec(s, subj)
    o = g.pick(["Objective", "O", "Exam"])
    d.sec(o, vitals_text(d, cond) + " " + " ".join("%s: %s" % x for x in exam_lines(d, cond, g.sample(list(EXAM_NORMAL), 4))))
    if cond["data"] and g.chance(0.6):
        d.sec(["Labs", "Data", "Results"], " ".join(d.f(x) for x in cond["data"]))
    d.sec(g.pick(["Assessment", "A", "Impression"]), dx_text(d, cond) + g.pick([", improving.", ", stable.", ".", ", slowly improving."]))
    d.items(g.pick(["Plan", "P", "Plan:"]).rstrip(":"), g.some(cond["plan"], 2, 4) + g.some(
        ["Continue current management.", "Anticipate discharge in 1 to 2 days.", "Return to clinic in 3 months.",
         "Labs in the morning.", "Discussed with patient and family who agree with the plan."], 0, 2))
    d.sig()


@template("progress_note", weight=1.5)
def pn_narrative(d):
    g = d.g
    cond = pick_condition(d, "clinic")
    std_header(d, "Date:", None, PN_TITLES)
    d.raw(hpi_text(d, cond))
    d.blank()
    d.raw(g.pick(["On exam, ", "Examination today: ", "Exam: "]) + vitals_text(d, cond, "list") + " " +
          " ".join(b for a, b in exam_lines(d, cond, g.sample(list(EXAM_NORMAL), 3))))
    d.blank()
    d.raw(g.pick(["Impression: ", "Assessment: ", "IMPRESSION: "]) + dx_text(d, cond) + ".")
    d.raw(g.pick(["Plan: ", "PLAN: ", "Recommendations: "]) + " ".join(g.some(cond["plan"], 2, 4)))
    d.blank()
    d.raw(g.pick(["Total time spent: %d minutes, more than half in counseling." % g.randint(15, 40),
                  "Return in %d weeks or sooner as needed." % g.randint(2, 12), ""]))
    d.sig()


@template("progress_note", weight=1, splits=("test",))
def pn_nursing(d):
    g = d.g
    cond = pick_condition(d, "inpt")
    std_header(d, "Date:", [("Unit:", g.pick(["4 West", "5 North", "MICU", "Telemetry"]))], ["NURSING PROGRESS NOTE", "Nursing Note - Shift Summary"])
    d.kv([("Shift:", g.pick(["Day 0700-1900", "Night 1900-0700"])), ("RN:", "{nurse}")])
    d.sec("Assessment", "Alert and oriented. " + vitals_text(d, cond, "short") + ". " + g.pick(["Lungs diminished at bases.", "Lungs clear.", "Pain 3/10."]))
    d.sec("Interventions", g.pick(["Medications given as ordered. Turned every 2 hours. Ambulated in hallway with assistance x2.",
                                   "IV site checked, no redness. Fall precautions in place. Incentive spirometer encouraged."]))
    d.sec("Response", "Tolerated well. Resting comfortably at end of shift.")
    d.sec("Plan", "Continue plan of care. Report given to oncoming nurse.")
    d.sig("{nurse}")


CONS_TITLES = ["CONSULTATION", "Consultation Note", "CONSULTATION REPORT", "Inpatient Consultation", "Cardiology Consultation",
               "SURGICAL CONSULTATION", "Consult Note", "INITIAL CONSULTATION", "Outpatient Consultation", None]


@template("consultation", weight=3)
def cons_standard(d):
    g = d.g
    cond = pick_condition(d, g.choice(["inpt", "clinic"]))
    std_header(d, g.pick(["Date of Consultation:", "Consult Date:", "Date of Service:", "Date:"]),
               [(g.pick(["Referring Physician:", "Requesting Physician:", "Requested by:"]), "{doc2_short}")], CONS_TITLES)
    if g.chance(0.5):
        d.kv([(g.pick(["Requesting Physician:", "Referring Provider:", "Requested by:"]), "{doctor2}"),
              (g.pick(["Consultant:", "Consulting Physician:"]), "{doctor}")])
    d.sec(["Reason for Consultation", "Reason for Consult", "Consult Question", "Reason for Referral"],
          g.pick(["Evaluation of ", "Management of ", "Recommendations regarding ", "Please evaluate for "]) + dx_text(d, cond).lower() + ".")
    d.sec(["History of Present Illness", "HPI"], g.pick(["I was asked by {doc2_short} to see {pt} for ", "Thank you for asking me to see {pt} regarding "])
          .format(**d.c) + dx_text(d, cond).lower() + ". " + hpi_text(d, cond))
    d.sec(["Past Medical History", "PMH"], ", ".join(pmh(d, g.randint(1, 4))) + ".")
    d.sec(["Medications", "Current Medications"], "; ".join(meds_list(d)) + ".")
    d.sec("Allergies", g.pick(ALLERGY_POOL))
    if g.chance(0.6):
        d.sec(["Social History", "Social"], g.pick(SOCIAL_POOL))
    put_exam(d, cond)
    if cond["data"]:
        d.sec(["Data Reviewed", "Pertinent Data", "Laboratory and Imaging"], " ".join(d.f(x) for x in cond["data"]))
    d.sec(["Impression", "Assessment", "Impression/Assessment"], dx_text(d, cond) + ".")
    d.items(["Recommendations", "Plan/Recommendations", "Recommendations"], g.some(cond["plan"], 2, 5))
    d.blank()
    d.raw(g.pick(["Thank you for this consultation. We will follow along with you.",
                  "Thank you for allowing me to participate in the care of this patient.",
                  "We will continue to follow. Please call with questions.",
                  "Thank you for the referral; I will see the patient again in clinic."]))
    d.sig()


@template("consultation", weight=1, splits=("test",))
def cons_phone(d):
    g = d.g
    cond = pick_condition(d, "inpt")
    std_header(d, "Date:", None, ["E-CONSULT / CURBSIDE RESPONSE", "Specialty Consult Note - Brief"])
    d.sec("Question from referring clinician", "{doc2_short} asks about " + dx_text(d, cond).lower() + ".")
    d.sec("Information reviewed", "Chart, recent labs and imaging. " + " ".join(d.f(x) for x in cond["data"][:2]))
    d.sec("Consultant response", " ".join(g.some(cond["plan"], 2, 4)) + " In-person consultation is not needed at this time.")
    d.sig()


ED_TITLES = ["EMERGENCY DEPARTMENT RECORD", "Emergency Department Note", "ED PHYSICIAN NOTE", "EMERGENCY ROOM REPORT",
             "ED Provider Note", "Emergency Medicine Physician Documentation", "URGENT CARE VISIT", "ER Visit", None]


@template("emergency_note", weight=3)
def ed_physician(d):
    g = d.g
    cond = pick_condition(d, "ed")
    std_header(d, g.pick(["Date of Service:", "Arrival Date:", "ED Arrival:", "Visit Date:", "DOS:"]), None,
               ED_TITLES, dept=g.pick(["Emergency Department", "Department of Emergency Medicine", None]))
    d.kv([(g.pick(["Arrival Time:", "Time of Arrival:", "Arrived:"]), clock(g.rng)),
          (g.pick(["Mode of Arrival:", "Arrival Mode:", "Arrived by:"]), g.pick(["Ambulance", "Walk-in", "Private vehicle", "EMS", "Wheelchair"])),
          (g.pick(["Triage Acuity:", "ESI Level:", "Acuity:"]), g.pick(["ESI 2", "ESI 3", "ESI 4", "3", "2"])),
          (g.pick(["Time Seen:", "Seen by MD:", "Provider Time:"]), clock(g.rng)),
          (g.pick(["ED Physician:", "Provider:", "Attending:"]), "{doctor}")])
    d.sec(["Chief Complaint", "CC", "Presenting Complaint"], d.f(g.choice(cond["cc"])) + ".")
    d.sec(["History of Present Illness", "HPI"], hpi_text(d, cond))
    if g.chance(0.7):
        d.sec(["Review of Systems", "ROS"], g.pick(["All other systems negative except as in HPI.",
                                                   "10 systems reviewed and negative other than noted.",
                                                   "No fever, no chest pain, no abdominal pain, no headache, otherwise negative."]))
    d.sec(["Past Medical History", "PMH", "Past History"], ", ".join(pmh(d, g.randint(0, 3))) or "None.")
    d.sec(["Medications", "Home Meds"], "; ".join(meds_list(d, 0, 4)) or "None.")
    d.sec("Allergies", g.pick(ALLERGY_POOL))
    put_exam(d, cond, g.pick(["Physical Exam", "Exam", "Physical Examination"]))
    if cond["data"]:
        d.sec(["ED Results", "Results", "Labs and Imaging", "Diagnostic Studies"], " ".join(d.f(x) for x in cond["data"]))
    d.sec(["ED Course", "Medical Decision Making", "MDM", "ED Course and MDM"],
          g.pick(["Patient evaluated, differential considered including ", "Differential diagnosis includes "]) +
          dx_text(d, cond).lower() + ". " + " ".join(g.some(cond["plan"], 1, 3)) + " " +
          g.pick(["Reassessed, symptoms improved.", "On re-evaluation the patient is resting comfortably.",
                  "Discussed with the admitting hospitalist.", "Patient remained hemodynamically stable during the ED stay."]))
    if cond.get("procedures"):
        d.sec(["Procedures", "Procedure Note"], cond["procedures"][0] + ". Patient tolerated well.")
    d.sec(["Clinical Impression", "Diagnosis", "Final Diagnosis", "ED Diagnosis", "Impression"], dx_text(d, cond) + ".")
    disp = g.pick(["Discharged home in stable condition.", "Admitted to the hospitalist service.", "Discharged home with follow-up.",
                   "Transferred to a tertiary center for higher level of care.", "Admitted to observation."])
    d.sec(["Disposition", "Dispo", "Disposition and Plan"], disp)
    if "Discharged" in disp:
        d.sec(["Discharge Instructions", "Instructions", "Follow-up"],
              g.pick(["Follow up with your primary care doctor in 2 to 3 days. Return to the ED for worsening symptoms.",
                      "Rest, fluids, take medications as prescribed. Return for fever, worsening pain or any concern."]))
        if cond["dc_meds"]:
            d.sec(["Prescriptions", "Rx Given", "New Prescriptions"], "; ".join(d.f(x) for x in cond["dc_meds"]) + ".")
    d.sig()


@template("emergency_note", weight=1.5)
def ed_triage(d):
    """Triage / ED nursing record with vitals table."""
    g = d.g
    cond = pick_condition(d, "ed")
    std_header(d, g.pick(["Arrival:", "ED Arrival Date:", "Date:"]), None,
               ["ED TRIAGE RECORD", "Emergency Department Triage", "TRIAGE ASSESSMENT", "ED Nursing Record", "Emergency Nursing Triage Note"],
               dept="Emergency Department")
    d.kv([("Arrival time:", clock(g.rng)), ("Mode:", g.pick(["EMS", "Walk-in", "Police", "Private car"])),
          ("Triage RN:", "{nurse}"), ("ESI:", str(g.randint(2, 4))), ("Weight:", "%d kg" % g.randint(15, 120)),
          ("Pain score:", "%d/10" % g.randint(0, 10))])
    d.sec(["Chief complaint", "Reason for visit"], d.f(g.choice(cond["cc"])) + ".")
    d.sec(["Triage narrative", "Triage note", "Nursing assessment"], hpi_text(d, cond))
    rows = []
    t0 = g.randint(0, 20)
    for i in range(g.randint(2, 5)):
        rows.append(["%02d:%02d" % ((t0 + i) % 24, g.randint(0, 59)), vitals_text(d, cond, "short").replace("  ", " ")])
    d.heading(g.pick(["Vital signs", "Vitals", "Serial vital signs"]))
    for r in rows:
        d.raw("  ".join(r))
    d.sec(["Allergies"], g.pick(ALLERGY_POOL))
    d.sec(["Interventions", "ED nursing interventions"], g.pick(["IV access obtained, labs drawn, ECG obtained within 10 minutes.",
                                                                 "Ice pack applied, extremity elevated, splint by ortho tech.",
                                                                 "Placed on cardiac monitor, oxygen 2 L nasal cannula."]))
    d.sec(["Fall risk / screening", "Screening"], g.pick(["Fall risk low. Suicide screen negative. Sepsis screen negative.",
                                                          "Fall risk moderate. Abuse screen negative. Isolation not required."]))
    d.sec(["Disposition", "Departure"], g.pick(["Discharged %s, ambulatory, instructions given." % clock(g.rng),
                                               "Admitted, report called to floor RN at %s." % clock(g.rng)]))
    d.sig("{nurse}")


@template("emergency_note", weight=1, splits=("test",))
def ed_dc_instructions(d):
    """ED discharge paperwork (patient-facing)."""
    g = d.g
    cond = pick_condition(d, "ed")
    std_header(d, "Visit Date:", None, ["EMERGENCY DEPARTMENT DISCHARGE INSTRUCTIONS", "Your Emergency Visit Summary"])
    d.raw("You were seen today in the Emergency Department by {doctor}.")
    d.sec("Your diagnosis", dx_text(d, cond))
    d.sec("What we did", " ".join(d.f(x) for x in cond["data"]) or "Examination and observation.")
    d.sec("Medications prescribed", "; ".join(d.f(x) for x in cond["dc_meds"]) or "None.")
    d.sec("Follow up", "See your primary care provider within 2 to 3 days.")
    d.sec("Return to the ER if", "you have trouble breathing, chest pain, fainting, fever over 101 F, or symptoms get worse.")
    d.raw("I have received and understand these instructions. Patient signature: ____________________")


RAD_TITLES = ["RADIOLOGY REPORT", "Radiology Report", "DIAGNOSTIC IMAGING REPORT", "IMAGING REPORT", "Department of Radiology",
              "FINAL REPORT", "X-RAY REPORT", "Diagnostic Radiology", None]


@template("radiology_report", weight=3)
def rad_standard(d):
    g = d.g
    imaging_ctx(d)
    st = g.choice(IMAGING)
    exam = d.f(g.choice(st["exam"]))
    std_header(d, g.pick(["Exam Date:", "Date of Exam:", "Date of Service:", "Study Date:"]),
               [(g.pick(["Accession:", "Accession #:", "Acc#:"]), "%s%s" % (g.pick(["RAD", "CT", "A", ""]), g.digits(8)))],
               RAD_TITLES, dept=g.pick(["Department of Radiology", "Diagnostic Imaging", "Imaging Services", None]))
    d.sec(["Exam", "Examination", "Procedure", "Study"], exam)
    d.sec(["Ordering Physician", "Ordering Provider", "Referring Physician"], "{doctor2}")
    d.sec(["Indication", "Clinical History", "History", "Reason for Exam", "Clinical Indication"],
          g.pick(["Pain.", "Shortness of breath.", "Fall, evaluate for fracture.", "Follow-up.", "Abnormal finding on prior study.",
                  "Fever and cough.", "Headache.", "Screening."]))
    d.sec(["Technique", "Procedure Details", "Protocol"], d.f(st["tech"]))
    d.sec(["Comparison", "Comparisons", "Prior Studies"], g.pick(["None.", "None available.", "Prior study dated %s." % d.date(d.dos - timedelta(days=g.randint(30, 900)))]))
    if st["region"] in ("head", "abd", "chest", "spine") and "CT" in exam.upper() or "MR" in exam.upper():
        if g.chance(0.6):
            d.sec(["Contrast", "Contrast Administered"], g.pick(["None.", "%d mL iohexol 350 IV." % g.choice([75, 80, 100]),
                                                                 "Gadobutrol %d mL IV." % g.randint(5, 10)]))
        if "CT" in exam.upper() and g.chance(0.5):
            d.sec(["Radiation Dose", "Dose"], "CTDIvol %.1f mGy; DLP %d mGy-cm." % (g.uniform(4, 60), g.randint(150, 1400)))
    abn = g.chance(0.6)
    k = g.randint(0, len(st["abn"]) - 1)
    main = d.f(st["abn"][k]) if abn else d.f(st["normal"])
    organs = [o for o in REGION_NORMALS[st["region"]]]
    if g.chance(0.6):
        d.heading(g.pick(["Findings", "FINDINGS", "Findings/Discussion"]))
        d.raw(main)
        for o in g.some(organs, 2, len(organs)):
            d.raw(o)
    else:
        d.sec(["Findings", "Report", "Findings/Discussion"], main + " " + " ".join(o.split(": ", 1)[-1] for o in g.some(organs, 1, 3)))
    imp = d.f(st["imp_a"][min(k, len(st["imp_a"]) - 1)]) if abn else d.f(st["imp_n"])
    if g.chance(0.4):
        d.items(["Impression", "Conclusion", "IMPRESSION"], [imp] + ([g.pick(["Clinical correlation recommended.", "Follow-up as clinically indicated."])] if g.chance(0.5) else []))
    else:
        d.sec(["Impression", "Conclusion", "Summary"], imp)
    if g.chance(0.35):
        d.sec(["Recommendation", "Recommendations", "Follow-up"], g.pick(["No further imaging needed.", "Correlate with clinical findings and laboratory values.",
                                                                       "Follow-up imaging in 3 months if clinically indicated.", "Consider MRI for further characterization.",
                                                                       "Comparison with outside prior studies would be helpful."]))
    if abn and g.chance(0.3):
        d.blank()
        d.raw(g.pick(["Critical result communicated to {doc2_short} by telephone at %s." % clock(g.rng),
                      "Findings discussed with the ordering provider at the time of interpretation."]))
    d.blank()
    d.raw(g.pick(["Interpreted by: {doctor}", "Radiologist: {doctor}", "Dictated by {doctor}, Radiologist", "Reading physician: {doctor}"]))
    if g.chance(0.5):
        d.raw("%s %s" % (g.pick(["Signed:", "Finalized:", "Report verified:"]), d.dt(d.dos)))


@template("radiology_report", weight=1, splits=("test",), min_len=500)
def rad_prelim(d):
    g = d.g
    imaging_ctx(d)
    st = g.choice(IMAGING)
    std_header(d, "Exam date:", None, ["PRELIMINARY READ - TELERADIOLOGY", "Wet Read / Preliminary Report"])
    d.kv([("Study:", d.f(g.choice(st["exam"]))), ("Read time:", clock(g.rng)), ("Reader:", "{doctor}")], cols=1)
    d.sec("Preliminary findings", d.f(g.choice(st["abn"])))
    d.sec("Preliminary impression", d.f(g.choice(st["imp_a"])))
    d.raw("Final report to follow from the attending radiologist.")


# --------------------------------------------------------------------------
# Laboratory reports
# --------------------------------------------------------------------------

def A(names, units, lo, hi, dec=0, crit=None):
    """Numeric analyte: name variants, unit variants, reference low/high, decimals."""
    return {"names": names if isinstance(names, list) else [names], "units": units if isinstance(units, list) else [units],
            "lo": lo, "hi": hi, "dec": dec, "crit": crit}


def Q(names, normal, abnormal, ref=None):
    """Qualitative analyte."""
    return {"names": names if isinstance(names, list) else [names], "qual": True, "normal": normal,
            "abnormal": abnormal, "ref": ref}


PANELS = {
    "CBC": ("Complete Blood Count", ["CBC WITH DIFFERENTIAL", "Complete Blood Count", "CBC w/ Auto Diff", "HEMOGRAM"], [
        A(["WBC", "White Blood Cell Count", "Leukocytes", "WBC Count"], ["K/uL", "x10^3/uL", "10*3/uL", "K/mcL"], 4.0, 11.0, 1, (2.0, 30.0)),
        A(["RBC", "Red Blood Cell Count", "Erythrocytes"], ["M/uL", "x10^6/uL", "10*6/uL"], 4.2, 5.8, 2),
        A(["Hemoglobin", "HGB", "Hgb"], ["g/dL"], 12.0, 17.0, 1, (7.0, 20.0)),
        A(["Hematocrit", "HCT", "Hct"], ["%"], 36.0, 50.0, 1),
        A(["MCV", "Mean Corpuscular Volume"], ["fL"], 80, 100, 1),
        A(["MCH"], ["pg"], 27.0, 33.0, 1),
        A(["MCHC"], ["g/dL"], 32.0, 36.0, 1),
        A(["RDW", "RDW-CV"], ["%"], 11.5, 14.5, 1),
        A(["Platelets", "Platelet Count", "PLT"], ["K/uL", "x10^3/uL"], 150, 400, 0, (50, 1000)),
        A(["MPV"], ["fL"], 7.5, 11.5, 1),
        A(["Neutrophils %", "Neut %", "Segs"], ["%"], 40, 75, 1),
        A(["Lymphocytes %", "Lymph %"], ["%"], 20, 45, 1),
        A(["Monocytes %", "Mono %"], ["%"], 2, 10, 1),
        A(["Eosinophils %", "Eos %"], ["%"], 0, 6, 1),
        A(["Basophils %", "Baso %"], ["%"], 0, 2, 1),
        A(["Absolute Neutrophils", "ANC", "Neut #"], ["K/uL"], 1.8, 7.7, 2),
    ]),
    "BMP": ("Basic Metabolic Panel", ["BASIC METABOLIC PANEL", "BMP", "Basic Metabolic Panel (8)", "CHEM 7", "Electrolytes"], [
        A(["Sodium", "Na", "SODIUM"], ["mmol/L", "mEq/L"], 135, 145, 0, (120, 160)),
        A(["Potassium", "K", "POTASSIUM"], ["mmol/L", "mEq/L"], 3.5, 5.1, 1, (2.8, 6.2)),
        A(["Chloride", "Cl"], ["mmol/L", "mEq/L"], 98, 107, 0),
        A(["CO2", "Carbon Dioxide", "Bicarbonate", "Total CO2"], ["mmol/L", "mEq/L"], 22, 29, 0),
        A(["BUN", "Urea Nitrogen", "Blood Urea Nitrogen"], ["mg/dL"], 7, 20, 0),
        A(["Creatinine", "CREAT", "Creat"], ["mg/dL"], 0.6, 1.2, 2),
        A(["Glucose", "GLU", "Glucose, Serum"], ["mg/dL"], 70, 99, 0, (40, 450)),
        A(["Calcium", "Ca", "Calcium, Total"], ["mg/dL"], 8.6, 10.3, 1, (6.5, 13.0)),
        A(["eGFR", "GFR Estimated", "eGFR (CKD-EPI)"], ["mL/min/1.73m2"], 60, 120, 0),
        A(["Anion Gap", "AGAP"], ["mmol/L"], 5, 15, 0),
    ]),
    "HEP": ("Hepatic Function Panel", ["HEPATIC FUNCTION PANEL", "Liver Panel", "LFTs", "Hepatic Panel"], [
        A(["Total Protein", "Protein, Total"], ["g/dL"], 6.0, 8.3, 1),
        A(["Albumin", "ALB"], ["g/dL"], 3.5, 5.0, 1),
        A(["Total Bilirubin", "Bilirubin, Total", "T. Bili"], ["mg/dL"], 0.2, 1.2, 1),
        A(["Direct Bilirubin", "Bilirubin, Direct"], ["mg/dL"], 0.0, 0.3, 1),
        A(["Alkaline Phosphatase", "ALP", "Alk Phos"], ["U/L", "IU/L"], 44, 147, 0),
        A(["AST", "AST (SGOT)", "Aspartate Aminotransferase"], ["U/L", "IU/L"], 10, 40, 0),
        A(["ALT", "ALT (SGPT)", "Alanine Aminotransferase"], ["U/L", "IU/L"], 7, 56, 0),
    ]),
    "LIPID": ("Lipid Panel", ["LIPID PANEL", "Lipid Profile", "Fasting Lipid Panel", "CHOLESTEROL PANEL"], [
        A(["Total Cholesterol", "Cholesterol, Total", "CHOL"], ["mg/dL"], 100, 199, 0),
        A(["Triglycerides", "TRIG", "Triglyceride"], ["mg/dL"], 0, 149, 0),
        A(["HDL Cholesterol", "HDL", "HDL-C"], ["mg/dL"], 40, 90, 0),
        A(["LDL Cholesterol (calc)", "LDL, Calculated", "LDL-C"], ["mg/dL"], 0, 99, 0),
        A(["Non-HDL Cholesterol", "Non HDL Chol"], ["mg/dL"], 0, 129, 0),
        A(["VLDL (calc)", "VLDL Cholesterol"], ["mg/dL"], 5, 40, 0),
        A(["Chol/HDL Ratio", "Total Chol/HDL Ratio"], [""], 0.0, 5.0, 1),
    ]),
    "UA": ("Urinalysis", ["URINALYSIS, COMPLETE", "Urinalysis with Microscopic", "UA W/ REFLEX MICRO", "URINE ANALYSIS"], [
        Q(["Color", "Urine Color"], ["Yellow", "Straw", "Light yellow"], ["Amber", "Dark yellow", "Red"], "Yellow"),
        Q(["Appearance", "Clarity"], ["Clear"], ["Cloudy", "Slightly cloudy", "Turbid"], "Clear"),
        A(["Specific Gravity", "Sp. Gravity"], [""], 1.005, 1.030, 3),
        A(["pH", "Urine pH"], [""], 5.0, 8.0, 1),
        Q(["Protein", "Urine Protein"], ["Negative"], ["Trace", "1+", "2+", "30 mg/dL"], "Negative"),
        Q(["Glucose", "Urine Glucose"], ["Negative"], ["1+", "Trace", "250 mg/dL"], "Negative"),
        Q(["Ketones"], ["Negative"], ["Trace", "1+", "2+"], "Negative"),
        Q(["Blood", "Occult Blood", "Hemoglobin"], ["Negative"], ["Trace", "Small", "Moderate", "Large"], "Negative"),
        Q(["Nitrite"], ["Negative"], ["Positive"], "Negative"),
        Q(["Leukocyte Esterase", "Leuk Esterase"], ["Negative"], ["Small", "Moderate", "Large", "1+"], "Negative"),
        Q(["Bilirubin", "Urine Bilirubin"], ["Negative"], ["Small"], "Negative"),
        Q(["Urobilinogen"], ["0.2", "Normal"], ["2.0", "4.0"], "0.2 - 1.0 EU/dL"),
        Q(["WBC, Urine", "WBC/HPF"], ["0-2", "0-5", "None seen"], ["10-20", "20-50", ">50"], "0-5 /HPF"),
        Q(["RBC, Urine", "RBC/HPF"], ["0-2", "None seen"], ["5-10", "10-20", ">50"], "0-2 /HPF"),
        Q(["Bacteria"], ["None seen", "Rare"], ["Few", "Moderate", "Many"], "None seen"),
        Q(["Squamous Epithelial Cells", "Epithelial Cells"], ["Rare", "Few", "0-5"], ["Moderate", "Many"], "Few"),
        Q(["Casts", "Hyaline Casts"], ["None seen", "0-2"], ["3-5", "Granular casts present"], "0-2 /LPF"),
    ]),
    "COAG": ("Coagulation", ["COAGULATION PANEL", "PT/INR and PTT", "Coagulation Studies", "PROTIME/INR"], [
        A(["Prothrombin Time", "PT", "Protime"], ["sec", "seconds"], 11.0, 13.5, 1),
        A(["INR"], [""], 0.8, 1.2, 1, (None, 5.0)),
        A(["aPTT", "PTT", "Activated PTT"], ["sec", "seconds"], 25, 35, 1, (None, 100)),
        A(["Fibrinogen"], ["mg/dL"], 200, 400, 0),
        A(["D-Dimer", "D-dimer, quant"], ["ug/mL FEU", "mg/L FEU"], 0.0, 0.5, 2),
    ]),
    "A1C": ("Hemoglobin A1c", ["HEMOGLOBIN A1C", "Glycohemoglobin", "HbA1c", "Glycated Hemoglobin"], [
        A(["Hemoglobin A1c", "HbA1c", "Hgb A1c"], ["%", "% of total Hgb"], 4.0, 5.6, 1),
        A(["Estimated Average Glucose", "eAG"], ["mg/dL"], 68, 114, 0),
    ]),
    "THY": ("Thyroid", ["THYROID PANEL", "TSH with Reflex to Free T4", "Thyroid Function Tests"], [
        A(["TSH", "Thyroid Stimulating Hormone", "TSH, 3rd generation"], ["mIU/L", "uIU/mL"], 0.45, 4.5, 2),
        A(["Free T4", "T4, Free", "FT4"], ["ng/dL"], 0.8, 1.8, 2),
        A(["Free T3", "T3, Free"], ["pg/mL"], 2.3, 4.2, 1),
    ]),
    "CARD": ("Cardiac Markers", ["CARDIAC MARKERS", "Cardiac Panel", "TROPONIN / BNP"], [
        A(["Troponin I", "Troponin I, High Sensitivity", "hs-TnI"], ["ng/L", "ng/mL"], 0, 34, 0, (None, 100)),
        A(["BNP", "B-type Natriuretic Peptide", "NT-proBNP"], ["pg/mL"], 0, 100, 0),
        A(["CK, Total", "Creatine Kinase", "CPK"], ["U/L"], 30, 200, 0),
        A(["CK-MB"], ["ng/mL"], 0.0, 5.0, 1),
    ]),
    "IRON": ("Iron Studies", ["IRON PANEL", "Iron and TIBC", "Anemia Panel"], [
        A(["Iron", "Iron, Serum"], ["ug/dL", "mcg/dL"], 50, 170, 0),
        A(["TIBC", "Total Iron Binding Capacity"], ["ug/dL"], 250, 450, 0),
        A(["Transferrin Saturation", "% Saturation", "Iron Sat"], ["%"], 20, 50, 0),
        A(["Ferritin"], ["ng/mL"], 20, 300, 0),
        A(["Vitamin B12", "Cobalamin"], ["pg/mL"], 200, 900, 0),
        A(["Folate, Serum", "Folic Acid"], ["ng/mL"], 3.0, 20.0, 1),
    ]),
    "MISC": ("Chemistry", ["CHEMISTRY", "Miscellaneous Chemistry", "General Chemistry"], [
        A(["Magnesium", "Mg"], ["mg/dL"], 1.7, 2.4, 1),
        A(["Phosphorus", "Phos", "Phosphate"], ["mg/dL"], 2.5, 4.5, 1),
        A(["Uric Acid"], ["mg/dL"], 3.5, 7.2, 1),
        A(["Lipase"], ["U/L"], 13, 60, 0),
        A(["Lactate", "Lactic Acid"], ["mmol/L"], 0.5, 2.0, 1, (None, 4.0)),
        A(["C-Reactive Protein", "CRP"], ["mg/L", "mg/dL"], 0.0, 10.0, 1),
        A(["Sed Rate", "ESR", "Erythrocyte Sedimentation Rate"], ["mm/hr"], 0, 20, 0),
        A(["Vitamin D, 25-Hydroxy", "25-OH Vitamin D"], ["ng/mL"], 30, 100, 0),
        A(["PSA", "Prostate Specific Antigen"], ["ng/mL"], 0.0, 4.0, 2),
        A(["Ammonia"], ["umol/L"], 11, 32, 0),
    ]),
    "ABG": ("Blood Gas", ["ARTERIAL BLOOD GAS", "Blood Gas Analysis", "ABG"], [
        A(["pH", "pH, Arterial"], [""], 7.35, 7.45, 2, (7.2, 7.6)),
        A(["pCO2", "PaCO2"], ["mmHg"], 35, 45, 0),
        A(["pO2", "PaO2"], ["mmHg"], 80, 100, 0),
        A(["HCO3", "Bicarbonate, Arterial"], ["mmol/L"], 22, 26, 0),
        A(["Base Excess"], ["mmol/L"], -2, 2, 1),
        A(["O2 Saturation", "SaO2"], ["%"], 95, 100, 0),
        A(["FiO2"], ["%"], 21, 21, 0),
    ]),
}
PANEL_TEST_ONLY = {"ABG"}

FLAG_STYLES = [("H", "L", "HH", "LL"), ("HIGH", "LOW", "CRIT HIGH", "CRIT LOW"), ("H", "L", "H*", "L*"),
               ("(H)", "(L)", "(HH)", "(LL)"), ("A", "A", "C", "C"), ("^", "v", "^^", "vv")]
COLLECT_LABELS = ["Collected:", "Collection Date:", "Specimen Collected:", "Coll:", "Drawn:", "Collection Date/Time:"]
RECEIVE_LABELS = ["Received:", "Rec'd:", "Received Date:", "Lab Received:"]
REPORT_LABELS = ["Reported:", "Resulted:", "Report Date:", "Verified:", "Final Report Date:", "Result Date:"]
ACC_LABELS = ["Accession:", "Accession #:", "Specimen ID:", "Lab #:", "Order #:", "Req #:"]
ORDER_LABELS = ["Ordering Provider:", "Ordering Physician:", "Ordered By:", "Physician:", "Requesting MD:", "Provider:"]


def analyte_value(g, a, abnormal, critical=False):
    if a.get("qual"):
        v = g.choice(a["abnormal"] if abnormal else a["normal"])
        return v, ("A" if abnormal else ""), a["ref"] or ""
    lo, hi, dec = a["lo"], a["hi"], a["dec"]
    span = (hi - lo) or max(abs(hi), 1) * 0.2
    if critical and a.get("crit"):
        clo, chi = a["crit"]
        if chi is not None and (clo is None or g.chance(0.5)):
            val, fl = chi * g.uniform(1.02, 1.4), "HH"
        else:
            val, fl = clo * g.uniform(0.6, 0.98), "LL"
    elif abnormal:
        if g.chance(0.6) or lo <= 0:
            val, fl = hi + span * g.uniform(0.08, 0.9), "H"
        else:
            val, fl = lo - span * g.uniform(0.05, 0.4), "L"
            if val < 0:
                val, fl = hi + span * g.uniform(0.1, 0.5), "H"
    else:
        val, fl = lo + span * g.uniform(0.1, 0.9), ""
    fmt = "%%.%df" % dec
    ref = (fmt % lo) + g.pick([" - ", "-", " to "]) + (fmt % hi)
    if lo == 0 and g.chance(0.5):
        ref = "<" + (fmt % hi) if g.chance(0.5) else "0" + " - " + (fmt % hi)
    return fmt % val, fl, ref


def lab_table_rows(d, panel_key, n_abn=None, flagset=None, crit_ok=True, order=None):
    g = d.g
    title, titles, analytes = PANELS[panel_key]
    ans = list(analytes)
    if len(ans) > 6 and g.chance(0.4):
        ans = ans[:g.randint(6, len(ans))]
    n_abn = g.choice([0, 1, 1, 2, 2, 3]) if n_abn is None else n_abn
    abn = set(g.sample(range(len(ans)), min(n_abn, len(ans))))
    crit = g.choice(sorted(abn)) if abn and crit_ok and g.chance(0.15) else None
    flagset = flagset or g.choice(FLAG_STYLES)
    rows, crits = [], []
    for i, a in enumerate(ans):
        v, fl, ref = analyte_value(g, a, i in abn, critical=(i == crit))
        fmap = {"H": flagset[0], "L": flagset[1], "HH": flagset[2], "LL": flagset[3], "A": "A" if flagset[0] != "^" else "*", "": ""}
        unit = g.pick(a["units"]) if not a.get("qual") else ""
        name = g.pick(a["names"])
        rows.append({"name": name, "value": v, "flag": fmap[fl], "units": unit, "ref": ref})
        if fl in ("HH", "LL"):
            crits.append(name)
    return g.pick(titles), rows, crits


LAB_COLSETS = [
    (["Test", "Result", "Flag", "Units", "Reference Range"], ["name", "value", "flag", "units", "ref"]),
    (["Component", "Value", "Ref Range", "Units", "Flag"], ["name", "value", "ref", "units", "flag"]),
    (["Analyte", "Result", "Units", "Reference Interval", "Abn"], ["name", "value", "units", "ref", "flag"]),
    (["TEST NAME", "RESULT", "ABNORMAL", "NORMAL RANGE", "UNITS"], ["name", "value", "flag", "ref", "units"]),
    (["Test", "In Range", "Out of Range", "Reference", "Units"], ["name", "inr", "outr", "ref", "units"]),
    (["Description", "Result", "Units", "Normal Values"], ["name", "valflag", "units", "ref"]),
    (None, ["name", "value", "flag", "units", "ref"]),
]


def put_lab_table(d, rows, colset=None):
    g = d.g
    heads, keys = colset or g.choice(LAB_COLSETS)
    out = []
    for r in rows:
        row = []
        for k in keys:
            if k == "inr":
                row.append("" if r["flag"] else r["value"])
            elif k == "outr":
                row.append((r["value"] + " " + r["flag"]) if r["flag"] else "")
            elif k == "valflag":
                row.append(r["value"] + ((" " + r["flag"]) if r["flag"] else ""))
            else:
                row.append(r[k])
        out.append(row)
    d.table(heads, out)


def lab_header(d, title_opts=None):
    g = d.g
    lab = g.choice(LABS) if g.chance(0.45) else None
    if lab is not None and g.chance(0.7):
        d.letterhead(lab)
    elif g.chance(0.9):
        d.letterhead(dept=g.pick(["Department of Laboratory Medicine", "Clinical Laboratory", "Laboratory Services",
                                  "Pathology and Laboratory Medicine", None]))
    title_opts = title_opts or ["LABORATORY RESULTS", "Lab Report", "CHEMISTRY", "Hematology", "Cumulative Results",
                                "CLINICAL LABORATORY REPORT", "LAB RESULTS REPORT", "Final Report", "Patient Lab Results",
                                "LABORATORY REPORT", "Results Report", None, None]
    first = g.chance(0.3)
    if first:
        d.set_title(title_opts)
    d.patient(g.pick(["Collected:", "Collection Date:", "Date of Service:", "DOS:", "Service Date:", "Date:"]),
              [(g.pick(["Location:", "Pt Location:", "Unit:"]), g.pick(["ED", "4W", "ICU", "Outpatient Lab", "Clinic", "5N-512", "CCU"]))]
              if g.chance(0.4) else None)
    if not first:
        d.set_title(title_opts)
    coll = d.dt(d.dos, 4, 11)
    pairs = [(g.pick(COLLECT_LABELS), coll),
             (g.pick(RECEIVE_LABELS), d.dt(d.dos, 11, 13)) if g.chance(0.6) else None,
             (g.pick(REPORT_LABELS), d.dt(d.dos, 13, 20)),
             (g.pick(ACC_LABELS), g.pick(["%s-%s", "%s%s"]) % (g.pick(["L", "C", "H", "24", "LAB"]), g.digits(g.randint(6, 9)))),
             (g.pick(ORDER_LABELS), g.pick(["{doctor2}", "{doc2_short}", dr_last_first(d.clin[1])])),
             (g.pick(["Specimen:", "Specimen Type:", "Source:"]), g.pick(["Blood", "Serum", "Plasma", "Whole blood", "Venous blood", "Urine, clean catch"]))
             if g.chance(0.6) else None,
             (g.pick(["Status:", "Report Status:", "Result Status:"]), g.pick(["Final", "FINAL", "Final", "Corrected", "Preliminary"]))
             if g.chance(0.55) else None,
             ("Fasting:", g.pick(["Yes", "No", "Unknown"])) if g.chance(0.25) else None]
    d.kv([x for x in pairs if x])
    d.blank()
    return lab


def lab_footer(d, lab, crits, flagset_note=True):
    g = d.g
    if crits:
        d.blank()
        d.raw(g.pick(["CRITICAL RESULT: %s called to %s at %s; read back and verified.",
                      "** Critical value(s) %s notified to %s at %s by lab staff, read-back confirmed **",
                      "Critical value %s reported to %s, %s."]) % (", ".join(crits), d.c["nurse"], clock(g.rng)))
    if flagset_note and g.chance(0.5):
        d.blank()
        d.raw(g.pick(["H = High  L = Low  HH/LL = Critical", "Flags: H=High, L=Low, A=Abnormal, C=Critical",
                      "Results outside the reference interval are flagged.", "* Abnormal result"]))
    if g.chance(0.4):
        d.raw(g.pick(["Reference ranges are age and sex specific.", "Specimen slightly hemolyzed; potassium may be falsely elevated.",
                      "Non-fasting specimen.", "Results verified by second technologist.",
                      "eGFR calculated with the CKD-EPI 2021 equation, race not included."]))
    if g.chance(0.7):
        lab = lab or g.choice(LABS)
        d.blank()
        d.raw(g.pick(["Performed at: %s, %s", "Testing performed by %s, %s", "Performing Lab: %s  %s"]) % (lab["name"], addr_line(lab["address"])))
        if g.chance(0.6):
            d.raw(g.pick(["CLIA #%sD%s  Medical Director: %s", "CLIA: %sD%s   Laboratory Director: %s"]) % (
                g.randint(10, 99), g.digits(7), d.c["doctor3"]))
    if g.chance(0.35):
        d.raw(g.pick(["Verified by: %s, MLS(ASCP)", "Tech: %s MT(ASCP)", "Resulted by %s, MLT"]) % (
            "%s %s" % (d.clin[4]["given"][0] + ".", d.clin[4]["family"])))


@template("lab_report", weight=4)
def lab_panels(d):
    """One to three panels with result tables."""
    g = d.g
    lab = lab_header(d)
    keys = [k for k in PANELS if k not in PANEL_TEST_ONLY or g.split == "test"]
    n = g.choice([1, 1, 2, 2, 3])
    chosen = g.sample(keys, n)
    colset = g.choice(LAB_COLSETS)
    flags = g.choice(FLAG_STYLES)
    crits = []
    for k in chosen:
        title, rows, cr = lab_table_rows(d, k, flagset=flags)
        crits += cr
        d.blank()
        d.raw(title if g.chance(0.7) else title.upper())
        put_lab_table(d, rows, colset)
        if g.chance(0.2):
            d.raw(g.pick(["Comment: Specimen received at room temperature.", "Comment: Repeated and verified.",
                          "Note: Calculated values based on measured results.", "Comment: Platelet clumps noted, count may be underestimated."]))
    lab_footer(d, lab, crits)


@template("lab_report", weight=2)
def lab_cumulative(d):
    """Cumulative/trended results: analytes by rows, several collection times."""
    g = d.g
    lab = lab_header(d, ["CUMULATIVE RESULTS", "Cumulative Lab Report", "Lab Trend", "Cumulative Summary",
                         "Inpatient Cumulative Report", "Results Flowsheet", None])
    keys = g.sample(["CBC", "BMP", "HEP", "COAG", "MISC", "CARD"], g.randint(1, 2))
    ncol = g.randint(3, 5)
    times = [d.dos - timedelta(days=ncol - 1 - i) for i in range(ncol)]
    heads = [g.pick(["Test", "Component", "Analyte"])] + [fmt_date(t, "mdy")[:5] + " " + "%02d%02d" % (g.randint(3, 7), g.choice([0, 15, 30, 45])) for t in times] + [g.pick(["Ref Range", "Normal", "Units"])]
    flags = g.choice(FLAG_STYLES)
    for k in keys:
        _, titles, ans = PANELS[k]
        d.blank()
        d.raw(g.pick(titles))
        rows = []
        for a in ans[:g.randint(min(5, len(ans)), len(ans))]:
            if a.get("qual"):
                continue
            abn = g.chance(0.25)
            row = [g.pick(a["names"])]
            for _ in times:
                v, fl, ref = analyte_value(g, a, abn and g.chance(0.7))
                fm = {"H": flags[0], "L": flags[1], "": ""}.get(fl, flags[0])
                row.append(v + (" " + fm if fm else ""))
            row.append(ref + " " + g.pick(a["units"]) if heads[-1] != "Units" else g.pick(a["units"]))
            rows.append(row)
        d.table(heads, rows)
    lab_footer(d, lab, [])


MICRO_ORGS = [("Escherichia coli", "E. coli"), ("Klebsiella pneumoniae", "K. pneumoniae"), ("Enterococcus faecalis", "E. faecalis"),
              ("Staphylococcus aureus", "S. aureus"), ("Proteus mirabilis", "P. mirabilis"), ("Pseudomonas aeruginosa", "P. aeruginosa"),
              ("Streptococcus pyogenes (Group A)", "Group A strep")]
ABX = ["Ampicillin", "Amoxicillin/Clavulanate", "Cefazolin", "Ceftriaxone", "Cefepime", "Ciprofloxacin", "Levofloxacin",
       "Gentamicin", "Nitrofurantoin", "Trimethoprim/Sulfamethoxazole", "Piperacillin/Tazobactam", "Meropenem",
       "Oxacillin", "Vancomycin", "Clindamycin", "Tetracycline"]


@template("lab_report", weight=2)
def lab_micro(d):
    g = d.g
    lab = lab_header(d, ["MICROBIOLOGY REPORT", "Microbiology", "Culture Report", "MICROBIOLOGY - FINAL", "Lab Report",
                         "Clinical Microbiology", None])
    kind = g.pick(["urine", "blood", "wound", "throat", "stool", "sputum"])
    src = {"urine": "Urine, clean catch midstream", "blood": "Blood, peripheral venipuncture (2 sets)", "wound": "Wound, {side} foot",
           "throat": "Throat swab", "stool": "Stool", "sputum": "Sputum, expectorated"}[kind]
    d.c.update({"side": g.choice(["left", "right"])})
    d.kv([(g.pick(["Source:", "Specimen Source:", "Specimen:"]), src),
          (g.pick(["Test:", "Order:", "Procedure:"]), {"urine": "Urine Culture", "blood": "Blood Culture", "wound": "Wound Culture, Aerobic",
                                                     "throat": "Strep A Culture", "stool": "Stool Culture and Pathogen Panel",
                                                     "sputum": "Sputum Culture and Gram Stain"}[kind])], cols=1)
    d.blank()
    pos = g.chance(0.65) and kind not in ("stool",)
    if kind in ("wound", "sputum"):
        d.sec(["Gram Stain", "GRAM STAIN"], g.pick(["Many WBCs. Moderate gram-positive cocci in clusters.", "Few WBCs, rare gram-negative rods.",
                                                   "Moderate PMNs, few squamous epithelial cells. Mixed flora."]))
    if not pos:
        d.sec(["Culture", "Result", "Final Result"], {"urine": "No growth at 48 hours.", "blood": "No growth after 5 days.",
                                                      "wound": "Normal skin flora only.", "throat": "No beta-hemolytic Streptococcus isolated.",
                                                      "stool": "No Salmonella, Shigella, Campylobacter or Shiga toxin-producing E. coli detected.",
                                                      "sputum": "Normal respiratory flora."}[kind])
        lab_footer(d, lab, [], False)
        return
    org = g.choice(MICRO_ORGS)
    count = {"urine": g.pick([">100,000 CFU/mL", "50,000-100,000 CFU/mL", ">100,000 colonies/mL"]),
             "blood": g.pick(["Positive in 1 of 2 sets, aerobic bottle, time to positivity 16 hours", "Positive in 2 of 2 sets"])}.get(kind, g.pick(["Heavy growth", "Moderate growth", "Light growth"]))
    d.sec(["Culture", "Result", "Organism", "Final Report"], "%s %s" % (count, org[0]))
    if kind == "blood" and g.chance(0.6):
        d.raw(g.pick(["Critical value called to %s at %s." % (d.c["nurse"], clock(g.rng)),
                      "Rapid PCR identification performed on positive bottle."]))
    d.blank()
    d.raw(g.pick(["Susceptibility", "SUSCEPTIBILITY RESULTS", "Antimicrobial Susceptibility (MIC in mcg/mL)", "Sensitivities"]))
    rows = []
    for ab in g.sample(ABX, g.randint(6, 11)):
        interp = g.choice(["S", "S", "S", "S", "R", "I"])
        mic = g.choice(["<=1", "<=2", "4", "8", ">=16", "<=0.25", "0.5", ">=32", "<=16", "64"])
        rows.append([ab, mic, interp if g.chance(0.5) else {"S": "Susceptible", "R": "Resistant", "I": "Intermediate"}[interp]])
    d.table([g.pick(["Antibiotic", "Drug", "Antimicrobial"]), "MIC", g.pick(["Interp", "Result", "Interpretation"])], rows)
    lab_footer(d, lab, [], False)


@template("lab_report", weight=1.2)
def lab_single(d):
    """Single focused test report (A1c, INR, TSH, pregnancy, COVID...) with interpretation text."""
    g = d.g
    lab = lab_header(d)
    kind = g.pick(["a1c", "inr", "tsh", "hcg", "covid", "vitd", "psa", "strep"])
    if kind == "a1c":
        v = g.uniform(4.8, 11.5)
        d.table(["Test", "Result", "Reference"], [["Hemoglobin A1c", "%.1f %%" % v, "<5.7 %"], ["eAG", "%d mg/dL" % (28.7 * v - 46.7), ""]])
        d.blank()
        d.raw("Interpretation: <5.7% normal; 5.7-6.4% increased risk (prediabetes); >=6.5% consistent with diabetes. "
              "Method: HPLC. Results may be unreliable with hemoglobin variants or recent transfusion.")
    elif kind == "inr":
        pt = g.uniform(11, 38)
        d.table(["Test", "Result", "Units", "Ref"], [["PT", "%.1f" % pt, "sec", "11.0-13.5"], ["INR", "%.1f" % (pt / 12.2), "", "0.8-1.2"]])
        d.blank()
        d.raw("Therapeutic range for most warfarin indications: INR 2.0-3.0; mechanical mitral valve 2.5-3.5.")
    elif kind == "tsh":
        d.table(["Test", "Result", "Units", "Reference"], [["TSH", "%.2f" % g.uniform(0.05, 12), "mIU/L", "0.45-4.50"]])
        d.raw("Free T4 reflex performed if TSH outside reference interval.")
    elif kind == "hcg":
        d.kv([("hCG, Qualitative, Urine:", g.pick(["Negative", "Positive", "NEGATIVE"])), ("Sensitivity:", "20 mIU/mL")], cols=1)
    elif kind == "covid":
        d.kv([("Test:", g.pick(["SARS-CoV-2 RNA, RT-PCR", "COVID-19 PCR", "Respiratory Pathogen Panel"])),
              ("Source:", "Nasopharyngeal swab"), ("Result:", g.pick(["Not Detected", "NOT DETECTED", "Detected"]))], cols=1)
        d.blank()
        d.raw("This test was performed under Emergency Use Authorization. A negative result does not rule out infection.")
    elif kind == "vitd":
        d.table(["Test", "Result", "Units"], [["25-Hydroxy Vitamin D, Total", "%d" % g.randint(8, 70), "ng/mL"]])
        d.raw("Deficiency <20 ng/mL. Insufficiency 20-29 ng/mL. Optimal 30-100 ng/mL.")
    elif kind == "psa":
        d.table(["Test", "Result", "Units", "Reference"], [["PSA, Total", "%.2f" % g.uniform(0.2, 9.5), "ng/mL", "0.00-4.00"]])
        d.raw("Values obtained with different assay methods cannot be used interchangeably.")
    else:
        d.kv([("Rapid Strep A Antigen:", g.pick(["Negative", "Positive"])), ("Reflex culture:", g.pick(["Sent", "Not indicated"]))], cols=1)
    lab_footer(d, lab, [])
    # short single-test reports get some extra panels so the length fits
    if len(d.text()) < 900:
        title, rows, _ = lab_table_rows(d, g.choice(["BMP", "CBC"]))
        d.blank()
        d.raw(title)
        put_lab_table(d, rows)


@template("lab_report", weight=1, splits=("test",))
def lab_point_of_care(d):
    """Point-of-care glucose log / bedside testing record."""
    g = d.g
    std_header(d, "Date:", None, ["POINT OF CARE TESTING", "Bedside Glucose Monitoring Record", "POC Results"])
    rows = []
    for i in range(g.randint(8, 16)):
        day = d.dos + timedelta(days=i // 4)
        v = g.randint(62, 340)
        rows.append([fmt_date(day, "mdy"), g.choice(["0700", "1130", "1630", "2100"]), str(v),
                     "H" if v > 180 else ("L" if v < 70 else ""), g.pick(["AB", "KL", "MR", "TS"])])
    d.table(["Date", "Time", "Glucose mg/dL", "Flag", "Op"], rows)
    d.blank()
    d.raw("Meter: %s  Control lot %s within range. Target 70-180 mg/dL." % (g.pick(["GlucoCheck Pro", "AccuMeter 3"]), g.digits(6)))
    d.raw("Notify provider for glucose < 70 or > 300.")


# --------------------------------------------------------------------------
# Pathology
# --------------------------------------------------------------------------

# specimen: (label, procedure, gross template, micro options [(micro, dx)], clinical history options)
SPECIMENS = [
    {"site": "Gallbladder", "proc": "cholecystectomy",
     "gross": "Received in formalin labeled with the patient's name and '{site_l}' is a {a}.{b} x {c}.{e} x {f}.{h} cm gallbladder. The serosa is tan-pink and smooth. The wall averages 0.{i} cm. The lumen contains {n} yellow-green faceted calculi up to 1.{b} cm. The mucosa is green and velvety. Representative sections submitted in cassette {cas}.",
     "dx": [("Sections show gallbladder wall with chronic inflammation, muscular hypertrophy and Rokitansky-Aschoff sinuses.", "Chronic cholecystitis with cholelithiasis."),
            ("The mucosa is ulcerated with transmural neutrophilic infiltrate and edema.", "Acute and chronic cholecystitis with cholelithiasis.")],
     "hx": ["Biliary colic.", "Acute cholecystitis.", "Gallstones."]},
    {"site": "Appendix", "proc": "appendectomy",
     "gross": "Received fresh is an appendix measuring {a}.{b} cm in length and 0.{i} cm in diameter with attached mesoappendix. The serosa is dull with fibrinous exudate. Cut section reveals a fecalith. The tip is submitted entirely in A1; representative sections in A2.",
     "dx": [("Transmural neutrophilic infiltrate with serositis and mucosal ulceration.", "Acute suppurative appendicitis with periappendicitis."),
            ("Appendix with lymphoid hyperplasia; no acute inflammation.", "Appendix with no pathologic abnormality.")],
     "hx": ["Right lower quadrant pain.", "Acute appendicitis."]},
    {"site": "Colon, ascending, polyp", "proc": "cold snare polypectomy",
     "gross": "Received in formalin are {n} tan polypoid fragments of tissue measuring 0.{i} to 0.{h} cm. Entirely submitted in cassette {cas}.",
     "dx": [("Colonic mucosa with crowded, elongated, hyperchromatic glands without high-grade features.", "Tubular adenoma. Negative for high-grade dysplasia."),
            ("Serrated crypts with basal dilatation and boot-shaped crypts.", "Sessile serrated lesion without dysplasia."),
            ("Serrated crypts confined to the upper half of the mucosa.", "Hyperplastic polyp.")],
     "hx": ["Screening colonoscopy.", "Polyp at 60 cm.", "History of adenomas."]},
    {"site": "Skin, {side} upper back, shave biopsy", "proc": "shave biopsy",
     "gross": "Received in formalin is a tan-brown shave of skin measuring {a}.{b} x 0.{i} x 0.1 cm. The specimen is inked, trisected and entirely submitted.",
     "dx": [("Nests and strands of basaloid cells with peripheral palisading and retraction artifact in the dermis.", "Basal cell carcinoma, nodular type, extending to the deep margin."),
            ("Atypical keratinocytes in full thickness of the epidermis with invasion into the superficial dermis.", "Invasive squamous cell carcinoma, well differentiated. Peripheral margins negative."),
            ("Papillomatous epidermis with horn cysts and acanthosis.", "Seborrheic keratosis."),
            ("Nests of bland melanocytes at the junction and in the dermis with maturation.", "Compound melanocytic nevus. Margins free.")],
     "hx": ["Changing lesion.", "Rule out BCC.", "Pigmented lesion, irritated."]},
    {"site": "Breast, {side}, ultrasound-guided core biopsy at {o} o'clock", "proc": "core needle biopsy",
     "gross": "Received in formalin are {n} tan-white cores of tissue measuring up to 1.{b} cm in length. Cold ischemia time less than 1 hour. Fixation time 8 hours. Entirely submitted in A1-A2.",
     "dx": [("Infiltrating nests and cords of tumor cells with moderate pleomorphism and occasional mitoses in a desmoplastic stroma.", "Invasive ductal carcinoma, Nottingham grade 2. ER, PR and HER2 to follow in addendum."),
            ("Proliferation of stromal and epithelial elements with compressed ducts.", "Fibroadenoma. Negative for malignancy.")],
     "hx": ["BI-RADS 4B mass.", "Palpable mass.", "Abnormal mammogram."]},
    {"site": "Prostate, needle biopsies (12 cores)", "proc": "transrectal ultrasound-guided biopsy",
     "gross": "Received in formalin in twelve containers labeled A through L, each with 1 to 2 tan cores measuring 0.{i} to 1.{b} cm. Each entirely submitted.",
     "dx": [("Small crowded infiltrative glands with prominent nucleoli in cores C, D and F.", "Prostatic adenocarcinoma, Gleason score 3+4=7 (Grade Group 2), involving 3 of 12 cores, 30% of tissue."),
            ("Benign prostatic glands and stroma.", "Benign prostatic tissue, all cores. Negative for carcinoma.")],
     "hx": ["Elevated PSA.", "PSA 6.8, abnormal DRE."]},
    {"site": "Endometrium, biopsy", "proc": "endometrial pipelle biopsy",
     "gross": "Received in formalin are multiple fragments of tan-red soft tissue and blood aggregating to {a}.{b} x 1.{h} x 0.{i} cm. Entirely submitted.",
     "dx": [("Proliferative-phase endometrial glands and stroma without atypia.", "Proliferative endometrium. Negative for hyperplasia and malignancy."),
            ("Crowded glands with cytologic atypia.", "Atypical endometrial hyperplasia (EIN).")],
     "hx": ["Postmenopausal bleeding.", "Abnormal uterine bleeding."]},
    {"site": "Uterus, cervix, bilateral tubes and ovaries", "proc": "total laparoscopic hysterectomy with bilateral salpingo-oophorectomy",
     "gross": "Received fresh is a {a}{b}0 gram uterus with attached cervix, tubes and ovaries. Multiple well-circumscribed whorled white intramural masses up to {c}.{e} cm. Endometrium 0.{i} cm. Ovaries unremarkable. Sections submitted as per cassette key.",
     "dx": [("Fascicles of bland smooth muscle cells without atypia, necrosis or increased mitoses.", "Leiomyomata uteri. Inactive endometrium. Unremarkable cervix, tubes and ovaries.")],
     "hx": ["Symptomatic fibroids.", "Menorrhagia."]},
    {"site": "Stomach, antrum, biopsies", "proc": "EGD with biopsy",
     "gross": "Received in formalin are {n} tan fragments of soft tissue measuring 0.2 to 0.{i} cm. Entirely submitted in one cassette.",
     "dx": [("Chronic active inflammation of the lamina propria with curved rods identified on immunostain.", "Chronic active gastritis with Helicobacter pylori organisms."),
            ("Mild chronic inflammation without activity; immunostain negative for H. pylori.", "Mild chronic gastritis. Negative for Helicobacter pylori. No intestinal metaplasia.")],
     "hx": ["Dyspepsia.", "Epigastric pain."]},
    {"site": "Thyroid, {side} lobe", "proc": "thyroid lobectomy",
     "gross": "Received fresh is a {a}{b} gram {side} thyroid lobe measuring {c}.{e} x {a}.{h} x 2.{i} cm. Sectioning reveals a well circumscribed tan nodule 2.{b} cm. Representative sections submitted.",
     "dx": [("Papillae lined by cells with nuclear clearing, grooves and pseudoinclusions.", "Papillary thyroid carcinoma, classic type, 2.{b} cm, confined to the thyroid. Margins negative."),
            ("Encapsulated follicular nodule without capsular or vascular invasion.", "Follicular adenoma.")],
     "hx": ["Thyroid nodule, Bethesda IV.", "Enlarging nodule."]},
    {"site": "Soft tissue, {side} shoulder", "proc": "excision",
     "gross": "Received in formalin is a lobulated yellow fatty mass {a}.{b} x {c}.{e} x 2.{h} cm, encapsulated. Representative sections submitted.",
     "dx": [("Mature adipose tissue with thin fibrous septa.", "Lipoma.")], "hx": ["Soft tissue mass."]},
    {"site": "Placenta", "proc": "delivery",
     "gross": "Received fresh is a 4{b}0 gram singleton placenta with a three-vessel cord inserted eccentrically. Membranes are translucent. Maternal surface intact.",
     "dx": [("Villi appropriate for gestational age. No chorioamnionitis.", "Third trimester placenta with no pathologic abnormality."),
            ("Neutrophils in the chorionic plate and membranes.", "Acute chorioamnionitis, maternal inflammatory response stage 2.")],
     "hx": ["Term delivery.", "Maternal fever."]},
]

CYTO = [
    {"title": ["GYN CYTOLOGY", "Cervical Cytology Report", "PAP TEST REPORT", "ThinPrep Pap Test"],
     "spec": "Cervical/endocervical, liquid-based preparation",
     "adequacy": ["Satisfactory for evaluation; transformation zone component present.", "Satisfactory for evaluation; transformation zone component absent."],
     "interp": ["Negative for intraepithelial lesion or malignancy (NILM).", "Atypical squamous cells of undetermined significance (ASC-US).",
                "Low-grade squamous intraepithelial lesion (LSIL).", "High-grade squamous intraepithelial lesion (HSIL)."],
     "extra": ["HPV high-risk: Not detected.", "HPV high-risk: Detected (other high-risk types). HPV 16/18: Not detected.",
               "Shift in flora suggestive of bacterial vaginosis."]},
    {"title": ["NON-GYN CYTOLOGY", "Cytopathology Report", "FINE NEEDLE ASPIRATION"],
     "spec": "Thyroid, {side} lobe nodule, ultrasound-guided FNA",
     "adequacy": ["Satisfactory for evaluation.", "Adequate: more than six groups of follicular cells."],
     "interp": ["Benign (Bethesda category II). Consistent with a benign follicular nodule.",
                "Atypia of undetermined significance (Bethesda category III).",
                "Suspicious for a follicular neoplasm (Bethesda category IV).", "Malignant (Bethesda category VI): papillary thyroid carcinoma."],
     "extra": ["Molecular testing may be considered.", "Rapid on-site evaluation performed."]},
    {"title": ["NON-GYNECOLOGIC CYTOLOGY", "Fluid Cytology", "CYTOLOGY REPORT"],
     "spec": "Pleural fluid, {side}, {n}00 mL",
     "adequacy": ["Satisfactory for evaluation.", "Cell block prepared."],
     "interp": ["Negative for malignant cells. Reactive mesothelial cells and lymphocytes.",
                "Positive for malignant cells, consistent with metastatic adenocarcinoma. Immunostains support a lung primary."],
     "extra": ["Cytospin and cell block reviewed.", "Clinical correlation is recommended."]},
    {"title": ["URINE CYTOLOGY", "Cytopathology - Urine"],
     "spec": "Urine, voided",
     "adequacy": ["Satisfactory for evaluation."],
     "interp": ["Negative for high-grade urothelial carcinoma (NHGUC).", "Atypical urothelial cells (AUC).", "Suspicious for high-grade urothelial carcinoma."],
     "extra": ["Paris System for Reporting Urinary Cytology."]},
]
PATH_TITLES = ["SURGICAL PATHOLOGY REPORT", "Surgical Pathology", "PATHOLOGY REPORT", "Anatomic Pathology Report",
               "SURGICAL PATHOLOGY CONSULTATION REPORT", "Tissue Examination Report", "Pathology Final Report", None]


def _spec_ctx(d):
    g = d.g
    side = g.choice(["left", "right"])
    d.c.update({"side": side, "Side": side.capitalize(), "o": g.randint(1, 12), "a": g.randint(1, 9), "b": g.randint(0, 9),
                "c": g.randint(1, 6), "e": g.randint(0, 9), "f": g.randint(1, 4), "h": g.randint(1, 9), "i": g.randint(2, 9),
                "n": g.randint(2, 7), "cas": g.pick(["A1", "A1-A2", "A1 through A3", "1A"])})


def path_header(d, titles):
    g = d.g
    lab = g.choice(LABS) if g.chance(0.35) else None
    d.letterhead(lab, dept=g.pick(["Department of Pathology", "Anatomic Pathology", "Pathology and Laboratory Medicine", None]) if lab is None else None)
    std_order = g.chance(0.5)
    if std_order:
        d.set_title(titles)
    d.patient(g.pick(["Date Collected:", "Collected:", "Procedure Date:", "Date of Procedure:", "Date Obtained:", "DOS:"]),
              [(g.pick(["Surgeon:", "Submitting Physician:", "Physician:", "Clinician:"]), "{doctor2}")] if g.chance(0.5) else None)
    if not std_order:
        d.set_title(titles)
    d.kv([(g.pick(["Accession #:", "Case #:", "Surgical #:", "Path #:", "Accession:"]),
           "%s%02d-%05d" % (g.pick(["S", "SP", "SURG-", "AP", "C", "NG"]), d.dos.year % 100, g.randint(1, 99999))),
          (g.pick(["Received:", "Date Received:"]), d.date(d.dos + timedelta(days=g.randint(0, 1)))),
          (g.pick(["Reported:", "Signed Out:", "Date Reported:", "Final:"]), d.date(d.dos + timedelta(days=g.randint(1, 5)))),
          (g.pick(["Submitting Physician:", "Surgeon:", "Ordering Physician:", "Copy To:"]), "{doctor2}")])
    d.blank()


def path_signout(d):
    g = d.g
    d.blank()
    if g.chance(0.6):
        d.raw(g.pick(["I attest that I personally reviewed the slides and/or specimen and that the diagnosis reflects my evaluation.",
                      "The diagnosis is based on gross and microscopic examination by the signing pathologist.",
                      "Interpretation performed at the laboratory listed above."]))
    d.raw(g.pick(["Pathologist: {doctor}", "{doctor}, Pathologist", "Electronically signed out by {doctor}", "Signed: {doctor}  (Anatomic Pathology)"]))
    if g.chance(0.4):
        d.raw("CPT: %s" % g.pick(["88305", "88305 x2", "88307", "88305, 88342", "88304", "88175"]))


@template("pathology_report", weight=4)
def path_surgical(d):
    g = d.g
    path_header(d, PATH_TITLES)
    specs = g.sample(SPECIMENS, g.choice([1, 1, 1, 2]))
    _spec_ctx(d)
    parts = []
    for i, s in enumerate(specs):
        label = chr(65 + i)
        micro, dx = g.choice(s["dx"])
        parts.append((label, d.f(s["site"]), s, d.f(micro), d.f(dx)))
    order = g.pick(["dx_first", "dx_first", "dx_last"])

    def diag():
        d.heading(g.pick(["Final Diagnosis", "Diagnosis", "Final Pathologic Diagnosis", "Pathologic Diagnosis", "DIAGNOSIS"]))
        for label, site, s, micro, dx in parts:
            d.raw("%s. %s, %s:" % (label, site, s["proc"]) if len(parts) > 1 or g.chance(0.5) else "%s (%s):" % (site, s["proc"]))
            d.raw("   - " + dx if g.chance(0.5) else "   " + dx.upper())
    if order == "dx_first":
        diag()
    d.sec(["Clinical History", "Clinical Information", "Pre-operative Diagnosis", "Clinical Data"], d.f(g.choice(parts[0][2]["hx"])))
    d.heading(g.pick(["Specimen(s) Received", "Specimens", "Specimen Submitted", "Source of Specimen"]))
    for label, site, s, micro, dx in parts:
        d.raw("%s: %s" % (label, site))
    d.heading(g.pick(["Gross Description", "Gross", "Gross Examination", "Macroscopic Description"]))
    for label, site, s, micro, dx in parts:
        _spec_ctx(d)
        d.c["site_l"] = site.lower()
        d.raw(("%s. " % label if len(parts) > 1 else "") + d.f(s["gross"]))
    if g.chance(0.5):
        d.raw(g.pick(["Grossed by: %s, PA(ASCP)", "Dictated by %s, pathologists' assistant"]) % d.c["nurse_short"])
    if g.chance(0.8):
        d.heading(g.pick(["Microscopic Description", "Microscopic", "Histologic Description", "Microscopic Examination"]))
        for label, site, s, micro, dx in parts:
            d.raw(("%s. " % label if len(parts) > 1 else "") + micro)
    if g.chance(0.2):
        d.sec(["Intraoperative Consultation", "Frozen Section Diagnosis"], g.pick(["A1FS: Benign. Called to Dr. in OR at %s." % clock(g.rng),
                                                                            "Frozen section: margins free of tumor, reported to surgeon."]))
    if g.chance(0.3):
        d.sec(["Comment", "Note"], g.pick(["Immunohistochemical stains were performed with appropriate controls.",
                                           "The findings were discussed with the submitting physician.",
                                           "Deeper levels were examined.", "A synoptic report will follow in an addendum."]))
    if order == "dx_last":
        diag()
    path_signout(d)


@template("pathology_report", weight=1.5)
def path_synoptic(d):
    """Cancer resection with synoptic checklist."""
    g = d.g
    path_header(d, PATH_TITLES)
    site = g.pick(["Colon, sigmoid", "Breast, left, lumpectomy", "Lung, right upper lobe, lobectomy", "Kidney, left, partial nephrectomy",
                   "Colon, right, hemicolectomy", "Breast, right, mastectomy"])
    organ = site.split(",")[0]
    hist = {"Colon": "Adenocarcinoma", "Breast": "Invasive carcinoma of no special type (ductal)", "Lung": "Adenocarcinoma, acinar predominant",
            "Kidney": "Clear cell renal cell carcinoma"}[organ]
    d.sec(["Final Diagnosis", "Diagnosis"], "%s: %s, %s, %.1f cm. Margins negative. Lymph nodes %d/%d. See synoptic report."
          % (site, hist, g.pick(["moderately differentiated", "grade 2", "grade 3", "well differentiated"]), g.uniform(0.8, 6.5),
             g.randint(0, 3), g.randint(10, 22)))
    d.heading(g.pick(["Synoptic Report", "CANCER CASE SUMMARY", "Tumor Summary (CAP protocol)"]))
    d.kv([("Procedure:", site.split(",")[-1].strip()), ("Tumor Site:", site.split(",")[0] + (", " + site.split(",")[1].strip() if "," in site else "")),
          ("Histologic Type:", hist), ("Histologic Grade:", g.pick(["G1", "G2", "G3", "Nottingham grade 2 (3+2+2)"])),
          ("Tumor Size:", "%.1f cm" % g.uniform(0.8, 6.5)), ("Lymphovascular Invasion:", g.pick(["Not identified", "Present"])),
          ("Perineural Invasion:", g.pick(["Not identified", "Present"])), ("Margins:", g.pick(["Negative for carcinoma; closest 0.4 cm", "Uninvolved by invasive carcinoma"])),
          ("Regional Lymph Nodes:", "%d involved / %d examined" % (g.randint(0, 3), g.randint(10, 22))),
          ("Pathologic Stage:", g.pick(["pT2 pN0", "pT3 pN1a", "pT1c pN0(sn)", "pT1b pN0"])),
          ("Biomarkers:", g.pick(["ER positive (95%), PR positive (60%), HER2 negative (1+)", "MMR proteins intact", "PD-L1 TPS 40%", "Pending"]))], cols=1)
    _spec_ctx(d)
    d.sec(["Gross Description", "Gross"], "Received fresh labeled with the patient's name is a %s specimen. Specimen oriented, margins inked, serially sectioned. Entirely or representatively submitted per the cassette key." % site.lower())
    path_signout(d)


@template("pathology_report", weight=2)
def path_cytology(d):
    g = d.g
    cy = g.choice(CYTO)
    _spec_ctx(d)
    path_header(d, cy["title"] + [None])
    d.sec(["Specimen", "Source", "Specimen Type"], d.f(cy["spec"]))
    d.sec(["Clinical History", "Clinical Information"], g.pick(["Routine screening.", "Follow-up of prior abnormal.", "Nodule on imaging.",
                                                               "Effusion of unknown cause.", "Hematuria."]))
    d.sec(["Specimen Adequacy", "Adequacy"], g.choice(cy["adequacy"]))
    interp = g.choice(cy["interp"])
    d.sec(["Interpretation", "Diagnosis", "Cytologic Diagnosis", "Result"], interp)
    if g.chance(0.7):
        d.sec(["Comment", "Additional Findings", "Note"], g.choice(cy["extra"]))
    if g.chance(0.5):
        d.sec(["Microscopic Description", "Description"], g.pick(["Smears show moderate cellularity with", "The preparation contains"])
              + g.pick([" benign-appearing cells in a clean background.", " scattered atypical cells with increased N/C ratios.",
                        " mesothelial cells, histiocytes and lymphocytes."]))
    if g.chance(0.5):
        d.raw(g.pick(["Screened by: %s, CT(ASCP)", "Cytotechnologist: %s"]) % d.c["nurse_short"])
    if g.chance(0.4):
        d.raw(g.pick(["The Pap test is a screening test with false-negative and false-positive results.",
                      "Educational note: follow current ASCCP management guidelines."]))
    path_signout(d)


@template("pathology_report", weight=1, splits=("test",))
def path_addendum(d):
    g = d.g
    path_header(d, ["ADDENDUM REPORT", "Surgical Pathology - Addendum", "AMENDED REPORT"])
    s = g.choice(SPECIMENS)
    _spec_ctx(d)
    micro, dx = g.choice(s["dx"])
    d.sec("Addendum reason", g.pick(["Results of immunohistochemistry.", "Additional levels examined.", "Outside consultation received."]))
    d.sec("Addendum diagnosis", d.f(s["site"]) + ": " + d.f(dx))
    d.sec("Immunohistochemistry", g.pick(["Tumor cells are positive for CK7 and TTF-1, negative for CK20.",
                                          "ER positive (90%, strong), PR positive (40%), HER2 2+ equivocal; FISH ordered.",
                                          "p16 block positive; Ki-67 elevated in upper epithelium."]))
    d.sec("Original diagnosis", d.f(dx))
    path_signout(d)


@template("pathology_report", weight=0.7)
def path_bone_marrow(d):
    g = d.g
    path_header(d, ["HEMATOPATHOLOGY REPORT", "Bone Marrow Pathology", "BONE MARROW EXAMINATION", None])
    d.sec(["Specimen", "Specimens"], "A. Bone marrow aspirate smears, {side} posterior iliac crest. B. Bone marrow core biopsy.".replace("{side}", g.choice(["left", "right"])))
    d.sec("Clinical History", g.pick(["Pancytopenia.", "Anemia and thrombocytopenia.", "Staging of lymphoma.", "Monoclonal protein."]))
    title, rows, _ = lab_table_rows(d, "CBC", n_abn=g.randint(2, 4), crit_ok=False)
    d.heading("Peripheral blood (CBC on date of procedure)")
    put_lab_table(d, rows[:6], (["Test", "Result", "Units", "Ref"], ["name", "value", "units", "ref"]))
    d.sec(["Aspirate", "Aspirate Smear"], "Adequate spicular smears. Differential (500 cells): blasts %d%%, promyelocytes 2%%, myelocytes 12%%, erythroid precursors %d%%, plasma cells %d%%." % (g.randint(0, 6), g.randint(15, 35), g.randint(1, 14)))
    d.sec(["Core Biopsy", "Biopsy"], "Cellularity %d%% with trilineage hematopoiesis. Iron stores %s. Reticulin fibrosis MF-%d." % (g.randint(20, 80), g.pick(["adequate", "absent", "increased"]), g.randint(0, 2)))
    d.sec(["Diagnosis", "Final Diagnosis"], g.pick(["Normocellular marrow with trilineage hematopoiesis; no evidence of lymphoma.",
                                                    "Hypercellular marrow with %d%% clonal plasma cells, consistent with plasma cell neoplasm." % g.randint(12, 40),
                                                    "Hypocellular marrow; see comment."]))
    path_signout(d)


# --------------------------------------------------------------------------
# Consent forms
# --------------------------------------------------------------------------

CONSENT_PROCS = ["laparoscopic cholecystectomy", "colonoscopy with possible biopsy and polypectomy", "right total knee arthroplasty",
                 "cardiac catheterization with possible stent placement", "cesarean delivery", "upper endoscopy (EGD)",
                 "left inguinal hernia repair", "excision of skin lesion", "lumbar puncture", "central venous catheter placement",
                 "bronchoscopy with biopsy", "cataract extraction with lens implant, left eye", "thoracentesis", "bone marrow biopsy",
                 "carpal tunnel release", "transurethral resection of the prostate", "paracentesis", "tonsillectomy"]
RISK_POOL = ["bleeding", "infection", "injury to nearby organs, nerves or blood vessels", "blood clots in the legs or lungs",
             "reaction to medications or anesthesia", "the need for additional procedures", "scarring", "pain",
             "heart attack or stroke", "death (rare)", "failure to relieve symptoms", "conversion to an open operation",
             "damage to teeth", "numbness"]
CONSENT_SIGS = [
    ["Patient signature: ______________________________   Date: ____________  Time: ________",
     "Signature of legally authorized representative (if patient unable to sign): ______________________",
     "Relationship to patient: ____________________",
     "Witness: ______________________________   Date: ____________"],
    ["_________________________________        ____________", "Patient / Responsible Party              Date/Time", "",
     "_________________________________        ____________", "Witness                                  Date/Time"],
    ["Signed: ______________________ (Patient)     Date: __________",
     "Signed: ______________________ (Witness)     Date: __________",
     "Interpreter used:  [ ] No  [ ] Yes   Language: __________  Interpreter name/ID: __________"],
    ["PATIENT OR AUTHORIZED REPRESENTATIVE SIGNATURE ________________________ DATE ________ TIME ______",
     "PRINTED NAME ________________________   RELATIONSHIP ______________",
     "WITNESS SIGNATURE ________________________ DATE ________"],
]


def consent_sigs(d, physician=True):
    g = d.g
    d.blank()
    for l in g.pick(CONSENT_SIGS):
        d.raw(l)
    if g.chance(0.5):
        d.raw(g.pick(["Telephone consent obtained: [ ] Yes [ ] No   Second witness: ______________",
                      "Interpreter: [ ] Not needed  [ ] In person  [ ] Video/phone  ID #______"]))
    if physician:
        d.blank()
        d.raw(g.pick(["PHYSICIAN ATTESTATION: I have explained the nature, purpose, risks, benefits and alternatives of the procedure to the patient "
                      "and/or representative and have answered all questions.",
                      "Practitioner statement: I have discussed the above with the patient, including risks, benefits and alternatives, "
                      "and the patient has indicated understanding.",
                      "Provider certification: The patient was given the opportunity to ask questions and all questions were answered."]))
        d.raw(g.pick(["Physician signature: ______________________  %s   Date: %s", "Provider: %s  Signature: ____________  Date: %s"])
              .replace("%s", "{doctor}", 1).replace("%s", d.date(d.dos)))


def consent_header(d, titles):
    g = d.g
    if g.chance(0.85):
        d.letterhead(style=g.pick(["full", "name_addr", "name_only", "oneline"]))
    if g.chance(0.5):
        d.set_title(titles)
        d.patient(g.pick(["Date:", "Date of Procedure:", "Date of Service:", "Admit Date:"]))
    else:
        d.patient(g.pick(["Date:", "Date of Procedure:", "Date of Service:"]))
        d.set_title(titles)


@template("consent", weight=3)
def consent_procedure(d):
    g = d.g
    proc = g.choice(CONSENT_PROCS)
    consent_header(d, ["CONSENT FOR SURGERY OR PROCEDURE", "Informed Consent for Procedure", "CONSENT TO OPERATION, ANESTHESIA AND OTHER MEDICAL SERVICES",
                       "Surgical Consent", "AUTHORIZATION AND CONSENT FOR PROCEDURE", "Request for Procedure and Informed Consent",
                       "INFORMED CONSENT", "Special Procedure Consent"])
    d.raw(g.pick(["1. I hereby authorize {doctor} and such assistants as may be selected to perform the following procedure: %s.",
                  "I, {First} {Last}, request and authorize {doctor} and associates to perform: %s.",
                  "Procedure to be performed: %s (%s side, if applicable)." % ("%s", g.choice(["left", "right", "n/a"])),
                  "The following procedure has been explained to me: %s."]) .replace("%s", proc.upper() if g.chance(0.3) else proc, 1))
    d.blank()
    d.raw(g.pick(["2. The nature and purpose of the procedure, the possible alternative methods of treatment, the risks involved, and the possibility of complications have been explained to me.",
                  "My physician has explained the nature of my condition, the purpose of the procedure and its expected benefits.",
                  "I understand the reason for the procedure is to diagnose and/or treat my condition."]))
    d.blank()
    risks = g.some(RISK_POOL, 4, 8)
    if g.chance(0.5):
        d.raw(g.pick(["3. I understand that risks include, but are not limited to:", "Risks that have been discussed with me include:",
                      "Possible risks and complications:"]))
        for r in risks:
            d.raw("   %s %s" % (g.pick(["-", "*", "o", "[x]"]), r))
    else:
        d.raw(g.pick(["I understand the risks, which include ", "Known risks of this procedure include "]) + ", ".join(risks[:-1]) + " and " + risks[-1] + ".")
    d.blank()
    d.raw(g.pick(["Alternatives, including no treatment, have been discussed: " + g.pick(["medical management", "observation", "physical therapy", "a different procedure"]) + ".",
                  "I have been told about other choices of treatment and the risks of not having the procedure."]))
    d.blank()
    d.raw(g.pick(["4. I consent to the administration of anesthesia and to the use of blood products if necessary, except: __________________.",
                  "I consent to the disposal or retention of any tissue removed for pathology, research or teaching.",
                  "I consent to photographing or videotaping of the procedure for medical purposes, provided my identity is not revealed.",
                  "I understand that residents, fellows or students may participate under supervision."]))
    if g.chance(0.6):
        d.blank()
        d.raw(g.pick(["5. No guarantee or assurance has been given to me as to the results that may be obtained.",
                      "I acknowledge that no guarantees have been made about the outcome.",
                      "I certify that I have read and fully understand this consent, that the blanks were filled in before I signed, and that I have had the chance to ask questions."]))
    if g.chance(0.4):
        d.raw("Patient initials: ______  " + g.pick(["Site marked: [ ] Yes [ ] N/A", "Allergies reviewed: [ ] Yes"]))
    consent_sigs(d)


@template("consent", weight=1.5)
def consent_anesthesia(d):
    g = d.g
    consent_header(d, ["CONSENT FOR ANESTHESIA SERVICES", "Anesthesia Consent", "INFORMED CONSENT FOR ANESTHESIA", "Anesthesia Informed Consent and Plan"])
    d.raw(g.pick(["I have been informed that I will receive anesthesia for my procedure: %s.", "Planned procedure: %s. Planned anesthesia is marked below."]) % g.choice(CONSENT_PROCS))
    d.blank()
    types = [("General anesthesia", "sore throat, hoarseness, nausea and vomiting, injury to teeth or dental work, awareness, pneumonia"),
             ("Spinal or epidural anesthesia", "headache, backache, ringing in the ears, infection, bleeding, nerve damage"),
             ("Peripheral nerve block", "infection, bleeding, nerve damage, seizures, failed block"),
             ("Monitored anesthesia care / sedation", "under- or over-sedation, breathing problems, need for general anesthesia")]
    for name, risks in g.sample(types, g.randint(2, 4)):
        d.raw("[%s] %s - Expected result: %s. Risks: %s." % (g.choice(["X", " ", " "]), name, g.pick(["total unconsciousness", "loss of sensation", "reduced anxiety and pain"]), risks))
    d.blank()
    d.raw(g.pick(["Although rare, unexpected severe complications with anesthesia can occur and include the remote possibility of infection, bleeding, drug reactions, blood clots, loss of sensation, loss of limb function, paralysis, stroke, brain damage, heart attack or death.",
                  "I understand that the anesthesia plan may change during the procedure as my safety requires.",
                  "I have been instructed not to eat or drink after midnight and have followed these instructions."]))
    d.blank()
    d.raw("I have had the opportunity to ask questions about my anesthesia and all my questions have been answered.")
    consent_sigs(d)
    d.raw("Anesthesiologist: {doctor3}   ASA class: %s" % g.pick(["I", "II", "III", "IV"]))


@template("consent", weight=1.5)
def consent_blood(d):
    g = d.g
    consent_header(d, ["CONSENT FOR BLOOD TRANSFUSION", "Informed Consent for Transfusion of Blood and Blood Products",
                       "TRANSFUSION CONSENT / REFUSAL", "Blood Product Consent"])
    d.raw(g.pick(["My physician has explained that I may need a transfusion of blood or blood products (red cells, plasma, platelets, cryoprecipitate).",
                  "I understand that my condition may require the transfusion of blood or blood components."]))
    d.blank()
    d.raw("Benefits: " + g.pick(["improved oxygen delivery, correction of bleeding or clotting problems.", "replacement of blood lost during surgery or illness."]))
    d.raw("Risks include: " + ", ".join(g.some(["fever or chills", "allergic reaction, hives", "fluid overload", "hemolytic reaction (rare)",
                                                "transmission of infection such as hepatitis or HIV (very rare)", "lung injury (TRALI)",
                                                "iron overload with repeated transfusions"], 4, 6)) + ".")
    d.raw("Alternatives: " + g.pick(["autologous donation, directed donation, iron or erythropoietin, cell salvage, or refusing transfusion.",
                                     "medications to increase blood counts, or no transfusion with the risks explained."]))
    d.blank()
    d.raw("Please initial one:")
    d.raw("_____ I CONSENT to transfusion of blood and blood products as deemed necessary by my physician.")
    d.raw("_____ I REFUSE transfusion of blood and blood products, and I release the hospital and physicians from liability for consequences of this refusal.")
    d.raw("_____ I consent with the following exceptions: ____________________________")
    if g.chance(0.5):
        d.raw("This consent is valid for: [ ] this admission only  [ ] a series of outpatient transfusions for up to 12 months")
    consent_sigs(d)


@template("consent", weight=2)
def consent_general(d):
    """General consent / conditions of admission / treatment agreement."""
    g = d.g
    consent_header(d, ["CONDITIONS OF ADMISSION", "General Consent for Treatment", "CONSENT TO TREAT", "Conditions of Treatment and Financial Agreement",
                       "OUTPATIENT SERVICES AGREEMENT", "Patient Consent and Agreement"])
    paras = [("CONSENT TO MEDICAL TREATMENT", "I consent to the procedures which may be performed during this hospitalization or on an outpatient basis, including emergency treatment or services, laboratory procedures, x-ray examinations, medical or surgical treatment under the general and special instructions of my physician."),
             ("RELEASE OF INFORMATION", "I authorize the facility to release information from my medical record as needed to process insurance claims, to other providers involved in my care, and as required by law."),
             ("FINANCIAL AGREEMENT", "I agree that I am responsible for all charges not covered by my insurance, including deductibles, co-insurance and non-covered services."),
             ("ASSIGNMENT OF BENEFITS", "I assign to the facility and treating physicians all insurance benefits otherwise payable to me for services rendered."),
             ("PERSONAL VALUABLES", "I understand the facility is not responsible for money, jewelry, glasses, dentures, hearing aids or other personal items unless placed in the safe."),
             ("PATIENT RIGHTS", "I acknowledge that I have received a copy of the Patient Rights and Responsibilities and the Notice of Privacy Practices."),
             ("TEACHING", "I understand that this is a teaching facility and students and residents may take part in my care under supervision."),
             ("ADVANCE DIRECTIVES", "I have been asked whether I have an advance directive. [ ] Yes, copy provided  [ ] No  [ ] Information requested."),
             ("COMMUNICATIONS", "I agree that the facility may contact me by phone, text or email about appointments, results and billing.")]
    for i, (h, p) in enumerate(g.some(paras, 5, 8)):
        d.blank()
        if g.chance(0.7):
            d.raw(("%d. " % (i + 1) if g.chance(0.5) else "") + d.head_text(h) + (": " + p if g.chance(0.5) else ""))
            if not d.lines[-1].endswith("."):
                d.raw(p)
        else:
            d.raw(p)
    d.blank()
    d.raw(g.pick(["I have read this form or had it read to me, understand it and accept its terms.",
                  "By signing below I certify that I have read and understand the above."]))
    consent_sigs(d, physician=False)


@template("consent", weight=1.5)
def consent_release(d):
    """Authorization to release/use protected health information (HIPAA authorization)."""
    g = d.g
    consent_header(d, ["AUTHORIZATION FOR RELEASE OF PROTECTED HEALTH INFORMATION", "Authorization to Disclose Health Information",
                       "HIPAA AUTHORIZATION", "Release of Medical Records Authorization", "Consent to Release Information"])
    org2 = g.choice(PRACTICES + HOSPITALS)
    d.kv([("Release information from:", d.org["name"] if d.org else "this facility"), ("Release information to:", org2["name"]),
          ("Address:", addr_line(org2["address"])), ("Fax:", org2["fax"])], cols=1)
    d.blank()
    d.raw("Information to be released (check all that apply):")
    for it in g.some(["Discharge summary", "History and physical", "Operative reports", "Laboratory results", "Radiology reports",
                      "Progress notes", "Medication list", "Entire record", "Billing records", "Immunization record", "Mental health records*",
                      "Substance use disorder records*", "HIV test results*"], 5, 9):
        d.raw("[%s] %s" % (g.choice(["X", "X", " "]), it))
    d.raw("Dates of service: from %s to %s" % (d.date(d.dos - timedelta(days=g.randint(100, 900))), d.date(d.dos)))
    d.raw("Purpose: " + g.pick(["Continuity of care", "Personal use", "Insurance", "Legal", "At the request of the patient", "Disability claim"]))
    d.blank()
    d.raw(g.pick(["This authorization expires on %s or one year from the date signed." % d.date(d.dos + timedelta(days=365)),
                  "Unless revoked, this authorization will expire 180 days after signing."]))
    d.raw("I understand that I may revoke this authorization in writing at any time, except to the extent action has already been taken. "
          "Treatment, payment or eligibility for benefits will not be conditioned on signing. Information disclosed may be re-disclosed by the recipient and no longer protected by federal privacy rules.")
    if g.chance(0.5):
        d.raw("*Specially protected records require separate initials: ______")
    consent_sigs(d, physician=False)


@template("consent", weight=1)
def consent_refusal(d):
    g = d.g
    consent_header(d, ["REFUSAL OF TREATMENT / LEAVING AGAINST MEDICAL ADVICE", "Against Medical Advice (AMA) Form", "Informed Refusal",
                       "RELEASE FROM RESPONSIBILITY FOR DISCHARGE"])
    d.raw(g.pick(["I, {First} {Last}, am leaving the hospital against the advice of my attending physician, {doctor}, and the hospital administration.",
                  "I have been advised by {doctor} that the following treatment is recommended: %s. I refuse this treatment." % g.pick(["admission to the hospital", "blood transfusion", "CT scan", "surgery"])]))
    d.blank()
    d.raw("The risks of refusing, which have been explained to me, include: " + ", ".join(g.some(["worsening of my condition", "permanent disability", "death",
                                                                                               "delay in diagnosis", "need for more intensive treatment later"], 2, 4)) + ".")
    d.raw("I acknowledge that I have been informed of the risks and I release the hospital, its staff and my physicians from all responsibility for any ill effects which may result.")
    d.raw("I understand that I may return at any time for care.")
    d.blank()
    d.raw("Patient is alert and oriented and has decision-making capacity: [ ] Yes [ ] No")
    consent_sigs(d)


@template("consent", weight=1)
def consent_rights(d):
    g = d.g
    consent_header(d, ["PATIENT RIGHTS AND RESPONSIBILITIES ACKNOWLEDGMENT", "Acknowledgment of Receipt of Notice of Privacy Practices",
                       "Patient Rights", "NOTICE OF PRIVACY PRACTICES - ACKNOWLEDGEMENT"])
    d.raw("As a patient you have the right to:")
    for r in g.some(["Receive considerate and respectful care.", "Be informed about your diagnosis, treatment and prognosis in terms you can understand.",
                     "Participate in decisions about your care, including the right to refuse treatment.", "Privacy and confidentiality of your records.",
                     "Access your medical record and request amendments.", "An interpreter at no cost.", "Voice complaints without fear of retaliation.",
                     "Have pain assessed and managed.", "Formulate advance directives.", "Know the names of the people caring for you."], 5, 8):
        d.items(None, [r], numbered="-")
    d.blank()
    d.raw("As a patient you are responsible for:")
    for r in g.some(["Providing accurate information about your health.", "Following the treatment plan you agreed to.",
                     "Meeting financial obligations.", "Being considerate of other patients and staff.", "Keeping appointments or calling to cancel."], 3, 5):
        d.items(None, [r], numbered="-")
    d.blank()
    d.raw("I acknowledge that I have received a copy of the Patient Rights and Responsibilities and the Notice of Privacy Practices.")
    consent_sigs(d, physician=False)


@template("consent", weight=0.8, splits=("test",))
def consent_telehealth(d):
    g = d.g
    consent_header(d, ["CONSENT FOR TELEHEALTH SERVICES", "Telemedicine Informed Consent", "Virtual Visit Consent"])
    d.raw("Telehealth involves the use of electronic communications to enable health care providers at different locations to share individual patient medical information for diagnosis, therapy and follow-up.")
    d.raw("Expected benefits: improved access to care, avoiding travel. Possible risks: information may not be sufficient, delays due to equipment failure, and in rare cases security protocols could fail.")
    d.raw("I understand that I have the right to withhold or withdraw consent at any time without affecting my right to future care.")
    d.raw("I understand that my insurance may apply copayments or deductibles to telehealth visits.")
    consent_sigs(d, physician=g.chance(0.5))


@template("consent", weight=0.8, splits=("test",))
def consent_vaccine(d):
    g = d.g
    consent_header(d, ["IMMUNIZATION CONSENT FORM", "Vaccine Administration Consent", "Consent for Vaccination"])
    d.raw("Screening questions (circle Y/N):")
    for q in ["Are you sick today?", "Do you have allergies to medications, food, or any vaccine component?", "Have you ever had a serious reaction after a vaccination?",
              "Are you pregnant or could you become pregnant in the next month?", "Have you received any vaccinations in the past 4 weeks?"]:
        d.raw("%s   Y   N" % q)
    d.blank()
    d.raw("I have read or had explained to me the Vaccine Information Statement for the vaccine(s) below and I understand the benefits and risks.")
    d.table(["Vaccine", "Lot #", "Site", "Route", "Given by"], [[v, g.digits(6), g.choice(["L deltoid", "R deltoid"]), "IM", d.c["nurse_short"]]
                                                               for v in g.sample(["Influenza, quadrivalent", "Tdap", "Pneumococcal conjugate", "Hepatitis B", "Zoster recombinant"], 2)])
    consent_sigs(d, physician=False)


@template("consent", weight=0.8)
def consent_sedation(d):
    g = d.g
    consent_header(d, ["CONSENT FOR MODERATE SEDATION", "Procedural Sedation Consent", "Sedation/Analgesia Consent"])
    d.raw("Procedure: %s" % g.choice(CONSENT_PROCS))
    d.raw("Sedation medications such as midazolam, fentanyl or propofol may be given through an IV to make me relaxed and comfortable. I may not remember the procedure.")
    d.raw("Risks: slowed breathing, low blood pressure, allergic reaction, nausea, aspiration, need for breathing support.")
    d.raw("I will not drive, operate machinery, or make important decisions for 24 hours. A responsible adult must drive me home.")
    d.raw("[ ] NPO status confirmed   [ ] Driver present: ____________   [ ] Pre-sedation assessment completed")
    consent_sigs(d)


# --------------------------------------------------------------------------
# Insurance
# --------------------------------------------------------------------------

PLAN_TYPES = ["PPO", "HMO", "EPO", "POS", "HDHP with HSA", "Medicare Advantage HMO", "Medicaid Managed Care", "Open Access PPO"]
CPT_POOL = [("99213", "Office visit, established, low complexity", 145), ("99214", "Office visit, established, moderate", 210),
            ("99204", "Office visit, new patient", 310), ("80053", "Comprehensive metabolic panel", 58), ("85025", "CBC with differential", 32),
            ("71046", "Chest x-ray, 2 views", 120), ("74177", "CT abdomen/pelvis with contrast", 1450), ("93000", "Electrocardiogram", 85),
            ("36415", "Venipuncture", 18), ("99284", "Emergency dept visit, moderate-high", 980), ("97110", "Therapeutic exercise, 15 min", 95),
            ("45380", "Colonoscopy with biopsy", 1875), ("72148", "MRI lumbar spine without contrast", 2100), ("88305", "Tissue exam by pathologist", 160),
            ("90686", "Influenza vaccine", 38), ("G0439", "Annual wellness visit, subsequent", 175), ("81001", "Urinalysis with microscopy", 22)]
ICD_POOL = [("I10", "Essential hypertension"), ("E11.9", "Type 2 diabetes mellitus without complications"), ("J18.9", "Pneumonia, unspecified organism"),
            ("M54.50", "Low back pain, unspecified"), ("R07.9", "Chest pain, unspecified"), ("Z00.00", "General adult medical examination"),
            ("K80.20", "Calculus of gallbladder without obstruction"), ("M17.11", "Unilateral primary osteoarthritis, right knee"),
            ("Z12.11", "Encounter for screening for malignant neoplasm of colon"), ("N39.0", "Urinary tract infection, site not specified"),
            ("J44.1", "COPD with acute exacerbation"), ("R51.9", "Headache, unspecified"), ("G47.33", "Obstructive sleep apnea")]


def member_id(g):
    return g.pick(["%s%s", "%s-%s", "%s %s"]) % (g.pick(["XKM", "W", "ZGP", "H", "QBN", "U", "MBR"]), g.digits(g.randint(8, 10)))


def ins_ctx(d):
    g = d.g
    payer = g.choice(PAYERS)
    d.c.update({"payer": payer["name"], "plan": g.pick(PLAN_TYPES), "member_id": member_id(g),
                "group": g.pick(["%s", "GRP%s", "%s-%s"]).replace("%s", g.digits(5), 1).replace("%s", g.digits(3)),
                "payer_phone": "1-800-555-01%02d" % g.randint(0, 99)})
    return payer


@template("insurance", weight=2, min_len=380)
def ins_card(d):
    """Photocopy of an insurance card, front and back: no title, no chart header."""
    g = d.g
    payer = ins_ctx(d)
    p = d.p
    if g.chance(0.35):
        # chart label stuck on the copy
        d.patient(style=g.pick(["sticker", "inline"]))
    if g.chance(0.4):
        d.raw(g.pick(["FRONT", "Front of card", "CARD FRONT", "[front]"]))
    d.raw(payer["name"] if g.chance(0.6) else payer["name"].upper())
    d.raw(g.pick(["{plan}", "{plan} Plan", "Choice {plan}", "{plan} - Gold", "{plan} Silver 3500", "Network: {plan}"]))
    d.blank()
    nm = name_forms(p, g.choice(["First Last", "FIRST LAST", "First M. Last", "LAST, FIRST"]))
    pairs = [(g.pick(["Member:", "Member Name:", "Name:", "Subscriber:", "MEMBER:"]), nm),
             (g.pick(["Member ID:", "ID:", "ID#", "Identification Number:", "Member ID"]), "{member_id}"),
             (g.pick(["Group:", "Group No:", "GRP#", "Group Number:"]), "{group}")]
    if g.chance(0.7):
        pairs.append((g.pick(["DOB:", "Date of Birth:", "Birth Date:"]), fmt_date(p["birth_date"], d.dob_style)))
    if g.chance(0.6):
        pairs.append((g.pick(["Effective:", "Effective Date:", "Eff Date:", "Coverage Date:"]), d.date(d.dos - timedelta(days=g.randint(30, 900)))))
    if g.chance(0.5):
        pairs.append((g.pick(["PCP:", "Primary Care Physician:", "PCP Name:"]), "{doctor3}"))
    if g.chance(0.3):
        pairs.append(("Dependents:", "%02d %02d" % (g.randint(1, 3), g.randint(1, 4))))
    d.kv(pairs, cols=g.choice([1, 2]))
    d.blank()
    cop = [("PCP", g.choice([0, 10, 20, 25, 30, 35])), ("Specialist", g.choice([30, 40, 50, 60, 75])),
           ("Urgent Care", g.choice([50, 75, 100])), ("ER", g.choice([150, 250, 350, 500])),
           ("Rx", "%d/%d/%d" % (g.choice([5, 10, 15]), g.choice([30, 40, 45]), g.choice([60, 75, 90])))]
    if g.chance(0.7):
        d.raw(g.pick(["Copays:", "Office Copay", "COPAY", "Member cost share"]))
        d.raw("   ".join("%s $%s" % (a, b) if not isinstance(b, str) else "%s %s" % (a, b) for a, b in g.sample(cop, g.randint(3, 5))))
    if g.chance(0.6):
        d.raw("RxBIN %s   RxPCN %s   RxGRP %s" % (g.digits(6), g.pick(["ADV", "PCS", "RXA", "9999"]), g.pick(["RX%s" % g.digits(4), g.digits(5)])))
    if g.chance(0.3):
        d.raw(g.pick(["In-network deductible: $%d individual / $%d family" % ((dd := g.choice([500, 1000, 2500, 3500])), dd * 2),
                      "Coinsurance: %d%% after deductible" % g.choice([10, 20, 30])]))
    d.blank()
    if g.chance(0.5):
        d.raw(g.pick(["BACK", "Back of card", "CARD BACK", "[back]"]))
    d.raw(g.pick(["Member Services: {payer_phone}", "Customer Service {payer_phone}", "Questions? Call {payer_phone} (TTY 711)"]))
    d.raw(g.pick(["Provider Services / Eligibility: 1-877-555-01%02d" % g.randint(0, 99), "Providers call for eligibility: 1-866-555-01%02d" % g.randint(0, 99)]))
    d.raw(g.pick(["Precertification required for inpatient admissions: 1-888-555-01%02d" % g.randint(0, 99),
                  "Behavioral health: 1-800-555-01%02d" % g.randint(0, 99), "24/7 Nurse Line: 1-855-555-01%02d" % g.randint(0, 99)]))
    d.raw("%s: %s, %s" % (g.pick(["Submit claims to", "Medical Claims", "Send claims to"]), payer["name"],
                          addr_line(payer["address"]).replace(payer["address"]["street"], "PO Box %d" % g.randint(1000, 99999))))
    if g.chance(0.5):
        d.raw(g.pick(["Payer ID: %s" % g.digits(5), "EDI Payer ID %s" % g.digits(5)]))
    if g.chance(0.6):
        d.raw(g.pick(["This card does not guarantee coverage or payment. Present this card when you receive care.",
                      "Possession of this card does not guarantee eligibility for benefits.",
                      "In an emergency go to the nearest emergency room or call 911.",
                      "Show this card to your provider at each visit. Misuse may result in loss of coverage."]))
    if g.chance(0.3):
        d.raw(g.pick(["Copy of card scanned by registration %s" % d.date(d.dos), "Scanned %s  Reg Clerk: %s" % (d.date(d.dos), d.c["nurse_short"])]))
    d.no_finalize = True


@template("insurance", weight=2)
def ins_eligibility(d):
    g = d.g
    payer = ins_ctx(d)
    std_header(d, g.pick(["Date of Service:", "Verification Date:", "Date:"]), None,
               ["INSURANCE VERIFICATION FORM", "Eligibility and Benefits Verification", "ELIGIBILITY RESPONSE", "Insurance Verification Worksheet",
                "Benefits Verification", "COVERAGE VERIFICATION", None])
    d.kv([(g.pick(["Payer:", "Insurance Company:", "Primary Insurance:", "Carrier:"]), "{payer}"),
          (g.pick(["Plan:", "Plan Type:", "Product:"]), "{plan}"),
          (g.pick(["Member ID:", "Subscriber ID:", "Policy #:", "ID #:"]), "{member_id}"),
          (g.pick(["Group #:", "Group Number:"]), "{group}"),
          (g.pick(["Subscriber:", "Policy Holder:", "Insured:"]), g.pick(["Self", "Spouse", "Parent", "Self"])),
          (g.pick(["Relationship to Insured:", "Relationship:"]), g.pick(["Self", "Spouse", "Child", "Self"])),
          (g.pick(["Coverage Status:", "Eligibility:", "Status:"]), g.pick(["Active", "ACTIVE COVERAGE", "Active", "Inactive as of %s" % d.date(d.dos)])),
          (g.pick(["Plan Begin:", "Effective Date:", "Coverage Start:"]), d.date(date(d.dos.year, 1, 1))),
          (g.pick(["Plan End:", "Term Date:"]), g.pick(["12/31/%d" % d.dos.year, "None", "N/A"]))])
    d.blank()
    ded = g.choice([500, 1000, 1500, 2500, 3000, 6000])
    met = g.randint(0, ded)
    oop = g.choice([3000, 4500, 6000, 7900, 8700])
    rows = [["Deductible (individual)", "$%d" % ded, "$%d" % met, "$%d" % (ded - met)],
            ["Deductible (family)", "$%d" % (ded * 2), "$%d" % (met + g.randint(0, ded)), ""],
            ["Out-of-pocket max", "$%d" % oop, "$%d" % g.randint(min(met, oop), oop), ""]]
    d.raw(g.pick(["Benefits (in-network)", "BENEFIT SUMMARY", "Accumulators", "Deductible / Out of Pocket"]))
    d.table(["Benefit", "Amount", "Met", "Remaining"], rows)
    d.blank()
    d.kv([("Office visit copay:", "$%d" % g.choice([20, 25, 30, 40])), ("Specialist copay:", "$%d" % g.choice([40, 50, 60])),
          ("Coinsurance:", "%d%%" % g.choice([10, 20, 30])), ("Inpatient:", g.pick(["Covered after deductible, precert required", "$500 per admission"])),
          ("Outpatient imaging:", g.pick(["Prior authorization required for CT/MRI/PET", "Covered 80% after deductible"])),
          ("Out-of-network:", g.pick(["Not covered except emergencies", "50% after separate deductible"]))], cols=1)
    d.blank()
    d.kv([(g.pick(["Verified by:", "Verified with:", "Rep name:"]), g.pick(["Payer portal", "Phone rep " + g.choice(GIVEN_F + GIVEN_M), "Electronic 270/271"])),
          (g.pick(["Reference #:", "Call Ref #:", "Confirmation #:"]), g.digits(10)),
          (g.pick(["Verified by (staff):", "Registrar:"]), d.c["nurse_short"]), ("Date/Time:", d.dt(d.dos))])
    if g.chance(0.5):
        d.sec(["Notes", "Comments"], g.pick(["Patient advised of estimated responsibility. Payment plan offered.", "Secondary: none reported.",
                                             "Coordination of benefits questionnaire sent.", "Referral required from PCP; referral on file."]))


@template("insurance", weight=2)
def ins_eob(d):
    g = d.g
    payer = ins_ctx(d)
    d.letterhead(payer, style=g.pick(["full", "name_addr", "name_only"]))
    d.set_title(["EXPLANATION OF BENEFITS", "Explanation of Benefits", "EOB - THIS IS NOT A BILL", "Your Claim Summary", "MEMBER CLAIM STATEMENT", "Explanation of Benefits (EOB)"])
    if g.chance(0.6):
        d.raw("THIS IS NOT A BILL")
        d.blank()
    p = d.p
    d.kv([(g.pick(["Member:", "Patient:", "Member Name:"]), name_forms(p, g.choice(["First Last", "FIRST LAST", "LAST, FIRST"]))),
          (g.pick(["Member ID:", "ID Number:"]), "{member_id}"), ("Group:", "{group}"),
          (g.pick(["Claim #:", "Claim Number:", "Claim ID:"]), g.digits(12)),
          (g.pick(["Provider:", "Provider Name:", "Service Provider:"]), d.org["name"] if d.org else "{doctor}"),
          (g.pick(["Date Processed:", "Processed:", "Statement Date:"]), d.date(d.dos + timedelta(days=g.randint(10, 60)))),
          (g.pick(["Patient Account #:", "Patient Acct:"]), p["account"]) if g.chance(0.5) else None])
    d.blank()
    rows = []
    tb = ta = tp = tr = 0
    for code, desc, price in g.sample(CPT_POOL, g.randint(2, 6)):
        billed = price * g.uniform(0.9, 1.6)
        allowed = billed * g.uniform(0.35, 0.8)
        ded = g.choice([0, 0, allowed * 0.3, allowed])
        coins = (allowed - ded) * g.choice([0, 0.1, 0.2])
        paid = allowed - ded - coins
        resp = ded + coins
        rows.append([d.date(d.dos) if g.chance(0.5) else fmt_date(d.dos, "mdy"), code if g.chance(0.5) else "%s %s" % (code, desc[:22]),
                     "%.2f" % billed, "%.2f" % allowed, "%.2f" % paid, "%.2f" % resp, g.pick(["", "", "PR1", "CO45", "A1", "PR2"])])
        tb, ta, tp, tr = tb + billed, ta + allowed, tp + paid, tr + resp
    d.table([g.pick(["Date", "Service Date", "DOS"]), g.pick(["Service", "Procedure", "Code"]), g.pick(["Billed", "Charged", "Amount Billed"]),
             g.pick(["Allowed", "Plan Allowance", "Approved"]), g.pick(["Plan Paid", "Paid", "We Paid"]),
             g.pick(["You Owe", "Patient Resp", "Your Share"]), "Remark"], rows, right=(2, 3, 4, 5))
    d.raw("TOTALS   %.2f   %.2f   %.2f   %.2f" % (tb, ta, tp, tr))
    d.blank()
    d.raw(g.pick(["Remark codes:", "Explanation of remark codes:", "Notes:"]))
    for rc in g.some(["PR1 - Deductible amount applied to your plan year deductible.", "CO45 - Charges exceed the contracted fee; the provider may not bill you for this amount.",
                      "PR2 - Coinsurance amount.", "A1 - Claim adjusted per your benefit plan.", "N130 - Consult plan benefit documents for information about restrictions."], 2, 4):
        d.raw(rc)
    d.blank()
    d.raw(g.pick(["Your deductible: $%d met of $%d for %d." % (g.randint(0, 1500), g.choice([1500, 2000, 3000]), d.dos.year),
                  "Out-of-pocket: $%d applied toward your $%d annual maximum." % (g.randint(100, 3000), g.choice([4000, 6000, 8000]))]))
    d.raw(g.pick(["If you disagree with this decision you have the right to appeal within 180 days of receiving this notice. Call {payer_phone}.",
                  "APPEAL RIGHTS: You may request a review by writing to the address above within 180 days. You may also request an external review.",
                  "Keep this statement for your records. If you have questions, call Member Services at {payer_phone}."]))


@template("insurance", weight=1.5)
def ins_claim_form(d):
    g = d.g
    payer = ins_ctx(d)
    p = d.p
    d.set_title(["HEALTH INSURANCE CLAIM FORM", "CLAIM FORM - PROFESSIONAL", "Insurance Claim", "HEALTH INSURANCE CLAIM FORM (1500)"])
    if g.chance(0.5):
        d.raw("Carrier: {payer}  -  %s" % addr_line(payer["address"]))
    d.blank()
    fields = [("1. Insurance type:", g.pick(["Group Health Plan", "Medicare", "Medicaid", "Other"])),
              ("1a. INSURED'S I.D. NUMBER", "{member_id}"),
              ("2. PATIENT'S NAME (Last, First, MI)", name_forms(p, "LAST, FIRST M")),
              ("3. PATIENT'S BIRTH DATE / SEX", "%s  %s" % (fmt_date(p["birth_date"], "mdY"), p["sex"])),
              ("4. INSURED'S NAME", g.pick(["SAME", name_forms(p, "LAST, FIRST")])),
              ("5. PATIENT'S ADDRESS", addr_line(p["address"])),
              ("6. PATIENT RELATIONSHIP TO INSURED", g.pick(["Self", "Spouse", "Child"])),
              ("11. INSURED'S POLICY GROUP OR FECA NUMBER", "{group}"),
              ("11c. INSURANCE PLAN NAME", "{payer}"),
              ("12. PATIENT'S SIGNATURE", "Signature on File"),
              ("17. NAME OF REFERRING PROVIDER", "{doctor2}"),
              ("21. DIAGNOSIS (ICD Ind. 0)", "  ".join("%s. %s" % (chr(65 + i), c) for i, (c, _) in enumerate(g.sample(ICD_POOL, g.randint(1, 4))))),
              ("23. PRIOR AUTHORIZATION NUMBER", g.pick(["", "PA%s" % g.digits(8)]))]
    d.kv(fields, cols=1)
    d.blank()
    d.raw("24. A. DATE(S) OF SERVICE   B. POS   D. CPT/HCPCS   MOD   E. DX PTR   F. CHARGES   G. UNITS   J. RENDERING NPI")
    tot = 0
    for code, desc, price in g.sample(CPT_POOL, g.randint(1, 5)):
        amt = price * g.uniform(1.0, 1.4)
        tot += amt
        d.raw("   %s   %s   %s   %s   %s   %.2f   %d   %s" % (fmt_date(d.dos, "mdy"), g.pick(["11", "22", "23", "21"]), code, g.pick(["", "25", "59", "RT"]),
                                                         g.pick(["A", "AB", "B"]), amt, 1, d.clin[0]["npi"]))
    d.blank()
    d.kv([("25. FEDERAL TAX I.D. NUMBER", "%s-%s" % (g.digits(2), g.digits(7))), ("26. PATIENT'S ACCOUNT NO.", p["account"]),
          ("28. TOTAL CHARGE", "$%.2f" % tot), ("29. AMOUNT PAID", "$0.00"),
          ("31. SIGNATURE OF PHYSICIAN OR SUPPLIER", "{doctor}"), ("32. SERVICE FACILITY LOCATION", d.org["name"] if d.org else ""),
          ("33. BILLING PROVIDER INFO & PH #", "%s %s" % (d.org["name"] if d.org else "", d.org["phone"] if d.org else ""))], cols=1)


@template("insurance", weight=2)
def ins_prior_auth(d):
    g = d.g
    payer = ins_ctx(d)
    kind = g.pick(["request", "approval", "denial"])
    code, desc, _ = g.choice(CPT_POOL)
    icd = g.choice(ICD_POOL)
    if kind == "request":
        if g.chance(0.8):
            d.letterhead()
        d.set_title(["PRIOR AUTHORIZATION REQUEST", "Precertification Request Form", "Pre-Service Authorization Request", "REQUEST FOR PRIOR APPROVAL"])
        d.patient(g.pick(["Requested Date of Service:", "Planned DOS:", "Date:"]))
        d.kv([("Health plan:", "{payer}"), ("Member ID:", "{member_id}"), ("Requesting provider:", "{doctor}"), ("NPI:", d.clin[0]["npi"]),
              ("Phone:", d.org["phone"] if d.org else ""), ("Fax:", d.org["fax"] if d.org else ""),
              ("Service requested:", "%s - %s" % (code, desc)), ("Diagnosis:", "%s %s" % icd),
              ("Setting:", g.pick(["Outpatient", "Inpatient", "Office", "Ambulatory surgery center"])),
              ("Units/visits:", str(g.randint(1, 12))), ("Urgency:", g.pick(["Standard", "Urgent/expedited"]))], cols=g.choice([1, 2]))
        d.sec(["Clinical justification", "Clinical information", "Medical necessity"], g.pick([
            "Symptoms for more than 6 weeks despite physical therapy and NSAIDs. Neurologic deficit on exam. Imaging will change management.",
            "Abnormal screening study; diagnostic evaluation required per guidelines.",
            "Failed two formulary alternatives (documented intolerance). Requesting non-formulary agent.",
            "Progressive symptoms; conservative therapy exhausted; surgical candidate."]))
        d.raw("Attach: office notes, imaging reports, prior treatment history.")
        d.raw("Provider signature: ____________________  Date: %s" % d.date(d.dos))
    else:
        d.letterhead(payer)
        d.raw(d.date(d.dos + timedelta(days=g.randint(1, 10))))
        d.blank()
        d.raw(name_forms(d.p, "First M. Last"))
        d.raw(d.p["address"]["street"])
        d.raw("%s, %s %s" % (d.p["address"]["city"], d.p["address"]["state"], d.p["address"]["zip"]))
        d.blank()
        d.kv([(g.pick(["Member:", "Member Name:", "Patient:"]), name_forms(d.p, g.choice(["First Last", "LAST, FIRST"]))),
              ("Member ID:", "{member_id}"), ("Authorization #:", "%s%s" % (g.pick(["A", "AUTH", "PA"]), g.digits(9))),
              ("Service:", "%s %s" % (code, desc)), ("Provider:", "{doctor}")], cols=1)
        d.blank()
        if kind == "approval":
            d.set_title(["Notice of Approval", "AUTHORIZATION APPROVED", "Prior Authorization Determination: Approved", None])
            d.raw("We have approved the request for the service listed above. This approval is valid from %s through %s for %d unit(s)."
                  % (d.date(d.dos), d.date(d.dos + timedelta(days=90)), g.randint(1, 12)))
            d.raw("Approval is not a guarantee of payment. Benefits are subject to eligibility and plan terms on the date of service, including deductibles and copayments.")
        else:
            d.set_title(["Notice of Adverse Benefit Determination", "AUTHORIZATION DENIED", "Coverage Denial Letter", None])
            d.raw("We reviewed the request for the service listed above and have determined it is not medically necessary under your plan.")
            d.raw("Reason: " + g.pick(["The records do not show a trial of conservative treatment for at least six weeks.",
                                        "The requested service is considered experimental or investigational.",
                                        "A less costly alternative is available."]))
            d.raw("The criteria used: %s Clinical Policy %s. You or your provider may request a copy free of charge." % (payer["name"], g.digits(4)))
            d.raw("YOUR RIGHT TO APPEAL: You may appeal within 180 days. Your provider may request a peer-to-peer discussion by calling {payer_phone}. "
                  "If your health is in serious jeopardy you may request an expedited appeal.")
        d.blank()
        d.raw("Sincerely,")
        d.raw("Utilization Management Department")
        d.raw("{payer}")
        if g.chance(0.5):
            d.raw("cc: {doctor}")


@template("insurance", weight=0.8, splits=("test",))
def ins_abn(d):
    g = d.g
    d.letterhead()
    d.set_title(["ADVANCE BENEFICIARY NOTICE OF NONCOVERAGE (ABN)", "Advance Beneficiary Notice"])
    d.patient("Date:", style="lines")
    d.raw("NOTE: If Medicare doesn't pay for the items or services below, you may have to pay.")
    d.raw("Medicare does not pay for everything, even some care that you or your health care provider have good reason to think you need.")
    code, desc, price = g.choice(CPT_POOL)
    d.table(["Items or Services", "Reason Medicare May Not Pay", "Estimated Cost"],
            [[desc, g.pick(["Frequency limit exceeded", "Not medically necessary for diagnosis", "Screening not covered"]), "$%.2f" % (price * 1.1)]])
    d.raw("OPTIONS: Check only one box.")
    d.raw("[ ] OPTION 1. I want the service listed above. You may ask to be paid now, but I also want Medicare billed for an official decision on payment.")
    d.raw("[ ] OPTION 2. I want the service listed above, but do not bill Medicare. I am responsible for payment.")
    d.raw("[ ] OPTION 3. I don't want the service listed above. I am not responsible for payment and I cannot appeal to see if Medicare would pay.")
    d.raw("Signature: ______________________   Date: __________")


@template("insurance", weight=1, splits=("test",))
def ins_cob(d):
    g = d.g
    payer = ins_ctx(d)
    d.letterhead(payer)
    d.set_title(["COORDINATION OF BENEFITS QUESTIONNAIRE", "Other Insurance Information Request"])
    d.patient(style="lines")
    d.raw("Member ID: {member_id}")
    d.raw("To process claims correctly we need to know if you have other health coverage. Please answer and return within 30 days or claims may be denied.")
    for q in ["Do you or your dependents have other health insurance? [ ] Yes [ ] No", "Name of other insurance company: ______________________",
              "Policy holder name and date of birth: ______________________", "Is the other coverage through an employer? [ ] Yes [ ] No",
              "Are you enrolled in Medicare Part A or B? [ ] Yes [ ] No", "Was the treatment related to an accident? [ ] Auto [ ] Work [ ] Other [ ] No"]:
        d.raw(q)
    d.raw("Return to: {payer}, Coordination of Benefits Unit, %s" % addr_line(payer["address"]))


# --------------------------------------------------------------------------
# Medication records
# --------------------------------------------------------------------------

MAR_MEDS = [("Heparin", "5,000 units", "SC", "q8h", ["0600", "1400", "2200"]), ("Enoxaparin", "40 mg", "SC", "daily", ["0900"]),
            ("Ceftriaxone", "1 g", "IV", "q24h", ["1000"]), ("Piperacillin-tazobactam", "3.375 g", "IV", "q8h", ["0600", "1400", "2200"]),
            ("Vancomycin", "1,250 mg", "IV", "q12h", ["0900", "2100"]), ("Furosemide", "40 mg", "IV", "BID", ["0900", "1700"]),
            ("Metoprolol tartrate", "25 mg", "PO", "BID", ["0900", "2100"]), ("Lisinopril", "10 mg", "PO", "daily", ["0900"]),
            ("Atorvastatin", "40 mg", "PO", "HS", ["2100"]), ("Pantoprazole", "40 mg", "PO", "daily AC", ["0730"]),
            ("Insulin glargine", "18 units", "SC", "HS", ["2100"]), ("Insulin lispro", "per scale", "SC", "AC & HS", ["0730", "1130", "1630", "2100"]),
            ("Levothyroxine", "50 mcg", "PO", "daily", ["0600"]), ("Docusate", "100 mg", "PO", "BID", ["0900", "2100"]),
            ("Senna", "8.6 mg", "PO", "HS", ["2100"]), ("Acetaminophen", "650 mg", "PO", "q6h PRN pain", []),
            ("Oxycodone", "5 mg", "PO", "q4h PRN severe pain", []), ("Ondansetron", "4 mg", "IV", "q6h PRN nausea", []),
            ("Albuterol", "2.5 mg", "NEB", "q4h PRN wheeze", []), ("Potassium chloride", "20 mEq", "PO", "daily", ["0900"]),
            ("Aspirin", "81 mg", "PO", "daily", ["0900"]), ("Apixaban", "5 mg", "PO", "BID", ["0900", "2100"]),
            ("Sodium chloride 0.9%", "75 mL/hr", "IV", "continuous", []), ("Prednisone", "40 mg", "PO", "daily", ["0900"]),
            ("Magnesium oxide", "400 mg", "PO", "BID", ["0900", "2100"]), ("Melatonin", "3 mg", "PO", "HS PRN sleep", []),
            ("Famotidine", "20 mg", "PO", "BID", ["0900", "2100"]), ("Tamsulosin", "0.4 mg", "PO", "daily after supper", ["1800"])]
MAR_CODES = ["H - held", "R - refused", "NPO - patient NPO", "NA - not available", "S - sleeping", "O - other, see note"]


def _inits(g, n=4):
    return ["".join(g.sample("ABCDEFGHJKLMNPRSTW", 2)) for _ in range(n)]


@template("medication_record", weight=3)
def med_mar(d):
    g = d.g
    std_header(d, g.pick(["Admit Date:", "Admission:", "Date:"]),
               [(g.pick(["Allergies:", "ALLERGIES:"]), g.pick(ALLERGY_POOL).rstrip(".")), (g.pick(["Unit/Room:", "Room:", "Location:"]), "%s-%d" % (g.pick(["4W", "5N", "3E", "ICU", "6S"]), g.randint(1, 40)))],
               ["MEDICATION ADMINISTRATION RECORD", "MAR", "Medication Administration Record (MAR)", "24-HOUR MAR", "eMAR Summary",
                "Scheduled and PRN Medication Record", "NURSING MEDICATION RECORD", None])
    days = [d.dos + timedelta(days=i) for i in range(g.randint(1, 3))]
    d.raw("%s %s%s" % (g.pick(["Period:", "Dates:", "For:"]), fmt_date(days[0], "mdy"), (" - " + fmt_date(days[-1], "mdy")) if len(days) > 1 else ""))
    ini = _inits(g)
    sched = [m for m in MAR_MEDS if m[4]]
    prn = [m for m in MAR_MEDS if not m[4]]
    d.blank()
    d.raw(g.pick(["SCHEDULED MEDICATIONS", "Scheduled", "ROUTINE ORDERS"]))
    layout = g.pick(["grid", "rows"])
    chosen = g.sample(sched, g.randint(4, 8))
    if layout == "grid":
        heads = ["Medication", "Dose", "Route", "Freq"] + [fmt_date(x, "mdy")[:5] for x in days]
        rows = []
        for m in chosen:
            cells = []
            for _ in days:
                cells.append(" ".join("%s %s" % (t, g.choice(ini) if g.chance(0.85) else g.choice(["H", "R", "NPO"])) for t in m[4]))
            rows.append([m[0], m[1], m[2], m[3]] + cells)
        d.table(heads, rows)
    else:
        for m in chosen:
            d.raw("%s %s %s %s   Start: %s" % (m[0].upper() if g.chance(0.5) else m[0], m[1], m[2], m[3], fmt_date(days[0] - timedelta(days=g.randint(0, 4)), "mdy")))
            for day in days:
                d.raw("    %s: %s" % (fmt_date(day, "mdy")[:5], "  ".join("%s %s" % (t, g.choice(ini) if g.chance(0.85) else g.choice(["HELD", "REFUSED"])) for t in m[4])))
    d.blank()
    d.raw(g.pick(["PRN MEDICATIONS", "As Needed (PRN)", "PRN ORDERS"]))
    for m in g.sample(prn, g.randint(2, 4)):
        given = ", ".join("%s %s %s" % (fmt_date(g.choice(days), "mdy")[:5], "%02d%02d" % (g.randint(0, 23), g.choice([0, 10, 20, 30, 45])), g.choice(ini))
                          for _ in range(g.randint(0, 3))) or "not given"
        d.raw("%s %s %s %s - given: %s" % (m[0], m[1], m[2], m[3], given))
        if given != "not given" and g.chance(0.5):
            d.raw("   Reason: %s   Effect: %s" % (g.pick(["pain 6/10", "nausea", "wheezing", "insomnia", "pain 4/10"]), g.pick(["relieved", "improved", "pain 2/10 at 1 hr", "effective"])))
    if g.chance(0.6):
        d.blank()
        d.raw("Codes: " + "; ".join(g.sample(MAR_CODES, 4)))
    d.blank()
    d.raw(g.pick(["Initials / Signature / Title", "Nurse signatures:", "INITIALS KEY"]))
    for i in ini:
        c = g.choice(CLINICIANS)
        d.raw("%s  %s %s, %s" % (i, c["given"], c["family"], g.choice(NURSE_CREDS)))
    if g.chance(0.4):
        d.raw(g.pick(["Pharmacist verified: %s, PharmD" % d.c["doc4_short"].replace("Dr. ", ""), "Reviewed at 24-hour chart check."]))


@template("medication_record", weight=2)
def med_list(d):
    """Home medication list / medication reconciliation."""
    g = d.g
    recon = g.chance(0.6)
    std_header(d, g.pick(["Date:", "Admission Date:", "Visit Date:", "Date Reviewed:"]), None,
               (["MEDICATION RECONCILIATION", "Admission Medication Reconciliation", "Discharge Medication Reconciliation",
                 "MEDICATION RECONCILIATION FORM", "Med Rec", "Transfer Medication Reconciliation"] if recon else
                ["CURRENT MEDICATION LIST", "Home Medication List", "MEDICATION LIST", "Outpatient Medications", "Active Medications",
                 "My Medication List", "MEDICATION PROFILE"]))
    d.kv([(g.pick(["Allergies:", "Drug Allergies:"]), g.pick(ALLERGY_POOL)),
          (g.pick(["Source of information:", "History obtained from:", "Source:"]), g.pick(["Patient", "Pharmacy fill history", "Family member", "Outside records", "Patient and pill bottles"])) if g.chance(0.7) else None,
          (g.pick(["Pharmacy:", "Preferred Pharmacy:"]), "%s Pharmacy, %s" % (g.choice(PLACES), make_phone(g.rng))) if g.chance(0.5) else None,
          ("Weight:", "%d kg" % g.randint(40, 130)) if g.chance(0.4) else None])
    d.blank()
    meds = g.sample(MED_POOL, g.randint(5, 11))
    if recon:
        heads = [g.pick(["Home Medication", "Medication", "Prior to Admission Medication"]), g.pick(["Dose/Route/Freq", "Sig", "Instructions"]),
                 g.pick(["Last Dose", "Last Taken"]), g.pick(["Action", "Admission Decision", "Discharge Plan"])]
        rows = []
        for n, dose, fr in meds:
            rows.append([n, "%s %s" % (dose, fr), g.pick(["today AM", "yesterday", fmt_date(d.dos, "mdy")[:5], "unknown", "this morning"]),
                         g.pick(["Continue", "Continue", "Hold", "Discontinue", "Change dose", "Resume at discharge"])])
        d.table(heads, rows)
        d.blank()
        d.raw(g.pick(["NEW MEDICATIONS STARTED:", "New this admission:", "Added:"]))
        for m in g.sample(MED_POOL, g.randint(1, 3)):
            d.raw("  %s %s %s" % m)
        d.blank()
        d.raw(g.pick(["Reconciled by: %s   Date/Time: %s", "Completed by %s on %s"]) % (g.pick(["{doctor}", "{nurse}", "{doc4_short}, PharmD"]), d.dt(d.dos)))
        if g.chance(0.6):
            d.raw("Reviewed with patient: [X] Yes  Copy given to patient: [X] Yes")
    else:
        style = g.pick(["table", "lines", "numbered"])
        if style == "table":
            d.table([g.pick(["Medication", "Drug Name", "Name"]), g.pick(["Strength", "Dose"]), g.pick(["How to take", "Directions", "Frequency"]),
                     g.pick(["Reason", "For", "Indication"]), g.pick(["Prescriber", "Ordered by"])],
                    [[n, dose, fr, g.pick(["blood pressure", "diabetes", "cholesterol", "heart", "stomach", "thyroid", "pain", "mood", "breathing", "sleep"]),
                      dr_short(g.choice(CLINICIANS))] for n, dose, fr in meds])
        elif style == "lines":
            for n, dose, fr in meds:
                d.raw("%s %s - Take %s. Started %s." % (n, dose, fr, d.date(d.dos - timedelta(days=g.randint(10, 2000)))))
        else:
            d.items(None, ["%s %s %s (%s)" % (n, dose, fr, g.pick(["Rx", "OTC", "Rx", "Rx"])) for n, dose, fr in meds], numbered="1.")
        d.blank()
        if g.chance(0.5):
            d.raw(g.pick(["Supplements/OTC: fish oil, multivitamin.", "OTC: ibuprofen occasionally.", "No herbal supplements."]))
        d.raw(g.pick(["Bring this list to every appointment. Tell your doctor about any changes.", "List reviewed and updated by {nurse}.",
                      "Last updated: %s" % d.date(d.dos), "Medication list printed for patient."]))


@template("medication_record", weight=2, min_len=550)
def med_rx(d):
    """Prescription(s) as printed/scanned."""
    g = d.g
    org = g.choice(PRACTICES) if g.chance(0.6) else d.org
    d.letterhead(org, style=g.pick(["full", "name_addr", "name_only"]))
    d.raw(g.pick(["{doctor}", "{doctor}  NPI %s" % d.clin[0]["npi"], "{doctor}   DEA %s%s" % (g.choice("ABFM"), g.digits(7))]))
    d.blank()
    p = d.p
    d.kv([(g.pick(["Patient:", "Name:", "Patient Name:"]), name_forms(p, g.choice(NAME_FORMS))), (g.pick(["DOB:", "Date of Birth:"]), fmt_date(p["birth_date"], d.dob_style)),
          ("Address:", addr_line(p["address"])) if g.chance(0.5) else None, (g.pick(["Date:", "Date Written:"]), d.date(d.dos)),
          (g.pick(["MRN:", "Chart #:"]), p["mrn"]) if g.chance(0.6) else None], cols=g.choice([1, 2]))
    d.blank()
    n = g.choice([1, 1, 2, 3])
    for i in range(n):
        name, dose, fr = g.choice(MED_POOL)
        d.raw(g.pick(["Rx", "Rx:", "R/", "PRESCRIPTION"]) + ("  %d." % (i + 1) if n > 1 else ""))
        d.raw("%s %s %s" % (name, dose, g.pick(["tablet", "capsule", "tab", ""])))
        d.raw(g.pick(["Sig: ", "SIG: ", "Directions: ", "Take: "]) + g.pick(["Take 1 by mouth %s", "1 tab po %s", "Take one %s with water", "Use %s"]) % fr)
        d.raw(g.pick(["Disp: #%d (%s)", "Dispense: %d %s", "Qty: %d  (%s)"]) % ((q := g.choice([30, 60, 90, 14, 20])), {30: "thirty", 60: "sixty", 90: "ninety", 14: "fourteen", 20: "twenty"}[q]))
        d.raw(g.pick(["Refills: %d", "Refill x %d", "RF: %d"]) % g.randint(0, 5))
        d.raw(g.pick(["[ ] Dispense as written  [X] Substitution permitted", "Generic substitution allowed", "DAW: No", "Substitution permitted: Yes"]))
        d.blank()
    d.raw(g.pick(["Prescriber signature: ____________________", "________________________ M.D.", "Electronically transmitted to pharmacy %s" % d.dt(d.dos)]))
    if g.chance(0.5):
        d.raw(g.pick(["Pharmacy: %s Pharmacy  Ph %s" % (g.choice(PLACES), make_phone(g.rng)), "Void if altered. Security features on back.",
                      "This prescription is valid for 12 months from the date written."]))
    if g.chance(0.5) and len(d.text()) < 900:
        d.blank()
        d.raw(g.pick(["Patient counseled on side effects and proper use.", "Drug interaction check completed; no significant interactions.",
                      "Allergies reviewed: " + g.pick(ALLERGY_POOL)]))
        d.raw("Prescriber phone: %s   Fax: %s" % (org["phone"], org["fax"]) if org else "")
    d.no_finalize = True


@template("medication_record", weight=1.5)
def med_anticoag(d):
    g = d.g
    std_header(d, "Date:", None, ["ANTICOAGULATION FLOW SHEET", "Warfarin Management Record", "Anticoagulation Clinic Log", "INR Monitoring Record"])
    d.kv([("Indication:", g.pick(["Atrial fibrillation", "DVT", "Mechanical aortic valve", "Pulmonary embolism"])),
          ("Goal INR:", g.pick(["2.0-3.0", "2.5-3.5"])), ("Tablet strength:", g.pick(["5 mg", "2.5 mg", "1 mg"])), ("Managed by:", "{doctor}")], cols=2)
    d.blank()
    rows = []
    for i in range(g.randint(6, 12)):
        inr = g.uniform(1.4, 3.9)
        wk = g.choice([17.5, 20, 22.5, 25, 27.5, 30, 32.5, 35])
        rows.append([d.date(d.dos + timedelta(days=7 * i)), "%.1f" % inr, "%.1f mg" % wk,
                     g.pick(["no change", "increase 10%", "decrease 10%", "hold x1", "no change", "no change"]),
                     d.date(d.dos + timedelta(days=7 * i + g.choice([7, 14, 28]))), g.choice(_inits(g, 3))])
    d.table([g.pick(["Date", "Visit"]), "INR", g.pick(["Weekly Dose", "Total Weekly Dose"]), g.pick(["Change", "Plan"]), g.pick(["Next INR", "Recheck"]), "By"], rows)
    d.blank()
    d.raw(g.pick(["Bleeding/bruising reviewed at each visit. Diet and new medications reviewed.", "Patient educated on vitamin K consistency."]))


@template("medication_record", weight=1, splits=("test",))
def med_iv_insulin(d):
    g = d.g
    std_header(d, "Date:", None, ["INSULIN ADMINISTRATION RECORD", "Sliding Scale Insulin Record", "Diabetic Flow Sheet"])
    d.raw("Insulin lispro correction scale (%s): 151-200: 2 u; 201-250: 4 u; 251-300: 6 u; 301-350: 8 u; >350: 10 u and call MD" % g.pick(["low dose", "moderate"]))
    rows = []
    for i in range(g.randint(8, 14)):
        bg = g.randint(80, 380)
        u = 0 if bg <= 150 else min(10, 2 * ((bg - 151) // 50 + 1))
        rows.append([fmt_date(d.dos + timedelta(days=i // 4), "mdy"), g.choice(["0730", "1130", "1630", "2100"]), str(bg), "%d units" % u if u else "none",
                     g.choice(["abd L", "abd R", "arm L", "thigh R"]) if u else "-", g.choice(_inits(g, 3))])
    d.table(["Date", "Time", "BG", "Insulin given", "Site", "RN"], rows)


@template("medication_record", weight=1)
def med_controlled(d):
    g = d.g
    std_header(d, "Date:", None, ["PRN PAIN MEDICATION RECORD", "Controlled Substance Administration Record", "Opioid Administration Log",
                                  "PCA FLOW SHEET"])
    drug = g.pick(["Hydromorphone 0.5 mg IV", "Oxycodone 5 mg PO", "Morphine 2 mg IV", "Hydrocodone/APAP 5/325 mg PO"])
    d.raw("Order: %s %s PRN pain" % (drug, g.pick(["q3h", "q4h", "q6h"])))
    rows = []
    for i in range(g.randint(6, 12)):
        pre = g.randint(4, 9)
        rows.append([fmt_date(d.dos + timedelta(days=i // 5), "mdy"), "%02d%02d" % (g.randint(0, 23), g.choice([0, 15, 30, 45])), drug.split(" ")[0],
                     "%d/10" % pre, "%d/10" % max(0, pre - g.randint(1, 5)), g.pick(["3", "2", "1"]), g.choice(_inits(g, 3))])
    d.table(["Date", "Time", "Drug", "Pain before", "Pain 1h after", "Sedation (POSS)", "RN"], rows)
    d.raw("Waste witnessed: %s / %s" % tuple(_inits(g, 2)))


@template("medication_record", weight=1)
def med_immunization(d):
    g = d.g
    std_header(d, "Date:", None, ["IMMUNIZATION RECORD", "Vaccine Administration Record", "Immunization History"])
    rows = []
    for v in g.sample(["Influenza (IIV4)", "Tdap", "Td", "Hepatitis B #1", "Hepatitis B #2", "Pneumococcal PCV20", "Zoster (RZV) #1",
                       "Zoster (RZV) #2", "MMR", "Varicella", "HPV #1", "COVID-19 mRNA", "Hepatitis A"], g.randint(5, 9)):
        rows.append([v, d.date(d.dos - timedelta(days=g.randint(0, 3000))), g.pick(["IM", "SC"]), g.choice(["L deltoid", "R deltoid", "L thigh"]),
                     "%s%s" % (g.choice("ABCDEFGHJK"), g.digits(5)), g.pick(["Sanofi", "GSK", "Merck", "Pfizer", "Seqirus"]), g.choice(_inits(g, 3))])
    d.table(["Vaccine", "Date given", "Route", "Site", "Lot", "Mfr", "By"], rows)
    d.blank()
    d.raw("VIS provided for each vaccine. No immediate adverse reaction observed during 15 minute wait.")


# --------------------------------------------------------------------------
# Correspondence
# --------------------------------------------------------------------------

SPECIALTIES = ["cardiology", "gastroenterology", "orthopedics", "neurology", "pulmonology", "endocrinology", "dermatology",
               "urology", "rheumatology", "general surgery", "oncology", "nephrology", "ENT"]


COND_SPEC = {"pneumonia": ["pulmonology"], "chf": ["cardiology"], "copd": ["pulmonology"], "chestpain": ["cardiology"],
             "cellulitis": ["infectious disease", "dermatology"], "pyelo": ["urology", "nephrology"], "dka": ["endocrinology"],
             "appy": ["general surgery"], "gib": ["gastroenterology"], "stroke": ["neurology"], "syncope": ["cardiology", "neurology"],
             "afib": ["cardiology", "electrophysiology"], "asthma": ["pulmonology", "allergy and immunology"], "stone": ["urology"],
             "ankle": ["orthopedics", "podiatry"], "lac": ["plastic surgery"], "headache": ["neurology"], "backpain": ["orthopedics", "spine surgery", "physiatry"],
             "htn_fu": ["cardiology", "nephrology"], "dm_fu": ["endocrinology"], "depression": ["psychiatry", "behavioral health"],
             "otitis": ["ENT", "pediatric ENT"], "cholecystitis": ["general surgery", "gastroenterology"]}


def spec_for(d, cond):
    return d.g.choice(COND_SPEC.get(cond["key"], SPECIALTIES))


def letter_top(d, org=None, to=None, re_style=None):
    """Letterhead, date, inside address, RE line."""
    g = d.g
    org = org or (g.choice(PRACTICES) if g.chance(0.6) else d.org)
    d.org_letter = org
    if g.chance(0.25):
        d.patient(style=g.pick(["sticker", "inline", "twocol"]))   # chart label on the scanned letter
    d.letterhead(org, style=g.pick(["full", "full", "name_addr", "name_dept"]))
    d.raw(g.pick([d.date(d.dos), fmt_date(d.dos, "BdY"), fmt_date(d.dos, "BdY")]))
    d.blank()
    if to:
        for l in to:
            d.raw(l)
        d.blank()
    p = d.p
    re_style = re_style or g.pick(["re_dob", "re_lines", "re_inline", "re_mrn"])
    nm = name_forms(p, g.choice(["First Last", "First M. Last", "LAST, FIRST", "Last, First"]))
    dob = fmt_date(p["birth_date"], d.dob_style)
    if re_style == "re_dob":
        d.raw("%s %s   %s %s" % (g.pick(["RE:", "Re:", "Regarding:"]), nm, g.pick(["DOB:", "DOB", "Date of Birth:"]), dob))
    elif re_style == "re_lines":
        d.raw("%s %s" % (g.pick(["RE:", "Re:", "Patient:"]), nm))
        d.raw("%s %s" % (g.pick(["DOB:", "Date of Birth:"]), dob))
        if g.chance(0.6):
            d.raw("%s %s" % (g.pick(["MRN:", "Chart #:", "Med Rec #:"]), p["mrn"]))
    elif re_style == "re_inline":
        d.raw("RE: %s (DOB: %s)" % (nm, dob))
    else:
        d.raw("%s %s    %s %s    %s %s" % (g.pick(["RE:", "Patient:"]), nm, g.pick(["MRN:", "MR#:"]), p["mrn"], g.pick(["DOB:", "D.O.B.:"]), dob))
    if g.chance(0.4):
        d.raw("%s %s" % (g.pick(["Date of visit:", "Seen on:", "Date of Service:"]), d.date(d.dos - timedelta(days=g.randint(0, 14)))))
    d.blank()


def to_doctor(d, c=None):
    g = d.g
    c = c or d.clin[1]
    org = g.choice(PRACTICES + HOSPITALS)
    return [dr_full(c), org["name"], org["address"]["street"], "%s, %s %s" % (org["address"]["city"], org["address"]["state"], org["address"]["zip"])]


def to_patient(d):
    p = d.p
    return [name_forms(p, "First M. Last"), p["address"]["street"], "%s, %s %s" % (p["address"]["city"], p["address"]["state"], p["address"]["zip"])]


def closing(d, who="{doctor}", title=None):
    g = d.g
    d.blank()
    d.raw(g.pick(["Sincerely,", "Sincerely yours,", "Best regards,", "Kind regards,", "With best wishes,", "Respectfully,"]))
    d.blank()
    d.raw(who)
    if title:
        d.raw(title)
    if g.chance(0.4):
        d.raw(g.pick(["cc: {doctor3}", "cc: Patient", "cc: chart", "Enclosures: office note, laboratory results", "Enc: recent imaging report",
                      "cc: {doctor3}; patient"]))
    if g.chance(0.2):
        d.raw(g.pick(["%s/%s" % ("".join(x[0] for x in d.c["doctor"].split()[:2]).upper(), "".join(g.sample("abcdefghjkmnpr", 2))),
                      "Dictated but not read."]))


@template("correspondence", weight=3)
def corr_consult_letter(d):
    """Specialist's letter back to the referring physician."""
    g = d.g
    cond = pick_condition(d, "clinic")
    spec = spec_for(d, cond)
    c = d.clin[1]
    letter_top(d, to=to_doctor(d, c))
    d.raw(g.pick(["Dear %s:", "Dear %s,"]) % dr_short(c))
    d.blank()
    d.raw(g.pick(["Thank you for referring {pt} to our %s clinic. I saw {him} today for evaluation of ",
                  "I had the pleasure of seeing {Mr} {Last} in %s consultation on your referral regarding ",
                  "Thank you for asking me to see your patient, {First} {Last}, who was seen in the %s office today for ",
                  "As you know, {Mr} {Last} is a {ageword} {man} whom I saw today at your request in %s clinic for "]) % spec
          + dx_text(d, cond).lower() + ".")
    d.blank()
    d.raw(hpi_text(d, cond))
    d.blank()
    d.raw(g.pick(["On examination, ", "Today {his} exam showed ", "Examination: "]) + vitals_text(d, cond, "list") + " " +
          " ".join(b for a, b in exam_lines(d, cond, g.sample(list(EXAM_NORMAL), 2))))
    if cond["data"]:
        d.blank()
        d.raw(g.pick(["I reviewed the available studies: ", "Recent results: ", "Testing showed "]) + " ".join(d.f(x) for x in cond["data"]))
    d.blank()
    d.raw(g.pick(["My impression is ", "In summary, I believe {he} has ", "Impression: "]) + dx_text(d, cond).lower() + ". " +
          g.pick(["I have recommended the following: ", "My recommendations are: ", "We discussed the plan: "]) + " ".join(g.some(cond["plan"], 2, 4)))
    d.blank()
    d.raw(g.pick(["I will see {him} again in %s. Please do not hesitate to contact me with any questions." % g.pick(["three months", "six weeks", "one year"]),
                  "Thank you for allowing me to participate in {his} care. I will keep you informed of {his} progress.",
                  "I have asked {him} to follow up with you for ongoing primary care. Please call me with any concerns."]))
    closing(d, "{doctor}", g.pick([spec.capitalize(), "Division of %s" % spec.capitalize(), None]))


@template("correspondence", weight=2.5)
def corr_referral(d):
    """PCP referral letter to a specialist."""
    g = d.g
    cond = pick_condition(d, "clinic")
    spec = spec_for(d, cond)
    c = d.clin[1]
    letter_top(d, to=to_doctor(d, c) if g.chance(0.7) else ["%s Department" % spec.capitalize(), g.choice(HOSPITALS)["name"]])
    if g.chance(0.5):
        d.raw(g.pick(["REFERRAL", "Referral Letter", "Re: Referral for %s evaluation" % spec]))
        d.blank()
    d.raw(g.pick(["Dear %s," % dr_short(c), "Dear Colleague,", "Dear %s:" % dr_short(c), "To the %s team," % spec]))
    d.blank()
    d.raw(g.pick(["I am writing to refer my patient, {First} {Last}, for your opinion regarding ",
                  "I would be grateful if you could see {Mr} {Last}, a {ageword} {man} with ",
                  "Please see this pleasant {ageword} {man} for further evaluation and management of "]) + dx_text(d, cond).lower() + ".")
    d.blank()
    d.raw(hpi_text(d, cond))
    d.blank()
    d.raw(g.pick(["{His} past history includes ", "Other medical problems: ", "Relevant history: "]) + ", ".join(pmh(d, g.randint(1, 4))).lower() + ".")
    d.raw(g.pick(["Current medications: ", "{He} takes ", "Medications: "]) + "; ".join(meds_list(d, 2, 5)) + ". " + g.pick(["Allergies: ", "Allergic to: "]) + g.pick(ALLERGY_POOL))
    if cond["data"]:
        d.raw(g.pick(["Recent investigations: ", "Enclosed results: "]) + " ".join(d.f(x) for x in cond["data"]))
    d.blank()
    d.raw(g.pick(["I would appreciate your assessment and recommendations.", "Specifically, I would value your advice on further testing and treatment.",
                  "The patient is keen to be seen at your earliest convenience.", "I have enclosed my recent notes and results."]))
    closing(d)
    if g.chance(0.5):
        d.raw("Urgency: %s    Insurance referral #: %s" % (g.pick(["Routine", "Urgent (within 2 weeks)", "Routine"]), g.digits(8)))


@template("correspondence", weight=2.5, min_len=700)
def corr_patient_letter(d):
    """Letters to the patient: results, missed appointment, discharge from practice, return to work."""
    g = d.g
    kind = g.pick(["results_normal", "results_abnormal", "missed", "recall", "work", "dismiss", "welcome"])
    letter_top(d, to=to_patient(d))
    d.raw(g.pick(["Dear {Mr} {Last},", "Dear {First} {Last}:", "Dear {First},", "Dear Patient,"]))
    d.blank()
    if kind == "results_normal":
        test = g.pick(["blood tests", "mammogram", "colonoscopy biopsies", "chest x-ray", "cholesterol panel", "bone density scan", "Pap test"])
        d.raw(g.pick(["I am pleased to let you know that the results of your recent %s were normal.",
                      "This letter is to inform you that your %s showed no evidence of anything concerning.",
                      "Your recent %s results are back and are within normal limits."]) % test)
        d.blank()
        d.raw(g.pick(["No further action is needed at this time. We recommend repeating this test in %s." % g.pick(["one year", "two years", "three years", "five years"]),
                      "Please continue your current medications and healthy lifestyle.", "A copy of the report is enclosed for your records."]))
    elif kind == "results_abnormal":
        d.raw(g.pick(["Your recent laboratory tests showed a %s that needs follow-up.", "We have tried to reach you by phone about your results. Your test showed a %s."])
              % g.pick(["high cholesterol level (LDL 182)", "mildly elevated blood sugar (A1c 6.1%)", "low vitamin D level", "slightly low blood count",
                        "thyroid level that is out of range"]))
        d.blank()
        d.raw(g.pick(["Please call the office at %s to schedule a follow-up visit to discuss treatment options.",
                      "We recommend a repeat test in 3 months. An order has been placed; please visit the lab at your convenience. Questions: %s."])
              % (d.org_letter["phone"] if d.org_letter else "the number above"))
    elif kind == "missed":
        d.raw("Our records show that you missed your scheduled appointment on %s with {doctor}." % d.date(d.dos - timedelta(days=g.randint(2, 20))))
        d.raw(g.pick(["Regular follow-up is important for your health. Please call us to reschedule.",
                      "Please note that three missed appointments within 12 months may result in discharge from the practice.",
                      "If you have already rescheduled, please disregard this letter."]))
    elif kind == "recall":
        d.raw(g.pick(["Our records indicate that you are due for your %s.", "It is time to schedule your %s."]) % g.pick(["annual physical", "diabetes follow-up and A1c check", "screening colonoscopy", "annual eye exam", "medication review"]))
        d.raw("Please call %s or use the patient portal to book an appointment." % (d.org_letter["phone"] if d.org_letter else "our office"))
    elif kind == "work":
        d.set_title(["To Whom It May Concern:", "WORK/SCHOOL EXCUSE", "Return to Work Note"], underline=False)
        place, d1, d2 = g.pick(["work", "school", "full duty"]), d.date(d.dos), d.date(d.dos + timedelta(days=g.randint(1, 14)))
        if g.chance(0.5):
            d.raw("{First} {Last} was seen in our office on %s and may return to %s on %s." % (d1, place, d2))
        else:
            d.raw("Please excuse {First} {Last} from %s from %s through %s due to a medical condition." % (place, d1, d2))
        d.raw(g.pick(["Restrictions: no lifting over 10 pounds for two weeks.", "No restrictions.", "Light duty until cleared at follow-up.",
                      "May require frequent breaks."]))
    elif kind == "dismiss":
        d.raw("This letter is to inform you that, effective 30 days from the date of this letter, {doctor} will no longer be able to serve as your physician.")
        d.raw("We will continue to provide emergency care during the next 30 days. We recommend that you find another physician promptly. Copies of your records will be sent upon your written authorization.")
    else:
        d.raw("Welcome to %s! We look forward to caring for you." % (d.org_letter["name"] if d.org_letter else "our practice"))
        d.raw("Your first appointment is on %s at %s with {doctor}. Please arrive 15 minutes early and bring your insurance card, photo ID and all medications." % (
            d.date(d.dos + timedelta(days=g.randint(5, 40))), g.pick(["9:00 AM", "10:30 AM", "1:15 PM", "3:45 PM"])))
    d.blank()
    d.raw(g.pick(["If you have any questions please call our office.", "Please contact us with any questions or concerns.", ""]))
    closing(d, g.pick(["{doctor}", "{nurse}, on behalf of {doctor}", "The staff of %s" % (d.org_letter["name"] if d.org_letter else "the clinic")]))


@template("correspondence", weight=1.5)
def corr_appointment(d):
    g = d.g
    letter_top(d, to=to_patient(d), re_style=g.pick(["re_dob", "re_inline"]))
    d.set_title(["APPOINTMENT CONFIRMATION", "Appointment Reminder", "Your Upcoming Appointment", "APPOINTMENT NOTICE", None], underline=False)
    d.raw(g.pick(["Dear {First} {Last},", "Dear {Mr} {Last}:"]))
    d.blank()
    when = d.dos + timedelta(days=g.randint(3, 60))
    d.raw(g.pick(["This is to confirm your appointment:", "You are scheduled for the following appointment:", "We have scheduled you as follows:"]))
    d.kv([("Date:", fmt_date(when, "BdY")), ("Time:", g.pick(["8:15 AM", "9:30 AM", "11:00 AM", "1:45 PM", "2:30 PM", "4:00 PM"])),
          ("With:", "{doctor}"), ("Department:", g.choice(SPECIALTIES).capitalize() + " Clinic"),
          ("Location:", addr_line(d.org_letter["address"]) if d.org_letter else "Main campus"),
          ("Visit type:", g.pick(["New patient", "Follow-up", "Procedure", "Telehealth video visit"]))], cols=1)
    d.blank()
    for l in g.some(["Please arrive 15 minutes before your appointment time.", "Bring your insurance card, photo ID and a list of your medications.",
                     "If you need to cancel or reschedule, please call at least 24 hours in advance.", "Do not eat or drink after midnight before your procedure.",
                     "Parking is available in the visitor garage; bring your ticket for validation.", "Masks may be required in clinical areas.",
                     "If you need an interpreter, please let us know in advance."], 3, 5):
        d.raw(l)
    closing(d, g.pick(["Scheduling Department", "Patient Access Center", "{nurse}"]))


@template("correspondence", weight=1.5)
def corr_fax_clinical(d):
    """Fax cover sheet carrying a clinical message about a patient."""
    g = d.g
    org = g.choice(PRACTICES + HOSPITALS)
    d.letterhead(org, style=g.pick(["full", "name_addr"]))
    d.set_title(["FAX", "FACSIMILE TRANSMITTAL", "Fax Cover Sheet", "FAX TRANSMISSION", "Confidential Fax"])
    other = g.choice(PRACTICES + HOSPITALS)
    d.kv([("To:", dr_full(d.clin[1])), ("Fax:", other["fax"]), ("From:", "{doctor}"), ("Phone:", org["phone"]),
          ("Date:", d.date(d.dos)), ("Pages (incl. cover):", str(g.randint(2, 9))),
          ("Re:", "%s, DOB %s" % (name_forms(d.p, "First Last"), fmt_date(d.p["birth_date"], d.dob_style)))], cols=g.choice([1, 2]))
    d.blank()
    d.raw(g.pick(["[X] Urgent  [ ] For review  [ ] Please reply", "[ ] Urgent  [X] For review  [ ] Please comment", "URGENT"]))
    d.blank()
    d.raw(g.pick(["Message:", "Comments:", "Notes:"]))
    cond = pick_condition(d, "clinic")
    d.raw(g.pick(["Attached are the recent labs for our mutual patient. Potassium was 5.9 today; we have held lisinopril and will recheck in 48 hours. Please advise.",
                  "Please find enclosed the discharge summary and medication list. Patient needs follow-up in your clinic within 7 days for " + dx_text(d, cond).lower() + ".",
                  "Requesting records of the most recent colonoscopy and pathology for this patient, who is establishing care with us.",
                  "Patient seen today for " + dx_text(d, cond).lower() + ". " + " ".join(g.some(cond["plan"], 1, 2)) + " Please review the attached note.",
                  "Prior authorization paperwork and clinical notes attached for the requested MRI. Call with questions."]))
    d.blank()
    d.raw(g.pick(["CONFIDENTIALITY NOTICE: This facsimile contains protected health information that is privileged and confidential. If you are not the intended recipient, any review, disclosure, copying or distribution is prohibited. Please notify the sender immediately and destroy the documents.",
                  "The documents accompanying this fax contain confidential health information. If you received this fax in error, please call us immediately."]))
    d.no_finalize = True


@template("correspondence", weight=1, splits=("test",), min_len=550)
def corr_portal_message(d):
    g = d.g
    cond = pick_condition(d, "clinic")
    std_header(d, "Date:", None, ["PATIENT PORTAL MESSAGE", "MyChart Message Thread", "Secure Message"])
    d.kv([("From:", name_forms(d.p, "First Last")), ("To:", "{doctor}"), ("Subject:", g.pick(["Question about my medication", "Test results", "Refill request"]))], cols=1)
    d.blank()
    d.raw(g.pick(["Hi Dr., I have been having more ", "Hello, since my last visit I still have "]) + d.f(g.choice(cond["cc"])).lower() + ". Should I come in or can I increase my medication? Thanks.")
    d.blank()
    d.raw("Reply from {doctor} (%s):" % d.dt(d.dos))
    d.raw("Thank you for your message. " + " ".join(g.some(cond["plan"], 1, 2)) + " If symptoms worsen please go to urgent care or call 911.")


@template("correspondence", weight=1, splits=("test",))
def corr_legal(d):
    g = d.g
    letter_top(d, to=["%s %s, Esq." % (g.choice(GIVEN_F + GIVEN_M), make_surname(g.rng)), "%s & %s, Attorneys at Law" % (make_surname(g.rng), make_surname(g.rng))])
    d.raw("Dear Counsel:")
    d.raw("In response to your request and the enclosed authorization signed by my patient, I am providing a summary of treatment.")
    cond = pick_condition(d, "ed")
    d.raw("{Mr} {Last} was first seen on %s after %s. " % (d.date(d.dos - timedelta(days=g.randint(30, 300))), g.pick(["a motor vehicle collision", "a fall at work", "a slip on ice"]))
          + "Diagnosis: " + dx_text(d, cond) + ". Treatment consisted of " + " ".join(g.some(cond["plan"], 1, 3)).lower())
    d.raw("In my opinion, to a reasonable degree of medical certainty, the injuries are causally related to the incident described.")
    closing(d)


# --------------------------------------------------------------------------
# Other (none of the 13 types)
# --------------------------------------------------------------------------

@template("other", weight=2, min_len=450)
def oth_fax_cover(d):
    """Administrative fax cover sheet, no clinical content, usually no patient."""
    g = d.g
    d.p = None
    org = g.choice(PRACTICES + HOSPITALS + PAYERS)
    d.letterhead(org, style=g.pick(["full", "name_addr", "name_only"]))
    d.set_title(["FAX", "FAX COVER SHEET", "Facsimile", "FAX TRANSMITTAL FORM", "Fax Cover Page"])
    other = g.choice(PRACTICES + HOSPITALS + PAYERS)
    d.kv([("To:", g.pick([other["name"], "Medical Records", "Billing Department", "Credentialing", "Accounts Payable", "HIM Release of Information"])),
          ("Attn:", g.pick(["Office Manager", "Records Clerk", "Billing", ""])),
          ("Fax:", other["fax"]), ("Phone:", other["phone"]),
          ("From:", g.pick(["Front Desk", "Health Information Management", "Business Office", "Scheduling", "%s %s" % (g.choice(GIVEN_F + GIVEN_M), make_surname(g.rng))])),
          ("Date:", d.date(d.dos)), ("Pages:", str(g.randint(1, 12))),
          ("Re:", g.pick(["Records request", "Invoice", "Credentialing documents", "Signed contract", "Provider directory update", "Meeting agenda", "Supply order", ""]))],
         cols=g.choice([1, 2]))
    d.blank()
    d.raw(g.pick(["[ ] Urgent  [ ] For Review  [ ] Please Comment  [ ] Please Reply  [ ] Please Recycle",
                  "Urgent ___  For your information ___  Reply requested ___"]))
    d.blank()
    d.raw(g.pick(["Comments:", "Message:", "Notes:"]))
    d.raw(g.pick(["Please see attached.", "Per our phone conversation, attached are the forms you requested.", "Please sign and fax back at your earliest convenience.",
                  "Attached is the updated W-9 and provider roster.", "Invoice attached. Thank you for your prompt payment.", ""]))
    d.blank()
    d.raw(g.pick(["CONFIDENTIALITY NOTICE: The information in this facsimile is confidential and intended only for the named recipient. If you have received this in error, please notify the sender and destroy all copies.",
                  "If you do not receive all pages, please call the sender at the number above.",
                  "This message is intended only for the use of the addressee and may contain confidential information."]))
    d.no_finalize = True


@template("other", weight=1.2, min_len=150, max_len=1200)
def oth_divider(d):
    g = d.g
    sec = g.pick(["PROGRESS NOTES", "LABORATORY", "ORDERS", "CORRESPONDENCE", "MISCELLANEOUS", "NURSING", "RADIOLOGY", "CONSENTS",
                  "MEDICATIONS", "ADMISSION", "DISCHARGE", "INSURANCE / FINANCIAL", "OUTSIDE RECORDS", "EKG / CARDIOLOGY", "THERAPY SERVICES"])
    if g.chance(0.5):
        d.patient(style=g.pick(["sticker", "inline"]))
    else:
        d.p = None
    d.raw(g.pick(["CHART DIVIDER", "Section Divider", "TAB", "", "*** CHART SEPARATOR ***"]))
    d.blank()
    d.raw(g.pick(["%s", "SECTION %d - %%s" % g.randint(1, 12), "%s SECTION", "-- %s --"]) % sec)
    d.blank()
    if g.chance(0.6):
        d.raw(g.pick(["File documents behind this tab in reverse chronological order.", "Place most recent on top.",
                      "Do not remove from chart.", "Documents scanned: see index."]))
    if g.chance(0.5):
        d.raw("%s  Form %s-%s  Rev %02d/%02d" % (d.org["name"] if d.org else "", g.pick(["HIM", "MR", "CH"]), g.digits(4), g.randint(1, 12), g.randint(10, 22)))
    if g.chance(0.5):
        d.raw(g.pick(["Scan batch %s  Operator %s" % (g.digits(7), "".join(g.sample("ABCDEFGHJK", 2))), "Barcode: *%s*" % g.digits(10),
                      "Document type: SEPARATOR  Pages: 1"]))
    d.no_finalize = True


@template("other", weight=2)
def oth_billing(d):
    """Patient billing statement / itemised bill."""
    g = d.g
    d.letterhead(style=g.pick(["full", "name_addr"]))
    d.set_title(["PATIENT STATEMENT", "Statement of Account", "ITEMIZED STATEMENT", "Billing Statement", "Guarantor Statement", "Your Bill"])
    p = d.p
    if True:
        d.raw("Patient: %s    %s %s" % (name_forms(p, "First Last"), g.pick(["DOB:", "Date of Birth:"]), fmt_date(p["birth_date"], d.dob_style)))
    d.kv([(g.pick(["Guarantor:", "Account Holder:", "Responsible Party:"]), name_forms(p, "FIRST LAST")),
          (g.pick(["Account #:", "Account Number:", "Guarantor #:"]), p["account"]),
          (g.pick(["Statement Date:", "Date:"]), d.date(d.dos + timedelta(days=g.randint(20, 90)))),
          (g.pick(["Amount Due:", "Balance Due:", "Please Pay:"]), "$%.2f" % g.uniform(15, 2400)),
          (g.pick(["Due Date:", "Payment Due By:"]), d.date(d.dos + timedelta(days=g.randint(100, 130))))], cols=g.choice([1, 2]))
    d.blank()
    rows = []
    bal = 0
    for code, desc, price in g.sample(CPT_POOL, g.randint(3, 7)):
        amt = price * g.uniform(1.0, 1.5)
        bal += amt
        rows.append([fmt_date(d.dos, "mdy"), desc[:34], "%.2f" % amt])
    ins_paid = bal * g.uniform(0.4, 0.85)
    adj = bal * g.uniform(0.0, 0.15)
    rows.append([fmt_date(d.dos + timedelta(days=35), "mdy"), g.pick(["Insurance payment", "Payment - primary insurance"]), "-%.2f" % ins_paid])
    rows.append([fmt_date(d.dos + timedelta(days=35), "mdy"), g.pick(["Contractual adjustment", "Insurance adjustment"]), "-%.2f" % adj])
    d.table([g.pick(["Date", "Service Date"]), g.pick(["Description", "Service"]), g.pick(["Amount", "Charges"])], rows, right=(2,))
    d.raw("%s  $%.2f" % (g.pick(["Balance:", "PATIENT BALANCE:", "Total due:"]), bal - ins_paid - adj))
    d.blank()
    d.raw(g.pick(["Pay online at our patient portal, by phone at %s, or mail the coupon below." % (d.org["phone"] if d.org else "the number above"),
                  "Financial assistance may be available. Call our billing office to learn more.",
                  "If you have already sent payment, thank you. Please allow 7-10 days for processing."]))
    d.blank()
    d.raw("- - - - - - - - - - - - - - detach and return with payment - - - - - - - - - - - - - -")
    d.kv([("Account #:", p["account"]), ("Amount enclosed:", "$________"), ("[ ] VISA [ ] MC [ ] AMEX", "Card #: ____________________")], cols=1)


@template("other", weight=2)
def oth_questionnaire(d):
    g = d.g
    kind = g.pick(["phq", "history", "fall", "sleep", "satisfaction", "covid_screen"])
    std_header(d, "Date:", None, {"phq": ["PATIENT HEALTH QUESTIONNAIRE (PHQ-9)", "Depression Screening", "PHQ-9"],
                                  "history": ["NEW PATIENT HEALTH HISTORY QUESTIONNAIRE", "Patient Intake Form", "Health History Form"],
                                  "fall": ["FALL RISK SCREENING", "Fall Risk Questionnaire"],
                                  "sleep": ["SLEEP QUESTIONNAIRE", "Epworth Sleepiness Scale"],
                                  "satisfaction": ["PATIENT SATISFACTION SURVEY", "How Did We Do?"],
                                  "covid_screen": ["VISITOR AND PATIENT SCREENING", "Pre-Visit Screening Questionnaire"]}[kind])
    if kind == "phq":
        d.raw("Over the last 2 weeks, how often have you been bothered by any of the following problems? (0 = not at all, 1 = several days, 2 = more than half the days, 3 = nearly every day)")
        tot = 0
        for q in ["Little interest or pleasure in doing things", "Feeling down, depressed, or hopeless", "Trouble falling or staying asleep, or sleeping too much",
                  "Feeling tired or having little energy", "Poor appetite or overeating", "Feeling bad about yourself", "Trouble concentrating",
                  "Moving or speaking slowly, or being fidgety or restless", "Thoughts that you would be better off dead or of hurting yourself"]:
            v = g.choice([0, 0, 1, 1, 2, 3])
            tot += v
            d.raw("%s   0  1  2  3   [%d]" % (q, v))
        d.raw("Total score: %d" % tot)
        d.raw("If you checked off any problems, how difficult have these problems made it for you? [ ] Not difficult [ ] Somewhat [ ] Very [ ] Extremely")
    elif kind == "history":
        for q in ["Reason for today's visit: ____________________", "Do you smoke? [ ] Yes [ ] No [ ] Former", "Alcohol use: [ ] None [ ] Social [ ] Daily",
                  "Exercise: [ ] None [ ] 1-2x/week [ ] 3+ times/week", "Have you ever had: [ ] High blood pressure [ ] Diabetes [ ] Heart disease [ ] Cancer [ ] Asthma [ ] Stroke",
                  "Previous surgeries: ____________________", "Family history: [ ] Heart disease [ ] Diabetes [ ] Cancer [ ] None known",
                  "Do you have an advance directive? [ ] Yes [ ] No", "Preferred language: ________  Interpreter needed? [ ] Yes [ ] No",
                  "Emergency contact: ____________________  Phone: ____________", "Current medications (list or attach): ____________________"]:
            d.raw(q)
    elif kind == "fall":
        for q in ["Have you fallen in the past year?", "Do you feel unsteady when standing or walking?", "Do you worry about falling?",
                  "Do you need to push with your hands to stand up from a chair?", "Do you have trouble stepping up onto a curb?",
                  "Do you often have to rush to the toilet?", "Have you lost some feeling in your feet?", "Do you take medicine that makes you light-headed?"]:
            d.raw("%s   [%s] Yes  [%s] No" % (q, *(("X", " ") if g.chance(0.3) else (" ", "X"))))
        d.raw("Score: %d  (4 or more = at risk)" % g.randint(0, 8))
    elif kind == "sleep":
        d.raw("How likely are you to doze off in the following situations? (0 = never, 3 = high chance)")
        for q in ["Sitting and reading", "Watching TV", "Sitting inactive in a public place", "As a passenger in a car for an hour",
                  "Lying down to rest in the afternoon", "Sitting and talking to someone", "Sitting quietly after lunch", "In a car, stopped in traffic"]:
            d.raw("%s ........ %d" % (q, g.randint(0, 3)))
        d.raw("Do you snore loudly? [ ] Yes [ ] No    Has anyone seen you stop breathing in your sleep? [ ] Yes [ ] No")
    elif kind == "satisfaction":
        d.raw("Please rate your experience (1 = poor, 5 = excellent)")
        for q in ["Ease of scheduling", "Courtesy of front desk staff", "Wait time", "Provider listened to you", "Explanation of your care",
                  "Cleanliness of the facility", "Likelihood to recommend us"]:
            d.raw("%s   1  2  3  4  5   -> %d" % (q, g.randint(2, 5)))
        d.raw("Comments: " + g.pick(["Parking was difficult.", "Very friendly staff!", "Waited 40 minutes.", ""]))
    else:
        for q in ["Do you have a fever or feel feverish?", "New cough or shortness of breath?", "Loss of taste or smell?",
                  "Close contact with someone diagnosed with COVID-19 in the last 10 days?", "Have you traveled in the last 14 days?"]:
            d.raw("%s   [ ] Yes  [X] No" % q)
        d.raw("Temperature at entry: %.1f F   Screener: %s" % (g.uniform(97.0, 99.0), d.c["nurse_short"]))
    d.blank()
    d.raw(g.pick(["Patient signature: ____________________  Date: ________", "Completed by: [ ] Patient [ ] Family [ ] Staff", "Reviewed by: ____________"]))


@template("other", weight=1.5, min_len=600)
def oth_diet_order(d):
    g = d.g
    std_header(d, g.pick(["Date:", "Order Date:"]), [("Room:", "%s-%d" % (g.pick(["4W", "5N", "3E", "6S"]), g.randint(1, 40)))],
               ["DIET ORDER", "Nutrition Services - Diet Order", "DIETARY ORDER SLIP", "Food and Nutrition Order", "Tray Ticket"])
    d.kv([("Diet:", g.pick(["Cardiac, 2 g sodium", "Consistent carbohydrate (1800 kcal)", "Regular", "Renal (2 g Na, 2 g K, 800 mg phos)",
                            "Clear liquids", "Full liquids", "NPO after midnight", "Low fat", "Mechanical soft", "Gluten free"])),
          ("Consistency:", g.pick(["Regular", "Minced and moist (IDDSI 5)", "Pureed (IDDSI 4)", "Soft and bite-sized"])),
          ("Liquids:", g.pick(["Thin", "Mildly thick", "Moderately thick"])),
          ("Fluid restriction:", g.pick(["None", "1500 mL/day", "1200 mL/day", "2000 mL/day"])),
          ("Food allergies:", g.pick(["None", "Shellfish", "Peanuts", "Lactose intolerance", "Eggs"])),
          ("Supplements:", g.pick(["None", "Oral nutrition shake BID", "Protein bar at HS", "Multivitamin"])),
          ("Preferences:", g.pick(["No pork", "Vegetarian", "Kosher", "Halal", "Dislikes fish", "None"])),
          ("Ordered by:", "{doctor}"), ("Entered:", d.dt(d.dos))], cols=1)
    d.blank()
    d.raw(g.pick(["Menu selections: Breakfast - oatmeal, banana, decaf coffee. Lunch - turkey sandwich, green beans. Dinner - baked chicken, rice, carrots.",
                  "Tray delivery times: 0730 / 1200 / 1730. Late tray available on request.",
                  "Dietitian assessment requested: [ ] Yes [X] No", "Calorie count x 3 days ordered."]))
    if g.chance(0.6):
        d.raw(g.pick(["Nutrition screen: no weight loss, eating well.", "Patient instructed on menu ordering by phone ext. 4-FOOD.", "Snacks: graham crackers at 1500 and 2000."]))


@template("other", weight=1.5)
def oth_facesheet(d):
    """Registration face sheet (demographics, contacts), no clinical content."""
    g = d.g
    d.letterhead(style=g.pick(["name_only", "name_addr", "full"]))
    d.set_title(["FACE SHEET", "Patient Registration Face Sheet", "ADMISSION FACE SHEET", "Registration Summary", "Demographic Information"])
    d.patient(g.pick(["Admit Date:", "Registration Date:", "Visit Date:"]), style=g.pick(["twocol", "lines"]))
    p = d.p
    ec = "%s %s" % (g.choice(GIVEN_F + GIVEN_M), g.choice([p["family_name"], make_surname(g.rng)]))
    d.kv([("Address:", addr_line(p["address"])), ("Home Phone:", p["phone"]), ("Marital Status:", g.pick(["Married", "Single", "Widowed", "Divorced"])),
          ("Language:", g.pick(["English", "Spanish", "Vietnamese", "Somali", "Polish", "English"])), ("Religion:", g.pick(["None", "Catholic", "Declined", "Lutheran", "Muslim"])),
          ("Race/Ethnicity:", g.pick(["Declined", "White", "Black", "Asian", "Hispanic", "Other"])), ("Employer:", g.pick(["Retired", "Self-employed", "Unemployed", "%s Foods" % g.choice(PLACES)])),
          ("Emergency Contact:", ec), ("Relationship:", g.pick(["Spouse", "Daughter", "Son", "Friend", "Sister"])), ("Contact Phone:", make_phone(g.rng)),
          ("Admit Type:", g.pick(["Elective", "Emergency", "Urgent", "Outpatient"])), ("Patient Class:", g.pick(["Inpatient", "Observation", "Outpatient", "Emergency"])),
          ("Attending:", "{doctor}"), ("Primary Care:", "{doctor3}"), ("Financial Class:", g.pick(["Commercial", "Medicare", "Medicaid", "Self pay"])),
          ("Guarantor:", g.pick(["Self", ec])), ("Registered by:", d.c["nurse_short"])], cols=g.choice([1, 2]))


@template("other", weight=1, min_len=300)
def oth_blank_form(d):
    """Mostly empty form (vital sign graph, intake/output, checklist) with a patient label."""
    g = d.g
    std_header(d, "Date:", None, ["INTAKE AND OUTPUT RECORD", "Vital Signs Flow Sheet", "PATIENT BELONGINGS INVENTORY", "Pre-Procedure Checklist",
                                  "Turning and Repositioning Log", "Hourly Rounding Log", "Visitor Log"])
    heads = g.pick([["Time", "Oral", "IV", "Urine", "Drain", "Initials"], ["Time", "Temp", "Pulse", "Resp", "BP", "SpO2", "Initials"],
                    ["Item", "Description", "With patient", "Sent home", "Safe"], ["Check", "Yes", "No", "N/A", "Initials"],
                    ["Time", "Position", "Skin check", "Initials"]])
    d.raw("   ".join(heads))
    for i in range(g.randint(8, 16)):
        if g.chance(0.25):
            d.raw("%02d00   %s" % ((7 + i) % 24, "   ".join(str(g.randint(1, 99)) for _ in heads[1:-1])))
        else:
            d.raw("%02d00   %s" % ((7 + i) % 24, "   ".join("____" for _ in heads[1:])))
    d.blank()
    d.raw(g.pick(["Totals: ______    ______    ______", "Reviewed by: ____________", "Form %s-%s" % (g.pick(["NUR", "PCS"]), g.digits(4))]))
    d.no_finalize = g.chance(0.5)


@template("other", weight=1, splits=("test",))
def oth_education(d):
    g = d.g
    std_header(d, "Date:", None, ["PATIENT EDUCATION", "Caring for Yourself at Home", "Health Information Sheet"])
    topic = g.pick(["Hand washing", "Preventing falls at home", "Healthy eating", "Quitting smoking", "Managing stress"])
    d.raw("Topic: " + topic)
    for l in g.some(["Wash your hands with soap and water for at least 20 seconds.", "Remove loose rugs and keep walkways clear.",
                     "Eat plenty of vegetables, fruit and whole grains.", "Ask your care team about programs that can help.",
                     "Take short walks each day if you are able.", "Keep a list of your questions for your next visit.",
                     "Use night lights in hallways and bathrooms.", "Drink water instead of sugary drinks."], 4, 7):
        d.raw("- " + l)
    d.raw("Education provided to: [ ] Patient [ ] Family   Method: [ ] Verbal [ ] Written   Understanding: [ ] Verbalized [ ] Needs reinforcement")
    d.raw("Educator: {nurse}")


@template("other", weight=1, splits=("test",))
def oth_release_log(d):
    g = d.g
    d.p = None
    d.letterhead()
    d.set_title(["RELEASE OF INFORMATION LOG", "HIM Disclosure Log - Internal"])
    rows = [[d.date(d.dos + timedelta(days=i)), g.pick(["Attorney", "Insurer", "Patient", "Provider", "SSA"]), g.digits(6), str(g.randint(3, 120)),
             g.pick(["Mailed", "Faxed", "Portal", "Picked up"])] for i in range(g.randint(10, 18))]
    d.table(["Date", "Requestor type", "Request #", "Pages", "Method"], rows)
    d.raw("Prepared by HIM staff. Internal use only.")


# --------------------------------------------------------------------------
# Laying out and drawing arbitrary text as chart pages (used by
# scripts/make-classifier-scans).  Coordinates are in 200-dpi page units
# (US letter = 1700 x 2200) and scaled when drawn at another resolution.
# --------------------------------------------------------------------------

PAGE_W, PAGE_H = 1700, 2200
MARGIN_L = 170
TEXT_W = PAGE_W - 2 * MARGIN_L
BODY_BOTTOM = 2030
FOOTER_Y = 2085

_CP1252 = {"\x91": "'", "\x92": "'", "\x93": '"', "\x94": '"', "\x96": "-", "\x97": "-", "\x85": "...", "\xa0": " "}


def clean_text(s):
    """Normalise a CSV text for printing: cp1252 leftovers, tabs, CRs, control chars."""
    for a, b in _CP1252.items():
        s = s.replace(a, b)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    s = "".join(ch for ch in s if ch == "\n" or ord(ch) >= 32)
    return s


_HEAD_RE = re.compile(r"^((?:\d+\.\s+)?[A-Z][A-Z0-9 ,/&()'#\-]{1,60}:,?)(\s+\S.*)?$")


def _font(family, weight, px):
    import chartgen
    return chartgen.font(family, weight, px)


def _pt_px(pt):
    return pt * 200 / 72.0


def _wrap_runs(runs, family, pt, width, indent=0):
    words = []
    for text, weight in runs:
        for w in text.split():
            words.append((w, weight))
    lines, cur, x = [], [], 0.0
    for w, weight in words:
        f = _font(family, weight, _pt_px(pt))
        wl = f.getlength(w)
        add = wl if not cur else f.getlength(" ") + wl
        if cur and x + add > width - indent:
            lines.append(cur)
            cur, x, add = [], 0.0, wl
        if cur and cur[-1][1] == weight:
            cur[-1][0] += " " + w
        elif cur:
            cur.append([" " + w, weight])
        else:
            cur.append([w, weight])
        x += add
    if cur:
        lines.append(cur)
    return [{"kind": "runs", "runs": l, "indent": indent, "pt": pt, "family": family} for l in lines]


def layout_text(text, family="sans", pt=11, width=TEXT_W, bold_first=False):
    """Text -> layout lines.  Prose is word-wrapped (an 'ALL CAPS HEADING:'
    prefix is set bold); short lines with column gaps (two or more spaces)
    keep their columns; blank lines become half-line gaps."""
    out = []
    f_reg = _font(family, "regular", _pt_px(pt))
    cw = f_reg.getlength("0") * 1.02  # column unit: one character cell
    for i, raw in enumerate(text.split("\n")):
        line = raw.rstrip()
        if not line.strip():
            if out and out[-1]["kind"] != "space":
                out.append({"kind": "space"})
            continue
        stripped = line.strip()
        indent_chars = len(line) - len(line.lstrip())
        # column gaps: 2+ spaces not right after sentence/label punctuation
        gaps = list(re.finditer(r"[^\s.:;,?!]( {2,})(?=\S)", line.lstrip()))
        if gaps and len(line) <= 125:
            cells = [(m.start(), m.group(0)) for m in re.finditer(r"\S(?:\S| (?! ))*", line)]
            lpt = pt
            for _ in range(6):
                f = _font(family, "regular", _pt_px(lpt))
                unit = f.getlength("0") * 1.02
                x_end, placed = 0.0, []
                for off, txt in cells:
                    x = max(off * unit, x_end + (f.getlength("  ") if placed else 0))
                    placed.append((x, txt))
                    x_end = x + f.getlength(txt)
                if x_end <= width + 90 or lpt <= 7.5:
                    break
                lpt = max(7.5, lpt - 0.75)
            if x_end <= width + 90:
                out.append({"kind": "cells", "cells": placed, "pt": lpt, "family": family})
                continue
            line = re.sub(r" {2,}", "   ", stripped)
            stripped = line
        m = _HEAD_RE.match(stripped)
        if (bold_first and i == 0) or (stripped.isupper() and len(stripped) < 70 and not gaps
                                       and not re.search(r"\d", stripped)):
            runs = [(stripped, "bold")]
        elif m and len(m.group(1)) < 62:
            runs = [(m.group(1), "bold")] + ([(m.group(2), "regular")] if m.group(2) else [])
        else:
            runs = [(stripped, "regular")]
        out += _wrap_runs(runs, family, pt, width, indent=min(indent_chars, 8) * cw)
    while out and out[-1]["kind"] == "space":
        out.pop()
    return out


def line_height(l, default_pt):
    if l["kind"] == "space":
        return _pt_px(default_pt) * 0.6
    return _pt_px(l.get("pt", default_pt)) * 1.36


def draw_items(im, items, dpi):
    """Draw positioned items [(x, y, item)] onto a PIL image at dpi (200-dpi units)."""
    from PIL import ImageDraw
    d = ImageDraw.Draw(im)
    s = dpi / 200.0
    ink = 20
    for x, y, it in items:
        k = it["kind"]
        if k == "runs":
            xx = x + it.get("indent", 0)
            for text, weight in it["runs"]:
                f = _font(it["family"], weight, _pt_px(it["pt"]) * s)
                d.text((xx * s, y * s), text, font=f, fill=ink)
                xx += f.getlength(text) / s
        elif k == "cells":
            f = _font(it["family"], it.get("weight", "regular"), _pt_px(it["pt"]) * s)
            for cx, text in it["cells"]:
                d.text(((x + cx) * s, y * s), text, font=f, fill=ink)
        elif k == "rule":
            d.rectangle((x * s, y * s, (x + it["w"]) * s, y * s + max(1, it.get("t", 2) * s)), fill=ink)
        elif k == "box":
            d.rectangle((x * s, y * s, (x + it["w"]) * s, (y + it["h"]) * s), outline=ink, width=max(1, int(2 * s)))
    return im
