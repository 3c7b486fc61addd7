"""The whole lighting analysis in one call: :func:`analyse_lighting`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.darkness import darkness_hours, darkness_of_year, study_latlon
from safespaces.lighting.illuminance import (
    CLASS_ORDER,
    CONFLICT_NONE,
    CONFLICT_YES_NO_LAMPS,
    LIT_NOT_MAPPED,
    SEGMENT_INPUTS,
    light_class,
    sample_segments,
    segment_coverage,
    segment_lighting_from_samples,
    station_illuminance,
)
from safespaces.lighting.lamps import check_same_crs, lamp_model
from safespaces.lighting.params import LightingParams, validate
from safespaces.lighting.spaces import (
    _dark_paths,
    _space_lighting,
    merge_dark_paths,
    samples_in_spaces,
)
from safespaces.lighting.vocabulary import CLASS_COLUMN, COVERAGE_COLUMN, NO_LAMP_DATA
from safespaces.sources.frames import empty_points, lamp_points, street_segments

#: Largest sample spacing and raster cell the issue allows (metres).


@dataclasses.dataclass(frozen=True)
class LightingResult:
    """Everything :func:`analyse_lighting` computes.

    Attributes
    ----------
    segments
        Input segments plus the columns of :func:`segment_lighting`.
    lamps
        Lamps kept after the register replaced OSM lamps, with the model columns.
    public_spaces
        Input spaces plus the columns of :func:`public_space_lighting`.
    dark_paths
        Dark stretches inside parks and squares (:func:`dark_paths`).
    darkness
        Daily sunrise, sunset, civil twilight and hours of darkness.
    class_shares
        Walking length and its share per ``light_class``.
    conflicts
        Segment count and length per ``light_tag_conflict``.
    params
        The settings the result was computed with (the lamp-data coverage of
        :meth:`assemble` reads them).

    Examples
    --------
    See :func:`analyse_lighting`, which returns one:

    >>> import geopandas as gpd, shapely
    >>> path = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (40, 0)])],
    ...                         crs="EPSG:3067")
    >>> result = analyse_lighting(path, None)
    >>> result.segments["light_class"].tolist(), list(result.summary())[:2]
    (['no lamp data'], ['light_class_share_of_walking_length', 'light_class_length_km'])
    """

    segments: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    public_spaces: gpd.GeoDataFrame
    dark_paths: gpd.GeoDataFrame
    darkness: pd.DataFrame
    class_shares: pd.DataFrame
    conflicts: pd.DataFrame
    params: LightingParams = dataclasses.field(default_factory=LightingParams)

    @classmethod
    def assemble(
        cls,
        segments: gpd.GeoDataFrame,
        lamps: gpd.GeoDataFrame,
        public_spaces: gpd.GeoDataFrame,
        dark_paths: gpd.GeoDataFrame,
        darkness: pd.DataFrame,
        params: LightingParams | None = None,
    ) -> LightingResult:
        """The result of lit segments, lamps, spaces and dark paths; the study-wide
        tables (class shares, tag conflicts) derived from ``segments``."""
        params = LightingParams() if params is None else params
        return cls(
            segments=segments,
            lamps=lamps,
            public_spaces=public_spaces,
            dark_paths=dark_paths,
            darkness=darkness,
            class_shares=class_shares(segments),
            conflicts=conflict_counts(segments),
            params=params,
        )

    @classmethod
    def merge(
        cls, parts: Sequence[LightingResult], segments: gpd.GeoDataFrame, spacing: float
    ) -> LightingResult:
        """The whole study's result from the results of its partitions.

        Each part holds the core rows of one partition (every segment, lamp and
        public space in exactly one part; a part's dark paths lie on its own
        segments) and the study's darkness table. Rows are put back in the
        study's order (their index), the dark paths ranked as one list
        (:func:`safespaces.lighting.spaces.merge_dark_paths`), and the study-wide
        tables derived again.

        Parameters
        ----------
        parts
            The partitions' results (at least one).
        segments
            The study's segments (with ``segment_id``), to order the dark paths.
        spacing
            ``lighting.sample_spacing_m``.
        """
        if not parts:
            raise ValueError("no partition results to merge")
        lamps = pd.concat([p.lamps for p in parts]).sort_index()
        params = parts[0].params
        # the lamp-data coverage is study-wide: set again from all segments (:func:`covered`)
        segments = covered(
            pd.concat([p.segments for p in parts]).sort_index(), len(lamps) > 0, params
        )
        return cls.assemble(
            segments,
            lamps,
            pd.concat([p.public_spaces for p in parts]).sort_index(),
            merge_dark_paths([p.dark_paths for p in parts], segments, spacing),
            parts[0].darkness,
            params,
        )

    def core(
        self,
        segments: np.ndarray,
        lamps: np.ndarray,
        public_spaces: np.ndarray,
        *,
        lit_segments: gpd.GeoDataFrame | None = None,
    ) -> LightingResult:
        """The rows a partition owns (boolean masks aligned to each layer).

        Dark paths are kept on the owned segments. ``lit_segments`` replaces the
        owned segments (e.g. the same rows with the eyes columns added, so that
        they travel once).
        """
        seg = self.segments[segments] if lit_segments is None else lit_segments
        owned = self.segments["segment_id"].to_numpy()[segments]
        dark = self.dark_paths[self.dark_paths["segment_id"].isin(owned)]
        return dataclasses.replace(
            self,
            segments=seg,
            lamps=self.lamps[lamps],
            public_spaces=self.public_spaces[public_spaces],
            dark_paths=dark,
        )

    def summary(self) -> dict[str, Any]:
        """Class shares, conflicts, lamp sources and distributions, and the maintenance
        factor the lux values include, as plain JSON data."""
        shares = self.class_shares
        conflicts = self.conflicts
        spaces = self.public_spaces.dropna(subset=["light_path_length_m"])
        return {
            "light_class_share_of_walking_length": {
                str(k): round(float(v), 4)
                for k, v in zip(shares["light_class"], shares["share"], strict=True)
            },
            "light_class_length_km": {
                str(k): round(float(v) / 1000, 3)
                for k, v in zip(shares["light_class"], shares["length_m"], strict=True)
            },
            "light_tag_conflicts_segments": {
                str(k): int(v)
                for k, v in zip(conflicts["light_tag_conflict"], conflicts["segments"], strict=True)
            },
            "lamps_by_source_of_values": {
                str(k): int(v)
                for k, v in self.lamps["light_source_of_values"].value_counts().items()
            },
            "lamps_by_distribution": (
                {
                    Path(str(k)).name: int(v)
                    for k, v in self.lamps["light_distribution"].value_counts().items()
                }
                if "light_distribution" in self.lamps.columns
                else {}
            ),
            "maintenance_factor": float(self.params.maintenance_factor),
            "public_spaces_path_km": round(float(spaces["light_path_length_m"].sum()) / 1000, 3),
            "public_spaces_dark_path_km": round(
                float(spaces["light_dark_path_length_m"].sum()) / 1000, 3
            ),
            "no_lamp_data_share_of_walking_length": round(self.no_lamp_data_share(), 4),
            "dark_paths": len(self.dark_paths),
            "darkness_h_min_max": [
                round(float(self.darkness["darkness_h"].min()), 2),
                round(float(self.darkness["darkness_h"].max()), 2),
            ],
        }

    def no_lamp_data_share(self) -> float:
        """Share of walking length in class ``no lamp data`` (0 for no walking length)."""
        cs = self.class_shares
        shares = dict(zip(cs["light_class"], cs["share"], strict=True))
        value = float(shares.get(NO_LAMP_DATA, 0.0))
        return 0.0 if np.isnan(value) else value

    def metadata(self) -> dict[str, Any]:
        """``lighting_summary`` for ``run_metadata``."""
        return {"lighting_summary": self.summary()}

    def layers(self) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
        """Output layers by name (for ``safespaces.io.write_layers``).

        ``street_segments``, ``lamps`` and ``public_spaces`` are the input layers
        with the lighting columns; ``dark_paths`` is new; ``light_darkness``,
        ``light_class_shares`` and ``light_tag_conflicts`` are attribute tables.
        """
        return {
            "street_segments": self.segments,
            "lamps": self.lamps,
            "public_spaces": self.public_spaces,
            "dark_paths": self.dark_paths,
            "light_darkness": self.darkness_table(),
            "light_class_shares": self.class_shares,
            "light_tag_conflicts": self.conflicts,
        }

    def darkness_table(self) -> pd.DataFrame:
        """The darkness table with ISO-8601 text times (GeoPackage-safe)."""
        out = self.darkness.copy()
        out["date"] = out["date"].astype(str)
        for col in ("sunrise", "sunset", "civil_dawn", "civil_dusk"):
            out[col] = out[col].map(lambda t: None if pd.isna(t) else t.isoformat())
        return out

    def summary_markdown(self) -> str:
        """Markdown tables of the class shares and tag conflicts (for the README)."""
        lines = ["| light class | walking length (km) | share |", "| --- | ---: | ---: |"]
        cs = self.class_shares
        for label, length, share in zip(
            cs["light_class"],
            cs["length_m"].to_numpy(float),
            cs["share"].to_numpy(float),
            strict=True,
        ):
            lines.append(f"| {label} | {length / 1000:.2f} | {share:.1%} |")
        lines += ["", "| lit tag conflict | segments | length (km) |", "| --- | ---: | ---: |"]
        cf = self.conflicts
        for code, count, length in zip(
            cf["light_tag_conflict"], cf["segments"], cf["length_m"].to_numpy(float), strict=True
        ):
            lines.append(f"| {code} | {count} | {length / 1000:.2f} |")
        return "\n".join(lines) + "\n"


def covered(segments: gpd.GeoDataFrame, any_lamp: bool, params: LightingParams) -> gpd.GeoDataFrame:
    """``segments`` with ``light_class`` and ``light_lamp_coverage`` set from all of them.

    The class before coverage is derived again from the lux columns and the tag
    conflict (:func:`~safespaces.lighting.illuminance.light_class`, ``lit, lamps
    not mapped``), then :func:`~safespaces.lighting.coverage.apply_coverage`.
    Segments without the lighting columns are returned unchanged.
    """
    needed = {"light_lux_avg", "light_lux_min", "light_tag_conflict", CLASS_COLUMN}
    if not needed <= set(segments.columns):
        return segments
    avg = segments["light_lux_avg"].to_numpy(dtype=float)
    base = light_class(avg, segments["light_lux_min"].to_numpy(dtype=float))
    not_mapped = segments["light_tag_conflict"].to_numpy(dtype=object) == CONFLICT_YES_NO_LAMPS
    base[not_mapped] = LIT_NOT_MAPPED
    lit = (
        segments["lit_tag"]
        if "lit_tag" in segments.columns
        else pd.Series([None] * len(segments), index=segments.index, dtype=object)
    )
    classes, coverage = segment_coverage(segments, avg, base, lit, any_lamp, params)
    out = segments.copy()
    out[CLASS_COLUMN] = pd.Series(classes, dtype=object).to_numpy()  # same dtype as a local run
    out[COVERAGE_COLUMN] = coverage
    return out


def class_shares(segments: gpd.GeoDataFrame) -> pd.DataFrame:
    """Walking length and its share in each ``light_class`` (every class listed)."""
    length = segments.geometry.length.to_numpy()
    cls = segments["light_class"].astype(object).to_numpy()
    total = float(length.sum())
    rows = []
    for label in CLASS_ORDER:
        m = float(length[cls == label].sum())
        rows.append((label, m, m / total if total > 0 else np.nan))
    return pd.DataFrame(rows, columns=["light_class", "length_m", "share"])


def conflict_counts(segments: gpd.GeoDataFrame) -> pd.DataFrame:
    """Segment count and length per ``light_tag_conflict`` code."""
    length = segments.geometry.length
    g = pd.DataFrame(
        {"light_tag_conflict": segments["light_tag_conflict"].astype(object), "len": length}
    )
    codes = [CONFLICT_NONE, "lit_no_but_lamps", "lit_yes_no_lamps", "lit_unknown"]
    agg = g.groupby("light_tag_conflict")["len"].agg(["size", "sum"])
    agg = agg.reindex(codes, fill_value=0)
    return pd.DataFrame(
        {
            "light_tag_conflict": codes,
            "segments": agg["size"].to_numpy(dtype=int),
            "length_m": agg["sum"].to_numpy(dtype=float),
        }
    )


def validate_params(params: LightingParams) -> None:
    """Raise :class:`~safespaces.errors.SettingError` for settings outside their range.

    The rules are :data:`safespaces.lighting.params.RULES`.
    """
    validate(params)


def analyse_lighting(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame | None,
    public_spaces: gpd.GeoDataFrame | None = None,
    params: LightingParams | None = None,
    *,
    timezone: str = "Europe/Helsinki",
    darkness: pd.DataFrame | None = None,
    register_cover: shapely.Geometry | None = None,
) -> LightingResult:
    """Run the lighting analysis: lamp model, segments, public spaces, darkness.

    Parameters
    ----------
    segments
        Walking segments (LineStrings) in a metric CRS. ``segment_id``, ``highway``
        and ``lit_tag`` (raw OSM ``lit``) are read where present; a plain frame
        (osmnx's or pyrosm's edges, geometry alone) gets them derived
        (:func:`safespaces.sources.frames.street_segments`: ``lit_tag`` from ``lit``).
    lamps
        Lamps (OSM and register) in the same CRS, or None (no lamp mapped). OSM
        tag columns (``light:height`` ...) are read as the loader reads them
        (:func:`safespaces.sources.frames.lamp_points`).
    public_spaces
        Parks, squares and pedestrian areas (``space_id``, ``kind``, ``name``), or
        ``None``.
    params
        Lighting settings (default: :class:`LightingParams`).
    timezone
        IANA zone of the darkness table's clock times (without ``darkness``).
    darkness
        The study's darkness table (:func:`safespaces.darkness.study_darkness`);
        its rows of ``params.darkness_year`` are published. None computes them
        at the centre of ``segments``.
    register_cover
        The whole study's lamp-register coverage
        (:func:`safespaces.lighting.lamps.register_coverage`), inside which OSM
        lamps give way to the register's. None: from ``lamps`` (a spatial
        partition passes the study's, since the hull of its own register lamps
        is smaller).

    Returns
    -------
    LightingResult

    Raises
    ------
    CRSError
        A layer in degrees or without a CRS, or layers in different CRSs.

    Examples
    --------
    Two 50 m paths, one lamp (a lamp without height or intensity gets the
    defaults of its context, see :func:`lamp_model`):

    >>> import geopandas as gpd, shapely
    >>> paths = gpd.GeoDataFrame(
    ...     {"lit": ["yes", None]},
    ...     geometry=[shapely.LineString([(0, 0), (50, 0)]),
    ...               shapely.LineString([(50, 0), (50, 50)])],
    ...     crs="EPSG:3067",
    ... )
    >>> lamps = gpd.GeoDataFrame(geometry=[shapely.Point(25, 3)], crs="EPSG:3067")
    >>> result = analyse_lighting(paths, lamps)
    >>> result.segments["light_class"].tolist()
    ['below P6', 'below P6']
    >>> result.segments["light_lux_avg"].round(2).tolist()
    [4.07, 0.12]

    The lit way averages 4 lx but misses P6 (E_min 0.4 lx): at its far kerb, 25 m from
    the lamp, the maintained minimum on the EN 13201-3 grid is lower.
    >>> sorted(result.layers())[:3]
    ['dark_paths', 'lamps', 'light_class_shares']
    """
    params = LightingParams() if params is None else params
    validate_params(params)
    segments = street_segments(segments, need=SEGMENT_INPUTS)
    lamps = empty_points(segments.crs) if lamps is None else lamp_points(lamps)
    check_same_crs(segments, lamps, public_spaces)
    if public_spaces is None:
        public_spaces = gpd.GeoDataFrame(
            {"space_id": [], "kind": [], "name": []},
            geometry=gpd.GeoSeries([], crs=segments.crs),
            crs=segments.crs,
        )
    modelled = lamp_model(lamps, segments, public_spaces, params, register_cover=register_cover)
    samples = sample_segments(segments, params)
    station = station_illuminance(samples, segments, modelled, params)
    seg_light = segment_lighting_from_samples(segments, modelled, samples, station, params)
    lux = station.mean
    seg_out = segments.copy()
    for col in seg_light.columns:
        seg_out[col] = seg_light[col]
    inside = samples_in_spaces(samples, segments, public_spaces, params)
    spaces = _space_lighting(public_spaces, segments, seg_light, samples, lux, params, inside)
    dark = _dark_paths(public_spaces, segments, seg_light, samples, lux, params, inside)
    if darkness is None:
        lat, lon = study_latlon(segments)
        darkness = darkness_hours(lat, lon, params.darkness_year, timezone=timezone)
    else:
        darkness = darkness_of_year(darkness, params.darkness_year)
    return LightingResult.assemble(seg_out, modelled, spaces, dark, darkness, params)
