"""Settings for Provenance, read from the environment.

Production is the default: DEBUG is off, a SECRET_KEY must be given, cookies are secure and
HTTPS is enforced. `make run` turns DEBUG on for local work.
"""

import ipaddress
import os
import re
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name, default, minimum=0):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return number


def env_rate(name, default):
    """A request rate as Django REST framework reads it: a number, a slash, a period (s, min, hour, day)."""
    value = os.environ.get(name) or default
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name} must be a rate such as 60/min or 1000/hour, not {value!r}.")
    return value


def env_list(name, default=()):
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or list(default)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "provenance.apps.ProvenanceAdminConfig",  # Django's admin, with the desk's counts (provenance.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full-text and trigram search on PostgreSQL (claims.search); idle on SQLite
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here: the docs page loads nothing from a CDN
    "corsheaders",
    "simple_history",
    "axes",
    "sources",
    "claims",
]

# Benchmarks only (bench/http.py), never production: each response says how many queries its
# request ran, in an X-Query-Count header (provenance.query_count).
QUERY_COUNT_HEADER = env_bool("QUERY_COUNT_HEADER", False)

MIDDLEWARE = [
    # First, so that its count takes in every other middleware's queries.
    *(["provenance.query_count.QueryCountMiddleware"] if QUERY_COUNT_HEADER else []),
    "django.middleware.security.SecurityMiddleware",
    # Static files in production, before anything slower sees their requests (WhiteNoise asks for
    # this place); with DEBUG, runserver serves them uncollected.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    # Before anything that can answer on its own (CommonMiddleware), so those answers carry CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # An ETag on every GET answer, from its body, and 304 to a conditional GET that already holds it.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who is acting, for the history of every change (sources.history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "provenance.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "provenance.context_processors.organisation",
            ],
        },
    },
]

WSGI_APPLICATION = "provenance.wsgi.application"
ASGI_APPLICATION = "provenance.asgi.application"

# The embedded default is an SQLite file inside the checkout (git-ignored); production sets
# DATABASE_URL=postgres://...
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Dumps that load back exactly: microseconds kept, history of deleted records kept (see the module).
SERIALIZATION_MODULES = {"json": "provenance.json_serializer"}

# django-axes first: it refuses a locked-out username/address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Repeated failed logins lock out the username from that address for a while (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # axes reads a number as hours
AXES_COOLOFF_MESSAGE = (
    f"Account locked: too many login attempts. Please try again later: in {AXES_COOLOFF_MINUTES} minutes "
    "(each attempt meanwhile starts the wait again), or ask an admin to unlock your account."
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # `manage.py collectstatic` writes here; git-ignored
# In production the app serves its own static files (WhiteNoise): compressed, under names that
# carry their content's hash, so browsers may keep them for good. With DEBUG, as collected by none.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Safe production defaults; each can be relaxed from the environment (e.g. behind a proxy
# that terminates TLS, set SECURE_PROXY_SSL_HEADER_NAME=HTTP_X_FORWARDED_PROTO).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("SECURE_PROXY_SSL_HEADER_NAME"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER_NAME"], "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The API: the public set for everyone, and writes for the desk by its roles. The browsable API
# only where DEBUG is on. Consumers get tokens in the admin (Auth Token › Tokens); each token, and each anonymous
# address, is throttled (429 with Retry-After). Throttle counts live in the cache: the default one
# is per process, so several app servers need a shared cache (CACHES) to share the counts.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",  # the same JSON as DRF's own renderer, several times faster
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_ANONYMOUS_RATE", "60/min"),
        "user": env_rate("API_TOKEN_RATE", "600/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.NumberedPagination",
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "claims.api.negotiation.NamedFormatNegotiation",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "provenance.api_schema.ProvenanceAutoSchema",
}

# The OpenAPI schema at /api/schema/, and Swagger UI on it at /api/docs/ with its files served from
# here (drf-spectacular-sidecar), never from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Provenance API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Vetted claims, with where each appears, who said it to whom on its way to the reader, and what "
        "the fact-checkers made of it; and the sources, documents and published stories those claims "
        "reach. Nothing that is not vetted is public: it answers 404, like a slug that does not exist.\n\n"
        "Anyone may read. A consumer's token (issued in the admin) goes in `Authorization: Token <key>`; "
        "each token and each anonymous address has a request rate, and over it the answer is 429 with "
        "`Retry-After`. Lists come in pages (`page_size` up to 200). A bad parameter answers 400 with "
        "the parameter's name as the key of its messages.\n\n"
        "To mirror the claims: walk `/api/v1/claims/` by its `next` links (update order), then ask again "
        "with `updated_since` set to the newest `updated_at` or `withdrawn_at` you hold: upsert the "
        "`results`, delete the `tombstones`. `/api/v1/changes/` says why each rating moved. Every GET "
        "answers 304 to the `ETag` it gave (`If-None-Match`).\n\n"
        "The desk (fact-checkers, editors) sees every claim and writes by its roles: claims by POST, and "
        "PATCH/PUT/DELETE with `If-Match` (428 without, 412 when stale); reviews by POST to "
        "`/api/v1/claims/{slug}/reviews/`."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: Swagger UI would send the schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Request bodies as their own components, without the read-only fields a response carries.
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per scale, wherever it appears (a claim's verdict, the verdict filter, ...).
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "claims.models.Verdict",
        "CredibilityEnum": "claims.models.Credibility",
        "LikelihoodEnum": "claims.models.Likelihood",
        "ReliabilityEnum": "sources.models.Reliability",
        "SourceKindEnum": "sources.models.SourceKind",
        "DocumentKindEnum": "sources.models.DocumentKind",
        "DerivationKindEnum": "claims.models.DerivationKind",
        "ClaimStatusEnum": "claims.models.ClaimStatus",
    },
}

