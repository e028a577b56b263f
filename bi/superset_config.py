"""Superset settings of the sop_pipeline BI starter (read by Superset via SUPERSET_CONFIG_PATH).

Everything Superset keeps lives in ``SUPERSET_HOME`` (``bi/.superset_home`` by default, ignored
by git): its metadata database and the secret key that ``bi/setup_superset.py`` generates on
the first install. Nothing here is a secret and nothing is fetched from the internet.
"""

import os
from pathlib import Path

HOME = Path(os.environ.get("SUPERSET_HOME") or Path(__file__).with_name(".superset_home"))
SECRET_KEY_FILE = HOME / "secret_key"

# Generated locally at install time; never committed.
SECRET_KEY = SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}?check_same_thread=false"

# Every chart reads the serving file when it is drawn, so a newly published month shows at the
# next refresh. The file is small; caching results would only show last month longer.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# The dashboard's native filter state and explore links need the metastore cache (its default).
# A local, single-user starter: no rate limit on the login API the setup script uses.
RATELIMIT_ENABLED = False
AUTH_RATE_LIMITED = False

# The browser may load only what Superset itself serves: no usage pixel (Superset's default
# policy allows one), no map tiles, no web fonts.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False
