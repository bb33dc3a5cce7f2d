"""Atelier settings. Every value that differs between machines comes from the environment
(see the README's configuration table); the defaults suit a development checkout."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .configure.schema import SELECTION_VALUE_SCHEMA
from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

_DEVELOPMENT_SECRET_KEY = "django-insecure-atelier-development-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY: it is required when DEBUG is off.")
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "configurator.storefront",
    "configurator.throttling",
    "products",
    "orders",
    "manufacturing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "configurator.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
CSRF_FAILURE_VIEW = "configurator.plumbing.error_views.csrf_failure"
WSGI_APPLICATION = "configurator.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "configurator.storefront.context.storefront",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # A stage task or an order placement runs the same dozen statements again and again: with the
    # parameters sent apart from the query, psycopg prepares a statement once a connection has run
    # it five times, and PostgreSQL parses and plans it once per connection instead of every time.
    # Off behind a pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction
    # mode), where Django's default (parameters merged into the query text) is right.
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker share the file: wait for locks instead of failing, take the
    # write lock when a transaction starts (no upgrade deadlocks), and let readers run beside a writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that worker processes started by integration tests share it; one per
    # test run, so that runs side by side never share one.
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttle counters and cached analyses; share one cache between web hosts (e.g. redis://...).
# A short socket timeout: a hung cache costs a request a fraction of a second, never a worker.
_CACHE_URL = env_str("CACHE_URL", "")
_CACHE_TIMEOUT = env_int("CACHE_TIMEOUT_MS", 250) / 1000
CACHES = {
    "default": {
        "BACKEND": "configurator.plumbing.cache.ReusedClientRedisCache",
        "LOCATION": _CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": _CACHE_TIMEOUT, "socket_timeout": _CACHE_TIMEOUT},
    }
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
#: Where throttles count: the cache when one is configured (shared by every web process), else the
#: database. While the cache fails, requests are counted in the database (configurator/throttling).
ATELIER_THROTTLE_STORE = "cache" if _CACHE_URL else "database"
#: Seconds the throttle leaves a failed cache alone before it tries it again.
ATELIER_THROTTLE_CACHE_RETRY_SECONDS = env_int("ATELIER_THROTTLE_CACHE_RETRY_SECONDS", 30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- E-mail (password reset) --------------------------------------------------------------------
# Development prints mail on the console; production sets EMAIL_BACKEND and the SMTP variables.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Atelier <shop@localhost>")

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (effective when DEBUG is off) ------------------------------------------------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
#: A load balancer's health checks come over plain HTTP: answered, never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "configurator.plumbing.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["configurator.plumbing.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PAGINATION_CLASS": "configurator.plumbing.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "configurator.plumbing.filters.StrictSearchFilter",
        "configurator.plumbing.filters.StrictOrderingFilter",
    ],
    "EXCEPTION_HANDLER": "configurator.plumbing.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {"orders": env_str("ATELIER_ORDER_RATE", "30/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Atelier API",
    "DESCRIPTION": "Configure, price, quote, order and track mass-customized products.",
    "VERSION": "0.1.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "configurator.plumbing.openapi.strict_openapi_3_1",
    ],
    "APPEND_COMPONENTS": {"schemas": {"SelectionValue": SELECTION_VALUE_SCHEMA}},
    "ENUM_NAME_OVERRIDES": {
        "Currency": "products.choices.Currency",
        "ProductionMode": "products.choices.ProductionMode",
        "OptionSetKind": "products.choices.OptionSetKind",
        "CustomizationLevel": "products.choices.CustomizationLevel",
        "BreakMode": "products.choices.BreakMode",
        "OrderStatus": "orders.states.OrderStatus",
        "OrderEventType": "orders.models.OrderEventType",
        "ErrorCode": "configurator.plumbing.errors.ErrorCode",
        "FieldErrorCode": "configurator.plumbing.errors.FieldErrorCode",
    },
}

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
#: Whether the broker was named (CELERY_BROKER_URL) rather than defaulted: ``rundemo`` may start an
#: embedded Redis only for a development run whose broker was not named.
ATELIER_BROKER_CONFIGURED = bool(env_str("CELERY_BROKER_URL", ""))
#: Where ``celery beat`` (as started by ``rundemo``) keeps its schedule; its folder is created.
ATELIER_BEAT_SCHEDULE = env_str("ATELIER_BEAT_SCHEDULE", str(BASE_DIR / "var" / "celerybeat-schedule"))
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = "default"
#: Each task's queue as ``atelier_task`` declares it (a routing option set as a task attribute is
#: deprecated since Celery 5.7).
CELERY_TASK_ROUTES = ("configurator.plumbing.task.declared_queue",)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 5,
    "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 10.0),
    # How often a Redis worker puts back messages that a dead worker had taken (late acks).
    "unacked_restore_interval": env_float("CELERY_UNACKED_RESTORE_INTERVAL", 100.0),
    "unacked_restore_throttle": env_float("CELERY_UNACKED_RESTORE_THROTTLE", 0.5),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TASK_ALWAYS_EAGER = False
#: Celery's Django fix-up closes every database connection before and after each task unless this
#: is set: each stage task then connected to PostgreSQL anew (a backend forked and authenticated,
#: ~9 ms on a busy 2-core machine, more than the task's own queries). With it set that high, the
#: fix-up never closes them; ``configurator.celery`` keeps them as Django does around a request
#: (``CONN_MAX_AGE``, and dropped after an error or a failed health check).
CELERY_DB_REUSE_MAX = 1_000_000_000
CELERY_BEAT_SCHEDULE = {
    "sweep-outbox": {
        "task": "orders.sweep_outbox",
        "schedule": env_float("ATELIER_OUTBOX_SWEEP_SECONDS", 10.0),
    },
    "purge-idempotency-keys": {"task": "orders.purge_idempotency_keys", "schedule": 3600.0},
    "purge-outbox": {"task": "orders.purge_outbox", "schedule": 3600.0},
    "purge-throttle-counters": {"task": "throttling.purge_counters", "schedule": 3600.0},
    "sweep-compilations": {"task": "products.sweep_compilations", "schedule": 30.0},
    "wake-factory": {
        "task": "manufacturing.wake_factory",
        "schedule": env_float("ATELIER_FACTORY_WAKE_SECONDS", 1.0),
        # A wake older than the next one is worth nothing: never let them pile up.
        "options": {"expires": env_float("ATELIER_FACTORY_WAKE_SECONDS", 1.0) * 5},
    },
}

# --- Atelier -------------------------------------------------------------------------------------
#: Compiled engine models are pickled here, one file per published version, shared by the
#: processes of a host.
ATELIER_MODEL_CACHE_DIR = env_str("ATELIER_MODEL_CACHE_DIR", str(BASE_DIR / "var" / "models"))
#: Compiled models (and configurators per thread) kept in memory per process.
#: Product documents up to this size (compact JSON) are compiled while publishing and, on a host
#: that lacks them, in the request; larger ones only by a worker (products/compilation.py).
ATELIER_COMPILE_INLINE_BYTES = env_int("ATELIER_COMPILE_INLINE_BYTES", 256 * 1024)
#: A compilation not finished after this long is taken to have died with its worker and asked again.
ATELIER_COMPILE_STUCK_SECONDS = env_int("ATELIER_COMPILE_STUCK_SECONDS", 900)
ATELIER_MODEL_CACHE_SIZE = env_int("ATELIER_MODEL_CACHE_SIZE", 16)
#: Megabytes of rendered configure answers each process keeps (0: none). An answer is reused only
#: while its version, request, date, queue days and factory are unchanged (configure/services.py).
ATELIER_CONFIGURE_CACHE_MB = env_int("ATELIER_CONFIGURE_CACHE_MB", 16)
#: Megabytes of rendered product pages (a customer's view of a published version) each process keeps.
ATELIER_PRODUCT_PAGES_MB = env_int("ATELIER_PRODUCT_PAGES_MB", 8)
#: Share customers' configure answers between web processes and hosts through the cache (on when
#: CACHE_URL is set): an answer one process computed serves the others, checked as their own are.
ATELIER_CONFIGURE_SHARED = env_bool("ATELIER_CONFIGURE_SHARED", bool(_CACHE_URL))
#: Seconds the shared cache keeps an answer (a popular one is written again when it expires).
ATELIER_CONFIGURE_SHARED_SECONDS = env_int("ATELIER_CONFIGURE_SHARED_SECONDS", 600)
#: Seconds the configure endpoint leaves a failed shared cache alone before it tries it again.
ATELIER_CONFIGURE_SHARED_RETRY_SECONDS = env_int("ATELIER_CONFIGURE_SHARED_RETRY_SECONDS", 30)
#: Seconds a process reuses a product's queue days (the factory's live load in a lead time) before
#: it reads them again, for configure answers, quotes and orders alike.
ATELIER_QUEUE_DAYS_SECONDS = env_float("ATELIER_QUEUE_DAYS_SECONDS", 5.0)
#: Milliseconds the configure endpoint spends explaining blocked values of a version whose
#: explanations are not precomputed yet, before it answers with the rest unexplained
#: (``explained: false``; the explain endpoint gives any one). 0: no limit.
ATELIER_EXPLAIN_BUDGET_MS = env_int("ATELIER_EXPLAIN_BUDGET_MS", 25)
#: The same bound once a version's explanations are precomputed: a safety net, not met in normal
#: use, so every blocked value carries its reasons. 0: no limit.
ATELIER_EXPLAIN_SAFETY_MS = env_int("ATELIER_EXPLAIN_SAFETY_MS", 1000)
#: Documents up to this size (compact JSON) have their explanations precomputed while publishing
#: (milliseconds for hand-made products); larger ones by the products.precompute_version task.
ATELIER_PRECOMPUTE_INLINE_BYTES = env_int("ATELIER_PRECOMPUTE_INLINE_BYTES", 64 * 1024)
#: A precomputation not finished after this long is taken to have died with its worker and asked again.
ATELIER_PRECOMPUTE_STUCK_SECONDS = env_int("ATELIER_PRECOMPUTE_STUCK_SECONDS", 3600)
#: The most units one configuration, quote or order may be for.
ATELIER_MAX_QUANTITY = env_int("ATELIER_MAX_QUANTITY", 10_000)
#: Whether webhooks may be delivered to addresses that are not public (loopback, private networks,
#: link-local ones such as a cloud's metadata service): on for a local run, off in production
#: unless the receivers live inside your network.
ATELIER_WEBHOOK_PRIVATE_ADDRESSES = env_bool("ATELIER_WEBHOOK_PRIVATE_ADDRESSES", DEBUG)
#: Days an acknowledged outbox message is kept (for diagnosis) before the hourly purge deletes it.
ATELIER_OUTBOX_RETENTION_DAYS = env_int("ATELIER_OUTBOX_RETENTION_DAYS", 7)
#: Seconds before the outbox sends an unsent message again (doubling up to 10 minutes).
ATELIER_OUTBOX_RETRY_SECONDS = env_int("ATELIER_OUTBOX_RETRY_SECONDS", 5)
#: ``background``: a thread of each process publishes committed outbox messages, so that no request
#: waits on the broker; ``inline``: the committing thread publishes them (unit tests).
ATELIER_OUTBOX_RELAY = env_str("ATELIER_OUTBOX_RELAY", "background")
if ATELIER_OUTBOX_RELAY not in ("background", "inline"):
    raise ImproperlyConfigured("ATELIER_OUTBOX_RELAY must be background or inline.")
#: Seconds a sent message may wait for its task's acknowledgement before it is sent again.
ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS = env_int("ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS", 300)
#: Hours an Idempotency-Key is remembered (at least 24).
ATELIER_IDEMPOTENCY_HOURS = max(env_int("ATELIER_IDEMPOTENCY_HOURS", 24), 24)
#: Failed log-ins allowed per username and per client address within the window below.
ATELIER_LOGIN_ATTEMPTS = env_int("ATELIER_LOGIN_ATTEMPTS", 10)
ATELIER_LOGIN_WINDOW_SECONDS = env_int("ATELIER_LOGIN_WINDOW_SECONDS", 900)
#: Seconds the order page waits between refreshes while an order is in production.
ATELIER_ORDER_REFRESH_SECONDS = env_float("ATELIER_ORDER_REFRESH_SECONDS", 3.0)
#: Days a quote holds its price.
ATELIER_QUOTE_VALIDITY_DAYS = env_int("ATELIER_QUOTE_VALIDITY_DAYS", 30)
#: Simulated factory seconds per real second (60: a simulated minute per real second); 0 runs the
#: factory as fast as the workers go (tests, benchmarks).
ATELIER_SIM_TIME_SCALE = env_float("ATELIER_SIM_TIME_SCALE", 60.0)
#: Simulated minutes a work centre works per business day: turns the queue ahead into days of
#: lead time (docs/factory.md, "How the ship date is computed").
ATELIER_FACTORY_MINUTES_PER_DAY = env_int("ATELIER_FACTORY_MINUTES_PER_DAY", 480)
#: Seconds a process keeps the factory's routes and work centres in memory between reads.
ATELIER_FACTORY_SPEC_SECONDS = env_float("ATELIER_FACTORY_SPEC_SECONDS", 10.0)
#: Times an order is scrapped and remade before it stops for staff attention.
ATELIER_FACTORY_MAX_REMAKES = env_int("ATELIER_FACTORY_MAX_REMAKES", 3)
#: Failures of a stage task that is not a passing database or broker problem before its order is
#: flagged for staff attention (a poison task stops instead of looping).
ATELIER_FACTORY_POISON_RETRIES = env_int("ATELIER_FACTORY_POISON_RETRIES", 3)
#: Seconds a due stage may stay unfinished before the periodic wake sends its finish again (a
#: message lost with a broker that restarted empty).
ATELIER_FACTORY_REDRIVE_SECONDS = env_float("ATELIER_FACTORY_REDRIVE_SECONDS", 30.0)
#: The most messages one wake sends again.
ATELIER_FACTORY_WAKE_LIMIT = env_int("ATELIER_FACTORY_WAKE_LIMIT", 500)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