# Cross-origin reads of the API (django-cors-headers): pages on the origins listed in
# API_CORS_ALLOWED_ORIGINS (comma-separated, e.g. https://desk.example.org) may read /api/ from a
# browser; no other origin may, and by default none. Only reads: a preflight for any write is not
# granted. The conditional-request headers are allowed and the validators exposed, for syncing.
CORS_ALLOWED_ORIGINS = env_list("API_CORS_ALLOWED_ORIGINS")
for origin in CORS_ALLOWED_ORIGINS:
    if not re.fullmatch(r"https?://[^/?#\s]+", origin):
        raise ImproperlyConfigured(
            f"API_CORS_ALLOWED_ORIGINS must list origins such as https://desk.example.org (a scheme and a host, "
            f"no path), not {origin!r}."
        )
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = (*default_cors_headers, "if-none-match", "if-modified-since")
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After")

# Incremental sync: each walk of the API's update-ordered lists tells the consumer to start its
# next one this long before the walk began, to meet again what changed while it walked and what
# writes still committing had stamped earlier. Longer than any write transaction.
API_SYNC_OVERLAP_SECONDS = env_int("API_SYNC_OVERLAP_SECONDS", 60)

# The fact-checking workflow. How many people, other than whoever last changed a claim's
# content, must approve it before it is vetted.
REQUIRED_APPROVALS = env_int("REQUIRED_APPROVALS", 1, minimum=1)

# Capturing sources (sources.capture): what a fetch of a page may take, and the private networks
# it may reach (none by default: an address on the app's own network is refused, against
# server-side request forgery). Networks as CIDR, comma-separated: 10.0.0.0/8,192.168.1.0/24.
CAPTURE_TIMEOUT_SECONDS = env_int("CAPTURE_TIMEOUT_SECONDS", 10, minimum=1)
CAPTURE_DEADLINE_SECONDS = env_int("CAPTURE_DEADLINE_SECONDS", 30, minimum=1)
CAPTURE_MAX_BYTES = env_int("CAPTURE_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
CAPTURE_MAX_REDIRECTS = env_int("CAPTURE_MAX_REDIRECTS", 5)
CAPTURE_ALLOWED_NETWORKS = env_list("CAPTURE_ALLOWED_NETWORKS")
for network in CAPTURE_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(network)
    except ValueError:
        raise ImproperlyConfigured(f"CAPTURE_ALLOWED_NETWORKS must list networks such as 10.0.0.0/8, not {network!r}.") from None

# Who publishes our fact checks: the author of every ClaimReview (claims.exports.claimreview). The
# URL, the organisation's home page, is left out of them until it is given.
FACT_CHECK_ORGANISATION_NAME = os.environ.get("FACT_CHECK_ORGANISATION_NAME") or "Provenance"
FACT_CHECK_ORGANISATION_URL = os.environ.get("FACT_CHECK_ORGANISATION_URL", "")
if FACT_CHECK_ORGANISATION_URL and not re.fullmatch(r"https?://[^/?#\s]+(/\S*)?", FACT_CHECK_ORGANISATION_URL):
    raise ImproperlyConfigured(
        f"FACT_CHECK_ORGANISATION_URL must be a web address such as https://factcheck.example.org/, "
        f"not {FACT_CHECK_ORGANISATION_URL!r}."
    )
