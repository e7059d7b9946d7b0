import os
import time
import uuid

import pytest
import redis
from django.db import transaction

from tests.support.factories import PatientFactory
from tests.support.probe_tasks import report_patient_visible
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_task_enqueued_on_commit_runs_once_on_a_real_worker_after_the_commit():
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = f"attend-test:{uuid.uuid4().hex}"
    with celery_worker(include=("tests.support.probe_tasks",)):
        with transaction.atomic():
            patient = PatientFactory()
            report_patient_visible.delay_on_commit(patient.id, key)
            time.sleep(1.0)  # a worker given the task before commit would report "missing"
            assert broker.llen(key) == 0
        assert wait_for(lambda: broker.llen(key) >= 1, timeout=30)
        time.sleep(2.0)  # room for a duplicate delivery to show itself
    assert [item.decode() for item in broker.lrange(key, 0, -1)] == ["visible"]
    broker.delete(key)


def test_task_enqueued_in_a_rolled_back_transaction_never_runs():
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = f"attend-test:{uuid.uuid4().hex}"
    with celery_worker(include=("tests.support.probe_tasks",)):
        with pytest.raises(RuntimeError), transaction.atomic():
            patient = PatientFactory()
            report_patient_visible.delay_on_commit(patient.id, key)
            raise RuntimeError("the import failed")
        time.sleep(3.0)
    assert broker.llen(key) == 0
