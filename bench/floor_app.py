"""The app as the benchmark serves it with gunicorn, plus the floor: a minimal view answering a fixed string.

Only the benchmark mounts /bench/floor; the production app (wsgi.py) has no such route.
"""
from app import create_app

app = create_app()


@app.get("/bench/floor")
def floor():
    return "floor"
