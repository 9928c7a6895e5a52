from docsight.models import BlockType
from docsight.parsing import clean_pages, clean_text, parse_markdown

TOPICS = ["metric spaces", "open sets", "continuity", "compactness", "connectedness"]


def book_page(number: int) -> str:
    return (
        f"GEOMETRY AND TOPOLOGY · CHAPTER 1\n\nBody text about {TOPICS[number - 1]}.\n\n"
        f"<watermark>DRAFT</watermark>\n\n<page_number>{number}</page_number>"
    )


def test_clean_mode_drops_running_headers_page_numbers_and_watermarks() -> None:
    pages = [parse_markdown(book_page(n), page=n).blocks for n in range(1, 6)]
    cleaned = clean_pages(pages)
    for blocks in cleaned:
        assert [b.type for b in blocks] == [BlockType.PARAGRAPH]
    text = clean_text(pages)
    assert "CHAPTER" not in text and "DRAFT" not in text
    assert text.count("Body text") == 5


def test_faithful_content_is_kept_when_not_repeated() -> None:
    pages = [parse_markdown(f"Title {n}\n\nUnique body {n}").blocks for n in range(1, 3)]
    assert sum(len(b) for b in clean_pages(pages)) == 4
