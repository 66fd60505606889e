"""The ``medfuse`` command line: a thin door onto :mod:`medfuse.kg`.

Each command parses its options, calls one ``kg`` function and prints the answer as a table or
as JSON. Errors of medfuse become one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from medfuse.service.console import console, err, friendly

__all__ = ["main", "cli", "default_store"]

_console, _err = console, err


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


# ---------------------------------------------------------------------------------- labels


class _DatasetOrCommand(click.Group):
    """``medfuse labels DATASET`` lists a dataset's labels; other words are subcommands."""

    def resolve_command(self, ctx: click.Context, args: list[str]):  # noqa: ANN201
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "show", self.commands["show"], args
        return super().resolve_command(ctx, args)


@cli.group(cls=_DatasetOrCommand)
def labels() -> None:
    """Label lists of datasets and their ontology mappings.

    \b
    Example:
      medfuse labels amos22                       # a dataset's labels with their terms
      medfuse labels find --anatomy kidney        # every label of kidney or a part of it
      medfuse labels normalize "Lt. Kidney" --modality CT
      medfuse labels stats
      medfuse labels sssom --out labels.sssom.tsv
    """


@labels.command("show")
@store_option
@click.argument("dataset")
@format_option("table", "json")
@friendly
def labels_show(store: str, dataset: str, fmt: str) -> None:
    """List a dataset's label values, local names and mapped terms."""
    from medfuse.kg.labels import dataset_labels

    rows = dataset_labels(_catalog(store), dataset)
    if fmt == "json":
        _print_json([r.model_dump(mode="json") for r in rows])
        return
    table = Table("variant", "value", "local name", "term", "predicate", "conf.", "site / reason", title=dataset, title_justify="left")
    for r in rows:
        table.add_row(r.variant or "", str(r.value), r.name, f"{r.term.label} ({r.term.id})" if r.term else "-",
                      r.predicate or "", f"{r.confidence:.2f}" if r.confidence is not None else "",
                      (f"site: {r.site.label}" if r.site else "") or (r.reason or ""))
    _console.print(table)
    if not rows:
        _err.print(f"{dataset} has no label list in the graph")


@labels.command("find")
@store_option
@click.option("--anatomy", required=True, help='Anatomy term, e.g. "kidney" or "UBERON:0002113".')
@format_option("table", "json")
@friendly
def labels_find(store: str, anatomy: str, fmt: str) -> None:
    """List every dataset label that annotates a structure or a part of it, with the relation.

    \b
    Example:
      medfuse labels find --anatomy kidney
    """
    from medfuse.kg.labels import related_labels

    asked, rows = related_labels(_catalog(store), anatomy)
    if fmt == "json":
        _print_json({"anatomy": asked.model_dump(), "labels": [r.model_dump(mode="json") for r in rows]})
        return
    _err.print(f"anatomy: {anatomy!r} → {asked.label} ({asked.id})", highlight=False)
    table = Table("dataset", "value", "local name", "term", "relation", title=f"{len(rows)} labels", title_justify="left")
    for r in rows:
        table.add_row(r.dataset, str(r.value), r.name, f"{r.term.label} ({r.term.id})", r.relation)
    _console.print(table)


@labels.command("normalize")
@click.argument("names", nargs=-1)
@click.option("--modality", help="Modality of the label map (CT, MR, ...), used to break ties.")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read names from a text file (one per line) or JSON Lines with `raw` and optional `modality`.")
@format_option("table", "json")
@friendly
def labels_normalize(names: tuple[str, ...], modality: str | None, path: Path | None, fmt: str) -> None:
    """Map raw label names to ontology terms, or abstain.

    \b
    Example:
      medfuse labels normalize "Lt. Kidney" --modality CT
      medfuse labels normalize kidney_left GTVp background --format json
      medfuse labels normalize --file names.txt
    """
    from medfuse.kg.normalize import load_normalizer

    items = [(name, modality) for name in names]
    if path is not None:
        items += _read_names(path, modality)
    if not items:
        raise click.UsageError("give one or more NAMES or --file")
    normalizer = load_normalizer()
    results = [normalizer.normalize(raw, modality=mod) for raw, mod in items]
    if fmt == "json" or path is not None:
        for r in results:
            data = {"raw": r.raw, "term": r.term, "label": r.label, "predicate": r.predicate, "confidence": r.confidence}
            if r.site:
                data["site"] = r.site
            if r.parts:
                data["parts"] = list(r.parts)
            click.echo(json.dumps(data, ensure_ascii=False))
        return
    table = Table("raw", "term", "label", "predicate", "confidence", "rule / reason")
    for r in results:
        table.add_row(r.raw, r.term or "-", r.label or "", r.predicate or "", f"{r.confidence:.2f}",
                      r.via + (f": {r.reason}" if r.reason else "") + (f" (site {r.site})" if r.site else ""))
    _console.print(table)


