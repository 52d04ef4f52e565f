"""The floor for `metrics_summary_rate.py`: a hello-world Flask app under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/readyz")
@app.get("/hello")
def hello():
    return {"hello": "world"}
