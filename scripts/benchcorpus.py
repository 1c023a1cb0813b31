#!/usr/bin/python3
"""benchcorpus - deterministic synthetic corpora for scripts/bench (all SYNTHETIC).

Usage: scripts/benchcorpus.py --pages N [--out DIR] [--jobs J]
       scripts/benchcorpus.py --born-digital M [--out DIR]

An OCR corpus of N scanned pages (directory corpus-N/):

  corpus/        what chartmill ingests; formats mixed roughly evenly by page:
                   png/   single-page 8-bit gray PNG, 200 or 300 dpi
                   jpeg/  single-page JPEG, gray or RGB
                   tiff/  multi-page Group 4 TIFF (2-4 pages per file)
                   pdf/   image-only PDF, DCT or CCITT G4 images (1-3 pages per file)
  pages/         the same page images, one file per page, for the tesseract CLI:
                   PNG pages: a copy of the corpus file; JPEG pages (files and PDF
                   DCT images): the identical JPEG bytes; bilevel pages (TIFF and
                   PDF CCITT): a single-page G4 TIFF with the identical bits
  pdfs/all.pdf   every page in truth order as one image-only PDF, for ocrmypdf:
                   PNG pages as lossless Flate, JPEG pages as the identical DCT
                   bytes, bilevel pages as the identical G4 bits
  truth.jsonl    one record per page, in corpus order:
                   {"source": path relative to corpus/, "page": 1-based,
                    "text": what is printed on the page, one line per printed line,
                    "image": path of the page in pages/ (relative to corpus-N/),
                    "format", "dpi", "degradations", "doc_type"}
  manifest.json  written last; a corpus is reused only when its manifest matches

Most pages are clean; about 15% get light noise (specks, grain) and 15% a skew of
1-3 degrees either way.  Every choice comes from random.Random seeded by the file
index, so a corpus is identical on every run (given the same Pillow/libjpeg/zlib).

A born-digital corpus of M pages (directory born-digital-M/): corpus/*.pdf, text-layer
PDFs (Helvetica, chartgen.write_text_pdf) of 10 pages each, plus truth.jsonl (the
text in the order the PDF's text operators give it).
"""

import argparse
import io
import json
import multiprocessing
import os
import random
import shutil
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep scripts/ free of __pycache__
sys.path.insert(0, HERE)
import chartgen as cg  # noqa: E402

# Bump when the generator's output changes, so cached corpora are rebuilt.
GEN_VERSION = 2
GROUPS = ["png", "jpeg", "tiff", "pdf"]
DOC_TYPES = sorted(cg.SCENARIOS)
BORN_DIGITAL_PAGES_PER_FILE = 10


# --------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------


def truth_lines(spec, text_layer=False):
    """The text printed on a rendered page (chartgen.render_page), top to bottom,
    one string per printed line.  Cells printed side by side on one line are
    joined with two spaces (whitespace is normalised before scoring anyway).

    text_layer: the order of chartgen.write_text_pdf's text operators instead,
    which is what a text-layer PDF holds: the same lines, except that the
    top-right synthetic-data notice comes after the hospital's address."""
    if spec.get("blank"):
        return []
    h = spec["hospital"]
    out = [h["name"], "%s  |  Tel %s" % (h["address"], h["phone"])]
    if text_layer:
        out.append(cg.SYNTHETIC_LINE)
    else:
        out.insert(0, cg.SYNTHETIC_LINE)  # top right, above the hospital name
    if spec["title"]:
        out.append(spec["title"])
    if spec.get("patient_block"):
        for row in cg.patient_block_lines(spec):
            out.append("  ".join(lab + " " + val for lab, val in row))
    for l in spec["lines"]:
        if not l.get("space"):
            out.append(cg.line_text(l))
    foot = cg.SYNTHETIC_LINE
    if spec.get("pages", 1) > 1:
        foot += "  Page %d of %d" % (spec["page"], spec["pages"])
    out.append(foot)
    return out


def truth_text(spec, text_layer=False):
    return "\n".join(truth_lines(spec, text_layer))


# --------------------------------------------------------------------------
# Plan: which files, which formats, how many pages each
# --------------------------------------------------------------------------


