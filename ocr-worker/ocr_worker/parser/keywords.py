"""Keyword patterns for receipt sections, written against ``text.fold`` output (upper-case
ASCII) and tolerant of common OCR damage (``SUHA PTU``, ``PARACON``, ``D0 ZAPLATY``)."""

from __future__ import annotations

import re

from ocr_worker.parser.text import fold, fuzzy_find, letters_key

PTU_BLOCK = re.compile(
    r"\bP[TI1][UVYL]\b|SPRZED|\bSP\.?\s?OP|OPODAT|OPOD\.|\bKWOTA [A-G]\b|ZWOLNION|"
    r"\bVAT\b|\bMWST\b|\bM[WV]ST\.?|\bBTW\b|\bTVA\b|\bIVA\b|\bNETTO\b|\bBRUTTO\b|STEUER|\bTAX\b|"
    r"\bSALES TAX\b"
)
POLISH_SUM = re.compile(
    r"^(?:[^A-Z0-9]{0,3})S\s?[UVIJ]\s?[MHNWK]{1,2}\s?[AR4](?:\b|(?=PLN))(?!\s*P\s?[TI1][UVYL])"
)
GENERIC_TOTAL = re.compile(
    r"\bTOTAL\b|\bTOTAAL\b|\bSUMME\b|\bGESAMT(?:BETRAG|SUMME)?\b|\bTOTALE\b|\bIMPORTE\b|"
    r"\bMONTANT\b|\bRAZEM\b|\bSUMA\b|\bBETRAG\b|\bTOTAL TTC\b|\bA PAYER\b|\bSOMME\b|"
    r"\bSUMMA\b|\bTOTALT\b|\bCELKEM\b|\bSPOLU\b|\bOSSZESEN\b|\bYHTEENSA\b|\bI ALT\b|"
    r"\bNET AMOUNT\b|\bNET PAYABLE\b|\bAMOUNT PAYABLE\b|\bOGOLEM\b|\bGRAND TOTAL\b|"
    r"\bNETT?TOTAL\b|\bGRANDTOTAL\b"
)
# Totals that already have everything applied win over a plain TOTAL printed above them
# (Malaysia: TOTAL 33.92 / ROUNDING -0.02 / TOTAL ROUNDED 33.90): rounded and net totals
# (rank 2) over totals that say tax is included (rank 1).
ROUNDED_TOTAL = re.compile(
    r"ROUND(?:ED|ING)?\s?(?:TOTAL|AMOUNT)|TOTAL\s?(?:AFTER\s)?ROUND|\bNETT?\s?TOTAL|"
    r"GRAND\s?TOTAL|TOTAL\s?PAYABLE|\bNET AMOUNT\b|\bNET PAYABLE\b|\bZU ZAHLEN\b"
)
TAX_INCLUDED_TOTAL = re.compile(
    r"TOTAL\s?(?:AMOUNT\s|SALES\s|RM\s)?\(?\s?INCL?|INCLUSIVE OF|GESAMTBETRAG|\bOGOLEM\b"
)
#: the rounding adjustment line: a total after it is the rounded one
ROUNDING = re.compile(r"\bROUNDING\b|\bRNDG\b|\bROUND(?:ING)?\s?ADJ")


def total_rank(folded: str) -> int:
    """How final a total line says its figure is: 2 rounded/net, 1 tax included, 0 plain."""
    if ROUNDED_TOTAL.search(folded):
        return 2
    return 1 if TAX_INCLUDED_TOTAL.search(folded) else 0


