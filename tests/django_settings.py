"""Settings for the test run: a private data directory and tasks run in-process."""

import os
import tempfile
import uuid

# This test run: its own database, queue and rate-limit keys, beside any other run or site.
os.environ.setdefault("PSABRIDGE_TEST_RUN", uuid.uuid4().hex[:10])
os.environ.setdefault("PSABRIDGE_DATA_DIR", tempfile.mkdtemp(prefix="psabridge-test-"))
os.environ.setdefault("PSABRIDGE_QUEUE_NAME", f"psabridge-test-{os.environ['PSABRIDGE_TEST_RUN']}")
os.environ.setdefault("PSABRIDGE_HUEY_IMMEDIATE", "1")
os.environ.setdefault("PSABRIDGE_PUBLIC_URL", "http://testserver")

from psabridge.server.settings import *  # noqa: F403

RUN = os.environ["PSABRIDGE_TEST_RUN"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: threads in tests then lock like the real product does.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
else:
    # Never `test_<name>`, which two runs at once would both create and drop.
    DATABASES["default"]["TEST"] = {"NAME": f"test_psabridge_{RUN}"}  # noqa: F405
