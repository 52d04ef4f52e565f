"""One statement per read: an answer's rows and what its ETag depends on, together.

Every aggregate GET tags its answer with the follower's position and the revision
of targets and observations (request_context.conditional_response). Reading those
in a statement of their own, then the answer in a transaction, cost a ping, a
BEGIN, the statements and a COMMIT. ``with_state`` puts the follower state and the
revision on every row of the answer's query instead, and ``read`` runs it with
``Database.query``: one round trip (no ping, no transaction: one statement is one
snapshot), the tag and the data of the same instant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import CompoundSelect, Select, cast, null, select, true, union_all
from sqlalchemy.engine import Row
from sqlalchemy.types import NullType

from ecoreg_common.db import Database
from metrics.tables import follower_state, revision

T = TypeVar("T")

# Labelled apart from any answer's own columns (a count's "count", a cluster's "key").
_STATE = (
    follower_state.c.checkpoint.label("state_checkpoint"),
    follower_state.c.registry_latest_seq.label("state_registry_latest_seq"),
    follower_state.c.last_error.label("state_last_error"),
    revision.c.value.label("state_revision"),
)


@dataclass(frozen=True)
class State:
    """The follower's position (as ``request_context.revision_token`` reads it) and the revision."""

    checkpoint: int
    registry_latest_seq: int
    last_error: str | None
    revision: int


@dataclass(frozen=True)
class Answered(Generic[T]):
    """A read done: the state it was read at, and ``answer()`` making the body from its rows
    (called only when the body is sent, not for a 304; it raises NotFound or ValidationFailed
    where the read found nothing to answer or a filter names what does not exist)."""

    state: State
    answer: Callable[[], T]

    def then(self, shape: Callable[[T], object]) -> Answered:
        """The same read, its answer passed through ``shape`` (a route's envelope)."""
        return Answered(self.state, lambda: shape(self.answer()))


def with_state(query: Select | None = None, *, columns: Sequence = (), order_by: Sequence[str] = ()) -> Select:
    """One row per row of ``query`` (one row with its columns null when it has none), each with
    the state columns and ``columns`` (scalar expressions: flags, a looked-up value), in the
    order of ``query``'s columns named ``order_by`` (a subquery's own order is not kept)."""
    source = follower_state.join(revision, revision.c.id == 1)
    statement = select_state(*columns)
    if query is None:
        return statement.select_from(source)
    answer = query.subquery("answer")
    statement = statement.add_columns(*answer.c).select_from(source.outerjoin(answer, true()))
    return statement.order_by(*(answer.c[name] for name in order_by))


def select_state(*columns) -> Select:
    """The state columns and ``columns``, one row."""
    return select(*_STATE, *columns).where(follower_state.c.id == 1)


def state_of(row: Row) -> State:
    """The state columns of a row of a ``with_state`` statement."""
    return State(row.state_checkpoint, row.state_registry_latest_seq, row.state_last_error, row.state_revision)


def read(db: Database, statement: Select, build: Callable[[list[Row]], Callable[[], T]]) -> Answered[T]:
    """Run ``statement`` (a ``with_state`` one) in one round trip; ``build(rows)`` returns the answer's maker."""
    rows = db.query_rows(statement)
    return Answered(state_of(rows[0]), build(rows))


def in_parts(*parts: Select) -> CompoundSelect:
    """One UNION ALL of ``parts`` that differ in their columns: a statement that reads several
    kinds of rows at once (the cells, the targets, the reports ... of one answer).

    Each part is a select of named columns, the first a literal ``part`` naming it (the
    rows then say which part they are of); a part's other columns are its own (name them
    apart: ``target_key``, ``report_value``). The union has every part's columns, in the
    order they first appear; in each part the columns of the others are NULLs cast to
    their types, so every branch has the same types on PostgreSQL and each column reads
    back as its type (lists, JSON, aware datetimes) whichever part comes first. Raises
    ValueError for a column with no type (but ``part``): its NULLs could not be cast.
    """
    types: dict[str, object] = {}
    for part in parts:
        for column in part.selected_columns:
            types.setdefault(column.key, column.type)

    untyped = [name for name, kind in types.items() if isinstance(kind, NullType) and name != "part"]
    if untyped:
        # PostgreSQL types NULL UNION ALL NULL as text, which then fails against a number.
        raise ValueError(f"give these columns a type (type_coerce, func.f(type_=...)): {untyped}")

    def filler(name: str):
        return cast(null(), types[name]).label(name)

    return union_all(
        *(
            part.with_only_columns(
                *(part.selected_columns[name] if name in part.selected_columns else filler(name) for name in types),
                maintain_column_froms=True,
            )
            for part in parts
        )
    )
