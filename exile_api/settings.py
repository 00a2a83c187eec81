"""Settings of the Exile Resources API, all driven by environment variables.

Development defaults are safe: DEBUG is off unless asked for, the database is the project-local
cluster that ``make run`` starts, and only loopback hosts are allowed. ``DJANGO_ENV=production``
refuses to start without a real SECRET_KEY and an explicit ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
import orjson
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_whole_number(name, default):
    """The whole number, 0 or more, in environment variable ``name``; ``default`` if unset."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number, 0 or more.")
    return number


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

# The development key only ever signs development sessions; production must bring its own.
DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-used-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs SECRET_KEY: a random string of at least 50 characters."
    )

DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ENV=production needs ALLOWED_HOSTS (comma-separated).")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "csp",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The admin's CSV/XLSX import (resources/admin_import.py): its pages, templates and static.
    "import_export",
    # The task queue in PostgreSQL that sends subscriptions their changes (resources/tasks.py):
    # its tables, its worker (manage.py procrastinate worker) and its jobs in the admin.
    "procrastinate.contrib.django",
    "resources",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above everything that may answer early (WhiteNoise, the body limit, CommonMiddleware), so
    # those answers carry CORS headers too; below SecurityMiddleware, so preflights get its headers.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the read cache (a stored response must not replay one client's standing) and
    # the 304s (which keep only the caching headers).
    "exile_api.middleware.RateLimitHeadersMiddleware",
    # Outside the Cache-Control middleware: the ETag and 304 see its no-store, and keep its headers.
    "exile_api.middleware.ConditionalGetOnlyIfAskedMiddleware",
    # Inside ConditionalGetMiddleware, so that a hit still answers If-None-Match with a 304;
    # outside everything that makes a response, so that a hit carries all their headers.
    # Before the read cache: a change made outside the app is recorded (and its version
    # moved) before the cache is asked.
    "exile_api.middleware.OutsideChangesMiddleware",
    "exile_api.read_cache.ReadCacheMiddleware",
    "exile_api.middleware.ApiCacheHeadersMiddleware",
    "exile_api.middleware.RequestLimitsMiddleware",
    # Before anything reads the database: decides whether this request reads the primary.
    # Left out unless DATABASE_REPLICA_URLS is set.
    "exile_api.middleware.ReplicaPinningMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After AuthenticationMiddleware (a session's user is no anonymous client); inside the read
    # cache, so that a hit costs no SET.
    "exile_api.statement_timeout.StatementTimeoutMiddleware",
    "exile_api.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "exile_api.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every page: scripts only from this server (the docs' Swagger UI
# and Redoc included: their files come from drf-spectacular-sidecar, Swagger UI's start-up
# script is served as a file). Inline styles stay allowed: both docs UIs set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

ROOT_URLCONF = "exile_api.urls"
# The admin can be moved off the well-known /admin/ to shed drive-by login attempts.
ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
WSGI_APPLICATION = "exile_api.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "exile_api" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The project-local cluster that `make run` starts (scripts/devdb.sh); DATABASE_URL overrides it.
LOCAL_DATABASE_URL = "postgres://exile@127.0.0.1:54329/exile_api"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or LOCAL_DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
# Django's backend, with a health check that asks the socket before it asks the server
# (exile_api/postgresql/base.py): no round trip per request on a live connection.
POSTGRESQL_ENGINE = "exile_api.postgresql"
DATABASES["default"]["ENGINE"] = POSTGRESQL_ENGINE
# A database that does not answer (a host gone, a network dropping packets) must become a
# 503 within seconds, not a worker killed by gunicorn's 30-second timeout: libpq gives up
# connecting after DATABASE_CONNECT_TIMEOUT seconds, and TCP keepalives find a dead peer in
# the middle of a query within 10 + 3 x 5 seconds. The URL's own parameters win
# (?connect_timeout=...).
DATABASE_CONNECTION_OPTIONS = {
    "connect_timeout": env_whole_number("DATABASE_CONNECT_TIMEOUT", 5) or 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def with_connection_options(database):
    """``database`` (a DATABASES entry) with DATABASE_CONNECTION_OPTIONS, its own first."""
    database["OPTIONS"] = DATABASE_CONNECTION_OPTIONS | database.get("OPTIONS", {})
    return database


with_connection_options(DATABASES["default"])

# Streaming replicas of that primary (comma-separated URLs): reads go to them, writes and a
# client's reads for REPLICA_PIN_SECONDS after its own write go to the primary
# (exile_api/db_routers.py, exile_api/middleware.py).
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
for number, url in enumerate(DATABASE_REPLICA_URLS, start=1):
    replica = dj_database_url.parse(
        url,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    if not replica["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must point at PostgreSQL replicas.")
    replica["ENGINE"] = POSTGRESQL_ENGINE
    with_connection_options(replica)
    # Tests never create a replica database: the alias reads the test database of default.
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{number}"] = replica
DATABASE_ROUTERS = ["exile_api.db_routers.PrimaryReplicaRouter"] if DATABASE_REPLICA_URLS else []
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))
if REPLICA_PIN_SECONDS < 0:
    raise ImproperlyConfigured("REPLICA_PIN_SECONDS must be a number of seconds, 0 or more.")

# Changes made in the database outside the app (a shell, SQL) are noted by triggers and
# recorded in the history before each API or admin request. Only the test suite turns it off.
HISTORY_RECORDS_OUTSIDE_CHANGES = env_bool("HISTORY_RECORDS_OUTSIDE_CHANGES", default=True)

# The admin's CSV/XLSX import (resources/admin_import.py): the largest file, the most rows and,
# for an XLSX (a zip of XML), the most bytes its parts may unpack to: a small zip can unpack to
# gigabytes. A file must also fit in MAX_REQUEST_BODY_BYTES, which refuses larger uploads (413)
# before the import sees them. Each row is validated and written as an API create would be
# (some 35 queries), twice (the preview, then the confirmation), each time in one transaction
# that holds the history's lock, which other writes wait for: the row limit bounds how long.
ADMIN_IMPORT_MAX_BYTES = env_whole_number("ADMIN_IMPORT_MAX_BYTES", 1_000_000)
ADMIN_IMPORT_MAX_ROWS = env_whole_number("ADMIN_IMPORT_MAX_ROWS", 500)
ADMIN_IMPORT_MAX_UNPACKED_BYTES = env_whole_number("ADMIN_IMPORT_MAX_UNPACKED_BYTES", 20_000_000)

# Four eyes: a reviewer may not publish a record they submitted or last edited themselves.
# Set REQUIRE_SECOND_REVIEWER=false only for a team of one.
REQUIRE_SECOND_REVIEWER = env_bool("REQUIRE_SECOND_REVIEWER", default=True)

# Repeated failed logins (the admin) lock the username from that address out for a while:
# credential stuffing meets a wall (django-axes). The check runs before any password hashing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address as the rate limits see it (NUM_PROXIES decides whom to believe).
AXES_CLIENT_IP_CALLABLE = "resources.api.throttling.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Records may carry Russian names and texts; Accept-Language (or ?lang=) picks the language.
LANGUAGES = [("en", "English"), ("ru", "Russian")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Only production collects static files; development serves them from the apps (finders).
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
# Production serves the collected, hashed files; development serves straight from the apps.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies above this size are refused with 413 before anything reads them.
MAX_REQUEST_BODY_BYTES = int(os.environ.get("MAX_REQUEST_BODY_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# JSON bodies nested deeper are refused (400) as they are read: none the API takes nests past
# 7 levels, and deep nesting exhausts the recursion of whatever walks the data
# (resources.api.parsers).
MAX_JSON_DEPTH = 32
# Longer query strings get 414: no legitimate question needs more.
MAX_QUERY_STRING_BYTES = int(os.environ.get("MAX_QUERY_STRING_BYTES", "4096"))

# Seconds browsers and shared caches may reuse an anonymous API read without revalidating it.
API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "60"))
if API_CACHE_MAX_AGE < 0:
    raise ImproperlyConfigured("API_CACHE_MAX_AGE must be a number of seconds, 0 or more.")

# Browser apps on any origin may read the API; writes stay same-origin: a preflight for
# POST/PUT/PATCH/DELETE is answered without those methods, so browsers do not send them (a
# preflight-free form POST still meets the CSRF check and the JSON-only parser).
# No credentials: a cross-origin page never reads a response made with the user's cookies.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
# Cross-origin scripts may read the headers the OpenAPI description documents: the ETag (to
# revalidate with If-None-Match), the pages' Link, and where they stand with the rate limits.
CORS_EXPOSE_HEADERS = (
    "ETag",
    "Last-Modified",
    "Link",
    "Reported-As-Of",
    "Reported-As-Of-Notice",
    "Retry-After",
    "X-Cache",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)

# The shared cache: throttle counters and the read cache must be the same for every
# gunicorn worker and every app server, so never the per-process memory cache.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            # Django's, whose read cache lookup also reads the data's version (one query).
            "BACKEND": "exile_api.cache.DatabaseCache",
            "LOCATION": "exile_api_cache",
            # The read cache keeps one entry per distinct read: Django's 300 would cull a
            # third of the table every few misses. At most this many entries of at most
            # READ_CACHE_MAX_BYTES each.
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}

# Subscriptions (resources/subscriptions.py): the worker POSTs each matching change to the
# subscription's URL. Where the API is, for the absolute URLs in what is sent.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
# Target URLs must be HTTPS (in production, unless turned off); URLs that resolve to loopback
# addresses are refused unless allowed (tests and local development only). Private,
# link-local and metadata addresses are always refused (exile_api/outbound.py).
WEBHOOKS_REQUIRE_HTTPS = env_bool("WEBHOOKS_REQUIRE_HTTPS", default=PRODUCTION)
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# One attempt: connecting and each read time out after this many seconds, and no more of the
# answer is read once twice that has passed; at most this many bytes of it are read (only its
# status counts).
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_MAX_RESPONSE_BYTES = env_whole_number("WEBHOOK_MAX_RESPONSE_BYTES", 64 * 1024)
# Retries: the first after this many seconds, each wait twice the last, at most the cap, for
# this long after the change; then the delivery has failed and its subscription is paused.
WEBHOOK_RETRY_FIRST_SECONDS = float(os.environ.get("WEBHOOK_RETRY_FIRST_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
WEBHOOK_RETRY_FOR_SECONDS = float(os.environ.get("WEBHOOK_RETRY_FOR_SECONDS", str(24 * 3600)))
# A job whose worker sent no heartbeat for this long (killed, its machine gone) is run again
# by another worker (resources/tasks.py, every minute).
WEBHOOK_STALLED_AFTER_SECONDS = float(os.environ.get("WEBHOOK_STALLED_AFTER_SECONDS", "30"))
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "5")),
    "stalled_worker_timeout": WEBHOOK_STALLED_AFTER_SECONDS,
}

