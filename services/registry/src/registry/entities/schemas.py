"""The shapes of entity requests and answers (and so of the OpenAPI document).

Schemas check each field on its own: types, vocabularies, the USCC check
character. Rules that relate fields to each other or to stored data live in
``rules.py`` and ``service.py``, because a PATCH is only checkable once merged.
"""

from __future__ import annotations

import json
from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from ecoreg_common.fastload import compile_loader
from ecoreg_common.formats import key_pattern
from ecoreg_common.problems import flatten_messages
from ecoreg_common.validation import InputSchema, UTCDateTimeField, date_range, unstorable_text, visible_text
from registry import uscc
from registry.vocabulary import DISTRICTS, KINDS, STATUSES, TIERS

SLUG = validate.Regexp(key_pattern(48), error="must be a lowercase slug (a-z, 0-9, _)")
MAX_ATTRIBUTES_BYTES = 4096


class UsccField(fields.String):
    """A Unified Social Credit Code: compacted (``uscc.compact``), then verified per GB 32100-2015."""

    # Room for separators around the 18 characters, and no more (the body-size budget counts on it).
    MAX_WRITTEN = 36

    def _deserialize(self, value, attr, data, **kwargs):
        written = super()._deserialize(value, attr, data, **kwargs)
        if len(written) > self.MAX_WRITTEN:
            raise ma.ValidationError(f"not a valid Unified Social Credit Code: at most {self.MAX_WRITTEN} characters with separators")
        code = uscc.compact(written)
        problem = uscc.problem(code)
        if problem:
            raise ma.ValidationError(f"not a valid Unified Social Credit Code: {problem}")
        return code


# json.dumps(value, ensure_ascii=False), without a new encoder made for each call.
_ATTRIBUTES_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _small_object(value: dict) -> None:
    # One check for keys and size: a validator per key costs more than the whole dump.
    if any(not 1 <= len(key) <= 64 for key in value):
        raise ma.ValidationError("keys must be 1 to 64 characters")
    if len(_ATTRIBUTES_JSON(value).encode()) > MAX_ATTRIBUTES_BYTES:
        raise ma.ValidationError(f"must serialise to at most {MAX_ATTRIBUTES_BYTES} bytes of JSON")


NAME = [validate.Length(min=1, max=300), visible_text]
# From the oldest institutions a cluster might list (19th century) to the end of the
# plan's horizon and beyond; 0001-01-01 or 9999-12-31 is a placeholder, not a date.
ESTABLISHED_ON = date_range(date(1800, 1, 1), date(2099, 12, 31))


class EntityWriteSchema(InputSchema):
    """The fields a partner may set. ``source``, ``version`` and timestamps are the server's."""

    class Meta:
        ordered = True

    kind = fields.String(required=True, validate=validate.OneOf(tuple(KINDS)))
    subtype = fields.String(
        allow_none=True, validate=SLUG, metadata={"description": "Refines the kind; allowed values per kind: GET /api/v1/vocabulary"}
    )
    tier = fields.String(validate=validate.OneOf(TIERS), metadata={"description": "Defaults to none; a tech_centre must have one"})
    name = fields.String(required=True, validate=NAME)
    name_zh = fields.String(allow_none=True, validate=NAME)
    clusters = fields.List(
        fields.String(validate=SLUG),
        required=True,
        validate=validate.Length(min=1, max=5),
        metadata={"description": "Keys from GET /api/v1/clusters"},
    )
    tracks = fields.List(
        fields.String(validate=validate.Length(min=1, max=48)),
        validate=validate.Length(max=20),
        metadata={"description": "Each must belong to one of the entity's clusters"},
    )
    district = fields.String(allow_none=True, validate=validate.OneOf(tuple(DISTRICTS)))
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "Defaults to active"})
    established_on = fields.Date(allow_none=True, validate=ESTABLISHED_ON, metadata={"description": "From 1800-01-01 to 2099-12-31"})
    parent_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=2**62))
    uscc = UsccField(allow_none=True, metadata={"description": "Unified Social Credit Code, 18 characters (GB 32100-2015)"})
    external_id = fields.String(
        allow_none=True,
        validate=[validate.Length(min=1, max=128), visible_text],
        metadata={"description": "The partner's own id, unique per partner"},
    )
    attributes = fields.Dict(
        keys=fields.String(),
        validate=_small_object,
        metadata={"description": "A small JSON object: keys of 1 to 64 characters, at most 4 KiB"},
    )


class EntityCreateSchema(EntityWriteSchema):
    pass


