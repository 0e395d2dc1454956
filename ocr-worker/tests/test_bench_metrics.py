"""The benchmark's scorer: exact fields, and shop near misses reported beside them."""

from __future__ import annotations

from bench.metrics import Tally, score

TRUTH = {"shop": "UNIHAKKA INTERNATIONAL SDN BHD", "date": "2018-03-29", "total": 8.7,
         "items": None}


def test_exact_shop_ignores_case_spaces_and_punctuation() -> None:
    s = score(TRUTH, {"shop": "Unihakka International Sdn. Bhd.", "date": "2018-03-29",
                      "total": "8.70"})
    assert s.shop_ok and s.shop_near and s.total_ok and s.date_ok


def test_a_glyph_misread_is_a_near_miss_not_a_hit() -> None:
    s = score(TRUTH, {"shop": "UNIHAKKA INTERNATIGNAL SDN BHD", "date": None, "total": None})
    assert s.shop_near and not s.shop_ok
    far = score(TRUTH, {"shop": "SUNWAY VELOCITY", "date": None, "total": None})
    assert not far.shop_near
    tally = Tally()
    tally.add(s)
    tally.add(far)
    summary = tally.summary()
    assert (summary["shop"], summary["shop_near"]) == (0.0, 0.5)
