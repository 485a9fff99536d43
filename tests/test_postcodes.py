import math

import pytest

from councils.geography.postcodes import (
    council_code_for_postcode,
    current_english_codes,
    iter_postcode_points,
    normalise_postcode,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ng17 8da", "NG17 8DA"),
        ("NG178DA", "NG17 8DA"),
        ("  Ng17   8Da ", "NG17 8DA"),
        ("n10aa", "N1 0AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("m1 1ae", "M1 1AE"),
    ],
)
def test_normalise_postcode_accepts_any_spacing_and_case(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "NG17", "NG17 8D", "NG17 8DAA", "17NG 8DA", "NG17-8DA", "\uff2e\uff2717 8DA", None],
)
def test_normalise_postcode_rejects_malformed_input(text):
    assert normalise_postcode(text) is None


@pytest.mark.parametrize(
    "postcode, code",
    [
        ("NG17 8DA", "E07000170"),  # Ashfield
        ("ng178da", "E07000170"),
        ("N1 0AA", "E09000019"),  # Islington: a 2-character outward code
        ("SW1A 1AA", "E09000033"),  # Westminster: a 4-character outward code
    ],
)
def test_council_code_for_postcode(postcode, code):
    assert council_code_for_postcode(postcode) == code


@pytest.mark.parametrize("postcode", ["ZZ1 1ZZ", "NG17 9ZZ", "QQ1 1AA", "not a postcode"])
def test_unknown_or_malformed_postcode_has_no_council(postcode):
    assert council_code_for_postcode(postcode) is None


def test_current_english_codes_are_the_296_lower_tier_councils():
    codes = current_english_codes()
    assert len(codes) == 296
    assert {code[:3] for code in codes} == {"E06", "E07", "E08", "E09"}
    assert {"E07000170", "E06000065", "E08000039"} <= codes
    assert "E08000019" not in codes  # Sheffield's old code


def test_postcode_points_carry_a_code_and_a_finite_grid_reference():
    first = next(iter_postcode_points())
    assert isinstance(first.code, str)
    assert math.isfinite(first.easting) and math.isfinite(first.northing)
