"""Checks on the Imaging-X facet mapping tables and the hand-written SKOS schemes they point to.

Every ``ontology/mappings/imaging-x-*.sssom.tsv`` must be well-formed SSSOM TSV, sorted, free of
duplicates, and point only at live terms with their exact labels: UBERON, MONDO and CL ids are
looked up in ``ontology/terms/{uberon,mondo,cl}.json.gz``; DICOM codes and project terms in
``ontology/terms/*.ttl``. Each table must cover at least 98% of the distinct raw values of its
field in the shipped catalog. The Turtle files under ``ontology/terms/`` are checked as one
merged graph: one English prefLabel and a scheme per concept, and no skos:broader cycle.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from functools import cache
from pathlib import Path

import networkx as nx
import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from medfuse.kg.namespaces import PREFIXES, compress
from medfuse.loaders.tokens import normalize, split_values

__all__: list[str] = []

ROOT = Path(__file__).parents[1]
MAPPINGS = ROOT / "ontology" / "mappings"
TERMS = ROOT / "ontology" / "terms"
CATALOG = ROOT / "loaders" / "data" / "imaging-x" / "datasets.json"

#: Catalog field of each table.
FACETS = ("access", "diseases", "dim", "modality", "structure", "task")
TABLES = sorted(MAPPINGS.glob("imaging-x-*.sssom.tsv"))
COLUMNS = [
    "subject_id", "subject_label", "predicate_id", "object_id", "object_label",
    "mapping_justification", "confidence", "comment",
]
PREDICATES = {
    "skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch",
    "skos:relatedMatch",
}
JUSTIFICATIONS = {"semapv:ManualMappingCuration", "semapv:LexicalMatching"}
NO_TERM = "sssom:NoTermFound"
#: Raw values that only say "not stated"; coverage is measured over the other values.
NULLS = {"", "na", "n/a", "none", "-"}
COVERAGE_FLOOR = 0.98
#: Term file per OBO prefix.
JSON_SETS = {"UBERON": "uberon.json.gz", "MONDO": "mondo.json.gz", "CL": "cl.json.gz"}
#: The schemes written by hand (not generated), whose concept blocks are kept sorted.
HAND_WRITTEN = [
    "access.ttl", "anatomy-extra.ttl", "annotation-type.ttl", "dimensionality.ttl",
    "lesion.ttl", "modality.ttl", "task.ttl",
]
CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*):(\S+)$")
MF_SITE = URIRef(PREFIXES["mf"] + "site")


def facet_of_table(path: Path) -> str:
    return path.name.removeprefix("imaging-x-").removesuffix(".sssom.tsv")


def slug(value: str) -> str:
    """The subject_id slug of a raw value: lower case, runs of other characters → ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower())


