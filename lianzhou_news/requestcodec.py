"""How fleet requests are stored in Redis: JSON, never pickle.

scrapy-redis stores requests with pickle by default, and unpickling runs code:
anyone able to write to the shared Redis could then run code on every worker.
This module is the ``SCHEDULER_SERIALIZER`` of distributed mode instead (a
module with ``dumps`` and ``loads``, as scrapy-redis expects). A request dict
(``Request.to_dict``) is plain data except for bytes (URL-encoded bodies,
headers), which are tagged and base64-encoded; anything else that JSON cannot
hold is refused when the request is queued, with its type named.

>>> loads(dumps({"url": "http://h/a", "body": b"x=1", "headers": {b"A": [b"b"]}}))
{'url': 'http://h/a', 'body': b'x=1', 'headers': {b'A': [b'b']}}
"""

from __future__ import annotations

import base64
import json

_BYTES = "__b64__"
_BYTES_KEYS = "__b64keys__"


def _encode(value):
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if any(isinstance(key, bytes) for key in value):
            return {
                _BYTES_KEYS: [
                    [_encode(key), _encode(item)] for key, item in value.items()
                ]
            }
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(
        f"a fleet request cannot carry a {type(value).__name__} (JSON only): {value!r}"
    )


def _decode(value):
    if isinstance(value, dict):
        if _BYTES in value and len(value) == 1:
            return base64.b64decode(value[_BYTES])
        if _BYTES_KEYS in value and len(value) == 1:
            return {_decode(key): _decode(item) for key, item in value[_BYTES_KEYS]}
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def dumps(request_dict: dict) -> bytes:
    return json.dumps(_encode(request_dict), ensure_ascii=False).encode("utf-8")


def loads(data: bytes) -> dict:
    return _decode(json.loads(data))
