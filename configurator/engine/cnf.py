"""A small CNF builder: variables, clauses, Tseitin gates, cardinality, and decision diagrams.

Variable 1 is the constant TRUE (a unit clause), so ``TRUE = 1`` and ``FALSE = -1`` can stand in
any clause and are simplified away when the clause is added. Every gate is a full equivalence
(``out <-> f(inputs)``), so any gate literal may later be assumed or read back from a model.

Finite-domain variables come in two encodings:

* :class:`DirectVar` (single and boolean sets): one literal per value, exactly one true.
* :class:`OrderVar` (numbers, text lengths, counts): ``ge[i]`` means "value >= values[i]";
  ``ge[0]`` is TRUE and ``ge[n]`` FALSE, and ``ge[i+1] -> ge[i]``. A run of consecutive values
  ``i..j`` is the condition ``ge[i] and not ge[j+1]``.

Both can be the level of a decision-diagram node (:meth:`Cnf.node`): a node literal is true iff the
child chosen by the level's value is true. Tables and arithmetic over several numbers become
reduced multi-valued decision diagrams built from such nodes; equal nodes are shared (hash-consed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

TRUE = 1
FALSE = -1


class DirectVar:
    """A finite-domain variable with one literal per value (exactly one of them true)."""

    __slots__ = ("lits", "values")

    def __init__(self, values: Sequence[Any], lits: Sequence[int]) -> None:
        self.values: tuple[Any, ...] = tuple(values)
        self.lits: tuple[int, ...] = tuple(lits)

    def __len__(self) -> int:
        return len(self.values)

    def eq(self, index: int) -> list[int]:
        """The literals whose conjunction means ``value == values[index]``."""
        return [self.lits[index]]

    def decode(self, truth: Callable[[int], bool]) -> int:
        for index, lit in enumerate(self.lits):
            if truth(lit):
                return index
        raise AssertionError("no value of a direct variable is true")

    def __getstate__(self) -> tuple[tuple[Any, ...], tuple[int, ...]]:
        return (self.values, self.lits)

    def __setstate__(self, state: tuple[tuple[Any, ...], tuple[int, ...]]) -> None:
        self.values, self.lits = state


class OrderVar:
    """A finite-domain variable over sorted values in the order encoding."""

    __slots__ = ("ge", "values")

    def __init__(self, values: Sequence[Any], ge: Sequence[int]) -> None:
        self.values: tuple[Any, ...] = tuple(values)
        self.ge: tuple[int, ...] = tuple(ge)  # len(values) + 1 literals; ge[0] TRUE, ge[-1] FALSE

    def __len__(self) -> int:
        return len(self.values)

    def eq(self, index: int) -> list[int]:
        return [lit for lit in (self.ge[index], -self.ge[index + 1]) if lit != TRUE]

    def run(self, first: int, last: int) -> list[int]:
        """Literals whose conjunction means ``values[first] <= value <= values[last]``."""
        return [lit for lit in (self.ge[first], -self.ge[last + 1]) if lit != TRUE]

    def decode(self, truth: Callable[[int], bool]) -> int:
        low, high = 0, len(self.values) - 1  # the answer is the largest i with ge[i] true
        while low < high:
            middle = (low + high + 1) // 2
            if truth(self.ge[middle]):
                low = middle
            else:
                high = middle - 1
        return low

    def __getstate__(self) -> tuple[tuple[Any, ...], tuple[int, ...]]:
        return (self.values, self.ge)

    def __setstate__(self, state: tuple[tuple[Any, ...], tuple[int, ...]]) -> None:
        self.values, self.ge = state


def runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Group sorted indices into maximal runs of consecutive numbers."""
    result: list[tuple[int, int]] = []
    for index in indices:
        if result and result[-1][1] == index - 1:
            result[-1] = (result[-1][0], index)
        else:
            result.append((index, index))
    return result


