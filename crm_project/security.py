"""Content-Security-Policy exceptions. Our own pages need none (settings: CONTENT_SECURITY_
POLICY); the API documentation pages ship third-party inline styles and, for Redoc, a
web worker, so only those two views are loosened (templates/drf_spectacular/redoc.html
drops Redoc's web fonts and inline script)."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update

docs_csp = csp_update({"style-src": [UNSAFE_INLINE]})
redoc_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})
