"""The study: every input of a run, read, validated and in one metric CRS.

:func:`load_study` reads the files an :class:`Inputs` names into one
:class:`Study`. With an OpenStreetMap extract (or none: the embedded Helsinki
default) the study has a street network and its extent is the extract's.
The ``mix`` and ``incidents`` subcommands can also load a study from areas
alone (``areas_only``): no street network, the metric CRS chosen from the
areas (:func:`safespaces.crs.layer_crs`).

Loading also settles what the study's place decides (:func:`resolved_config`):
the study's name (``general.name = "auto"``: the OSM file's name), its time zone
(``general.timezone = "auto"``: the zone at its centre) and the metric CRS; the
:class:`Study` keeps the configuration with those filled in, and every stage
reads ``study.config``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from safespaces.config import Config, check_crs_area
from safespaces.crs import Location, layer_crs, locate
from safespaces.errors import InputError
from safespaces.lighting.raster import check_raster_size, lighting_raster_bounds
from safespaces.network import split_long_segments
from safespaces.population import calibrated_residents, estimate_residents, sum_by_area
from safespaces.sections import name_from_file
from safespaces.sources.areas import fit_to_study, network_grid, read_areas
from safespaces.sources.columns import ColumnRule, own_columns
from safespaces.sources.incidents import IncidentLoad, read_incidents
from safespaces.sources.lamps import read_lamp_register
from safespaces.sources.osm import OsmData, load_osm, no_water
from safespaces.sources.tenure import read_tenure
from safespaces.synthetic import DEFAULT_OSM, INCIDENT_FILE, TENURE_FILE
from safespaces.timing import Progress, timed

#: An input file's path, or a frame given in code (see :class:`Inputs`).
Source = Path | pd.DataFrame

#: The inputs that may be given as frames.
FRAME_INPUTS = ("lamps", "tenure", "incidents", "areas")
#: The inputs that are files (or frames): every field of :class:`Inputs` but the two texts.
FILE_INPUTS = ("osm", *FRAME_INPUTS, "population")


@dataclasses.dataclass(frozen=True)
class Inputs:
    """A run's inputs; ``None`` means not given.

    Each is a file's path (a ``str`` is taken as one), and ``lamps``, ``tenure``,
    ``incidents`` and ``areas`` may also be frames given in code: a GeoDataFrame in
    any CRS, or (not ``areas``) a DataFrame with ``lon``/``lat`` columns. A frame goes
    through the same checks as a file (:func:`load_study`) and is never changed.
    With no ``osm`` the embedded Helsinki default is used, together with its
    SYNTHETIC tenure and incident layers (unless those are given).

    Two inputs are equal when their paths are equal and their frames are the same
    objects (frames are compared by identity, not by value).

    Examples
    --------
    >>> import pandas as pd
    >>> register = pd.DataFrame({"lon": [24.94], "lat": [60.17]})
    >>> inputs = Inputs(lamps=register, tenure="tenure.csv")
    >>> inputs.tenure
    PosixPath('tenure.csv')
    >>> inputs.lamps is register, inputs.is_default
    (True, True)
    """

    osm: Path | None = None
    lamps: Source | None = None
    tenure: Source | None = None
    incidents: Source | None = None
    areas: Source | None = None
    crs: str | None = None
    population: Path | None = None
    population_column: str | None = None

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in ("crs", "population_column") or value is None:
                continue
            if isinstance(value, pd.DataFrame) and field.name in FRAME_INPUTS:
                continue
            if isinstance(value, str | os.PathLike):
                object.__setattr__(self, field.name, Path(value))
                continue
            kinds = "a path or a (Geo)DataFrame" if field.name in FRAME_INPUTS else "a path"
            raise InputError(
                f"input '{field.name}' is of type {type(value).__name__}",
                fix=f"give {kinds}",
            )

    def _key(self) -> tuple[object, ...]:
        return tuple(
            ("frame", id(v)) if isinstance(v, pd.DataFrame) else v
            for v in (getattr(self, f.name) for f in dataclasses.fields(self))
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inputs):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def is_default(self) -> bool:
        """True when the run uses the embedded Helsinki default."""
        return self.osm is None

    def resolved(self) -> Inputs:
        """Fill in the embedded default's files where the default applies."""
        if not self.is_default:
            return self
        return dataclasses.replace(
            self,
            osm=DEFAULT_OSM,
            tenure=TENURE_FILE if self.tenure is None else self.tenure,
            incidents=INCIDENT_FILE if self.incidents is None else self.incidents,
        )

    def files(self) -> dict[str, Path]:
        """The inputs given as files, by name."""
        return {
            f.name: value
            for f in dataclasses.fields(self)
            if isinstance(value := getattr(self, f.name), Path)
        }

    def frames(self) -> dict[str, pd.DataFrame]:
        """The inputs given as frames, by name."""
        return {
            f.name: value
            for f in dataclasses.fields(self)
            if isinstance(value := getattr(self, f.name), pd.DataFrame)
        }


