"""Settings for the test run: a private data directory and tasks run in-process."""

import os
import tempfile

os.environ.setdefault("PSABRIDGE_DATA_DIR", tempfile.mkdtemp(prefix="psabridge-test-"))
os.environ.setdefault("PSABRIDGE_HUEY_IMMEDIATE", "1")
os.environ.setdefault("PSABRIDGE_PUBLIC_URL", "http://testserver")

from psabridge.server.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: threads in tests then lock like the real product does.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
