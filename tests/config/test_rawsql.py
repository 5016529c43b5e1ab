"""config/rawsql.py's writes store what the ORM stores: JSON, dates, nulls and defaults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from config import rawsql
from reviews.models import Team

pytestmark = pytest.mark.django_db


def test_insert_writes_every_row_as_the_orm_would():
    team = Team.objects.create(name="Raw")
    when = timezone.now() - dt.timedelta(days=1)
    rows = [
        AuditEvent(action="a.one", actor_label="x", data={"n": 1, "s": "é'\""}, team=team),
        AuditEvent(action="a.two", occurred_at=when, client_address="2001:db8::1"),
    ]
    rawsql.insert(rows)
    rawsql.insert([])  # nothing to do, no statement
    one, two = AuditEvent.objects.filter(action__startswith="a.").order_by("action")
    assert (one.data, one.team_id, one.actor_id, one.client_address) == (
        {"n": 1, "s": "é'\""},
        team.pk,
        None,
        None,
    )
    assert abs(one.occurred_at - timezone.now()) < dt.timedelta(minutes=1)  # the default
    assert (two.occurred_at, two.client_address, two.data) == (when, "2001:db8::1", {})


def test_update_changes_only_the_given_rows_and_fields():
    teams = [Team.objects.create(name=f"T{i}") for i in range(3)]
    when = timezone.now()
    assert rawsql.update(Team, [teams[0].pk, teams[2].pk], archived_at=when) == 2
    assert rawsql.update(Team, [], archived_at=when) == 0
    got = {t.name: t.archived_at for t in Team.objects.filter(pk__in=[t.pk for t in teams])}
    assert got == {"T0": when, "T1": None, "T2": when}
    assert rawsql.update(Team, [teams[0].pk], archived_at=None, name="T0b") == 1
    teams[0].refresh_from_db()
    assert (teams[0].name, teams[0].archived_at) == ("T0b", None)


def _prepared(text: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{text}%"]
        )
        return cursor.fetchone()[0]


def test_hot_statements_are_prepared_by_postgresql(settings):
    sql = "SELECT id, name FROM reviews_team WHERE id = %s /* rawsql-prepared-probe */"
    team = Team.objects.create(name="Prepared")
    for _ in range(3):
        assert rawsql.fetch(sql, [team.pk]) == [(team.pk, "Prepared")]
    assert _prepared("rawsql-prepared-probe") == 1

    settings.DATABASE_PREPARED_STATEMENTS = False
    other = sql.replace("probe", "probe-off")
    for _ in range(3):
        assert rawsql.fetch(other, [team.pk]) == [(team.pk, "Prepared")]
    assert _prepared("rawsql-prepared-probe-off") == 0


@pytest.mark.django_db(transaction=True)
def test_the_preparing_cursor_is_kept_per_connection_and_replaced_with_it():
    from django.db import connection

    def raw():
        with rawsql.cursor() as wrapped:
            return wrapped.cursor

    first = raw()
    assert raw() is first  # kept: it remembers how to send each type of value
    assert rawsql.fetch("SELECT %s::int + 1", [1]) == [(2,)]
    connection.close()
    assert first.closed or first.connection.closed
    second = raw()
    assert second is not first and rawsql.fetch("SELECT %s::int + 1", [2]) == [(3,)]
