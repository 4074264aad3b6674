from django import template

register = template.Library()


@register.filter
def hours(duration) -> str:
    """A duration as hours with one decimal ("26.5 h"); a dash when there is none."""
    if duration is None:
        return "—"
    return f"{duration.total_seconds() / 3600:.1f} h"