# Anonymous API reads served from the shared cache (exile_api/read_cache.py) for at most this
# many seconds; every recorded change invalidates them at once, so this is only a backstop.
# 0 turns the read cache off. Larger responses are not stored.
READ_CACHE_SECONDS = env_whole_number("READ_CACHE_SECONDS", 300)
READ_CACHE_MAX_BYTES = env_whole_number("READ_CACHE_MAX_BYTES", 1024 * 1024)

# Each database statement of an anonymous API read is cancelled after this many milliseconds,
# and the client gets a 503 with Retry-After (exile_api/statement_timeout.py): no worker is
# held by one slow query. 0 turns it off. Authenticated clients keep the server's setting.
# An uncached summary, the costliest read, takes ~0.5 s in all on make bench's small data.
ANONYMOUS_STATEMENT_TIMEOUT_MS = env_whole_number("ANONYMOUS_STATEMENT_TIMEOUT_MS", 5000)

# Requests per client per period (s, min, hour, day); over it: 429 with Retry-After.
API_THROTTLE_RATES = {
    "anon": os.environ.get("THROTTLE_ANON_RATE", "300/min"),
    "user": os.environ.get("THROTTLE_USER_RATE", "1200/min"),
    # Costly reads (resources.api.throttling.is_costly), counted in addition: a summary costs
    # about 0.5 s of a core on 20,000 statistics, a whole CSV export 20 s; at 20 a minute one
    # anonymous client keeps to a fraction of the 2-core server's time.
    "costly_anon": os.environ.get("THROTTLE_COSTLY_ANON_RATE", "20/min"),
    "costly_user": os.environ.get("THROTTLE_COSTLY_USER_RATE", "120/min"),
}
# Costly reads one client may have running at once, across every worker and app server
# (exile_api/concurrency.py); beyond it, 429. 0 turns the cap off. One for an anonymous
# client: with gunicorn's 2 workers of 4 threads, one address holds at most one core.
COSTLY_CONCURRENCY = {
    "anon": env_whole_number("COSTLY_CONCURRENCY_ANON", 1),
    "user": env_whole_number("COSTLY_CONCURRENCY_USER", 2),
}
# The number of proxies in front of the app (the load balancer included), each appending the
# address it saw to X-Forwarded-For. Unset (or 0): the header is ignored, the client is the
# connection's peer; otherwise the address the outermost proxy saw
# (resources.api.throttling.client_address). Too high a number lets clients choose their address.
NUM_PROXIES = env_whole_number("NUM_PROXIES", None)

