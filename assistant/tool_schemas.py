"""Tool definitions as a language model is sent them, made short: a small local model reads every
token of them on every step.

Only the shape sent changes: `X or null, default null` becomes `X` (an argument left out is None
anyway), and the strictness flags go (the tool's own validator still refuses unknown or wrong
arguments). What a tool does and what each argument means are kept word for word.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic_ai.tools import ToolDefinition


def compact(schema: Any) -> Any:
    """`schema` with optional-null unions folded and strictness flags dropped, recursively."""
    if isinstance(schema, list):
        return [compact(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    folded = dict(schema)
    options = folded.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = next(o for o in options if o != {"type": "null"})
        del folded["anyOf"]
        folded = {**other, **folded}
        if folded.get("default", 0) is None:
            del folded["default"]
    folded.pop("additionalProperties", None)
    folded.pop("title", None)
    return {key: compact(value) for key, value in folded.items()}


def compacted(tool: ToolDefinition) -> ToolDefinition:
    return replace(tool, parameters_json_schema=compact(tool.parameters_json_schema))
