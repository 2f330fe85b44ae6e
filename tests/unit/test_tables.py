"""Tables a person reads: escaped text, numbers on the right, headers a screen reader names."""

from __future__ import annotations

from datetime import date

from pages.components.tables import cell_text, table_html
from tests.pages.screens import _Tables


def parsed(html: str) -> tuple[list[str], list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    columns, rows = parser.tables[0]
    return columns, [row for row in rows if row]


def test_user_text_shows_as_typed_and_never_as_markup():
    html = table_html([{"Name": "<script>alert(1)</script> **bold** & co"}])
    assert "<script>" not in html
    assert parsed(html) == (["Name"], [["<script>alert(1)</script> **bold** & co"]])


def test_column_names_are_escaped_and_marked_as_column_headers():
    html = table_html([{"Time (<zone>)": "10:00"}])
    assert '<th scope="col">Time (&lt;zone&gt;)</th>' in html


def test_numbers_are_right_aligned_and_text_is_not():
    html = table_html([{"Project": "Atlas", "Hours": 2.5, "Seats": 3}])
    assert '<td class="number">2.5</td>' in html
    assert '<td class="number">3</td>' in html
    assert "<td>Atlas</td>" in html


def test_cells_read_as_a_person_writes_them():
    assert cell_text(None) == ""
    assert cell_text(True) == "yes"
    assert cell_text(4.0) == "4"
    assert cell_text(1.25) == "1.25"
    assert cell_text(2.333333) == "2.33"
    assert cell_text(date(2026, 12, 4)) == "04 Dec 2026"  # the portal's one date format


def test_every_row_keeps_the_first_row_columns_in_order():
    html = table_html([{"A": 1, "B": "x"}, {"B": "y", "A": 2}])
    assert parsed(html) == (["A", "B"], [["1", "x"], ["2", "y"]])


def test_a_caption_names_the_table():
    assert "<caption>Weeks &amp; hours</caption>" in table_html([{"A": 1}], caption="Weeks & hours")


def test_only_a_cell_with_a_very_long_word_may_break_it_anywhere():
    html = table_html([{"Tag": "visualization", "After": '{"field_13": "' + "x" * 40 + '"}'}])
    assert "<td>visualization</td>" in html
    assert '<td class="long">' in html
