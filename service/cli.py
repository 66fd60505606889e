"""The ``medfuse`` command line: a thin door onto :mod:`medfuse.kg`.

Each command parses its options, calls one ``kg`` function and prints the answer as a table or
as JSON. Errors of medfuse become one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from medfuse.kg.errors import MedfuseError

__all__ = ["main", "cli", "default_store"]

_console = Console()
_err = Console(stderr=True)


def default_store() -> str:
    """Return the store location: ``$MEDFUSE_STORE`` or a per-user data directory."""
    env = os.environ.get("MEDFUSE_STORE")
    if env:
        return env
    import platformdirs

    return str(Path(platformdirs.user_data_dir("medfuse")) / "store")


store_option = click.option(
    "--store", "store", default=default_store, show_default="$MEDFUSE_STORE or the user data dir",
    help="Where the graph lives: a directory (embedded store) or an http(s) SPARQL endpoint.",
)


def format_option(*choices: str, default: str = "table") -> Callable:
    """Return the shared ``--format`` option with the given choices."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
                        help="Output format.")


def friendly(function: Callable) -> Callable:
    """Turn medfuse errors into one line on stderr and exit code 2."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except MedfuseError as error:
            _err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
            sys.exit(2)

    return wrapper


def _catalog(store: str):  # noqa: ANN202 - returns medfuse.kg.catalog.Catalog
    from medfuse.kg.catalog import Catalog
    from medfuse.kg.store import open_store
    from medfuse.kg.terms import load_terms

    return Catalog(open_store(store), load_terms())


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="medfuse")
def cli() -> None:
    """medfuse: a knowledge graph of open medical imaging datasets.

    \b
    Build the graph, then ask it:
      medfuse build
      medfuse search --modality CT --anatomy abdomen --task segmentation --dim 3D
      medfuse show "AMOS 2022"
    """


# ---------------------------------------------------------------------------------- build


def _print_report(report: Any, *, verbose: bool) -> None:
    for source, facets in report.normalization.items():
        table = Table(title=f"normalization of {source}", title_justify="left")
        for column in ("field", "distinct values", "mapped", "share", "null markers", "unmapped"):
            table.add_column(column, justify="right" if column not in ("field", "unmapped") else "left")
        for field, facet in facets.items():
            unmapped = ", ".join(f"{v!r}×{n}" for v, n in sorted(facet.unmapped.items()))
            if not verbose and len(unmapped) > 120:
                unmapped = unmapped[:117] + "..."
            style = "red" if facet.share < 0.98 else ""
            table.add_row(field, str(facet.distinct), str(facet.mapped), f"[{style}]{facet.share:.1%}[/]" if style else f"{facet.share:.1%}",
                          str(facet.null), unmapped or "-")
        _console.print(table)
    _console.print(
        f"built snapshot [bold]{report.snapshot}[/] at {report.location}: {report.datasets:,} datasets "
        f"from {sum(report.records.values()):,} records ({', '.join(f'{k} {v}' for k, v in report.records.items())}), "
        f"{sum(report.triples.values()):,} triples in {report.seconds:.1f} s"
    )
    if report.issues:
        _console.print("quality issues flagged: " + ", ".join(f"{k} {v}" for k, v in report.issues.items()))


@cli.command()
@store_option
@click.option("--source", "sources", multiple=True, metavar="NAME=PATH",
              help="Read a source from PATH instead of the shipped file (e.g. imaging-x=datasets.json).")
@click.option("--min-mapped", type=float, default=None, metavar="SHARE",
              help="Fail (exit 1) when any field maps fewer than SHARE of its distinct raw values.")
@click.option("--token", envvar="MEDFUSE_STORE_TOKEN", default=None,
              help="user:password for writing to a remote SPARQL engine (Graph Store Protocol).")
@format_option("table", "json")
@click.option("-v", "--verbose", is_flag=True, help="List every unmapped value.")
@friendly
def build(store: str, sources: tuple[str, ...], min_mapped: float | None, token: str | None, fmt: str, verbose: bool) -> None:
    """Build the knowledge graph from the shipped catalogs and publish it at --store.

    The build is atomic: if it fails, the previous graph stays as it was.

    \b
    Example:
      medfuse build --store ~/medfuse-store
      medfuse build --source imaging-x=my/datasets.json --min-mapped 0.98
    """
    from medfuse.kg.build import build as run_build
    from medfuse.loaders import LOADERS

    chosen = {}
    for item in sources:
        name, _, path = item.partition("=")
        if name not in LOADERS or not path:
            raise click.BadParameter(f"expected NAME=PATH with NAME in {', '.join(LOADERS)}", param_hint="--source")
        chosen[name] = Path(path)
    with _err.status("building") as status:
        report = run_build(store, sources=chosen, progress=lambda step: status.update(step), token=token)
    if fmt == "json":
        _print_json(report.model_dump(mode="json"))
    else:
        _print_report(report, verbose=verbose)
    if min_mapped is not None:
        low = [f"{s}.{f}" for s, facets in report.normalization.items() for f, r in facets.items() if r.share < min_mapped]
        if low:
            _err.print(f"[red]fields below {min_mapped:.0%} mapped:[/] {', '.join(low)}")
            sys.exit(1)


# ---------------------------------------------------------------------------------- search


def _terms_cell(terms: list) -> str:
    return ", ".join(t["label"] for t in terms)


def _datasets_table(rows: list[dict], title: str, *, reason: bool = False) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("id", "name", "year", "modalities", "anatomy", "tasks", "dim", "samples", "access"):
        table.add_column(column, overflow="fold")
    if reason:
        table.add_column("missing", overflow="fold")
    for row in rows:
        cells = [row["id"], row["name"], str(row["year"] or ""), _terms_cell(row["modalities"]),
                 _terms_cell(row["anatomy"]), _terms_cell(row["tasks"]), _terms_cell(row["dim"]),
                 f"{row['samples']:,}" if row["samples"] is not None else "", row["access"] or ""]
        if reason:
            cells.append(row["reason"])
        table.add_row(*cells)
    return table


@cli.command()
@store_option
@click.option("--modality", help='Modality, e.g. "MRI", "CT", "X-ray", "DCM:MR".')
@click.option("--anatomy", help='Anatomy, e.g. "abdomen", "left kidney", "UBERON:0002107".')
@click.option("--disease", help='Disease, e.g. "glioma", "COVID-19", "MONDO:0018177".')
@click.option("--task", help='Task, e.g. "segmentation", "classification", "VQA".')
@click.option("--dim", help='Dimensionality: "2D", "3D", "4D", "video".')
@click.option("--access", help='Access: "open", "registration", "application".')
@click.option("--labelled/--unlabelled", default=None, help="Only datasets with (or without) labels.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most this many of each list.")
@click.option("--no-near", is_flag=True, help="Do not list near matches.")
@format_option("table", "json")
@friendly
def search(store: str, limit: int | None, no_near: bool, fmt: str, **options: Any) -> None:
    """Find datasets by modality, anatomy, disease, task, dimensionality, labels and access.

    Terms are resolved through ontology labels and synonyms, and the hierarchy is used: "abdomen"
    finds liver and kidney datasets, "glioma" finds glioblastoma datasets, "MRI" finds CT/MR ones.
    Datasets missing exactly one constraint are listed as near matches with the reason.

    \b
    Example:
      medfuse search --modality CT --anatomy abdomen --task segmentation --dim 3D
      medfuse search --disease glioma --format json
    """
    from medfuse.kg.search import search as run_search

    result = run_search(_catalog(store), limit=limit, near=not no_near, **options)
    if fmt == "json":
        _print_json(result.model_dump(mode="json"))
        return
    for option, c in result.query.items():
        resolved = f"{c.label} ({c.id}) via {c.via}" if c.id else c.input
        _err.print(f"{option}: {c.input!r} → {resolved}", highlight=False)
    data = result.model_dump(mode="json")
    _console.print(_datasets_table(data["strict"], f"{len(data['strict'])} datasets match every constraint"))
    if data["near"]:
        _console.print(_datasets_table(data["near"], f"{len(data['near'])} near matches (one constraint missed)", reason=True))


# ---------------------------------------------------------------------------------- show


@cli.command()
@store_option
@click.argument("dataset")
@format_option("table", "json")
@friendly
def show(store: str, dataset: str, fmt: str) -> None:
    """Show one dataset (by id or name): facets, sources and quality issues.

    \b
    Example:
      medfuse show isic18
      medfuse show "KiTS19" --format json
    """
    detail = _catalog(store).detail(dataset)
    data = detail.model_dump(mode="json")
    if fmt == "json":
        _print_json(data)
        return
    table = Table(title=f"{detail.name} ({detail.id})", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key in ("year", "samples", "labelled", "access", "license", "url", "paper"):
        if data[key] is not None:
            value = str(data[key]) + (" (inferred from the landing page)" if key == "access" and detail.access_inferred else "")
            table.add_row(key, value)
    for key in ("modalities", "anatomy", "diseases", "tasks", "dim"):
        table.add_row(key, ", ".join(f"{t['label']} ({t['id']})" for t in data[key]))
    if detail.built_from:
        table.add_row("built from", ", ".join(detail.built_from))
    for source in detail.sources:
        table.add_row("source", f"{source.catalog}: {source.name!r} ({source.year}, section {source.section!r})")
    for issue in detail.issues:
        table.add_row(f"[yellow]issue {issue.kind}[/]", issue.message)
    _console.print(table)


# ---------------------------------------------------------------------------------- query


@cli.command()
@store_option
@click.argument("query")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter of a named query (values become RDF terms, never query text).")
@format_option("table", "json", "csv", "tsv", "xml", "turtle", "ntriples", "jsonld")
@friendly
def query(store: str, query: str, params: tuple[str, ...], fmt: str) -> None:
    """Run SPARQL: a named query of queries/ (with --param), a .rq file, or query text.

    \b
    Example:
      medfuse query facet_match --param facet=mf:anatomy --param term=UBERON:0000916
      medfuse query "SELECT (COUNT(*) AS ?n) WHERE { ?d a <https://w3id.org/medfuse/vocab#Dataset> }"
      medfuse query my-question.rq --format csv
    """
    from medfuse.kg.queries import load_query, query_names
    from medfuse.kg.store import Result, open_store

    bindings: dict[str, Any] = {}
    values = dict(p.partition("=")[::2] for p in params)
    if query in query_names():
        named = load_query(query)
        text, bindings = named.text, named.bindings(values)
    elif query.endswith(".rq") or (len(query) < 256 and Path(query).is_file()):
        try:
            text = Path(query).read_text(encoding="utf-8")
        except OSError as error:
            raise click.BadParameter(f"cannot read {query}: {error.strerror}", param_hint="QUERY") from error
    else:
        text = query
    if values and not bindings:
        raise click.BadParameter("--param works with named queries only", param_hint="--param")
    media = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values",
             "xml": "application/sparql-results+xml", "turtle": "text/turtle", "ntriples": "application/n-triples",
             "jsonld": "application/ld+json"}
    target = open_store(store)
    if fmt != "table":
        result = target.query(text, bindings, format=media[fmt]) if fmt not in ("turtle", "ntriples", "jsonld") else None
        if result is None:
            result = target.query(text, bindings, format=media[fmt])
        sys.stdout.write(result.decode("utf-8") if isinstance(result, bytes) else str(result))
        return
    answer = target.query(text, bindings)
    assert isinstance(answer, Result)
    if answer.kind == "ask":
        click.echo("true" if answer.boolean else "false")
    elif answer.kind == "graph":
        for s, p, o in answer.triples:
            click.echo(f"{s.n3()} {p.n3()} {o.n3()} .")
    else:
        from medfuse.kg.namespaces import compress

        table = Table(*answer.variables)
        for row in answer.rows:
            table.add_row(*("" if v is None else compress(str(v)) for v in row))
        _console.print(table)
        _err.print(f"{len(answer.rows)} rows")


# ---------------------------------------------------------------------------------- stats


@cli.command()
@store_option
@click.option("--top", type=click.IntRange(min=1), default=8, show_default=True, help="Terms shown per facet.")
@format_option("table", "json")
@friendly
def stats(store: str, top: int, fmt: str) -> None:
    """Count datasets, records, triples, quality issues and the most used terms per facet.

    \b
    Example:
      medfuse stats --top 5
    """
    from medfuse.kg.stats import graph_stats

    report = graph_stats(_catalog(store), top=top)
    if fmt == "json":
        _print_json(report)
        return
    _console.print(f"snapshot {report['snapshot']} built {report['created']} by medfuse {report['version']}")
    _console.print(f"{report['datasets']:,} datasets from {report['records']:,} source records; "
                   f"{report['triples']:,} triples in {len(report['graphs'])} named graphs")
    table = Table("facet", "top terms (datasets)", title="facets", title_justify="left")
    for facet, rows in report["facets"].items():
        table.add_row(facet, ", ".join(f"{r['label']} {r['datasets']}" for r in rows))
    _console.print(table)
    if report["issues"]:
        _console.print("quality issues: " + ", ".join(f"{k} {v}" for k, v in report["issues"].items()))


def main() -> None:
    """Entry point of the ``medfuse`` console script."""
    cli(prog_name="medfuse")


if __name__ == "__main__":
    main()
