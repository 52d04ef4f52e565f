"""API keys: admins create them; admins see and revoke all, a partner its own."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app, url_for
from flask.views import MethodView
from marshmallow import fields, validate

from ecoreg_common.api import Blueprint
from ecoreg_common.validation import InputSchema
from gateway.auth import keys
from gateway.request_context import KEYS_EXTENSION, current_db, current_partner

blp = Blueprint("keys", __name__, url_prefix="/api/v1", description="API keys")


class KeyCreateSchema(InputSchema):
    partner = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scopes = fields.List(fields.String(validate=validate.OneOf(keys.SCOPES)), required=True, validate=validate.Length(max=len(keys.SCOPES)))


class KeySchema(ma.Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    prefix = fields.String(metadata={"description": "The key's first characters, to tell keys apart"})
    partner = fields.String()
    scopes = fields.List(fields.String())
    created_at = fields.String(metadata={"format": "date-time"})
    revoked = fields.Boolean()


class NewKeySchema(KeySchema):
    key = fields.String(metadata={"description": "The key itself, shown this once only"})


class KeyListSchema(ma.Schema):
    keys = fields.List(fields.Nested(KeySchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass as cursor for the next page; null on the last"})


class KeyPageArgsSchema(InputSchema):
    """The paging of every list that can grow (entity lists' convention)."""

    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=keys.MAX_PAGE))
    cursor = fields.String(validate=validate.Length(max=200), metadata={"description": "next_cursor of the previous page"})


@blp.route("/keys")
class Keys(MethodView):
    @blp.arguments(KeyPageArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, KeyListSchema)
    def get(self, limit, cursor=None):
        """The keys you may see, a page at a time by id: all for an admin, your partner's otherwise"""
        return keys.list_keys(current_db(), current_partner(), limit=limit, cursor=cursor)

    @blp.arguments(KeyCreateSchema)
    @blp.response(201, NewKeySchema)
    def post(self, data):
        """Create a key for a partner (admin); the key is in this answer only"""
        created = keys.create_key(current_db(), data["partner"], data["scopes"])
        # The other processes forget unknown keys when the creation's signal reaches them; this one at once.
        current_app.extensions[KEYS_EXTENSION].forget()
        return created, 201, {"Location": url_for("keys.KeyById", key_id=created["id"])}


@blp.route("/keys/<int(max=4611686018427387904):key_id>")
class KeyById(MethodView):
    @blp.response(204)
    def delete(self, key_id):
        """Revoke a key"""
        keys.revoke_key(current_db(), key_id, current_partner())
        current_app.extensions[KEYS_EXTENSION].forget()
