"""Lifeboard OCR worker: receipt image in, structured receipt JSON out."""

__all__ = ["__version__"]

__version__ = "0.1.0"
