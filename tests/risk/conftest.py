"""Shared data for the risk model tests: small synthetic trusts, trained once per session."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.utils import timezone

from demo import synthetic
from demo.trust import load_synthetic_trust
from risk.registry import activate_model, register_model
from risk.table import table_from_synthetic
from risk.training import train_model


def morning_of(day) -> datetime:
    return datetime.combine(day, time(6, 0), tzinfo=synthetic.LONDON)


@pytest.fixture(scope="session")
def small_training_result():
    """A model trained on a small synthetic trust (no database), as of this morning."""
    today = timezone.localdate()
    trust = synthetic.generate(patients=3000, seed=11, today=today)
    return train_model(table_from_synthetic(trust.appointments), as_of=morning_of(today))


@pytest.fixture
def active_risk_model(db, small_training_result):
    model = register_model(result=small_training_result)
    return activate_model(model=model)


@pytest.fixture
def demo_trust(db):
    """A few hundred synthetic patients in the database, with history and upcoming appointments."""
    trust = synthetic.generate(patients=300, seed=5, today=timezone.localdate())
    load_synthetic_trust(trust)
    return trust
