"""Dump every dev page's per-record result as JSON, to prove a speed change changes no output.

    .venv/bin/python bench/extraction_identity.py --dump /tmp/before.json   # on the old code
    .venv/bin/python bench/extraction_identity.py --dump /tmp/after.json --compare /tmp/before.json

Each page of aeb-dev and wcxb-dev goes through `pipelines.steps.process_one` under each candidate
configuration of `bench/extraction.py` (all of them by default, since the cross-validated figure
depends on all); the whole record (every `Document` field) or the rejection is kept. `--compare`
lists the pages whose result differs and exits 1 when any does.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.extraction import CANDIDATES, FETCHED_AT
from bench.extraction_sets import SHARED, load_aeb, load_wcxb
from seedcrawl.contract.records import WarcRef
from seedcrawl.pipelines.decode import DecodeOptions
from seedcrawl.pipelines.document import Document
from seedcrawl.pipelines.steps import StepOptions, process_one

_REF = WarcRef("bench.warc.gz", 0, 0, "<urn:uuid:bench>", None)


def results(names: list[str], aeb: Path, wcxb: Path) -> dict[str, dict[str, object]]:
    pages = load_aeb(aeb) + load_wcxb(wcxb)
    out: dict[str, dict[str, object]] = {}
    for name in names:
        options = StepOptions(DecodeOptions(), CANDIDATES[name])
        start = time.process_time()
        for page in pages:
            doc = Document(
                page.page_id, page.url, FETCHED_AT, _REF, content_type="text/html", payload=page.body
            )
            result = process_one(doc, options)
            fields = dataclasses.asdict(result)
            fields["kind"] = type(result).__name__
            out[f"{name}|{page.key}"] = json.loads(json.dumps(fields, default=str))
        ms = 1000 * (time.process_time() - start) / len(pages)
        print(f"{name}: {ms:.1f} CPU ms per page ({len(pages)} pages)", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--aeb", type=Path, default=SHARED / "aeb-dev")
    parser.add_argument("--wcxb", type=Path, default=SHARED / "wcxb-dev")
    parser.add_argument(
        "--candidate",
        action="append",
        choices=list(CANDIDATES),
        help="one candidate (repeat); all by default",
    )
    parser.add_argument("--dump", type=Path, required=True, help="write the results here (JSON)")
    parser.add_argument("--compare", type=Path, help="results of the old code to compare with")
    args = parser.parse_args()
    new = results(args.candidate or list(CANDIDATES), args.aeb, args.wcxb)
    args.dump.write_text(json.dumps(new, sort_keys=True, indent=0, ensure_ascii=False), encoding="utf-8")
    if args.compare is None:
        return 0
    old = json.loads(args.compare.read_text(encoding="utf-8"))
    old = {k: v for k, v in old.items() if k in new}
    differ = sorted(k for k in new.keys() | old.keys() if new.get(k) != old.get(k))
    for key in differ[:50]:
        fields = sorted(
            f
            for f in (new.get(key) or {}).keys() | (old.get(key) or {}).keys()
            if (new.get(key) or {}).get(f) != (old.get(key) or {}).get(f)
        )
        print(f"differs: {key}: {', '.join(fields)}")
    print(f"{len(new) - len(differ)}/{len(new)} results identical", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
