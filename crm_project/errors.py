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


def form_add_error(form, error) -> None:
    """Put a service's refusal on the form: next to its field when the form has that field,
    otherwise at the top. Takes a BusinessError or a model ValidationError."""
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(error, BusinessError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
    else:
        form.add_error(None, error)
