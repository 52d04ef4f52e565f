from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class TrackSchema(ma.Schema):
    class Meta:
        ordered = True

    key = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    note = fields.String(allow_none=True)


class ClusterSchema(ma.Schema):
    class Meta:
        ordered = True

    key = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    tracks = fields.List(fields.Nested(TrackSchema))


class ClusterListSchema(ma.Schema):
    clusters = fields.List(fields.Nested(ClusterSchema))


class VocabularySchema(ma.Schema):
    kinds = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={"description": "kind -> allowed subtypes"})
    tiers = fields.List(fields.String())
    statuses = fields.List(fields.String())
    districts = fields.List(fields.Dict(), metadata={"description": "key, name_en, name_zh"})
    names = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String())),
        metadata={"description": "kinds, subtypes, tiers, statuses: key -> {name_en, name_zh}"},
    )
