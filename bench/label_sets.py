"""The benchmark sets of raw label names: which there are, which may be read, and their rows.

One home for the list (``bench/data/label-sets.yaml``) and the reader of the sets, used by
``bench/label_normalizer.py`` and by the tests that keep the rules and curated tables from copying
the development sets (``pythonpath = ["bench"]`` in ``pyproject.toml``). Tests only ever ask for
:func:`development_sets`: a fresh set is never opened by them.

A new blind set is admitted with ``python bench/label_sets.py admit NEW.tsv bench/data/NAME.tsv``:
rows whose name (folded as the tests fold names) an earlier set, the curated label table, the
lesion and anatomy labels, the abbreviation and alternate-name tables or a word list of the rules
hold verbatim are dropped, so that the set measures generalization; only counts are printed, so
the set stays unread.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from medfuse.kg.normalize_rules import LabelRules

__all__ = [
    "COLUMNS",
    "DATA",
    "LabelSet",
    "adjudicated_rows",
    "admit",
    "agreement",
    "consensus",
    "curated_names",
    "development_sets",
    "label_sets",
    "overlap_files",
    "read_rows",
    "rule_words",
    "second_rows",
]

DATA = Path(__file__).resolve().parent / "data"
MANIFEST = DATA / "label-sets.yaml"
#: The columns of every set, in order.
COLUMNS = ["raw", "modality", "expected", "expected_label", "site", "note"]
STATUSES = ("development", "fresh")


@dataclass(frozen=True)
class LabelSet:
    """One benchmark set, as the manifest lists it."""

    path: Path
    title: str
    status: str
    first_blind: str | None = None
    #: The same names answered independently by a second annotator (same rows, same order).
    second_annotator: Path | None = None
    #: The set after a third curator, blind to the normalizer, decided the names the two
    #: annotators answered differently (same rows, same order).
    adjudicated: Path | None = None

    @property
    def fresh(self) -> bool:
        return self.status == "fresh"


class ManifestError(ValueError):
    """The manifest of label sets is malformed (says which entry and what to fix)."""


def label_sets(manifest: Path = MANIFEST) -> list[LabelSet]:
    """Return every set the manifest lists, in the order they were written.

    :raises ManifestError: for an unknown status or a missing key.
    """
    document = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    out = []
    for i, entry in enumerate(document.get("sets") or [], start=1):
        missing = {"file", "title", "status"} - set(entry)
        if missing:
            raise ManifestError(f"{manifest}: set {i} lacks {sorted(missing)}")
        if entry["status"] not in STATUSES:
            raise ManifestError(
                f"{manifest}: set {i} ({entry['file']}): status {entry['status']!r} is not one of {STATUSES}"
            )
        second, decided = entry.get("second_annotator"), entry.get("adjudicated")
        if decided and not second:
            raise ManifestError(
                f"{manifest}: set {i} ({entry['file']}): an adjudicated gold decides between two "
                "annotators; name the second_annotator file too"
            )
        out.append(
            LabelSet(
                manifest.parent / entry["file"],
                entry["title"],
                entry["status"],
                entry.get("first_blind"),
                manifest.parent / second if second else None,
                manifest.parent / decided if decided else None,
            )
        )
    return out


def development_sets() -> list[LabelSet]:
    """Return the sets whose misses have been read (the only ones tests may open)."""
    return [s for s in label_sets() if not s.fresh]


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read a set: one dict per row, keyed by :data:`COLUMNS`.

    :raises ValueError: when the header is not :data:`COLUMNS`.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: header {reader.fieldnames} is not {COLUMNS}")
        return list(reader)


def curated_names() -> dict[str, str]:
    """Return every name the normalizer holds verbatim (folded) -> where it is held."""
    import rdflib
    from rdflib.namespace import SKOS

    from medfuse.kg.normalize_rules import load_rules
    from medfuse.kg.normalize_vocab import read_abbreviations, read_alternate_names, read_words
    from medfuse.loaders.mappings import read_sssom
    from medfuse.loaders.tokens import normalize

    held: dict[str, str] = {}
    rules = load_rules()
    held.update(dict.fromkeys(map(normalize, rule_words(rules)), "a word list of the rules"))
    vocabulary = [a.abbreviation for a in read_abbreviations()] + [
        a.name for a in read_alternate_names()
    ]
    held.update(
        dict.fromkeys(map(normalize, vocabulary), "the abbreviation or alternate-name table")
    )
    held.update(
        dict.fromkeys(
            (normalize(w.word) for w in read_words()), "the table of other languages' words"
        )
    )
    graph = rdflib.Graph()
    terms = DATA.parents[1] / "ontology" / "terms"
    for name in ("lesion-labels.ttl", "lesion.ttl", "anatomy-extra.ttl"):
        graph.parse(terms / name)
    labels = [str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(None, p)]
    held.update(dict.fromkeys(map(normalize, labels), "the lesion or anatomy labels"))
    curated = [r.subject_label for r in read_sssom("label-synonyms.sssom.tsv").rows]
    held.update(dict.fromkeys(map(normalize, curated), "the curated label table"))
    return held


def rule_words(rules: LabelRules, *, plurals: bool = True, sides: bool = True) -> list[str]:
    """The names and words the rules' word lists spell out (modality readings, expansions,
    plurals, adjectives, variants, suffixes, same words, bound prefixes, glued words, and the
    side words): no benchmark name may be one of them."""
    return (
        [r.name for r in rules.by_modality]
        + list(rules.expansions)
        + (list(rules.plurals) if plurals else [])
        + list(rules.adjectives)
        + list(rules.word_variants)
        + list(rules.suffixes)
        + rules.same_words
        + rules.bound_prefixes
        + rules.glued
        + (list(rules.laterality.short) + list(rules.laterality.words) if sides else [])
    )


def admit(source: Path, target: Path, *, overlap: Path | None = None) -> Counter[str]:
    """Write the rows of ``source`` that measure generalization to ``target``; return why others
    were dropped (see the module's docstring).

    :param overlap: where to keep the rows dropped because an earlier set has the name: two
        annotators' answers for one name, which :func:`agreement` compares.
    """
    from medfuse.loaders.tokens import normalize

    earlier = {
        normalize(r["raw"])
        for s in label_sets()
        if s.path.is_file() and s.path.resolve() != target.resolve()
        for r in read_rows(s.path)
    }
    held = curated_names()
    kept, shared, dropped, seen = [], [], Counter[str](), set()
    for row in read_rows(source):
        key = normalize(row["raw"])
        reason = (
            "an earlier set"
            if key in earlier
            else held.get(key)
            or ("a duplicate within the set" if (key, row["modality"]) in seen else None)
        )
        seen.add((key, row["modality"]))
        if reason:
            dropped[reason] += 1
            if reason == "an earlier set":
                shared.append(row)
        else:
            kept.append(row)
    _write(target, kept)
    if overlap is not None:
        _write(overlap, shared)
    dropped["(kept)"] = len(kept)
    return dropped


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, COLUMNS, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)


def agreement(overlaps: list[Path]) -> tuple[int, int, list[tuple[str, str, str]]]:
    """Compare two annotators' terms for the same names: each overlap row (a name a later
    annotator wrote that an earlier set already had) against every development set's rows of that
    name. Return (pairs, pairs that agree, the disagreements as (raw, later term, earlier term)).

    Independent annotators' agreement bounds what precision a blind set can show.
    """
    from medfuse.loaders.tokens import normalize

    earlier: dict[str, list[str]] = {}
    for labelled in development_sets():
        for row in read_rows(labelled.path):
            earlier.setdefault(normalize(row["raw"]), []).append(row["expected"])
    pairs = agree = 0
    differ = []
    for path in overlaps:
        for row in read_rows(path):
            for expected in earlier.get(normalize(row["raw"]), []):
                pairs += 1
                agree += expected == row["expected"]
                if expected != row["expected"]:
                    differ.append((row["raw"], row["expected"], expected))
    return pairs, agree, differ


def consensus(labelled: LabelSet) -> tuple[int, list[dict[str, str]]]:
    """Return how many rows the set has and the rows on which its second annotator gave the same
    term (the consensus gold).

    :raises ValueError: when the second annotator's file does not list the same names in order.
    """
    first = read_rows(labelled.path)
    second = second_rows(labelled)
    if second is None:
        return len(first), first
    return len(first), [a for a, b in zip(first, second) if a["expected"] == b["expected"]]


def second_rows(labelled: LabelSet) -> list[dict[str, str]] | None:
    """Return the second annotator's rows for the set's names, in its order, or None if it has none.

    :raises ValueError: when the second annotator's file does not list the same names in order.
    """
    if labelled.second_annotator is None:
        return None
    return _same_names(read_rows(labelled.path), labelled.second_annotator, labelled.path)


def adjudicated_rows(labelled: LabelSet) -> list[dict[str, str]]:
    """Return the rows of the set's adjudicated gold, or the set's own rows if it has none.

    :raises ValueError: when the adjudicated file does not list the same names in order.
    """
    first = read_rows(labelled.path)
    if labelled.adjudicated is None:
        return first
    return _same_names(first, labelled.adjudicated, labelled.path)


def _same_names(first: list[dict[str, str]], other: Path, of: Path) -> list[dict[str, str]]:
    """Read ``other``, another answer to the names of the set at ``of`` (rows ``first``).

    :raises ValueError: when it does not list the same names in the same order.
    """
    rows = read_rows(other)
    if [(r["raw"], r["modality"]) for r in first] != [(r["raw"], r["modality"]) for r in rows]:
        raise ValueError(f"{other}: not the names of {of}, in order")
    return rows


def overlap_files() -> list[Path]:
    """The overlap files beside the sets (``*.overlap.tsv``, written by ``admit --overlap``)."""
    return sorted(DATA.glob("*.overlap.tsv"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Admit a new blind set of label names (counts only are printed)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    admitting = sub.add_parser("admit", help="drop rows held verbatim elsewhere; write the rest")
    admitting.add_argument("source", type=Path, help="the annotator's TSV")
    admitting.add_argument("target", type=Path, help="where the admitted set goes (bench/data/...)")
    admitting.add_argument(
        "--overlap",
        type=Path,
        help="keep the rows whose name an earlier set has here "
        "(NAME.overlap.tsv beside the sets: the benchmark reports annotator agreement on them)",
    )
    args = parser.parse_args()
    counts = admit(args.source, args.target, overlap=args.overlap)
    kept = counts.pop("(kept)")
    print(f"{kept + sum(counts.values())} rows read, {kept} kept in {args.target}")
    for reason, n in counts.most_common():
        print(f"  dropped {n}: name held verbatim in {reason}")


if __name__ == "__main__":
    main()
