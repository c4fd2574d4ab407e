"""The production settings, with a test key, plain HTTP and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from provenance.settings import *  # noqa: E402,F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A second database, for the tests that move the whole database from one engine to another
# (tests/test_round_trip.py): always SQLite, so that a suite run on PostgreSQL goes PostgreSQL ->
# SQLite -> PostgreSQL. Its test database lives in memory (NAME is never opened) and is created
# and migrated only when a collected test names it in `django_db(databases=[...])`.
DATABASES["roundtrip"] = {  # noqa: F405
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": ":memory:",
    "TEST": {"NAME": None},
}

# The suite calls the API far more often than a consumer may: the throttling tests set their own rates.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/min", "user": "100000/min"}  # noqa: F405

# Pages render without a collected manifest; tests/test_static.py collects one to test production's.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
