"""Shared fixtures for the demo tests: one sample corpus per test session, built in a tmp dir."""

from pathlib import Path

import pytest

from demo.build import SampleCorpus, build_sample_corpus

# Scans at 100 dpi keep the session build to a couple of seconds; the demo itself uses 300.
TEST_SCAN_DPI = 100


@pytest.fixture(scope="session")
def scan_dpi() -> int:
    return TEST_SCAN_DPI


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample-corpus")
    build_sample_corpus(out, scan_dpi=TEST_SCAN_DPI)
    return out


@pytest.fixture(scope="session")
def sample_corpus(corpus_dir: Path) -> SampleCorpus:
    from demo.build import load_sample_corpus

    return load_sample_corpus(corpus_dir)