@dataclasses.dataclass
class Study:
    """Every input of a run, validated and in one metric CRS.

    Attributes
    ----------
    osm
        Layers read from OSM (segments split for analysis); every layer empty in a
        study read from areas alone (:attr:`has_streets`).
    areas
        Areas with ``residents_est``.
    tenure
        Tenure features as read (buildings or areas), or None.
    incidents
        Incident points and drop counts, or None. Never exported raw by default.
    synthetic
        Names of the inputs that are SYNTHETIC demo data.
    notes
        What the loaders changed, per input: the user's columns renamed to keep
        them apart from ours (``renamed_columns``, old -> new), register lamps
        left out far outside the study area (``outside_study_area``).
    warnings
        Warnings for the user (what was left out of the study, clipped or read
        through a repaired copy); shown in the summary and stored in ``run_metadata``.
    extent
        The study extent's record (``run_metadata["study_extent"]``).
    location
        Where the study lies and the time zone and CRS that decided
        (``run_metadata["location"]``); None for a study built in code.

    Examples
    --------
    A study comes from :func:`safespaces.load` (or :func:`load_study`); its layers
    share one metric CRS:

    >>> import dataclasses
    >>> [field.name for field in dataclasses.fields(Study)][:6]
    ['config', 'inputs', 'osm', 'areas', 'tenure', 'incidents']
    """

    config: Config
    inputs: Inputs
    osm: OsmData
    areas: gpd.GeoDataFrame
    tenure: gpd.GeoDataFrame | None
    incidents: IncidentLoad | None
    synthetic: list[str]
    notes: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    extent: dict[str, Any] = dataclasses.field(default_factory=dict)
    location: Location | None = None

    @property
    def crs(self) -> CRS:
        """The metric CRS of every layer."""
        return self.osm.crs

    @property
    def has_streets(self) -> bool:
        """Whether the study has a street network (False: read from areas alone)."""
        return self.inputs.osm is not None


