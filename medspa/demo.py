"""Demo content that never overwrites what the clinic made.

The demo loaders (and the WordPress import, for what it imported) store a
fingerprint of the values they wrote. On the next run they update a row only
while its values still have that fingerprint, so anything staff wrote,
imported or edited keeps every field.
"""

import datetime
import hashlib
import json


def fingerprint(values: dict) -> str:
    text = json.dumps(values, sort_keys=True, default=_text, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _text(value) -> str:
    # One instant is one text, whatever zone the datetime came in.
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).isoformat()
    return str(value)


def may_update(row, current_values: dict) -> bool:
    """True if `row` is demo content nobody has changed since it was loaded."""
    return row.is_demo and row.demo_fingerprint == fingerprint(current_values)
