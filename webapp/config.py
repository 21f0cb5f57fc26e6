"""Configuration classes, read from the environment."""
import os
from pathlib import Path

from webapp.thresholds import TIME_ZONE

DEFAULT_SECRET_KEY = "dev-only-insecure-key"
BASE_DIR = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _sqlite_url(BASE_DIR / "instance" / "pantau.sqlite")
    #: No `pool_pre_ping`: a pooled PostgreSQL connection is checked without a round trip
    #: (webapp/pooled_connections.py); a SQLite file is never dropped.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    REGION_CODE = os.environ.get("REGION_CODE", "17.01")
    #: "south,west,north,east"; when unset the regency's known box (or Indonesia's) is used.
    REGION_BBOX = os.environ.get("REGION_BBOX") or None
    STORAGE_ROOT = os.environ.get("STORAGE_ROOT") or str(BASE_DIR / "instance" / "storage")

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = TIME_ZONE
    LANGUAGES = ("id", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    #: Field phones stay logged in for a month so a long offline stretch never ends at a login page.
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 24
    WTF_CSRF_SSL_STRICT = False
    WTF_CSRF_HEADERS = ["X-CSRFToken"]

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Redis down must not turn every login into a 500: counts fall back to each process's memory.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    #: Failed logins allowed per client IP (successful ones are not counted).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "20 per 10 minutes")
    #: Wrong passwords in a row before an account is locked, the first lock, and the longest lock
    #: (each further wrong password doubles it).
    LOGIN_LOCK_AFTER = int(os.environ.get("LOGIN_LOCK_AFTER", 5))
    LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", 60))
    LOGIN_LOCK_MAX_SECONDS = int(os.environ.get("LOGIN_LOCK_MAX_SECONDS", 3600))
    #: How many reverse proxies in front of the app set X-Forwarded-For / -Proto (0: none, trust no header).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    #: Werkzeug's method for new password hashes; scrypt is memory-hard on purpose.
    PASSWORD_HASH_METHOD = "scrypt"

    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_PHOTO_BYTES = int(os.environ.get("MAX_PHOTO_BYTES", 8 * 1024 * 1024))
    MAX_BATCH_ITEMS = 100
    #: The largest JSON body any route reads (a batch of 100 items with long notes stays far below).
    JSON_MAX_BYTES = int(os.environ.get("JSON_MAX_BYTES", 4 * 1024 * 1024))
    #: Evidence flags: distance from the site, GPS accuracy, clock skew.
    FLAG_DISTANCE_M = float(os.environ.get("FLAG_DISTANCE_M", 200))
    FLAG_ACCURACY_M = float(os.environ.get("FLAG_ACCURACY_M", 50))
    FLAG_RECORDED_AGE_DAYS = int(os.environ.get("FLAG_RECORDED_AGE_DAYS", 30))
    #: A recorded_at outside [RECORDED_AT_EARLIEST, now + RECORDED_AT_AHEAD_HOURS] is refused per item:
    #: no phone records before the app existed or a day ahead of the server's clock.
    RECORDED_AT_EARLIEST = os.environ.get("RECORDED_AT_EARLIEST", "2020-01-01")
    RECORDED_AT_AHEAD_HOURS = float(os.environ.get("RECORDED_AT_AHEAD_HOURS", 24))

    #: The day of the next month by which an OPD's monthly report is due.
    OPD_REPORT_DEADLINE_DAY = int(os.environ.get("OPD_REPORT_DEADLINE_DAY", 10))
    #: Points by which a visit's observed progress may differ from the OPD's report before a flag.
    VERIFICATION_POINTS = float(os.environ.get("VERIFICATION_POINTS", 10))
    #: Points of deviation from the plan (or of disbursement ahead of progress) before a flag.
    DEVIATION_POINTS = float(os.environ.get("DEVIATION_POINTS", 10))
    #: The printed reports (RFK, RKPD evaluation): paper ("A4" or "F4"), the place written above the
    #: signature, and the OPD (by code) whose head signs the regency-wide ones.
    REPORT_PAPER = os.environ.get("REPORT_PAPER", "A4")
    REPORT_PLACE = os.environ.get("REPORT_PLACE", "Manna")
    REPORT_SIGNER_OPD = os.environ.get("REPORT_SIGNER_OPD", "BAPPEDA")

    TILE_URL = os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    TILE_ATTRIBUTION = os.environ.get(
        "TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    )
    PUBLIC_MAP_ENABLED = _bool("PUBLIC_MAP_ENABLED", True)
    PUBLIC_MAP_PHOTOS = _bool("PUBLIC_MAP_PHOTOS", False)
    HSTS = False
    #: Serve a worker that clears every pantau- cache and unregisters itself (a bad deploy's way out).
    PWA_KILL_SWITCH = _bool("PWA_KILL_SWITCH", False)
    API_TITLE = "Pantau API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    #: Email notifications go through this SMTP server; no server, no email (the bell still works).
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 587)
    #: STARTTLS after connecting (port 587); MAIL_USE_SSL for TLS from the start (port 465).
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER") or "Pantau <pantau@localhost>"
    #: Seconds to wait for the SMTP server before the send counts as failed (and is retried).
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT") or 10)
    #: Where links in emails point, e.g. "https://pantau.bengkuluselatankab.go.id".
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None


    #: Move what create_app built (modules, metadata, the app) out of the garbage collector's
    #: reach once it is built (gc.freeze): every later full collection skips it. On in production,
    #: where a worker's requests would otherwise pay for walking all of it.
    GC_FREEZE = _bool("GC_FREEZE", False)


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
    RATELIMIT_STORAGE_URI = "memory://"
    #: The limiter object is shared by every app the suite builds, so it stays enabled with a
    #: limit the suite never reaches; the rate-limit test sets its own.
    LOGIN_RATE_LIMIT = "10000 per minute"
    WTF_CSRF_ENABLED = True
    #: One PBKDF2 round: the suite makes hundreds of users and needs no protection for them.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    MAIL_SERVER = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    HSTS = True
    GC_FREEZE = _bool("GC_FREEZE", True)


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def config_from_env() -> type[Config]:
    """The config class named by PANTAU_ENV (development by default)."""
    return CONFIGS.get(os.environ.get("PANTAU_ENV", "development"), DevelopmentConfig)
