"""Markdown in the Nanonets-OCR conventions → structured blocks (pure; never raises)."""

from docsight.parsing.clean import clean_pages, clean_text
from docsight.parsing.markdown import parse_markdown

__all__ = ["clean_pages", "clean_text", "parse_markdown"]