def _read_names(path: Path, modality: str | None) -> list[tuple[str, str | None]]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                record = json.loads(line)
                out.append((str(record["raw"]), record.get("modality", modality)))
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise click.BadParameter(f"{path}, line {number}: expected a JSON object with `raw` ({error})",
                                         param_hint="--file") from error
        else:
            out.append((line.strip(), modality))
    return out


@labels.command("stats")
@store_option
@format_option("table", "json")
@friendly
def labels_stats(store: str, fmt: str) -> None:
    """Count datasets with label lists, labels, mapped and unmappable labels."""
    from medfuse.kg.labels import label_stats

    counts = label_stats(_catalog(store))
    if fmt == "json":
        _print_json(counts)
        return
    _console.print(f"{counts['datasets']} datasets with label lists, {counts['labels']} labels: "
                   f"{counts['mapped']} mapped to a term, {counts['unmappable']} marked unmappable with a reason")


@labels.command("sssom")
@store_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@friendly
def labels_sssom(store: str, out: Path | None) -> None:
    """Export every label mapping as SSSOM TSV."""
    from medfuse.kg.build import medfuse_version
    from medfuse.kg.labels import export_sssom

    text = export_sssom(_catalog(store), version=medfuse_version())
    if out is None:
        sys.stdout.write(text)
    else:
        _write_atomically(out, text)
        _err.print(f"wrote {out}")


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# ---------------------------------------------------------------------------------- fusion


def _axes_table(result: Any) -> Table:
    table = Table("axis", "score", "relation", "detail", title=f"{result.dataset} + {result.other}: {result.verdict} "
                  f"(score {result.score:.2f})", title_justify="left")
    for name, axis in result.axes.items():
        table.add_row(name, "-" if axis.score is None else f"{axis.score:.2f}", axis.relation, axis.detail)
    return table


@cli.command()
@store_option
@click.argument("dataset")
@click.option("--with", "other", metavar="OTHER", help="Judge this one pair instead of ranking every candidate.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many candidates to list.")
@click.option("--no-3d-as-2d", is_flag=True, help="Do not count 3D volumes as usable 2D slices.")
@format_option("table", "json")
@friendly
def compat(store: str, dataset: str, other: str | None, top: int, no_3d_as_2d: bool, fmt: str) -> None:
    """Which datasets can be fused with DATASET, explained axis by axis.

    \b
    Example:
      medfuse compat kits23 --top 5
      medfuse compat amos22 --with word --format json
    """
    from medfuse.kg.compat import Compat

    engine = Compat(_catalog(store), allow_3d_as_2d=not no_3d_as_2d)
    if other:
        result = engine.pair(dataset, other)
        if fmt == "json":
            _print_json(result.model_dump(mode="json"))
            return
        _console.print(_axes_table(result))
        for warning in result.warnings:
            _console.print(f"[yellow]warning:[/] {warning}")
        return
    report = engine.ranked(dataset, top=top)
    if fmt == "json":
        _print_json(report.model_dump(mode="json"))
        return
    table = Table("dataset", "name", "verdict", "score", "modality", "anatomy", "task", "dim", "labels", "licence",
                  title=f"{report.name}: {len(report.results)} of {report.candidates} candidates", title_justify="left")
    for r in report.results:
        axis = lambda k: (f"{r.axes[k].score:.1f} " if r.axes[k].score is not None else "- ") + r.axes[k].relation  # noqa: E731
        table.add_row(r.other, r.other_name, r.verdict, f"{r.score:.2f}", axis("modality"), axis("anatomy"), axis("task"),
                      axis("dim"), axis("labels"), axis("license"))
    _console.print(table)
    for r in report.results:
        for warning in r.warnings:
            _console.print(f"[yellow]{r.other}:[/] {warning}")


