"""The language of every page: the user's own choice, else the one picked on this browser
before logging in, else Chinese. A browser's Accept-Language is never used for pages: field
staff share phones set to English and still work in Chinese. The API is not a browser: a
program asks for its language with Accept-Language, and gets it."""

from django.conf import settings
from django.utils import translation


def language_for(request) -> str:
    if request.path.startswith("/api/"):
        return translation.get_language_from_request(request)
    available = {code for code, _name in settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in available:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in available:
        return cookie
    return settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """Takes the place of Django's LocaleMiddleware, after authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
