"""When a rendered page has settled: no request in flight and nothing new for a short quiet spell.

Playwright's "networkidle" waits for 500 ms without a request, a fixed cost on every rendered page
(half of a typical render on a busy machine). A page's own view is sharper: a script installed in
every document before the page's own (`SETTLE_SCRIPT`) counts the fetch/XHR calls in flight and
notes the last activity (a call made or answered, a resource loaded, the DOM changed). The page has
settled once its document is complete, no call is in flight and nothing happened for
SEEDCRAWL_BROWSER_QUIET_MS, while the route handler answers none of its requests either. Why the
page's view and not only ours: a request crosses from Chromium through Playwright's driver before
the route handler sees it, which under load came after a quiet spell of our own counting.

A short timer not yet fired counts too (a script that fetches its data "a moment after load"), and
so do DOM changes, both only for a bounded time (`DOM_QUIET_FACTOR` quiet spells after the last
network activity): a page that animates or polls forever (a ticker, a carousel) still settles.
The script adds nothing to the document: the DOM archived is the page's own.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

DOM_QUIET_FACTOR = 4
# A timer set for at most this long counts as activity still to come (within the same bound).
MAX_TIMER_MS = 1000
# Installed with the context's init scripts: runs in every document before the page's scripts.
# Wrapping fetch and XMLHttpRequest is how the page's own calls are seen when they are made.
SETTLE_SCRIPT = """(() => {
  if (window.__seedcrawlSettle) return;
  const s = {pending: 0, net: performance.now(), dom: performance.now(), timers: new Set()};
  Object.defineProperty(window, '__seedcrawlSettle', {value: s, enumerable: false});
  s.setTimeout = window.setTimeout;  // unwrapped, for settle's own checks: not the page's timers
  const net = () => { s.net = performance.now(); };
  const done = () => { s.pending = Math.max(0, s.pending - 1); net(); };
  const fetch0 = window.fetch;
  if (fetch0) {
    window.fetch = function (...args) {
      s.pending++; net();
      let p;
      try { p = fetch0.apply(this, args); } catch (e) { done(); throw e; }
      p.then(done, done);
      return p;
    };
  }
  const send0 = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    s.pending++; net();
    this.addEventListener('loadend', done, {once: true});
    try { return send0.apply(this, args); } catch (e) { done(); throw e; }
  };
  // A short timer still to fire may start a request (data fetched "a moment after load").
  const setTimeout0 = s.setTimeout, clearTimeout0 = window.clearTimeout;
  window.setTimeout = function (fn, delay, ...args) {
    if (typeof fn !== 'function' || !(Number(delay || 0) <= MAX_TIMER_MS)) {
      return setTimeout0.call(this, fn, delay, ...args);
    }
    const id = setTimeout0.call(this, function (...a) { s.timers.delete(id); return fn.apply(this, a); }, delay, ...args);
    s.timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { s.timers.delete(id); return clearTimeout0.call(this, id); };
  try {
    new PerformanceObserver(net).observe({type: 'resource', buffered: false});
  } catch (e) {}
  new MutationObserver(() => { s.dom = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();""".replace("MAX_TIMER_MS", str(MAX_TIMER_MS))
# Resolves once the page is quiet (its idle time in ms), after at most `cap` ms (-1 then); null
# where the settle script is missing (a document it could not be installed in).
_WAIT_QUIET = """([quiet, factor, cap]) => new Promise(resolve => {
  const s = window.__seedcrawlSettle;
  if (!s) { resolve(null); return; }
  const wait = s.setTimeout;
  const start = performance.now();
  const check = () => {
    const now = performance.now();
    const netIdle = now - s.net, domIdle = now - s.dom;
    const idle = document.readyState === 'complete' && s.pending === 0 && netIdle >= quiet
      && ((domIdle >= quiet && s.timers.size === 0) || netIdle >= factor * quiet);
    if (idle) { resolve(Math.min(netIdle, domIdle)); return; }
    if (now - start >= cap) { resolve(-1); return; }
    wait(check, Math.max(10, Math.min(quiet - Math.min(netIdle, domIdle), 50)));
  };
  check();
})"""
_POLL_S = 0.02  # while the route handler still answers one of the page's requests


async def wait_settled(tab: Any, quiet_ms: int, deadline: float) -> bool | None:
    """Wait until the tab's page has settled: True, False at `deadline`, None without the script.

    `tab` is a crawler/chromium/browser_requests.py Tab: its `pending` and `routed` counts are the
    route handler's.
    """
    from playwright.async_api import Error as PlaywrightError

    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if tab.pending:
            await asyncio.sleep(min(_POLL_S, left))
            continue
        routed = tab.routed
        try:
            idle = await asyncio.wait_for(
                tab.page.evaluate(_WAIT_QUIET, [quiet_ms, DOM_QUIET_FACTOR, int(left * 1000)]), left
            )
        except TimeoutError:
            return False
        except PlaywrightError as exc:
            if "context was destroyed" in str(exc) or "navigat" in str(exc):
                continue  # the page navigated itself: its new document is waited for
            raise
        if idle is None:
            return None
        if idle < 0:
            return False
        if tab.pending == 0 and tab.routed == routed:
            return True
        # A request reached the route handler meanwhile: the page is quiet once it is answered.
