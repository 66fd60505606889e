"""The term sets medfuse reasons over, read from the files shipped in ``ontology/terms/``.

A :class:`TermIndex` holds every term (UBERON, MONDO and CL from their compact JSON extracts; DICOM
and the project SKOS schemes from Turtle) with its label, synonyms and direct ``skos:broader``
parents. It resolves free text to terms for one facet and computes the hierarchy closure that
the build materializes as ``mf:broaderOrSelf``.

>>> index = load_terms()
>>> index.resolve("kidney", "anatomy").curie
'UBERON:0002113'
>>> "UBERON:0000916" in index.ancestors("UBERON:0002107")   # liver lies in the abdomen
True
"""

from __future__ import annotations

import bisect
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from medfuse.kg.errors import UnknownTermError, suggest
from medfuse.kg.namespaces import PREFIXES, compress
from medfuse.loaders.tokens import normalize

__all__ = [
    "FACETS",
    "Term",
    "Resolution",
    "TermIndex",
    "load_terms",
    "compound_terms",
    "facet_of",
]

#: Facet → the CURIE prefixes whose terms can answer it.
FACETS: dict[str, tuple[str, ...]] = {
    "modality": ("DCM", "mfmod"),
    "anatomy": ("UBERON", "CL", "GO", "mfanat"),
    "disease": ("MONDO", "mfles"),
    "task": ("mftask",),
    "annotation": ("mfann",),
    "dim": ("mfdim",),
    "access": ("mfacc",),
}

#: Compact JSON term sets (one per OBO ontology) shipped in ``ontology/terms/``.
_JSON_SETS = ("uberon.json.gz", "mondo.json.gz", "cl.json.gz")

#: Spelling variants tried when a word is not found as written (British → American, plurals).
_VARIANTS: tuple[tuple[str, str], ...] = (
    (r"tumour", "tumor"),
    (r"oedema", "edema"),
    (r"oesophag", "esophag"),
    (r"haem", "hem"),
    (r"colour", "color"),
    (r"(\w)ae(\w)", r"\1e\2"),
)


def facet_of(curie: str) -> str | None:
    """Return the facet a term belongs to, judged by its prefix.

    >>> facet_of("MONDO:0018177")
    'disease'
    """
    prefix = curie.split(":", 1)[0]
    for facet, prefixes in FACETS.items():
        if prefix in prefixes:
            return facet
    return None


class Term(NamedTuple):
    """One term: CURIE, label, synonyms and direct parents (``skos:broader``).

    A named tuple rather than a model: the index holds ~46,000 of them, built at every start.
    """

    curie: str
    label: str
    synonyms: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    scheme: str = ""

    @property
    def facet(self) -> str | None:
        """The facet of the term (``anatomy``, ``disease``, ``modality``, ...)."""
        return facet_of(self.curie)


class Resolution(BaseModel):
    """How a free-text input was resolved to a term, and by which rule.

    ``implies`` holds the terms of other facets a pre-coordinated phrase carries ("chest X-ray":
    X-ray radiography, and the thorax as anatomy).
    """

    model_config = ConfigDict(frozen=True)

    input: str
    facet: str
    curie: str
    label: str
    via: str
    implies: tuple[tuple[str, str], ...] = ()


