"""Data tests for the label normalizer's vocabulary tables (:mod:`medfuse.kg.normalize_vocab`).

Every row of ``ontology/mappings/label-abbreviations.tsv``, ``label-alternate-names.tsv`` and
``label-words.tsv`` is checked on its own: a live term with its exact label (or ``sssom:NoTermFound``), known modality
words, a justification. The tables are vocabulary written from general knowledge, so a standard
abbreviation or Latin name may also be a label name of a benchmark set ("COPD"); they must cover
far more than the benchmark, which the share tests bound.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from label_sets import development_sets, read_rows

from medfuse.kg.errors import CatalogError
from medfuse.kg.normalize import LabelNormalizer, load_normalizer, words_of
from medfuse.kg.normalize_foreign import unaccented
from medfuse.kg.normalize_rules import PREDICATES, load_rules
from medfuse.kg.normalize_vocab import (
    Abbreviation,
    AlternateName,
    Word,
    _read,
    read_abbreviations,
    read_alternate_names,
    read_words,
)
from medfuse.kg.terms import TermIndex
from medfuse.loaders.mappings import NO_TERM
from medfuse.loaders.tokens import normalize

ROOT = Path(__file__).parents[1]
MAPPINGS = ROOT / "ontology" / "mappings"
#: The benchmark development sets whose names the tables must not be made of (a fresh set is
#: never read by tests).
BENCH_SETS = [labelled.path for labelled in development_sets()]
ABBREVIATION_COLUMNS = [
    "abbreviation",
    "case",
    "modalities",
    "object_id",
    "object_label",
    "predicate_id",
    "expansion",
    "specialty",
    "source",
]
ALTERNATE_COLUMNS = ["name", "modalities", "object_id", "object_label", "kind", "source"]
KINDS = {"latin", "greek", "english", "german", "french", "spanish", "italian", "eponym", "usage",
         "modality"}


@pytest.fixture(scope="module")
def normalizer() -> LabelNormalizer:
    return load_normalizer()


@cache
def bench_names() -> frozenset[str]:
    return frozenset(normalize(row["raw"]) for path in BENCH_SETS for row in read_rows(path))


def modality_words() -> set[str]:
    return set(load_rules().modality_aliases.values())


def _columns(name: str) -> list[str]:
    lines = (MAPPINGS / name).read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if not line.startswith("#")).split("\t")


def _check_term(row: Abbreviation | AlternateName, terms: TermIndex) -> None:
    if row.object_id == NO_TERM:
        assert not row.object_label, row
        return
    assert row.object_id in terms, row
    assert terms.label(row.object_id) == row.object_label, row
    assert set(row.modalities) <= modality_words(), row


# ------------------------------------------------------------------------------------ abbreviations
def test_abbreviation_table_shape() -> None:
    assert _columns("label-abbreviations.tsv") == ABBREVIATION_COLUMNS
    rows = read_abbreviations()
    keys = [(r.abbreviation.casefold(), r.abbreviation, ",".join(r.modalities)) for r in rows]
    assert keys == sorted(keys), "sort by abbreviation (case-folded), then modalities"
    assert len(set(keys)) == len(keys)
    assert len({normalize(r.abbreviation) for r in rows}) >= 150


@pytest.mark.parametrize(
    "row", read_abbreviations(), ids=lambda r: f"{r.abbreviation}|{r.modalities}"
)
def test_abbreviation_row(row: Abbreviation, terms: TermIndex) -> None:
    _check_term(row, terms)
    assert row.predicate_id in PREDICATES and row.expansion and row.specialty and row.source


def test_abbreviation_readings_do_not_overlap() -> None:
    """Two readings of one abbreviation never hold in the same modality."""
    by_key: dict[tuple[str, str], list[Abbreviation]] = {}
    for row in read_abbreviations():
        key = row.abbreviation if row.case == "exact" else normalize(row.abbreviation)
        by_key.setdefault((row.case, key), []).append(row)
    for (_, key), rows in by_key.items():
        counts = Counter(m for row in rows for m in (row.modalities or ("*",)))
        assert max(counts.values()) == 1, (key, counts)


@pytest.mark.parametrize(
    "row", read_abbreviations(), ids=lambda r: f"{r.abbreviation}|{r.modalities}"
)
def test_an_abbreviation_answers_its_reading(
    row: Abbreviation, normalizer: LabelNormalizer
) -> None:
    """Written alone, in (one of) its modalities: its term, or an abstention for no term."""
    found = normalizer.normalize(row.abbreviation, modality=(row.modalities or (None,))[0])
    assert found.term == (None if row.object_id == NO_TERM else row.object_id), found


def test_abbreviations_are_not_the_benchmark() -> None:
    """A few standard abbreviations (COPD, SMA) are also benchmark label names; the table is
    written from general knowledge and covers far more."""
    keys = {normalize(r.abbreviation) for r in read_abbreviations()}
    shared = sorted(keys & bench_names())
    assert len(shared) <= 0.2 * len(keys), shared


# ------------------------------------------------------------------------------------ alternate names
def test_alternate_table_shape() -> None:
    assert _columns("label-alternate-names.tsv") == ALTERNATE_COLUMNS
    rows = read_alternate_names()
    keys = [(r.name.casefold(), ",".join(r.modalities)) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert len(rows) >= 100


@pytest.mark.parametrize("row", read_alternate_names(), ids=lambda r: f"{r.name}|{r.modalities}")
def test_alternate_row(row: AlternateName, terms: TermIndex) -> None:
    _check_term(row, terms)
    assert row.object_id != NO_TERM and row.kind in KINDS and row.source
    if not row.modalities:
        hits = terms.lookup(row.name)
        assert not hits or hits[0][0] != row.object_id, "the ontology has this name already"


@pytest.mark.parametrize("row", read_alternate_names(), ids=lambda r: f"{r.name}|{r.modalities}")
def test_an_alternate_name_answers_its_term(
    row: AlternateName, normalizer: LabelNormalizer
) -> None:
    """No label of another term hides it, and its term may answer label names."""
    found = normalizer.normalize(row.name, modality=(row.modalities or (None,))[0])
    assert found.term == row.object_id, found


def test_alternate_names_are_not_the_benchmark() -> None:
    keys = {normalize(r.name) for r in read_alternate_names()}
    shared = sorted(keys & bench_names())
    assert len(shared) <= 0.15 * len(keys), shared


# ------------------------------------------------------------------------------------ words
def test_word_table_shape() -> None:
    assert _columns("label-words.tsv") == ["word", "language", "english"]
    rows = read_words()
    keys = [(r.language, unaccented(r.word)) for r in rows]
    assert keys == sorted(keys), "sort by language, then word (accents folded)"
    assert len(set(keys)) == len(keys)
    assert {r.language for r in rows} == {"french", "italian", "spanish", "portuguese", "dutch",
                                          "german"}


@pytest.mark.parametrize("row", read_words(), ids=lambda r: f"{r.word}|{r.language}")
def test_a_word_translates_to_words_of_the_ontology(
    row: Word, normalizer: LabelNormalizer
) -> None:
    """Its English is made of words of the ontology's names (or "of", or nothing)."""
    english = words_of(row.english)
    assert all(w in normalizer.index.vocabulary or w == "of" for w in normalizer.index.fold(english))


def test_words_are_not_the_benchmark() -> None:
    keys = {normalize(r.word) for r in read_words()}
    shared = sorted(keys & bench_names())
    assert len(shared) <= 0.15 * len(keys), shared


# ------------------------------------------------------------------------------------ reading
def test_a_malformed_row_names_the_file_and_row(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "mappings" / "bad.tsv"
    bad.parent.mkdir()
    bad.write_text(
        "# comment\n" + "\t".join(ALTERNATE_COLUMNS) + "\nliver\t\tnot-a-curie\tliver\tlatin\tx\n",
        encoding="utf-8",
    )
    monkeypatch.setattr("medfuse.kg.normalize_vocab.files", lambda package: tmp_path)
    with pytest.raises(CatalogError) as raised:
        _read("bad.tsv", AlternateName)
    assert "bad.tsv" in str(raised.value) and "record 3" in str(raised.value)
