from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from patients.deprivation.quintiles import imd_quintile
from patients.models import EthnicCategory, Patient, age_band
from tests.support.factories import PatientFactory


@pytest.mark.parametrize(("decile", "quintile"), [(1, 1), (2, 1), (3, 2), (9, 5), (10, 5), (None, None)])
def test_imd_quintile_one_is_the_most_deprived_fifth(decile, quintile):
    assert imd_quintile(decile) == quintile


@pytest.mark.parametrize(
    ("age", "band"), [(0, "0-17"), (17, "0-17"), (18, "18-29"), (29, "18-29"), (80, "80+"), (104, "80+")]
)
def test_age_bands_cover_every_age(age, band):
    assert age_band(age) == band


def test_ethnic_categories_roll_up_into_the_broad_groups_reports_use():
    assert EthnicCategory.group_of("J") == "Asian"
    assert EthnicCategory.group_of("N") == "Black"
    assert EthnicCategory.group_of("") == "Not known"


@pytest.mark.django_db
def test_an_invalid_nhs_number_fails_model_validation():
    patient = PatientFactory.build(nhs_number="9434765918")
    with pytest.raises(ValidationError, match="Modulus 11"):
        patient.full_clean()


@pytest.mark.django_db
def test_the_database_refuses_an_imd_decile_outside_one_to_ten():
    with pytest.raises(IntegrityError):
        PatientFactory(imd_decile=11)


@pytest.mark.django_db
def test_patients_reachable_by_sms_have_a_usable_mobile_and_have_not_opted_out():
    reachable = PatientFactory()
    PatientFactory(mobile="")
    PatientFactory(sms_opt_out=True)
    PatientFactory(mobile_unusable=True)
    assert list(Patient.objects.reachable_by_sms()) == [reachable]


def test_age_on_a_day_counts_birthdays():
    patient = Patient(date_of_birth=date(2000, 6, 15))
    assert patient.age_on(date(2026, 6, 14)) == 25
    assert patient.age_on(date(2026, 6, 15)) == 26
