"""Shared fixtures: the term index, and one graph built from the shipped data per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from medfuse.kg.build import build
from medfuse.kg.catalog import Catalog
from medfuse.kg.store import open_store
from medfuse.kg.terms import TermIndex, load_terms

#: Folder of the tiny fixtures made for the tests.
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def terms() -> TermIndex:
    """The term index of every shipped term set."""
    return load_terms()


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store directory holding a graph built from the shipped catalogs."""
    location = tmp_path_factory.mktemp("store")
    build(location)
    return location


@pytest.fixture(scope="session")
def catalog(built_store: Path, terms: TermIndex) -> Catalog:
    """A catalog over the session's built graph (opened read-only)."""
    return Catalog(open_store(built_store), terms)
