"""POST /api/auth/token/: username and password in, an API token out."""

from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from .throttling import LOCKED_OUT_STATUS, lockout_message
from .tokens import token_expired


class ObtainExpiringAuthToken(ObtainAuthToken):
    """POST username and password, get a token; an expired one is replaced by a new one.
    Throttled by django-axes like every login."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # Axes flags the DRF request it saw in authenticate(), not the Django request
            # its middleware sees, so the refusal is answered here.
            if getattr(request, "axes_locked_out", False):
                return Response({"detail": lockout_message()}, status=LOCKED_OUT_STATUS)
            raise
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})
