"""Chain companies known by their registered name and numbers (``parser.companies``), and
how the seller is chosen between them, brands and the header (``parser.seller``)."""

from __future__ import annotations

import re

import pytest

from ocr_worker.parser.companies import COMPANIES, company_by_name, company_by_number
from ocr_worker.parser.receipt import parse_receipt


@pytest.mark.parametrize(
    ("read", "company"),
    [
        ("KR. O.I.Y. (M) SDN BHD", "MR. D.I.Y. (M) SDN BHD"),
        ("WR, DuI.Y. (KUCHAI) SDN BHD", "MR. D.I.Y. (KUCHAI) SDN BHD"),
        ("M2. D.I.Y. (KUCHAT) SDN BHD", "MR. D.I.Y. (KUCHAI) SDN BHD"),
        ("99 SPEED HORT S/B", "99 SPEED MART S/B"),
        ("GĄRDEJIA BAKERIES (KL) SDN BHD", "GARDENIA BAKERIES (KL) SDN BHD"),
        ("buardian Health And keauty SDN BHD", "GUARDIAN HEALTH AND BEAUTY SDN BHD"),
        ("000 MR. D.E.Y. (M) SDN BHD", "MR. D.I.Y. (M) SDN BHD"),  # zeros of the logo
        ("POPULAR BOOK", "POPULAR BOOK CO. (M) SDN BHD"),  # the name without its form
    ],
)
def test_a_damaged_reading_of_a_known_name_is_put_right(read: str, company: str) -> None:
    found = company_by_name(read)
    assert found is not None and found.name == company


@pytest.mark.parametrize(
    "read",
    [
        "MR. D.I.Y. (JOHOR) SDN BHD",  # a branch company not in the table
        "SANYU SUPPLY SDN BHD",
        "99 SPEED",  # too short to stand for one company
        "MR. D.I.Y.",  # the beginning of three
        "",
    ],
)
def test_other_names_are_not_taken_for_a_known_one(read: str) -> None:
    assert company_by_name(read) is None


def test_the_numbers_under_the_name_identify_the_company() -> None:
    lines = ["(Co. No. 113825-W)", "(GST Rex No. 001492992000)", "SUNWAY VELOCITY"]
    found = company_by_number(lines)
    assert found is not None and found[1].name == "POPULAR BOOK CO. (M) SDN BHD"
    assert company_by_number(["GST ID. NO = 000181747712"]) is not None
    # one digit misread is no number of the table
    assert company_by_number(["(Co. No. 113826-W)", "GST 001492992001"]) is None


def test_every_company_number_is_a_registration_no_or_a_gst_id() -> None:
    numbers = [number for company in COMPANIES for number in company.numbers]
    assert len(numbers) == len(set(numbers))
    assert all(re.fullmatch(r"\d{5,7}-[A-Z]|\d{12}", number) for number in numbers)


@pytest.mark.parametrize(
    ("lines", "shop"),
    [
        # the licensee prints its own name above the chain's: it is the seller
        (["Gerbang Alaf Restaurants Sdn Bhd", "(65351-M)", "Licensee of McDonald's",
          "Level 6, Bangunan TH, Damansara Uptown"], "GERBANG ALAF RESTAURANTS SDN BHD"),
        (["IKANO HANDEL SDN BHD", "(1074617K)", "IKEA Cheras", "No 2A Jalan Cochrane"],
         "IKANO HANDEL SDN BHD"),
        # the name illegible, the numbers under it legible
        (["SEE BID.", "Lot 3, Jalan Pelabur 23/1,", "40300 Shah Alam, Selangor.",
          "GST 11: 000381399040", "TAX INVOICE / ADJUSTMENT NOTE",
          "MAKASSAR FRESH MARKET SDN BHD"], "GARDENIA BAKERIES (KL) SDN BHD"),
        # a legible legal name above the numbers is the one they register (a former name)
        (["Golden Arches Restaurants Sdn Bhd", "(65351-M)", "Licensee of McDonald's"],
         "Golden Arches Restaurants SDN BHD"),
        # a chain that prints its brand and no known company stays the brand
        (["McDonald's", "Jalan Ampang"], "McDonald's"),
        (["Welcome to the Family", "FamilyMart", "Maxincome Resources Sdn Bhd (383322-D}"],
         "FamilyMart"),
        # the chain's trading name alone, its numbers illegible
        (["POPULAR BOOK", "Co. No. III - WA", "No 8, Jalan 7/1188, Yesa Tun Razak"],
         "POPULAR BOOK CO. (M) SDN BHD"),
    ],
)
def test_the_seller(lines: list[str], shop: str) -> None:
    assert parse_receipt([*lines, "TOTAL 5.00"]).shop == shop
