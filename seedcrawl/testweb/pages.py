"""HTML pages of a demo site: home, section, tag, article and the private page."""

from __future__ import annotations

import json
from collections.abc import Sequence

from seedcrawl.testweb.catalog import ON_TOPIC_TAGS, Article, charset_label
from seedcrawl.testweb.page_layout import ChromeLog, View, attr, esc, shell
from seedcrawl.testweb.site_chrome import render_seed_chrome

PAGE_SIZE = 4  # section listings paginate with ?page=N beyond this many articles


def human_date(article: Article) -> str:
    moment = article.story.published
    return f"{moment.day} {moment:%B %Y}"


def teaser(article: Article, words: int = 28) -> str:
    first = article.story.body[0].split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


def editors_pick(view: View) -> Article:
    """Target of the /go/editors-pick 302 -> 301 chain: the site's first on-topic article."""
    return min(
        (a for a in view.articles if a.story.on_topic), key=lambda a: a.old_id, default=view.articles[-1]
    )


def archive_pick(view: View) -> Article:
    """The article the home page links to by its legacy /story.php?id= URL: the oldest one."""
    return min(view.articles, key=lambda a: (a.story.published, a.old_id))


def _item(article: Article, cls: str = "") -> str:
    return (
        f'<li class="{cls}"><a href="{article.path}">{esc(article.story.title)}</a> '
        f'<time datetime="{article.story.published.isoformat()}">{human_date(article)}</time>'
        f'<p class="teaser">{esc(teaser(article))}</p></li>'
    )


def _page(view: View, title: str, main: str, path: str) -> str:
    return shell(view, title=title, main=main, canonical=view.base_url + path, mark=ChromeLog())


def home_page(view: View) -> str:
    arts = view.articles
    on_topic = "".join(_item(a) for a in arts if a.story.on_topic)
    blocks = "".join(
        f'<section class="section-block"><h2><a href="/{slug}/">{esc(label)}</a></h2>'
        f"<ul>{''.join(_item(a) for a in view.in_section(slug)[:3])}</ul></section>\n"
        for slug, label in view.style.sections
    )
    partner = ""
    if view.style.partner_offers:
        partner = (
            f'<aside class="partners"><a href="{view.sentinel_url}/offers/{view.style.name}">'
            "Offers from our commercial partners</a></aside>"
        )
    old = archive_pick(view)
    main = f"""<section class="top-stories"><h2>Top stories</h2>
<ul class="headlines">{"".join(_item(a, "lead" if i == 0 else "") for i, a in enumerate(arts[:6]))}</ul></section>
<section class="in-depth"><h2>In depth: US-Russia diplomacy</h2><ul>{on_topic}</ul>
<p><a href="/tag/{ON_TOPIC_TAGS[0]}/">All our Russia coverage</a></p></section>
{blocks}<section class="archive"><h2>From the archive</h2><ul>
<li><a href="/story.php?id={old.old_id}">{esc(old.story.title)}</a></li>
<li><a href="/go/editors-pick">Editor's pick of the week</a></li></ul></section>
{partner}"""
    return _page(view, f"{view.style.title} - {view.style.tagline}", main, "/")


