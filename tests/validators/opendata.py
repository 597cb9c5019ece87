"""Runs the community's own validators over a built gongbao site.

    python3 tests/validators/opendata.py PUBLIC_DIR

Checks: the Frictionless Data Package validates (frictionless); documents.json matches its
JSON Schema (jsonschema, which frictionless brings); every Atom feed parses with
feedparser without bozo; documents.jsonld and every page's embedded JSON-LD expand with pyld
(offline: the context is inline, and any attempt to load a remote context fails the check).
Prints one line per check and exits 1 on the first failure.
"""
import glob
import json
import os
import re
import sys

import feedparser
import frictionless
import jsonschema
from pyld import jsonld


def offline_loader(url, options=None):
    raise RuntimeError(f"JSON-LD tried to load a remote document: {url}")


jsonld.set_document_loader(offline_loader)


def fail(msg):
    print(f"FAIL {msg}")
    sys.exit(1)


def main(out):
    report = frictionless.validate(os.path.join(out, "data", "datapackage.json"))
    if not report.valid:
        fail("frictionless: " + json.dumps(report.flatten(["type", "note"]), ensure_ascii=False)[:2000])
    print(f"ok frictionless: {len(report.tasks)} resources valid")

    with open(os.path.join(out, "data", "schemas", "documents.schema.json"), encoding="utf-8") as fh:
        schema = json.load(fh)
    with open(os.path.join(out, "data", "documents.json"), encoding="utf-8") as fh:
        documents = json.load(fh)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(documents), key=str)
    if errors:
        fail(f"jsonschema: documents.json does not match its schema: {errors[0].message} at {list(errors[0].path)}")
    print(f"ok jsonschema: documents.json matches data/schemas/documents.schema.json ({documents['count']} documents)")

    feeds = sorted(glob.glob(os.path.join(out, "feeds", "*.atom")))
    if not feeds:
        fail("no feeds")
    for f in feeds:
        d = feedparser.parse(f)
        if d.bozo:
            fail(f"feedparser {f}: {d.bozo_exception}")
        ids = [e.id for e in d.entries]
        if len(ids) != len(set(ids)):
            fail(f"feedparser {f}: duplicate entry ids")
    print(f"ok feedparser: {len(feeds)} feeds, bozo false")

    with open(os.path.join(out, "data", "documents.jsonld"), encoding="utf-8") as fh:
        doc = json.load(fh)
    expanded = jsonld.expand(doc)
    types = {t for node in expanded for t in node.get("@type", [])}
    if "https://schema.org/Legislation" not in types:
        fail(f"pyld: no Legislation in documents.jsonld, types {types}")
    print(f"ok pyld: documents.jsonld expands to {len(expanded)} nodes")

    pages = 0
    pattern = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
    for page in glob.glob(os.path.join(out, "**", "index.html"), recursive=True):
        with open(page, encoding="utf-8") as fh:
            for block in pattern.findall(fh.read()):
                if not jsonld.expand(json.loads(block)):
                    fail(f"pyld: {page} expands to nothing")
                pages += 1
    if pages == 0:
        fail("pyld: no page embeds JSON-LD")
    print(f"ok pyld: {pages} embedded JSON-LD blocks expand")


if __name__ == "__main__":
    main(sys.argv[1])
