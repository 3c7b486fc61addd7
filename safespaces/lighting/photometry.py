"""Luminous intensity distributions: EULUMDAT and IES LM-63 files, and generic ones.

A distribution is a table of luminous intensity I(C, gamma) in the CIE C-gamma
system (C: azimuth of the half-plane through the luminaire's vertical axis, 0..360
degrees, counter-clockwise seen from above; gamma: angle from the downward
vertical, 0..180 degrees), stored per 1000 lm of the luminaire's own output flux
(cd/klm). A lamp of flux Phi then has I = table x Phi / 1000.

Files:

- EULUMDAT (``.ldt``; LiTG / Stockmar 1990 format description): intensities in
  cd/klm of lamp flux for the planes the symmetry flag ``Isym`` keeps (0 none, 1
  about the vertical axis, 2 about C0-C180, 3 about C90-C270, 4 about both).
- IES LM-63 (``.ies``; LM-63-1995/2002/2019): candela values times the multiplier
  and ballast factor, photometric type C only; horizontal angles 0 (rotational),
  0-90, 0-180, 90-270 or 0-360. ``TILT=INCLUDE`` data are read and ignored (the
  lamp is assumed in its measured position); ``TILT=<file>`` is refused.

Both are normalised by the flux found by integrating the table over the sphere,
Phi = sum I(C, gamma) dOmega, so ``lumen`` in a lamp register always means the
luminaire's output flux, whatever the file's own convention (relative or absolute
photometry, lamp flux, light output ratio).

Generic distributions, for lamps without a file (``docs/lighting.md`` section 1):

- ``isotropic``: I = Phi / (2 pi) for gamma < 90 degrees, 0 above. The flux that
  reaches an infinite ground plane under it is exactly Phi (the model of earlier
  versions: ``lighting.lumen_to_cd``);
- ``lambertian``: I = (Phi / pi) cos(gamma), a diffuse downlight;
- ``generic_led``: the rotational average of a measured LED street luminaire
  (AEC ITALO 1, 3000 K, 76.7 W, IES file in ``tests/data/photometry``), every 5
  degrees, normalised to 1000 lm: the distribution of a typical modern road
  luminaire whose aiming is not known.

:func:`Photometry.intensity` interpolates bilinearly in (C, gamma).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt

from safespaces.errors import InputError

#: Names of the generic distributions (:func:`generic`).
GENERIC: tuple[str, ...] = ("isotropic", "lambertian", "generic_led")

#: File suffixes read by :func:`read_photometry`.
SUFFIXES: tuple[str, ...] = (".ldt", ".ies")

#: ``generic_led``: cd per 1000 lm at gamma = 0, 5, ..., 90 degrees (0 above), the
#: C-plane average of AEC ITALO 1 5P5 S05 3.140-3M (test report 22-120-01_02, 2022)
#: normalised to 1000 lm of total flux; ``tests/lighting/test_photometry.py``
#: recomputes it from the file.
GENERIC_LED_CD_PER_KLM: tuple[float, ...] = (
    205.33,
    208.63,
    210.66,
    206.61,
    201.24,
    197.08,
    193.42,
    190.34,
    192.60,
    204.99,
    225.91,
    246.45,
    251.19,
    225.49,
    173.46,
    97.46,
    30.46,
    2.99,
    0.0,
)


@dataclasses.dataclass(frozen=True)
class Photometry:
    """A luminous intensity distribution per 1000 lm of luminaire flux.

    Attributes
    ----------
    name
        The file name or the generic name.
    c_angles
        Ascending C angles in degrees, from 0 to 360 inclusive (360 repeats 0).
    gamma_angles
        Ascending gamma angles in degrees, from 0 up to at most 180.
    cd_per_klm
        ``(len(c_angles), len(gamma_angles))`` intensities in cd per 1000 lm.
    flux_lm
        The luminaire's flux found in the file (integral of its intensities), or
        NaN for a generic distribution.
    c_planes, gammas
        Numbers of C planes and gamma angles as stated in the file's header.
    """

    name: str
    c_angles: npt.NDArray[np.float64]
    gamma_angles: npt.NDArray[np.float64]
    cd_per_klm: npt.NDArray[np.float64]
    flux_lm: float = math.nan
    c_planes: int = 1
    gammas: int = 0

    @property
    def rotational(self) -> bool:
        """True when the intensity does not depend on C."""
        return self._rotational

    @functools.cached_property
    def _rotational(self) -> bool:
        return bool(np.all(self.cd_per_klm == self.cd_per_klm[:1]))

    @property
    def peak_cd_per_klm(self) -> float:
        """The largest intensity of the table, cd per 1000 lm."""
        return float(self.cd_per_klm.max())

    def intensity(self, c_deg: npt.ArrayLike, gamma_deg: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """I(C, gamma) in cd per 1000 lm, bilinear in (C, gamma), vectorised.

        C is taken modulo 360; gamma beyond the last tabulated angle gives 0 (a file
        that stops at 90 degrees emits nothing upwards).
        """
        g = np.asarray(gamma_deg, dtype=float)
        ga, ca, table = self.gamma_angles, self.c_angles, self.cd_per_klm
        if self._rotational:  # one row: linear in gamma only
            row = np.interp(g, ga, table[0])
            return np.where((g < ga[0]) | (g > ga[-1]), 0.0, row * np.ones_like(c_deg, float))
        c = np.mod(np.asarray(c_deg, dtype=float), 360.0)
        j = np.clip(np.searchsorted(ga, g, side="right") - 1, 0, len(ga) - 2)
        tg = np.clip((g - ga[j]) / (ga[j + 1] - ga[j]), 0.0, 1.0)
        i = np.clip(np.searchsorted(ca, c, side="right") - 1, 0, len(ca) - 2)
        tc = np.clip((c - ca[i]) / (ca[i + 1] - ca[i]), 0.0, 1.0)
        low = table[i, j] * (1 - tg) + table[i, j + 1] * tg
        high = table[i + 1, j] * (1 - tg) + table[i + 1, j + 1] * tg
        out = low * (1 - tc) + high * tc
        return np.where((g < ga[0]) | (g > ga[-1]), 0.0, out)

    def street_side_deg(self) -> float:
        """C angle of the horizontal centre of the downward light, degrees (NaN if none).

        The direction of sum I sin(gamma) (cos C, sin C) dOmega over gamma < 90: the
        side a road luminaire throws its light to. NaN when that vector is shorter than
        1 % of the flux (a distribution without a preferred side).
        """
        c, g, d_omega = _sphere_grid(90.0)
        i = self.intensity(c, g)
        w = i * np.sin(np.radians(g)) * d_omega
        vx = float((w * np.cos(np.radians(c))).sum())
        vy = float((w * np.sin(np.radians(c))).sum())
        total = float((i * d_omega).sum())
        if not total > 0 or math.hypot(vx, vy) < 0.01 * total:
            return math.nan
        side = math.degrees(math.atan2(vy, vx)) % 360.0
        return 0.0 if side > 360.0 - 1e-9 else side  # -1e-15 % 360 is 360.0


def _sphere_grid(
    max_gamma: float = 180.0, step: float = 0.5
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Cell centres (C, gamma) of a grid on the sphere and their solid angles (sr)."""
    c = np.arange(step / 2, 360.0, step)
    edges = np.arange(0.0, max_gamma + step / 2, step)
    g = (edges[:-1] + edges[1:]) / 2
    band = np.cos(np.radians(edges[:-1])) - np.cos(np.radians(edges[1:]))
    cc, gg = np.meshgrid(c, g, indexing="ij")
    return cc.ravel(), gg.ravel(), np.broadcast_to(np.radians(step) * band, cc.shape).ravel()


