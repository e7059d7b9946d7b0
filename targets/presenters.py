"""What the target pages and the board pack show of a target's progress (formatting lives here,
not in templates or models)."""

from __future__ import annotations

from typing import Any

from reports.views import spc_icons
from targets.charts import spc_svg
from targets.progress import NOT_KNOWN, ON, TargetProgress

STATUS_TAGS = {ON: "green", NOT_KNOWN: "grey"}


def target_card(progress: TargetProgress, viewer: Any) -> dict[str, Any]:
    target = progress.target
    return {
        "target": target,
        "progress": progress,
        "own": target.owner_id == getattr(viewer, "pk", None),
        "owner_name": target.owner.get_full_name() or target.owner.get_username(),
        "status_tag": STATUS_TAGS.get(progress.status, "red"),
        "icons": spc_icons(progress.chart),
        "svg": spc_svg(progress.chart, [row["target_points"] for row in progress.months]),
        "recent": progress.months[-13:],
        "prefix": f"target-{target.pk}",  # unique ids when several charts share a page
    }
