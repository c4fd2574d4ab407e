"""Writes racing on PostgreSQL, each in its own connection and real transaction."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from claims.models import Derivation
from claims.tests.factories import AppearanceFactory, ClaimFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one writer at a time in anyway"),
    # serialized_rollback: the database is emptied after it, and the roles the migrations made
    # must be there again for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(*writes):
    """Run each write in its own thread and transaction; what each one came to, in order.

    The writers meet at a barrier after writing and before committing, so that without a lock
    both would have checked the graph before either committed. A writer held back by a lock
    never reaches the barrier: the other stops waiting after a second and commits.
    """
    outcomes = [None] * len(writes)
    before_commit = threading.Barrier(len(writes))

    def run(number, write):
        try:
            with transaction.atomic():
                write()
                try:
                    before_commit.wait(timeout=1)
                except threading.BrokenBarrierError:
                    pass
            outcomes[number] = "committed"
        except ValidationError as error:
            outcomes[number] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(number, write)) for number, write in enumerate(writes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_links_written_at_once_cannot_together_make_a_cycle():
    claim = ClaimFactory()
    first, second = AppearanceFactory.create_batch(2, claim=claim)
    outcomes = race(
        lambda: Derivation(appearance=first, derived_from=second, kind="quotes").save(),
        lambda: Derivation(appearance=second, derived_from=first, kind="quotes").save(),
    )
    assert sorted(outcome == "committed" for outcome in outcomes) == [False, True]
    (refused,) = [outcome for outcome in outcomes if outcome != "committed"]
    assert "would make a cycle" in str(refused.message_dict["derived_from"])
    assert Derivation.objects.filter(claim=claim).count() == 1
