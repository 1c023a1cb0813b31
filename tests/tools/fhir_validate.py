#!/usr/bin/env python3
"""Validates chartmill's FHIR export with an independent FHIR R4 model.

Usage: fhir_validate.py FILE...   (DocumentReference NDJSON files, Bundle JSON files)

Every resource is parsed by `fhir.resources` (6.5.0: FHIR R4, 4.0.1, on
pydantic 1), which rejects unknown elements, wrong types and missing
required elements. On top of that, the elements US Core's DocumentReference
profile requires are checked to be present. Prints one line per resource
that fails and a summary line; exits 1 when any fails.
"""
import json
import sys

from fhir.resources import __version__ as fhir_resources_version
from fhir.resources.bundle import Bundle
from fhir.resources.documentreference import DocumentReference

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference"


def us_core_problems(r):
    """What US Core DocumentReference requires that `r` (a dict) lacks."""
    problems = []
    for key in ("status", "type", "category", "content", "identifier"):
        if not r.get(key):
            problems.append(f"no {key}")
    if r.get("status") == "current" and not r.get("subject"):
        problems.append("no subject")
    for c in r.get("content", []):
        a = c.get("attachment", {})
        if not (a.get("url") or a.get("data")):
            problems.append("attachment without url or data")
        if not a.get("contentType"):
            problems.append("attachment without contentType")
    if US_CORE not in r.get("meta", {}).get("profile", []):
        problems.append("no US Core profile in meta")
    return problems


def main(paths):
    ok, bad = 0, 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            if path.endswith(".ndjson"):
                resources = [json.loads(line) for line in f if line.strip()]
            else:
                bundle = json.load(f)
                try:
                    Bundle.parse_obj(bundle)
                except Exception as e:  # noqa: BLE001 - report any validation error
                    print(f"{path}: bundle: {e}".replace("\n", " "))
                    bad += 1
                    continue
                if bundle.get("type") != "transaction":
                    print(f"{path}: bundle type is {bundle.get('type')}, not transaction")
                    bad += 1
                resources = [e["resource"] for e in bundle.get("entry", [])]
        for r in resources:
            where = f"{path}: {r.get('resourceType')}/{r.get('id')}"
            try:
                DocumentReference.parse_obj(r)
            except Exception as e:  # noqa: BLE001
                print(f"{where}: {e}".replace("\n", " "))
                bad += 1
                continue
            problems = us_core_problems(r)
            if problems:
                print(f"{where}: {', '.join(problems)}")
                bad += 1
            else:
                ok += 1
    print(f"fhir.resources {fhir_resources_version} (R4): {ok} resources valid, {bad} invalid")
    return 1 if bad or not ok else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
