"""Simulated council installations on loopback, and how well discovery reads them.

Each folder under `fixtures/installations/` is one installation as a vendor ships it: the pages
(our own, written to reproduce the vendor's structure), `routes.json` (which path answers with
which page, status and headers) and `expected.json` (what a person reading the pages finds:
every meeting with date, start time and committee, and which files are minutes and which are
attachments). `measure()` runs discovery against each and counts what it got right;
`python tests/tasks/sources/installations.py` prints the table.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE), str(HERE.parents[2]), str(HERE.parents[1])]

from council_pages import page  # noqa: E402
from loopback import LoopbackServer, Reply  # noqa: E402

INSTALLATIONS = HERE / "fixtures" / "installations"
MINUTES_ROLES = {"results_protocol", "verbatim_protocol"}


def installation_names() -> list[str]:
    return sorted(p.name for p in INSTALLATIONS.iterdir() if (p / "expected.json").exists())


def expected_of(name: str) -> dict:
    return json.loads((INSTALLATIONS / name / "expected.json").read_text(encoding="utf-8"))


def serve_installation(server: LoopbackServer, name: str) -> str:
    """Route every page of one installation on `server`; returns the root URL a user would give."""
    for path, file, *rest in json.loads((INSTALLATIONS / name / "routes.json").read_text(encoding="utf-8")):
        status = rest[0] if rest else 200
        headers = rest[1] if len(rest) > 1 else {}
        if file is None:
            server.route(path, Reply(status, b"", headers))
        else:
            reply = page(f"installations/{name}/{file}")
            server.route(path, Reply(status, reply.body, {**reply.headers, **headers}))
    return server.base + expected_of(name)["root"]


@dataclass
class Score:
    """Counts for one installation (or summed over all)."""

    meetings: int = 0
    found: int = 0
    start_right: int = 0
    committee_right: int = 0
    agenda_right: int = 0
    agenda_expected: int = 0
    minutes_expected: int = 0
    minutes_predicted: int = 0
    minutes_true: int = 0
    errors_expected: int = 0
    errors_right: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            if name != "notes":
                setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float:
        return self.minutes_true / self.minutes_predicted if self.minutes_predicted else 1.0

    @property
    def recall(self) -> float:
        return self.minutes_true / self.minutes_expected if self.minutes_expected else 1.0


def _match(expected: dict, found: list, taken: set[int]):
    for index, meeting in enumerate(found):
        if index in taken:
            continue
        if expected["key"] and expected["key"] in meeting.external_id:
            return index, meeting
        if not expected["key"] and meeting.start and meeting.start.date().isoformat() == expected["date"] \
                and meeting.organization == expected["committee"]:
            return index, meeting
    return None, None


def score_discovery(expected: dict, found: list, error: Exception | None) -> Score:
    """Compare what discovery returned (or raised) with what the installation's pages say."""
    score = Score()
    if "error" in expected:
        score.errors_expected = 1
        score.errors_right = int(error is not None and expected["error"].lower() in str(error).lower())
        if not score.errors_right:
            score.notes.append(f"wanted a clear '{expected['error']}' error, got {error!r} and {len(found)} meetings")
        return score
    if error is not None:
        score.notes.append(f"failed: {type(error).__name__}: {error}")
    taken: set[int] = set()
    for want in expected["meetings"]:
        score.meetings += 1
        score.minutes_expected += len(want["minutes"])
        index, got = _match(want, found, taken)
        if got is None:
            score.notes.append(f"missing {want['date']} {want['committee']}")
            continue
        taken.add(index)
        score.found += 1
        if got.start and got.start.date().isoformat() == want["date"] and got.start.strftime("%H:%M") == want["start"]:
            score.start_right += 1
        else:
            score.notes.append(f"{want['committee']}: start {got.start} (want {want['date']} {want['start']})")
        if got.organization == want["committee"]:
            score.committee_right += 1
        else:
            score.notes.append(f"{want['date']}: committee {got.organization!r} (want {want['committee']!r})")
        if "agenda" in want:
            score.agenda_expected += 1
            numbers = [a.number for a in got.agenda]
            titles = {a.number: a.name for a in got.agenda}
            if numbers == want["agenda"] and all(titles.get(k) == v for k, v in want.get("agenda_titles", {}).items()):
                score.agenda_right += 1
            else:
                score.notes.append(f"{want['committee']}: agenda {[(a.number, a.name) for a in got.agenda]}")
        predicted = [d.url for d in got.documents if d.role in MINUTES_ROLES]
        true = [url for url in predicted if any(key in url for key in want["minutes"])]
        score.minutes_true += len({key for key in want["minutes"] for url in true if key in url})
        score.minutes_predicted += len(predicted)
        for url in predicted:
            if url not in true:
                score.notes.append(f"{want['committee']}: not minutes: {url.rsplit('/', 1)[-1]}")
        for key in want["minutes"]:
            if not any(key in url for url in predicted):
                score.notes.append(f"{want['committee']}: minutes missed: {key}")
    for index, meeting in enumerate(found):
        if index not in taken:
            score.minutes_predicted += sum(d.role in MINUTES_ROLES for d in meeting.documents)
            score.notes.append(f"unexpected meeting {meeting.external_id}")
    return score


def measure_installation(name: str, *, given_kind: bool) -> Score:
    """Serve one installation on loopback and score discovery from its root URL."""
    from schemas.settings import Settings
    from tasks.http import HttpClient
    from tasks.sources import discover

    expected = expected_of(name)
    with LoopbackServer() as server, HttpClient(Settings(), retries=0) as client:
        root = serve_installation(server, name)
        found, error = [], None
        try:
            found = discover(
                root,
                expected["kind"] if given_kind else None,
                client,
                start_from=date.fromisoformat(expected["from"]),
                start_to=date.fromisoformat(expected["to"]),
            ).meetings
        except Exception as err:
            error = err
    return score_discovery(expected, found, error)


def measure(*, given_kind: bool) -> dict[str, Score]:
    return {name: measure_installation(name, given_kind=given_kind) for name in installation_names()}


def table(scores: dict[str, Score]) -> str:
    lines = ["| installation | meetings found | start right | committee right | agenda right | minutes P | minutes R |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    total = Score()
    for name, s in scores.items():
        total.add(s)
        if s.errors_expected:
            lines.append(f"| {name} | clear error: {'yes' if s.errors_right else 'no'} | | | | | |")
            continue
        lines.append(f"| {name} | {s.found}/{s.meetings} | {s.start_right}/{s.meetings} | {s.committee_right}/{s.meetings}"
                     f" | {s.agenda_right}/{s.agenda_expected} | {s.precision:.2f} | {s.recall:.2f} |")  # fmt: skip
    lines.append(f"| **all** | {total.found}/{total.meetings} | {total.start_right}/{total.meetings}"
                 f" | {total.committee_right}/{total.meetings} | {total.agenda_right}/{total.agenda_expected}"
                 f" | {total.precision:.2f} ({total.minutes_true}/{total.minutes_predicted})"
                 f" | {total.recall:.2f} ({total.minutes_true}/{total.minutes_expected}) |")  # fmt: skip
    lines.append(f"\nclear errors where a list cannot be read: {total.errors_right}/{total.errors_expected}")
    return "\n".join(lines)


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.ERROR)
    verbose = "-v" in sys.argv
    for given in (True, False):
        scores = measure(given_kind=given)
        print(f"\n### kind {'given (--kind)' if given else 'detected (no --kind)'}\n")
        print(table(scores))
        if verbose:
            for name, s in scores.items():
                for note in s.notes:
                    print(f"  {name}: {note}")
