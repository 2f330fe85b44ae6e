"""The one policy for text a person types: what is refused, what is normalised.

Every service that stores typed text runs it through `clean_text` (or `text_problem` for
checks that collect several fields), so the same rules hold for names, titles, statements,
messages and reasons alike:

- control characters (NUL, ESC, DEL, the C1 range …) are refused: a NUL cannot be stored by
  PostgreSQL at all, and ESC sequences rewrite a terminal that shows the audit log or a CSV;
- multi-line text keeps line breaks and tabs; its CR LF, lone CR and Unicode line/paragraph
  separators become LF, so what is stored reads back the same on every screen;
- single-line text refuses every line break and tab;
- bidirectional embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069)
  are refused everywhere. They are invisible and reorder what follows them: in a name or a
  title they make "Dr Smith" read as someone else, and because user text is quoted inside the
  portal's own sentences (notifications, audit rows, CSV cells) a control in a message or a
  reason would reorder the portal's words too. Right-to-left writing needs none of them (the
  Unicode bidirectional algorithm orders Arabic or Hebrew by itself; the marks U+200E/U+200F,
  which reorder nothing beyond themselves, stay allowed);
- lone surrogates (not text; they cannot be encoded as UTF-8) and the Unicode noncharacters
  are refused.
"""

from __future__ import annotations

import re
import unicodedata

from core.platform.errors import ValidationFailed

# Kept in multi-line text only.
_MULTILINE_ALLOWED = frozenset("\n\t")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# CR LF, lone CR, NEL and the Unicode line and paragraph separators all mean "new line".
_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")


_CONTROL = "must not contain control characters (such as NUL, ESC or DEL)"


def _is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def normalise_text(value: str, *, multiline: bool = False) -> str:
    """Return typed text stripped at both ends, with line breaks as LF in multi-line text."""
    if multiline:
        value = _LINE_BREAKS.sub("\n", value)
    return value.strip()


def character_problem(value: str, *, multiline: bool = False) -> str | None:
    """Return which kind of refused character `value` holds, or None when it holds none."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    for char in value:
        if char in allowed:
            continue
        if char in _BIDI_CONTROLS:
            return (
                "must not contain invisible text-direction characters "
                "(U+202A–U+202E, U+2066–U+2069)"
            )
        category = unicodedata.category(char)
        if category in ("Zl", "Zp") or char in "\n\r\t\x85":
            return "must be a single line" if not multiline else _CONTROL
        if category == "Cc":
            return _CONTROL
        if category == "Cs" or _is_noncharacter(char):
            return "must not contain invalid characters"
    return None


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Return whether `value` holds a character the text policy refuses."""
    return character_problem(value, multiline=multiline) is not None


def text_problem(
    value: str, *, min_length: int, max_length: int, multiline: bool = False
) -> str | None:
    """Return what is wrong with an already normalised text, or None when it is fine."""
    problem = character_problem(value, multiline=multiline)
    if problem:
        return problem
    if not value and min_length >= 1:
        return "is required"
    if not min_length <= len(value) <= max_length:
        if min_length <= 1:
            return f"must be at most {max_length:,} characters"
        return f"must be {min_length}–{max_length:,} characters"
    return None


def clean_text(
    value: object,
    field: str,
    *,
    max_length: int,
    min_length: int = 1,
    multiline: bool = False,
) -> str:
    """Return typed text normalised, or refuse it naming `field` (min_length 0: may be empty)."""
    problem = field_problem(
        value, max_length=max_length, min_length=min_length, multiline=multiline
    )
    if problem:
        raise ValidationFailed.from_fields({field: problem})
    return normalise_text(str(value or ""), multiline=multiline)


def field_problem(
    value: object, *, max_length: int, min_length: int = 1, multiline: bool = False
) -> str | None:
    """Return what is wrong with a typed value (None counts as empty), or None when it is fine."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        return "must be text"
    text = normalise_text(value, multiline=multiline)
    return text_problem(text, min_length=min_length, max_length=max_length, multiline=multiline)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """Return a CSV or table cell that a spreadsheet shows as text, never runs as a formula.

    Numbers stay numbers (a negative amount is not a formula); text that starts like a
    formula gets a leading apostrophe, which spreadsheets read as "this is text".
    """
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
