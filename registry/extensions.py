"""The Flask extensions, created unbound and bound to the app in create_app()."""

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
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