REST_FRAMEWORK = {
    "DEFAULT_THROTTLE_CLASSES": [
        "resources.api.throttling.AnonymousRateThrottle",
        "resources.api.throttling.AuthenticatedRateThrottle",
        "resources.api.throttling.CostlyAnonymousRateThrottle",
        "resources.api.throttling.CostlyAuthenticatedRateThrottle",
        # Last: a request one of the rates refused takes no slot.
        "resources.api.throttling.CostlyConcurrencyThrottle",
    ],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "resources.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "resources.api.permissions.ModelPermissionsWithKeyScopes",
    ],
    "DEFAULT_PARSER_CLASSES": ["resources.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "resources.api.pagination.LimitOffsetPagination",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "resources.api.exports.StrictContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "resources.search.FullTextSearchFilter",
        "resources.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "resources.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "resources.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    # DRF keys nested-list errors by item index: {"citations": {0: {...}}}.
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_NON_STR_KEYS,),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Exile Resources API",
    "DESCRIPTION": (
        "What people need to know about the wave of emigration from Russia since February "
        "2022: emigration statistics, exile media outlets, NGOs and exile organizations, and "
        "host-country policies. Every fact carries its citations: the source, where in it, "
        "and the claim it supports.\n\n"
        "Anyone may read. Writes need a user with the matching Django model permission: "
        "logged in, or through an API key of that user with the `write` scope, sent as "
        "`Authorization: Api-Key <key>`. Lists are paginated with `limit` (default 50, at "
        "most 500) and `offset`."
    ),
    "VERSION": "1.0.0",
    # 3.1: nullable fields as JSON Schema's `type: [..., "null"]`, which strict validators and
    # the generators accept (3.0's `nullable` beside `allOf` cannot be null at all).
    "OAS_VERSION": "3.1.0",
    # Relative: the API is served wherever the schema is.
    "SERVERS": [{"url": "/", "description": "The server this description was fetched from"}],
    "SERVE_INCLUDE_SCHEMA": False,
    # Tag each operation by its resource (countries, statistics, ...), not by "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "resources.api.schema.typed_changes",
        "resources.api.schema.webhook_headers",
        "resources.api.schema.drop_unused_components",
    ],
    # What subscribers receive (resources/subscriptions.py), as OpenAPI 3.1 webhooks.
    "WEBHOOKS": ["resources.api.schema.CHANGE_WEBHOOK"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RecordStatusEnum": "resources.choices.RecordStatus",
        "PolicyStatusEnum": "resources.choices.PolicyStatus",
        "StatisticMetricEnum": "resources.choices.Metric",
        "AudienceMetricEnum": "resources.choices.AudienceMetric",
        "SourceKindEnum": "resources.choices.SourceKind",
        "OutletKindEnum": "resources.choices.OutletKind",
        "OrganizationKindEnum": "resources.choices.OrganizationKind",
        "HealthStateEnum": "resources.choices.HealthState",
        "SubscriptionStatusEnum": "resources.choices.SubscriptionStatus",
        "DeliveryStatusEnum": "resources.choices.DeliveryStatus",
    },
    "TAGS": [
        {"name": "countries", "description": "ISO 3166-1 countries, looked up by alpha-2 code."},
        {"name": "exile-groups", "description": "The groups of exiles the sources distinguish."},
        {"name": "sources", "description": "The works the data cites, and what cites them."},
        {"name": "statistics", "description": "Reported emigration figures, one per report."},
        {"name": "media-outlets", "description": "Exile media outlets and their channels."},
        {"name": "organizations", "description": "NGOs and exile organizations."},
        {"name": "policies", "description": "Host-country policies and stances."},
        {"name": "search", "description": "Search across every resource at once."},
        {
            "name": "changes",
            "description": "One ordered feed of every change, with a cursor to sync mirrors.",
        },
        {
            "name": "subscriptions",
            "description": "Your webhooks: each change you follow, POSTed and signed; their "
            "delivery log.",
        },
        {"name": "health", "description": "Liveness and database readiness."},
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The task queue says at INFO what it registers on every start of every process; its
    # worker's job log (started, succeeded, retried) is at INFO too: PROCRASTINATE_LOG_LEVEL.
    "loggers": {
        "procrastinate": {"level": os.environ.get("PROCRASTINATE_LOG_LEVEL", "WARNING")},
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
