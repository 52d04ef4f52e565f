"""Request ids: taken from the caller when safe, else made; echoed on the answer."""

import uuid

from flask import Flask

from ecoreg_common.logs import REQUEST_ID_HEADER, install_request_ids, new_request_id


def test_a_new_request_id_is_a_version_4_uuid_in_hex():
    made = {new_request_id() for _ in range(2000)}
    assert len(made) == 2000
    for value in made:
        parsed = uuid.UUID(hex=value)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, uuid.RFC_4122, value)


def test_the_callers_id_is_echoed_when_safe_and_replaced_when_not():
    app = Flask(__name__)
    install_request_ids(app, "test")
    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    assert client.get("/", headers={REQUEST_ID_HEADER: "abc-123"}).headers[REQUEST_ID_HEADER] == "abc-123"
    for unsafe in ("a b", "x" * 129, "<script>", ""):
        answered = client.get("/", headers={REQUEST_ID_HEADER: unsafe}).headers[REQUEST_ID_HEADER]
        assert answered != unsafe
        assert uuid.UUID(hex=answered).version == 4
