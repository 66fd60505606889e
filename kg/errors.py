"""The named errors of medfuse.

Each error carries its subject and renders its own one-line message, which says what to fix. The
CLI turns a :class:`MedfuseError` into that line and exit code 2; the service turns it into an
RFC 9457 problem response with :attr:`MedfuseError.http_status`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "MedfuseError",
    "CatalogError",
    "UnknownTermError",
    "UnknownDatasetError",
    "UnknownQueryError",
    "QueryError",
    "QueryTimeoutError",
    "StoreError",
    "StoreNotBuiltError",
    "LabelDataError",
    "RulesError",
    "PlanError",
    "UnknownPlanError",
    "ApplyError",
    "suggest",
]


def suggest(word: str, candidates: Iterable[str], *, n: int = 3) -> list[str]:
    """Return up to ``n`` candidates close to ``word`` (case-insensitive), best first.

    >>> suggest("kidnye", ["kidney", "liver", "left kidney"])
    ['kidney']
    """
    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(candidate.casefold(), candidate)
    keys = difflib.get_close_matches(word.casefold(), list(by_key), n=n, cutoff=0.75)
    return [by_key[key] for key in keys]


def _hint(suggestions: list[str]) -> str:
    return f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""


class MedfuseError(Exception):
    """Base class of every error medfuse raises on purpose."""

    #: HTTP status the service answers with.
    http_status: int = 400
    #: Short stable slug used as the problem type in HTTP answers.
    kind: str = "medfuse-error"


class CatalogError(MedfuseError):
    """A catalog or curated data file cannot be read: names the file, row and field."""

    kind = "catalog-error"

    def __init__(
        self,
        path: object,
        problem: str,
        *,
        row: int | None = None,
        field: str | None = None,
        value: object = None,
        suggestions: list[str] | None = None,
    ) -> None:
        self.path, self.problem, self.row, self.field, self.value = path, problem, row, field, value
        self.suggestions = suggestions or []
        where = str(path)
        if row is not None:
            where += f", record {row}"
        if field is not None:
            where += f", field {field!r}"
        shown = f" (value {value!r})" if value is not None else ""
        super().__init__(f"{where}: {problem}{shown}{_hint(self.suggestions)}")


class LabelDataError(CatalogError):
    """A label list file is invalid (duplicate or non-integer values, unknown dataset)."""

    kind = "label-data-error"


class UnknownTermError(MedfuseError):
    """A free-text term or CURIE matches nothing in the facet's term sets."""

    http_status = 404
    kind = "unknown-term"

    def __init__(self, text: str, facet: str, suggestions: list[str]) -> None:
        self.text, self.facet, self.suggestions = text, facet, suggestions
        super().__init__(f"unknown {facet} term {text!r}{_hint(suggestions)}")


class UnknownDatasetError(MedfuseError):
    """No dataset has this id or name."""

    http_status = 404
    kind = "unknown-dataset"

    def __init__(self, dataset: str, suggestions: list[str]) -> None:
        self.dataset, self.suggestions = dataset, suggestions
        super().__init__(f"unknown dataset {dataset!r}{_hint(suggestions)}")


class UnknownQueryError(MedfuseError):
    """No named query of ``queries/`` has this name."""

    http_status = 404
    kind = "unknown-query"

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name, self.suggestions = name, suggestions
        super().__init__(f"unknown query {name!r}{_hint(suggestions)}")


class QueryError(MedfuseError):
    """A SPARQL query is malformed or its bindings do not fit it."""

    kind = "query-error"


class QueryTimeoutError(MedfuseError):
    """A query ran past its time limit and was stopped."""

    http_status = 503
    kind = "query-timeout"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"query stopped after the {seconds:g} s time limit; narrow it or add a LIMIT")


class StoreError(MedfuseError):
    """The store cannot be opened, read or written."""

    http_status = 503
    kind = "store-error"


class StoreNotBuiltError(StoreError):
    """The store location holds no built graph yet."""

    def __init__(self, location: object) -> None:
        self.location = location
        super().__init__(f"no graph at {location}; run `medfuse build --store {location}` first")


class RulesError(MedfuseError):
    """Fusion rules are invalid or contradict each other."""

    kind = "rules-error"


class PlanError(MedfuseError):
    """A merge plan file is invalid (fails SHACL, edited inconsistently, unknown ids)."""

    kind = "plan-error"


class UnknownPlanError(PlanError):
    """No plan with this id is known here."""

    http_status = 404
    kind = "unknown-plan"


class ApplyError(MedfuseError):
    """Data on disk does not match a merge plan; lists every problem found."""

    kind = "apply-error"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        head = f"{len(problems)} problem(s) found before writing anything"
        super().__init__(head + ":\n  " + "\n  ".join(problems))