def integrate_flux(
    c_angles: npt.NDArray[np.float64],
    gamma_angles: npt.NDArray[np.float64],
    cd: npt.NDArray[np.float64],
) -> float:
    """Flux of a table of intensities (lm): sum of I dOmega on a 0.5 degree grid."""
    tmp = Photometry("", c_angles, gamma_angles, cd)
    c, g, d_omega = _sphere_grid()
    return float((tmp.intensity(c, g) * d_omega).sum())


def _normalised(
    name: str,
    c_angles: npt.NDArray[np.float64],
    gamma_angles: npt.NDArray[np.float64],
    cd: npt.NDArray[np.float64],
    path: Path,
    c_planes: int,
) -> Photometry:
    flux = integrate_flux(c_angles, gamma_angles, cd)
    if not (np.isfinite(flux) and flux > 0):
        raise InputError(
            "the intensity table has no light (its integral over the sphere is 0)",
            path=path,
            fix="check that the file holds the luminaire's intensities",
        )
    return Photometry(
        name=name,
        c_angles=c_angles,
        gamma_angles=gamma_angles,
        cd_per_klm=cd * (1000.0 / flux),
        flux_lm=flux,
        c_planes=c_planes,
        gammas=len(gamma_angles),
    )


def _full_circle(
    stored_c: npt.NDArray[np.float64],
    stored: npt.NDArray[np.float64],
    wanted_c: npt.NDArray[np.float64],
    mirror: str,
    path: Path,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Planes for every C in ``wanted_c`` (plus 360) from the stored ones by symmetry.

    ``mirror``: ``none``, ``axial`` (one plane), ``c0`` (about C0-C180: C -> 360 - C),
    ``c90`` (about C90-C270: C -> 180 - C), ``both``.
    """
    if mirror == "axial":
        return np.array([0.0, 360.0]), np.vstack([stored[:1], stored[:1]])
    c = np.mod(np.asarray(wanted_c, dtype=float), 360.0)
    c = np.unique(np.append(c, 0.0))
    eq = c.copy()
    if mirror in ("c0", "both"):
        eq = np.where(eq > 180.0, 360.0 - eq, eq)
    if mirror == "c90":
        eq = np.where((eq > 90.0) & (eq < 270.0), np.mod(180.0 - eq, 360.0), eq)
    if mirror == "both":
        eq = np.where(eq > 90.0, 180.0 - eq, eq)
    sc = np.mod(stored_c, 360.0)
    dist = np.abs(((eq[:, None] - sc[None, :]) + 180.0) % 360.0 - 180.0)
    k = dist.argmin(axis=1)
    if (dist[np.arange(len(eq)), k] > 1e-6).any():
        raise InputError(
            "the C angles do not match the stated symmetry",
            path=path,
            fix="check the symmetry flag and the list of C angles",
        )
    rows = stored[k]
    return np.append(c, 360.0), np.vstack([rows, rows[:1]])


def _numbers(text: str) -> list[float]:
    return [float(t) for t in text.replace(",", ".").split()]


def read_ldt(path: str | Path) -> Photometry:
    """Read a EULUMDAT file.

    Line numbers follow the LiTG format description: 2 ``Ityp``, 3 ``Isym``, 4
    ``Mc`` (number of C planes), 5 ``Dc``, 6 ``Ng`` (number of gamma angles), 7
    ``Dg``, 26 the number of lamp sets n, then six lines per set, ten direct
    ratios, ``Mc`` C angles, ``Ng`` gamma angles and the intensities (cd/klm) of
    the stored planes: all ``Mc`` for ``Isym`` 0, one for 1, C0..C180 for 2,
    C270..C360..C90 for 3, C0..C90 for 4.

    Raises
    ------
    InputError
        A field is missing or not a number, or the counts do not add up.
    """
    p = Path(path)
    text = p.read_bytes().decode("latin-1").lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    try:
        isym = int(float(lines[2]))
        mc = int(float(lines[3]))
        ng = int(float(lines[5]))
        n_sets = int(float(lines[25]))
        rest = " ".join(lines[26 + 6 * max(n_sets, 1) :])
        values = _numbers(rest)
    except (IndexError, ValueError) as exc:
        raise InputError(
            f"not a EULUMDAT file ({exc})",
            path=p,
            fix="give a EULUMDAT (.ldt) file as its maker publishes it",
        ) from exc
    stored_planes = {0: mc, 1: 1, 2: mc // 2 + 1, 3: mc // 2 + 1, 4: mc // 4 + 1}.get(isym)
    if stored_planes is None or mc < 1 or ng < 2:
        raise InputError(
            f"symmetry {isym}, {mc} C planes, {ng} gamma angles is not a valid header",
            path=p,
            fix="check lines 3, 4 and 6 of the file (Isym 0-4, Mc >= 1, Ng >= 2)",
        )
    need = 10 + mc + ng + stored_planes * ng
    if len(values) < need:
        raise InputError(
            f"the file has {len(values)} numbers after the lamp data, {need} expected "
            f"for {mc} C planes, {ng} gamma angles and symmetry {isym}",
            path=p,
            fix="check that the file is complete",
        )
    c_all = np.array(values[10 : 10 + mc])
    gamma = np.array(values[10 + mc : 10 + mc + ng])
    cd = np.array(values[10 + mc + ng : need]).reshape(stored_planes, ng)
    if isym == 3:  # planes C270 ... C360/C0 ... C90 (LiTG Mc1 = 3 Mc / 4 + 1)
        first = int(np.argmin(np.abs(np.mod(c_all, 360.0) - 270.0)))
        stored_c = c_all[(first + np.arange(stored_planes)) % mc]
    elif isym == 1:
        stored_c = c_all[:1] if mc else np.array([0.0])
    else:
        stored_c = c_all[:stored_planes]
    mirror = {0: "none", 1: "axial", 2: "c0", 3: "c90", 4: "both"}[isym]
    c_full, table = _full_circle(stored_c, cd, c_all, mirror, p)
    _check_gamma(gamma, p)
    return _normalised(p.name, c_full, gamma, table, p, mc)


def _check_gamma(gamma: npt.NDArray[np.float64], path: Path) -> None:
    if not (np.all(np.diff(gamma) > 0) and gamma[0] >= 0 and gamma[-1] <= 180):
        raise InputError(
            "the gamma angles are not ascending within 0-180 degrees",
            path=path,
            fix="check the file's angle lists",
        )


def read_ies(path: str | Path) -> Photometry:
    """Read an IES LM-63 file (photometric type C).

    After the keyword lines and ``TILT=``, the numbers are: lamps, lumens per lamp
    (-1 for absolute photometry), candela multiplier, number of vertical (gamma)
    and horizontal (C) angles, photometric type, units, width, length, height,
    ballast factor, ballast-lamp factor, input watts, the vertical angles, the
    horizontal angles and the candela values, one horizontal angle after the other.
    Intensities are candela x multiplier x ballast factor x ballast-lamp factor.

    Raises
    ------
    InputError
        Not LM-63, an external tilt file, type A or B photometry, or counts that do
        not add up.
    """
    p = Path(path)
    text = p.read_bytes().decode("latin-1").lstrip("\ufeff")
    m = re.search(r"^\s*TILT\s*=\s*(\S*)\s*$", text, flags=re.MULTILINE | re.IGNORECASE)
    if m is None:
        raise InputError(
            "no TILT= line: not an IES LM-63 file",
            path=p,
            fix="give an IES LM-63 (.ies) photometric file",
        )
    tilt = m.group(1).upper()
    try:
        values = _numbers(text[m.end() :])
        if tilt == "INCLUDE":  # geometry, number of pairs, angles, factors
            n_pairs = int(values[1])
            values = values[2 + 2 * n_pairs :]
        elif tilt != "NONE":
            raise InputError(
                f"TILT={m.group(1)} names an external tilt file, not supported",
                path=p,
                fix="give a file with TILT=NONE or TILT=INCLUDE",
            )
        n_v, n_h, ptype = int(values[3]), int(values[4]), int(values[5])
        multiplier = values[2] * values[10] * values[11]
    except (IndexError, ValueError) as exc:
        raise InputError(
            f"the numbers after TILT cannot be read ({exc})",
            path=p,
            fix="give an IES LM-63 file as its maker publishes it",
        ) from exc
    if ptype != 1:
        raise InputError(
            f"photometric type {ptype} (type {'?CBA'[ptype] if 0 < ptype < 4 else '?'}) "
            "is not supported",
            path=p,
            fix="give type C photometry (road and area luminaires are measured in type C)",
        )
    need = 13 + n_v + n_h + n_v * n_h
    if n_v < 2 or n_h < 1 or len(values) < need:
        raise InputError(
            f"{len(values)} numbers, {need} expected for {n_v} vertical and {n_h} "
            "horizontal angles",
            path=p,
            fix="check that the file is complete",
        )
    gamma = np.array(values[13 : 13 + n_v])
    horiz = np.array(values[13 + n_v : 13 + n_v + n_h])
    cd = np.array(values[13 + n_v + n_h : need]).reshape(n_h, n_v) * multiplier
    _check_gamma(gamma, p)
    last, first = horiz[-1], horiz[0]
    if n_h == 1:
        mirror, wanted = "axial", horiz
    elif math.isclose(last, 90.0):
        mirror, wanted = "both", np.concatenate([horiz, 180 - horiz, 180 + horiz, 360 - horiz])
    elif math.isclose(last, 180.0):
        mirror, wanted = "c0", np.concatenate([horiz, 360 - horiz])
    elif math.isclose(first, 90.0) and math.isclose(last, 270.0):
        mirror, wanted = "c90", np.concatenate([horiz, np.mod(180 - horiz, 360)])
    else:
        mirror, wanted = "none", horiz
    if mirror == "none" and math.isclose(last, 360.0):
        horiz, cd = horiz[:-1], cd[:-1]  # 360 repeats 0
        wanted = horiz
    c_full, table = _full_circle(horiz, cd, wanted, mirror, p)
    return _normalised(p.name, c_full, gamma, table, p, n_h)


def read_photometry(path: str | Path) -> Photometry:
    """Read a ``.ldt`` or ``.ies`` file (by its suffix)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(
            "photometry file not found",
            path=p,
            fix="give the path of an existing .ldt or .ies file (relative paths are "
            "taken from the lamp register's folder)",
        )
    suffix = p.suffix.lower()
    if suffix == ".ldt":
        return read_ldt(p)
    if suffix == ".ies":
        return read_ies(p)
    raise InputError(
        f"unknown photometry format {p.suffix!r}",
        path=p,
        fix="give a EULUMDAT (.ldt) or IES LM-63 (.ies) file",
    )


def generic(name: str) -> Photometry:
    """A generic distribution by name (:data:`GENERIC`), per 1000 lm.

    Raises
    ------
    KeyError
        ``name`` is not one of :data:`GENERIC`.
    """
    c = np.array([0.0, 360.0])
    if name == "isotropic":
        g = np.array([0.0, 90.0 - 1e-9, 90.0])
        row = np.array([1.0, 1.0, 0.0]) * 1000.0 / (2 * math.pi)
    elif name == "lambertian":
        g = np.linspace(0.0, 90.0, 91)
        row = np.cos(np.radians(g)) * 1000.0 / math.pi
    elif name == "generic_led":
        g = np.arange(0.0, 91.0, 5.0)
        row = np.array(GENERIC_LED_CD_PER_KLM)
    else:
        raise KeyError(f"{name!r} is not a generic distribution ({', '.join(GENERIC)})")
    return Photometry(name, c, g, np.vstack([row, row]), c_planes=1, gammas=len(g))


__all__ = [
    "GENERIC",
    "GENERIC_LED_CD_PER_KLM",
    "SUFFIXES",
    "Photometry",
    "generic",
    "integrate_flux",
    "read_ies",
    "read_ldt",
    "read_photometry",
]
