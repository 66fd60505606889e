"""Benchmark: the label normalizer on every benchmark set of raw label names, with a baseline.

Run: ``python bench/label_normalizer.py [--dev-only] [--set FILE ...] [--calls 50000]``

- quality, on each set listed in ``bench/data/label-sets.yaml`` (see :mod:`label_sets`), in the
  order they were written: accuracy (right term, or abstained where the set abstains), abstention
  rate, precision among answered names, site agreement on lesions, and the list of wrong answers
  (raw -> got vs expected). A *development* set has had its misses read while the rules were
  changed (by classes of error, not by copying its rows), so it flatters them; its first blind
  score is printed beside it. A *fresh* set has never been read: it is the honest measure. It is
  scored only when the file exists and ``--dev-only`` is not given; every run made while developing
  passes ``--dev-only``, which never opens it. ``--set FILE`` scores further files (same columns).
- speed: names per second over all label names of ``loaders/data/labels/*.yaml``, repeated to at
  least ``--calls`` calls, after start-up (start-up is timed on its own);
- baseline, in the same run: ``TermIndex.lookup(raw)``, first hit or abstain, on both counts;
- human reference: on a set with a second annotator, that annotator scored as the normalizer is
  (against the first annotator's gold, and both annotators against the adjudicated gold), per set
  and pooled over the sets, beside the normalizer on the same rows: what a careful human reaches;
- annotator agreement: where a later annotator wrote a name an earlier set already had (the rows
  ``label_sets.py admit --overlap`` kept aside), how often both gave the same term: independent
  careful annotators disagree on granularity and convention, which bounds the precision a blind
  set can show.

No development set may be copied into the rules or curated tables (tests check; the vocabulary
tables of abbreviations and Latin names may share a standard term with them, within a bounded
share).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

import yaml
from label_sets import (
    LabelSet,
    adjudicated_rows,
    agreement,
    consensus,
    label_sets,
    overlap_files,
    read_rows,
    second_rows,
)

from medfuse.kg.normalize import LabelNormalizer
from medfuse.kg.terms import TermIndex, load_terms
from medfuse.loaders.mappings import read_sssom

__all__ = [
    "Row",
    "Score",
    "annotator_answer",
    "as_gold",
    "label_names",
    "main",
    "read_gold",
    "report",
    "score",
    "speed",
]

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "loaders" / "data" / "labels"
ABSTAIN = "ABSTAIN"

#: One gold row: raw name, modality, expected CURIE (or ABSTAIN), expected site.
Row = tuple[str, str, str, str]
#: A normalizer under test: (raw, modality) -> (CURIE or None, site or None).
Answer = Callable[[str, str | None], tuple[str | None, str | None]]


class Score:
    """Counts over gold rows."""

    def __init__(self) -> None:
        self.rows = self.correct = self.answered = self.answered_correct = 0
        self.sites = self.sites_correct = 0
        self.wrong: list[tuple[str, str, str, str]] = []

    def __iadd__(self, other: Score) -> Self:
        """Pool another score's counts into this one."""
        self.rows += other.rows
        self.correct += other.correct
        self.answered += other.answered
        self.answered_correct += other.answered_correct
        self.sites += other.sites
        self.sites_correct += other.sites_correct
        self.wrong += other.wrong
        return self

    def line(self) -> str:
        """Accuracy, abstention and precision, as one phrase."""
        return (
            f"accuracy {self.accuracy:.1%}, abstention {self.abstention:.1%}, "
            f"precision {self.precision:.1%}"
        )

    @property
    def accuracy(self) -> float:
        return self.correct / self.rows if self.rows else 0.0

    @property
    def abstention(self) -> float:
        return 1 - self.answered / self.rows if self.rows else 0.0

    @property
    def precision(self) -> float:
        return self.answered_correct / self.answered if self.answered else 0.0


def read_gold(path: Path) -> list[Row]:
    """Read a set (:func:`label_sets.read_rows`) as (raw, modality, expected, site) rows."""
    return as_gold(read_rows(path))


def as_gold(rows: list[dict[str, str]]) -> list[Row]:
    """A set's rows as (raw, modality, expected, site), as :func:`score` takes them."""
    return [(r["raw"], r["modality"], r["expected"], r["site"]) for r in rows]


