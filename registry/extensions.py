"""The Flask extensions, created unbound and bound to the app in create_app()."""

import logging

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from registry.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def _default_limit() -> str:
    # Read per request from the app's settings: Flask-Limiter takes RATELIMIT_DEFAULT only from
    # the first app it is bound to, and a process may build several (tests, `flask` commands).
    return str(current_app.config["RATELIMIT_DEFAULT"])


limiter = Limiter(key_func=get_remote_address, default_limits=[_default_limit])


def rate_limit_window() -> tuple[RequestLimit, int, float] | None:
    """The limit this request counted against, the calls it leaves and when its window ends (a
    Unix time); None when no limit applied or the limits' storage did not answer (logged: the
    call was counted in memory meanwhile, as Flask-Limiter does). Asks the storage again: only
    the API's answers and refused pages call it, never a page served."""
    current = limiter.current_limit
    if current is None:
        return None
    try:
        return current, current.remaining, current.reset_at
    except Exception:  # the storage unreachable
        logging.getLogger(__name__).warning("the limits' storage did not answer", exc_info=True)
        return None
