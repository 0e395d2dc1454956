"""Accuracy and speed benchmark of the OCR worker (``python -m bench --help``)."""
