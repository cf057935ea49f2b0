"""A Jinja2 context whose calls skip the pass_context checks for callables that cannot ask for it.

Jinja routes every call in a template (a macro, `date.isoformat()`, `url(...)`) through `Context.call`,
which looks on the callable and on its `__call__` for a `jinja_pass_arg` marker before calling it. At
5,000 retros the templates make about 460,000 calls, and three in four are to macros, C functions and
`functools.partial` objects without the marker: they are called directly here, with the same result.
"""

from __future__ import annotations

import functools
import types
from typing import Any

from jinja2.runtime import Context, Macro

_UNMARKABLE = (Macro, types.BuiltinFunctionType, types.MethodWrapperType)
_STOP_ITERATION = "value was undefined because a callable raised a StopIteration exception"


class PlaybookContext(Context):
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind not in _UNMARKABLE and not (
            kind is functools.partial and "jinja_pass_arg" not in __obj.__dict__
        ):
            return Context.call(__self, __obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(_STOP_ITERATION)
