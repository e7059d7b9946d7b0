"""The model registry: versioned RiskModel rows, safe loading, and activation.

A model is stored as data (LightGBM text + JSON, see predictor.py) with its SHA-256.
Loading checks the checksum, the format and that the model's features are the ones
its row lists and that the trust's settings still allow; any mismatch raises
`ArtifactError` with a plain message and nothing changes. Only an admin activates a
model (admin action or `train_risk_model --activate`); exactly one is active at a time.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Team
from accounts.selectors import call_handlers_in
from appointments.models import Appointment
from audit.models import AuditAction
from audit.services import audit_record
from risk.models import RiskModel
from risk.predictor import ArtifactError, Predictor
from risk.table import table_from_queryset
from risk.training import TrainingResult, train_model


def sha256(artifact: bytes) -> str:
    return hashlib.sha256(bytes(artifact)).hexdigest()


def _json_safe(value: Any) -> Any:
    """JSON as PostgreSQL accepts it: a NaN or infinity (a measure undefined on a tiny group) becomes null."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@transaction.atomic
def register_model(*, result: TrainingResult) -> RiskModel:
    """A new, inactive registry row for a freshly trained model."""
    artifact = result.predictor.to_artifact()
    version = (RiskModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    return RiskModel.objects.create(
        version=version,
        algorithm=result.algorithm,
        features=result.predictor.features,
        parameters=_json_safe({**result.parameters, "rows": result.rows, "categories": result.predictor.categories}),
        trained_from=result.trained_from,
        trained_to=result.trained_to,
        holdout_from=result.holdout_from,
        holdout_to=result.holdout_to,
        metrics=_json_safe(result.metrics),
        fairness=_json_safe(result.fairness),
        artifact=artifact,
        artifact_sha256=sha256(artifact),
    )


def excluded_by_settings(features: list[str]) -> list[str]:
    excluded = set(settings.ATTEND_RISK_EXCLUDED_FEATURES)
    return [f for f in features if f in excluded]


def load_predictor(model: RiskModel) -> Predictor:
    """The usable model behind a registry row, or ArtifactError saying why it cannot be used."""
    artifact = bytes(model.artifact or b"")
    if not artifact or sha256(artifact) != model.artifact_sha256:
        raise ArtifactError(f"Risk model v{model.version}: the stored model does not match its checksum.")
    try:
        predictor = Predictor.from_artifact(artifact, expected_features=list(model.features))
    except ArtifactError as exc:
        raise ArtifactError(f"Risk model v{model.version}: {exc}") from None
    excluded = excluded_by_settings(predictor.features)
    if excluded:
        raise ArtifactError(
            f"Risk model v{model.version} uses {', '.join(excluded)}, which this trust's settings exclude "
            "(ATTEND_RISK_EXCLUDED_FEATURES). Train a new model without them."
        )
    return predictor


def active_model() -> RiskModel | None:
    return RiskModel.objects.filter(is_active=True).first()


@transaction.atomic
def activate_model(*, model: RiskModel, by: Any = None) -> RiskModel:
    """Make `model` the one that scores. Refused (ArtifactError, nothing changed) if it cannot be loaded."""
    model = RiskModel.objects.select_for_update().get(pk=model.pk)
    load_predictor(model)
    previous = RiskModel.objects.select_for_update().filter(is_active=True).exclude(pk=model.pk)
    replaced = [m.version for m in previous]
    previous.update(is_active=False)
    model.is_active = True
    model.activated_at = timezone.now()
    model.activated_by = by if getattr(by, "is_authenticated", False) else None
    model.save(update_fields=["is_active", "activated_at", "activated_by"])
    audit_record(
        action=AuditAction.CHANGE,
        target=model,
        actor=model.activated_by,
        actor_label="" if model.activated_by else "train_risk_model --activate",
        summary=f"Activated risk model v{model.version}"
        + (f" (replacing v{', v'.join(map(str, replaced))})" if replaced else ""),
    )
    return model


def teams_calls_per_day() -> int | None:
    """The calls the trust's teams make on an ordinary day: every team's call handlers × its calls
    per handler (the call lists' rule when no capacity is set for the day); None with no teams."""
    total = sum(call_handlers_in(team).count() * team.calls_per_handler for team in Team.objects.all())
    return total or None


def train_and_register(
    *,
    as_of: datetime | None = None,
    holdout_from: date | None = None,
    validation_from: date | None = None,
    calls_per_day: int | None = None,
    activate: bool = False,
    by: Any = None,
) -> RiskModel:
    """Train on every appointment before `as_of` (now), register the model, optionally activate it.

    `holdout_from` / `validation_from` set the time slices by local date (risk.slices);
    `calls_per_day` (default: the teams' capacity, `teams_calls_per_day`) sets the recall at capacity.
    Raises TrainingError before anything is written if the data cannot give a model.
    """
    as_of = as_of or timezone.now()
    table = table_from_queryset(Appointment.objects.filter(starts_at__lt=as_of))
    result = train_model(
        table,
        as_of=as_of,
        holdout_from=holdout_from,
        validation_from=validation_from,
        calls_per_day=calls_per_day if calls_per_day is not None else teams_calls_per_day(),
    )
    with transaction.atomic():
        model = register_model(result=result)
        if activate:
            model = activate_model(model=model, by=by)
    return model
