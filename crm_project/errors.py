class BusinessError(Exception):
    """A rule of the business was broken. The message is shown to the user as it is.

    `field` names the form field at fault when there is one, so forms and the API can put
    the message next to it.
    """

    def __init__(self, message, *, field: str | None = None, errors: list | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or []