def _rules_from(rules_file: Path | None, flags: dict[str, Any]) -> Any:
    from medfuse.kg.fusion import parse_rules, read_rules

    base = read_rules(rules_file).model_dump(exclude_defaults=True) if rules_file else {}
    given = {k: v for k, v in flags.items() if v not in (None, (), False)}
    return parse_rules({**base, **given}, source=str(rules_file or "command line"))


_RULE_FLAGS = [
    click.option("--modality", "modalities", multiple=True, help="Modality to fuse (repeatable), e.g. CT."),
    click.option("--anatomy", multiple=True, help="Anatomy (repeatable), e.g. abdomen."),
    click.option("--task", "task_types", multiple=True, help="Task (repeatable), e.g. segmentation."),
    click.option("--dim", "dimensions", multiple=True, help="Dimensionality (repeatable): 2D, 3D."),
    click.option("--license", "license_allowlist", multiple=True, help="Allowed licence (repeatable), e.g. CC-BY-4.0."),
    click.option("--labelled-only", "labelled_only", is_flag=True, help="Leave out unlabelled datasets."),
    click.option("--min-samples", "min_valid_image_n_per_dataset", type=int, help="Smallest dataset size."),
    click.option("--since", "release_date_min", type=int, help="Earliest release year."),
    click.option("--3d-as-2d", "allow_3d_as_2d_sources", is_flag=True, help="Admit 3D datasets as 2D slice sources."),
    click.option("--min-datasets", "min_datasets_per_modality", type=int, help="Smallest group size."),
]


def rule_options(function: Callable) -> Callable:
    """Attach the fusion rule flags (shared by ``fuse`` and ``plan``)."""
    for option in reversed(_RULE_FLAGS):
        function = option(function)
    return click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        help="JSON or YAML file of rules (task_types, license_allowlist, ...); flags override it.")(function)


def _flags(options: dict[str, Any]) -> dict[str, Any]:
    labelled_only = options.pop("labelled_only", False)
    if labelled_only:
        options["include_unlabeled"] = False
    options["license_allowlist"] = options.get("license_allowlist") or None
    return options


