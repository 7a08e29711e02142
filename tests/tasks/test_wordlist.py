"""The word list's parsed copy in the user's cache: used when whole, never trusted over the list."""

from __future__ import annotations

import marshal

import pytest

from tasks import wordlist


@pytest.fixture
def small_list(tmp_path, monkeypatch):
    listed = tmp_path / "ngerman"
    listed.write_text("Behörde\nAusschuss\nsitzung\n", encoding="utf-8")
    monkeypatch.setattr(wordlist, "WORDLIST_PATH", listed)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    wordlist.german_words.cache_clear()
    yield listed
    wordlist.german_words.cache_clear()


def cached_files(small_list):
    return sorted((small_list.parent / "cache" / "ratsflow").glob("*"))


def test_the_parsed_list_is_kept_and_read_back(small_list):
    assert wordlist.german_words() == {"behörde", "ausschuss", "sitzung"}
    [cached] = cached_files(small_list)
    assert marshal.loads(cached.read_bytes()) == {"behörde", "ausschuss", "sitzung"}

    cached.write_bytes(marshal.dumps(frozenset({"aus", "dem", "cache"})))
    wordlist.german_words.cache_clear()
    assert wordlist.german_words() == {"aus", "dem", "cache"}  # read, not parsed again


def test_a_changed_list_is_parsed_again(small_list):
    wordlist.german_words()
    small_list.write_text("Behörde\nAusschuss\nsitzung\nNiederschrift\n", encoding="utf-8")
    wordlist.german_words.cache_clear()

    assert "niederschrift" in wordlist.german_words()
    assert len(cached_files(small_list)) == 2  # one per version of the list; no half-written file


def test_a_damaged_cache_is_replaced_by_the_list(small_list):
    wordlist.german_words()
    [cached] = cached_files(small_list)
    cached.write_bytes(b"\x00not marshal at all")
    wordlist.german_words.cache_clear()

    assert wordlist.german_words() == {"behörde", "ausschuss", "sitzung"}
    assert marshal.loads(cached.read_bytes()) == {"behörde", "ausschuss", "sitzung"}


def test_an_unwritable_cache_folder_costs_time_not_words(small_list):
    blocked = small_list.parent / "cache" / "ratsflow"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the folder should be")

    assert wordlist.german_words() == {"behörde", "ausschuss", "sitzung"}
    assert blocked.is_file()


def test_the_real_list_is_loaded_with_its_umlauts():
    assert {"behörde", "ausschuss", "für", "größe"} <= wordlist.german_words()
