"""The organizations' placeholder Moneta fields become their gateway settings."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("housing", "0005_history"), ("payments", "0001_initial")]
AFTER = [("housing", "0006_gateway_settings_moved_to_payments")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_filled_placeholders_are_moved_and_the_code_encrypted():
    old = migrate(BEFORE)
    Organization = old.get_model("housing", "Organization")
    Organization.objects.create(name="A", inn="1655000001", moneta_account_id="54600817",
                                moneta_integrity_code="QWERTY", moneta_test_mode=True)  # fmt: skip
    Organization.objects.create(name="B", inn="1655000002", moneta_account_id="111")
    Organization.objects.create(name="C", inn="1655000003")
    try:
        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    from kabinet.payments.models import GatewaySettings

    moved = {
        c.organization.name: c for c in GatewaySettings.objects.select_related("organization")
    }
    assert set(moved) == {"A", "B"}
    assert (
        moved["A"].integrity_code() == "QWERTY" and moved["A"].integrity_code_encrypted != "QWERTY"
    )
    assert (moved["A"].kind, moved["A"].test_mode, moved["A"].enabled) == ("moneta", True, True)
    assert moved["B"].enabled is False  # no code yet: not switched on
