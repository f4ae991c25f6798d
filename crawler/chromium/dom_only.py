"""With `--browser auto` the browser renders for the DOM: what it need not load is never loaded.

In `auto` the HTTP crawl has archived the page and parses its requisites from the HTML
(crawler/discover/requisites.py); the browser runs the page's scripts so that their DOM can be
read. Images, fonts and media change no DOM, yet each one the browser loads costs a round trip
through the request interception: Chromium's browser process, DevTools traffic and Playwright's
driver (the body base64-coded), the largest share of a render's CPU. The resource types in
SEEDCRAWL_BROWSER_AUTO_SKIP are therefore not loaded: images and fonts are turned off in Chromium
itself (they never reach the route handler), any other type is refused by the route handler.
What the scripts add to the DOM is still archived: the spider parses the rendered DOM's
requisites and fetches them over HTTP like the page's own (crawler/spiders/news.py).

The cost of that: an image that is not loaded fires no `load` (nor `error`) event, so a script
that waits for one (a gallery that lays itself out once its images are in, text fetched after the
hero image) never goes on, and the page is archived as its script left it. Such a site is
crawled with SEEDCRAWL_BROWSER_AUTO_SKIP= (nothing skipped; tests/test_browser_auto_requisites.py).
With `always` the browser is the capturer and loads everything: nothing is skipped there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Playwright's resource types (Request.resource_type) a page's scripts never need in order to
# build their DOM. A stylesheet may be (a script reading computed styles): off by default.
DEFAULT_SKIP = frozenset({"image", "font", "media"})
# The types Chromium can be told not to load at all, so that no request of theirs is intercepted.
_LAUNCH_ARGS = {
    "image": "--blink-settings=imagesEnabled=false",  # <img>, <picture>, CSS images, favicons
    "font": "--disable-remote-fonts",  # @font-face (the page falls back to local fonts)
}


def skipped_types(mode: str, setting: str | Iterable[str] | None) -> frozenset[str]:
    """The resource types the browser does not load in `mode` (listed apart by commas or spaces)."""
    if mode != "auto" or setting is None:
        return frozenset()
    items = re.split(r"[\s,]+", setting) if isinstance(setting, str) else setting
    return frozenset(item.strip().lower() for item in items if item.strip())


def launch_args(skip: frozenset[str]) -> list[str]:
    """Chromium switches that keep these types from being requested at all."""
    return [arg for kind, arg in sorted(_LAUNCH_ARGS.items()) if kind in skip]
