"""Loader for per-dataset label lists (``loaders/data/labels/*.yaml``).

Source: label values and local names carried from SAT-DS, VISTA3D, TotalSegmentator, MedMNIST,
AMID, the Medical Segmentation Decathlon and dcmqi (origin, commit and licence of each file in
each YAML's ``sources``; see ``ontology/NOTICE``). Each label is mapped to an ontology term by
the label normalizer (:mod:`medfuse.kg.normalize`) unless a curated per-dataset override in
``ontology/mappings/label-overrides.sssom.tsv`` says otherwise; labels that map to nothing are
kept with the reason. A generic lesion name the normalizer leaves open ("cancer", "Tumour") is read
at the file's organ: its only organ label, or the UBERON term of an optional ``site`` key, and is
kept only when that reading is a finding at that very site (``semapv:StructuralMatching``).
Disagreements between sources are kept as recorded, never resolved.

Every file is validated before anything is produced: duplicate or non-integer values and
unknown datasets raise :class:`~medfuse.kg.errors.LabelDataError` naming the file and entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from medfuse.kg.errors import LabelDataError, suggest
from medfuse.kg.namespaces import MF, term
from medfuse.kg.terms import TermIndex
from medfuse.loaders.mappings import NO_TERM, read_sssom
from medfuse.loaders.model import DatasetFacts, FacetReport, LoadResult, SourceRecord
from medfuse.loaders.rdf import dataset_iri
from medfuse.loaders.tokens import yaml_load as _yaml_load

if TYPE_CHECKING:
    from medfuse.kg.normalize import LabelNormalizer, Normalized

__all__ = ["CATALOG", "DEFAULT_PATH", "LabelEntry", "LabelFile", "read_label_files", "label_iri", "load"]

#: Name of this source in graph names.
CATALOG = "labels"
#: The shipped folder of label files.
DEFAULT_PATH = files("medfuse.loaders").joinpath("data", "labels")

#: Label-map kind → annotation type of the dataset.
_ANNOTATION = {"segmentation": "mfann:voxel-mask", "classification": "mfann:class-label"}


class LabelEntry(BaseModel):
    """One value of a label map."""

    model_config = ConfigDict(frozen=True, strict=True)

    value: int = Field(ge=0)
    name: str


class LabelFile(BaseModel):
    """One label list file."""

    model_config = ConfigDict(extra="allow")

    dataset: str
    new_dataset: dict[str, Any] | None = None
    variant: str | None = None
    modality: str | None = None
    kind: str
    license: dict[str, Any] | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)
    labels: list[LabelEntry]
    disagreements: list[dict[str, Any]] = Field(default_factory=list)
    #: UBERON CURIE of the organ the file's generic lesion names ("cancer", "Tumour", "Mass") are of,
    #: where its other labels do not say it (MSD Task06 has "cancer" only).
    site: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in _ANNOTATION:
            raise ValueError(f"kind must be one of {sorted(_ANNOTATION)}")
        return value


def label_iri(dataset: str, variant: str | None, value: int) -> URIRef:
    """Return the IRI of one label value of a dataset (and variant)."""
    middle = f"/{variant}" if variant else ""
    return URIRef(f"{dataset_iri(dataset)}/label{middle}/{value}")


def _files(folder: Path | Any) -> list[Any]:
    if isinstance(folder, (str, Path)):
        folder = Path(folder)
        if folder.is_file():
            return [folder]
    return sorted((f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))), key=lambda f: f.name)


def read_label_files(folder: Path | Any) -> list[tuple[str, LabelFile]]:
    """Read and validate every label file of a folder (or one file).

    :raises LabelDataError: naming the file and entry of the first problem.
    """
    out = []
    for resource in _files(folder):
        name = str(resource)
        try:
            data = _yaml_load(resource.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise LabelDataError(name, f"cannot read the label file: {error}") from error
        if not isinstance(data, dict):
            raise LabelDataError(name, "expected a YAML mapping with `dataset` and `labels`")
        for index, entry in enumerate(data.get("labels") or []):
            if not isinstance(entry, dict) or type(entry.get("value")) is not int:
                raise LabelDataError(name, "label values must be integers", row=index, field="value",
                                     value=entry.get("value") if isinstance(entry, dict) else entry)
        try:
            parsed = LabelFile.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            loc = [str(p) for p in first["loc"]]
            row = int(loc[1]) if loc[0] == "labels" and len(loc) > 1 and loc[1].isdigit() else None
            raise LabelDataError(name, first["msg"], row=row, field=".".join(loc)) from error
        seen: dict[int, int] = {}
        for index, label in enumerate(parsed.labels):
            if label.value in seen:
                raise LabelDataError(name, f"duplicate label value (also entry {seen[label.value]})",
                                     row=index, field="value", value=label.value)
            seen[label.value] = index
        out.append((name, parsed))
    keys = {}
    for name, parsed in out:
        key = (parsed.dataset, parsed.variant)
        if key in keys:
            raise LabelDataError(name, f"dataset {parsed.dataset!r} variant {parsed.variant!r} is also in {keys[key]}")
        keys[key] = name
    return out


def _sole_organ(answers: Iterable[Normalized]) -> str | None:
    """The one UBERON organ a label file names exactly, if it names exactly one (MSD Task03: liver)."""
    organs = {a.term for a in answers if a.term and a.term.startswith("UBERON:") and a.predicate == "skos:exactMatch"}
    return organs.pop() if len(organs) == 1 else None


def _in_context(normalizer: LabelNormalizer, terms: TermIndex, name: str, site: str, modality: str | None) -> Normalized | None:
    """Read a generic lesion name ("cancer", "Tumour") as a lesion of the file's organ, or ``None``.

    The name is normalized with the organ's label in front ("liver cancer"); the answer counts
    only when it is a finding at that very site, so an organ never turns a name into something
    else ("liver Vessel" is no finding). A segmented finding is a lesion, so the lesion reading
    ("liver cancer lesion") is preferred when it names the same site.
    """
    organ = terms.get(site)
    if organ is None:
        return None
    found = normalizer.normalize(f"{organ.label} {name}", modality=modality)
    if not found.term or found.site != site:
        return None
    lesion = normalizer.normalize(f"{organ.label} {name} lesion", modality=modality)
    return lesion if lesion.term and lesion.site == site else found


def _overrides() -> dict[str, Any]:
    return {row.subject_id: row for row in read_sssom("label-overrides.sssom.tsv").rows}


def _new_dataset(parsed: LabelFile, terms: TermIndex, name: str) -> DatasetFacts:
    spec = parsed.new_dataset or {}
    facts = DatasetFacts(id=parsed.dataset, name=str(spec.get("name") or parsed.dataset), year=spec.get("year"),
                         samples=spec.get("samples"), url=spec.get("url"), labelled=True, access="mfacc:unknown")
    for key, target, facet in (("modalities", "modalities", "modality"), ("anatomy", "anatomy", "anatomy"),
                               ("tasks", "tasks", "task"), ("dim", "dims", "dim"), ("diseases", "diseases", "disease")):
        for value in spec.get(key) or []:
            resolved = terms.lookup(str(value), facet)
            if not resolved:
                raise LabelDataError(name, f"new_dataset.{key} value does not resolve to a {facet} term",
                                     field=f"new_dataset.{key}", value=value, suggestions=terms.suggest(str(value), facet))
            getattr(facts, target).append(resolved[0][0])
    facts.sources.append(SourceRecord(catalog=CATALOG, index=0, name=facts.name, year=None if facts.year is None else str(facts.year),
                                      section=Path(name).name))
    return facts


def load(path: Path | Any = DEFAULT_PATH, *, terms: TermIndex, known: Iterable[str] = ()) -> LoadResult:
    """Load label lists: label nodes with their mappings, plus datasets the catalogs lack.

    :param known: ids of the datasets other sources define; a file naming another id must say
        ``new_dataset``.
    :raises LabelDataError: for invalid files or unknown datasets; nothing is produced then.
    """
    from medfuse.kg.normalize import load_normalizer

    parsed_files = read_label_files(path)
    known_ids = set(known)
    datasets: list[DatasetFacts] = []
    for name, parsed in parsed_files:
        if parsed.dataset not in known_ids:
            if parsed.new_dataset is None:
                raise LabelDataError(name, "unknown dataset; give `new_dataset` or use a catalog id", field="dataset",
                                     value=parsed.dataset, suggestions=suggest(parsed.dataset, known_ids))
            datasets.append(_new_dataset(parsed, terms, name))
            known_ids.add(parsed.dataset)
    normalizer = load_normalizer()
    # A lesion term of last resort ("scar": mfles:scar) yields to the file's own site, when it has one.
    generic = set(normalizer.rules.lesion.generic.values())
    overrides = _overrides()
    report = FacetReport(field="label names")
    triples: list = []
    used: set[str] = set()
    for name, parsed in parsed_files:
        d = dataset_iri(parsed.dataset)
        triples.append((d, MF.annotationType, term(_ANNOTATION[parsed.kind])))
        used.add(_ANNOTATION[parsed.kind])
        if parsed.license and parsed.license.get("id"):
            triples.append((d, URIRef("http://purl.org/dc/terms/license"), term(f"spdx:{parsed.license['id']}")))
        modality = terms.lookup(parsed.modality, "modality") if parsed.modality else []
        if parsed.site is not None and (not parsed.site.startswith("UBERON:") or terms.get(parsed.site) is None):
            raise LabelDataError(name, "site must be the CURIE of an UBERON term of the shipped extract", field="site",
                                 value=parsed.site)
        answers = {entry.value: normalizer.normalize(entry.name, modality=parsed.modality) for entry in parsed.labels}
        context = parsed.site or _sole_organ(answers.values())
        for entry in parsed.labels:
            node = label_iri(parsed.dataset, parsed.variant, entry.value)
            triples += [(d, MF.hasLabel, node), (node, RDF.type, MF.Label),
                        (node, MF.labelValue, Literal(entry.value)), (node, MF.localName, Literal(entry.name))]
            if parsed.variant:
                triples.append((node, MF.labelVariant, Literal(parsed.variant)))
            if modality:
                triples.append((node, MF.modality, term(modality[0][0])))
            report.values += 1
            override = overrides.get(f"mfd:{parsed.dataset}/label/{parsed.variant + '/' if parsed.variant else ''}{entry.value}")
            if override is not None:
                curie, predicate, confidence, via = override.object_id, override.predicate_id, override.confidence, "semapv:ManualMappingCuration"
                reason, site = (override.comment or "curated: no term") if curie == NO_TERM else None, None
            else:
                found = answers[entry.value]
                curie, predicate, confidence, reason, site = found.term, found.predicate, found.confidence, found.reason, found.site
                if found.via == "merged":
                    # A fusion joins labels on their term; a merged label's term ("multiple anatomical
                    # sites") is shared by labels that merge different structures, so it joins none:
                    # the label stays unmapped and names what it merges.
                    curie, predicate, reason = None, None, f"the label merges several structures or findings ({found.label}); no single term fits"
                    triples += [(node, MF.mergedTerm, term(part)) for part in found.parts]
                    used.update(found.parts)
                via = "semapv:ManualMappingCuration" if found.via == "curated" else "semapv:LexicalMatching"
                if context is not None and (curie is None or curie in generic):
                    in_context = _in_context(normalizer, terms, entry.name, context, parsed.modality)
                    if in_context is not None:
                        curie, predicate, site = in_context.term, in_context.predicate, in_context.site
                        confidence, via = round(in_context.confidence * 0.9, 3), "semapv:StructuralMatching"
            if curie and curie != NO_TERM:
                report.values_mapped += 1
                used.add(curie)
                triples += [(node, MF.mappedTerm, term(curie)), (node, MF.mappingPredicate, term(predicate or "skos:exactMatch")),
                            (node, MF.mappingJustification, term(via)), (node, MF.confidence, Literal(round(confidence or 0, 3)))]
                if site:
                    used.add(site)
                    triples.append((node, MF.site, term(site)))
            else:
                report.unmapped[entry.name] = report.unmapped.get(entry.name, 0) + 1
                triples.append((node, MF.unmappableReason, Literal(reason or "no term matches this name")))
    report.distinct = len({(e.name.casefold()) for _, p in parsed_files for e in p.labels})
    report.mapped = report.distinct - len({n.casefold() for n in report.unmapped})
    return LoadResult(source=CATALOG, graph=f"https://w3id.org/medfuse/graph/{CATALOG}", datasets=datasets,
                      report={"labels": report}, records=len(parsed_files), triples=triples, terms=sorted(used))
