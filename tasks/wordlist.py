"""Is this a German word? The one question both the text-layer check and umlaut restoration ask.

The Debian word list (`wngerman`) holds inflected forms but few compounds, and council German is
made of compounds (`Integrationszentrum`, `Teilhabemanagement`), so a word also counts when it
splits into listed words, with or without a linking `s`/`n`/`en`/`es`.
"""

from __future__ import annotations

import marshal
import os
import re
from functools import lru_cache
from pathlib import Path

from storage.blobs import write_atomically

WORDLIST_PATH = Path("/usr/share/dict/ngerman")

# Letters (any script) with inner hyphens/apostrophes: `EU-Staaten`, `klappt’s`.
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")

_LINKS = ("", "s", "n", "en", "es", "e", "er")
_MIN_PART = 3


@lru_cache(maxsize=1)
def german_words() -> frozenset[str]:
    """The word list, lowercased; loaded once per process.

    Parsing 356k lines costs ≈ 0.3 s, paid by every `ratsflow extract` and every worker process;
    the parsed set is kept in the user's cache folder (`marshal`, keyed by the list's size and
    mtime and marshal's format), which loads in ≈ 0.1 s. A cache that cannot be read or written is
    only slower, never wrong: the list itself is the truth.
    """
    try:
        stat = WORDLIST_PATH.stat()
    except FileNotFoundError as err:  # pragma: no cover - setup problem, not a code path
        raise RuntimeError(f"German word list missing at {WORDLIST_PATH}: install the Debian package `wngerman`") from err
    cached = _cache_folder() / f"{WORDLIST_PATH.name}-{stat.st_size}-{stat.st_mtime_ns}-m{marshal.version}.marshal"
    try:
        words = marshal.loads(cached.read_bytes())
        if isinstance(words, frozenset):
            return words
    except (OSError, ValueError, EOFError, TypeError):
        pass
    words = frozenset(WORDLIST_PATH.read_text(encoding="utf-8").lower().split())
    try:
        write_atomically(cached, lambda out: out.write(marshal.dumps(words)), suffix=".marshal")
    except OSError:
        pass
    return words


def _cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ratsflow"


@lru_cache(maxsize=200_000)
def _is_compound(word: str, depth: int = 0) -> bool:
    words = german_words()
    if word in words:
        return True
    if depth >= 3:
        return False
    # Longest head first: `integrationszentrum` → `integration` + s + `zentrum`.
    for cut in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
        head, rest = word[:cut], word[cut:]
        if head not in words:
            continue
        for link in _LINKS:
            if not rest.startswith(link):
                continue
            tail = rest[len(link):]
            if len(tail) >= _MIN_PART and _is_compound(tail, depth + 1):
                return True
    return False


def is_abbreviation(token: str) -> bool:
    """`KI`, `NRW`, `SGB`, `KIs`: short capitals read as valid, they are names, not damage."""
    letters = token.rstrip("s")
    return 2 <= len(letters) <= 6 and letters.isupper()


def is_german_word(token: str) -> bool:
    """True for listed words, compounds of listed words, and abbreviations.

    Parts of hyphenated words are checked one by one (`Teilhabemanagement-Stellen`).
    """
    if is_abbreviation(token):
        return True
    parts = [p for p in re.split(r"[-'’]", token) if p]
    return bool(parts) and all(len(p) < 2 or is_abbreviation(p) or _is_compound(p.lower()) for p in parts)


def words_of(text: str) -> list[str]:
    """Tokens worth judging: letter runs of two or more characters."""
    return [w for w in WORD_RE.findall(text) if len(w) >= 2]


def german_word_share(text: str) -> float:
    """Share of the text's words that are German words (1.0 for text without words)."""
    words = words_of(text)
    if not words:
        return 1.0
    return sum(is_german_word(w) for w in words) / len(words)


# What English-model OCR and broken encodings leave where an umlaut or ß stood, seen in archived
# layers (seed 000): `fur`, `Foérderbaustein`, `Ergdnzung`, `Blndnis`, `Fliichtige`, `Dariliber`,
# `aullerdem`. Ordered by how often each stands for the umlaut rather than for itself.
_UMLAUT_DAMAGE: tuple[tuple[str, str], ...] = (
    ("a", "ä"), ("o", "ö"), ("u", "ü"), ("A", "Ä"), ("O", "Ö"), ("U", "Ü"),
    ("oé", "ö"), ("éa", "ä"), ("é", "ö"), ("é", "ä"), ("ii", "ü"), ("li", "ü"), ("ili", "ü"),
    ("ll", "ß"), ("ss", "ß"), ("i", "ü"), ("l", "ü"), ("d", "ä"), ("d", "ö"),
)
_MAX_FIXES = 2


def _variants(word: str, start: int, fixes_left: int):
    """(variant, number of fixes) for every way to undo up to `fixes_left` damages."""
    for pos in range(start, len(word)):
        for damaged, fixed in _UMLAUT_DAMAGE:
            if word.startswith(damaged, pos):
                variant = word[:pos] + fixed + word[pos + len(damaged):]
                yield variant, _MAX_FIXES - fixes_left + 1
                if fixes_left > 1:
                    for deeper, _ in _variants(variant, pos + len(fixed), fixes_left - 1):
                        yield deeper, _MAX_FIXES - fixes_left + 2


@lru_cache(maxsize=50_000)
def restored_word(word: str) -> str | None:
    """The German word a damaged token stands for (`fur` → `für`), or None.

    Never proposes anything for a token that is already a word, so `wahrend` (a listed old
    spelling) stays: restoration can only ever fix, not break. One fix beats two
    (`aullerdem` → `außerdem`, not `äußerdem`); among equals the likelier damage wins.
    """
    if len(word) < 3 or is_german_word(word):
        return None
    best: tuple[int, str] | None = None
    for variant, fixes in _variants(word, 0, _MAX_FIXES):
        if (best is None or fixes < best[0]) and is_german_word(variant):
            best = (fixes, variant)
            if fixes == 1:
                break
    return best[1] if best else None
