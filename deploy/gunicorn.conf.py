"""gunicorn's settings, for `gunicorn -c deploy/gunicorn.conf.py` from a checkout; installed, use
`gunicorn -c python:assess.gunicorn_config` (the same settings, shipped in the package)."""

from assess.gunicorn_config import *  # noqa: F403
