"""The view in the URL: hour, layers, weights, district, language, map centre and zoom.

A view is kept in the session (:data:`VIEW_KEY`) and written to the page's query string
(``st.query_params``) on every run, so that

- a reload restores it (the first run of a session reads the URL: :func:`sync`),
- a copied link opens the same view for a colleague (on the same server), and
- changing page keeps it (the pages' widgets are seeded from the session's view: Streamlit
  forgets a widget's value when a page without that widget runs, and drops the query
  string when the user follows a page link).

The page itself is the URL's path (``/districts``: :data:`safespaces_app.main.PAGES`).

The query string (every key optional; a bad value is ignored, never an error)::

    ?hour=22&layer=eyes&layer=dark&preset=night+walk&district=Kluuvi&lang=fi
     &lat=60.17163&lon=24.94429&zoom=15.25

``w_light``, ``w_eyes``, ``w_mix`` and ``w_incidents`` replace ``preset`` when the weights
are not a preset's. ``layer=none`` is the map with no layer.

The map's hour, layers, centre and zoom live in the browser (the map component,
:mod:`safespaces_app.mapwidget`): the map page gives the component the view it opens with
(:func:`map_args`) and hands the component's reports to :func:`remember_map_view`.
Choosing a district forgets the centre and zoom (the map fits the district). The view given
to the component never changes because of its own reports: a lagging report fed back would
move the map under the user.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Hashable, Iterable, Mapping, MutableMapping
from typing import Any, cast

import streamlit as st

from safespaces.indices import FAMILIES, PRESETS
from safespaces_app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from safespaces_app.mapview import DEFAULT_VIEW, HOURS, LAYERS

#: Session key of the current :class:`View`.
VIEW_KEY = "view"
#: Session key of the view given to the map component (:func:`map_args`).
MAP_ARGS_KEY = "map_args"
#: Widget keys the view seeds (and reads back): district, preset and weight sliders (with
#: the non-widget ``weights`` dict of :mod:`safespaces_app.scoring`), the language switch.
DISTRICT_KEY = "district"
#: The district picker's option for the whole study (not None: Streamlit shows a None
#: value as no choice at all).
ALL_DISTRICTS = ""
PRESET_KEY = "preset"
WEIGHTS_KEY = "weights"
LANG_KEY = "lang"
#: The hour the map opens at.
DEFAULT_HOUR = int(DEFAULT_VIEW["hour"])
#: The layers the map opens with, in :data:`LAYERS` order.
DEFAULT_LAYERS = tuple(
    key
    for key in LAYERS
    if key in (DEFAULT_VIEW["street"], DEFAULT_VIEW["area"])
    or (key == "dark" and DEFAULT_VIEW["dark"])
)
#: The preset of a new session.
DEFAULT_PRESET = "balanced"
#: Query-string keys this module owns (other keys in the URL are left alone).
PARAM_KEYS = frozenset(
    {"hour", "layer", "preset", "district", "lang", "lat", "lon", "zoom"}
    | {f"w_{family}" for family in FAMILIES}
)
#: Widget options that keep a view widget's value across pages: Streamlit's
#: ``persist_state="session"`` (where this Streamlit has it). Seeding the session alone is
#: not enough in a browser: back on a page, the browser sends the value it held for the
#: widget, which is not the view's.
PERSIST: dict[str, Any] = (
    {"persist_state": "session"}
    if "persist_state" in inspect.signature(st.slider).parameters
    else {}
)
#: Weight slider range (:func:`safespaces_app.components.weights`).
WEIGHT_RANGE = (0.0, 3.0)
#: Leaflet's zoom range kept (0 = the world, 22 = closer than any basemap).
ZOOM_RANGE = (0.0, 22.0)


def weight_key(family: str) -> str:
    """The widget key of a family's weight slider."""
    return f"w_{family}"


