"""Receipt parser: OCR text lines in, :class:`Receipt` out (``parse_receipt``)."""

from ocr_worker.parser.model import Item, Payment, Receipt, VatRate
from ocr_worker.parser.receipt import parse_receipt

__all__ = ["Item", "Payment", "Receipt", "VatRate", "parse_receipt"]
