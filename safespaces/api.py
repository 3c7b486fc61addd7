"""The Python API: :func:`load` a study, :func:`analyse` it, explore and export.

The same analysis as ``safespaces run``, in memory: inputs may be files or frames
(GeoDataFrames in any CRS, or DataFrames with ``lon``/``lat``), and the result holds
the layers the CLI writes to its GeoPackage, under the same names. Nothing is
written until :meth:`Results.to_gpkg`.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

import geopandas as gpd
import pandas as pd

from safespaces.config import Config, load_config
from safespaces.errors import ConfigError, InputError
from safespaces.family import FamilyResult
from safespaces.io import write_layers
from safespaces.pipeline import FAMILIES, analyse_stages, run_metadata
from safespaces.study import Inputs, Study, load_study
from safespaces.timing import Progress

if TYPE_CHECKING:
    import folium


class LoadOptions(TypedDict, total=False):
    """Keyword options of :func:`load`.

    ``crs``, ``population`` and ``population_column`` are the CLI's ``--crs``,
    ``--population`` and ``--population-col``; ``preset`` its ``--preset``;
    ``settings`` takes settings by section, as ``--set section.key=value`` does
    (``{"lighting": {"cutoff_m": 40}}``; the sections and keys are in
    ``docs/config.md``); ``progress`` receives progress lines.
    """

    crs: str
    population: str | Path
    population_column: str
    preset: str
    settings: Mapping[str, Mapping[str, Any]]
    progress: Progress | None


_OPTIONS = ("crs", "population", "population_column", "preset", "settings", "progress")

#: An input of :func:`load`: a file's path or a frame.
InputSource = str | Path | pd.DataFrame


def load(
    osm: str | Path | None = None,
    lamps: InputSource | None = None,
    tenure: InputSource | None = None,
    incidents: InputSource | None = None,
    areas: InputSource | None = None,
    config: Config | str | Path | None = None,
    **options: Unpack[LoadOptions],
) -> Study:
    """Read and check a study's inputs, as ``safespaces run`` reads them.

    Every input is a file's path or, except ``osm``, a frame: a GeoDataFrame in any
    CRS, or (not ``areas``) a DataFrame with ``lon``/``lat`` columns. Frames go
    through the same checks as files and are reprojected to the study's metric CRS
    (the caller's frames are not changed). With no ``osm``, the embedded default is
    used: central Helsinki (:data:`safespaces.synthetic.DEFAULT_OSM`, real
    OpenStreetMap data) with its SYNTHETIC tenure and incidents
    (:data:`~safespaces.synthetic.TENURE_FILE`, :data:`~safespaces.synthetic.INCIDENT_FILE`)
    unless those are given.

    Parameters
    ----------
    osm
        An OpenStreetMap extract (``.osm.pbf``, ``.osm``, ``.osm.bz2`` ...).
    lamps
        A lamp register (points; optional ``height_m``, ``intensity_cd``, ``lumen``):
        added to the OSM lamps, which it replaces where it covers them.
    tenure
        Dwellings by tenure, per building (points) or per area (polygons).
    incidents
        Incident reports: points with a time and a category.
    areas
        Districts (polygons); default: a 250 m grid over the streets.
    config
        A :class:`~safespaces.config.Config`, or a TOML file; default: the defaults.
    **options
        ``crs`` (of inputs that declare none), ``population`` and
        ``population_column``, ``preset``, ``progress``, and ``settings`` by section,
        e.g. ``settings={"lighting": {"cutoff_m": 40}}`` (see :class:`LoadOptions`).

    Returns
    -------
    Study
        The layers in one metric CRS (``study.osm.segments``, ``study.areas`` ...),
        ready for :func:`analyse`.

    Raises
    ------
    InputError
        An input that cannot be read; the message names it (a frame as
        ``<lamp register GeoDataFrame>``), the row or column and the fix.
    ConfigError
        A setting or option that is not valid.

    Examples
    --------
    The embedded default with a lamp register given as a frame in longitudes and
    latitudes (it could be ``lamps="lamps.csv"``):

    >>> import geopandas as gpd, shapely
    >>> import safespaces
    >>> register = gpd.GeoDataFrame({"height_m": [8.0, 8.0]},
    ...     geometry=[shapely.Point(24.945, 60.170), shapely.Point(24.946, 60.170)],
    ...     crs="EPSG:4326")
    >>> study = safespaces.load(lamps=register, settings={"general": {"name": "demo"}})
    >>> study.crs.to_epsg(), study.config.general.name
    (3067, 'demo')
    >>> int((study.osm.lamps["source"] == "register").sum())
    2
    """
    unknown = [name for name in options if name not in _OPTIONS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], _OPTIONS, n=1)
        raise ConfigError(
            f"load() got an unknown option '{unknown[0]}'"
            + (f" (did you mean '{close[0]}'?)" if close else "")
            + f". Fix: use one of {', '.join(_OPTIONS)}"
        )
    if osm is not None and not isinstance(osm, str | Path):
        raise InputError(
            f"osm is a {type(osm).__name__}, not a path",
            fix="give an OpenStreetMap extract's path; for a street network built elsewhere "
            "(osmnx, pyrosm) call the family functions on its frames, e.g. "
            "safespaces.lighting.analyse_lighting(safespaces.from_osmnx(G), lamps)",
        )
    population = options.get("population")
    inputs = Inputs(
        osm=None if osm is None else Path(osm),
        lamps=lamps if isinstance(lamps, pd.DataFrame | None) else Path(lamps),
        tenure=tenure if isinstance(tenure, pd.DataFrame | None) else Path(tenure),
        incidents=incidents if isinstance(incidents, pd.DataFrame | None) else Path(incidents),
        areas=areas if isinstance(areas, pd.DataFrame | None) else Path(areas),
        crs=options.get("crs"),
        population=None if population is None else Path(population),
        population_column=options.get("population_column"),
    )
    chosen = load_config(config, preset=options.get("preset"), settings=options.get("settings"))
    return load_study(inputs, chosen, progress=options.get("progress"))


@dataclasses.dataclass
class Results:
    """What :func:`analyse` computed: the layers ``safespaces run`` writes, in memory.

    Attributes
    ----------
    study
        The study analysed.
    layers
        Layer name -> GeoDataFrame (a DataFrame for attribute tables such as
        ``light_darkness``), named as in the CLI's GeoPackage: ``street_segments``
        (every per-segment column: ``light_*``, ``eyes_*``, ``incidents_*``,
        ``score_*``, ``safe_space_score``), ``areas``, ``lamps``, ``buildings``,
        ``public_spaces``, ``dark_paths`` ... (``docs/data-formats.md``).
    summary
        The run summary (what ``safespaces run`` prints), JSON-ready.
    metadata
        The ``run_metadata`` record the GeoPackage stores (inputs and their checksums,
        the configuration, the families' summaries and privacy settings).
    families
        Family name -> its result (``LightingResult``, ``EyesResult`` ...), with the
        tables behind the layers (e.g. ``families["lighting"].darkness``).

    Examples
    --------
    See :func:`analyse`, which returns one: ``results.layers["street_segments"]``,
    ``results.summary``, ``results.to_gpkg(path)``, ``results.explore(layer)``.

    >>> sorted(field.name for field in dataclasses.fields(Results))
    ['families', 'layers', 'metadata', 'study', 'summary']
    """

    study: Study
    layers: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    metadata: dict[str, Any]
    families: dict[str, FamilyResult]

    def __getitem__(self, layer: str) -> pd.DataFrame:
        """``results["street_segments"]`` is ``results.layers["street_segments"]``."""
        try:
            return self.layers[layer]
        except KeyError:
            raise InputError(
                f"no layer '{layer}'", fix=f"use one of {', '.join(sorted(self.layers))}"
            ) from None

    def __repr__(self) -> str:
        names = ", ".join(sorted(self.layers))
        return (
            f"<Results of {self.summary.get('study', 'a study')}: "
            f"{', '.join(self.families) or 'no family'}; layers {names}>"
        )

    def to_gpkg(self, path: str | Path) -> Path:
        """Write every layer and ``run_metadata`` to a GeoPackage, as the CLI writes them.

        The same writer as ``safespaces run`` (:func:`safespaces.io.write_layers`:
        written to a temporary file and moved into place, so a failed write leaves an
        earlier file as it was). A file at ``path`` is replaced. The rasters and the
        QGIS project of ``safespaces run`` are not written.

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        InputError
            ``path`` does not end in ``.gpkg``.
        OutputError
            The file cannot be written.

        Examples
        --------
        See :func:`analyse`.
        """
        path = Path(path)
        if path.suffix.lower() != ".gpkg":
            raise InputError(
                "the output must be a GeoPackage", path=path, fix="give a path ending in .gpkg"
            )
        return write_layers(
            path.parent, self.layers, self.metadata, filename=path.name, keep_other_layers=False
        )

    def explore(
        self, layer: str = "street_segments", column: str | None = None, **kwargs: Any
    ) -> folium.Map:
        """An interactive map of one layer that requests nothing from the internet.

        Colours and legend come from the catalogue the app and the QGIS styles use
        (default column: the one the QGIS project shows first, e.g. ``light_class`` of
        ``street_segments``). Needs folium (``pip install safespaces[app]``). Options
        are those of :func:`safespaces.explore.explore` (``tooltip``, ``basemap`` ...).

        Examples
        --------
        See :func:`analyse`.
        """
        from safespaces.explore import explore

        frame = self[layer]
        if not isinstance(frame, gpd.GeoDataFrame):
            raise InputError(
                f"'{layer}' is a table without geometry",
                fix="map a layer with geometry (street_segments, areas, lamps ...)",
            )
        return explore(frame, layer, column, **kwargs)


def analyse(
    study: Study,
    families: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
) -> Results:
    """Run the analysis families on a study, then the composite safe-space score.

    The same stages as ``safespaces run`` (lighting, eyes on the street, social mix,
    incidents, score), in memory.

    Parameters
    ----------
    study
        From :func:`load`.
    families
        Some of ``"lighting"``, ``"eyes"``, ``"mix"``, ``"incidents"``; default every
        family the study's inputs allow (mix needs tenure data, incidents need
        incident points). The score weighs the families run
        (``results.summary["score"]`` names the others).
    progress
        Receives progress lines (e.g. ``print``).

    Returns
    -------
    Results

    Raises
    ------
    InputError
        An unknown family, or one whose input the study lacks.

    Examples
    --------
    Lighting and eyes on the street of the embedded default (a few seconds; the mix
    and incident families take longer):

    >>> import safespaces
    >>> results = safespaces.analyse(safespaces.load(), ["lighting", "eyes"])
    >>> segments = results.layers["street_segments"]
    >>> all(c in segments for c in ("light_class", "eyes_night", "safe_space_score"))
    True
    >>> results.summary["score"]["families"]
    ['light', 'eyes']

    Write the GeoPackage the CLI writes, and map a layer offline:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> results.to_gpkg(folder / "helsinki.gpkg").name
    'helsinki.gpkg'
    >>> m = results.explore("street_segments", "eyes_night")
    >>> type(m).__name__
    'Map'
    """
    timings: dict[str, float] = {}
    analysis = analyse_stages(study, None, families=families, progress=progress, timings=timings)
    metadata = run_metadata(study, timings, {"summary": analysis.summary, **analysis.metadata})
    return Results(study, analysis.layers, analysis.summary, metadata, analysis.results)


__all__ = ["FAMILIES", "LoadOptions", "Results", "analyse", "load"]
