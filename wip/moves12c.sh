#!/usr/bin/env bash
# Issue 12 (branch issue-12c): module moves and renames, with the import rewrites that follow.
#
#   bash wip/moves12c.sh REPO_DIR [STEP ...]      STEP: owners testweb words crawler (default: all)
#
# Idempotent: a move happens only while its source exists and its target does not; rewrites only
# match old names, so a second run changes nothing. Safe on a branch whose new code still imports
# the old paths: every *.py file (and README, docs, Makefile, pyproject, configs) is rewritten.
# Module moves are `git mv` + sed on dotted names and on paths; names that move out of a module
# that stays (e.g. OutputError out of seedcrawl.archive.errors) are split out of `from X import
# a, b` lines by the small Python rewriter below. Afterwards ruff sorts the touched imports.
set -euo pipefail

REPO=$(cd "${1:?usage: moves12c.sh REPO_DIR [owners|testweb|words|crawler ...]}" && pwd)
shift
STEPS=("$@")
[ ${#STEPS[@]} -eq 0 ] && STEPS=(owners testweb words crawler)
cd "$REPO"

PY=python3
[ -x "$REPO/.venv/bin/python" ] && PY="$REPO/.venv/bin/python"

files() {
    # everything that may name a module or its path; never the environments or git's own files
    find . \( -path ./.git -o -path './.venv*' -o -path ./out -o -name node_modules -o -name __pycache__ \) -prune \
        -o -type f \( -name '*.py' -o -name '*.md' -o -name Makefile -o -name '*.toml' -o -name '*.cfg' \
        -o -name '*.yaml' -o -name '*.yml' -o -name '*.ini' \) -print
}

move() { # move SRC DST: git mv when SRC is still there (DST's folder created)
    local src=$1 dst=$2
    if [ -e "$src" ] && [ ! -e "$dst" ]; then
        mkdir -p "$(dirname "$dst")"
        git mv "$src" "$dst"
    elif [ -e "$src" ] && [ -e "$dst" ]; then
        echo "moves12c: both $src and $dst exist; merge them by hand" >&2
        exit 1
    fi
}

package() { # package DIR "docstring": an __init__.py for a new package, same bytes on every branch
    local dir=$1 doc=$2
    mkdir -p "$dir"
    if [ ! -e "$dir/__init__.py" ]; then
        printf '"""%s"""\n' "$doc" >"$dir/__init__.py"
        git add "$dir/__init__.py"
    fi
}

rename_module() { # rename_module OLD.DOTTED NEW.DOTTED old/path.py new/path.py
    local old=$1 new=$2 oldpath=$3 newpath=$4
    local old_re=${old//./\\.} oldpath_re=${oldpath//./\\.}
    files | xargs sed -i -E \
        -e "s/(^|[^A-Za-z0-9_.])${old_re}([^A-Za-z0-9_]|$)/\1${new}\2/g" \
        -e "s#(^|[^A-Za-z0-9_./])${oldpath_re}([^A-Za-z0-9_]|$)#\1${newpath}\2#g"
}

rename_path() { # rename_path old/path/ new/path/: mentions of a moved folder in docs and code
    local old_re=${1//./\\.}
    files | xargs sed -i -E "s#(^|[^A-Za-z0-9_./])${old_re}#\1$2#g"
}

move_names() { # move_names OLD.MODULE NEW.MODULE NAME...: split those names out of `from OLD import`
    local old=$1 new=$2
    shift 2
    files | grep '\.py$' | "$PY" -c "$REWRITER" "$old" "$new" "$@"
}

# The name splitter, read once: `python -c` keeps stdin free for the list of files.
IFS= read -r -d '' REWRITER <<'PYEOF' || true
import re
import sys

old, new, names = sys.argv[1], sys.argv[2], set(sys.argv[3:])
pattern = re.compile(
    r"^(?P<indent>[ \t]*)from " + re.escape(old) + r" import "
    r"(?:\((?P<paren>[^)]*)\)|(?P<plain>[^\n#]*?))[ \t]*(?P<comment>#[^\n]*)?$",
    re.M,
)


def rewrite(match: re.Match[str]) -> str:
    body = match["paren"] if match["paren"] is not None else match["plain"]
    body = re.sub(r"#[^\n]*", "", body)
    items = [item.strip() for item in body.replace("\n", ",").split(",") if item.strip()]
    moved = [item for item in items if item.split(" as ")[0].strip() in names]
    if not moved:
        return match[0]
    kept = [item for item in items if item not in moved]
    indent, comment = match["indent"], match["comment"]
    tail = f"  {comment}" if comment else ""
    lines = []
    if kept:
        lines.append(f"{indent}from {old} import {', '.join(kept)}{tail}")
        tail = ""
    lines.append(f"{indent}from {new} import {', '.join(moved)}{tail}")
    return "\n".join(lines)


for path in sys.stdin.read().split():
    with open(path, encoding="utf-8") as stream:
        text = stream.read()
    changed = pattern.sub(rewrite, text)
    if changed != text:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(changed)
PYEOF

tidy() { # sort the imports the rewrites touched (ruff from the repo's environment, when there)
    local ruff="${RUFF:-$REPO/.venv/bin/ruff}"
    [ -x "$ruff" ] || ruff=$(command -v ruff || true)
    [ -n "$ruff" ] || return 0
    local changed
    changed=$(git status --porcelain -- '*.py' | awk '{print $NF}' | grep '\.py$' || true)
    [ -n "$changed" ] || return 0
    # shellcheck disable=SC2086
    "$ruff" check --select I --fix -q $changed >/dev/null 2>&1 || true
    # shellcheck disable=SC2086
    "$ruff" format -q $changed >/dev/null 2>&1 || true
}

step_owners() {
    # The output folder is the bottom layer (seedcrawl/outdir); archive/ keeps WARC only.
    package seedcrawl/outdir "The output folder: its layout, its run lock, atomic writes into it, and the errors about it.

The bottom layer: every package may use it, and it imports none of them.
"
    move archive/layout.py seedcrawl/outdir/layout.py
    move archive/lock.py seedcrawl/outdir/lock.py
    move archive/atomic.py seedcrawl/outdir/atomic.py
    rename_module seedcrawl.archive.layout seedcrawl.outdir.layout archive/layout.py seedcrawl/outdir/layout.py
    rename_module seedcrawl.archive.lock seedcrawl.outdir.lock archive/lock.py seedcrawl/outdir/lock.py
    rename_module seedcrawl.archive.atomic seedcrawl.outdir.atomic archive/atomic.py seedcrawl/outdir/atomic.py
    # a subprocess snippet in tests/test_flows.py still used the pre-namespace name
    files | grep '\.py$' | xargs sed -i -E 's/from archive\.lock import/from seedcrawl.outdir.lock import/g'
    move_names seedcrawl.archive.errors seedcrawl.outdir.errors OutputError FolderBusy

    # What crawler and pipelines agree on (seedcrawl/contract): records, file names, the topic.
    package seedcrawl/contract "What crawler and pipelines agree on: the corpus files and their records, and the topic profile.

Both packages import from here and never from each other, so a crawl can read what processing wrote
(incremental runs) and processing can read what a crawl saved (the topic) without a back arrow.
"
    move pipelines/topic.py seedcrawl/contract/topic.py
    move pipelines/data seedcrawl/contract/data  # the topic's background corpus
    rename_path pipelines/data/ seedcrawl/contract/data/
    rename_module pipelines.topic seedcrawl.contract.topic pipelines/topic.py seedcrawl/contract/topic.py  # pre-namespace name in docs
    rename_module seedcrawl.pipelines.topic seedcrawl.contract.topic pipelines/topic.py seedcrawl/contract/topic.py
    move_names seedcrawl.pipelines.corpus seedcrawl.contract.records \
        ARTICLES REJECTS DUPLICATES CLUSTERS iter_lines lines_from
    move_names seedcrawl.pipelines.document seedcrawl.contract.records WarcRef warc_ref
    move_names seedcrawl.pipelines.runner seedcrawl.contract.records TOPIC_FILE
    move_names seedcrawl.crawler.focus seedcrawl.contract.records TOPIC_FILE
    # the console progress bar serves crawl and process alike
    move pipelines/progress.py seedcrawl/progress.py
    rename_module seedcrawl.pipelines.progress seedcrawl.progress pipelines/progress.py seedcrawl/progress.py
}

step_testweb() {
    # seedcrawl/testweb keeps what `seedcrawl demo` serves; request logs and ground truth go to
    # tests/support/testweb (bench imports them there). Its __init__.py is hand-written (branch issue-12c).
    move seedcrawl/testweb/reqlog.py tests/support/testweb/request_log.py
    move seedcrawl/testweb/truth.py tests/support/testweb/truth.py
    move seedcrawl/testweb/manifest.py tests/support/testweb/manifest.py
    move seedcrawl/testweb/cli.py seedcrawl/testweb/serving.py  # `python -m seedcrawl.testweb` stays
    rename_module seedcrawl.testweb.reqlog tests.support.testweb.request_log seedcrawl/testweb/reqlog.py tests/support/testweb/request_log.py
    rename_module seedcrawl.testweb.truth tests.support.testweb.truth seedcrawl/testweb/truth.py tests/support/testweb/truth.py
    rename_module seedcrawl.testweb.manifest tests.support.testweb.manifest seedcrawl/testweb/manifest.py tests/support/testweb/manifest.py
    rename_module seedcrawl.testweb.cli seedcrawl.testweb.serving seedcrawl/testweb/cli.py seedcrawl/testweb/serving.py
    move_names tests.support.testweb.request_log seedcrawl.testweb.served LOGGED_HEADERS LoggedRequest pick_headers
    # modules that reused product names get their own
    move seedcrawl/testweb/layout.py seedcrawl/testweb/page_layout.py
    move seedcrawl/testweb/corpus.py seedcrawl/testweb/stories.py
    move seedcrawl/testweb/chrome.py seedcrawl/testweb/site_chrome.py
    move seedcrawl/testweb/feeds.py seedcrawl/testweb/demo_feeds.py
    rename_module seedcrawl.testweb.layout seedcrawl.testweb.page_layout seedcrawl/testweb/layout.py seedcrawl/testweb/page_layout.py
    rename_module seedcrawl.testweb.corpus seedcrawl.testweb.stories seedcrawl/testweb/corpus.py seedcrawl/testweb/stories.py
    rename_module seedcrawl.testweb.chrome seedcrawl.testweb.site_chrome seedcrawl/testweb/chrome.py seedcrawl/testweb/site_chrome.py
    rename_module seedcrawl.testweb.feeds seedcrawl.testweb.demo_feeds seedcrawl/testweb/feeds.py seedcrawl/testweb/demo_feeds.py
    # `from seedcrawl.testweb import feeds, pages` names the module: rename it where it is used that way
    for f in $(files | grep '\.py$' | xargs grep -l 'from seedcrawl.testweb import feeds' || true); do
        sed -i -E -e 's/from seedcrawl\.testweb import feeds, pages/from seedcrawl.testweb import demo_feeds, pages/' \
            -e 's/(^|[^A-Za-z0-9_.])feeds\./\1demo_feeds./g' "$f"
    done
    # tests and benchmarks take the test web (with its request log and truth) from tests/support
    local user
    for user in $(find tests bench -name '*.py' -not -path 'tests/support/testweb/*' 2>/dev/null); do
        sed -i -E 's/^(\s*)from seedcrawl\.testweb import /\1from tests.support.testweb import /' "$user"
    done
    files | xargs sed -i -E 's/python -m seedcrawl\.testweb --(log|manifest)/python -m tests.support.testweb --\1/g'
}

step_words() {
    # one word_count (CJK-aware), in pipelines/words.py, for extraction and dedup alike
    move_names seedcrawl.pipelines.article seedcrawl.pipelines.words word_count
    move_names seedcrawl.pipelines.dedup.normalize seedcrawl.pipelines.words word_count
    move_names seedcrawl.pipelines.dedup seedcrawl.pipelines.words word_count
}

crawler_group() { # crawler_group PKG "docstring" MODULE...: move crawler/MODULE.py into crawler/PKG/
    local pkg=$1 doc=$2 module
    shift 2
    package "crawler/$pkg" "$doc"
    for module in "$@"; do
        move "crawler/$module.py" "crawler/$pkg/$module.py"
        rename_module "seedcrawl.crawler.$module" "seedcrawl.crawler.$pkg.$module" \
            "crawler/$module.py" "crawler/$pkg/$module.py"
    done
}

step_crawler() {
    # crawler/ grouped by job; capture.py, settings.py and spiders/ stay where they are. Package
    # names differ from every module name, so a second run cannot rewrite a new path again.
    # Scrapy component paths in settings (strings) are rewritten like imports.
    crawler_group components "Scrapy components: downloader middlewares, download handlers and extensions (capture.py aside)." \
        head_limits scope frontier_mw robots retry_after cookies limits truncation report
    crawler_group run "Frontier and run state: what is queued and seen, what a run keeps on disk, resume, replay, incremental runs." \
        frontier frontier_store crawl_state resume replay incremental revalidate
    crawler_group sharding "Crawl shards: who owns a host, and what shards share through Redis." \
        shards shard_history shard_link shard_queue
    crawler_group discover "Discovery and URL parsing: feeds, sitemaps, links, listing pages, canonical URLs, scope, seeds, focus." \
        discovery feeds sitemaps sites links listing urls canonical scope_rules seeds traps requisites focus
    crawler_group chromium "Rendering in headless Chromium: when to render, the browser, its requests and its processes." \
        browser browser_cache browser_process browser_requests render_decision rendering
}

for step in "${STEPS[@]}"; do
    "step_$step"
done
tidy
