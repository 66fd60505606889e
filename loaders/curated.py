"""Loader for curated facts about datasets: their licences and which datasets reuse whose images.

Sources: ``loaders/data/dataset-licenses.yaml`` (each licence with the document it was read
from; disagreements between sources kept as separate claims) and
``loaders/data/derivations.yaml`` (containment/derivation links, each with its source). A link
becomes ``mf:builtFrom`` plus a PROV qualified derivation carrying the relation and source; a
licence becomes ``dct:license`` plus one claim node per source.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from medfuse.kg.errors import CatalogError, suggest
from medfuse.kg.namespaces import MF, term
from medfuse.kg.terms import TermIndex
from medfuse.loaders.model import FacetReport, LoadResult
from medfuse.loaders.rdf import dataset_iri
from medfuse.loaders.tokens import yaml_load as _yaml_load

__all__ = ["CATALOG", "DEFAULT_PATH", "load"]

#: Name of this source in graph names.
CATALOG = "curated"
#: The folder holding the two curated files.
DEFAULT_PATH = files("medfuse.loaders").joinpath("data")
_RELATIONS = {"contains", "same-images", "subset-of", "derived"}


def _read(folder: Any, name: str) -> dict:
    resource = folder.joinpath(name) if not isinstance(folder, Path) else folder / name
    try:
        data = _yaml_load(resource.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogError(f"{folder}/{name}", f"cannot read the curated file: {error}") from error
    if not isinstance(data, dict):
        raise CatalogError(f"{folder}/{name}", "expected a YAML mapping")
    return data


def _known(dataset: str, known: set[str], where: str, row: int, field: str) -> URIRef:
    if dataset not in known:
        raise CatalogError(where, "unknown dataset", row=row, field=field, value=dataset, suggestions=suggest(dataset, known))
    return dataset_iri(dataset)


def load(path: Path | Any = DEFAULT_PATH, *, terms: TermIndex, known: Iterable[str] = ()) -> LoadResult:
    """Load curated licences and derivation links about datasets other sources defined.

    :raises CatalogError: naming the file and entry of an unknown dataset or relation.
    """
    known_ids = set(known)
    triples: list = []
    licenses = _read(path, "dataset-licenses.yaml").get("licenses") or []
    for row, entry in enumerate(licenses):
        d = _known(str(entry.get("dataset")), known_ids, "dataset-licenses.yaml", row, "dataset")
        triples.append((d, DCTERMS.license, term(f"spdx:{entry['license']}")))
        for number, claim in enumerate(entry.get("disagreement") or [{"license": entry["license"], "source": entry["source"]}]):
            node = URIRef(f"{d}/license-claim/{number}")
            triples += [(d, MF.licenseClaim, node), (node, DCTERMS.license, term(f"spdx:{claim['license']}")),
                        (node, DCTERMS.source, Literal(str(claim["source"])))]
    links = _read(path, "derivations.yaml").get("links") or []
    for row, entry in enumerate(links):
        d = _known(str(entry.get("dataset")), known_ids, "derivations.yaml", row, "dataset")
        b = _known(str(entry.get("built_from")), known_ids, "derivations.yaml", row, "built_from")
        relation = entry.get("relation")
        if relation not in _RELATIONS:
            raise CatalogError("derivations.yaml", f"relation must be one of {sorted(_RELATIONS)}", row=row,
                               field="relation", value=relation)
        node = BNode(f"derivation-{row}")
        triples += [(d, MF.builtFrom, b), (d, PROV.wasDerivedFrom, b), (d, PROV.qualifiedDerivation, node),
                    (node, RDF.type, PROV.Derivation), (node, PROV.entity, b), (node, MF.derivationRelation, Literal(relation)),
                    (node, DCTERMS.source, Literal(str(entry.get("source"))))]
        if entry.get("cases") is not None:
            triples.append((node, MF.sharedCases, Literal(int(entry["cases"]))))
    report = FacetReport(field="curated facts", distinct=len(licenses) + len(links), mapped=len(licenses) + len(links))
    return LoadResult(source=CATALOG, graph=f"https://w3id.org/medfuse/graph/{CATALOG}", datasets=[],
                      report={"facts": report}, records=len(licenses) + len(links), triples=triples)