@dataclass
class TermIndex:
    """All shipped terms, indexed for lookup by CURIE, label and synonym."""

    terms: dict[str, Term]
    #: Curated raw value → CURIEs, per facet (from the catalog mapping tables).
    curated: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _by_key: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict, repr=False)
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _sorted_keys: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for term in self.terms.values():
            self._add_key(term.label, 0, term.curie, "label")
            for synonym in term.synonyms:
                self._add_key(synonym, 1, term.curie, "synonym")
            for parent in term.parents:
                self._children.setdefault(parent, []).append(term.curie)

    def _add_key(self, text: str, rank: int, curie: str, how: str) -> None:
        self._by_key.setdefault(normalize(text), []).append((rank, curie, how))

    def __contains__(self, curie: str) -> bool:
        return curie in self.terms

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, curie: str) -> Term | None:
        """Return the term of a CURIE or IRI, or ``None``."""
        found = self.terms.get(curie)
        if found is None and "://" in curie:
            found = self.terms.get(compress(curie))
        return found

    def label(self, curie: str) -> str:
        """Return the label of a term, or the CURIE itself when the term is unknown."""
        term = self.get(curie)
        return term.label if term else curie

    # ------------------------------------------------------------------ hierarchy

    def ancestors(self, curie: str) -> frozenset[str]:
        """Return every term above ``curie`` through ``skos:broader`` (not including itself)."""
        if curie in self._ancestors:
            return self._ancestors[curie]
        seen: set[str] = set()
        stack = list(self.terms[curie].parents) if curie in self.terms else []
        while stack:
            parent = stack.pop()
            if parent in seen:
                continue
            seen.add(parent)
            if parent in self._ancestors:
                seen |= self._ancestors[parent]
            elif parent in self.terms:
                stack.extend(self.terms[parent].parents)
        result = frozenset(seen)
        self._ancestors[curie] = result
        return result

    def descendants(self, curie: str) -> set[str]:
        """Return every term below ``curie`` (not including itself)."""
        seen: set[str] = set()
        stack = list(self._children.get(curie, ()))
        while stack:
            child = stack.pop()
            if child not in seen:
                seen.add(child)
                stack.extend(self._children.get(child, ()))
        return seen

    def children(self, curie: str) -> list[str]:
        """Return the direct children of a term."""
        return sorted(self._children.get(curie, ()))

    def closure(self, curies: Iterable[str]) -> set[str]:
        """Return the given terms together with all their ancestors."""
        out: set[str] = set()
        for curie in curies:
            out.add(curie)
            out |= self.ancestors(curie)
        return out

    # ------------------------------------------------------------------ lookup

    def lookup(self, text: str, facet: str | None = None) -> list[tuple[str, str]]:
        """Return ``(curie, how)`` candidates for a text, best first, without raising.

        ``how`` says which rule matched: ``curie``, ``curated``, ``label``, ``synonym`` or
        ``variant``. ``facet`` restricts the answer to the prefixes of :data:`FACETS`.
        """
        prefixes = FACETS.get(facet) if facet else None

        def allowed(curie: str) -> bool:
            return prefixes is None or curie.split(":", 1)[0] in prefixes

        text = text.strip()
        if _looks_like_curie(text):
            curie = compress(text)
            return [(curie, "curie")] if curie in self.terms and allowed(curie) else []
        key = normalize(text)
        found: list[tuple[str, str]] = []
        for curated_facet, table in self.curated.items():
            if facet in (None, curated_facet):
                found += [(c, "curated") for c in table.get(key, ()) if allowed(c)]
        for candidate_key, how in [(key, None)] + [(k, "variant") for k in _variants(key)]:
            hits = sorted(
                (rank, _source_rank(curie), curie, h)
                for rank, curie, h in self._by_key.get(candidate_key, ())
                if allowed(curie)
            )
            found += [(curie, how or h) for _, _, curie, h in hits]
            if found:
                break
        unique: dict[str, str] = {}
        for curie, how in found:
            unique.setdefault(curie, how)
        return list(unique.items())

    def resolve(self, text: str, facet: str) -> Resolution:
        """Resolve free text (a label, synonym or CURIE) to the best term of a facet.

        :raises UnknownTermError: when nothing matches; the error lists close spellings.
        """
        compound = compound_terms().get((normalize(text), facet))
        if compound is not None:
            curie, implies = compound
            return Resolution(input=text, facet=facet, curie=curie, label=self.label(curie), via="compound phrase",
                              implies=implies)
        hits = self.lookup(text, facet)
        if not hits:
            raise UnknownTermError(text, facet, self.suggest(text, facet))
        curie, how = hits[0]
        return Resolution(input=text, facet=facet, curie=curie, label=self.label(curie), via=how)

    def suggest(self, text: str, facet: str | None = None) -> list[str]:
        """Return labels close to ``text`` among the terms of a facet."""
        prefixes = FACETS.get(facet) if facet else None
        names = [
            name
            for term in self.terms.values()
            if prefixes is None or term.curie.split(":", 1)[0] in prefixes
            for name in (term.label, *term.synonyms)
        ]
        return suggest(text, names)

    def complete(self, prefix: str, facet: str | None = None, *, limit: int = 10) -> list[tuple[Term, str]]:
        """Return terms whose label or a synonym starts with ``prefix``, shortest names first.

        Each hit comes with the name that matched. Used for autocompletion (``/terms?q=kidn``).
        """
        key = normalize(prefix)
        if not key:
            return []
        if not self._sorted_keys:
            self._sorted_keys = sorted(self._by_key)
        prefixes = FACETS.get(facet) if facet else None
        hits: dict[str, tuple[tuple, Term, str]] = {}
        start = bisect.bisect_left(self._sorted_keys, key)
        for candidate in self._sorted_keys[start:]:
            if not candidate.startswith(key):
                break
            for rank, curie, _ in self._by_key[candidate]:
                if prefixes is not None and curie.split(":", 1)[0] not in prefixes:
                    continue
                order = (len(candidate), rank, _source_rank(curie), curie)
                if curie not in hits or order < hits[curie][0]:
                    hits[curie] = (order, self.terms[curie], candidate)
        return [(entry, name) for _, entry, name in sorted(hits.values(), key=lambda h: h[0])[:limit]]

    def iter_facet(self, facet: str) -> Iterator[Term]:
        """Iterate over the terms of one facet."""
        prefixes = FACETS[facet]
        return (t for t in self.terms.values() if t.curie.split(":", 1)[0] in prefixes)


_CURIE = re.compile(r"^[A-Za-z][\w.-]*:[^\s]+$")


def _looks_like_curie(text: str) -> bool:
    if text.startswith(("http://", "https://")):
        return True
    return bool(_CURIE.match(text)) and text.split(":", 1)[0] in PREFIXES


