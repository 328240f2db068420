"""An ``ItemLoader`` that compiles its fields' declared processors into plain calls.

Why its own module: it is a general Scrapy tool (nothing about DCInside), and the
loaders of ``dccrawl/loaders.py`` only declare processors on top of it. Why it
exists: ItemLoader's general path re-inspects every processor function and builds a
``ChainMap`` context on every call, which made a 12-field comment cost ~170 µs (a
crawl loads millions; ``bench/RESULTS.md``). ``tests/fields/test_loaders_compiled.py``
checks that the compiled path gives exactly what ItemLoader's own gives.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from itemloaders.utils import arg_to_iter
from scrapy.loader import ItemLoader

if TYPE_CHECKING:
    from typing import Self

Context = MutableMapping[str, Any]


class _FieldPlan(NamedTuple):
    """A field's declared processors, compiled once per loader class into plain calls.

    ``inputs`` are the functions of the field's ``MapCompose`` input processor, each
    with whether it takes ``loader_context``. ``output`` is ``None`` for
    ``TakeFirst``, else the single function of a ``Compose`` output processor (with
    its flag), or ``(None, False)`` for ``Identity``.
    """

    inputs: tuple[tuple[Callable[..., Any], bool], ...] | None
    output: tuple[Callable[..., Any] | None, bool] | None


def _takes_context(function: Callable[..., Any]) -> bool:
    return "loader_context" in inspect.signature(function).parameters


def _compile_input(processor: object) -> tuple[tuple[Callable[..., Any], bool], ...] | None:
    if isinstance(processor, MapCompose) and not processor.default_loader_context:
        return tuple((f, _takes_context(f)) for f in processor.functions)
    return None  # anything else takes ItemLoader's general path


_TAKE_FIRST = None
# Values ``arg_to_iter`` wraps in a one-element list (and MapCompose passes as one value).
_SCALARS = frozenset({str, int, bool, float, datetime})
UNCOMPILED = object()  # an output processor only ItemLoader's general path knows


def _compile_output(processor: object) -> object:
    if isinstance(processor, TakeFirst):
        return _TAKE_FIRST
    if isinstance(processor, Identity):
        return (None, False)
    if (
        isinstance(processor, Compose)
        and len(processor.functions) == 1
        and not processor.default_loader_context
    ):
        function = processor.functions[0]
        return (function, _takes_context(function))
    return UNCOMPILED


class CompiledItemLoader(ItemLoader):
    """An ``ItemLoader`` whose declared processors run through a compiled plan.

    ``add_value`` and ``load_item`` run each field's declared processors through a
    plan compiled once per class (:class:`_FieldPlan`): ItemLoader's general path
    re-inspects every processor function and builds a ``ChainMap`` context on every
    call, which made a 12-field comment cost ~170 µs (a crawl loads millions). The
    results are the same: the plan is made from the very processors declared below,
    and anything it does not cover (extra processors, ``re=``, other processor
    types) takes ItemLoader's own path.
    """

    default_output_processor = TakeFirst()
    _defaults: ClassVar[dict[str, Any]] = {}
    _plans: ClassVar[dict[str, _FieldPlan]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._plans = {}  # per class: compiled lazily, a field at a time

    @classmethod
    def _plan_of(cls, field_name: str) -> _FieldPlan:
        plan = cls._plans.get(field_name)
        if plan is None:
            inputs = getattr(cls, f"{field_name}_in", None)
            output = getattr(cls, f"{field_name}_out", None) or cls.default_output_processor
            plan = _FieldPlan(_compile_input(inputs), _compile_output(output))  # type: ignore[arg-type]
            cls._plans[field_name] = plan
        return plan

    @staticmethod
    def _run_inputs(
        inputs: tuple[tuple[Callable[..., Any], bool], ...], value: Any, context: Context
    ) -> list[Any]:
        """A field's compiled ``MapCompose``: each function over every value, flattened."""
        values: list[Any] = [value] if type(value) in _SCALARS else arg_to_iter(value)
        for function, contextual in inputs:
            results: list[Any] = []
            for single in values:
                try:
                    out = (
                        function(single, loader_context=context) if contextual else function(single)
                    )
                except Exception as error:  # the message ItemLoader's MapCompose gives
                    raise ValueError(
                        f"Error in MapCompose with {function!s} value={value!r} "
                        f"error='{type(error).__name__}: {error!s}'"
                    ) from error
                if out is None:
                    continue
                if type(out) in _SCALARS:
                    results.append(out)
                else:
                    results += arg_to_iter(out)
            values = results
        return values

    def add_value(
        self,
        field_name: str | None,
        value: Any,
        *processors: Callable[..., Any],
        re: Any = None,
        **kw: Any,
    ) -> Self:
        """ItemLoader's ``add_value``, through the field's compiled input processor."""
        plan = self._plan_of(field_name) if field_name else None
        inputs = plan.inputs if plan is not None else None
        if inputs is None or processors or re is not None or kw:
            return super().add_value(field_name, value, *processors, re=re, **kw)
        if value is None:
            return self
        assert field_name is not None
        values = self._run_inputs(inputs, value, self.context)
        if values:
            self._values.setdefault(field_name, []).extend(values)
        return self

    @classmethod
    def _output(cls, field_name: str, values: list[Any], context: Context) -> Any:
        """The field's compiled output processor applied to its collected values.

        ``UNCOMPILED`` (an output processor the plan does not know) is the caller's
        to handle."""
        output = cls._plan_of(field_name).output
        if output is _TAKE_FIRST:
            for value in values:
                if value is not None and value != "":
                    return value
            return None
        if output is UNCOMPILED:
            return UNCOMPILED
        function, contextual = output  # type: ignore[misc]
        if function is None:  # Identity
            return values
        try:
            return function(values, loader_context=context) if contextual else function(values)
        except Exception as error:  # the message ItemLoader's output processors give
            raise ValueError(
                f"Error with output processor: field={field_name!r} value={values!r} "
                f"error='{type(error).__name__}: {error!s}'"
            ) from error

    def _output_value(self, field_name: str, values: list[Any]) -> Any:
        value = self._output(field_name, values, self.context)
        return self.get_output_value(field_name) if value is UNCOMPILED else value

    @classmethod
    def _fill_defaults(cls, item: Any) -> Any:
        present = set(item.keys())
        for name in item.fields:
            if name not in present:
                default = cls._defaults.get(name)
                item[name] = list(default) if isinstance(default, list) else default
        return item

    def load_item(self) -> Any:
        """The item with every field set (``None``/``[]``/``False`` where nothing was added)."""
        item = self.item
        collected = self._values
        for field_name in tuple(collected):
            value = self._output_value(field_name, collected[field_name])
            if value is not None:
                item[field_name] = value
        return self._fill_defaults(item)