@dataclasses.dataclass(frozen=True)
class View:
    """What the user looks at; every field has the new session's default.

    Attributes
    ----------
    hour
        Hour of the eyes layer (0-23).
    layers
        Map layers shown, in :data:`safespaces_app.mapview.LAYERS` order.
    weights
        Family weights, in :data:`safespaces.indices.FAMILIES` order.
    district
        The district the map is fitted to (its name), or None for the whole study.
    lang
        Interface language.
    centre
        Map centre ``(lat, lon)`` (5 decimals, about 1 m), or None: fitted to the data.
    zoom
        Map zoom (2 decimals), or None: fitted to the data.
    """

    hour: int = DEFAULT_HOUR
    layers: tuple[str, ...] = tuple(DEFAULT_LAYERS)
    weights: tuple[float, ...] = tuple(PRESETS[DEFAULT_PRESET][f] for f in FAMILIES)
    district: str | None = None
    lang: str = DEFAULT_LANGUAGE
    centre: tuple[float, float] | None = None
    zoom: float | None = None

    @property
    def weight_map(self) -> dict[str, float]:
        """The weights by family."""
        return dict(zip(FAMILIES, self.weights, strict=True))

    @property
    def preset(self) -> str:
        """The preset these weights are, or ``"custom"``."""
        chosen = self.weight_map
        return next((name for name, w in PRESETS.items() if w == chosen), "custom")


# --- the query string (pure) ------------------------------------------------------------------


