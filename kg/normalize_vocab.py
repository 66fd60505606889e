"""The label normalizer's vocabulary tables: standard abbreviations and alternate names.

Two curated TSV files in ``ontology/mappings/`` say what the ontologies do not:

- ``label-abbreviations.tsv``: standard abbreviations (COPD, SMA, RNFL, ccRCC...), each with the
  modalities in which its reading holds ("SMA" is the superior mesenteric artery on CT, not spinal
  muscular atrophy), what its letters stand for, and the convention it comes from;
- ``label-alternate-names.tsv``: Latin and Greek names (mesencephalon, mandibula), standard and
  lay English names, eponyms, and the usual meaning of a plain word in imaging ("macula" on a
  fundus photograph);
- ``label-words.tsv``: words of the languages structure sets are written in, with their English
  words ("nerf": nerve), for names read word by word.

Both are read once and validated: a malformed row fails at start-up with the file and row named.
:mod:`medfuse.kg.normalize` decides how they answer.

>>> rows = read_abbreviations()
>>> [(r.abbreviation, r.object_label) for r in rows if r.abbreviation == "COPD"]
[('COPD', 'chronic obstructive pulmonary disease')]
>>> next(r for r in read_alternate_names() if r.name == "mesencephalon").object_label
'midbrain'
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib.resources import files
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from medfuse.kg.errors import CatalogError
from medfuse.kg.normalize_rules import PREDICATES
from medfuse.loaders.mappings import NO_TERM

__all__ = [
    "ABBREVIATIONS_FILE",
    "ALTERNATES_FILE",
    "WORDS_FILE",
    "Abbreviation",
    "AlternateName",
    "Word",
    "read_abbreviations",
    "read_alternate_names",
    "read_words",
]

#: The abbreviation table, in ``ontology/mappings/``.
ABBREVIATIONS_FILE = "label-abbreviations.tsv"
#: The alternate-name table, in ``ontology/mappings/``.
ALTERNATES_FILE = "label-alternate-names.tsv"
#: The table of words of other languages, in ``ontology/mappings/``.
WORDS_FILE = "label-words.tsv"

_CURIE = re.compile(r"^(?:UBERON|MONDO|CL|mfles|mfanat):[A-Za-z0-9_.-]+$")


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Modality words in which the row holds; empty: every modality.
    modalities: tuple[str, ...] = ()
    #: The term, or ``sssom:NoTermFound``.
    object_id: str
    object_label: str = ""
    source: str

    @field_validator("modalities", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("object_id")
    @classmethod
    def _curie(cls, value: str) -> str:
        if value != NO_TERM and not _CURIE.match(value):
            raise ValueError(f"not a UBERON, MONDO, CL, mfles or mfanat CURIE: {value!r}")
        return value

    @field_validator("source")
    @classmethod
    def _justified(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("every row says where it comes from")
        return value


class Abbreviation(_Row):
    """One reading of an abbreviation (``SMA`` on CT: the superior mesenteric artery)."""

    abbreviation: str
    #: ``exact``: only this capitalisation ("PCa"); ``any``: any.
    case: Literal["any", "exact"] = "any"
    predicate_id: str = "skos:exactMatch"
    #: What the letters stand for; replaces the abbreviation inside longer names.
    expansion: str
    specialty: str

    @field_validator("predicate_id")
    @classmethod
    def _predicate(cls, value: str) -> str:
        if value not in PREDICATES:
            raise ValueError(f"unknown predicate {value!r}")
        return value


class AlternateName(_Row):
    """A name the ontology lacks for a term (``mandibula``: the mandible)."""

    name: str
    #: latin, greek, english, german, french, spanish, italian, eponym, usage or modality.
    kind: str


#: The languages of label-words.tsv, also kinds of alternate names.
Language = Literal["french", "italian", "spanish", "portuguese", "dutch", "german"]
#: The same, as a set.
LANGUAGES = frozenset(get_args(Language))


class Word(BaseModel):
    """A word of another language and its English ("nerf": nerve); no English: an article."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    word: str
    language: Language
    english: str = ""

    @field_validator("word")
    @classmethod
    def _word(cls, value: str) -> str:
        if not value.strip() or value != value.strip():
            raise ValueError(f"a word without surrounding spaces, not {value!r}")
        return value


def _read(name: str, model: type[BaseModel]) -> tuple[BaseModel, ...]:
    resource = files("medfuse.ontology").joinpath("mappings", name)
    source = f"ontology/mappings/{name}"
    lines = resource.read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if not line.startswith("#")]
    skipped = len(lines) - len(body)
    reader = csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t", quoting=csv.QUOTE_NONE)
    rows = []
    for number, record in enumerate(reader, start=skipped + 2):
        try:
            rows.append(model.model_validate(record))
        except ValidationError as error:
            raise CatalogError(source, f"invalid row: {error}", row=number) from error
    return tuple(rows)


@cache
def read_abbreviations() -> tuple[Abbreviation, ...]:
    """Read and validate ``label-abbreviations.tsv`` (once per process).

    :raises CatalogError: naming the file and row of a malformed row.
    """
    return _read(ABBREVIATIONS_FILE, Abbreviation)  # type: ignore[return-value]


@cache
def read_alternate_names() -> tuple[AlternateName, ...]:
    """Read and validate ``label-alternate-names.tsv`` (once per process).

    :raises CatalogError: naming the file and row of a malformed row.
    """
    return _read(ALTERNATES_FILE, AlternateName)  # type: ignore[return-value]


@cache
def read_words() -> tuple[Word, ...]:
    """Read and validate ``label-words.tsv`` (once per process).

    :raises CatalogError: naming the file and row of a malformed row.
    """
    return _read(WORDS_FILE, Word)  # type: ignore[return-value]
