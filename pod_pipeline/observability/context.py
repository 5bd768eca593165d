"""Which artwork, template and product the current code is working on, for every log line and
Sentry event it produces.

Held in `contextvars` so that it follows the code (threads of a run, the webhook receiver's
requests) without being passed around, and so that a block nested inside another restores the
outer values when it ends.

An exception leaving a block keeps the context it was raised in (`context_of(error)`): by the
time a hook or middleware reports it, the blocks have ended and the variables are reset.

Thread pools do not carry it: a `ThreadPoolExecutor` worker starts from its own, empty context
(before and after Python 3.12). Either set the context inside the worker function, or submit a
`carry_context(fn)`, which runs `fn` in a copy of the context it was wrapped in.
"""

from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager
from typing import Callable, Iterator, ParamSpec, TypeVar

FIELDS = ("artwork_id", "template_id", "store", "product_id", "gelato_product_id")
_VARIABLES = {name: contextvars.ContextVar(f"pod_{name}", default=None) for name in FIELDS}

_ERROR_ATTRIBUTE = "pod_log_context"
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def log_context(**fields: str | None) -> Iterator[dict[str, str]]:
    """Set some of `FIELDS` for the block (None clears a field for the block); yields the whole
    context as it is inside the block. An exception escaping the block remembers the innermost
    context it passed through."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TypeError(f"log_context() takes {', '.join(FIELDS)}; not {', '.join(unknown)}")
    tokens = [(_VARIABLES[name], _VARIABLES[name].set(None if value is None else str(value)))
              for name, value in fields.items()]
    try:
        yield current_context()
    except BaseException as error:
        if not hasattr(error, _ERROR_ATTRIBUTE):
            try:
                setattr(error, _ERROR_ATTRIBUTE, current_context())
            except (AttributeError, TypeError):  # an exception type that takes no attributes
                pass
        raise
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def current_context() -> dict[str, str]:
    """The fields that are set, by name."""
    values = {name: variable.get() for name, variable in _VARIABLES.items()}
    return {name: value for name, value in values.items() if value is not None}


def context_of(error: BaseException | None) -> dict[str, str]:
    """The log context `error` was raised in (empty when it left no `log_context` block)."""
    return dict(getattr(error, _ERROR_ATTRIBUTE, None) or {})


def carry_context(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn`, run in the log context of the caller of `carry_context` (e.g. for `pool.map`). Each
    call gets its own copy: one `Context` cannot be entered by two threads at once."""
    snapshot = contextvars.copy_context()

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return snapshot.copy().run(fn, *args, **kwargs)

    return run