def _source_rank(curie: str) -> int:
    """Prefer project and DICOM terms, then UBERON/MONDO, then the rest, when names tie."""
    order = {"mfmod": 0, "DCM": 1, "mftask": 0, "mfdim": 0, "mfacc": 0, "mfann": 0,
             "UBERON": 2, "MONDO": 2, "mfles": 3, "mfanat": 3, "CL": 4}
    return order.get(curie.split(":", 1)[0], 5)


def _variants(key: str) -> list[str]:
    out = []
    for pattern, repl in _VARIANTS:
        changed = re.sub(pattern, repl, key)
        if changed != key:
            out.append(changed)
    for word_end, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if key.endswith(word_end) and len(key) > len(word_end) + 2:
            out.append(key[: -len(word_end)] + repl)
    return out


def _read_json_set(name: str) -> Iterator[Term]:
    resource = files("medfuse.ontology").joinpath("terms", name)
    if not resource.is_file():
        return
    with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    for curie, entry in data["terms"].items():
        yield Term(
            curie=curie,
            label=entry["label"],
            synonyms=tuple(entry.get("synonyms", ())),
            parents=tuple(entry.get("parents", ())),
            scheme=data["source"]["ontology"],
        )


def _read_skos(graph: Graph) -> Iterator[Term]:
    # Concepts, plus terms defined elsewhere that a scheme file only adds labels or parents to.
    concepts = set(graph.subjects(RDF.type, SKOS.Concept)) | {
        s for p in (SKOS.broader, SKOS.altLabel, SKOS.prefLabel) for s in graph.subjects(p, None)}
    for concept in sorted(concepts):
        labels = sorted(str(v) for v in graph.objects(concept, SKOS.prefLabel)) or [""]
        synonyms = sorted(
            {str(v) for p in (SKOS.altLabel, SKOS.notation, SKOS.hiddenLabel) for v in graph.objects(concept, p)}
            - {labels[0]}
        )
        parents = sorted(compress(str(p)) for p in graph.objects(concept, SKOS.broader))
        scheme = next((compress(str(s)) for s in graph.objects(concept, SKOS.inScheme)), "")
        yield Term(
            curie=compress(str(concept)),
            label=labels[0],
            synonyms=tuple(synonyms),
            parents=tuple(parents),
            scheme=scheme,
        )


def _mapping_rows(name: str) -> list[list[str]]:
    """The rows of a small TSV of ``ontology/mappings/``, its comments and header left out."""
    resource = files("medfuse.ontology").joinpath("mappings", name)
    rows = [line.split("\t") for line in resource.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    return rows[1:]


@cache
def compound_terms() -> dict[tuple[str, str], tuple[str, tuple[tuple[str, str], ...]]]:
    """Return (normalized phrase, facet) → (term, implied (facet, term) pairs), from
    ``ontology/mappings/compound-terms.tsv``."""
    out = {}
    for phrase, facet, curie, implies in _mapping_rows("compound-terms.tsv"):
        pairs = tuple(tuple(item.split("=", 1)) for item in implies.split(";") if item)
        out[(normalize(phrase), facet)] = (curie, pairs)  # type: ignore[assignment]
    return out


@cache
def skos_graph() -> Graph:
    """Return all hand-written and DICOM SKOS schemes of ``ontology/terms/*.ttl`` as one graph."""
    graph = Graph()
    folder = files("medfuse.ontology").joinpath("terms")
    for resource in sorted(folder.iterdir(), key=lambda r: r.name):
        if resource.name.endswith(".ttl"):
            graph.parse(data=resource.read_text(encoding="utf-8"), format="turtle")
    return graph


@cache
def synonym_corrections() -> dict[str, frozenset[str]]:
    """Return term → the synonyms of the shipped extracts that name something else
    (``ontology/mappings/synonym-corrections.tsv``), dropped when the terms are read."""
    out: dict[str, set[str]] = {}
    for curie, synonym, _reason in _mapping_rows("synonym-corrections.tsv"):
        out.setdefault(curie, set()).add(synonym)
    return {curie: frozenset(synonyms) for curie, synonyms in out.items()}


@cache
def load_terms() -> TermIndex:
    """Return the :class:`TermIndex` of every shipped term set (read once per process)."""
    from medfuse.loaders.mappings import curated_lookup  # local: mappings reads the index lazily

    terms: dict[str, Term] = {}
    wrong = synonym_corrections()
    for name in _JSON_SETS:
        for term in _read_json_set(name):
            if term.curie in wrong:  # an upstream synonym that names something else
                term = term._replace(
                    synonyms=tuple(s for s in term.synonyms if s not in wrong[term.curie])
                )
            terms[term.curie] = term
    for term in _read_skos(skos_graph()):
        previous = terms.get(term.curie)
        if previous is not None:  # a scheme file adds synonyms/parents to a term defined elsewhere
            term = previous._replace(
                synonyms=tuple(sorted(set(previous.synonyms) | set(term.synonyms))),
                parents=tuple(sorted(set(previous.parents) | set(term.parents))),
            )
        if term.label:  # a term with added triples but no definition anywhere is left out
            terms[term.curie] = term
    return TermIndex(terms=terms, curated=curated_lookup())
