"""SMS text: Vietnamese without diacritics, GSM 7-bit or UCS-2, segments, shortening."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.sms.text import (
    GSM_BASIC,
    GSM_EXTENDED,
    count,
    is_gsm,
    shorten,
    without_diacritics,
)

VIETNAMESE = [
    ("Phản ánh, kiến nghị", "Phan anh, kien nghi"),
    ("Đường Hùng Vương bị ngập", "Duong Hung Vuong bi ngap"),
    ("Ủy ban nhân dân xã Xuân Bắc", "Uy ban nhan dan xa Xuan Bac"),
    ("Thủ tục đăng ký khai sinh", "Thu tuc dang ky khai sinh"),
    ("Giấy chứng nhận quyền sử dụng đất", "Giay chung nhan quyen su dung dat"),
    ("Văn bản xin lỗi và đề nghị gia hạn", "Van ban xin loi va de nghi gia han"),
    ("Người dân phản ánh ô nhiễm môi trường", "Nguoi dan phan anh o nhiem moi truong"),
    ("ĐỒNG NAI – XUÂN LỘC", "DONG NAI - XUAN LOC"),
    ("Cảm ơn ông/bà đã đánh giá “Rất hài lòng”…", 'Cam on ong/ba da danh gia "Rat hai long"...'),
    ("Trường Tiểu học Suối Cát, ấp Bảo Định", "Truong Tieu hoc Suoi Cat, ap Bao Dinh"),
    ("Mã hồ sơ: 000.00.25.H19-260301-0001", "Ma ho so: 000.00.25.H19-260301-0001"),
    ("ưởng ượng ữa ỹ ỵ ẫ ậ ặ ẵ ể ỗ ộ ờ ợ", "uong uong ua y y a a a a e o o o o"),
]


@pytest.mark.parametrize(("text", "plain"), VIETNAMESE)
def test_vietnamese_loses_its_diacritics_and_nothing_else(text: str, plain: str) -> None:
    assert without_diacritics(text) == plain
    assert plain.isascii() and is_gsm(plain)


@given(st.text(max_size=400))
def test_any_text_without_diacritics_fits_the_7_bit_alphabet(text: str) -> None:
    plain = without_diacritics(text)
    assert is_gsm(plain)
    assert count(plain).gsm


@pytest.mark.parametrize(("length", "segments"), [
    (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_seven_bit_segments(length: int, segments: int) -> None:
    found = count("a" * length)
    assert (found.gsm, found.units, found.segments) == (True, length, segments)


@pytest.mark.parametrize(("length", "segments"), [
    (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_unicode_segments(length: int, segments: int) -> None:
    found = count("ệ" * length)
    assert (found.gsm, found.units, found.segments) == (False, length, segments)


def test_extension_characters_take_two_septets_and_emoji_two_units() -> None:
    assert count("€" * 80).units == 160 and count("€" * 80).segments == 1
    assert count("€" * 81).segments == 2
    assert count("😀" * 35).units == 70 and count("😀" * 35).segments == 1
    assert count("a" * 159 + "ệ").gsm is False


@given(text=st.text(min_size=1, max_size=3000),
       link=st.sampled_from(["", "https://pakn.example.gov.vn/files/12?exp=1&sig=abcdef"]),
       segments=st.integers(min_value=1, max_value=10))
def test_shortened_texts_fit_and_keep_the_link_whole(text: str, link: str,
                                                     segments: int) -> None:
    result = shorten(text, link, segments)
    assert count(result).segments <= segments
    if link:
        assert result.endswith(link)
    if count(f"{text}\n{link}" if link else text).segments <= segments:
        assert result == (f"{text}\n{link}" if link else text)
    else:
        body = result.removesuffix(link).removesuffix("\n")
        assert body.endswith("...")


def test_alphabet_tables_are_those_of_gsm_03_38() -> None:
    # 128 positions, one of them the escape to the extension table.
    assert len(GSM_BASIC) == 127 and len(GSM_EXTENDED) == 9
    assert {"\x1b", "`", "ệ"}.isdisjoint(GSM_BASIC)
