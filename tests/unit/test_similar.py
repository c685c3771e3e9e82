"""The similarity of PAKN texts (complaints.similar) on the labelled texts of
tests/data/similar_pakn.yaml and on spellings of each: what it ignores (diacritics, case,
Unicode form, punctuation, common words), what it keeps apart, and the figures the
threshold was set for."""

import unicodedata
from itertools import pairwise

import pytest
from telegram import Update

from benchmarks.similar import load, score
from bot.channels.telegram import to_incoming
from bot.core.similar import shorten
from complaints.anonymiser import fold
from complaints.similar import (
    SHOWN,
    THRESHOLD,
    most_similar,
    normalise,
    similarity,
    trigrams,
)

TEXTS = [filed.text for filed in load()]


def test_the_labelled_set_is_large_and_has_duplicates() -> None:
    filed = load()
    groups = {f.group for f in filed}
    assert len(filed) >= 200
    assert sum(1 for g in groups if sum(f.group == g for f in filed) > 1) >= 50


@pytest.mark.parametrize("text", TEXTS)
def test_spelling_does_not_change_the_normal_form(text: str) -> None:
    spellings = [fold(text), text.upper(), text.lower(), unicodedata.normalize("NFD", text),
                 text.replace(",", " ,  ").replace(".", "!"), f"  {text}\n"]
    assert {normalise(s) for s in spellings} == {normalise(text)}
    assert all(similarity(text, s) == 1.0 for s in spellings)


@pytest.mark.parametrize("text", TEXTS)
def test_the_normal_form_is_plain(text: str) -> None:
    normal = normalise(text)
    assert normal == normal.strip() and "  " not in normal
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in normal)
    assert "đ" not in normal and normal == normal.lower()


def test_d_with_stroke_and_tone_marks_fold() -> None:
    assert normalise("Đường ĐẤT đỏ, ngập!") == normalise("duong dat do ngap")
    assert normalise("Đề nghị các anh chị xã giúp cho") == "", "only words every PAKN uses"


@pytest.mark.parametrize("pair", list(pairwise(TEXTS)))
def test_the_score_is_a_symmetric_fraction(pair: tuple[str, str]) -> None:
    first, second = pair
    value = similarity(first, second)
    assert 0.0 <= value <= 1.0 and value == similarity(second, first)


def test_nothing_in_common_scores_nothing() -> None:
    assert similarity("", "đường ngập") == 0.0
    assert similarity("đề nghị xin", "đường ngập") == 0.0, "common words count for nothing"
    assert similarity("karaoke hát khuya", "sổ đỏ quá hạn") < THRESHOLD / 2, \
        "words that only begin alike are far from the threshold"


def test_a_typo_costs_a_few_trigrams_not_the_word() -> None:
    right = trigrams(normalise("nạo vét cống thoát nước"))
    typo = trigrams(normalise("nạo vét cốnh thoát nuớc"))
    assert len(right - typo) <= 3


def test_most_similar_orders_limits_and_cuts_at_the_threshold() -> None:
    text = "Đường Hùng Vương trước chợ Gia Ray ngập khi mưa, cống thoát nước bị tắc"
    candidates = [(1, "duong hung vuong truoc cho gia ray ngap khi mua cong thoat nuoc tac"),
                  (2, "Đường Hùng Vương trước chợ Gia Ray ngập khi mưa, cống thoát nước bị tắc"),
                  (3, "Đường Hùng Vương trước chợ Gia Ray ngập khi mưa"),
                  (4, "Quán karaoke hát đến khuya"),
                  (5, "Đường Hùng Vương trước chợ Gia Ray ngập khi mưa, cống tắc"),
                  (6, "Cống thoát nước bị tắc")]
    found = most_similar(text, candidates)
    assert [m.key for m in found][:2] == [1, 2], "equal scores: the older case first"
    assert len(found) == SHOWN and all(m.score >= THRESHOLD for m in found)
    assert 4 not in {m.key for m in most_similar(text, candidates, limit=10)}
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)


def test_the_threshold_meets_the_figures_recorded() -> None:
    """benchmarks/RESULTS.md: on the labelled set, at the threshold in force."""
    result = score(load(), THRESHOLD)
    assert result.precision >= 0.85 and result.recall >= 0.95
    assert result.clean >= 0.9, "texts with no earlier duplicate are mostly shown nothing"
    looser = score(load(), THRESHOLD - 0.1)
    assert looser.precision < result.precision and looser.recall >= result.recall


@pytest.mark.parametrize("text", TEXTS)
def test_a_summary_is_a_short_beginning_cut_at_a_word(text: str) -> None:
    short = shorten(text, 60)
    assert len(short) <= 61
    flat = " ".join(text.split())
    if short == flat:
        return
    assert short.endswith("…") and flat.startswith(short[:-1])
    assert flat[len(short) - 1] in " ,.;:", "cut between words"


@pytest.mark.parametrize("replied", [None, 4821, 1])
def test_telegram_carries_the_message_a_reply_answers(replied: int | None) -> None:
    message: dict[str, object] = {
        "message_id": 9000, "date": 1767225600, "text": "Dạ số biên nhận là 123",
        "chat": {"id": 1001, "type": "private"},
        "from": {"id": 1001, "is_bot": False, "first_name": "An"}}
    if replied is not None:
        message["reply_to_message"] = {"message_id": replied, "date": 1767225000,
                                       "chat": {"id": 1001, "type": "private"},
                                       "text": "Cán bộ hỏi"}
    incoming = to_incoming(Update.de_json({"update_id": 1, "message": message}, None))
    assert incoming is not None
    assert incoming.reply_to == (str(replied) if replied is not None else None)
    assert ("reply_to" in incoming.log_data()) is (replied is not None)
