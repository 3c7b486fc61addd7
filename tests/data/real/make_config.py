"""Regenerate the configuration cases of the second corpus (``config.toml``).

TOML configuration files as users write them, and hostile ones: a byte-order mark (Windows
Notepad), Latin-1 and UTF-16 text, YAML saved as .toml, a misspelt key, a reference Monday
that is a Tuesday, an FDR of 1.5, ``inf``, ``1e9`` permutations, 1 mm segments, unknown,
geographic and Web Mercator CRSs, an unknown time zone, study names that are paths or hold
a NUL, opening hours that do not parse. Every file is synthesised here (deterministic).

Two ordinary configurations of real cities are kept as written, not generated:
``config_sydney.toml`` (Sydney: GDA2020 / MGA zone 56, Australia/Sydney; passes the check,
and is refused when run on the Helsinki default because its CRS is made for Australia) and
``config_oslo.toml`` (Oslo: ETRS89 / UTM 32N, Europe/Oslo), run on
``config_oslo_skoyen.osm.pbf``: the real OpenStreetMap extract of Skøyen, Oslo, copied from
opentripplanner/OpenTripPlanner
(application/src/test/resources/org/opentripplanner/graph_builder/module/osm/skoyen.osm.pbf)
via ../shared/data/cities/oslo-skoyen_otp.osm.pbf; (c) OpenStreetMap contributors, ODbL 1.0.

    python tests/data/real/make_config.py
"""

from __future__ import annotations

import codecs
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: File name -> TOML text (UTF-8 unless :data:`RAW` gives the bytes).
TEXT: dict[str, str] = {
    "config_reference_monday_tuesday.toml": (
        '# the analyst typed the Tuesday of the reference week\n[eyes]\nweekday = "Fr"\n'
        'reference_monday = "2026-03-10"\n'
    ),
    "config_hotspot_fdr.toml": "[incidents]\nhotspot_fdr = 1.5  # meant 0.15? an FDR is below 1\n",
    "config_cutoff_inf.toml": "[lighting]\ncutoff_m = inf  # 'no cut-off'\n",
    "config_permutations_1e9.toml": "[incidents]\nhotspot_permutations = 1e9\n",
    "config_permutations_huge.toml": "[incidents]\nhotspot_permutations = 1000000000\n",
    "config_max_segment_tiny.toml": "[network]\nmax_segment_m = 0.001  # 1 mm pieces\n",
    "config_crs_unknown.toml": '[general]\ncrs = "EPSG:999999"\n',
    "config_crs_geographic.toml": '[general]\ncrs = "EPSG:4326"  # WGS 84 degrees\n',
    "config_crs_web_mercator.toml": '[general]\ncrs = "EPSG:3857"\n',
    "config_timezone_unknown.toml": '[general]\ntimezone = "Mars/Olympus"\n',
    "config_name_traversal.toml": '[general]\nname = "../../etc"\n',
    "config_name_nul.toml": '[general]\nname = "safe\\u0000spaces"\n',
    "config_name_absolute.toml": '[general]\nname = "/tmp/safespaces-escape"\n',
    "config_typo_key.toml": "[lighting]\ncuttoff_m = 40.0\n",
    "config_default_hours_bad.toml": (
        '[eyes.default_hours]\n"*" = "office hours"\nbar = "Mo-Su 16:00-02:00"\n'
    ),
    "config_yaml.toml": "general:\n  name: espoo\n  timezone: Europe/Helsinki\n",
}

#: File name -> exact bytes (encodings the reader must name or accept).
RAW: dict[str, bytes] = {
    "config_bom.toml": codecs.BOM_UTF8
    + b"# saved by Windows Notepad (UTF-8 with BOM)\n"
    + b'[general]\nname = "kallio"\n\n[lighting]\ncutoff_m = 40.0\n',
    "config_latin1.toml": '[general]\nname = "café-study"\n'.encode("latin-1"),
    "config_utf16.toml": codecs.BOM_UTF16_LE + '[general]\nname = "espoo"\n'.encode("utf-16-le"),
}


def main() -> None:
    """Write every generated file beside this script."""
    for name, text in TEXT.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
    for name, data in RAW.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