def _last(params: Mapping[str, str | list[str]], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        return value[-1] if value else None
    return value


def _all(params: Mapping[str, str | list[str]], key: str) -> list[str]:
    value = params.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _number(text: str | None, low: float, high: float) -> float | None:
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def from_params(params: Mapping[str, str | list[str]]) -> View:
    """The view a query string describes; what is missing or invalid keeps the default.

    Parameters
    ----------
    params
        Query-string keys to their value or values (a repeated key: a list).

    Examples
    --------
    >>> view = from_params({"hour": "3", "layer": ["score", "nonsense"], "zoom": "99"})
    >>> view.hour, view.layers, view.zoom
    (3, ('score',), None)
    """
    view = View()
    changes: dict[str, Any] = {}
    hour = _number(_last(params, "hour"), HOURS[0], HOURS[-1])
    if hour is not None and hour.is_integer():
        changes["hour"] = int(hour)
    layers = set(_all(params, "layer"))
    if layers:
        changes["layers"] = tuple(key for key in LAYERS if key in layers)
    weights = {family: _number(_last(params, f"w_{family}"), *WEIGHT_RANGE) for family in FAMILIES}
    preset = _last(params, "preset")
    if preset in PRESETS:
        changes["weights"] = tuple(PRESETS[preset][f] for f in FAMILIES)
    if any(w is not None for w in weights.values()):  # the sliders' values win over a preset
        base = changes.get("weights", view.weights)
        changes["weights"] = tuple(
            base[i] if weights[f] is None else float(weights[f])  # type: ignore[arg-type]
            for i, f in enumerate(FAMILIES)
        )
    district = _last(params, "district")
    if district:
        changes["district"] = district
    lang = _last(params, "lang")
    if lang in LANGUAGES:
        changes["lang"] = lang
    lat = _number(_last(params, "lat"), -90.0, 90.0)
    lon = _number(_last(params, "lon"), -180.0, 180.0)
    zoom = _number(_last(params, "zoom"), *ZOOM_RANGE)
    if lat is not None and lon is not None and zoom is not None:
        changes["centre"] = (round(lat, 5), round(lon, 5))
        changes["zoom"] = round(zoom, 2)
    return dataclasses.replace(view, **changes)


def _text(value: float) -> str:
    return f"{value:g}"


def to_params(view: View) -> dict[str, str | list[str]]:
    """The query string of a view (:func:`from_params` reads it back unchanged).

    Examples
    --------
    >>> to_params(View(hour=3, layers=("score",)))
    {'hour': '3', 'layer': ['score'], 'preset': 'balanced', 'lang': 'en'}
    """
    params: dict[str, str | list[str]] = {
        "hour": str(view.hour),
        "layer": list(view.layers) or ["none"],
    }
    if view.preset == "custom":
        params |= {f"w_{f}": _text(w) for f, w in view.weight_map.items()}
    else:
        params["preset"] = view.preset
    if view.district:
        params["district"] = view.district
    params["lang"] = view.lang
    if view.centre is not None and view.zoom is not None:
        params |= {
            "lat": f"{view.centre[0]:.5f}",
            "lon": f"{view.centre[1]:.5f}",
            "zoom": _text(view.zoom),
        }
    return params


# --- the session's widgets ---------------------------------------------------------------------


def seed(state: MutableMapping[str, Any], view: View) -> None:
    """Give every widget of the view its value where the session has none (a new session,
    or a page without that widget ran last)."""
    state.setdefault(DISTRICT_KEY, view.district or ALL_DISTRICTS)
    for family, weight in view.weight_map.items():
        state.setdefault(weight_key(family), weight)
    state.setdefault(WEIGHTS_KEY, view.weight_map)
    state.setdefault(PRESET_KEY, view.preset)
    state.setdefault(LANG_KEY, view.lang)


def read_widgets(state: Mapping[str, Any], view: View) -> View:
    """``view`` with what the session's widgets now say (absent widgets keep the view's)."""
    changes: dict[str, Any] = {}
    weights = state.get(WEIGHTS_KEY)
    if isinstance(weights, Mapping) and set(weights) >= set(FAMILIES):
        changes["weights"] = tuple(float(weights[f]) for f in FAMILIES)
    if DISTRICT_KEY in state:
        district = state[DISTRICT_KEY]
        changes["district"] = str(district) if district else None
    lang = state.get(LANG_KEY)
    if lang in LANGUAGES:
        changes["lang"] = lang
    new = dataclasses.replace(view, **changes)
    if new.district != view.district:  # the map fits the new district
        new = dataclasses.replace(new, centre=None, zoom=None)
    return new


def _current_params() -> dict[str, str | list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def publish(view: View) -> None:
    """Write ``view`` to the URL (only when it changed; other keys are kept)."""
    current = _current_params()
    wanted = {key: value for key, value in current.items() if key not in PARAM_KEYS}
    wanted |= to_params(view)
    as_lists = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    if as_lists != current:
        st.query_params.from_dict(wanted)


def sync() -> View:
    """Settle the session's view at the start of a run (the main script calls it first).

    The first run of a session takes the view from the URL (a reload or a shared link);
    later runs take it from the widgets the user changed. Either way the widgets of every
    page are seeded from it and the URL is rewritten.
    """
    state = cast(MutableMapping[str, Any], st.session_state)
    stored = state.get(VIEW_KEY)
    if isinstance(stored, View):
        view = read_widgets(state, stored)
    else:
        view = from_params(_current_params())
    state[VIEW_KEY] = view
    seed(state, view)
    publish(view)
    return view


def current() -> View:
    """The session's view (the default before :func:`sync` ran)."""
    stored = st.session_state.get(VIEW_KEY)
    return stored if isinstance(stored, View) else View()


def check_district(districts: Iterable[str]) -> None:
    """Forget a district (from a link) that this run's data does not have."""
    if st.session_state.get(DISTRICT_KEY) not in {None, ALL_DISTRICTS, *districts}:
        st.session_state[DISTRICT_KEY] = ALL_DISTRICTS
        view = dataclasses.replace(current(), district=None)
        st.session_state[VIEW_KEY] = view
        publish(view)


# --- the map's centre and zoom -----------------------------------------------------------------


def map_args(instance: Hashable) -> dict[str, Any]:
    """The view the map component opens with (its ``view`` argument).

    ``{"hour", "street", "area", "dark", "basemap", "center", "zoom"}``: the session's view
    when the component was first drawn for ``instance`` (the run folder), so a reload and a
    link open where the URL says. Within one instance the value stays as it was: the
    component applies a changed view, and its own reports (which lag a moving map) must
    never be fed back. A new district forgets the centre and zoom (the map fits it).
    """
    state = st.session_state
    view = current()
    stored = state.get(MAP_ARGS_KEY)
    if (
        isinstance(stored, tuple)
        and len(stored) == 3
        and stored[0] == instance
        and stored[1] == view.district
    ):
        return cast(dict[str, Any], stored[2])
    street = next((k for k in view.layers if LAYERS[k][0] == "street"), "none")
    area = next((k for k in view.layers if LAYERS[k][0] == "area"), "none")
    args: dict[str, Any] = {
        "hour": view.hour,
        "street": street,
        "area": area,
        "dark": "dark" in view.layers,
        "basemap": True,
        "center": list(view.centre) if view.centre is not None else None,
        "zoom": view.zoom,
    }
    state[MAP_ARGS_KEY] = (instance, view.district, args)
    return args


def view_from_map(value: Mapping[str, Any] | None) -> View | None:
    """The session's view with what the map component reported, or None.

    ``value`` is the component's value: ``{"kind", "id", "hour", "n", "view"}`` with
    ``view = {"hour", "street", "area", "dark", "center": [lat, lon], "zoom"}``. A value
    without a valid view (before the browser drew the map) gives None.
    """
    reported = (value or {}).get("view") if isinstance(value, Mapping) else None
    if not isinstance(reported, Mapping):
        return None
    view = current()
    changes: dict[str, Any] = {}
    hour = reported.get("hour")
    if isinstance(hour, int) and not isinstance(hour, bool) and hour in HOURS:
        changes["hour"] = hour
    chosen = {reported.get("street"), reported.get("area")}
    if reported.get("dark") is True:
        chosen.add("dark")
    changes["layers"] = tuple(key for key in LAYERS if key in chosen)
    centre, zoom = reported.get("center"), reported.get("zoom")
    try:
        lat, lon, z = float(centre[0]), float(centre[1]), float(zoom)  # type: ignore[index,arg-type]
    except (IndexError, KeyError, TypeError, ValueError):
        return dataclasses.replace(view, **changes)
    lon = (lon + 180.0) % 360.0 - 180.0  # Leaflet lets a pan wrap round the world
    if (
        all(math.isfinite(v) for v in (lat, lon, z))
        and -90.0 <= lat <= 90.0
        and ZOOM_RANGE[0] <= z <= ZOOM_RANGE[1]
    ):
        found = ((round(lat, 5), round(lon, 5)), round(z, 2))
        if not same_place((view.centre, view.zoom), found):
            changes["centre"], changes["zoom"] = found
    return dataclasses.replace(view, **changes)


def same_place(
    a: tuple[tuple[float, float] | None, float | None], b: tuple[tuple[float, float], float]
) -> bool:
    """Whether two map views are the same but for the map's rounding to whole pixels: the
    same zoom, centres at most one pixel apart (360 / (256 2^zoom) degrees of longitude;
    a degree of latitude is never shorter on the screen).

    A map put at a centre reports it back up to a pixel off (about 1e-5 degrees at zoom
    16); that must not change the URL of a link that was just opened.
    """
    (centre, zoom), (other, other_zoom) = a, b
    if centre is None or zoom is None or zoom != other_zoom:
        return False
    pixel = 360.0 / (256.0 * 2.0**zoom)
    return all(abs(x - y) <= pixel for x, y in zip(centre, other, strict=True))


def reported_bounds(value: object) -> tuple[float, float, float, float] | None:
    """The lon/lat bounds ``(west, south, east, north)`` the map last reported, or None."""
    view = value.get("view") if isinstance(value, Mapping) else None
    box = view.get("bounds") if isinstance(view, Mapping) else None
    try:
        west, south, east, north = (float(v) for v in box)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    ok = all(math.isfinite(v) for v in (west, south, east, north))
    return (west, south, east, north) if ok and west < east and south < north else None


def remember_map_view(value: Mapping[str, Any] | None) -> None:
    """Keep the hour, layers, centre and zoom the map reported (:func:`view_from_map`) in
    the view and the URL; a value without them, or the same view, changes nothing."""
    view = view_from_map(value)
    if view is None or view == current():
        return
    st.session_state[VIEW_KEY] = view
    publish(view)
