"""Why this appointment's risk is high, in words a call handler can say out loud.

Each reason comes from this row's own contributions to the model's score
(`Predictor.contributions`: path attributions, or TreeSHAP values from
`booster.predict(pred_contrib=True)` with exact=True), never from global feature
importances. Features that say the same thing (the several views of a patient's
missed-appointment history) are added together first, so the three reasons are three
different things. Only contributions that raise the risk are given as reasons.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from patients.models import AGE_BANDS
from risk.features import BY_NAME

MAX_REASONS = 3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MEDIUMS = {"face_to_face": "a face-to-face appointment", "telephone": "a telephone appointment",
           "video": "a video appointment"}  # fmt: skip

# Reason groups: the features whose contributions are added together, in catalogue order.
GROUPS: dict[str, tuple[str, ...]] = {
    "dna_history": ("prior_dnas", "prior_dna_rate", "prior_dnas_12m", "prior_dna_rate_12m", "dnas_in_last_4",
                    "days_since_last_dna"),
    "attendance_history": ("prior_attendances",),
    "cancellations": ("prior_patient_cancellations",),
    "lead_time": ("booking_lead_days", "could_be_listed"),
    "age": ("age_band",),
    "sex": ("sex",),
    "deprivation": ("imd_decile",),
    "specialty": ("specialty",),
    "follow_up": ("follow_up",),
    "medium": ("medium",),
    "weekday": ("weekday",),
    "hour": ("hour",),
    "interpreter": ("interpreter_required",),
    "mobile": ("has_mobile",),
}  # fmt: skip
GROUP_OF = {feature: group for group, features in GROUPS.items() for feature in features}
if set(GROUP_OF) != set(BY_NAME):
    raise RuntimeError("Every risk feature needs a reason group in explanations.GROUPS.")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# A history shorter than this before an appointment cannot tell a new patient from one whose
# earlier appointments are older than the extract: the reason says which it may be.
FULL_HISTORY_DAYS = 365


def _dna_history(row: _Row) -> str | None:
    dnas = int(row["prior_dnas"])
    seen = dnas + int(row["prior_attendances"])
    if seen == 0:
        if row["history_from"]:
            return (
                f"no earlier appointments on record, but the history Attend holds starts only on {row['history_from']}"
            )
        return "no earlier appointments on record to go on"
    if dnas == 0:
        return None
    # A child does not miss an appointment: they are not brought (appointments.models.is_child).
    missed = "was not brought to" if row["child"] else "missed"
    last_four = min(4, seen)
    in_last_four = int(row["dnas_in_last_4"])
    if in_last_four:
        return (
            f"{missed} {in_last_four} of the last {last_four} appointments"
            if last_four > 1
            else (f"{missed} the last appointment")
        )
    weeks = int(row["days_since_last_dna"] // 7)
    return f"{missed} {_plural(dnas, 'appointment')} before, the last {_plural(weeks, 'week')} ago"


def _attendance_history(row: _Row) -> str | None:
    attended = int(row["prior_attendances"])
    if attended == 0:
        if row["history_from"]:
            return f"no attendance on record since {row['history_from']}, when the history Attend holds starts"
        return "has not attended an appointment here before"
    return f"has attended only {_plural(attended, 'earlier appointment')}" if attended <= 2 else None


def _lead_time(row: _Row) -> str | None:
    if np.isnan(row["booking_lead_days"]):  # no booking date in the extract
        return None
    days = int(row["booking_lead_days"])
    if days <= 0:
        return "booked on the day of the appointment"
    return (
        f"booked {_plural(days // 7, 'week')} before the appointment"
        if days >= 14
        else (f"booked {_plural(days, 'day')} before the appointment")
    )


def _deprivation(row: _Row) -> str | None:
    decile = row["imd_decile"]
    if np.isnan(decile):
        return None
    return f"lives in one of the more deprived areas (IMD decile {int(decile)} of 10)"


def _hour(row: _Row) -> str | None:
    hour = float(row["hour"])
    if np.isnan(hour):  # the extract gave the day only
        return None
    clock = f"{int(hour):02d}:{round((hour % 1) * 60):02d}"
    if hour >= 15:
        return f"a late-afternoon appointment ({clock})"
    return f"an afternoon appointment ({clock})" if hour >= 12.5 else f"a morning appointment ({clock})"


PHRASES: dict[str, Callable[[_Row], str | None]] = {
    "dna_history": _dna_history,
    "attendance_history": _attendance_history,
    "cancellations": lambda r: (
        f"cancelled {_plural(int(r['prior_patient_cancellations']), 'earlier appointment')}"
        if r["prior_patient_cancellations"] >= 1
        else None
    ),
    "lead_time": _lead_time,
    "age": lambda r: (
        None if np.isnan(r["age_band"]) else f"aged {AGE_BANDS[int(r['age_band'])][0].replace('-', ' to ')}"
    ),
    "sex": lambda r: "men miss slightly more appointments" if r["sex"] == "M" else None,
    "deprivation": _deprivation,
    "specialty": lambda r: f"{r['specialty_name']} appointments are missed more often",
    "follow_up": lambda r: "a follow-up appointment" if r["follow_up"] else "a first appointment",
    "medium": lambda r: MEDIUMS.get(str(r["medium"])),
    "weekday": lambda r: f"on a {WEEKDAYS[int(r['weekday'])]}",
    "hour": _hour,
    "interpreter": lambda r: "needs an interpreter" if r["interpreter_required"] else None,
    "mobile": lambda r: "no mobile number for text reminders" if not r["has_mobile"] else None,
}

# The feature columns each phrase reads (a phrase is worded once per distinct combination).
PHRASE_INPUTS: dict[str, tuple[str, ...]] = {
    **GROUPS,
    "dna_history": (
        "prior_dnas",
        "prior_attendances",
        "dnas_in_last_4",
        "days_since_last_dna",
        "child",
        "history_from",
    ),
    "attendance_history": ("prior_attendances", "history_from"),
}
if set(PHRASE_INPUTS) != set(PHRASES):
    raise RuntimeError("Every reason phrase needs its inputs in explanations.PHRASE_INPUTS.")


def _hashable(values: np.ndarray) -> list:
    """The values as dictionary keys: NaN (which equals nothing, not even itself) becomes None."""
    if values.dtype.kind == "f":
        missing = np.isnan(values)
        if missing.any():
            values = values.astype(object)
            values[missing] = None
    return values.tolist()


class _Row:
    """One row of the feature columns, read lazily (most rows need only a few values)."""

    def __init__(self, columns: dict[str, np.ndarray], index: int, specialty_names: dict[str, str]) -> None:
        self.columns, self.index, self.specialty_names = columns, index, specialty_names

    def __getitem__(self, name: str) -> object:
        if name == "specialty_name":
            code = str(self.columns["specialty"][self.index])
            return self.specialty_names.get(code, f"Specialty {code}")
        return self.columns[name][self.index]


def reasons(
    columns: dict[str, np.ndarray],
    contributions: np.ndarray,
    features: list[str],
    specialty_names: dict[str, str] | None = None,
    *,
    children: np.ndarray | None = None,
    history_days: np.ndarray | None = None,
    history_from: str = "",
) -> list[list[str]]:
    """Up to three plain-English reasons per row, the largest risk-raising contribution first.

    `contributions` is (rows × features+1) from pred_contrib (last column the bias);
    `columns` are compute_features()'s columns for the same rows; `children` marks the rows that
    are a child's appointment, whose missed appointments are worded "was not brought";
    `history_days` is how much history Attend holds before each row (from `history_from`, the
    earliest appointment it holds): under FULL_HISTORY_DAYS, "no earlier appointments" says so.
    """
    rows = len(contributions)
    short = (
        np.zeros(rows, dtype=bool) if history_days is None else np.nan_to_num(history_days, nan=0.0) < FULL_HISTORY_DAYS
    )
    columns = {
        **columns,
        "child": np.zeros(rows, dtype=bool) if children is None else np.asarray(children, bool),
        "history_from": np.where(short, history_from, "").astype(object),
    }
    group_names = [g for g in GROUPS if any(GROUP_OF[f] == g for f in features)]
    membership = np.zeros((len(features), len(group_names)))
    for i, feature in enumerate(features):
        membership[i, group_names.index(GROUP_OF[feature])] = 1.0
    by_group = contributions[:, : len(features)] @ membership
    ranked = np.argsort(-by_group, axis=1)[:, : MAX_REASONS + 2]
    rows = len(by_group)
    result: list[list[str]] = [[] for _ in range(rows)]
    if not rows or not group_names:
        return result
    # Rank position by rank position over all rows at once, in the order the reasons are given:
    # a row stops at its first contribution that does not raise the risk, or at three reasons.
    # A phrase depends only on its group's inputs (PHRASE_INPUTS), so it is worded once per
    # distinct combination of them rather than once per row.
    names = specialty_names or {}
    counts = np.zeros(rows, dtype=np.int64)
    going = np.ones(rows, dtype=bool)
    cache: dict[str, dict[tuple, str | None]] = {}
    everyone = np.arange(rows)
    for position in range(ranked.shape[1]):
        groups = ranked[:, position]
        going &= by_group[everyone, groups] > 0
        going &= counts < MAX_REASONS
        if not going.any():
            break
        for g in np.unique(groups[going]).tolist():
            name = group_names[g]
            selected = np.flatnonzero(going & (groups == g))
            known = cache.setdefault(name, {})
            keys = zip(*(_hashable(columns[c][selected]) for c in PHRASE_INPUTS[name]), strict=True)
            worded = []
            for index, key in zip(selected.tolist(), keys, strict=True):
                if key in known:
                    text = known[key]
                else:
                    text = PHRASES[name](_Row(columns, index, names))
                    text = known[key] = (text[0].upper() + text[1:]) if text else None
                if text:
                    result[index].append(text)
                worded.append(text is not None)
            counts[selected[np.array(worded, dtype=bool)]] += 1
    return result
