"""Questions derived from a bank question, so every answer is graded against what it was asked:
a follow-up against its own key points (or the missed key points it probes), and a coding question's
complexity discussion against a complexity rubric (time, space, why, edge cases) read from its
reference solution."""

from __future__ import annotations

import ast
import re

from interviewbot.questions import KeyPoint, Question

COMPLEXITY_PROMPT = (  # asked after a coding question is judged (the engine asks this one)
    "Walk me through your approach: what are its time and space complexity, which edge cases "
    "did you handle, and could it be done better?"
)
_BIG_O = re.compile(r"O\((?:[^()]|\([^()]*\))*\)")
_SPACE_WORDS = re.compile(r"\b(space|memory)\b", re.I)
_REJECTED = re.compile(
    r"\b(too slow|brute|naive|instead of|versus|would|rather than|compared with|worse)\b", re.I
)
_PER_STEP = re.compile(r"\b(per|each|every)\b", re.I)
_EDGE_WORDS = re.compile(r"\b(empty|single|duplicate|negative|zero|tie|ties|overflow|edge)\b", re.I)


def _point(text: str) -> KeyPoint:
    return KeyPoint.model_construct(text=text, phase=None)


def follow_up_question(
    question: Question, prompt: str, key_points: list[str] | None = None, missed: list[str] | None = None
) -> Question:
    """A follow-up as a question of its own: graded on its key points, else on the missed points it probes."""
    points = [p for p in (key_points or missed or []) if p.strip()] or [kp.text for kp in question.key_points]
    phases = {kp.text: kp for kp in question.key_points}  # a main rubric point keeps its STAR phase
    return question.model_copy(
        update={
            "id": f"{question.id}-follow-up",
            "prompt": prompt,
            "key_points": [phases.get(p) or _point(p) for p in points],
            "reference_answer": "",  # the expected length is the rubric's, not the main answer's
        }
    )


def complexity_question(question: Question, prompt: str = COMPLEXITY_PROMPT) -> Question:
    """A coding question's complexity discussion (asked with `prompt`) as a question with its own rubric."""
    return question.model_copy(
        update={
            "id": f"{question.id}-complexity",
            "prompt": prompt,
            "key_points": complexity_rubric(question),
            "reference_answer": "",
        }
    )


def complexity_rubric(question: Question) -> list[KeyPoint]:
    """Time, space, why and edge cases of the reference solution: in the question's own words where its
    rubric or reference answer states them, else read from the reference solution's code."""
    shape = SolutionShape.of(question.reference_solution or "", question.entry_point)
    statements = [kp.text for kp in question.key_points] + _sentences(question.reference_answer or "")
    time = _statement(statements, "time")
    space = _statement(statements, "space")
    points = [
        time
        or f"time complexity is {shape.time()}"
        + (f" because of {shape.dominant()}" if shape.dominant() else "")
    ]
    if not space or space != time:  # one statement may give both bounds
        points.append(
            space
            or f"extra space is {shape.space()}" + (f" for {shape.storage()}" if shape.storage() else "")
        )
    points += [f"why: {_approach(question) or shape.why()}", f"edge cases handled: {_edge_cases(question)}"]
    return [_point(p) for p in points]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+", text) if s.strip()]


def _claims(sentence: str) -> list[tuple[str, str]]:
    """The (kind, bound) pairs a sentence claims for the solution (no per-step cost, no rejected option)."""
    claims = []
    for match in _BIG_O.finditer(sentence):
        before, after = (
            sentence[max(0, match.start() - 30) : match.start()],
            sentence[match.end() : match.end() + 12],
        )
        if _REJECTED.search(sentence[: match.start()]) or _PER_STEP.search(before) or _PER_STEP.search(after):
            continue
        near = sentence[match.start() : match.end() + 25]
        claims.append(("space" if _SPACE_WORDS.search(near) else "time", match.group(0)))
    return claims


def _statement(statements: list[str], kind: str) -> str:
    """The first statement that claims the solution's bound of this kind ("" when none does)."""
    return next((s.strip() for s in statements if any(k == kind for k, _ in _claims(s))), "")


def _approach(question: Question) -> str:
    """The rubric's first point that describes the method (no bound, no edge case), if any."""
    return next(
        (
            kp.text
            for kp in question.key_points
            if not _BIG_O.search(kp.text) and not _EDGE_WORDS.search(kp.text)
        ),
        "",
    )


