"""Laptop and demo mode: `make run`."""

from .base import *  # noqa: F401,F403
from .base import env

CRM_ENVIRONMENT = "local"
DEBUG = env.bool("DEBUG", default=True)
