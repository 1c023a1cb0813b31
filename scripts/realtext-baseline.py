#!/usr/bin/env python3
"""A reference for scripts/eval-realtext: how far standard text classifiers
get on the same real transcriptions, folds and pages, to tell the model's
limits from the labels'.

TF-IDF words (1-grams, and 1-2-grams) with class-balanced logistic regression
and a linear SVM (scikit-learn), trained on the real texts of four folds
only (no synthetic data), each document typed whole, every page of it scored
with its document's type: the page-level macro-F1 of eval-realtext's first
row. Not part of the test suite; scikit-learn from PyPI:

    python3 -m venv target/skl && target/skl/bin/pip install scikit-learn
    target/skl/bin/python scripts/realtext-baseline.py [../shared/data/mtsamples-train.csv]
"""
import csv
import hashlib
import re
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.svm import LinearSVC

PAGE = 1800  # eval-realtext's page (train::pages_of)
FOLDS = 5


def pages(text):
    """eval-realtext's cut: paragraphs, long ones at sentence ends, packed into pages."""
    parts = []
    for para in re.split(r"\n\s*\n", text.strip()):
        while len(para) > PAGE:
            cut = max(para.rfind(". ", 0, PAGE), para.rfind("\n", 0, PAGE))
            cut = cut + 1 if cut > PAGE // 3 else PAGE
            parts.append(para[:cut].strip())
            para = para[cut:].strip()
        if para:
            parts.append(para)
    out, cur = [], ""
    for p in parts:
        if cur and len(cur) + len(p) + 2 > PAGE:
            out.append(cur)
            cur = p
        else:
            cur = (cur + "\n\n" + p) if cur else p
    if cur:
        out.append(cur)
    return out or [text]


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/mtsamples-train.csv"
    rows = list(csv.DictReader(open(src, newline="")))
    # eval-realtext's folds: a hash of the sample's name and first 80 characters.
    fold = [int(hashlib.sha256((r["sample_name"] + "|" + r["transcription"][:80]).encode()).hexdigest(), 16) % FOLDS
            for r in rows]
    y = np.array([r["doc_type"] for r in rows])
    texts = [r["transcription"] for r in rows]
    npages = np.array([len(pages(t)) for t in texts])
    models = {
        "logistic regression": lambda: LogisticRegression(C=10, class_weight="balanced", max_iter=2000),
        "linear SVM": lambda: LinearSVC(C=0.5, class_weight="balanced"),
    }
    print("| model | words | page macro-F1 | page accuracy |")
    print("| --- | --- | ---: | ---: |")
    for name, make in models.items():
        for grams in ((1, 1), (1, 2)):
            pred = np.empty(len(rows), dtype=object)
            for f in range(FOLDS):
                train = [i for i in range(len(rows)) if fold[i] != f]
                test = [i for i in range(len(rows)) if fold[i] == f]
                vec = TfidfVectorizer(ngram_range=grams, sublinear_tf=True, min_df=2)
                model = make().fit(vec.fit_transform([texts[i] for i in train]), y[train])
                pred[test] = model.predict(vec.transform([texts[i] for i in test]))
            yp, pp = np.repeat(y, npages), np.repeat(pred, npages)
            print("| %s | %d-%d-grams | %.3f | %.3f |" % (
                name, grams[0], grams[1], f1_score(yp, pp, average="macro"), (yp == pp).mean()))


if __name__ == "__main__":
    main()