def sha256(path: Path) -> str:
    """Checksum of an input file (recorded in ``run_metadata``)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def frame_record(frame: pd.DataFrame) -> dict[str, Any]:
    """How ``run_metadata`` records an input given as a frame: its type, rows, CRS and a
    checksum of its content (``pandas.util.hash_pandas_object`` of the rows, geometry as
    WKB), so that two runs on the same data can be told apart from runs on other data."""
    data = pd.DataFrame(frame).copy()
    for column in data.columns:
        if isinstance(data[column].dtype, gpd.array.GeometryDtype):
            data[column] = gpd.GeoSeries(data[column]).to_wkb()
    try:
        rows = pd.util.hash_pandas_object(data, index=True).to_numpy()
        digest = hashlib.sha256(rows.tobytes()).hexdigest()
    except TypeError:  # cells pandas cannot hash (lists, dicts)
        digest = hashlib.sha256(data.to_csv().encode()).hexdigest()
    record: dict[str, Any] = {"frame": type(frame).__name__, "rows": len(frame)}
    crs = getattr(frame, "crs", None)
    if crs is not None:
        record["crs"] = crs.to_string()
    return {**record, "sha256": digest}


def study_name(config: Config, inputs: Inputs) -> str:
    """The study's name: ``general.name``, or from the input file when it is ``"auto"``.

    ``"auto"`` takes the OSM file's name without its extensions
    (:func:`~safespaces.sections.name_from_file`; the areas file's for a study read
    from areas alone, ``study`` for areas given as a frame); the embedded default is
    ``helsinki``.
    """
    if config.general.name != "auto":
        return config.general.name
    path = inputs.osm if inputs.osm is not None else inputs.areas
    if path is None or (isinstance(path, Path) and path.resolve() == DEFAULT_OSM.resolve()):
        return "helsinki"
    if not isinstance(path, Path):  # areas given as a frame
        return "study"
    return name_from_file(path)


def resolved_config(config: Config, inputs: Inputs, location: Location) -> Config:
    """``config`` with the study's name and time zone in place of ``"auto"``.

    ``general.crs`` keeps its setting (the CRS chosen is :attr:`Study.crs` and
    ``location.crs``), so that ``run_metadata["config"]`` records what was asked.
    """
    general = dataclasses.replace(
        config.general, name=study_name(config, inputs), timezone=location.timezone
    )
    return config.replace(general=general)


def place_study(
    config: Config, inputs: Inputs, box: tuple[float, float, float, float], crs: CRS
) -> tuple[Config, Location]:
    """The resolved configuration and the :class:`~safespaces.crs.Location` of a study
    whose lon/lat bounds are ``box`` and whose metric CRS is ``crs``."""
    lon = ((box[0] + box[2]) / 2 + 180.0) % 360.0 - 180.0
    lat = (box[1] + box[3]) / 2
    location = locate(
        lon, lat, timezone=config.general.timezone, crs=crs, crs_setting=config.general.crs
    )
    return resolved_config(config, inputs, location), location


def lonlat_bounds(osm: OsmData) -> tuple[float, float, float, float]:
    """The study area's bounding box in lon/lat."""
    box = gpd.GeoSeries([osm.study_area], crs=osm.crs).to_crs("EPSG:4326")
    x0, y0, x1, y1 = box.total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def load_study(
    inputs: Inputs,
    config: Config,
    *,
    areas_only: bool = False,
    counts: Sequence[str] = (),
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Study:
    """Read and validate every input of a run.

    The study extent is the OSM data's (see :func:`safespaces.sources.osm.load_osm`);
    areas reaching far beyond it are clipped to it (:func:`~safespaces.sources.areas.
    fit_to_study`). Before any analysis, the segment count, the illuminance raster and
    the default grid are checked against their caps (docs/reliability.md, "Limits (OSM
    and extent)"). What was left out or clipped is reported through ``progress`` as
    ``warning: ...`` and kept in :attr:`Study.warnings` and :attr:`Study.extent`.

    With ``areas_only`` and no OSM extract in ``inputs``, no street network is read
    (nor the embedded default used): see :func:`load_areas_study`.

    Parameters
    ----------
    inputs
        The input files.
    config
        The settings (checked first).
    areas_only
        Without ``inputs.osm``, load the areas (and tenure, incidents) alone.
    counts
        Count columns of the areas file read with their meaning (``safespaces mix
        --groups``): they keep their names (:func:`~safespaces.sources.areas.read_areas`).
    progress
        Receives progress lines, or None.
    timings
        Seconds per reading stage are added here.

    Raises
    ------
    InputError
        Any input that cannot be read, or a study beyond a cap; the message names the
        file and the fix.
    ConfigError
        A setting outside its range (:meth:`Config.validate`).
    """
    timings = {} if timings is None else timings
    config.validate()  # a configuration built in code is checked too, before any reading
    if areas_only and inputs.osm is None:
        return load_areas_study(inputs, config, counts=counts, progress=progress, timings=timings)
    inputs = inputs.resolved()
    assert inputs.osm is not None
    synthetic: list[str] = []
    notes: dict[str, dict[str, Any]] = {}
    with timed("read OSM", progress, timings):
        crs = config.general.crs
        osm = load_osm(inputs.osm, crs=crs)
        osm.segments = split_long_segments(
            osm.segments, config.network.max_segment_m, path=inputs.osm
        )
        check_raster_size(
            lighting_raster_bounds(osm.segments, config.lighting.raster_margin_m),
            config.lighting.raster_cell_m,
            path=inputs.osm,
        )
        osm.buildings["residents_est"] = estimate_residents(osm.buildings, config.residents)
    warnings, extent = list(osm.notes), dict(osm.extent)
    if inputs.population is not None:
        with timed("read population", progress, timings):
            osm.buildings["residents_est"], notes["population"] = calibrated_residents(
                inputs.population, osm, column=inputs.population_column, crs=inputs.crs
            )
        warnings += notes["population"].get("warnings", [])
    for note in warnings:
        if progress:
            progress(f"warning: {note}")
    box = lonlat_bounds(osm)
    check_crs_area(config, box)
    config, location = place_study(config, inputs, box, osm.crs)
    if inputs.lamps is not None:
        with timed("read lamp register", progress, timings):
            register = read_lamp_register(
                inputs.lamps,
                columns=config.sources.lamp_columns,
                crs=inputs.crs,
                expected_lonlat=box,
            ).to_crs(osm.crs)
            # a column the OSM lamps have, spelt otherwise in the register, takes their spelling
            register = own_columns(register, ColumnRule(shared=tuple(map(str, osm.lamps.columns))))
            notes["lamps"] = input_notes(register)
            # lamp_id stays our integer id, unique over OSM and register lamps; the
            # register's own id is kept in lamp_ref (text).
            osm.lamps = pd.concat([osm.lamps, register], ignore_index=True)
            osm.lamps["lamp_id"] = range(len(osm.lamps))
    with timed("areas", progress, timings):
        if inputs.areas is not None:
            areas = read_areas(
                inputs.areas,
                crs=inputs.crs,
                counts=counts,
                name_column=config.sources.area_name_column or None,
            ).to_crs(osm.crs)
            notes["areas"] = input_notes(areas)
            if not areas.intersects(osm.study_area).any():
                raise InputError(
                    "no area overlaps the OpenStreetMap extract",
                    path=inputs.areas if isinstance(inputs.areas, Path) else "<areas frame>",
                    fix="give areas inside the extract, or an extract that covers them "
                    "(check both files' CRS)",
                )
            areas, fitted = fit_to_study(areas, osm.bounds)
            if fitted:
                extent["areas"] = fitted
                warnings.append(fitted["note"])
                if progress:
                    progress(f"warning: {fitted['note']}")
        else:
            areas = network_grid(
                osm.bounds,
                osm.crs,
                (osm.segments, osm.buildings),
                size_m=config.sources.grid_size_m,
                places=osm.places,
                path=inputs.osm,
            )
        areas["residents_est"] = sum_by_area(areas, osm.buildings, ["residents_est"])[
            "residents_est"
        ]
    tenure, incidents = read_layers(
        inputs, config, osm.crs, box, notes, synthetic, progress, timings
    )
    notes = {name: note for name, note in notes.items() if note}
    return Study(
        config, inputs, osm, areas, tenure, incidents, synthetic, notes, warnings, extent, location
    )


def load_areas_study(
    inputs: Inputs,
    config: Config,
    *,
    counts: Sequence[str] = (),
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Study:
    """Read a study from its areas alone: no street network, no embedded default.

    The metric CRS is ``general.crs``, or chosen from the areas' centre
    (:func:`safespaces.crs.layer_crs`); tenure and incidents are read as by
    :func:`load_study` (without the check against the OSM extent). The study's
    :attr:`Study.osm` has no features; its bounds are the areas'.

    Raises
    ------
    InputError
        No areas file, or any input that cannot be read.
    SettingError
        A chosen ``general.crs`` far from the areas (:func:`~safespaces.config.check_crs_area`).
    """
    timings = {} if timings is None else timings
    if inputs.areas is None:
        raise InputError(
            "no areas and no street network", fix="pass --areas F (polygons) or --osm F"
        )
    notes: dict[str, dict[str, Any]] = {}
    synthetic: list[str] = []
    with timed("areas", progress, timings):
        areas = read_areas(
            inputs.areas,
            crs=inputs.crs,
            counts=counts,
            name_column=config.sources.area_name_column or None,
        )
        x0, y0, x1, y1 = (float(v) for v in areas.to_crs(4326).total_bounds)
        check_crs_area(config, (x0, y0, x1, y1))
        crs = layer_crs(areas, config.general.crs)
        areas = areas.to_crs(crs)
        notes["areas"] = input_notes(areas)
        config, location = place_study(config, inputs, (x0, y0, x1, y1), crs)
    minx, miny, maxx, maxy = (float(v) for v in areas.total_bounds)
    osm = no_streets(crs, (minx, miny, maxx, maxy))
    tenure, incidents = read_layers(inputs, config, crs, None, notes, synthetic, progress, timings)
    notes = {name: note for name, note in notes.items() if note}
    return Study(config, inputs, osm, areas, tenure, incidents, synthetic, notes, location=location)


def no_streets(crs: CRS, bounds: tuple[float, float, float, float]) -> OsmData:
    """The OSM part of a study read without an extract: every layer empty, in ``crs``."""

    def empty() -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs))

    return OsmData(
        segments=empty(),
        buildings=empty(),
        pois=empty(),
        entrances=empty(),
        lamps=empty(),
        public_spaces=empty(),
        cameras=empty(),
        places=empty(),
        crs=crs,
        bounds=bounds,
        water=no_water(crs),
    )


