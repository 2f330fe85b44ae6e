"""User-written text in Markdown: shown exactly as typed, never as markup or a link.

The browser test (tests/e2e/test_accounts_browser.py) checks the same in a real page; these
check the escaping itself on many shapes of text.
"""

from __future__ import annotations

import re

import pytest

from pages.components.ui import WORD_JOINER, escape_markdown, literal, mail_link
from tests.pages.screens import readable

TYPED = [
    "plain words",
    "**bold** _it_ `code` # heading > quote - item 1. item",
    "[x](javascript:alert(1)) <img src=x onerror=alert(1)> &amp; $x$ ~strike~ | a | b |",
    "visit www.example.org or WWW.EXAMPLE.ORG",
    "see https://example.org/a?b=1 and HTTP://EXAMPLE.ORG",
    "write to first.last-name@example.edu",
    "meet at 10:30, ratio 3:1, path a://b",
]
# Markdown's own link syntaxes and the bare addresses GitHub-style Markdown links by itself.
LINK_SHAPES = re.compile(r"\]\(|(?i:www)\\?\.|(?i:https?)\\?://|[\w.-]@\w")


@pytest.mark.parametrize("text", TYPED)
def test_escaped_text_reads_exactly_as_typed(text):
    assert readable(escape_markdown(text)) == text


@pytest.mark.parametrize("text", TYPED)
def test_escaped_text_holds_no_link_shape(text):
    assert not LINK_SHAPES.search(escape_markdown(text))


def test_a_bare_address_is_split_by_an_invisible_word_joiner():
    assert escape_markdown("www.example.org") == f"www{WORD_JOINER}\\.example\\.org"
    assert escape_markdown("https://x.org") == f"https\\:{WORD_JOINER}//x\\.org"
    assert escape_markdown("a@x.org") == f"a{WORD_JOINER}@x\\.org"


def test_text_without_addresses_gets_no_word_joiner():
    assert WORD_JOINER not in escape_markdown("at 10:30, in room 4.2 (www-less)")


def test_literal_keeps_line_breaks_and_escapes_every_line():
    assert literal("a www.x.org\nb") == f"a www{WORD_JOINER}\\.x\\.org  \nb"


def test_a_mail_link_shows_the_address_as_typed_and_encodes_it_in_the_target():
    assert mail_link("a.b+c@x.org") == "[a\\.b\\+c@x\\.org](mailto:a.b%2Bc@x.org)"
    # Whatever sign-up let through, the target cannot leave the mailto: link.
    assert mail_link("a)b@x.org") == "[a\\)b@x\\.org](mailto:a%29b@x.org)"


# ---------------------------------------------------------------------------- total escaping

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402

# CommonMark plus the GitHub extensions Streamlit's renderer also has (tables, strikethrough).
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
PLAIN_BLOCKS = {"paragraph_open", "paragraph_close", "inline"}
PLAIN_INLINE = {"text", "softbreak"}


def _markup_in(markdown: str, *, line_breaks: bool = False) -> tuple[set[str], str]:
    """Return the kinds of markup Markdown renders from `markdown`, and the text it shows."""
    found: set[str] = set()
    shown: list[str] = []
    for token in MARKDOWN.parse(markdown):
        if token.type not in PLAIN_BLOCKS:
            found.add(token.type)
        for child in token.children or []:
            allowed = PLAIN_INLINE | ({"hardbreak"} if line_breaks else set())
            if child.type not in allowed:
                found.add(child.type)
            shown.append(child.content if child.type == "text" else "\n")
        shown.append("\n")
    return found, "".join(shown)


def _words(text: str) -> list[str]:
    # Markdown folds runs of white space and turns NUL into U+FFFD; the words stay.
    return text.replace("\x00", "\ufffd").replace(WORD_JOINER, "").split()


SETEXT = ["Title\n===", "Title\n---", "Title\n=", "a\n\n    indented code", "a  \nb", "\tcode"]


@pytest.mark.parametrize("text", SETEXT)
def test_a_line_under_a_line_or_an_indent_never_becomes_a_heading_code_or_a_break(text):
    assert _markup_in(escape_markdown(text)) == (set(), _markup_in(escape_markdown(text))[1])
    assert _words(_markup_in(escape_markdown(text))[1]) == _words(text)


@settings(max_examples=400, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_escaped_arbitrary_text_renders_as_plain_text_holding_every_word(text):
    markup, shown = _markup_in(escape_markdown(text))
    assert markup == set()
    assert _words(shown) == _words(text)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_literal_text_renders_as_plain_text_with_only_line_breaks(text):
    markup, shown = _markup_in(literal(text), line_breaks=True)
    assert markup == set()
    assert _words(shown) == _words(text)
