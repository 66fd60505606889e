"""The schema and loader of ``ontology/mappings/label-rules.yaml``, the label normalizer's data.

The rules file holds every word list and pattern of :mod:`medfuse.kg.normalize`: spelling and
plural folding, laterality, abbreviations, name grammars (TG-263 suffixes, FreeSurfer glosses,
glued prefixes), lesion kinds and the sites of diseases. It is validated once, when loaded, so a
broken pattern or an unknown predicate fails at start-up with the file named.

>>> rules = load_rules()
>>> rules.laterality.words["left"], rules.laterality.parts["a"]
('left', 'anterior')
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from medfuse.kg.errors import CatalogError

__all__ = [
    "RULES_FILE",
    "EXACT",
    "CLOSE",
    "BROAD",
    "NARROW",
    "PREDICATES",
    "LabelRules",
    "load_rules",
]

#: The rules file, in ``ontology/mappings/``.
RULES_FILE = "label-rules.yaml"

EXACT, CLOSE, BROAD, NARROW = (
    "skos:exactMatch",
    "skos:closeMatch",
    "skos:broadMatch",
    "skos:narrowMatch",
)
#: The SSSOM predicates an answer may carry.
PREDICATES = (EXACT, CLOSE, BROAD, NARROW)


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Abstain(_Rule):
    pattern: str
    reason: str
    unless_found: bool = False
    raw: bool = False


class _Narrowing(_Rule):
    pattern: str
    factor: float
    late: bool = False


class _Numbered(_Rule):
    name: str
    patterns: list[str]
    regions: dict[str, str] = {}
    count: dict[str, int]
    names: list[str]
    predicate: str = EXACT
    factor: float = 1.0
    beyond: str


class _Lesion(_Rule):
    kinds: dict[str, list[str]]
    qualifiers: list[str]
    #: Words a lesion term's name may drop and still name it ("acute ischaemic lesion").
    optional: list[str] = []
    broader: dict[str, list[str]]
    mondo: dict[str, list[str]]
    generic: dict[str, str]
    #: Kind -> head nouns that turn a site adjective into the site ("pericardial" -> cavity).
    site_heads: dict[str, list[str]] = {}


class _DiseaseSites(_Rule):
    #: MONDO class -> UBERON site, for the class and everything under it.
    by_ancestor: dict[str, str]
    #: Modality word -> the site of every finding imaged with it.
    by_modality: dict[str, str]
    #: Head nouns tried after a site adjective of a disease name ("pleural" disorder).
    heads: list[str]
    #: Words before the site in "<disease> of/in <site>".
    connectors: list[str]
    #: Levels of MONDO parents whose names are read for a site.
    depth: int


class _ByModality(_Rule):
    name: str
    modalities: list[str]
    term: str
    predicate: str
    confidence: float
    note: str


class _Laterality(_Rule):
    words: dict[str, str]
    short: dict[str, str]
    #: Letters written before a short side letter in one token ("Eye_AL": anterior, left).
    parts: dict[str, str] = {}
    both: list[str]
    heads: list[str]
    unsided_factor: float


class _Acronyms(_Rule):
    #: MONDO classes whose ontology acronyms may answer an all-capitals code (HCC).
    mondo_under: list[str]
    #: An acronym of one term only, and at most this many letters.
    max_letters: int


class LabelRules(BaseModel):
    """The validated content of ``label-rules.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    prefixes: list[str]
    prefixes_by_modality: dict[str, list[str]]
    exclude_under: dict[str, str]
    modality_aliases: dict[str, str]
    stop_words: list[str]
    plurals: dict[str, str]
    not_plural: list[str]
    spelling: list[tuple[str, str]]
    ordinals: dict[str, int]
    laterality: _Laterality
    expansions: dict[str, str]
    adjectives: dict[str, str]
    fillers: list[str]
    heads: list[str]
    organs: list[str]
    word_variants: dict[str, list[str]]
    #: Prefixes written apart from their word ("peri-tumoral"): joined when not found as written.
    bound_prefixes: list[str]
    #: Word starts split off a longer unknown word ("superiorfrontal", "GTVnx").
    glued: list[str]
    #: A separator between a code and its spelled-out name ("Left-MFG---middle-frontal-gyrus").
    gloss: str
    abstain: list[_Abstain]
    narrowing: list[_Narrowing]
    numbered: list[_Numbered]
    lesion: _Lesion
    disease_sites: _DiseaseSites
    acronyms: _Acronyms
    #: A MONDO class with more subclasses than this answers no one-word name ("infection").
    broad_disease: int
    by_modality: list[_ByModality]
    confidence: dict[str, float]
    short_name: int

    @field_validator("abstain", "narrowing", "numbered", "spelling", "gloss")
    @classmethod
    def _patterns_compile(cls, value: object) -> object:
        for pattern in _patterns_of(value):
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"invalid regular expression {pattern!r}: {error}") from error
        return value

    @field_validator("by_modality")
    @classmethod
    def _known_predicates(cls, value: list[_ByModality]) -> list[_ByModality]:
        for rule in value:
            if rule.predicate not in PREDICATES:
                raise ValueError(f"unknown predicate {rule.predicate!r} for {rule.name!r}")
        return value


def _patterns_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    for item in value:  # type: ignore[attr-defined]
        if isinstance(item, tuple):
            out.append(item[0])
        elif isinstance(item, _Numbered):
            out += item.patterns
        else:
            out.append(item.pattern)
    return out


@cache
def load_rules() -> LabelRules:
    """Read and validate ``ontology/mappings/label-rules.yaml`` (once per process).

    :raises CatalogError: naming the file when it is not valid YAML or breaks the schema.

    >>> load_rules().laterality.words["left"]
    'left'
    """
    resource = files("medfuse.ontology").joinpath("mappings", RULES_FILE)
    source = f"ontology/mappings/{RULES_FILE}"
    try:
        data = yaml.safe_load(resource.read_text(encoding="utf-8"))
        return LabelRules.model_validate(data)
    except yaml.YAMLError as error:
        raise CatalogError(source, f"not valid YAML: {error}") from error
    except ValidationError as error:
        raise CatalogError(source, f"does not follow the rules schema: {error}") from error
