"""Decile → quintile has three forms (Python, SQL, numpy); every one gives the same answer."""

import numpy as np
import pytest

from patients.deprivation.quintiles import (
    deciles_in_quintile,
    imd_quintile,
    imd_quintile_expression,
    imd_quintiles_array,
)
from patients.models import Patient
from tests.support.factories import PatientFactory

DECILES = [*range(1, 11), None]


@pytest.mark.django_db
def test_the_database_puts_every_decile_in_the_same_quintile_as_python():
    for decile in DECILES:
        PatientFactory(imd_decile=decile)
    in_sql = Patient.objects.annotate(q=imd_quintile_expression("imd_decile")).values_list("imd_decile", "q")
    assert sorted(in_sql, key=str) == sorted(((d, imd_quintile(d)) for d in DECILES), key=str)


def test_the_array_form_puts_every_decile_in_the_same_quintile_as_python_with_0_for_not_known():
    deciles = np.array([np.nan if d is None else d for d in DECILES], dtype=np.float64)
    assert imd_quintiles_array(deciles).tolist() == [imd_quintile(d) or 0 for d in DECILES]


@pytest.mark.parametrize("quintile", [1, 2, 3, 4, 5])
def test_a_quintile_is_made_of_exactly_the_deciles_that_fall_in_it(quintile):
    assert set(deciles_in_quintile(quintile)) == {d for d in range(1, 11) if imd_quintile(d) == quintile}
