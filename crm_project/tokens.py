"""API tokens that do not outlive their purpose: a token older than CRM_API_TOKEN_TTL is
refused with 401 and deleted, and every token of a user is revoked when the password
changes or the account is deactivated (customers.models.User.save calls tokens_revoke).
The token view is in crm_project/token_views.py."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

# DRF imports this module while it builds its views (DEFAULT_AUTHENTICATION_CLASSES), so the
# token model is reached lazily, as DRF's own TokenAuthentication does.


def token_expired(token) -> bool:
    return token.created < timezone.now() - settings.CRM_API_TOKEN_TTL


def tokens_revoke(*, user) -> int:
    deleted, _by_model = ExpiringTokenAuthentication().get_model().objects.filter(
        user=user).delete()
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("Token has expired; request a new one."))
        return user, token