class EntityPatchSchema(EntityWriteSchema):
    """Any subset of the writable fields; ``null`` clears an optional one."""

    kind = fields.String(validate=validate.OneOf(tuple(KINDS)))
    name = fields.String(validate=NAME)
    clusters = fields.List(fields.String(validate=SLUG), validate=validate.Length(min=1, max=5))

    @ma.validates_schema
    def not_empty(self, data, **kwargs):
        if not data:
            raise ma.ValidationError("give at least one field to change")


class EntitySchema(ma.Schema):
    """An entity as answered: the fields a partner sets (``state.EDITABLE``, in that order) and,
    marked ``dump_only`` (``readOnly`` in the OpenAPI document), the ones the server sets.

    This schema in the OpenAPI document (``Entity``) is the one list of an entity's
    fields outside the registry: the gateway's downloads and the ``ecoreg`` command's
    files take their columns, and which of them an import reads, from it
    (ecoreg_client.files.Columns).
    """

    class Meta:
        ordered = True

    id = fields.Integer(dump_only=True)
    kind = fields.String()
    subtype = fields.String(allow_none=True)
    tier = fields.String()
    name = fields.String()
    name_zh = fields.String(allow_none=True)
    clusters = fields.List(fields.String())
    tracks = fields.List(fields.String())
    district = fields.String(allow_none=True)
    status = fields.String()
    established_on = fields.String(allow_none=True, metadata={"format": "date"})
    parent_id = fields.Integer(allow_none=True)
    uscc = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    attributes = fields.Dict()
    source = fields.String(dump_only=True, metadata={"description": "The partner that registered the entity"})
    version = fields.Integer(dump_only=True)
    created_at = fields.String(dump_only=True, metadata={"format": "date-time"})
    updated_at = fields.String(dump_only=True, metadata={"format": "date-time"})


class EntitySnapshotSchema(EntitySchema):
    """An entity as a change recorded it (history, the feed, a merge's answer): a merge's snapshot also says where it went."""

    merged_into = fields.Integer(
        dump_only=True, metadata={"description": "Only in a merge's snapshot: the entity this one was merged into"}
    )


class OneOrMore(fields.String):
    """``a`` or ``a,b`` in a query string, as a list; each item checked by ``item``.

    The metrics service's counts link here with the filter that defines them, so the
    list takes every count dimension the way a count does (metrics: counts/links.py).
    """

    def __init__(self, item, **kwargs):
        super().__init__(**kwargs)
        self.item = item

    def _deserialize(self, value, attr, data, **kwargs):
        items = [part.strip() for part in super()._deserialize(value, attr, data, **kwargs).split(",")]
        if not all(items):
            raise ma.ValidationError("give one value or several, comma-separated, none empty")
        for part in items:
            self.item(part)
        return items


_NONE = "none"
_NONE_NOTE = "; none selects entities without one"


def _or_none(validator):
    def check(value):
        if value != _NONE:
            validator(value)

    return check


