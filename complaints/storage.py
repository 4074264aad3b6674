"""Kept so that complaints' first migration can still import it; see crm_project.storage."""

from crm_project.storage import private_storage

__all__ = ["private_storage"]