@cache
def read_table(path: Path) -> tuple[dict, list[str], list[dict[str, str]]]:
    """Return the YAML header, the column names and the rows of a table."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    assert lines[: len(header)] == header, "header lines must all come first"
    metadata = yaml.safe_load("\n".join(line[1:].removeprefix(" ") for line in header))
    reader = csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t", quoting=csv.QUOTE_NONE)
    return metadata, list(reader.fieldnames or []), list(reader)


@cache
def obo_labels() -> dict[str, str]:
    """Return CURIE → label of every live UBERON, MONDO and CL term."""
    labels = {}
    for name in JSON_SETS.values():
        terms = json.loads(gzip.decompress((TERMS / name).read_bytes()))["terms"]
        labels.update({curie: term["label"] for curie, term in terms.items()})
    return labels


@cache
def skos_graph() -> Graph:
    """Return every Turtle file of ``ontology/terms/`` parsed into one graph."""
    graph = Graph()
    for path in sorted(TERMS.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@cache
def skos_labels() -> dict[str, str]:
    """Return CURIE → prefLabel of every SKOS concept (DICOM and project terms)."""
    graph = skos_graph()
    return {
        compress(str(concept)): str(graph.value(concept, SKOS.prefLabel))
        for concept in graph.subjects(RDF.type, SKOS.Concept)
        if graph.value(concept, SKOS.prefLabel) is not None
    }


def term_label(curie: str) -> str | None:
    """Return the label of a term, or None when no shipped term set has it."""
    prefix = curie.split(":", 1)[0]
    return obo_labels().get(curie) if prefix in JSON_SETS else skos_labels().get(curie)


@cache
def catalog_values(field: str) -> dict[str, list[str]]:
    """Return normalized raw value → spellings of one catalog field."""
    values: dict[str, list[str]] = {}
    for record in json.loads(CATALOG.read_text(encoding="utf-8")):
        for value in split_values(record.get(field)):
            spellings = values.setdefault(normalize(value), [])
            if value not in spellings:
                spellings.append(value)
    return values


def all_rows() -> list[tuple[str, dict[str, str]]]:
    return [(path.name, row) for path in TABLES for row in read_table(path)[2]]


# ---------------------------------------------------------------- tables


def test_every_facet_has_a_table() -> None:
    assert sorted(facet_of_table(path) for path in TABLES) == sorted(FACETS)


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_header(path: Path) -> None:
    metadata, columns, rows = read_table(path)
    assert {"curie_map", "mapping_set_id", "license", "mapping_date"} <= set(metadata)
    assert metadata["mapping_set_id"] == f"https://w3id.org/medfuse/mappings/{path.name}"
    assert metadata["license"] == "https://spdx.org/licenses/MIT"
    assert metadata.get("mapping_set_description")
    assert columns == COLUMNS
    curie_map = metadata["curie_map"]
    wrong = {p: iri for p, iri in curie_map.items() if PREFIXES.get(p) != iri}
    assert not wrong, f"curie_map entries that differ from kg/namespaces.py: {wrong}"
    used = {
        row[column].split(":", 1)[0]
        for row in rows
        for column in ("subject_id", "predicate_id", "object_id", "mapping_justification")
    }
    assert used == set(curie_map), f"curie_map must list exactly the prefixes used: {sorted(used)}"


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_rows_are_sorted_and_unique(path: Path) -> None:
    rows = read_table(path)[2]
    keys = [(row["subject_id"], row["object_id"]) for row in rows]
    assert keys == sorted(keys), "rows must be sorted by subject_id, then object_id"
    assert len(set(keys)) == len(keys), "a (subject_id, object_id) pair occurs twice"
    pairs = [(normalize(row["subject_label"]), row["object_id"]) for row in rows]
    duplicates = sorted({pair for pair in pairs if pairs.count(pair) > 1})
    assert not duplicates, f"spellings that normalize alike need one row only: {duplicates}"


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_subject_ids_name_one_value(path: Path) -> None:
    facet, rows = facet_of_table(path), read_table(path)[2]
    keys: dict[str, set[str]] = {}
    for row in rows:
        keys.setdefault(row["subject_id"], set()).add(normalize(row["subject_label"]))
        keys.setdefault(normalize(row["subject_label"]), set()).add(row["subject_id"])
    ambiguous = {key: values for key, values in keys.items() if len(values) > 1}
    assert not ambiguous, f"subject_id and raw value must correspond one to one: {ambiguous}"
    for row in rows:
        expected = f"mfraw:imaging-x/{facet}/{slug(normalize(row['subject_label']))}"
        assert re.fullmatch(re.escape(expected) + r"(-\d+)?", row["subject_id"]), row["subject_id"]


@pytest.mark.parametrize("path", TABLES, ids=lambda p: p.name)
def test_subject_labels_are_upstream_spellings(path: Path) -> None:
    values = catalog_values(facet_of_table(path))
    unknown = sorted(
        row["subject_label"] for row in read_table(path)[2]
        if normalize(row["subject_label"]) in values
        and row["subject_label"] not in values[normalize(row["subject_label"])]
    )
    assert not unknown, f"subject_label must be a spelling exactly as upstream wrote it: {unknown}"


@pytest.mark.parametrize(
    "table,row", all_rows(), ids=[f"{r['subject_id']}>{r['object_id']}" for _, r in all_rows()]
)
def test_row(table: str, row: dict[str, str]) -> None:
    for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
        match = CURIE.match(row[column])
        assert match and match.group(1) in PREFIXES, f"{column} {row[column]!r}: no medfuse CURIE"
    assert row["predicate_id"] in PREDICATES
    assert row["mapping_justification"] in JUSTIFICATIONS
    assert 0.0 <= float(row["confidence"]) <= 1.0
    assert row["subject_label"].strip() == row["subject_label"] != ""
    if row["object_id"] == NO_TERM:
        assert row["object_label"] == "", "a NoTermFound row has no object_label"
        assert row["comment"], "say in the comment why the value maps to nothing"
        return
    label = term_label(row["object_id"])
    assert label is not None, f"{row['object_id']} is not a live term of the shipped term sets"
    assert row["object_label"] == label, f"object_label must be the term's label {label!r}"


@pytest.mark.parametrize("facet", FACETS)
def test_coverage(facet: str) -> None:
    table = MAPPINGS / f"imaging-x-{facet}.sssom.tsv"
    mapped = {normalize(row["subject_label"]) for row in read_table(table)[2]}
    values = {key: spelt for key, spelt in catalog_values(facet).items() if key not in NULLS}
    unmapped = sorted(spelt[0] for key, spelt in values.items() if key not in mapped)
    share = 1 - len(unmapped) / len(values)
    assert share >= COVERAGE_FLOOR, f"{facet}: {share:.1%} of {len(values)} mapped; not: {unmapped}"


# ---------------------------------------------------------------- SKOS schemes


def test_every_concept_has_one_english_label_and_a_scheme() -> None:
    graph, bad = skos_graph(), {}
    for concept in set(graph.subjects(RDF.type, SKOS.Concept)):
        labels = list(graph.objects(concept, SKOS.prefLabel))
        problems = []
        if len(labels) != 1 or getattr(labels[0], "language", None) != "en":
            problems.append(f"prefLabels {[l.n3() for l in labels]}")
        if graph.value(concept, SKOS.inScheme) is None:
            problems.append("no skos:inScheme")
        if problems:
            bad[compress(str(concept))] = problems
    assert not bad, dict(sorted(bad.items())[:20])


def test_broader_has_no_cycle() -> None:
    graph = nx.DiGraph(
        (compress(str(s)), compress(str(o))) for s, o in skos_graph().subject_objects(SKOS.broader)
    )
    if not nx.is_directed_acyclic_graph(graph):
        pytest.fail(f"skos:broader cycle: {nx.find_cycle(graph)}")


def test_hierarchy_targets_exist() -> None:
    """skos:broader and mf:site point at terms the shipped term sets define."""
    graph = skos_graph()
    checked = {*JSON_SETS, "DCM", "mfmod", "mftask", "mfann", "mfdim", "mfacc", "mfanat", "mfles"}
    dangling = sorted(
        (compress(str(s)), compress(str(o)))
        for prop in (SKOS.broader, MF_SITE)
        for s, o in graph.subject_objects(prop)
        if compress(str(o)).split(":", 1)[0] in checked and term_label(compress(str(o))) is None
    )
    assert not dangling, dangling


def test_dicom_additions_name_generated_codes() -> None:
    """modality.ttl only adds to DICOM codes that dicom-modality.ttl defines."""
    generated = Graph().parse(TERMS / "dicom-modality.ttl", format="turtle")
    codes = set(generated.subjects(RDF.type, SKOS.Concept))
    additions = Graph().parse(TERMS / "modality.ttl", format="turtle")
    dicom = PREFIXES["DCM"]
    referenced = {
        node for triple in additions for node in triple
        if isinstance(node, URIRef) and str(node).startswith(dicom)
    }
    assert referenced and not referenced - codes, sorted(map(str, referenced - codes))
    relabelled = sorted(str(code) for code in referenced if additions.value(code, SKOS.prefLabel))
    assert not relabelled, f"DICOM labels come from dicom-modality.ttl only: {relabelled}"


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_hand_written_concepts_are_sorted(name: str) -> None:
    lines = (TERMS / name).read_text(encoding="utf-8").splitlines()
    defined = [
        line.split()[0] for line in lines
        if " a skos:Concept" in line and not line.startswith(("#", " "))
    ]
    assert defined, f"{name} defines no concept"
    assert defined == sorted(defined), f"{name}: keep concept blocks sorted by CURIE"
