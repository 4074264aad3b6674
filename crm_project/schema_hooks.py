"""Post-processing of the OpenAPI schema, so that it says what the API answers."""

# DRF writes a time of day as "09:00:00" (no UTC offset), which the OpenAPI / JSON Schema
# "time" format (RFC 3339 full-time) does not accept; the schema says the real shape.
CLOCK_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$",
              "example": "09:00:00"}


def _clock_times(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node.update({key: value for key, value in CLOCK_TIME.items() if key not in node})
        for value in node.values():
            _clock_times(value)
    elif isinstance(node, list):
        for value in node:
            _clock_times(value)


def clock_times(result, generator, request, public):
    """drf-spectacular post-processing hook: times of day as "HH:MM[:SS]" strings."""
    _clock_times(result)
    return result
