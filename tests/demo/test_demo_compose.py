"""Composition: the five heading layouts, verbatim ground truth, non-public items, determinism."""

import re
from datetime import date

import pytest

from demo.compose import LAYOUTS, MinutesDoc, compose_minutes
from demo.itempool import ASGI, KREISAUSSCHUSS, sample_minutes_spec, seed_item_kim, seed_paragraphs

HEADING_FORMS = {
    "sessionnet": r"[ÖN] \d+(\.\d+)?",
    "allris": r"TOP \d+(\.\d+)?",
    "dotted": r"(\d+\.|\d+\.\d+)",
    "punkt": r"Punkt \d+(\.\d+)? der Tagesordnung",
    "zu": r"Zu \d+(\.\d+)?",
}


def _doc(layout: str, *, size: str = "long", nonpublic_mode: str = "omitted", seed: int = 11) -> MinutesDoc:
    spec = sample_minutes_spec(
        committee=KREISAUSSCHUSS if seed % 2 else ASGI, session_number=12, day=date(2019, 7, 4),
        previous_day=date(2019, 5, 14), layout=layout, seed=seed, size=size,
        featured=[seed_item_kim(ASGI.subject, "2019/0134")], nonpublic_mode=nonpublic_mode,
    )
    return compose_minutes(spec)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_prints_its_own_heading_form(layout: str) -> None:
    doc = _doc(layout)
    printed = [item for item in doc.items if item.in_record]
    assert len(printed) >= 8
    for item in printed:
        first_line = item.heading.split("\n")[0]
        assert re.fullmatch(HEADING_FORMS[layout], item.label), item.label
        assert first_line.startswith(item.label)
        if layout == "punkt":
            assert first_line == item.label  # the title follows on the next line
            assert item.title.startswith(item.heading.split("\n")[1])
        # the heading is printed as whole lines of a page
        page = doc.pages[item.page_start - 1].split("\n")
        assert first_line in page
    assert any("." in item.number for item in printed), "long documents have sub-items like 6.1"


def test_sessionnet_restarts_numbering_for_the_nonpublic_part() -> None:
    doc = _doc("sessionnet", nonpublic_mode="heading_only")
    nonpublic = [item for item in doc.items if not item.public]
    assert [item.label for item in nonpublic] == ["N 1", "N 2"]
    assert all(item.in_record and item.text == "" for item in nonpublic)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_item_texts_are_verbatim_slices_of_the_printed_pages(layout: str) -> None:
    doc = _doc(layout)
    bodies = []
    for item in doc.items:
        if not item.text:
            continue
        assert item.text in doc.body
        assert not item.text.startswith(item.label)
        if item.page_start == item.page_end:
            assert item.text in doc.pages[item.page_start - 1]
        else:  # an item across a page break: each page holds its part, between running lines
            first_line, last_line = item.text.split("\n")[0], item.text.split("\n")[-1]
            assert first_line in doc.pages[item.page_start - 1].split("\n")
            assert last_line in doc.pages[item.page_end - 1].split("\n")
        bodies.append(item.text)
    assert len(bodies) >= 7
    # the page texts are the body plus running headers/footers, nothing else
    for page, printed in zip(doc.pages, doc.printed, strict=True):
        assert page == "\n".join(line.text for line in printed)
    body_lines = [line.text for printed in doc.printed for line in printed if line.style != "running"]
    assert "\n".join(body_lines) == doc.body


def test_resolutions_votes_and_results_are_printed_and_recorded() -> None:
    doc = _doc("allris", seed=12)
    resolved = [item for item in doc.items if item.resolution]
    assert resolved
    vote_line = re.compile(r"^(Ja-Stimmen: \d+ Nein-Stimmen: \d+ Enthaltungen: \d+|Dafür: \d+ Dagegen: \d+ Enthaltung: \d+)$", re.M)
    for item in resolved:
        assert re.search(r"^Beschluss(vorschlag)?:$", item.text, re.M)
        assert item.text.rstrip().endswith(item.result)
        if item.votes:
            assert vote_line.search(item.text)
    numbered = [item for item in resolved if re.search(r"^1\. .*\n(.*\n)*2\. ", item.text, re.M)]
    assert numbered, "some resolution has a numbered list"
    results = {item.result for item in doc.items if item.result}
    assert "zur Kenntnis genommen" in results and "vertagt" in results


def test_nonpublic_items_are_in_the_agenda_but_not_in_the_published_record() -> None:
    doc = _doc("dotted", nonpublic_mode="omitted")
    nonpublic = [item for item in doc.items if not item.public]
    assert nonpublic
    agenda_end = doc.body.index("Öffentlicher Teil", doc.body.index("Nichtöffentlicher Teil"))
    for item in nonpublic:
        assert not item.in_record and item.text == "" and item.page_start is None
        first_words = item.title.split("–")[0].strip()
        assert first_words in doc.body[:agenda_end]
        assert first_words not in doc.body[agenda_end:]


def test_long_titles_wrap_in_print_but_stay_whole_in_the_ground_truth() -> None:
    doc = _doc("zu")
    wrapped = [item for item in doc.items if item.in_record and "\n" in item.heading]
    assert wrapped
    for item in wrapped:
        assert "\n" not in item.title
        heading_words = item.heading.replace("\n", " ").split()
        assert " ".join(item.title.split()) in " ".join(heading_words)


def test_running_lines_count_pages() -> None:
    doc = _doc("sessionnet")
    total = len(doc.pages)
    assert total >= 3
    for number, page in enumerate(doc.pages, start=1):
        assert page.split("\n")[-1] == f"Niederschrift KA 04.07.2019 — Seite {number} von {total}"
    assert doc.title == "Niederschrift über die 12. Sitzung des Kreisausschusses am 04.07.2019"
    assert doc.pages[0].startswith("Rhein-Sieg-Kreis\n\nNiederschrift über die 12. Sitzung")


def test_composition_is_deterministic() -> None:
    first, second = _doc("punkt", seed=5), _doc("punkt", seed=5)
    assert first.model_dump() == second.model_dump()
    assert _doc("punkt", seed=6).pages != first.pages


def test_seeds_are_cleaned_into_paragraphs() -> None:
    kim = seed_paragraphs("002")
    assert any("vorgegangen" in paragraph for paragraph in kim)
    assert not any(paragraph.endswith("vor-") for paragraph in kim)
    report = seed_paragraphs("001")
    assert all(paragraph == paragraph.strip() and "  " not in paragraph for paragraph in report)


def test_truth_items_convert_to_the_segmenter_output_model() -> None:
    doc = _doc("allris")
    spans = [item.as_span() for item in doc.items if item.in_record]
    assert spans[0].label == "TOP 1" and spans[0].page_start == 1
    assert any(span.votes is not None and span.votes.yes for span in spans)
