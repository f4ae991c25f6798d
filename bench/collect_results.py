"""Assemble bench/RESULTS.md: the summary (bench/results/summary.md) then each benchmark's own file.

    .venv/bin/python bench/collect_results.py

Each benchmark writes its own file under bench/results/ with the machine and date of its run;
this only puts them together, in a fixed order, so RESULTS.md never mixes hand-edited figures
with measured ones.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
ORDER = [
    "summary",
    "crawl",
    "crawl_cpu",
    "refactor_cost",
    "extraction",
    "extraction_cpu",
    "extraction_parts",
    "date_search",
    "xpath_hits",
    "extraction_path",
    "extract_budget",
    "dedup",
    "dedup_scale",
    "process_dask",
    "focus",
    "faults",
    "memory",
    "links",
    "hostile_heads",
    "report",
    "shards",
    "requisites",
    "browser",
    "browser_large",
    "browser_latency",
]


def main() -> None:
    parts = []
    for name in ORDER:
        path = HERE / "results" / f"{name}.md"
        if path.exists():
            text = path.read_text(encoding="utf-8").strip()
            if name != "summary":  # demote each file's headings one level under RESULTS.md's own
                text = "\n".join("#" + line if line.startswith("#") else line for line in text.splitlines())
            parts.append(text)
    (HERE / "RESULTS.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
