"""The gateway's own table: API keys, stored only as hashes."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table

from ecoreg_common.db import NAMING_CONVENTION
from ecoreg_common.types import BigIntId, JsonDocument, UTCDateTime

metadata = MetaData(naming_convention=NAMING_CONVENTION)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigIntId, primary_key=True, autoincrement=True),
    # SHA-256 of the whole key. Keys are 256 random bits, so a fast hash is enough:
    # there is nothing to guess, and lookups stay one indexed read per request.
    Column("key_hash", String(64), nullable=False),
    Column("prefix", String(12), nullable=False),  # shown in listings, to tell keys apart
    Column("partner", String(64), nullable=False),
    Column("scopes", JsonDocument, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("uq_api_keys_key_hash", "key_hash", unique=True),
    Index("ix_api_keys_partner", "partner"),
)

# Bumped by every write that goes through the gateway, so every gateway process
# forgets its cached answers (change_signals.py tells them): the answer revision.
answer_revision = Table(
    "answer_revision",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigIntId, nullable=False),
)
