"""Chain layouts: draw a random purchase, then print it the way that chain's till does.

`make_receipt(rng, layout)` returns the ground truth and the printed lines. Every amount on the
slip is derived from the ground truth, so the slip is arithmetically consistent (Σ = SUMA, qty ×
unit = value, PTU = gross × rate / (100 + rate)).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .catalog import (
    AMERICAN,
    DUTCH,
    ENGLISH,
    GERMAN,
    GERMAN_VAT_RATES,
    POLISH_DRUGSTORE,
    POLISH_GROCERY,
    POLISH_VAT_RATES,
    Product,
)
from .truth import ReceiptTruth, TruthItem, VatLine, money


@dataclass
class PrintLine:
    """One printed line: `left` flush left, `right` flush right, or `left` centred."""

    left: str = ""
    right: str = ""
    center: bool = False
    big: bool = False
    rule: str = ""  # a character repeated across the paper ("-", "=", "*")


def _pl(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _dot(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _qty_pl(item: TruthItem) -> str:
    return item.quantity_text().replace(".", ",")


def _nip(rng: random.Random) -> str:
    """A NIP with a valid check digit, printed in one of the usual groupings."""
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def _format_nip(nip: str, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return nip
    if style == 1:
        return f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"
    return f"{nip[:3]}-{nip[3:5]}-{nip[5:7]}-{nip[7:]}"


def _date_pl(date: dt.date, rng: random.Random) -> str:
    return rng.choice(
        [
            date.strftime("%Y-%m-%d"),
            date.strftime("%d.%m.%Y"),
            date.strftime("%Y.%m.%d"),
            date.strftime("%d-%m-%Y"),
        ]
    )


def _random_date(rng: random.Random) -> tuple[dt.date, dt.time]:
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 1060))
    time = dt.time(rng.randint(6, 22), rng.randrange(60))
    return day, time


def _price(rng: random.Random, low: str, high: str) -> Decimal:
    lo, hi = int(Decimal(low) * 100), int(Decimal(high) * 100)
    return Decimal(rng.randint(lo, hi)) / 100


def _draw_items(
    rng: random.Random, products: list[Product], count: int, discount_rate: float
) -> list[TruthItem]:
    items = []
    for name, low, high, vat, weighed in rng.sample(products, min(count, len(products))):
        unit = money(_price(rng, low, high))
        if weighed:
            quantity = Decimal(rng.randint(150, 2400)) / 1000
        else:
            quantity = Decimal(rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 6]))
        price = money(quantity * unit)
        discount = Decimal("0.00")
        if rng.random() < discount_rate and price > Decimal("2.00"):
            discount = money(price * Decimal(rng.choice([10, 15, 20, 25, 30, 50])) / 100)
        items.append(TruthItem(name, quantity, unit, price, discount, vat or None, weighed))
    return items


def _vat_block(items: list[TruthItem], rates: dict[str, str]) -> list[VatLine]:
    lines = []
    for letter in sorted({i.vat for i in items if i.vat}):
        gross = sum((i.value for i in items if i.vat == letter), Decimal("0.00"))
        rate = Decimal(rates[letter])
        tax = money(gross * rate / (100 + rate))
        lines.append(VatLine(letter, rate, gross, tax))
    return lines


def _payment(
    rng: random.Random, due: Decimal, card_share: float = 0.6
) -> tuple[str, Decimal, Decimal]:
    if rng.random() < card_share:
        return "card", due, Decimal("0.00")
    steps = [Decimal(s) for s in ("10", "20", "50", "100", "200")]
    paid = next((s for s in steps if s >= due), due + Decimal("100"))
    if rng.random() < 0.25:
        paid = due
    return "cash", money(paid), money(paid - due)


# --------------------------------------------------------------------------- Polish chains

@dataclass(frozen=True)
class PolishChain:
    shop: str
    company: str
    street: str
    city: str
    products: list[Product]
    item_style: str  # "x_tight" | "star" | "two_line_eq" | "szt" | "star_tight"
    discount_style: str  # "after_value" | "one_line" | "plain"
    discount_labels: tuple[str, ...]
    brand_line: bool  # whether the brand is printed besides the company name
    deposit_rate: float


POLISH_CHAINS: dict[str, PolishChain] = {
    "biedronka": PolishChain(
        "Biedronka", "Jeronimo Martins Polska S.A.", "ul. Żniwna 5", "62-025 Kostrzyn",
        POLISH_GROCERY, "x_tight", "after_value", ("Rabat",), False, 0.3,
    ),
    "lidl": PolishChain(
        "Lidl", "Lidl sp. z o.o. sp.k.", "ul. Poznańska 48", "62-080 Jankowice",
        POLISH_GROCERY, "star", "one_line", ("Lidl Plus rabat", "Rabat"), True, 0.3,
    ),
    "zabka": PolishChain(
        "Żabka", "Żabka Polska sp. z o.o.", "ul. Stanisława Matyi 8", "61-586 Poznań",
        POLISH_GROCERY, "two_line_eq", "plain", ("Obniżka", "Promocja"), True, 0.3,
    ),
    "kaufland": PolishChain(
        "Kaufland", "Kaufland Polska Markety sp. z o.o. sp.k.", "ul. Wróblewskiego 18",
        "93-578 Łódź", POLISH_GROCERY, "szt", "one_line", ("Opust", "Rabat"), True, 0.2,
    ),
    "rossmann": PolishChain(
        "Rossmann", "Rossmann SDP sp. z o.o.", "ul. Kilińskiego 20", "90-012 Łódź",
        POLISH_DRUGSTORE, "star_tight", "after_value", ("Rabat", "Upust"), True, 0.0,
    ),
}

SHOP_STREETS = [
    "ul. Długa 12", "ul. Marszałkowska 104", "ul. Piotrkowska 77", "al. Jana Pawła II 41",
    "ul. Grunwaldzka 5", "ul. Kościuszki 3A", "os. Kopernika 2", "ul. Wrocławska 150",
]
SHOP_CITIES = [
    "00-123 Warszawa", "31-042 Kraków", "90-001 Łódź", "80-244 Gdańsk", "50-079 Wrocław",
    "60-101 Poznań", "20-400 Lublin", "40-012 Katowice",
]


def _polish_item_lines(item: TruthItem, chain: PolishChain, width: int) -> list[PrintLine]:
    q, u, p, v = _qty_pl(item), _pl(item.unit_price), _pl(item.price), item.vat or ""
    style = "two_line_eq" if item.weighed and chain.item_style != "x_tight" else chain.item_style
    if style == "x_tight":
        right = f"{q} x{u} {p}{v}"
    elif style == "star":
        right = f"{q} * {u} {p} {v}"
    elif style == "szt":
        right = f"{q} SZT * {u} = {p} {v}"
    elif style == "star_tight":
        right = f"{q}*{u} {p}{v}"
    else:
        right = f"{q} x {u} = {p} {v}"
    if style == "two_line_eq" or len(item.name) + len(right) + 2 > width:
        return [PrintLine(item.name), PrintLine("", right)]
    return [PrintLine(item.name, right)]


def _polish_discount_lines(
    item: TruthItem, chain: PolishChain, rng: random.Random
) -> list[PrintLine]:
    label = rng.choice(chain.discount_labels)
    v = item.vat or ""
    if chain.discount_style == "after_value":
        return [PrintLine(label, f"-{_pl(item.discount)}"), PrintLine("", f"{_pl(item.value)}{v}")]
    if chain.discount_style == "one_line":
        return [PrintLine(label, f"-{_pl(item.discount)} {v}")]
    return [PrintLine(label, f"-{_pl(item.discount)}")]


def polish_receipt(
    rng: random.Random, key: str, width: int
) -> tuple[ReceiptTruth, list[PrintLine]]:
    chain = POLISH_CHAINS[key]
    items = _draw_items(rng, chain.products, rng.randint(2, 12), 0.2)
    day, time = _random_date(rng)
    nip = _nip(rng)
    vat = _vat_block(items, POLISH_VAT_RATES)
    total = sum((i.value for i in items), Decimal("0.00"))
    deposit = Decimal("0.00")
    if rng.random() < chain.deposit_rate:
        deposit = money(Decimal("0.50") * rng.randint(1, 6))
    due = total + deposit
    method, paid, change = _payment(rng, due)
    number = str(rng.randint(1000, 99999))
    date_text = _date_pl(day, rng)
    time_text = time.strftime("%H:%M")

    lines: list[PrintLine] = []
    if chain.brand_line and rng.random() < 0.8:
        lines.append(PrintLine(chain.shop.upper(), center=True, big=True))
    lines += [
        PrintLine(chain.company, center=True),
        PrintLine(f"{chain.street}, {chain.city}", center=True),
        PrintLine(f"Sklep nr {rng.randint(100, 9999)}", center=True),
        PrintLine(f"{rng.choice(SHOP_STREETS)}, {rng.choice(SHOP_CITIES)}", center=True),
        PrintLine(f"NIP {_format_nip(nip, rng)}", center=True),
    ]
    date_on_top = rng.random() < 0.5
    if date_on_top:
        lines.append(PrintLine(f"{date_text} {time_text}", f"nr wydr.{number}"))
    lines += [PrintLine("PARAGON FISKALNY", center=True, big=True), PrintLine(rule="-")]
    for item in items:
        lines += _polish_item_lines(item, chain, width)
        if item.discount:
            lines += _polish_discount_lines(item, chain, rng)
    lines.append(PrintLine(rule="-"))
    for v in vat:
        label = rng.choice(["SPRZEDAŻ OPODATKOWANA", "Sprzed. opod.", "Sp.op."])
        lines.append(PrintLine(f"{label} {v.letter}", _pl(v.base)))
        lines.append(PrintLine(f"PTU {v.letter} {_pl(v.rate)} %", _pl(v.tax)))
    lines.append(PrintLine("SUMA PTU", _pl(sum((v.tax for v in vat), Decimal("0.00")))))
    lines.append(PrintLine(rng.choice(["SUMA PLN", "SUMA: PLN"]), _pl(total), big=True))
    lines.append(PrintLine(rule="-"))
    if deposit:
        count = int(deposit / Decimal("0.50"))
        lines += [
            PrintLine("NIEFISKALNY", center=True),
            PrintLine("Kaucja butelka", f"{count} x0,50 {_pl(deposit)}"),
            PrintLine("DO ZAPŁATY", f"{_pl(due)} PLN", big=True),
        ]
    if method == "card":
        label = rng.choice(["Karta płatnicza", "Karta", "Płatność kartą"])
        lines.append(PrintLine(label, _pl(paid)))
    else:
        lines.append(PrintLine("Gotówka", _pl(paid)))
        lines.append(PrintLine("Reszta", _pl(change)))
    footer = f"{number} #Kasa {rng.randint(1, 12)} Kasjer nr {rng.randint(1, 99)}"
    if date_on_top:
        lines.append(PrintLine(footer))
    else:
        lines.append(PrintLine(footer))
        lines.append(PrintLine(f"{date_text} {time_text}", center=True))
    letters = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUWZ") for _ in range(3))
    lines.append(PrintLine(f"{letters} {rng.randint(10**9, 10**10 - 1)}", center=True))

    truth = ReceiptTruth(
        layout=key, shop=chain.shop, company=chain.company, nip=nip, date=day, time=time,
        currency="PLN", items=items, total=total, amount_due=due, vat=vat, deposit=deposit,
        payment_method=method, paid=paid, change=change, receipt_number=number,
    )
    return truth, lines


# --------------------------------------------------------------------------- foreign receipts

def _foreign_basket(
    rng: random.Random, layout: str, shops: list[str], products: list[Product], currency: str,
    tax_rate: str = "0",
) -> ReceiptTruth:
    """Shop, items, date and payment of a receipt without Polish fiscal parts; the total adds
    sales tax at ``tax_rate`` on top of the items (US style) when it is not zero."""
    shop = rng.choice(shops)
    items = _draw_items(rng, products, rng.randint(2, 10), 0.0)
    day, time = _random_date(rng)
    subtotal = sum((i.price for i in items), Decimal("0.00"))
    total = subtotal + money(subtotal * Decimal(tax_rate))
    method, paid, change = _payment(rng, total)
    return ReceiptTruth(layout, shop, shop, None, day, time, currency, items, total, total,
                        payment_method=method, paid=paid, change=change)


def _unpack(truth: ReceiptTruth) -> tuple[str, list[TruthItem], dt.date, dt.time, Decimal]:
    return truth.shop, truth.items, truth.date, truth.time, truth.total


def uk_receipt(rng: random.Random, width: int) -> tuple[ReceiptTruth, list[PrintLine]]:
    truth = _foreign_basket(rng, "uk", ["Tesco", "Sainsbury's"], ENGLISH, "GBP")
    shop, items, day, time, total = _unpack(truth)
    method, paid, change = truth.payment_method, truth.paid, truth.change
    lines = [
        PrintLine(shop.upper(), center=True, big=True),
        PrintLine(rng.choice(["Metro", "Superstore", "Express", "Local"]), center=True),
        PrintLine(
            rng.choice(["12 High Street, Leeds", "Kings Road, London SW3", "Queen St, Oxford"]),
            center=True,
        ),
        PrintLine(f"VAT No. GB {rng.randint(100, 999)} {rng.randint(1000, 9999)} 23", center=True),
        PrintLine(rule="-"),
    ]
    for item in items:
        if item.weighed:
            lines.append(PrintLine(item.name, f"£{_dot(item.price)}"))
            lines.append(PrintLine(f"  {item.quantity:.3f} kg @ £{_dot(item.unit_price)}/kg"))
        elif item.quantity > 1:
            lines.append(PrintLine(item.name))
            lines.append(PrintLine(f"  {int(item.quantity)} @ £{_dot(item.unit_price)}",
                                   f"£{_dot(item.price)}"))
        else:
            lines.append(PrintLine(item.name, f"£{_dot(item.price)}"))
    lines.append(PrintLine(rule="-"))
    lines.append(PrintLine(f"{len(items)} BALANCE DUE" if rng.random() < 0.3 else "TOTAL",
                           f"£{_dot(total)}", big=True))
    if method == "card":
        label = rng.choice(["VISA DEBIT", "MASTERCARD", "CONTACTLESS"])
        lines.append(PrintLine(label, f"£{_dot(paid)}"))
    else:
        lines.append(PrintLine("CASH", f"£{_dot(paid)}"))
        lines.append(PrintLine("CHANGE DUE", f"£{_dot(change)}"))
    date_text = day.strftime(rng.choice(["%d/%m/%y", "%d/%m/%Y"]))
    lines.append(PrintLine(f"{date_text} {time.strftime('%H:%M')}",
                           f"ST:{rng.randint(1000, 9999)} TR:{rng.randint(1000, 9999)}"))
    lines.append(PrintLine("THANK YOU FOR SHOPPING", center=True))
    return truth, lines


def us_receipt(rng: random.Random, width: int) -> tuple[ReceiptTruth, list[PrintLine]]:
    truth = _foreign_basket(rng, "us", ["Walmart", "Target"], AMERICAN, "USD", "0.0725")
    shop, items, day, time, total = _unpack(truth)
    method, paid, change = truth.payment_method, truth.paid, truth.change
    subtotal = sum((i.price for i in items), Decimal("0.00"))
    tax = total - subtotal
    lines = [
        PrintLine(shop.upper(), center=True, big=True),
        PrintLine(f"({rng.randint(200, 999)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                  center=True),
        PrintLine(rng.choice(["1200 MAIN ST", "455 W OAK AVE", "78 BROADWAY"]), center=True),
        PrintLine(rng.choice(["SPRINGFIELD IL 62704", "AUSTIN TX 78701", "DENVER CO 80202"]),
                  center=True),
        PrintLine(rule="-"),
    ]
    for item in items:
        if item.weighed:
            lines.append(PrintLine(item.name, f"{_dot(item.price)} N"))
            lines.append(PrintLine(f"  {item.quantity:.3f} lb @ {_dot(item.unit_price)} /lb"))
        elif item.quantity > 1:
            lines.append(PrintLine(item.name, f"{_dot(item.price)} X"))
            lines.append(PrintLine(f"  {int(item.quantity)} AT 1 FOR {_dot(item.unit_price)}"))
        else:
            lines.append(PrintLine(item.name, f"{_dot(item.price)} X"))
    lines += [
        PrintLine("SUBTOTAL", _dot(subtotal)),
        PrintLine("TAX 1 7.250 %", _dot(tax)),
        PrintLine("TOTAL", f"${_dot(total)}", big=True),
    ]
    if method == "card":
        lines.append(PrintLine(rng.choice(["VISA TEND", "DEBIT TEND"]), _dot(paid)))
    else:
        lines.append(PrintLine("CASH TEND", _dot(paid)))
        lines.append(PrintLine("CHANGE DUE", _dot(change)))
    lines.append(PrintLine(f"{day.strftime('%m/%d/%Y')} {time.strftime('%H:%M:%S')}", center=True))
    return truth, lines


def german_receipt(rng: random.Random, width: int) -> tuple[ReceiptTruth, list[PrintLine]]:
    truth = _foreign_basket(rng, "de", ["REWE", "ALDI SÜD", "EDEKA"], GERMAN, "EUR")
    shop, items, day, time, total = _unpack(truth)
    method, paid, change = truth.payment_method, truth.paid, truth.change
    vat = truth.vat = _vat_block(items, GERMAN_VAT_RATES)
    lines = [
        PrintLine(shop, center=True, big=True),
        PrintLine(rng.choice(["Hauptstraße 12", "Bahnhofstr. 3", "Marktplatz 7"]), center=True),
        PrintLine(rng.choice(["10115 Berlin", "80331 München", "50667 Köln"]), center=True),
        PrintLine(f"UID Nr.: DE{rng.randint(10**8, 10**9 - 1)}", center=True),
        PrintLine("EUR", "", center=False),
    ]
    for item in items:
        if item.weighed:
            lines.append(PrintLine(item.name, f"{_pl(item.price)} {item.vat}"))
            lines.append(PrintLine(f"  {_qty_pl(item)} kg x {_pl(item.unit_price)} EUR/kg"))
        elif item.quantity > 1:
            lines.append(PrintLine(item.name, f"{_pl(item.price)} {item.vat}"))
            lines.append(PrintLine(f"  {int(item.quantity)} Stk x {_pl(item.unit_price)}"))
        else:
            lines.append(PrintLine(item.name, f"{_pl(item.price)} {item.vat}"))
    lines += [
        PrintLine(rule="-"), PrintLine("SUMME EUR", _pl(total), big=True), PrintLine(rule="=")
    ]
    if method == "card":
        label = rng.choice(["Geg. EC-Cash", "Kartenzahlung", "Geg. Girocard"])
        lines.append(PrintLine(label, _pl(paid)))
    else:
        lines.append(PrintLine("Geg. BAR", _pl(paid)))
        lines.append(PrintLine("Rückgeld BAR", _pl(change)))
    lines.append(PrintLine("Steuer %   Netto   Steuer   Brutto"))
    for v in vat:
        lines.append(PrintLine(f"{v.letter}= {_pl(v.rate)}% {_pl(v.base - v.tax)} {_pl(v.tax)}",
                               _pl(v.base)))
    lines.append(PrintLine(f"{day.strftime('%d.%m.%Y')} {time.strftime('%H:%M')}",
                           f"Bon-Nr.:{rng.randint(1000, 9999)}"))
    return truth, lines


def dutch_receipt(rng: random.Random, width: int) -> tuple[ReceiptTruth, list[PrintLine]]:
    truth = _foreign_basket(rng, "nl", ["Albert Heijn", "Jumbo"], DUTCH, "EUR")
    shop, items, day, time, total = _unpack(truth)
    method, paid, change = truth.payment_method, truth.paid, truth.change
    lines = [
        PrintLine(shop, center=True, big=True),
        PrintLine(rng.choice(["Kalverstraat 12, Amsterdam", "Coolsingel 40, Rotterdam",
                              "Oudegracht 8, Utrecht"]), center=True),
        PrintLine("AANTAL  OMSCHRIJVING", "BEDRAG"),
    ]
    for item in items:
        if item.weighed:
            lines.append(PrintLine(f"  1 {item.name}", _pl(item.price)))
            lines.append(PrintLine(f"    {_qty_pl(item)} kg x {_pl(item.unit_price)}"))
        elif item.quantity > 1:
            lines.append(PrintLine(f"{int(item.quantity):>3} {item.name}", _pl(item.price)))
            lines.append(PrintLine(f"    {int(item.quantity)} x {_pl(item.unit_price)}"))
        else:
            lines.append(PrintLine(f"  1 {item.name}", _pl(item.price)))
    lines += [PrintLine(rule="-"), PrintLine("TOTAAL", _pl(total), big=True)]
    if method == "card":
        lines.append(PrintLine("PINNEN", _pl(paid)))
    else:
        lines.append(PrintLine("CONTANT", _pl(paid)))
        lines.append(PrintLine("WISSELGELD", _pl(change)))
    lines.append(PrintLine(f"{day.strftime('%d-%m-%Y')} {time.strftime('%H:%M')}",
                           f"Filiaal {rng.randint(1000, 9999)}"))
    return truth, lines


Builder = Callable[[random.Random, int], tuple[ReceiptTruth, list[PrintLine]]]


def _polish_builder(key: str) -> Builder:
    def build(rng: random.Random, width: int) -> tuple[ReceiptTruth, list[PrintLine]]:
        return polish_receipt(rng, key, width)

    return build


LAYOUTS: dict[str, Builder] = {
    **{key: _polish_builder(key) for key in POLISH_CHAINS},
    "uk": uk_receipt,
    "us": us_receipt,
    "de": german_receipt,
    "nl": dutch_receipt,
}


def make_receipt(
    rng: random.Random, layout: str, width: int
) -> tuple[ReceiptTruth, list[PrintLine]]:
    return LAYOUTS[layout](rng, width)