def _edge_cases(question: Question) -> str:
    """Edge cases named by the rubric, else those the tests exercise (empty and one-element inputs)."""
    named = [kp.text for kp in question.key_points if _EDGE_WORDS.search(kp.text) and "O(" not in kp.text]
    if named:
        return named[0]
    small = sorted(
        {_size(arg) for t in question.tests for arg in t.args if _size(arg) is not None and _size(arg) < 2}
    )
    cases = {0: "an empty input", 1: "a single element"}
    return ", ".join(cases[s] for s in small) or "empty and one-element inputs"


def _size(value) -> int | None:
    return len(value) if isinstance(value, (list, str, tuple, dict)) else None


class SolutionShape:
    """What the reference code does, read from its syntax tree: loops, sorting, heaps, halving, storage."""

    def __init__(self, tree: ast.AST | None, entry_point: str | None):
        self.depth = 0
        self.sorts = self.heap = self.halves = self.recursive = self.vectorised = False
        self.containers: list[str] = []
        if tree is not None:
            self._read(tree, entry_point)

    @classmethod
    def of(cls, source: str, entry_point: str | None) -> SolutionShape:
        try:
            return cls(ast.parse(source), entry_point)
        except SyntaxError:
            return cls(None, entry_point)

    def _read(self, tree: ast.AST, entry_point: str | None) -> None:
        self.depth = _loop_depth(tree)
        for node in ast.walk(tree):
            name = _call_name(node)
            self.sorts |= name in {"sorted", "sort", "argsort"}
            self.heap |= name in {"heappush", "heappop", "heapify", "heappushpop", "nsmallest", "nlargest"}
            self.recursive |= bool(entry_point) and name == entry_point
            self.vectorised |= isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "np"
            self.halves |= (
                isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv) and _is_two(node.right)
            )
            kind = "heap" if name in {"heappush", "heapify"} else _container(node)
            if kind and kind not in self.containers:
                self.containers.append(kind)

    def time(self) -> str:
        if self.vectorised and self.depth <= 1:
            return "linear in the size of the arrays (vectorised)"
        if self.halves and self.depth <= 1 and not self.sorts:
            return "O(log n)"
        loops = "O(n)" if self.depth <= 1 else f"O(n^{self.depth})"
        return "O(n log n)" if (self.sorts or self.heap) and self.depth <= 1 else loops

    def space(self) -> str:
        return "O(n)" if self.containers else "O(1)"

    def dominant(self) -> str:
        if self.sorts:
            return "the sort"
        if self.heap:
            return "the heap operations"
        if self.halves and self.depth <= 1:
            return "halving the range each step"
        return "the nested loops" if self.depth >= 2 else ("the single pass" if self.depth == 1 else "")

    def storage(self) -> str:
        return "the " + " and the ".join(self.containers[:2]) if self.containers else ""

    def why(self) -> str:
        if self.recursive:
            return "the recursion solves each subproblem once, so count the subproblems and the work per call"
        if self.halves and self.depth <= 1:
            return "each step halves the remaining range, so it takes logarithmically many steps"
        if self.depth >= 2:
            return "the nested loops do work for every combination of their ranges"
        if self.sorts or self.heap:
            return "ordering the items costs a logarithmic factor per item on top of one pass"
        return "each element is processed a constant number of times"


def _loop_depth(node: ast.AST, depth: int = 0) -> int:
    loops = (ast.For, ast.While, ast.AsyncFor, ast.comprehension)
    here = depth + isinstance(node, loops)
    return max([here] + [_loop_depth(child, here) for child in ast.iter_child_nodes(node)])


def _call_name(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_two(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == 2


def _container(node: ast.AST) -> str:
    if isinstance(node, (ast.Dict, ast.DictComp)) or _call_name(node) in {"dict", "defaultdict", "Counter"}:
        return "hash map"
    if isinstance(node, (ast.Set, ast.SetComp)) or _call_name(node) == "set":
        return "set"
    if _call_name(node) == "deque":
        return "queue"
    if isinstance(node, ast.Assign) and isinstance(node.value, (ast.List, ast.ListComp)):
        return "list"
    return ""