def plan_files(n_pages):
    """A list of file plans whose pages add up to n_pages.  Each next file goes
    to the format group with the fewest pages so far (ties in GROUPS order), so
    the four groups stay within a few pages of each other."""
    rng = random.Random("chartmill-bench-plan:%d" % GEN_VERSION)
    pages = {g: 0 for g in GROUPS}
    count = {g: 0 for g in GROUPS}
    files, total = [], 0
    while total < n_pages:
        g = min(GROUPS, key=lambda x: (pages[x], GROUPS.index(x)))
        c = count[g]
        left = n_pages - total
        if g == "png":
            f = {"group": g, "format": "png", "pages": 1, "dpi": (200, 300)[c % 2], "color": False}
        elif g == "jpeg":
            color = c % 2 == 1
            f = {"group": g, "format": "jpeg-rgb" if color else "jpeg-gray", "pages": 1,
                 "dpi": 300 if c % 4 == 2 else 200, "color": color}
        elif g == "tiff":
            f = {"group": g, "format": "tiff-g4", "pages": min(left, rng.randint(2, 4)),
                 "dpi": 300 if c % 3 == 2 else 200, "color": False}
        else:
            kind = ("dct", "ccitt")[c % 2]
            f = {"group": g, "format": "pdf-" + kind, "kind": kind, "pages": min(left, rng.randint(1, 3)),
                 "dpi": 300 if c % 3 == 2 else 200, "color": False}
        f["index"] = len(files) + 1
        f["first_page"] = total + 1  # global 1-based index of the file's first page
        ext = {"png": "png", "jpeg": "jpg", "tiff": "tif", "pdf": "pdf"}[g]
        f["source"] = "%s/%04d.%s" % (g, f["index"], ext)
        files.append(f)
        pages[g] += f["pages"]
        count[g] += 1
        total += f["pages"]
    return files


def page_specs(rng, k, dpi, color):
    """k page specs taken from consecutive synthetic documents."""
    specs = []
    while len(specs) < k:
        doc = cg.make_document(rng.choice(DOC_TYPES), rng.choice(cg.PATIENTS), rng, dpi=dpi,
                               color=color, max_lines=rng.choice([20, 24, 24, 28]))
        specs += doc[:k - len(specs)]
    return specs


def degrade(im, rng, bilevel_later):
    """Mostly clean; ~15% light noise, ~15% skewed 1-3 degrees.  Returns (image, tags)."""
    r = rng.random()
    if r < 0.70:
        return im, []
    if r < 0.85:
        im = cg.add_specks(im, rng, rng.randint(40, 150))
        if bilevel_later:
            im = cg.add_salt_pepper(im, rng, 0.0002)
        else:
            im = cg.add_gaussian_noise(im, rng, rng.choice([4, 6, 8]))
        return im, ["noise"]
    angle = rng.uniform(1.0, 3.0) * rng.choice([-1, 1])
    return cg.skew(im, angle), ["skew%+.1f" % angle]


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------


def jpeg_data(im, quality, dpi):
    b = io.BytesIO()
    im.save(b, "JPEG", quality=quality, optimize=True, dpi=(dpi, dpi))
    return b.getvalue()


def xobject_dct(data, size, mode):
    cs = "/DeviceRGB" if mode == "RGB" else "/DeviceGray"
    d = ("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
         "/BitsPerComponent 8 /Filter /DCTDecode" % (size[0], size[1], cs))
    return d, data


def xobject_flate(im):
    cs = "/DeviceRGB" if im.mode == "RGB" else "/DeviceGray"
    d = ("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
         "/BitsPerComponent 8 /Filter /FlateDecode" % (im.size[0], im.size[1], cs))
    return d, zlib.compress(im.tobytes(), 6)


def xobject_ccitt(im1):
    data, W, H = cg.g4_encode(im1)
    d = ("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
         "/BitsPerComponent 1 /Filter /CCITTFaxDecode "
         "/DecodeParms << /K -1 /Columns %d /Rows %d /BlackIs1 false >>" % (W, H, W, H))
    return d, data


