"""factory_boy factories for Attend's models, shared by every test."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import StaffProfile, Team
from accounts.roles import Role, sync_roles
from appointments.models import Appointment, AppointmentType, AttendanceCode, Clinic, Medium, Site, Specialty
from patients.identifiers import synthetic_nhs_number
from patients.models import ImdVintage, Patient


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = "Outpatient outreach"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.django.Password("correct-horse-battery")


def make_user(role: Role, *, username: str | None = None, team: Team | None = None):
    """A user holding `role`, in `team` (the default team if not given)."""
    sync_roles()
    user = UserFactory(**({"username": username} if username else {}))
    user.is_staff = role.staff
    user.save()
    user.groups.add(Group.objects.get(name=role.group))
    StaffProfile.objects.update_or_create(user=user, defaults={"team": team or TeamFactory()})
    return user


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("ods_code",)

    ods_code = factory.Sequence(lambda n: f"RZZ{n:02d}")
    name = factory.Sequence(lambda n: f"Test Hospital {n}")
    directions = "Bus 1 to the main entrance."


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("treatment_function_code",)

    treatment_function_code = factory.Sequence(lambda n: f"{100 + n % 800:03d}")
    name = factory.Sequence(lambda n: f"Specialty {n}")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CLINIC{n}")
    name = factory.Sequence(lambda n: f"Clinic {n}")
    site = factory.SubFactory(SiteFactory)
    specialty = factory.SubFactory(SpecialtyFactory)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    hospital_number = factory.Sequence(lambda n: f"H{n:07d}")
    nhs_number = factory.Sequence(lambda n: synthetic_nhs_number(n * 13 + 7))
    given_name = "Alex"
    family_name = factory.Sequence(lambda n: f"Patient{n}")
    date_of_birth = date(1990, 5, 17)
    sex = "F"
    ethnic_category = "A"
    postcode = "AT1 1AA"
    lsoa_code = "E01900001"
    imd_decile = 3
    imd_vintage = ImdVintage.IMD2019
    mobile = factory.Sequence(lambda n: f"+447700900{n % 1000:03d}")
    preferred_language = "en"


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    pas_id = factory.Sequence(lambda n: f"A{n:08d}")
    patient = factory.SubFactory(PatientFactory)
    clinic = factory.SubFactory(ClinicFactory)
    site = factory.SelfAttribute("clinic.site")
    specialty = factory.SelfAttribute("clinic.specialty")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))
    booked_at = factory.LazyAttribute(lambda o: o.starts_at - timedelta(days=30))
    appointment_type = AppointmentType.FOLLOW_UP
    medium = Medium.FACE_TO_FACE
    attendance_code = AttendanceCode.NOT_YET_KNOWN