def read_layers(
    inputs: Inputs,
    config: Config,
    crs: CRS,
    box: tuple[float, float, float, float] | None,
    notes: dict[str, dict[str, Any]],
    synthetic: list[str],
    progress: Progress | None,
    timings: dict[str, float],
) -> tuple[gpd.GeoDataFrame | None, IncidentLoad | None]:
    """Read the tenure and incident files ``inputs`` names into ``crs``.

    ``box`` is the study's lon/lat box (rows far outside it are left out) or None.
    What the loaders changed is added to ``notes``, SYNTHETIC inputs to ``synthetic``.
    """
    tenure = None
    if inputs.tenure is not None:
        with timed("read tenure", progress, timings):
            tenure = read_tenure(
                inputs.tenure,
                categories=config.sources.tenure_categories,
                codes=config.sources.tenure_codes,
                crs=inputs.crs,
                expected_lonlat=box,
            ).to_crs(crs)
            notes["tenure"] = input_notes(tenure)
            if is_synthetic(inputs.tenure, TENURE_FILE, tenure):
                synthetic.append("tenure")
    incidents = None
    if inputs.incidents is not None:
        with timed("read incidents", progress, timings):
            incidents = read_incidents(
                inputs.incidents,
                time_column=config.sources.incident_time_column or None,
                category_column=config.sources.incident_category_column or None,
                timezone=config.general.timezone,
                crs=inputs.crs,
                expected_lonlat=box,
                drop_invalid=True,
            )
            notes["incidents"] = input_notes(incidents.points)
            incidents.points = incidents.points.to_crs(crs)
            if is_synthetic(inputs.incidents, INCIDENT_FILE, incidents.points):
                synthetic.append("incidents")
    return tenure, incidents


