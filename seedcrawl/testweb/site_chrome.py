"""Markup for the chrome a seed article's source page carried, each kind where real sites put it.

Every string goes through the `ChromeLog`, so the manifest lists exactly what a page shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from seedcrawl.testweb.page_layout import ChromeLog, View, attr
from seedcrawl.testweb.stories import Story

_DATE = re.compile(r"^\d{1,2} [a-z]+ \d{4} \| \d\d:\d\d$")


@dataclass(slots=True)
class Slots:
    """Rendered chrome by place on the article page."""

    top: list[str] = field(default_factory=list)  # before the masthead
    figure: list[str] = field(default_factory=list)  # lead image
    lead: list[str] = field(default_factory=list)  # between headline and body
    after: list[str] = field(default_factory=list)  # right after the body, inside <article>
    aside: list[str] = field(default_factory=list)  # next to the article
    comments: list[str] = field(default_factory=list)
    bottom: list[str] = field(default_factory=list)  # after everything, before the newsletter box


def _box(tag: str, cls: str, kind: str, items: Sequence[str], mark: ChromeLog) -> str:
    """A heading (if the first line is short enough to be one), paragraphs, call-to-action buttons."""
    parts = [f"<h2>{mark(kind, items[0])}</h2>"] if len(items[0]) < 80 else []
    for item in items[len(parts) :]:
        if len(item) < 30:
            parts.append(f'<button type="button">{mark(kind, item)}</button>')
        else:
            parts.append(f"<p>{mark(kind, item)}</p>")
    return f'<{tag} class="{cls}">' + "\n".join(parts) + f"</{tag}>"


def _comment_form(items: Sequence[str], mark: ChromeLog) -> str:
    rows = []
    for item in items[1:]:
        if item.endswith(("Logo", "picture", "photo")):
            slug = re.sub(r"[^a-z]+", "-", item.lower()).strip("-")
            rows.append(
                f'<img class="avatar" src="/static/img/{slug}.png" alt="{mark.attr("comment_form", item)}">'
            )
        else:
            rows.append(f"<p>{mark('comment_form', item)}</p>")
    return (
        '<section id="comments" class="comments-area">\n<div id="respond" class="comment-respond">\n'
        f'<h3 id="reply-title" class="comment-reply-title">{mark("comment_form", items[0])}</h3>\n'
        '<form id="commentform" class="comment-form" action="/wp-comments-post.php" method="post">\n'
        + "\n".join(rows)
        + '\n<p class="comment-form-comment"><textarea id="comment" name="comment" rows="6"></textarea></p>'
        '\n<p class="form-submit"><input type="submit" value="Post Comment"></p>\n</form>\n</div>\n</section>'
    )


def _figure(story: Story, mark: ChromeLog) -> str:
    caption = story.chrome["caption"][0]
    credits = "".join(
        f' <span class="credit">{mark("credit", c)}</span>' for c in story.chrome.get("credit", ())
    )
    return (
        f'<figure class="lead-image"><img src="/static/img/{story.slug}.jpg" alt="{attr(caption)}" '
        f'width="800" height="450"><figcaption><span class="caption">{mark("caption", caption)}</span>'
        f"{credits}</figcaption></figure>"
    )


def _link_line(cls: str, href: str) -> Callable[[Sequence[str], ChromeLog, str], str]:
    def render(items: Sequence[str], mark: ChromeLog, kind: str) -> str:
        return "".join(f'<p class="{cls}"><a href="{href}">{mark(kind, item)}</a></p>' for item in items)

    return render


def render_seed_chrome(story: Story, view: View, mark: ChromeLog) -> Slots:
    slots = Slots()
    chrome = story.chrome
    sentinel = view.sentinel_url
    after_renderers = {
        "author_contact": _link_line("author-contact", "mailto:newsroom@example.org"),
        "continue_reading": _link_line("continue-reading", f"{sentinel}/russia-direct/{story.slug}"),
        "read_more": _link_line("read-more", "/"),
        "source_credit": _link_line("source-credit", f"{sentinel}/vestnik-kavkaza/"),
        "social": _link_line("social-follow", f"{sentinel}/telegram/"),
    }
    for kind, items in chrome.items():
        if kind in ("caption", "credit"):
            continue
        if kind == "accessibility":
            slots.top.append(
                f'<nav class="accessibility-links" aria-label="Accessibility links"><p>{mark(kind, items[0])}</p>'
                f'<ul><li><a href="#main">{mark(kind, "Skip to main content")}</a></li>'
                f'<li><a href="#nav">{mark(kind, "Skip to main navigation")}</a></li></ul></nav>'
            )
        elif kind == "breaking":
            slots.top.append(
                f'<div class="breaking-news" role="alert"><strong>{mark(kind, items[0])}</strong> '
                f'<a href="/live/">{mark(kind, "Follow our live coverage")}</a></div>'
            )
        elif kind == "donation":
            slots.lead.append(_box("aside", "support-us support-us--banner", kind, items, mark))
        elif kind == "donation_appeal":
            slots.bottom.append(_box("aside", "support-us support-us--appeal", kind, items, mark))
        elif kind == "popup":
            buttons = "".join(f'<button type="button">{mark(kind, i)}</button>' for i in items[1:])
            slots.bottom.append(
                f'<div class="modal" id="promo-modal" role="dialog"><p>{mark(kind, items[0])}</p>{buttons}</div>'
            )
        elif kind == "comment_form":
            slots.comments.append(_comment_form(items, mark))
        elif kind == "archive_list":
            dates = "".join(f"<li><time>{mark(kind, i)}</time></li>" for i in items if _DATE.match(i))
            pager = "".join(f'<p class="pager">{mark(kind, i)}</p>' for i in items if not _DATE.match(i))
            slots.aside.append(
                f'<div class="archive-list"><ul class="archive-dates">{dates}</ul>{pager}</div>'
            )
        elif kind in after_renderers:
            slots.after.append(after_renderers[kind](items, mark, kind))
        else:
            paras = "".join(f"<p>{mark(kind, i)}</p>" for i in items)
            slots.after.append(f'<div class="widget widget-{kind}">{paras}</div>')
    if "caption" in chrome:
        slots.figure.append(_figure(story, mark))
    if story.related:
        related = "".join(
            f'<li><time>{mark("related_list", r.date)}</time> <a href="/tag/russia/">'
            f'{mark("related_list", r.title)}</a><p class="teaser">{mark("related_list", r.teaser)}</p></li>'
            for r in story.related
        )
        slots.aside.append(f'<section class="related-articles"><ul class="related">{related}</ul></section>')
    return slots
