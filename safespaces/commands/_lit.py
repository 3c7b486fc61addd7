"""A study loaded from the command line with its lighting stage run (``lighting``, ``eyes``)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pandas as pd

from safespaces.commands._common import inputs_from_args, progress, write_raster_styles
from safespaces.config import Config
from safespaces.lighting import LightingResult
from safespaces.stages import StageOutput, lighting_stage, study_darkness
from safespaces.study import Study, load_study


@dataclasses.dataclass
class LitStudy:
    """A study loaded from the command line, with its lighting stage run.

    Attributes
    ----------
    study
        The loaded inputs.
    folder
        The output folder (``--out``), holding ``illuminance.tif`` and its ``.qml``.
    timings
        Seconds per stage so far.
    lighting, output
        The lighting result and its layers, files and summary.
    darkness
        The study's darkness table (:func:`safespaces.stages.study_darkness`),
        computed once for the lighting and the eyes stages.
    """

    study: Study
    folder: Path
    timings: dict[str, float]
    lighting: LightingResult
    output: StageOutput
    darkness: pd.DataFrame


def light_study(args: argparse.Namespace, config: Config, folder: Path) -> LitStudy:
    """Load the inputs the command line names and run the lighting stage into ``folder``
    (the staging folder of :func:`command_output`).

    Writes ``illuminance.tif`` with its QGIS style beside it (the catalogue's,
    as the QGIS package writes it), for the commands that write it without the
    export (``lighting``, ``eyes``).
    """
    timings: dict[str, float] = {}
    study = load_study(inputs_from_args(args), config, progress=progress, timings=timings)
    darkness = study_darkness(study)
    lighting, output = lighting_stage(
        study, folder, darkness=darkness, progress=progress, timings=timings
    )
    write_raster_styles(output.files)
    return LitStudy(study, folder, timings, lighting, output, darkness)
