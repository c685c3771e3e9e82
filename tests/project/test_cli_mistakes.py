"""A mistyped command line is answered in the operator's language, argparse's own words
included: a missing, unknown, ambiguous or badly valued argument, a wrong choice, two
arguments that exclude each other, a value given to a flag."""

import argparse
import inspect
import re

import pytest

from bot.cli import main
from bot.commands.parser import ARGPARSE_ERRORS

MISTAKES = [
    (["export"], "thiếu các tham số bắt buộc: --period, -o/--output"),
    (["export", "--period", "2026", "-o", "x.xlsx", "--bogus"],
     "tham số không nhận ra: --bogus"),
    (["export", "--period", "2026", "-o", "x.csv", "--format", "pdf"],
     "tham số --format: lựa chọn không hợp lệ: 'pdf' (chọn một trong 'xlsx', 'csv')"),
    (["backup", "--keep", "ba"], "tham số --keep: giá trị int không hợp lệ: 'ba'"),
    (["export", "--period"], "tham số --period: cần một giá trị"),
    (["privacy", "erase", "--case", "PAKN-2026-000001", "--account", "1"],
     "tham số --account: không dùng được cùng với tham số --case"),
    (["privacy", "erase"], "cần một trong các tham số --case --account"),
    (["export", "--p", "2026", "-o", "x.xlsx"],
     "tùy chọn không rõ: --p có thể là --period, --procedure"),
    (["--verbose=1", "stats"], "tham số -v/--verbose: tùy chọn này không nhận giá trị '1'"),
    (["thongke"], "tham số LỆNH: lựa chọn không hợp lệ: 'thongke'"),
]


def english_words(message: str) -> list[str]:
    """The words of one of argparse's texts, its placeholders and punctuation left out."""
    return [part.strip(" :()") for part in re.split(r"%\(\w+\)[sr]|%[sr]", message)
            if re.search("[a-z]", part)]


@pytest.mark.parametrize(("words", "said"), MISTAKES)
def test_a_mistake_is_told_in_vietnamese(words: list[str], said: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--lang", "vi", *words])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert said in error and ": lỗi: " in error and "cách dùng: pakn" in error
    for message in ARGPARSE_ERRORS:
        assert not any(part in error for part in english_words(message)), error


@pytest.mark.parametrize(("words", "said"), MISTAKES[:3])
def test_and_in_english_when_asked(words: list[str], said: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--lang", "en", *words])
    error = capsys.readouterr().err
    assert ": error: " in error and "usage: pakn" in error and said not in error
    assert any(all(part in error for part in english_words(message))
               for message in ARGPARSE_ERRORS), error


def test_the_texts_are_argparses_own() -> None:
    """Worded as this Python's argparse words them, or they would never be looked up."""
    source = inspect.getsource(argparse)
    assert all(f"'{message}'" in source or f'"{message}"' in source
               for message in ARGPARSE_ERRORS)
