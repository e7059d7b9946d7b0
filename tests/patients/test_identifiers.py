import nhs_number
import pytest

from patients.identifiers import (
    format_nhs_number,
    normalise_nhs_number,
    normalise_postcode,
    parse_phone,
    postcode_key,
    synthetic_nhs_number,
)


def test_a_valid_nhs_number_is_accepted_with_spaces_or_hyphens():
    assert normalise_nhs_number("943 476 5919") == "9434765919"
    assert normalise_nhs_number("943-476-5919") == "9434765919"


@pytest.mark.parametrize(
    ("raw", "reason"), [("9434765918", "Modulus 11"), ("94347659", "10 digits"), ("", "10 digits")]
)
def test_an_nhs_number_that_fails_its_check_is_refused_with_the_reason(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_nhs_number(raw)


def test_synthetic_nhs_numbers_are_valid_and_in_the_test_range():
    numbers = {synthetic_nhs_number(n) for n in range(0, 50_000, 997)}
    assert all(nhs_number.is_valid(n) and n.startswith("999") for n in numbers)
    assert len(numbers) > 40


def test_nhs_numbers_are_shown_in_three_three_four():
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    "raw", ["07700 900123", "+44 7700 900123", "447700900123", "(07700) 900-123", "0044 7700 900123"]
)
def test_common_uk_forms_of_a_mobile_become_e164(raw):
    phone = parse_phone(raw)
    assert phone.e164 == "+447700900123"
    assert phone.is_mobile


def test_a_landline_is_kept_but_not_marked_as_a_mobile():
    phone = parse_phone("0113 496 0000")
    assert phone.e164 == "+441134960000"
    assert not phone.is_mobile


@pytest.mark.parametrize("raw", ["", "hello", "0770090", "+44 20 1"])
def test_something_that_is_not_a_phone_number_is_refused(raw):
    with pytest.raises(ValueError):
        parse_phone(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("ls11uq", "LS1 1UQ"), (" SW1A  1AA ", "SW1A 1AA"), ("m1 1ae", "M1 1AE")]
)
def test_postcodes_are_normalised_whatever_their_spacing_or_case(raw, expected):
    assert normalise_postcode(raw) == expected
    assert postcode_key(raw) == expected.replace(" ", "")


@pytest.mark.parametrize("raw", ["", "LS1", "12345", "LS1 1U"])
def test_something_that_is_not_a_postcode_is_refused(raw):
    with pytest.raises(ValueError):
        normalise_postcode(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0000000000", "all zeros"),
        ("5000000005", "range"),  # reserved, never issued
        ("8000000008", "range"),  # the Republic of Ireland's health identifier, not an NHS number
        ("3113000009", "range"),  # between Scotland's and Northern Ireland's ranges
        ("3102900003", "date of birth"),  # CHI range, 31 February
    ],
)
def test_an_nhs_number_no_nation_issues_is_refused_even_when_its_check_digit_is_right(raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalise_nhs_number(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "4010232137",  # England, Wales and the Isle of Man
        "3200000007",  # Northern Ireland
        "0101000006",  # Scotland's CHI: born 1 January (19)00
        "2902000006",  # CHI: 29 February 2000 was a leap day
        "9434765919",  # the 9… test range
    ],
)
def test_an_nhs_number_from_each_nation_and_the_test_range_is_accepted(raw):
    assert normalise_nhs_number(raw) == raw


def test_full_width_digits_and_unicode_dashes_become_ascii_digits():
    assert normalise_nhs_number("９４３\u2010４７６\u00a0５９１９") == "9434765919"
