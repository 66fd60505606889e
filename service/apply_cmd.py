"""The ``medfuse apply`` command: run a merge plan on data on disk (see :mod:`medfuse.kg.apply`).

The root command group registers it with ``cli.add_command(apply)``.

>>> apply.name
'apply'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from medfuse.service.console import console, err, friendly

__all__ = ["apply"]

_console, _err = console, err


def _dataset_dirs(items: tuple[str, ...]) -> dict[str, Path]:
    out = {}
    for item in items:
        key, sep, path = item.partition("=")
        if not sep or not key or not path:
            raise click.BadParameter(f"expected ID=PATH, got {item!r}", param_hint="--dataset-dir")
        out[key] = Path(path)
    return out


@click.command("apply")
@click.argument("plan_path", metavar="PLAN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding one folder per dataset: its id, DatasetNNN_<Name> (nnU-Net) or TaskNN_<Name> (MSD).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output nnU-Net v2 raw dataset folder: new, empty, or an interrupted run of the same plan (resumed).")
@click.option("--copy", is_flag=True, help="Copy the images instead of symlinking them.")
@click.option("--dataset-dir", "dataset_dirs", multiple=True, metavar="ID=PATH",
              help="Folder of one dataset (ID is the plan's dataset id, or id.variant), instead of searching --data.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format of the final report.")
@friendly
def apply(plan_path: Path, data: Path, out: Path, copy: bool, dataset_dirs: tuple[str, ...], fmt: str) -> None:
    """Relabel the datasets of a merge plan into one nnU-Net v2 raw dataset.

    Everything is checked first (datasets found, every case's images and mask readable and
    aligned, every mask value mapped by the plan); one error lists every problem and nothing is
    written. Masks are relabelled voxel-exactly; images are symlinked (--copy copies). OUT also
    gets provenance.tsv, partial_labels.tsv/.json and, last, dataset.json. Run the same command
    again to resume an interrupted run.

    \b
    Example:
      medfuse apply kidney-plan.jsonld --data ~/datasets --out ~/nnUNet_raw/Dataset501_Kidney
      medfuse apply kidney-plan.jsonld --data ~/datasets --out ~/nnUNet_raw/Dataset501_Kidney \\
          --dataset-dir amos22.ct=/mnt/amos/ct --copy
    """
    from medfuse.kg.apply import apply_plan
    from medfuse.kg.plan_io import read_plan

    plan = read_plan(plan_path)
    overrides = _dataset_dirs(dataset_dirs)
    if plan.license.status == "warning":
        _err.print(f"[yellow]licence warning:[/] {'; '.join(plan.license.obligations) or 'see the plan'}", highlight=False)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=_err, transient=False) as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int, case: str) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task("checking cases" if phase == "validate" else "writing cases", total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            report = apply_plan(plan, data, out, link=not copy, progress=progress, dataset_dirs=overrides)
        except OSError as error:
            _err.print(f"[bold red]error:[/] writing {out} failed: {error}; run the same command again to resume",
                       highlight=False, soft_wrap=True)
            sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(report.model_dump(mode="json"), indent=2))
        return
    _console.print(
        f"applied plan [bold]{report.plan}[/] into {report.output}: {report.cases:,} cases "
        f"({', '.join(f'{k} {n}' for k, n in report.datasets.items())}), {report.written:,} written, "
        f"{report.skipped:,} already done", highlight=False)
    _console.print(
        f"{report.voxels:,} mask voxels relabelled ({report.voxels_changed:,} changed value) in {report.seconds:.1f} s: "
        f"{report.voxels_per_second / 1e6:,.1f} M voxels/s (checks took {report.validate_seconds:.1f} s)", highlight=False)
    for obligation in report.obligations:
        _console.print(f"licence: {obligation}", highlight=False)
