#!/usr/bin/python3
"""densecorpus - dense typeset clinical notes as scans, for scripts/bench (the pages are SYNTHETIC scans).

Usage: scripts/densecorpus.py --pages N [--out DIR] [--data CSV]

Pages as sites scan them from typed charts: US letter at 300 dpi, one page
of running text at 85-95 characters a line, 10-12 pt, in a serif or sans
font (Liberation and DejaVu), a short header (facility, invented patient
name, MRN and date of birth) and the rest body text. The body text comes from
the real de-identified transcriptions of ../shared/data/mtsamples-train.csv
(MTSamples; see its README for credit); names, numbers and the layout are
invented here.

Three degradation levels, a third of the pages each (page i gets level i mod 3):
  clean     as printed; PNG (gray) or a bilevel Group 4 TIFF
  moderate  slight blur (sigma 0.5-0.8 px), grain (sigma 5-8), a few specks,
            skew up to 1.5 degrees; JPEG quality 70-85, PNG or bilevel TIFF
  heavy     blur (sigma 1.3-1.9 px), grain (sigma 18-28), speckles, light
            toner, skew up to 2 degrees; JPEG quality 25-40 (JPEG artefacts)

Writes DIR/dense-N/:
  corpus/        one single-page file per page (no digits in the names, so no
                 two files make a page-file folder), what both chartmill and the
                 tesseract CLI read
  truth.jsonl    per page: {"source", "page": 1, "text" (one line per printed
                 line), "image" (corpus/...), "format", "dpi", "level",
                 "degradations", "font", "pt", "chars_per_line"}
  manifest.json  written last; a corpus is reused only when its manifest matches

Everything comes from random.Random(seed + page): the same arguments give the
same pages. Needs python3 with Pillow and numpy (Debian: python3-pil python3-numpy).
"""

import argparse
import csv
import io
import json
import os
import random
import re
import shutil
import sys

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__
sys.path.insert(0, HERE)
DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data", "mtsamples-train.csv")
GEN_VERSION = 2
DPI = 300
LEVELS = ["clean", "moderate", "heavy"]
FONTS = {  # family -> (regular, bold)
    "Liberation Serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    "Liberation Sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "Liberation Sans Narrow": ("LiberationSansNarrow-Regular.ttf", "LiberationSansNarrow-Bold.ttf"),
    "DejaVu Serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
}
GIVEN = ["Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Susan", "David", "Karen", "Thomas",
         "Nancy", "Daniel", "Helen", "Joseph", "Sandra", "Paul", "Donna", "Mark", "Ruth", "Steven"]
FAMILY = ["Okafor", "Lindqvist", "Haverford", "Marchetti", "Nguyen", "Castellano", "Brennan", "Whitcombe",
          "Abernathy", "Kowalczyk", "Delacroix", "Pemberton", "Yamashita", "Oyelaran", "Fairbanks"]
FACILITY = ["Riverside Regional Medical Center", "St. Columba Hospital", "Northfield General Hospital",
            "Lakeshore Community Hospital", "Mercy Valley Medical Center"]


def families():
    import realgen  # its font lookup; it needs numpy, as making pages does

    out = {}
    for fam, files in FONTS.items():
        paths = [realgen.find_font(f) for f in files]
        if all(paths):
            out[fam] = paths
    if not out:
        raise SystemExit("densecorpus: no fonts; install fonts-liberation or fonts-dejavu-core")
    return out


def read_texts(path):
    if not os.path.exists(path):
        raise SystemExit("densecorpus: %s not found (the shared MTSamples training data)" % path)
    csv.field_size_limit(1 << 24)
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            t = (r.get("transcription") or r.get("text") or "").replace("\r", "\n")
            t = re.sub(r"[ \t\u00a0]+", " ", t)
            # Characters the fonts and the truth agree on: plain ASCII.
            t = t.encode("ascii", "ignore").decode()
            paras = [p.strip() for p in re.split(r"\n\s*\n|\n", t) if p.strip()]
            if sum(len(p) for p in paras) >= 4000:
                out.append(paras)
    if not out:
        raise SystemExit("densecorpus: no text long enough in %s" % path)
    return out


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0