def section_page(view: View, slug: str, page_no: int) -> str | None:
    """One page of a section listing, or None when the page number is out of range."""
    arts = view.in_section(slug)
    pages = max(1, -(-len(arts) // PAGE_SIZE))
    if not 1 <= page_no <= pages:
        return None
    shown = arts[(page_no - 1) * PAGE_SIZE : page_no * PAGE_SIZE]
    pager = []
    if page_no > 1:
        pager.append(
            f'<a rel="prev" href="/{slug}/{"" if page_no == 2 else f"?page={page_no - 1}"}">Newer</a>'
        )
    if page_no < pages:
        pager.append(f'<a rel="next" href="/{slug}/?page={page_no + 1}">Older</a>')
    label = view.section_label(slug)
    main = (
        f'<h1 class="section-title">{esc(label)}</h1>\n<ul class="section-list">'
        f'{"".join(_item(a) for a in shown)}</ul>\n<nav class="pager">{" ".join(pager)}</nav>'
    )
    path = f"/{slug}/" + ("" if page_no == 1 else f"?page={page_no}")
    return _page(view, f"{label} | {view.style.title}", main, path)


def tag_page(view: View, tag: str) -> str:
    arts = [a for a in view.articles if tag in a.placement.tags]
    main = f'<h1 class="tag-title">Tagged: {esc(tag)}</h1>\n<ul class="tag-list">{"".join(map(_item, arts))}</ul>'
    return _page(view, f"{tag.title()} | {view.style.title}", main, f"/tag/{tag}/")


def private_page(view: View) -> str:
    main = (
        "<h1>Staff area: unpublished drafts</h1>\n<p>This page is for newsroom staff. Crawlers that honour "
        "robots.txt never see it.</p>"
    )
    return _page(view, f"Drafts | {view.style.title}", main, "/private/drafts/")


def _body(article: Article) -> str:
    story = article.story
    out = []
    for para in story.body:
        if para in story.subheads:
            out.append(f"<h2>{esc(para)}</h2>")
        elif para in story.quotes:
            out.append(f"<blockquote><p>{esc(para)}</p></blockquote>")
        else:
            out.append(f"<p>{esc(para)}</p>")
    return "\n".join(out)


def _json_ld(view: View, article: Article) -> str:
    story = article.story
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published.isoformat(),
        "dateModified": article.modified.isoformat(),
        "publisher": {"@type": "Organization", "name": view.style.title},
    }
    if story.byline:
        data["author"] = {"@type": "Person", "name": story.byline}
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def article_page(view: View, article: Article) -> tuple[str, dict[str, list[str]]]:
    """The article's HTML and every chrome string on it, by kind."""
    story, placement = article.story, article.placement
    mark = ChromeLog()
    slots = render_seed_chrome(story, view, mark)
    label = view.section_label(article.section)
    standfirst = f'<p class="standfirst">{esc(story.standfirst)}</p>\n' if story.standfirst else ""
    byline = (
        f'<p class="byline">By <span class="author">{esc(story.byline)}</span></p>\n' if story.byline else ""
    )
    tags = ", ".join(f'<a rel="tag" href="/tag/{t}/">{esc(t.title())}</a>' for t in placement.tags)
    others = [a for a in view.in_section(article.section) if a.path != article.path][:3]
    more = "".join(f'<li><a href="{a.path}">{mark("more_from", a.story.title)}</a></li>' for a in others)
    share = "".join(
        f'<a class="share-{net}" href="{view.sentinel_url}/share/{net}">{mark("share", text)}</a> '
        for net, text in (
            ("facebook", "Share on Facebook"),
            ("x", "Post this story on X"),
            ("email", "Email a friend"),
        )
    )

    def joined(items: Sequence[str]) -> str:
        return "".join(item + "\n" for item in items)

    main = f"""<article class="story" itemscope itemtype="https://schema.org/NewsArticle">
<header class="story-header">
<p class="kicker"><a href="/{article.section}/">{esc(label)}</a></p>
<h1 itemprop="headline">{esc(story.title)}</h1>
{standfirst}{byline}<time itemprop="datePublished" datetime="{story.published.isoformat()}">{human_date(article)}</time>
</header>
{joined(slots.figure)}{joined(slots.lead)}<div class="{view.style.body_class}" itemprop="articleBody">
{_body(article)}
</div>
{joined(slots.after)}<div class="share-tools"><span>{mark("share", "Share this article")}</span> {share}</div>
{f'<p class="tags">Filed under: {tags}</p>' if tags else ""}
</article>
{joined(slots.aside)}<section class="more-from"><h2>{mark("more_from", f"More from {label}")}</h2><ul class="related">{more}</ul></section>
{joined(slots.comments)}{joined(slots.bottom)}"""
    head = (
        f'<meta property="og:type" content="article">\n<meta property="og:title" content="{attr(story.title)}">\n'
        f'<meta property="article:published_time" content="{story.published.isoformat()}">\n'
        f'<script type="application/ld+json">{_json_ld(view, article)}</script>\n'
    )
    charset = (
        None
        if placement.charset_in_header and placement.encoding != "utf-8"
        else charset_label(placement.encoding)
    )
    text = shell(
        view,
        title=f"{story.title} | {view.style.title}",
        main=main,
        canonical=view.base_url + article.path,
        mark=mark,
        description=teaser(article),
        head=head,
        top="".join(slots.top),
        charset=charset,
        lang=story.lang,
    )
    return text, mark.by_kind
