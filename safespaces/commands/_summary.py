"""The run summary in a few plain lines for the terminal (``safespaces run``)."""

from __future__ import annotations

from typing import Any

from safespaces.eyes.vocabulary import WINDOWS, window_column
from safespaces.lighting.vocabulary import LIT_NOT_MAPPED, LOWEST_P_CLASS, share_p6_or_better


def _num(value: Any, fmt: str = ".2f") -> str:
    """A number for the terminal; 'n/a' where an index is undefined (None or NaN)."""
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    return format(value, fmt)


def short_summary(summary: dict[str, Any]) -> list[str]:
    """A few plain lines from the run summary (the full one is in run_metadata)."""
    lines = [f"{k}: {v}" for k, v in summary.items() if not isinstance(v, dict)]
    light = summary.get("lighting", {})
    if light:
        shares = light["light_class_share_of_walking_length"]
        ok = share_p6_or_better(shares)
        lines.append(
            f"lighting: {ok:.0%} of walking length meets {LOWEST_P_CLASS} or better; "
            f"{shares.get(LIT_NOT_MAPPED, 0):.0%} tagged lit with no mapped lamp"
        )
    eyes = summary.get("eyes", {})
    if eyes:
        m = eyes["length_weighted_mean"]
        windows = ", ".join(f"{w} {_num(m[window_column(w)], '.0f')}" for w in WINDOWS)
        lines.append(f"eyes on the street ({eyes['weekday']}): {windows} (0-100)")
    mix = summary.get("mix", {})
    if mix:
        lines.append(
            f"social mix: multigroup dissimilarity {_num(mix.get('multigroup_dissimilarity'))}, "
            f"Theil's H {_num(mix.get('theil_h'))}"
        )
    inc = summary.get("incidents", {})
    if inc:
        inside = inc.get("in study area")
        spots = inc.get("hot spots (FDR)")
        unknown = inc.get("light window unknown")
        lines.append(
            f"incidents: {'fewer than k' if inside is None else inside} in the study area, "
            + ("no hot-spot analysis" if spots is None else f"{spots} hot spots")
            + (f"; {unknown} in no light window (hour unknown)" if unknown else "")
            + "; counts below k are suppressed"
        )
        cats = inc.get("categories") or {}
        if cats.get("counted in other"):
            lines.append(
                f"{cats['total']} incident categories: {cats['with a column']} with a column of "
                f"their own, {cats['counted in other']} counted together as 'other'"
            )
        if inc.get("incident rates"):
            lines.append(f"incident rates: {inc['incident rates']}")
    survey = summary.get("survey", {})
    if survey:
        lines.append(f"{'SYNTHETIC ' if survey['synthetic'] else ''}survey: {survey}")
    score = summary.get("score", {})
    if score:
        lines.append(
            f"safe-space score: mean {score['length_weighted_mean']} (0-100) from "
            f"{', '.join(score['families'])}"
            + "".join(f"; {f} unknown ({why})" for f, why in score.get("unknown", {}).items())
        )
    return lines
