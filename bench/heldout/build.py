"""The held-out golden set: minutes in layouts the first set (`bench/golden/`) does not use.

Written before any rule was changed for issue 13 and frozen in its own commit, so that its score
is an estimate on unseen layouts rather than a regression floor. The documents are annotated text
in `bench/heldout/hand/*.src`, in the annotation language of `bench/golden/handwritten.py`
(`@@doc`, `@@agenda`, `@@item`, `@@body`, `@@res`, `@@out`, `@@absent`, `@@page`, `@@run`), plus one
document fact: `@@doc … minutes=0` marks a document that is not minutes at all (a calendar, a
letter): its truth is no items, and the segmenter should say so in a warning.

    python -m bench.heldout.build        # writes <name>.txt and <name>.json into bench/heldout/
"""

from __future__ import annotations

from pathlib import Path

from bench.golden.handwritten import write_handwritten

HELDOUT_DIR = Path(__file__).resolve().parent
RESULTS_JSON = HELDOUT_DIR / "results.json"


# A second, smaller probe written after the rule changes and frozen before it was ever scored:
# its first score is the estimate for layouts the rules were not aimed at.
PROBE_DIR = HELDOUT_DIR / "probe"
# A third probe (bench/probe3/, 11 documents and 67 result lines in layouts no set above uses),
# frozen before the segmenter ever ran on it; it has its own results.json.
PROBE3_DIR = HELDOUT_DIR.parent / "probe3"


def write_heldout(directory: Path = HELDOUT_DIR) -> list[str]:
    """Writes `<name>.txt` (pages separated by form feeds) and `<name>.json` of `directory/hand/*.src`;
    returns the names."""
    return write_handwritten(directory, directory / "hand", source=directory.name)


if __name__ == "__main__":
    for folder in (HELDOUT_DIR, PROBE_DIR, PROBE3_DIR):
        print(f"{len(write_heldout(folder))} documents in {folder}")
