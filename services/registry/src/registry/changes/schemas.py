from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ecoreg_common.validation import InputSchema
from registry.entities.schemas import EntitySnapshotSchema


class FeedArgsSchema(InputSchema):
    after = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=2**62), metadata={"description": "The last seq you have applied"}
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ChangeSchema(ma.Schema):
    class Meta:
        ordered = True

    seq = fields.Integer()
    entity_id = fields.Integer()
    op = fields.String(metadata={"description": "create, update or retire"})
    version = fields.Integer()
    at = fields.String(metadata={"format": "date-time"})
    actor = fields.String()
    entity = fields.Nested(EntitySnapshotSchema, metadata={"description": "The entity as of this change"})


class FeedSchema(ma.Schema):
    changes = fields.List(fields.Nested(ChangeSchema))
    next_after = fields.Integer(metadata={"description": "Pass as after to continue"})
    latest_seq = fields.Integer(metadata={"description": "The newest seq committed, to tell how far behind you are"})
