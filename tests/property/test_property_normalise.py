"""The normaliser on arbitrary page texts: one clean page per page, and no word lost from a plain page."""

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from strategies import PAGES

from schemas.pipeline import PAGE_JOINER, PageText
from tasks.normalise import normalised_document

PLAIN_WORD = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ"), min_size=1, max_size=12)
PLAIN_LINES = st.lists(st.lists(PLAIN_WORD, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=20)


def pages_of(texts: list[str], method: str = "text_layer") -> list[PageText]:
    return [PageText(number=i + 1, method=method, raw_text=t) for i, t in enumerate(texts)]


@given(PAGES, st.sampled_from(["text_layer", "ocr"]))
def test_any_pages_give_as_many_clean_pages_and_the_text_the_offsets_refer_to(texts, method):
    document = normalised_document(pages_of(texts, method))
    assert [p.number for p in document.pages] == list(range(1, len(texts) + 1))
    assert [p.raw_text for p in document.pages] == texts  # the raw text is kept as it was
    assert document.text == PAGE_JOINER.join(p.text for p in document.pages)
    for page in document.pages:
        assert unicodedata.is_normalized("NFC", page.text)
        assert "\u00ad" not in page.text and "\r" not in page.text and "\f" not in page.text
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", page.text)
        assert page.text == page.text.strip("\n") and "\n\n\n" not in page.text


@given(PLAIN_LINES)
def test_a_plain_ocr_page_keeps_every_word_in_order(lines):
    """Nothing of a page without furniture, hyphens or digits is dropped or reordered."""
    [page] = normalised_document(pages_of(["\n".join(lines)], "ocr")).pages
    assert page.text.split() == " ".join(lines).split()