def wrap_px(text, f, width):
    """Greedy word wrap by measured width."""
    lines, cur = [], ""
    for word in text.split(" "):
        cand = word if not cur else cur + " " + word
        if cur and f.getlength(cand) > width:
            lines.append(cur)
            cur = word
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


def render(rng, paras, fams):
    """One page: (PIL L image, truth lines, font name, pt, chars per line)."""
    W, H = int(8.5 * DPI), int(11 * DPI)
    fam = rng.choice(sorted(fams))
    regular, bold = fams[fam]
    want = rng.randint(85, 95)
    first = rng.choice([10, 10.5, 11, 11.5, 12])
    for pt in [first] + [x for x in (11, 10.5, 10) if x < first]:
        f = ImageFont.truetype(regular, round(pt * DPI / 72))
        sample = " ".join(" ".join(paras)[:3000].split())
        avg = f.getlength(sample) / len(sample)
        width = want * avg
        if width <= 7.4 * DPI:
            break
    width = min(width, 7.4 * DPI)
    fb = ImageFont.truetype(bold, round(pt * DPI / 72))
    left = int((W - width) / 2)
    top = int(rng.uniform(0.55, 0.8) * DPI)
    bottom = H - int(rng.uniform(0.6, 0.8) * DPI)
    lh = round(pt * DPI / 72 * rng.uniform(1.12, 1.25))
    im = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(im)
    truth = []
    y = top
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    mrn = "%08d" % rng.randrange(10**7, 10**8)
    dob = "%02d/%02d/%04d" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(1930, 2005))
    for text, fnt in ((rng.choice(FACILITY), fb),
                      ("Patient: %s, %s    MRN: %s    DOB: %s" % (family.upper(), given, mrn, dob), f)):
        d.text((left, y), text, font=fnt, fill=0)
        truth.append(text)
        y += lh
    y += lh // 2
    chars = []
    for p in paras:
        heading = re.match(r"^([A-Z][A-Z /&,]{2,40}:)\s*(.*)$", p)
        wrapped = wrap_px(p, f, width)
        for k, line in enumerate(wrapped):
            if y + lh > bottom:
                return im, truth, fam, pt, median(chars)
            if heading and line.startswith(heading.group(1)):
                d.text((left, y), heading.group(1), font=fb, fill=0)
                rest = line[len(heading.group(1)):]
                d.text((left + fb.getlength(heading.group(1)), y), rest, font=f, fill=0)
            else:
                d.text((left, y), line, font=f, fill=0)
            truth.append(line)
            if k + 1 < len(wrapped):  # a full line, not a paragraph's last
                chars.append(len(line))
            y += lh
        y += lh // 3
    return im, truth, fam, pt, median(chars)


def degrade(im, rng, level):
    """(image L or 1, format, tags)."""
    import numpy as np  # here, so scripts/bench can import this module before it installs numpy

    nrng = np.random.default_rng(rng.randrange(2**32))
    tags = []
    if level == "clean":
        if rng.random() < 0.35:
            return im.point(lambda v: 255 if v > 140 else 0).convert("1", dither=Image.NONE), "tiff", ["bilevel"]
        return im, "png", tags
    heavy = level == "heavy"
    blur = rng.uniform(1.3, 1.9) if heavy else rng.uniform(0.5, 0.8)
    im = im.filter(ImageFilter.GaussianBlur(blur))
    tags.append("blur%.1f" % blur)
    angle = rng.uniform(-2.0, 2.0) if heavy else rng.uniform(-1.5, 1.5)
    if abs(angle) > 0.2:
        im = im.rotate(angle, resample=Image.BILINEAR, fillcolor=255)
        tags.append("skew")
    a = np.asarray(im, dtype=np.float32)
    if heavy:
        ink = rng.uniform(40, 80)
        a = ink + a * ((255 - ink) / 255.0)
        tags.append("light_toner")
    sigma = rng.uniform(18, 28) if heavy else rng.uniform(5, 8)
    a += nrng.normal(0, sigma, a.shape).astype(np.float32)
    tags.append("noise%d" % sigma)
    h, w = a.shape
    count = int((rng.uniform(4, 8) if heavy else rng.uniform(0.3, 1.0)) * 1e-4 * h * w)
    ys, xs = nrng.integers(0, h - 4, count), nrng.integers(0, w - 4, count)
    sizes = nrng.integers(1, 4, count)
    vals = nrng.uniform(0, 90, count)
    for dy in range(3):
        for dx in range(3):
            sel = (sizes > dy) & (sizes > dx)
            a[ys[sel] + dy, xs[sel] + dx] = vals[sel]
    tags.append("speckle")
    im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    if heavy:
        q = rng.randint(25, 40)
        return im, "jpeg%d" % q, tags + ["jpeg%d" % q]
    r = rng.random()
    if r < 0.5:
        q = rng.randint(70, 85)
        return im, "jpeg%d" % q, tags + ["jpeg%d" % q]
    if r < 0.75:
        return im.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.NONE), "tiff", tags + ["bilevel"]
    return im, "png", tags


