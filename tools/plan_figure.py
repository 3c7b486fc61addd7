"""The README's before/after map of ``safespaces plan lamps --budget 10`` on the default.

Run: ``python tools/plan_figure.py [docs/img/plan_lamps.png]``. Plans ten lamps on the
embedded Helsinki default, re-runs the lighting with the plan's register, and draws the
walking segments at P6 or better before (dark grey), those the plan lifts to P6 (orange, by
the re-run) and the proposed lamps (yellow, numbered by rank).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from safespaces.config import load_config  # noqa: E402
from safespaces.lighting.illuminance import meets_p6  # noqa: E402
from safespaces.plan import plan_lamps  # noqa: E402
from safespaces.stages import lighting_stage  # noqa: E402
from safespaces.study import Inputs, load_study  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img" / "plan_lamps.png"
    config = load_config(None, [])
    lit, _ = lighting_stage(load_study(Inputs(), config), None)
    plan = plan_lamps(lit, 10)
    with tempfile.TemporaryDirectory() as tmp:
        register = Path(tmp) / "register.csv"
        plan.register_table().to_csv(register, index=False)
        after, _ = lighting_stage(load_study(Inputs(lamps=register), config), None)
    seg = lit.segments
    before_ok = meets_p6(seg["light_class"])
    after_ok = meets_p6(after.segments["light_class"])
    lifted = after_ok & ~before_ok
    fig, ax = plt.subplots(figsize=(8, 8), dpi=120)
    seg[~before_ok & ~lifted].plot(ax=ax, color="#d9d9d9", linewidth=0.5)
    seg[before_ok].plot(ax=ax, color="#525252", linewidth=0.9)
    seg[lifted].plot(ax=ax, color="#e66101", linewidth=2.2)
    lamps = plan.lamps
    lamps.plot(ax=ax, color="#ffd92f", edgecolor="#252525", markersize=70, zorder=5)
    for rank, pt in zip(lamps["rank"], lamps.geometry, strict=True):
        ax.annotate(str(rank), (pt.x, pt.y), xytext=(5, 5), textcoords="offset points", fontsize=9)
    s = plan.summary
    ax.set_title(
        f"plan lamps --budget 10: P6 or better {s['p6_length_before_m'] / 1000:.2f} km -> "
        f"{s['p6_length_after_m'] / 1000:.2f} km\n"
        "dark grey: P6+ before; orange: lifted to P6 (re-run); yellow: new lamps by rank",
        fontsize=10,
    )
    ax.set_axis_off()
    fig.text(0.01, 0.01, "© OpenStreetMap contributors, ODbL 1.0", fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    print(f"wrote {out}: {lifted.sum()} segments lifted, {seg.geometry.length[lifted].sum():.0f} m")
    return 0


if __name__ == "__main__":
    sys.exit(main())
