"""PreparedQuery: an ORM query compiled once, run with new arguments, answering like the ORM."""

import psycopg
import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.core.prepared import PreparedQuery, Read, read_together

pytestmark = pytest.mark.django_db


def permissions(content_type_id):
    return (
        Permission.objects.filter(content_type_id=content_type_id)
        .order_by("id")
        .values_list("id", "codename")
    )


@pytest.fixture
def two_types():
    types = list(ContentType.objects.filter(permission__isnull=False).distinct()[:2])
    assert len(types) == 2
    return types


def test_a_prepared_query_compiles_once_and_answers_like_the_orm(two_types):
    calls = []

    def build(content_type_id):
        calls.append(content_type_id)
        return permissions(content_type_id)

    prepared = PreparedQuery(build)
    first, second = two_types
    assert prepared.rows(content_type_id=first.pk) == list(permissions(first.pk)) != []
    assert prepared.rows(content_type_id=second.pk) == list(permissions(second.pk))
    assert prepared.rows(content_type_id=10**9) == []
    assert len(calls) == 1  # compiled once, with a stand-in for the argument
    with CaptureQueriesContext(connection) as queries:
        prepared.rows(content_type_id=first.pk)
    assert len(queries) == 1


def test_with_prepared_queries_off_the_orm_builds_the_query_every_time(settings, two_types):
    settings.PREPARED_QUERIES = False
    calls = []

    def build(content_type_id):
        calls.append(content_type_id)
        return permissions(content_type_id)

    prepared = PreparedQuery(build)
    first, second = two_types
    assert prepared.rows(content_type_id=first.pk) == list(permissions(first.pk))
    assert prepared.rows(content_type_id=second.pk) == list(permissions(second.pk))
    assert calls == [first.pk, second.pk]  # no stand-in compilation: the plain ORM path


def test_rows_are_converted_as_the_orm_converts_them():
    # Dates come back as dates and decimals as Decimal on SQLite too (the database's
    # converters run on the prepared path as well).
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.create(username="converted")
    prepared = PreparedQuery(
        lambda user_id: User.objects.filter(pk=user_id).values_list("date_joined", "is_active")
    )
    assert prepared.rows(user_id=user.pk) == list(
        User.objects.filter(pk=user.pk).values_list("date_joined", "is_active")
    )


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)


@pytest.mark.postgres
@needs_postgresql
def test_on_postgresql_a_prepared_query_is_planned_once_per_connection(two_types):
    first = two_types[0]
    prepared = PreparedQuery(permissions)
    expected = list(permissions(first.pk))
    assert prepared.rows(content_type_id=first.pk) == expected
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows(content_type_id=first.pk) == expected
    assert len(queries) == 1  # still in Django's query log, so query counts stay honest
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert [s for s in statements if '"auth_permission"."codename"' in s] != []


def test_reads_sent_together_answer_as_each_alone(two_types):
    first, second = two_types
    prepared = PreparedQuery(permissions)
    reads = [
        Read(prepared, {"content_type_id": first.pk}, len),
        Read(prepared, {"content_type_id": second.pk}, lambda rows: rows[-1]),
        Read(prepared, {"content_type_id": 10**9}, list),
    ]
    with CaptureQueriesContext(connection) as queries:
        together = read_together(*reads)
    assert together == [read.run() for read in reads]
    assert together[0] == permissions(first.pk).count() > 0 and together[2] == []
    assert len(queries) == 3  # each statement still in Django's query log


@pytest.mark.postgres
@needs_postgresql
def test_on_postgresql_reads_together_take_one_round_trip(two_types, monkeypatch):
    # psycopg's pipeline mode: the statements are sent, then their results read, with one
    # synchronisation; without it, each waits for the one before.
    first, second = two_types
    prepared = PreparedQuery(permissions)
    connection.ensure_connection()
    psycopg_connection = type(connection.connection)
    pipeline = psycopg_connection.pipeline
    entered = []

    def counted_pipeline(self):
        entered.append(self)
        return pipeline(self)

    monkeypatch.setattr(psycopg_connection, "pipeline", counted_pipeline)
    reads = [Read(prepared, {"content_type_id": pk}, list) for pk in (first.pk, second.pk)]
    assert read_together(*reads) == [list(permissions(first.pk)), list(permissions(second.pk))]
    assert entered == [connection.connection]
    # Left again: the connection is back to one statement at a time.
    assert connection.connection.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
    assert list(permissions(first.pk)) != []


@pytest.mark.postgres
@needs_postgresql
def test_on_postgresql_queries_are_not_jit_compiled():
    # JIT compiled the card's 0.1 ms query for 17 ms when its cost estimate was high.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_prepared_query_refuses_arguments_that_do_not_reach_the_sql():
    prepared = PreparedQuery(lambda content_type_id: Permission.objects.values_list("id"))
    with pytest.raises(ImproperlyConfigured, match="content_type_id"):
        prepared.rows(content_type_id=1)
    with pytest.raises(TypeError):
        PreparedQuery(permissions).rows(user_id=1)