NOT_TOTAL = re.compile(
    r"SUB\s?-?\s?TOTA|ZWISCHENSUMME|SOUS-?\s?TOTAL|SUBTOTAAL|TOTAL HT\b|TOTAL (?:TAX|VAT|TVA|BTW)|"
    r"(?:TAX|VAT|TVA|MWST|BTW) TOTAL|SAVING|DISCOUNT|YOU SAVED|TOTAL ITEMS|ITEMS SOLD|"
    r"NUMBER OF ITEMS|ARTIKEL|ANZAHL|POINTS|PUNKT|RABAT|KORTING|REMISE|\bP[TI1][UVYL]\b|\bNETTO\b|"
    r"TOTAL TIPS?\b|TOTAL QTY|TOTAL (?:BOTTLE )?DEPOSIT|"
    # tax sums and pre-tax figures: "Total GST", "Summe MwSt", "Total Sales (Excluding GST)",
    # "GST @6% included in total"
    r"(?:TOTAL|SUMME|SUMA|SUM)\s?:?\s?(?:GST|SST|MWST|UST|STEUER|TAX|VAT)\b|"
    r"\bEXCL(?:UDING|USIVE|\.)?\b|\bW/?O (?:GST|TAX)|INCLUDED IN TOTAL|^\W*(?:GST|SST)\b|"
    r"TOTAL (?:QUANTITY|ITEMS?|DISCOUNTS?)\b|TOTAL NO\b|"
    # the amount handed over ("Total Paid RM20.20"), not the total
    r"TOTAL (?:PAID|TENDERED|RECEIVED)\b|"
    # a loyalty account's balance, not the receipt's
    r"(?:OPENING|CLOSING|POINTS?|REWARDS?|CARD|GIFT ?CARD) BALANCE"
)
SUBTOTAL = re.compile(r"SUB\s?-?\s?TOTA|ZWISCHENSUMME|SOUS-?\s?TOTAL|SUBTOTAAL|GROSS AMOUNT")
AMOUNT_DUE = re.compile(
    r"D[O0] Z\s?A\s?P\s?[LI1]\s?A\s?T\s?Y|DOZAPLATY|ZU ZAHLEN|TE BETALEN|BALANCE DUE|AMOUNT DUE|"
    r"TOTAL DUE|\bBALANCE\b|NET A PAYER|A PAGAR|DA PAGARE|TO PAY|ZAHLBETRAG"
)
DISCOUNT = re.compile(
    r"RABAT|OPUST|OBNIZK|UPUST|PROMOCJ|ZNIZK|KUPON|LIDL PLUS|DISCOUNT|SAVING|COUPON|KORTING|"
    r"REMISE|PROMO|CLUBCARD|NECTAR|PRICE CUT|MULTIBUY|MARKDOWN|REDUCTION|NACHLASS|PREISVORTEIL|"
    r"AKTIONSRABATT|BONUS|VOORDEEL|AANBIEDING|SCONTO|DESCUENTO|OFERTA"
)
DEPOSIT = re.compile(r"KAUCJ|PFAND|DEPOSIT|STATIEGELD|BOTTLE DEP|\bCRV\b|CONSIGNE|OPAKOWAN")
NON_FISCAL = re.compile(r"NIE\s?-?\s?FISKALN|NIEFISKALN|NON-?FISCAL")
CARD = re.compile(
    r"KART|CARD|VISA|MASTERCARD|MAESTRO|\bPIN\b|\bEC\b|GIROCARD|DEBIT|CREDIT|CONTACTLESS|"
    r"BLIK|\bCB\b|AMEX|APPLE PAY|GOOGLE PAY|PRZELEW|PINNEN|BANKKAART|CARTE|TARJETA|BEZGOT"
)
CASH = re.compile(
    r"GOTOWK|GOTOWKA|\bCASH\b|\bBAR\b|BARGELD|CONTANT|ESPECES|EFECTIVO|CONTANTI|GEGEBEN|TENDER"
)
#: the amount handed over, the method unsaid ("Paid Amount: 100.00", "Payment : 50.00");
#: what is still to pay is the due amount, not this
PAID = re.compile(
    r"^\W*(?:PAYMENT|PAID AMOUNT|AMOUNT PAID|AMOUNT RECEIVED|RECEIVED|TENDERED|BEZAHLT|GEGEBEN|"
    r"TOTAL PAID|TOTAL TENDERED|"
    r"ZAPLACONO)\b(?!.*\b(?:DUE|TO BE PAID|PAYABLE)\b)"
)
#: the tax summary table that closes a Malaysian receipt: its "Total" row sums the table
TAX_SUMMARY = re.compile(r"\b(?:GST|SST|TAX) ?SUMMARY\b|\bTAX ?CODE\b")
CHANGE = re.compile(
    r"RESZTA|CHANGE|RUCKGELD|RUECKGELD|WECHSELGELD|WISSELGELD|RENDU|MONNAIE|CAMBIO|WYDANO|RESTO"
)
PAYMENT_SECTION = re.compile(
    r"FORMA PLATN|PLATNOS|ZAPLACONO|PLATNICZ|PAYMENT|TENDERED|BEZAHLT|BETAALD|PAIEMENT|RAZEM"
)
# a payment line that closes the item list when no total line was legible
PAYMENT_START = re.compile(
    r"^(?:PLATNOSC\W*)?(?:KARTA PLATNICZA|KARTA|GOTOWKA|RESZTA|CASH|CHANGE|VISA|MASTERCARD|"
    r"DEBIT|CREDIT|CONTACTLESS|PINNEN|GEG\.|RUCKGELD|CB\b|TENDER)"
)
SKIP_IN_ITEMS = re.compile(
    r"^[-=_*.~ ]+$|NR SYS|KASJER|\bKASA\b|CASHIER|OPERATOR|\bNIP\b|PARAGON|FISKAL|NUMER|"
    r"TERMINAL|^\W*$"
)


_PARAGON_FRAGMENTS = ("PAR", "RAG", "AGO", "GON", "FIS", "ISK", "SKA", "KAL")


def is_paragon_mark(line: str) -> bool:
    key = letters_key(line)
    if "NIEFISKAL" in key or not 10 <= len(key) <= 24:
        return False
    if sum(fragment in key for fragment in _PARAGON_FRAGMENTS) < 3:
        return False  # cheap filter before the fuzzy comparison
    return fuzzy_find(key, "PARAGONFISKALNY", 0.75)


def is_ptu_line(line: str) -> bool:
    return bool(PTU_BLOCK.search(fold(line)))


def is_polish_sum(line: str) -> bool:
    folded = fold(line)
    return bool(POLISH_SUM.search(folded)) and not PTU_BLOCK.search(folded)


def is_generic_total(line: str) -> bool:
    folded = fold(line)
    return bool(GENERIC_TOTAL.search(folded)) and not NOT_TOTAL.search(folded)