def write_image_pdf(path, xobjects, page_size=(612, 792)):
    """Image-only PDF, one image filling each US-letter page.  xobjects is an
    iterable of (dict entries, data); it is consumed lazily and each object is
    written as soon as it is made, so a PDF of thousands of pages never sits in
    memory.  Reproducible: no timestamps or IDs."""
    cg._mkparent(path)
    offsets = {}
    with open(path, "wb") as f:
        f.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

        def put(num, body):
            offsets[num] = f.tell()
            f.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")

        def stream(num, entries, data):
            put(num, ("<< %s /Length %d >>\nstream\n" % (entries, len(data))).encode("latin-1")
                + data + b"\nendstream")

        catalog, pages_obj, nxt = 1, 2, 3
        kids = []
        for i, (entries, data) in enumerate(xobjects):
            img, content, page = nxt, nxt + 1, nxt + 2
            nxt += 3
            stream(img, entries, data)
            stream(content, "", b"q %g 0 0 %g 0 0 cm /Im0 Do Q\n" % (page_size[0], page_size[1]))
            put(page, ("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << /XObject "
                       "<< /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                       % (pages_obj, page_size[0], page_size[1], img, content)).encode("latin-1"))
            kids.append(page)
        put(pages_obj, ("<< /Type /Pages /Kids [%s] /Count %d >>"
                        % (" ".join("%d 0 R" % k for k in kids), len(kids))).encode("latin-1"))
        put(catalog, b"<< /Type /Catalog /Pages 2 0 R >>")
        info = nxt
        put(info, b"<< /Title (SYNTHETIC BENCHMARK CORPUS) /Producer (chartmill scripts/benchcorpus.py) >>")
        xref = f.tell()
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % (info + 1))
        for n in range(1, info + 1):
            f.write(b"%010d 00000 n \n" % offsets[n])
        f.write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % (info + 1, catalog, info, xref))


def _write_part(path, xobj):
    """Keep one page's PDF image object until all.pdf is assembled."""
    entries, data = xobj
    with open(path, "wb") as f:
        f.write(entries.encode("latin-1") + b"\n" + data)


def _read_part(path):
    with open(path, "rb") as f:
        raw = f.read()
    nl = raw.index(b"\n")
    return raw[:nl].decode("latin-1"), raw[nl + 1:]


# --------------------------------------------------------------------------
# One file of the OCR corpus (runs in a worker process)
# --------------------------------------------------------------------------


def make_file(args):
    """Render and write one planned corpus file, its per-page images and PDF
    image parts.  Returns the file's truth records."""
    out, f = args
    rng = random.Random("chartmill-bench:%d:%d" % (GEN_VERSION, f["index"]))
    specs = page_specs(rng, f["pages"], f["dpi"], f["color"])
    src = os.path.join(out, "corpus", f["source"])
    bilevel = f["format"] in ("tiff-g4", "pdf-ccitt")
    recs, bilevel_pages, pdf_xobjs = [], [], []
    for i, spec in enumerate(specs):
        gi = f["first_page"] + i
        stem = os.path.join(out, "pages", "%05d" % gi)
        part = os.path.join(out, "pdfs", "parts", "%05d" % gi)
        im, tags = degrade(cg.render_page(spec), rng, bilevel)
        if f["format"] == "png":
            cg.save_png(im, src, dpi=f["dpi"])
            image = stem + ".png"
            shutil.copyfile(src, image)
            _write_part(part, xobject_flate(im))
        elif f["group"] == "jpeg" or f["format"] == "pdf-dct":
            data = jpeg_data(im, rng.choice([80, 85, 90]), f["dpi"])
            image = stem + ".jpg"
            with open(image, "wb") as fh:
                fh.write(data)
            xo = xobject_dct(data, im.size, im.mode)
            if f["group"] == "jpeg":
                cg._mkparent(src)
                shutil.copyfile(image, src)
            else:
                pdf_xobjs.append(xo)
            _write_part(part, xo)
        else:  # bilevel: tiff-g4 or pdf-ccitt
            b = cg.to_bilevel(im)
            image = stem + ".tif"
            cg.save_tiff_pages([b], image, "group4", dpi=f["dpi"])
            xo = xobject_ccitt(b)
            bilevel_pages.append(b)
            pdf_xobjs.append(xo)
            _write_part(part, xo)
        recs.append({"source": f["source"], "page": i + 1, "text": truth_text(spec),
                     "image": os.path.relpath(image, out), "format": f["format"], "dpi": f["dpi"],
                     "degradations": tags, "doc_type": spec["doc_type"]})
    if f["format"] == "tiff-g4":
        cg.save_tiff_pages(bilevel_pages, src, "group4", dpi=f["dpi"])
    elif f["group"] == "pdf":
        write_image_pdf(src, pdf_xobjs)
    return recs


