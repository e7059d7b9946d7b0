"""Reasons come from each row's own contributions and read as plain English."""

from __future__ import annotations

import numpy as np

from risk.explanations import reasons
from risk.features import BY_NAME

FEATURES = list(BY_NAME)


def _row(**values) -> dict[str, np.ndarray]:
    base = dict.fromkeys(FEATURES, 0.0) | {"sex": "F", "specialty": "330", "medium": "face_to_face",
                                                "imd_decile": 5.0, "has_mobile": 1.0, "age_band": 2.0}  # fmt: skip
    base |= values
    return {name: np.array([value], dtype=object if isinstance(value, str) else np.float64)
            for name, value in base.items()}  # fmt: skip


def _contributions(**by_feature: float) -> np.ndarray:
    row = np.zeros((1, len(FEATURES) + 1))
    for name, value in by_feature.items():
        row[0, FEATURES.index(name)] = value
    return row


def test_the_largest_risk_raising_contributions_come_first_in_words():
    columns = _row(booking_lead_days=78.0, prior_dnas=2.0, prior_attendances=2.0, dnas_in_last_4=2.0,
                   interpreter_required=1.0)  # fmt: skip
    contributions = _contributions(booking_lead_days=0.9, dnas_in_last_4=0.5, prior_dnas=0.3,
                                   interpreter_required=0.2, age_band=-1.0)  # fmt: skip
    assert reasons(columns, contributions, FEATURES) == [
        ["Booked 11 weeks before the appointment", "Missed 2 of the last 4 appointments", "Needs an interpreter"]
    ]


def test_contributions_that_lower_the_risk_are_never_given_as_reasons():
    columns = _row(prior_attendances=6.0)
    assert reasons(columns, _contributions(prior_attendances=-0.8, weekday=-0.1), FEATURES) == [[]]


def test_specialty_reason_uses_the_specialty_name():
    columns = _row()
    text = reasons(columns, _contributions(specialty=0.4), FEATURES, {"330": "Dermatology"})
    assert text == [["Dermatology appointments are missed more often"]]


def test_no_history_says_when_the_history_attend_holds_is_too_short_to_tell_a_new_patient():
    columns = _row(prior_dnas=0.0, prior_attendances=0.0)
    contributions = _contributions(prior_dnas=0.5)
    short = reasons(columns, contributions, FEATURES, history_days=np.array([40.0]), history_from="3 March 2025")
    assert short == [["No earlier appointments on record, but the history Attend holds starts only on 3 March 2025"]]
    long_enough = reasons(columns, contributions, FEATURES, history_days=np.array([900.0]), history_from="3 March 2025")
    assert long_enough == [["No earlier appointments on record to go on"]]