def is_synthetic(path: Source, demo: Path, frame: pd.DataFrame) -> bool:
    """Whether an input is SYNTHETIC demo data: the embedded file ``demo`` itself, or
    rows that say so (a ``synthetic`` column with a true value, as the demo files have)."""
    if isinstance(path, Path) and path.resolve() == demo.resolve():
        return True
    if "synthetic" not in frame.columns:
        return False
    return bool(frame["synthetic"].astype("string").str.lower().eq("true").any())


def input_notes(frame: pd.DataFrame) -> dict[str, Any]:
    """What a loader recorded in ``frame.attrs`` for the run's summary and metadata."""
    keys = ("renamed_columns", "outside_study_area")
    return {key: frame.attrs[key] for key in keys if frame.attrs.get(key)}


def notes_summary(notes: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Summary lines of :attr:`Study.notes` (one per input that has any)."""
    lines: dict[str, str] = {}
    for name, note in notes.items():
        parts = []
        renamed = note.get("renamed_columns")
        if renamed:
            parts.append(
                "columns renamed " + ", ".join(f"{old} -> {new}" for old, new in renamed.items())
            )
        outside = note.get("outside_study_area")
        if outside:
            parts.append(
                f"{outside['count']} left out more than {outside['margin_m'] / 1000:g} km "
                f"outside the study area (first: row {outside['first_row']})"
            )
        if parts:
            lines[f"{name} input"] = "; ".join(parts)
    return lines
