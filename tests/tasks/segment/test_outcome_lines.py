"""Results and votes as real minutes print them (one test per phrasing family)."""

from __future__ import annotations

import pytest

from schemas.pipeline import Votes
from tasks.segment.outcome import outcome_of, votes_in


def _outcome(*lines: str) -> tuple[str | None, Votes | None]:
    out = outcome_of(list(lines))
    return out.result, out.votes


@pytest.mark.parametrize("line, votes", [
    ("Abstimmungsergebnis: 19 : 0", Votes(yes=19, no=0)),
    ("Abstimmung: 16 : 3 : 1", Votes(yes=16, no=3, abstain=1)),
    ("Abstimmungsergebnis: 14:1", Votes(yes=14, no=1)),
])
def test_colon_tallies_are_yes_no_abstain(line, votes):
    assert votes_in(line) == votes


def test_times_are_not_tallies():
    assert votes_in("Beginn: 19:30 Uhr") is None
    assert votes_in("Die Sitzung endete um 21 : 05 Uhr.") is None


@pytest.mark.parametrize("line, result, votes", [
    ("mit 8 gegen 3 Stimmen beschlossen", "mehrheitlich", Votes(yes=8, no=3)),
    ("Der Antrag wird mit 4 gegen 13 Stimmen abgelehnt.", "abgelehnt", Votes(yes=4, no=13)),
])
def test_mit_n_gegen_m_stimmen(line, result, votes):
    assert _outcome(line) == (result, votes)


def test_counted_votes_after_a_result_label():
    assert votes_in("Abstimmungsergebnis: 10 Ja-Stimmen, 6 Nein-Stimmen, 1 Enthaltung") == Votes(yes=10, no=6, abstain=1)
    # a labelled value is still not the count of the label after it
    assert votes_in("Ja-Stimmen: 13 Nein-Stimmen: 0") == Votes(yes=13, no=0)


def test_abbreviated_labels_and_slashes():
    assert votes_in("Ja 12 / Nein 3 / Enth. 1") == Votes(yes=12, no=3, abstain=1)
    assert votes_in("Anwesend: 17 Für: 15 Gegen: 2") == Votes(yes=15, no=2)


def test_abstentions_alone_are_votes_too():
    assert _outcome("einstimmig bei 2 Enthaltungen") == ("einstimmig", Votes(abstain=2))
    assert _outcome("mehrheitlich bei 3 Gegenstimmen") == ("mehrheitlich", Votes(no=3))


def test_tally_over_separate_lines():
    assert _outcome("Anwesend: 15", "Für: 13", "Gegen: 2") == ("mehrheitlich", Votes(yes=13, no=2))
    assert _outcome("Ja-Stimmen: 5", "Nein-Stimmen: 5", "Enthaltungen: 1") == ("abgelehnt", Votes(yes=5, no=5, abstain=1))


def test_votes_decide_over_a_bare_beschlossen():
    assert _outcome("Abstimmungsergebnis: mit 12 gegen 4 Stimmen beschlossen")[0] == "mehrheitlich"
    assert _outcome("Abstimmungsergebnis: 13 : 0 : 0") == ("einstimmig", Votes(yes=13, no=0, abstain=0))


@pytest.mark.parametrize("line, result", [
    ("ohne Beschluss", "ohne Beschluss"),
    ("Ergebnis: ohne Beschlussfassung", "ohne Beschluss"),
    ("Ein Beschluss wurde nicht gefasst.", "ohne Beschluss"),
    ("Der Tagesordnungspunkt wird zurückgestellt.", "vertagt"),
    ("Die Ausschussmitglieder sind einstimmig mit der Vertagung einverstanden.", "vertagt"),
    ("Der Tagesordnungspunkt wurde zu Beginn der Sitzung von der Tagesordnung abgesetzt.", "abgesetzt"),
    ("Kenntnisnahme", "zur Kenntnis genommen"),
])
def test_no_decision_postponed_withdrawn_noted(line, result):
    assert _outcome(line)[0] == result


@pytest.mark.parametrize("line", [
    "Der Ausschuss empfiehlt dem Kreistag den Antrag nicht.",
    "nicht empfohlen",
    "Empfehlung: nicht empfohlen",
    "Die erforderliche Mehrheit wurde nicht erreicht.",
])
def test_negations_are_rejections(line):
    assert _outcome(line)[0] == "abgelehnt"


def test_a_result_phrase_after_beschluss_label_is_the_result_not_the_resolution():
    out = outcome_of(["Beschluss: einstimmig beschlossen"])
    assert (out.result, out.resolution) == ("einstimmig", None)
    out = outcome_of(["Beschluss:", "Der Rat stimmt zu.", "", "einstimmig"])
    assert (out.result, out.resolution) == ("einstimmig", "Der Rat stimmt zu.")


def test_result_in_the_closing_sentence_of_running_prose():
    assert _outcome("Der Vorsitzende stellte die Beschlussfähigkeit fest. Die Tagesordnung",
                    "wird einstimmig festgestellt.")[0] == "einstimmig"
    assert _outcome("Sodann beschließt die Gemeindevertretung, der geänderten Tagesordnung",
                    "zuzustimmen. Abstimmungsergebnis: Einstimmig")[0] == "einstimmig"
    # a result word inside the discussion is not the item's result
    assert _outcome("Der Rat hatte den Plan im Mai einstimmig beschlossen. Heute berichtete",
                    "die Verwaltung über den Stand der Arbeiten.")[0] is None


def test_bare_dafuer_dagegen_counts():
    assert _outcome("Abstimmung: 5 dafür, 1 dagegen, 1 Enthaltung") == ("mehrheitlich", Votes(yes=5, no=1, abstain=1))
