"""Content-Security-Policy exceptions. Our own pages need none (settings: CONTENT_SECURITY_
POLICY); the API documentation pages ship third-party inline styles and, for Redoc, an
inline start-up script and a web worker, so only those two views are loosened."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update

docs_csp = csp_update({"style-src": [UNSAFE_INLINE]})
redoc_csp = csp_update({"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE],
                        "worker-src": [SELF, "blob:"]})