class EntityListArgsSchema(InputSchema):
    kind = OneOrMore(validate.OneOf(tuple(KINDS)), metadata={"description": "One or more, comma-separated", "example": "enterprise"})
    subtype = OneOrMore(_or_none(SLUG), metadata={"description": "One or more, comma-separated" + _NONE_NOTE})
    tier = OneOrMore(validate.OneOf(TIERS), metadata={"description": "One or more, comma-separated"})
    cluster = OneOrMore(SLUG, metadata={"description": "One or more, comma-separated (an entity in any of them)", "example": "energy"})
    track = OneOrMore(validate.Length(min=1, max=48), metadata={"description": "One or more, comma-separated (an entity in any of them)"})
    district = OneOrMore(_or_none(validate.OneOf(tuple(DISTRICTS))), metadata={"description": "One or more, comma-separated" + _NONE_NOTE})
    status = OneOrMore(validate.OneOf(STATUSES), metadata={"description": "One or more, comma-separated; every status when absent"})
    q = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "Part of the English or Chinese name, in any writing: full- or half-width, any case, "
            "spaces and punctuation ignored, a trailing legal form (有限公司, Co., Ltd.) ignored; "
            "a q with no letter or digit finds nothing"
        },
    )
    updated_since = UTCDateTimeField(default_timezone=None, metadata={"description": "ISO 8601 with a time zone"})
    sort = fields.String(
        load_default="id",
        validate=validate.OneOf(("id", "-id")),
        metadata={"description": "id (oldest first, the default) or -id (newest first)"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(
        validate=validate.Length(max=200), metadata={"description": "next_cursor of the previous page (with the same sort)"}
    )


class EntityPageSchema(ma.Schema):
    items = fields.List(fields.Nested(EntitySchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page; null on the last"})


class FieldChangeSchema(ma.Schema):
    # "from"/"to" are Python keywords, so the attributes are named apart from the keys.
    before = fields.Raw(attribute="from", data_key="from", allow_none=True)
    after = fields.Raw(attribute="to", data_key="to", allow_none=True)


class HistoryEntrySchema(ma.Schema):
    class Meta:
        ordered = True

    version = fields.Integer()
    op = fields.String(metadata={"description": "create, update or retire"})
    at = fields.String(metadata={"format": "date-time"})
    actor = fields.String(metadata={"description": "The partner that made the change"})
    seq = fields.Integer(metadata={"description": "Position in the change feed"})
    changes = fields.Dict(keys=fields.String(), values=fields.Nested(FieldChangeSchema))
    entity = fields.Nested(EntitySnapshotSchema)


class HistorySchema(ma.Schema):
    entity_id = fields.Integer()
    retired = fields.Boolean(metadata={"description": "Retired or merged: no longer in lists and counts"})
    merged_into = fields.Integer(allow_none=True, metadata={"description": "The entity it was merged into, if it was"})
    versions = fields.List(fields.Nested(HistoryEntrySchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page; null on the last"})


class PageArgsSchema(InputSchema):
    """``limit`` and ``cursor``: the paging of every list that can grow (history here; keys, targets, observations alike)."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    cursor = fields.String(validate=validate.Length(max=200), metadata={"description": "next_cursor of the previous page"})


class InvalidItem:
    """A batch item that failed its schema; it is reported, the others go on.

    ``valid`` holds the fields that did pass (marshmallow's ``valid_data``), so the
    batch can check the rules on them too and report every error of the item at once.
    """

    def __init__(self, errors: dict[str, list[str]], valid: dict | None = None):
        self.errors = errors
        self.valid = valid if isinstance(valid, dict) else {}


class PerItemNested(fields.Nested):
    """``Nested`` whose invalid items become ``InvalidItem`` instead of failing the list.

    The OpenAPI document still describes each item as the nested schema. Each
    item first tries the loader compiled from that same schema (``fastload``),
    ~2.3 times less CPU than marshmallow (bench/registry_batch_load.py); an
    item it is not sure of is loaded by marshmallow, whose
    errors are the ones reported.
    """

    _fast = None

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if self._fast is None:
            self._fast = compile_loader(self.schema) or (lambda _item: None)
        loaded = self._fast(value)
        if loaded is not None:
            return loaded
        try:
            return super().deserialize(value, attr, data, **kwargs)
        except ma.ValidationError as error:
            errors, valid = _flat(error), error.valid_data
        if not valid and isinstance(value, dict):
            valid = self._load_the_storable_fields(value, errors, attr, data, **kwargs)
        return InvalidItem(errors, valid)

    def _load_the_storable_fields(self, value: dict, errors: dict[str, list[str]], attr, data, **kwargs) -> dict:
        """The valid fields of an item whose text the schema's pre-load walk refused (a NUL, a lone
        surrogate, nesting too deep): that walk stops the whole item before any field is loaded, so
        the item would be reported without its other errors and as if it had no uscc or external_id
        (the batch's "needs a uscc or an external_id"). Its other fields are loaded without the
        refused ones, their errors added to ``errors`` (in place); those that only the refused
        fields' absence caused (a required field, a rule over several fields) are left out."""
        refused = {key for key, field_value in value.items() if unstorable_text({key: field_value})}
        if not refused or len(refused) == len(value):
            return {}
        rest = {key: field_value for key, field_value in value.items() if key not in refused}
        try:
            return super().deserialize(rest, attr, data, **kwargs)
        except ma.ValidationError as error:
            for path, messages in _flat(error).items():
                if path.split(".", 1)[0] not in refused and path != "_schema":
                    errors.setdefault(path, []).extend(message for message in messages if message not in errors.get(path, []))
            return error.valid_data if isinstance(error.valid_data, dict) else {}


def _flat(error: ma.ValidationError) -> dict[str, list[str]]:
    return flatten_messages(error.messages if isinstance(error.messages, dict) else {"_schema": error.messages})


class BatchRequestSchema(ma.Schema):
    """Items are checked one by one, so one bad item fails alone."""

    entities = fields.List(
        PerItemNested(EntityCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "Up to 1,000 entities shaped as for POST /api/v1/entities; each needs a uscc or an external_id"},
    )


class BatchItemResultSchema(ma.Schema):
    class Meta:
        ordered = True

    index = fields.Integer()
    status = fields.String(metadata={"description": "created, updated, unchanged or error"})
    id = fields.Integer(allow_none=True)
    version = fields.Integer(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    match = fields.Nested(
        lambda: MatchSchema(), metadata={"description": "Dry run only: the entities this item may be, as POST /entities/match answers"}
    )


class BatchArgsSchema(InputSchema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Validate and match every item as the batch would, and write nothing (no Idempotency-Key record either)"},
    )


class BatchResultSchema(ma.Schema):
    dry_run = fields.Boolean(metadata={"description": "Present (true) when nothing was written"})
    summary = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(BatchItemResultSchema))


class MatchRecordSchema(InputSchema):
    """A record to match: what a partner's list says of an organisation (names matched
    leniently; ``district`` and ``kind`` are the registry's keys, as an entity has them:
    an unknown one is a 422 listing the allowed values, not a silent ``other_district``)."""

    class Meta:
        ordered = True

    name = fields.String(allow_none=True, validate=validate.Length(max=300))
    name_zh = fields.String(allow_none=True, validate=validate.Length(max=300))
    uscc = fields.String(allow_none=True, validate=validate.Length(max=32), metadata={"description": "Compared after upper-casing"})
    district = fields.String(allow_none=True, validate=validate.OneOf(tuple(DISTRICTS)))
    kind = fields.String(allow_none=True, validate=validate.OneOf(tuple(KINDS)))
    external_id = fields.String(
        allow_none=True, validate=validate.Length(max=128), metadata={"description": "Compared with the calling partner's entities"}
    )

    @ma.validates_schema
    def something_to_match(self, data, **kwargs):
        if not any(data.get(key) for key in ("name", "name_zh", "uscc", "external_id")):
            raise ma.ValidationError("give at least one of name, name_zh, uscc, external_id")


class MatchRequestSchema(InputSchema):
    records = fields.List(fields.Nested(MatchRecordSchema), required=True, validate=validate.Length(min=1, max=1000))
    limit = fields.Integer(load_default=3, validate=validate.Range(min=1, max=10), metadata={"description": "Candidates per record"})


class MatchCandidateSchema(ma.Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    score = fields.Float(metadata={"description": "0 to 1"})
    reasons = fields.List(
        fields.String(),
        metadata={
            "description": "same_uscc, same_external_id, same_name, same_name_zh, same_core_name, similar_name, "
            "typo, same_district, other_district, other_uscc, other_kind"
        },
    )
    looks_alike = fields.Boolean(
        metadata={
            "description": "Worth showing as a possible duplicate of a record that would be new: "
            "a score of at least 0.75 (the similar-name floor, after district and kind) and no other USCC"
        }
    )
    entity = fields.Nested(EntitySchema)


class MatchResultSchema(ma.Schema):
    class Meta:
        ordered = True

    index = fields.Integer()
    chosen = fields.Integer(allow_none=True, metadata={"description": "The entity this record is, when unambiguous"})
    candidates = fields.List(fields.Nested(MatchCandidateSchema))


class MatchSchema(ma.Schema):
    class Meta:
        ordered = True

    chosen = fields.Integer(allow_none=True)
    candidates = fields.List(fields.Nested(MatchCandidateSchema))


class MatchAnswerSchema(ma.Schema):
    results = fields.List(fields.Nested(MatchResultSchema))


class MergeRequestSchema(InputSchema):
    into = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=2**62), metadata={"description": "The surviving entity's id"}
    )
    force = fields.Boolean(
        load_default=False,
        metadata={"description": "Merge even when the two are of different kinds (a lab into an enterprise); refused (409) otherwise"},
    )


class MergeAnswerSchema(ma.Schema):
    merged = fields.Nested(EntitySnapshotSchema, metadata={"description": "The merged entity's last version (with merged_into)"})
    survivor = fields.Nested(EntitySchema)


class MovedSchema(ma.Schema):
    id = fields.Integer()
    merged_into = fields.Integer()
    detail = fields.String()


class DuplicatesArgsSchema(InputSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500), metadata={"description": "Pairs per page (about)"})
    cursor = fields.String(validate=validate.Length(max=400), metadata={"description": "next_cursor of the previous page"})


class DuplicatePairSchema(ma.Schema):
    class Meta:
        ordered = True

    a = fields.Nested(EntitySchema)
    b = fields.Nested(EntitySchema)
    score = fields.Float(metadata={"description": "0 to 1, as POST /entities/match scores b for a record of a"})
    reasons = fields.List(fields.String())
    name = fields.String(metadata={"description": "The core name they share (registry.names.core)"})


class DuplicatesPageSchema(ma.Schema):
    items = fields.List(fields.Nested(DuplicatePairSchema))
    next_cursor = fields.String(allow_none=True)