# --------------------------------------------------------------------------
# Whole corpora
# --------------------------------------------------------------------------


def _manifest_ok(path, expect):
    try:
        with open(os.path.join(path, "manifest.json")) as f:
            m = json.load(f)
    except (OSError, ValueError):
        return None
    return m if all(m.get(k) == v for k, v in expect.items()) else None


def ensure_ocr_corpus(base, n_pages, jobs=1, log=print):
    """Return the path of corpus-N under base, generating it unless a complete
    one of this generator version is there."""
    out = os.path.join(base, "corpus-%d" % n_pages)
    expect = {"gen_version": GEN_VERSION, "kind": "ocr", "pages": n_pages}
    if _manifest_ok(out, expect):
        return out
    if os.path.exists(out):
        shutil.rmtree(out)
    log("benchcorpus: generating %d OCR pages in %s (%d processes)" % (n_pages, out, jobs))
    t0 = time.monotonic()
    plan = plan_files(n_pages)
    for d in ("corpus", "pages", "pdfs/parts"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    work = [(out, f) for f in plan]
    if jobs > 1:
        with multiprocessing.Pool(jobs) as pool:
            per_file = pool.map(make_file, work, chunksize=1)
    else:
        per_file = [make_file(w) for w in work]
    recs = [r for rs in per_file for r in rs]
    cg.write_jsonl(os.path.join(out, "truth.jsonl"), recs)
    parts = os.path.join(out, "pdfs", "parts")
    write_image_pdf(os.path.join(out, "pdfs", "all.pdf"),
                    (_read_part(os.path.join(parts, "%05d" % i)) for i in range(1, len(recs) + 1)))
    shutil.rmtree(parts)
    fmt_pages, fmt_files = {}, {}
    for f in plan:
        fmt_pages[f["format"]] = fmt_pages.get(f["format"], 0) + f["pages"]
        fmt_files[f["format"]] = fmt_files.get(f["format"], 0) + 1
    m = dict(expect, files=len(plan), formats={k: {"files": fmt_files[k], "pages": fmt_pages[k]}
                                               for k in sorted(fmt_pages)},
             degraded=sum(1 for r in recs if r["degradations"]),
             generated_in_seconds=round(time.monotonic() - t0, 1))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1)
    log("benchcorpus: %d pages in %d files in %.0f s" % (len(recs), len(plan), m["generated_in_seconds"]))
    return out


def ensure_born_digital_corpus(base, n_pages, log=print):
    """Return the path of born-digital-M under base (text-layer PDFs, 10 pages a file)."""
    out = os.path.join(base, "born-digital-%d" % n_pages)
    expect = {"gen_version": GEN_VERSION, "kind": "born-digital", "pages": n_pages}
    if _manifest_ok(out, expect):
        return out
    if os.path.exists(out):
        shutil.rmtree(out)
    log("benchcorpus: generating %d born-digital pages in %s" % (n_pages, out))
    recs, done, index = [], 0, 0
    while done < n_pages:
        index += 1
        k = min(BORN_DIGITAL_PAGES_PER_FILE, n_pages - done)
        rng = random.Random("chartmill-bench-text:%d:%d" % (GEN_VERSION, index))
        specs = page_specs(rng, k, cg.BASE_DPI, False)
        source = "bd-%04d.pdf" % index
        cg.write_text_pdf(os.path.join(out, "corpus", source), specs)
        for i, s in enumerate(specs):
            recs.append({"source": source, "page": i + 1, "text": truth_text(s, text_layer=True),
                         "format": "pdf-text", "doc_type": s["doc_type"]})
        done += k
    cg.write_jsonl(os.path.join(out, "truth.jsonl"), recs)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(dict(expect, files=index), f, indent=1)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, help="OCR pages (writes corpus-N)")
    ap.add_argument("--born-digital", type=int, metavar="M", help="text-layer pages (writes born-digital-M)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "target", "bench"),
                    help="parent directory (default: <repo>/target/bench)")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="generator processes")
    a = ap.parse_args()
    if not a.pages and not a.born_digital:
        ap.error("give --pages and/or --born-digital")
    if a.pages:
        print(ensure_ocr_corpus(a.out, a.pages, a.jobs))
    if a.born_digital:
        print(ensure_born_digital_corpus(a.out, a.born_digital))


if __name__ == "__main__":
    main()