def label_names(folder: Path = LABELS) -> list[tuple[str, str | None]]:
    """Return every (label name, modality) of the shipped label files, in file order."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        out += [
            (str(entry["name"]), document.get("modality")) for entry in document.get("labels") or []
        ]
    return out


def score(rows: list[Row], answer: Answer) -> Score:
    """Score an answer function over gold rows."""
    result = Score()
    for raw, modality, expected, site in rows:
        got, got_site = answer(raw, modality or None)
        result.rows += 1
        right = (got or ABSTAIN) == expected
        result.correct += right
        if got is not None:
            result.answered += 1
            result.answered_correct += right
        if right and site:
            result.sites += 1
            result.sites_correct += got_site == site
        if not right:
            result.wrong.append((raw, modality, got or ABSTAIN, expected))
    return result


def speed(
    names: list[tuple[str, str | None]], answer: Answer, *, calls: int
) -> tuple[float, float]:
    """Return names per second (wall clock, process CPU) over ``names`` repeated to ``calls`` calls.

    Both are given because a shared machine slows the wall clock; no answer is cached.
    """
    batch = names * max(1, -(-calls // len(names)))
    wall, cpu = time.perf_counter(), time.process_time()
    for raw, modality in batch:
        answer(raw, modality)
    return len(batch) / (time.perf_counter() - wall), len(batch) / (time.process_time() - cpu)


def _normalizer_answer(normalizer: LabelNormalizer) -> Answer:
    def answer(raw: str, modality: str | None) -> tuple[str | None, str | None]:
        found = normalizer.normalize(raw, modality=modality)
        return found.term, found.site

    return answer


def annotator_answer(rows: list[dict[str, str]]) -> Answer:
    """An annotator's rows as an answer, so a human is scored as the normalizer is.

    :raises ValueError: when the rows give one name and modality two different answers.
    """
    given: dict[tuple[str, str | None], tuple[str | None, str | None]] = {}
    for r in rows:
        key = (r["raw"], r["modality"] or None)
        got = (None if r["expected"] == ABSTAIN else r["expected"]), (r["site"] or None)
        if given.setdefault(key, got) != got:
            raise ValueError(f"{r['raw']!r} [{r['modality']}] is answered twice, differently")

    def answer(raw: str, modality: str | None) -> tuple[str | None, str | None]:
        return given[(raw, modality)]

    return answer


def _baseline_answer(terms: TermIndex) -> Answer:
    def answer(raw: str, modality: str | None) -> tuple[str | None, str | None]:
        hits = terms.lookup(raw)
        return (hits[0][0] if hits else None), None

    return answer


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def report(labelled: LabelSet, mine: Score, base: Score, terms: TermIndex) -> None:
    """Print one set's scores next to the baseline's, then its wrong answers."""
    print(f"== {labelled.title}: {_shown(labelled.path)} ({mine.rows} rows)")
    if labelled.first_blind:
        print(f"first scored blind: {labelled.first_blind}")
    print(f"{'':24}{'normalizer':>12}{'baseline':>12}{'ratio':>9}")
    for name, a, b in (
        ("accuracy", mine.accuracy, base.accuracy),
        ("abstention rate", mine.abstention, base.abstention),
        ("precision (answered)", mine.precision, base.precision),
    ):
        print(f"{name:24}{a:12.1%}{b:12.1%}{(a / b if b else float('inf')):9.2f}")
    if mine.sites:
        print(
            f"lesion sites right: {mine.sites_correct}/{mine.sites} of the correctly answered rows"
            " with a gold site"
        )
    print(
        f"targets: accuracy >= 90% {'met' if mine.accuracy >= 0.9 else 'MISSED'}, "
        f"precision >= 97% {'met' if mine.precision >= 0.97 else 'MISSED'}"
    )
    if labelled.fresh:  # its misses stay unread until it becomes a development set
        print(f"wrong answers ({len(mine.wrong)}): not listed, the set is fresh")
        print()
        return
    print(f"wrong answers ({len(mine.wrong)}): raw [modality] -> got vs expected")
    for raw, modality, got, expected in mine.wrong:
        got_label = terms.label(got) if got != ABSTAIN else ""
        expected_label = terms.label(expected) if expected != ABSTAIN else ""
        line = f"  {raw!r} [{modality}] -> {got} {got_label!r} vs {expected} {expected_label!r}"
        print(line.replace(" ''", ""))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="also score this file (same columns as the sets); may be repeated",
    )
    parser.add_argument(
        "--dev-only",
        action="store_true",
        help="score the development sets only, leaving fresh sets unread (while developing)",
    )
    parser.add_argument(
        "--calls", type=int, default=50_000, help="minimum number of calls for the speed test"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    terms = load_terms()
    loaded = time.perf_counter()
    normalizer = LabelNormalizer(terms, synonyms=read_sssom("label-synonyms.sssom.tsv"))
    built = time.perf_counter()
    ours, naive = _normalizer_answer(normalizer), _baseline_answer(terms)

    print(f"start-up: terms {loaded - started:.2f} s, normalizer indexes {built - loaded:.2f} s")
    print()
    listed = label_sets()
    sets = [s for s in listed if not (s.fresh and args.dev_only)]
    # A further file of a listed set ("-h.adjudicated.tsv" of "-h.tsv") shares its status.
    status = {s.path.name.removesuffix(".tsv") + ".": s.status for s in listed}
    sets += [
        LabelSet(
            path,
            f"extra set {path.name}",
            next((v for k, v in status.items() if path.name.startswith(k)), "fresh"),
        )
        for path in args.set
    ]
    pooled = {
        name: Score()
        for name in (
            "normalizer vs first",
            "second annotator vs first",
            "normalizer vs adjudicated",
            "first annotator vs adjudicated",
            "second annotator vs adjudicated",
        )
    }
    for labelled in sets:
        if not labelled.path.is_file():
            print(f"== {labelled.title}: {_shown(labelled.path)} is not there; not scored")
            print()
            continue
        first = read_rows(labelled.path)
        rows = as_gold(first)
        machine = score(rows, ours)
        report(labelled, machine, score(rows, naive), terms)
        if (second := second_rows(labelled)) is not None:
            total, agreed = consensus(labelled)
            mine = score(as_gold(agreed), ours)
            print(
                f"second annotator: gave the same term for {len(agreed)}/{total} = "
                f"{len(agreed) / total:.1%} of the names; on those (consensus gold) the normalizer "
                f"scores {mine.line()}"
            )
            human = score(rows, annotator_answer(second))
            print(f"human reference: the second annotator against the first scores {human.line()}")
            pooled["second annotator vs first"] += human
            pooled["normalizer vs first"] += machine
            if labelled.adjudicated is not None:
                gold = as_gold(adjudicated_rows(labelled))
                decided = score(gold, ours)
                first_human = score(gold, annotator_answer(first))
                second_human = score(gold, annotator_answer(second))
                print(
                    f"adjudicated gold (a third curator decided the {total - len(agreed)} names "
                    f"the two answered differently): {decided.line()}; against it the first "
                    f"annotator scores {first_human.line()}, the second {second_human.line()}"
                )
                pooled["first annotator vs adjudicated"] += first_human
                pooled["second annotator vs adjudicated"] += second_human
                pooled["normalizer vs adjudicated"] += decided
            print()
    if pooled["normalizer vs first"].rows:
        print(
            "== human reference, pooled over the sets with a second annotator (the adjudicator "
            "chose between the two annotators' answers: both are flattered against that gold)"
        )
        for name, pooled_score in pooled.items():
            print(f"{name:34}{pooled_score.rows:6} rows: {pooled_score.line()}")
        print()

    pairs, agree, differ = agreement(overlap_files())
    if pairs:
        print("== annotator agreement (the ceiling of precision on a blind set)")
        print(
            f"{agree}/{pairs} = {agree / pairs:.1%} of the names a later annotator wrote that an "
            "earlier set already had were given the same term"
        )
        for path in overlap_files():
            one, same, _ = agreement([path])
            if one:
                print(f"  {path.name}: {same}/{one} = {same / one:.1%}")
        for raw, later, earlier in differ:
            print(
                f"  {raw!r}: {later} {terms.label(later)!r} vs {earlier} {terms.label(earlier)!r}".replace(
                    " ''", ""
                )
            )
        print()

    names = label_names()
    ours_speed = speed(names, ours, calls=args.calls)
    naive_speed = speed(names, naive, calls=args.calls)
    print("== speed")
    print(f"{'':24}{'normalizer':>12}{'baseline':>12}{'ratio':>9}")
    for name, a, b in (
        ("names/s (wall clock)", ours_speed[0], naive_speed[0]),
        ("names/s (process CPU)", ours_speed[1], naive_speed[1]),
    ):
        print(f"{name:24}{a:12,.0f}{b:12,.0f}{a / b:9.2f}")
    print(
        f"over {len(names)} label names of {_shown(LABELS)} repeated to >= {args.calls:,} calls; "
        f"> 20,000 names/s {'met' if ours_speed[0] > 20_000 else 'MISSED (wall clock)'}"
    )


if __name__ == "__main__":
    main()