def letters(i):
    s = ""
    i += 26 * 26  # at least three letters
    while i:
        i, r = divmod(i, 26)
        s = chr(97 + r) + s
    return s


def make_page(i, texts, fams, seed):
    rng = random.Random(seed * 1_000_003 + i)
    paras = list(rng.choice(texts))
    start = rng.randrange(0, max(1, len(paras) // 3))
    paras = paras[start:] + paras[:start]
    im, lines, fam, pt, cpl = render(rng, paras, fams)
    level = LEVELS[i % 3]
    out, fmt, tags = degrade(im, rng, level)
    name = "dense-%s-%s" % (level, letters(i))
    buf = io.BytesIO()
    if fmt == "png":
        out.save(buf, "PNG", dpi=(DPI, DPI))
        name += ".png"
    elif fmt == "tiff":
        out.save(buf, "TIFF", compression="group4", dpi=(DPI, DPI))
        name += ".tif"
    else:
        out.save(buf, "JPEG", quality=int(fmt[4:]), dpi=(DPI, DPI))
        name += ".jpg"
    return name, buf.getvalue(), {"source": name, "page": 1, "text": "\n".join(lines), "image": "corpus/" + name,
                                  "format": fmt.rstrip("0123456789"), "dpi": DPI, "level": level,
                                  "degradations": tags, "font": fam, "pt": pt, "chars_per_line": cpl}


def ensure_dense_corpus(base, n_pages, data=DEFAULT_DATA, seed=25, log=print):
    """Builds (or reuses) base/dense-N; returns its path."""
    out = os.path.join(base, "dense-%d" % n_pages)
    expect = {"generator": "densecorpus", "version": GEN_VERSION, "pages": n_pages, "seed": seed,
              "data_bytes": os.path.getsize(data) if os.path.exists(data) else None}
    man = os.path.join(out, "manifest.json")
    try:
        with open(man) as f:
            if {k: v for k, v in json.load(f).items() if k in expect} == expect:
                return out
    except (OSError, ValueError):
        pass
    log("densecorpus: making %d dense pages in %s" % (n_pages, os.path.relpath(out, REPO)))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "corpus"))
    texts, fams = read_texts(data), families()
    truth = []
    for i in range(n_pages):
        name, data_bytes, rec = make_page(i, texts, fams, seed)
        with open(os.path.join(out, "corpus", name), "wb") as f:
            f.write(data_bytes)
        truth.append(rec)
    with open(os.path.join(out, "truth.jsonl"), "w") as f:
        for r in truth:
            f.write(json.dumps(r) + "\n")
    levels = {lv: sum(1 for t in truth if t["level"] == lv) for lv in LEVELS}
    formats = {}
    for t in truth:
        formats[t["format"]] = formats.get(t["format"], 0) + 1
    cpl = [t["chars_per_line"] for t in truth]
    with open(man, "w") as f:
        json.dump(dict(expect, levels=levels, formats=formats, chars_per_line=[min(cpl), max(cpl)],
                       pt=sorted({t["pt"] for t in truth}), synthetic=True), f, indent=1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--out", default=os.path.join(REPO, "target", "bench"))
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--seed", type=int, default=25)
    a = ap.parse_args()
    print(ensure_dense_corpus(a.out, a.pages, a.data, a.seed, log=lambda m: print(m, file=sys.stderr)))


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    main()
