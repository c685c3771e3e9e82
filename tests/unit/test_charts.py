"""Charts speak the reader's locale, keep text as text, and never draw a bar for a rate
too thin to rank."""

import re
from xml.etree import ElementTree

import pytest

from bot.present.charts import bar_chart
from bot.present.i18n import use_locale
from surveys.indicators import Rate

SVG = "{http://www.w3.org/2000/svg}"
ROWS = [("Đất đai", Rate(45, 50, 0.90, 30)), ("Xây dựng", Rate(5, 5, 0.90, 30)),
        ("Hộ tịch", Rate(100, 100, 0.92, 30))]


def texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)  # noqa: S314 (drawn by us, in this test)
    return ["".join(node.itertext()).strip() for node in root.iter(f"{SVG}text")]


def bars(svg: bytes) -> int:
    # Bars are the filled rectangles drawn in the three verdict colours.
    return len(re.findall(rb"fill: ?#(?:1a7f37|cf222e|8c959f)", svg))


@pytest.mark.parametrize(("language", "shown", "never"), [
    ("vi", ["90,0% (45/50)", "100,0% (100/100)", "80%"], ["90.0%", "100.0%"]),
    ("en", ["90.0% (45/50)", "100.0% (100/100)", "80%"], ["90,0%", "100,0%"]),
])
def test_figures_follow_the_locale(language: str, shown: list[str], never: list[str]) -> None:
    with use_locale(language):
        words = texts(bar_chart(ROWS, "title"))
    for figure in shown:
        assert figure in words, (figure, words)
    joined = " ".join(words)
    for figure in never:
        assert figure not in joined


def test_a_thin_rate_gets_words_not_a_bar() -> None:
    with use_locale("en"):
        full = bar_chart(ROWS, "title")
        thin_only = bar_chart(ROWS[1:2], "title")
    assert bars(full) == 2
    assert bars(thin_only) == 0
    assert "not enough data (5/5)" in texts(thin_only)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_data_stands_alone_without_axes(language: str) -> None:
    with use_locale(language):
        svg = bar_chart([], "title")
    words = texts(svg)
    nothing = {"vi": "chưa có dữ liệu", "en": "no data yet"}[language]
    assert sorted(words) == sorted(["title", nothing])
