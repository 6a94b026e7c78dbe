"""The web app `limelight serve` runs: a JSON API over the project (and, later, pages).

One job per module: :mod:`~limelight.web.app` builds the FastAPI app and includes the routers,
:mod:`~limelight.web.security` sends the security headers and checks the token,
:mod:`~limelight.web.server` binds it (127.0.0.1 unless a token is set), :mod:`~limelight.web.api`
has the endpoints, :mod:`~limelight.web.filters` turns query parameters into library filters (a
bad value is a 400 naming the allowed ones), :mod:`~limelight.web.cursor` makes the opaque
pagination cursors, :mod:`~limelight.web.streams` the streamed exports and
:mod:`~limelight.web.responses` the JSON answers. Every number comes from the library API
(:mod:`limelight.api`); nothing here reads the store on its own.
"""

from limelight.web.app import create_app

__all__ = ["create_app"]
