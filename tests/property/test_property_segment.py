"""The segmenter on arbitrary minutes texts: items in order, their spans inside the document, no text lost between items."""

from hypothesis import given
from hypothesis import strategies as st
from strategies import LINE, PAGES

from schemas.pipeline import PAGE_JOINER, AgendaEntry, SegmentationResult
from tasks.segment import segment_minutes

AGENDAS = st.none() | st.lists(st.builds(AgendaEntry, number=st.sampled_from(["1", "2", "3", "Ö 1", None]), name=LINE,
                                         public=st.booleans()), max_size=5)
TITLE_WORDS = st.sampled_from(["Haushalt", "Schulentwicklung", "Radwegekonzept", "Integrationskonzept", "Friedhofssatzung",
                               "Klimaschutz", "Feuerwehrbedarfsplan", "Breitbandausbau", "Stellenplan", "Jugendhilfe"])
BODY_WORDS = st.sampled_from(["Die", "Verwaltung", "berichtet", "über", "den", "Sachstand", "Der", "Ausschuss", "nimmt",
                              "Kenntnis", "Herr", "Müller", "fragt", "nach", "Kosten", "Antwort", "folgt", "schriftlich"])


def check_spans(pages: list[str], result: SegmentationResult) -> None:
    joined = PAGE_JOINER.join(pages)
    previous_end = 0
    for item in result.items:
        assert previous_end <= item.char_start < item.char_end <= len(joined)  # in order, not overlapping
        assert 1 <= item.page_start <= item.page_end <= max(1, len(pages))
        span = joined[item.char_start:item.char_end]
        for line in item.text.splitlines():  # the item's text is the document's, from inside its span
            assert line.strip() in span
        previous_end = item.char_end


@given(PAGES, AGENDAS)
def test_any_text_segments_into_ordered_items_within_the_document(pages, agenda):
    result = segment_minutes(pages, agenda=agenda)
    assert isinstance(result, SegmentationResult) and all(isinstance(w, str) for w in result.warnings)
    check_spans(pages, result)


@st.composite
def minutes(draw):
    """Numbered items with distinct titles and bodies of plain sentences, over one to three pages."""
    titles = draw(st.lists(st.lists(TITLE_WORDS, min_size=1, max_size=3).map(" ".join), min_size=2, max_size=6, unique=True))
    # Sentences are distinct: a line repeated at the foot of every page is a running footer, rightly dropped.
    sentence = st.lists(BODY_WORDS, min_size=3, max_size=9).map(" ".join).map(lambda s: s + ".")
    sentences = draw(st.lists(sentence, min_size=len(titles), max_size=4 * len(titles), unique=True))
    cuts = sorted(draw(st.lists(st.integers(1, len(sentences) - 1), min_size=len(titles) - 1, max_size=len(titles) - 1,
                                unique=True))) if len(titles) > 1 else []
    bodies = [sentences[a:b] for a, b in zip([0, *cuts], [*cuts, len(sentences)])]
    lines = ["Niederschrift über die Sitzung des Ausschusses für Schule und Sport", ""]
    for number, (title, body) in enumerate(zip(titles, bodies), start=1):
        lines += [f"TOP {number}: {title}", "", *body, ""]
    cut = sorted(draw(st.lists(st.integers(1, len(lines) - 1), max_size=2, unique=True)))
    pages = ["\n".join(lines[a:b]).strip("\n") for a, b in zip([0, *cut], [*cut, len(lines)])]
    return [p for p in pages if p], titles, bodies


@given(minutes())
def test_numbered_minutes_lose_no_text_between_items(drawn):
    pages, titles, bodies = drawn
    result = segment_minutes(pages)
    check_spans(pages, result)
    assert [i.number for i in result.items] == [str(n) for n in range(1, len(titles) + 1)]
    assert [i.title for i in result.items] == titles
    for item, body in zip(result.items, bodies):
        assert item.text.split() == " ".join(body).split()  # every sentence of the item, in order, and nothing else