class TooLarge(Exception):
    """The formula outgrew one of its limits (see :class:`Cnf`)."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(what)
        self.what = what
        self.limit = limit


class Cnf:
    """A formula being built. ``max_variables`` / ``max_clauses``: stop with :class:`TooLarge` as
    soon as it outgrows them (so a hostile model is refused before it takes the memory)."""

    def __init__(self, max_variables: int | None = None, max_clauses: int | None = None) -> None:
        self.nvars = 1
        self.clauses: list[list[int]] = [[TRUE]]
        self._gates: dict[tuple[Any, ...], int] = {}
        self.max_variables = max_variables
        self.max_clauses = max_clauses

    def new_var(self) -> int:
        self.nvars += 1
        if self.max_variables is not None and self.nvars > self.max_variables:
            raise TooLarge("variables", self.max_variables)
        return self.nvars

    def add(self, clause: Iterable[int]) -> None:
        result: list[int] = []
        seen: set[int] = set()
        for lit in clause:
            if lit == TRUE or -lit in seen:
                return
            if lit == FALSE or lit in seen:
                continue
            seen.add(lit)
            result.append(lit)
        self.clauses.append(result if result else [FALSE])
        if self.max_clauses is not None and len(self.clauses) > self.max_clauses:
            raise TooLarge("clauses", self.max_clauses)

    # -- gates -----------------------------------------------------------------------------------

    def and_(self, lits: Iterable[int]) -> int:
        items = sorted(set(lits), key=abs)
        if FALSE in items or any(-lit in items for lit in items):
            return FALSE
        items = [lit for lit in items if lit != TRUE]
        if not items:
            return TRUE
        if len(items) == 1:
            return items[0]
        key = ("and", *items)
        out = self._gates.get(key)
        if out is None:
            out = self._gates[key] = self.new_var()
            for lit in items:
                self.add([-out, lit])
            self.add([out, *(-lit for lit in items)])
        return out

    def or_(self, lits: Iterable[int]) -> int:
        return -self.and_(-lit for lit in lits)

    def iff(self, a: int, b: int) -> int:
        if a == b:
            return TRUE
        if a == -b:
            return FALSE
        if a in (TRUE, FALSE):
            return b if a == TRUE else -b
        if b in (TRUE, FALSE):
            return a if b == TRUE else -a
        low, high = sorted((a, b), key=abs)
        sign = 1
        if low < 0:
            low, sign = -low, -sign
        if high < 0:
            high, sign = -high, -sign
        key = ("iff", low, high)
        out = self._gates.get(key)
        if out is None:
            out = self._gates[key] = self.new_var()
            self.add([-out, -low, high])
            self.add([-out, low, -high])
            self.add([out, low, high])
            self.add([out, -low, -high])
        return out * sign

    # -- cardinality -----------------------------------------------------------------------------

    def at_most_one(self, lits: Sequence[int]) -> None:
        lits = list(lits)
        if len(lits) <= 6:
            for i, a in enumerate(lits):
                for b in lits[i + 1 :]:
                    self.add([-a, -b])
            return
        # Sinz's sequential encoding: s[i] means "some of lits[0..i] is true".
        previous = None
        for index, lit in enumerate(lits):
            if index == len(lits) - 1:
                if previous is not None:
                    self.add([-previous, -lit])
                break
            current = self.new_var()
            self.add([-lit, current])
            if previous is not None:
                self.add([-previous, current])
                self.add([-previous, -lit])
            previous = current

    def exactly_one(self, lits: Sequence[int]) -> None:
        self.add(lits)
        self.at_most_one(lits)

    def order_var(self, values: Sequence[Any]) -> OrderVar:
        """A fresh order-encoded variable over ``values`` (sorted)."""
        ge = [TRUE] + [self.new_var() for _ in range(len(values) - 1)] + [FALSE]
        for i in range(1, len(values) - 1):
            self.add([-ge[i + 1], ge[i]])
        if not values:
            self.add([FALSE])
            ge = [TRUE]
        return OrderVar(values, ge)

    def at_least(self, lits: Sequence[int], bound: int) -> int:
        """A literal true iff at least ``bound`` of ``lits`` are true, in O(n * w) clauses for
        ``w = min(bound, n - bound + 1)``: a sequential counter cut off at ``w`` (over the negations
        when fewer of those must be false). One or all of them: a single gate."""
        lits = list(lits)
        size = len(lits)
        if bound <= 0:
            return TRUE
        if bound > size:
            return FALSE
        if bound == 1:
            return self.or_(lits)
        if bound == size:
            return self.and_(lits)
        if size - bound + 1 < bound:  # at least k true <=> at most n - k false
            return -self.at_least([-lit for lit in lits], size - bound + 1)
        return self._counter_rows(lits, bound)[bound]

    def counter(self, lits: Sequence[int]) -> OrderVar:
        """An order variable over 0..len(lits) equal to the number of true ``lits``
        (a sequential counter with both directions, so the count is exact either way)."""
        n = len(lits)
        row = self._counter_rows(lits, n)
        ge = [*row, FALSE] if n else [TRUE, FALSE]
        return OrderVar(tuple(range(n + 1)), ge)

    def _counter_rows(self, lits: Sequence[int], width: int) -> list[int]:
        """``row[k]`` for k = 0..min(width, n): exactly "at least k of ``lits`` are true" (both
        directions), counting no further than ``width``: n * width cells of 4 clauses."""
        # row[k]: "at least k of the inputs seen so far are true" (row[0] TRUE)
        row = [TRUE]
        for i, x in enumerate(lits, start=1):
            new = [TRUE]
            for k in range(1, min(i, width) + 1):
                keep = row[k] if k < len(row) else FALSE
                carry = row[k - 1]
                out = self.new_var()
                # out <-> keep or (x and carry)
                self.add([-keep, out])
                self.add([-x, -carry, out])
                self.add([-out, keep, x])
                self.add([-out, keep, carry])
                new.append(out)
            row = new
        return row

    # -- decision diagrams -----------------------------------------------------------------------

    def node(self, var: DirectVar | OrderVar, children: Sequence[int]) -> int:
        """A literal true iff ``children[i]`` is true for the value ``i`` that ``var`` takes."""
        if not children:
            return FALSE
        first = children[0]
        if all(child == first for child in children):
            return first
        if isinstance(var, DirectVar):
            true_at = [i for i, child in enumerate(children) if child == TRUE]
            if len(true_at) == 1 and all(child in (TRUE, FALSE) for child in children):
                return var.lits[true_at[0]]
            if all(child in (TRUE, FALSE) for child in children) and len(true_at) == len(children) - 1:
                return -var.lits[children.index(FALSE)]
        else:
            if all(child in (TRUE, FALSE) for child in children):
                true_runs = runs(i for i, child in enumerate(children) if child == TRUE)
                if len(true_runs) == 1:
                    return self.and_(var.run(*true_runs[0]))
        key = ("node", id(var), tuple(children))
        out = self._gates.get(key)
        if out is not None:
            return out
        out = self._gates[key] = self.new_var()
        if isinstance(var, DirectVar):
            for lit, child in zip(var.lits, children, strict=False):
                self.add([-out, -lit, child])
                self.add([out, -lit, -child])
        else:
            start = 0
            for index in range(1, len(children) + 1):
                if index == len(children) or children[index] != children[start]:
                    child = children[start]
                    condition = [-lit for lit in var.run(start, index - 1)]
                    self.add([-out, *condition, child])
                    self.add([out, *condition, -child])
                    start = index
        return out

    def member_runs(self, var: OrderVar, allowed: Sequence[tuple[int, int]]) -> int:
        """A literal true iff ``var``'s value index lies in one of the sorted, disjoint, non-adjacent
        runs ``allowed`` (inclusive)."""
        size = len(var)
        if not allowed:
            return FALSE
        if len(allowed) == 1:
            first, last = allowed[0]
            if first == 0 and last == size - 1:
                return TRUE
            return self.and_(var.run(first, last))
        key = ("runs", id(var), tuple(allowed))
        out = self._gates.get(key)
        if out is not None:
            return out
        out = self._gates[key] = self.new_var()
        previous_end = -1
        pieces = []
        for first, last in allowed:
            if first > previous_end + 1:
                pieces.append((previous_end + 1, first - 1, FALSE))
            pieces.append((first, last, TRUE))
            previous_end = last
        if previous_end < size - 1:
            pieces.append((previous_end + 1, size - 1, FALSE))
        for first, last, child in pieces:
            condition = [-lit for lit in var.run(first, last)]
            self.add([-out, *condition, child])
            self.add([out, *condition, -child])
        return out

    def diagram(
        self, variables: Sequence[DirectVar | OrderVar], rows: Iterable[tuple[int, ...]]
    ) -> tuple[int, tuple[int, tuple[tuple[int, tuple[int, ...]], ...]]]:
        """A literal true iff the variables' value indices form one of ``rows`` (a reduced MDD), and
        the same diagram as plain data for walking it in Python: ``(root, nodes)`` where node ids 0
        and 1 are the FALSE and TRUE terminals and id ``k >= 2`` is ``nodes[k - 2] = (level,
        children)``, one child id per value index of that level's variable."""
        memo: dict[tuple[int, frozenset[tuple[int, ...]]], tuple[int, int]] = {}
        nodes: list[tuple[int, tuple[int, ...]]] = []
        ids: dict[tuple[int, tuple[int, ...]], int] = {}

        def build(level: int, suffixes: frozenset[tuple[int, ...]]) -> tuple[int, int]:
            if level == len(variables):
                return (TRUE, 1) if suffixes else (FALSE, 0)
            key = (level, suffixes)
            found = memo.get(key)
            if found is not None:
                return found
            groups: dict[int, set[tuple[int, ...]]] = {}
            for suffix in suffixes:
                groups.setdefault(suffix[0], set()).add(suffix[1:])
            size = len(variables[level])
            children, child_ids = [FALSE] * size, [0] * size
            for index, group in groups.items():
                children[index], child_ids[index] = build(level + 1, frozenset(group))
            shape = (level, tuple(child_ids))
            node_id = ids.get(shape)
            if node_id is None:
                nodes.append(shape)
                node_id = ids[shape] = len(nodes) + 1
            memo[key] = result = (self.node(variables[level], children), node_id)
            return result

        literal, root = build(0, frozenset(tuple(row) for row in rows))
        return literal, (root, tuple(nodes))