@cli.command()
@store_option
@rule_options
@format_option("table", "json")
@friendly
def fuse(store: str, rules_file: Path | None, fmt: str, **options: Any) -> None:
    """Group datasets for fusion by rules: harmonisation, alignment, blueprint, indexing.

    \b
    Example:
      medfuse fuse --modality CT --anatomy abdomen --task segmentation --dim 3D --labelled-only
      medfuse fuse --rules rules.yaml --format json
    """
    from medfuse.kg.fusion import fuse as run_fuse

    rules = _rules_from(rules_file, _flags(options))
    result = run_fuse(_catalog(store), rules)
    if fmt == "json":
        _print_json({"rules": rules.model_dump(mode="json", exclude_defaults=True), **result.model_dump(mode="json")})
        return
    _console.print("[bold]1. harmonisation[/]")
    for rule, resolved in result.harmonisation.items():
        if resolved:
            _console.print(f"  {rule}: " + ", ".join(f"{r['input']!r} → {r['label']} ({r['id']})" for r in resolved), highlight=False)
    _console.print(f"[bold]2. alignment[/]: {result.alignment['selected']} selected; rejected by rule: "
                   + ", ".join(f"{k} {v}" for k, v in result.alignment["rejected_by_rule"].items()))
    _console.print("[bold]3. blueprint[/]")
    for group in result.blueprint:
        _console.print(f"  {group.key}: {', '.join(group.datasets)}", highlight=False)
        for overlap in group.overlaps:
            _console.print(f"    [yellow]overlap:[/] {overlap}")
    _console.print("[bold]4. indexing[/]: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in result.indexing.items()))


@cli.command()
@store_option
@click.option("--datasets", help="Comma-separated dataset ids (id:variant picks one label variant), e.g. amos22:ct,word,kits23.")
@rule_options
@click.option("--disease", help="Search constraint, as in `medfuse search`.")
@click.option("--granularity", type=click.Choice(["coarsest", "finest", "explicit"]), default="coarsest", show_default=True)
@click.option("--target", "targets", multiple=True, help="Target term for --granularity explicit (repeatable).")
@click.option("--name", help="A name for the plan.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON-LD plan here (default: stdout).")
@click.option("--nnunet", type=click.Path(dir_okay=False, path_type=Path), help="Also write the unified labels as nnU-Net dataset.json.")
@click.option("--sssom", type=click.Path(dir_okay=False, path_type=Path), help="Also write the plan's mappings as SSSOM TSV.")
@friendly
def plan(store: str, datasets: str | None, rules_file: Path | None, disease: str | None, granularity: str,
         targets: tuple[str, ...], name: str | None, out: Path | None, nnunet: Path | None, sssom: Path | None,
         **options: Any) -> None:
    """Write a merge plan (JSON-LD): datasets, unified labels, per-dataset mappings, notes, licences.

    Choose datasets by id, by rules, or by the search flags.

    \b
    Example:
      medfuse plan --datasets amos22:ct,word,kits23,btcv-abdomen --out plan.jsonld --nnunet dataset.json
      medfuse plan --modality CT --anatomy abdomen --task segmentation --dim 3D --out plan.jsonld
      medfuse plan --rules rules.yaml --granularity explicit --target kidney --target liver
    """
    from medfuse.kg.plan import datasets_from_rules, datasets_from_search, make_plan
    from medfuse.kg.plan_io import nnunet_dataset_json, plan_sssom, to_jsonld

    catalog = _catalog(store)
    options = _flags(options)
    rules = None
    if datasets:
        chosen = [d.strip() for d in datasets.split(",") if d.strip()]
    elif rules_file:
        rules = _rules_from(rules_file, options)
        chosen = datasets_from_rules(catalog, rules)
    elif any(options.get(k) for k in ("modalities", "anatomy", "task_types", "dimensions")) or disease:
        rules = _rules_from(None, options)
        search_terms = {"modality": (rules.modalities or (None,))[0], "anatomy": (rules.anatomy_terms() or (None,))[0],
                        "task": (rules.task_types or (None,))[0], "dim": (rules.dimensions or (None,))[0], "disease": disease}
        chosen = datasets_from_search(catalog, **search_terms)
    else:
        raise click.UsageError("choose datasets with --datasets, --rules or search flags (--modality, --anatomy, ...)")
    result = make_plan(catalog, chosen, granularity=granularity, targets=list(targets), rules=rules, name=name)  # type: ignore[arg-type]
    text = json.dumps(to_jsonld(result), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        _write_atomically(out, text)
    if nnunet:
        _write_atomically(nnunet, json.dumps(nnunet_dataset_json(result), indent=2, ensure_ascii=False) + "\n")
    if sssom:
        _write_atomically(sssom, plan_sssom(result))
    if out is not None:
        _print_plan(result)
    _err.print(f"plan {result.id}: {result.totals.datasets} datasets, {result.totals.labels} unified labels, "
               f"licences {result.license.status}, {len(result.conflicts)} conflict notes"
               + (f"; wrote {out}" if out else ""), highlight=False)


def _print_plan(plan: Any) -> None:  # noqa: ANN401 - a MergePlan
    """The unified label table (each value with the local labels merged into it), then the notes."""
    from medfuse.kg.plan_model import variant_key

    names = {label.value: label.name for label in plan.labels}
    sources: dict[int, list[str]] = {}
    dropped: list[str] = []
    for m in plan.mappings:
        key = variant_key(m.dataset, m.variant)
        if m.target_value is None:
            dropped.append(f"{key}:{m.source_value} {m.source_name!r} ({m.reason})")
        elif m.target_value:
            same = m.source_name.casefold() == names[m.target_value].casefold()
            sources.setdefault(m.target_value, []).append(
                f"{key}:{m.source_value}" + ("" if same else f" {m.source_name!r}")
                + ("" if m.relation == "exact" else f" [{m.relation}]"))
    table = Table("value", "name", "term", title="unified labels", title_justify="left")
    table.add_column(escape("from (dataset:value, local name where it differs, [relation])"), overflow="fold")
    for label in plan.labels:
        table.add_row(str(label.value), label.name, label.term, escape(", ".join(sources.get(label.value, ()))))
    _console.print(table)
    for p in plan.partial:
        key = variant_key(p.dataset, p.variant)
        _console.print(f"[cyan]partial:[/] {key} never annotates {escape(', '.join(names[v] for v in p.unannotated))}",
                       highlight=False)
    for c in plan.conflicts:
        _console.print(f"[yellow]conflict ({c.kind}):[/] {escape(c.detail)}", highlight=False)
    for o in plan.overlaps:
        _console.print(f"[yellow]overlap:[/] {escape(o.detail)}", highlight=False)
    for d in dropped:
        _console.print(f"[red]dropped:[/] {escape(d)}", highlight=False)
    verdict = plan.license
    _console.print(escape(f"licences: {verdict.status}; " + "; ".join(verdict.obligations + verdict.blockers)),
                   highlight=False)


# ---------------------------------------------------------------------------------- serve

#: Longest a thread of ``medfuse serve`` waits for the GIL while another holds it, in seconds.
_SWITCH_INTERVAL = 0.0005


@cli.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Time limit of one SPARQL query, in seconds (the query is stopped, not just abandoned).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes answering SPARQL on the embedded store.")
@click.option("--max-result-mb", type=click.FloatRange(min=0.001), default=16.0, show_default=True,
              help="Largest SPARQL answer, in MiB.")
@click.option("--update-token", envvar="MEDFUSE_UPDATE_TOKEN", default=None,
              help="Enable SPARQL Update and Graph Store writes for clients presenting this bearer token.")
@click.option("--cors-origin", "cors", multiple=True, default=("*",), show_default=True, help="Origins allowed by CORS.")
@click.option("--answer-cache-mb", type=click.FloatRange(min=0), default=64.0, show_default=True,
              help="Search, detail and compat answers kept per graph, in MiB (0 keeps none).")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log every request (costs CPU on every request).")
@friendly
def serve(store: str, host: str, port: int, timeout: float, workers: int, max_result_mb: float,
          update_token: str | None, cors: tuple[str, ...], answer_cache_mb: float, access_log: bool) -> None:
    """Serve the SPARQL endpoint (/sparql) and the REST API (/api/v1, docs at /docs).

    On an embedded store that was never built, the graph is built first from the shipped data.

    \b
    Example:
      medfuse serve --port 8000
      curl 'http://127.0.0.1:8000/api/v1/datasets?anatomy=abdomen&modality=CT&per_page=5'
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' http://127.0.0.1:8000/sparql
    """
    import uvicorn

    from medfuse.kg.store import is_remote
    from medfuse.service.app import create_app
    from medfuse.service.settings import Settings

    if not is_remote(store) and not (Path(store).expanduser() / "current").exists():
        from medfuse.kg.build import build as run_build

        _err.print(f"no graph at {store} yet: building it first")
        with _err.status("building") as status:
            report = run_build(store, progress=lambda step: status.update(step))
        _err.print(f"built snapshot {report.snapshot}: {report.datasets:,} datasets in {report.seconds:.1f} s")
    settings = Settings(query_timeout=timeout, query_workers=workers, max_result_bytes=int(max_result_mb * 2**20),
                        update_token=update_token, cors_origins=cors, answer_cache_bytes=int(answer_cache_mb * 2**20))
    app = create_app(location=store if is_remote(store) else str(Path(store).expanduser()), settings=settings)
    # The event loop computes cheap answers itself while threads wait on the store. A thread
    # back from the store waits for the GIL until the loop yields it; with Python's 5 ms default,
    # each of its turns costs up to 5 ms, and a search that needed the store took 30-110 ms.
    sys.setswitchinterval(_SWITCH_INTERVAL)
    uvicorn.run(app, host=host, port=port, access_log=access_log)


from medfuse.service.apply_cmd import apply as _apply_command  # noqa: E402 - defined beside its kg module

cli.add_command(_apply_command)


def main() -> None:
    """Entry point of the ``medfuse`` console script."""
    cli(prog_name="medfuse")


if __name__ == "__main__":
    main()
