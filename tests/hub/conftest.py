import pytest

from hub.services import member_trust_add


@pytest.fixture
def members(db):
    """Three member trusts of the collaborative."""
    return [
        member_trust_add(ods_code="RAA", name="Alpha Hospitals NHS Trust", mesh_mailbox="RAAOT001"),
        member_trust_add(ods_code="RBB", name="Beta Hospitals NHS Trust"),
        member_trust_add(ods_code="RCC", name="Gamma Hospitals NHS Trust"),
    ]
