"""The entity's fields are written once: the schemas agree with ``state.EDITABLE``, and the document says which are the server's."""

from registry import openapi_document
from registry.entities.schemas import EntityCreateSchema, EntityPatchSchema, EntitySchema, EntitySnapshotSchema, EntityWriteSchema
from registry.entities.state import DEFAULTS, EDITABLE


def writable(schema) -> list[str]:
    return [name for name, field in schema().fields.items() if not field.dump_only]


def test_the_answer_schema_s_writable_fields_are_exactly_the_editable_ones_in_order():
    assert writable(EntitySchema) == list(EDITABLE)
    assert writable(EntitySnapshotSchema) == list(EDITABLE)


def test_every_write_schema_takes_exactly_the_editable_fields_in_order():
    for schema in (EntityWriteSchema, EntityCreateSchema, EntityPatchSchema):
        assert list(schema().fields) == list(EDITABLE), schema.__name__
    assert set(DEFAULTS) <= set(EDITABLE)


def test_the_server_s_fields_are_read_only_in_the_openapi_document():
    schemas = openapi_document()["components"]["schemas"]
    entity = schemas["Entity"]["properties"]
    assert list(entity) == ["id", *EDITABLE, "source", "version", "created_at", "updated_at"]
    assert [name for name, prop in entity.items() if prop.get("readOnly")] == ["id", "source", "version", "created_at", "updated_at"]
    assert "merged_into" in schemas["EntitySnapshot"]["properties"]
