"""The text patterns of `pipelines.chrome`, one group per kind of site chrome.

Strong patterns (`SHORT_RULES`) are anchored to the start or the end of a block, or are phrases
only chrome uses, and only ever apply to short blocks. Weak patterns (`WEAK_RULES`) are the
publisher speaking to the reader ("we need your help", "please support us"); they only apply
inside a run of chrome at the start or end of the text. Patterns are English first, with the
commonest forms in a few other languages where the wording is unambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_I = re.IGNORECASE

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?"
_DATE = rf"(?:\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}(?:T[\d:.+\-Z]+)?|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}})"
_DATE_WORDS = r"(?:updated|published|posted|last updated|modified|created|on|at|am|um|le)"

# A line that is nothing but a date and/or a time, with the usual labels and separators.
DATELINE = re.compile(
    rf"^\W*(?:{_DATE_WORDS}:?\s+)*(?:{_WEEKDAY},?\s+)?(?:{_DATE}|{_TIME})"
    rf"(?:\s*[|,·•/\-–—]?\s*(?:{_DATE_WORDS}\s+)?(?:{_DATE}|{_TIME}))*\W*$",
    _I,
)

_SOCIAL = (
    r"(?:twitter|facebook|instagram|linkedin|youtube|tiktok|threads|bluesky|mastodon|telegram|whatsapp|x)"
)
_SHARE_TOKEN = (
    r"(?:share(?: (?:this|on|via) [\w. ]{0,20})?|tweet|e-?mail|print|pin(?: it)?|save|copy link|"
    rf"comments?|{_SOCIAL}|reddit|pinterest|flipboard|pocket|messenger|sms|like this|like loading\W*|"
    r"click to (?:share|email|print)[^.]{0,60}|\(opens in new window\)|(?:follow us )?(?:on|in) "
    rf"{_SOCIAL}|\d+)"
)

# a page number is a whole number: "4.3/5" is a rating, not page 3 of 5
_PAGE_TOKEN = (
    r"(?:(?:next|previous|prev|older|newer|first|last)(?: (?:page|post|posts|article|articles|entries|story))?|"
    r"page \d+ of \d+|load more|show more|\d+(?![.,]\d))"
)


class Rule(NamedTuple):
    """One kind of chrome and its pattern. Unanchored patterns name trigger words: the regex only
    runs on text containing one of them (casefolded), which keeps the cost per block small."""

    kind: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...] = ()

    def matches(self, text: str, folded: str) -> bool:
        if self.triggers and not any(word in folded for word in self.triggers):
            return False
        return self.pattern.search(text) is not None


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), _I)


SHORT_RULES: list[Rule] = [
    Rule(
        "accessibility",
        _rx(
            r"^\W*(?:accessibility links|skip (?:to|navigation)\b|jump to (?:main )?(?:content|navigation)|",
            r"back to top|scroll to top)",
        ),
    ),
    Rule(
        "comments",
        _rx(
            r"^\W*(?:leave a (?:reply|comment)|post a comment|add (?:a )?comment|write a comment|",
            r"\d+\s+comments?\W*$|comments?\W*$|fill in your details below|you are commenting using your|",
            r"connecting to %s|log out\s*/\s*change|notify me of (?:new |follow-up )?(?:comments|posts)|",
            r"comments? (?:are|is) closed|cancel reply|your email address will not be published|",
            r"required fields are marked|show comments|view comments|",
            r"(?:wordpress\.com|twitter|facebook|google\+?) (?:logo|picture|photo)\W*$)",
        ),
    ),
    Rule(
        "opinion_prompt",
        _rx(
            r"^\W*(?:what[’'′]?s your (?:opinion|take|view)|what do you think\W*$|tell us what you think|",
            r"have your say|share your (?:thoughts|views|opinion)|join the (?:conversation|discussion|debate)|",
            r"let us know (?:in the comments|what you think))",
        ),
    ),
    Rule(
        "appeal",
        _rx(
            r"^\W*(?:support us\W*$|donate(?: now| today)?\W*$|subscribe(?: now| today)?\W*$|",
            r"become a (?:member|subscriber|supporter|patron)|enjoying ad-free content|not ready to support|",
            r"remind me later|pa[yi]ment methods|already a (?:subscriber|member)|(?:sign|log) in to (?:continue|read)|",
            r"get (?:unlimited|full|digital) access|get access to our|do not show again|",
            r"we have a small favou?r to ask|(?:please )?support (?:us|our (?:work|journalism)|independent journalism)\b|",
            r"if you (?:enjoyed|liked|value|appreciate) (?:this|our) (?:article|story|journalism|reporting|content))",
        ),
    ),
    Rule(
        "newsletter",
        _rx(
            r"^\W*(?:sign up|subscribe|register)\b.{0,60}\bnewsletters?|newsletters?\W*$|(?:in|to) your inbox|",
            r"^\W*thanks? (?:you )?for (?:signing up|subscribing)|error processing your subscription|",
            r"^\W*enter your e-?mail|we use cookies|cookie (?:policy|settings|preferences)|accept (?:all )?cookies|",
            r"by (?:continuing|using) (?:to use )?this (?:site|website)",
        ),
        ("newsletter", "inbox", "thank", "subscription", "enter your", "cookie", "this site", "this website"),
    ),
    Rule("share", _rx(rf"^\W*{_SHARE_TOKEN}(?:[\s|/,·•:]+{_SHARE_TOKEN})*\W*$")),
    Rule(
        "read_more",
        _rx(
            r"^\W*(?:(?:read|see|view|show|load|watch) (?:more|full|the full|all|the rest|also)\b.{0,80}|",
            r"continue read\w*\b.{0,60}|click here\b.{0,60}|more:|related:.{0,120}|(?:also )?read:.{0,120}|",
            r"don[’']t miss\b.{0,80}|more (?:on|from|about) this (?:story|topic)\W*)$",
        ),
    ),
    Rule(
        "related",
        _rx(
            r"^\W*(?:related(?: articles?| stories| posts| coverage| content| reading| news| topics| links)?|",
            r"you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|",
            r"recommended(?: for you| stories| articles| reading)?|most (?:read|popular|viewed|shared)|",
            r"trending(?: now| stories)?|(?:top|latest|more) (?:stories|news|headlines|articles)|editor[’']?s picks|",
            r"more from [\w .&'-]{1,40}|in other news)\W*$",
        ),
    ),
    Rule(
        "caption",
        _rx(
            r"^\W*(?:photo(?:graph)?s?|image|picture|foto|illustration|video|credit|image credit|photo credit|source)",
            r"\s*(?:credit)?\s*:|",
            r"\((?:[^()]{0,40}\b(?:photo|image|images|credit|foto)\b[^()]{0,80}|(?:AP|AFP|EPA|Reuters|REUTERS)/[^()]{1,60})\)",
            r"\W*$|getty images\W*$|(?:^|\s)photo by [\w .'-]{2,60}$|/\s*(?:reuters|afp|getty images|shutterstock)\W*$|",
            r"^\W*©",
        ),
        ("photo", "image", "picture", "foto", "illustration", "video", "credit", "source", "getty", "/", "©"),
    ),
    Rule("ticker", _rx(r"^\W*(?:breaking news|breaking|live updates?|just in|developing story|live)\W*$")),
    Rule("pagination", _rx(rf"^\W*{_PAGE_TOKEN}(?:\W+{_PAGE_TOKEN})*\W*$")),
    Rule(
        "contact",
        _rx(
            rf"^\W*follow (?:\w+\W+){{0,4}}on {_SOCIAL}|^\W*(?:contact|email|reach) the (?:author|writer|reporter|editor)|",
            r"^\W*(?:have|got) a (?:news )?tip\?|",
            # an address in a line of ten words or less ("Email: news@site.com"); a longer line that
            # quotes one is a sentence of the body
            r"^(?=\s*(?:\S+\s+){0,9}\S*\s*$).*?(?<![\w.+-])[\w.+-]{1,64}@[\w-]+\.\w",
        ),
        ("follow", "contact", "email", "reach", "tip", "@"),
    ),
    Rule("dateline", DATELINE),
    Rule(
        "misc",
        _rx(
            r"^\W*(?:https?://\S+|www\.\S+|-|•|\*|advertisement|ad|sponsored(?: content)?|scroll to continue)\W*$|",
            r"^\W*(?:filed under|tags?|tagged|categories|category|topics|posted in)\s*:|",
            # a copyright notice: a name and a year, no sentence ("Copyright law changed in 2019." is prose)
            r"^\W*(?:copyright|\(c\))\s+(?:©\s*)?[\w .,&'-]{0,40}?\b(?:19|20)\d{2}\b[^.]*$|all rights reserved",
        ),
    ),
    # WordPress shortcodes left unexpanded: [button link="..."]Text[/button]
    Rule("misc", _rx(r"\[(\w+)\b[^\]]{0,200}\].{0,200}\[/\1\]"), ("[/",)),
]

WEAK_RULES: list[Rule] = [
    Rule(
        "appeal",
        _rx(
            r"\b(?:your support|support us|supporting (?:us|our)|we need your help|small favou?r to ask|",
            r"(?:our|independent) journalism|please (?:consider )?(?:support|donat|subscrib|contribut)|",
            r"become a (?:member|subscriber|supporter|patron)|(?:make|give) a (?:donation|contribution|gift)|",
            r"ad-free|disabled (?:all )?ads|reader-funded|(?:if|when) you (?:enjoyed|value|like|appreciate) (?:this|our)|",
            r"we have a proposition for you)\b",
        ),
        (
            "support",
            "help",
            "favo",
            "journalism",
            "please",
            "become",
            "donation",
            "contribution",
            "gift",
            "ad",
            "reader",
            "you ",
        ),
    ),
    # "declined to comment" and "signing up" end many news stories: these need more than one word
    Rule(
        "newsletter",
        _rx(r"\b(?:newsletters?|in your inbox|unsubscribe at any time)\b"),
        ("newsletter", "inbox", "unsubscribe"),
    ),
    Rule(
        "comments",
        _rx(r"\b(?:log in to comment|commenting|comments? (?:section|policy|below)|your comment)\b"),
        ("comment",),
    ),
]

# Sign-off lines in the publisher's voice, that end an article: they are chrome at the very end
# of a text whatever their length, and are never looked for anywhere else.
SIGN_OFFS: list[Rule] = [
    Rule("contact", _rx(rf"\bfollow (?:us|him|her|them|me) on {_SOCIAL}\b"), ("follow",)),
    Rule(
        "misc",
        _rx(
            r"^\W*(?:originally published (?:on|in|at|by)\b|listen to [\w .'-]{1,40} live\b|",
            r"(?:this|the) (?:article|story) (?:was|is) (?:originally|first) published\b)",
        ),
    ),
]

# A subscription wall: the line a paywalled page prints where its text stops.
PAYWALL = re.compile(
    r"\b(?:(?:subscribe|sign in|log in|register) (?:now )?to (?:continue|keep) reading|"
    r"to (?:continue|keep) reading,? (?:please )?(?:subscribe|sign in|log in|register|become a)|"
    r"(?:this|the rest of this) (?:article|story|content) is (?:only )?(?:available|reserved|exclusive) (?:to|for) "
    r"(?:subscribers|members|premium)|subscribers? only|already a subscriber\?)",
    _I,
)

# Headings after which, late in a text, only comments or other articles follow.
END_MARKERS = re.compile(
    r"^\W*(?:leave a (?:reply|comment)|\d*\s*comments?|(?:reader|user) comments|join the (?:conversation|discussion)|"
    r"related(?: articles?| stories| posts| coverage| content| reading| news)?|you (?:may|might) (?:also )?like|"
    r"more (?:stories|articles|news) from [\w .&'-]{1,40}|recommended(?: for you| stories| articles)?|"
    r"most (?:read|popular)|continue read\w* (?:at|on) [\w .&'-]{1,40})\W*$",
    _I,
)

_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Case- and punctuation-blind form of a text, to compare titles and repeats."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()
