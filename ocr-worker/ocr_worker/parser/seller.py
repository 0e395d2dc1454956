"""Who sold: a known chain company, else a chain brand, else the header's legal name or name
line; with how sure the choice is."""

from __future__ import annotations

from ocr_worker.parser.brands import BRAND_BELOW_HEADER, Brand, brand_named_in, match_brand
from ocr_worker.parser.companies import company_by_name, company_by_number
from ocr_worker.parser.shops import header_shop_name, legal_name_at

#: how many lines may hold the seller's name and numbers
HEADER_LINES = 14


def find_seller(lines: list[str]) -> tuple[str | None, float, Brand | None]:
    """The shop's name, its confidence, and the chain brand where one names the shop (a hint
    for currency and date order)."""
    legal = legal_name_at(lines)
    legal_name = legal[1] if legal else None
    company = company_by_name(legal_name) if legal_name else None
    if company is not None:
        return company.name, 0.9, None
    by_number = company_by_number(lines[:HEADER_LINES])
    # a legal name printed above the numbers is the one they register ("Golden Arches
    # Restaurants", the company's former name); one below them is the customer's
    if by_number is not None and (legal is None or legal[0] > by_number[0]):
        return by_number[1].name, 0.9, None
    header_name = header_shop_name(lines) if legal is None else None
    company = company_by_name(header_name) if header_name else None
    if company is not None:
        return company.name, 0.8, None
    brand, confidence = match_brand(lines)
    if brand is not None and legal is not None and _named_above(lines, legal[0], brand):
        # a licensee names itself above the chain ("Golden Arches Restaurants Sdn Bhd" /
        # "Licensee of McDonald's"): it is the seller; the chain stays the currency hint
        return legal[1], 0.6, brand
    if brand is not None and (confidence != BRAND_BELOW_HEADER or legal_name is None):
        return brand.name, confidence, brand
    # a chain named only below the header is where the shop stands ("TESCO PUTRA NILAI" under
    # a tenant's own legal name), not the shop
    shop = legal_name or header_name
    return shop, 0.4 if shop else 0.0, None


def _named_above(lines: list[str], legal_line: int, brand: Brand) -> bool:
    """The legal-name line stands above every line naming ``brand`` and is not the chain's
    own company ("Jeronimo Martins Polska S.A." is Biedronka's)."""
    naming = [index for index, line in enumerate(lines) if brand_named_in(line, brand)]
    return bool(naming) and legal_line < naming[0]
