"""The `conditions` language: tokenizer, parser and evaluator on rendered records (ref 2.2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import bad_conditions
from .values import is_number, parse_time

Predicate = Callable[[dict[str, Any]], bool]
TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<date>\[[^\]]*\])
  | (?P<number>-?\d+(?:\.\d+)?(?![\w/]))
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<paren>[(),])
  | (?P<word>[A-Za-z_][\w/.]*)
  )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "like", "contains", "true", "false", "null"}
COMPARE = {"=", "!=", "<>", "<", "<=", ">", ">="}


@dataclass(frozen=True)
class Token:
    """One lexeme: kind (string, date, number, op, paren, word, keyword) and value."""

    kind: str
    value: Any
    text: str


def tokenize(text: str) -> list[Token]:
    """Return the tokens of a conditions string, or raise the 400."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise bad_conditions(f"Unexpected character at position {position}.")
        tokens.append(_token(match))
        position = match.end()
    return tokens


def _token(match: re.Match[str]) -> Token:
    kind = match.lastgroup or ""
    raw = match.group(kind)
    if kind == "string":
        return Token("literal", raw[1:-1].replace("\\" + raw[0], raw[0]), raw)
    if kind == "date":
        moment = parse_time(raw[1:-1])
        if moment is None:
            raise bad_conditions(f"{raw} is not a valid date.")
        return Token("literal", moment, raw)
    if kind == "number":
        return Token("literal", float(raw) if "." in raw else int(raw), raw)
    if kind == "word" and raw.lower() in KEYWORDS:
        lowered = raw.lower()
        if lowered in ("true", "false", "null"):
            return Token("literal", {"true": True, "false": False}.get(lowered), raw)
        return Token("keyword", lowered, raw)
    return Token(kind, raw, raw)


class Parser:
    """Recursive descent: or-expression of and-terms of comparisons or groups."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def parse(self) -> Predicate:
        """Return the predicate of the whole string, or raise the 400."""
        if not self.tokens:
            raise bad_conditions("The conditions are empty.")
        predicate = self._or()
        if self.index < len(self.tokens):
            raise bad_conditions(f"Unexpected '{self.tokens[self.index].text}'.")
        return predicate

    def _peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self, what: str) -> Token:
        token = self._peek()
        if token is None:
            raise bad_conditions(f"Expected {what} at the end of the conditions.")
        self.index += 1
        return token

    def _keyword(self, *words: str) -> str | None:
        token = self._peek()
        if token is not None and token.kind == "keyword" and token.value in words:
            self.index += 1
            return str(token.value)
        return None

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._keyword("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._factor()]
        while self._keyword("and"):
            parts.append(self._factor())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def _factor(self) -> Predicate:
        token = self._next("a condition")
        if token.kind == "paren" and token.value == "(":
            inner = self._or()
            closing = self._next("')'")
            if closing.value != ")" or closing.kind != "paren":
                raise bad_conditions(f"Expected ')' but found '{closing.text}'.")
            return inner
        if token.kind != "word":
            raise bad_conditions(f"Expected a field name but found '{token.text}'.")
        return self._comparison(token.value)

    def _comparison(self, path: str) -> Predicate:
        negate = self._keyword("not") is not None
        word = self._keyword("in", "like", "contains")
        if word == "in":
            return _negated(negate, _in(path, self._list()))
        if word is not None:
            return _negated(negate, _text_match(path, word, self._literal()))
        if negate:
            raise bad_conditions("'not' must be followed by in, like or contains.")
        op = self._next("an operator")
        if op.kind != "op":
            raise bad_conditions(f"Expected an operator after {path} but found '{op.text}'.")
        return _compare(path, op.value, self._literal())

    def _literal(self) -> Any:
        token = self._next("a value")
        if token.kind != "literal":
            raise bad_conditions(f"Expected a value but found '{token.text}'.")
        return token.value

    def _list(self) -> list[Any]:
        opening = self._next("'('")
        if opening.value != "(":
            raise bad_conditions(f"Expected '(' after in but found '{opening.text}'.")
        values = [self._literal()]
        while (token := self._next("')'")).value == ",":
            values.append(self._literal())
        if token.value != ")":
            raise bad_conditions(f"Expected ',' or ')' but found '{token.text}'.")
        return values


def compile_conditions(text: str) -> Predicate:
    """Return the predicate of a conditions string, or raise the 400 `InvalidObject`."""
    return Parser(tokenize(text)).parse()


def lookup(record: dict[str, Any], path: str) -> Any:
    """Return the value at `a/b/c`; top-level misses fall back to `_info` (lastUpdated)."""
    value: Any = record
    for index, part in enumerate(path.split("/")):
        if not isinstance(value, dict):
            return None
        if index == 0 and part not in value and isinstance(value.get("_info"), dict):
            value = value["_info"].get(part)
            continue
        value = value.get(part)
    return value


def _negated(negate: bool, predicate: Predicate) -> Predicate:
    return (lambda r: not predicate(r)) if negate else predicate


def _in(path: str, values: list[Any]) -> Predicate:
    return lambda r: any(_equal(lookup(r, path), v) for v in values)


def _text_match(path: str, word: str, literal: Any) -> Predicate:
    if not isinstance(literal, str):
        raise bad_conditions(f"{word} needs a quoted string.")
    if word == "contains":
        needle = literal.lower()
        return lambda r: needle in _text(lookup(r, path)).lower()
    pieces = (re.escape(p) for p in re.split(r"[*%]", literal))
    pattern = re.compile("^" + ".*".join(pieces) + "$", re.IGNORECASE | re.DOTALL)
    return lambda r: lookup(r, path) is not None and bool(pattern.match(_text(lookup(r, path))))


def _compare(path: str, op: str, literal: Any) -> Predicate:
    if op in ("=", "!=", "<>"):
        wanted = op == "="
        return lambda r: _equal(lookup(r, path), literal) == wanted
    return lambda r: _ordered(lookup(r, path), op, literal)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _pair(value: Any, literal: Any) -> tuple[Any, Any] | None:
    """Return the two sides in one comparable type, or None when they cannot compare."""
    if value is None or literal is None:
        return None
    if isinstance(literal, datetime):
        moment = parse_time(value) if isinstance(value, str) else None
        return None if moment is None else (moment, literal)
    if isinstance(literal, bool) or isinstance(value, bool):
        return (value, literal) if type(value) is type(literal) else None
    if is_number(literal) and is_number(value):
        return value, literal
    return _text(value).lower(), _text(literal).lower()


def _equal(value: Any, literal: Any) -> bool:
    if literal is None or value is None:
        return value is None and literal is None
    pair = _pair(value, literal)
    return pair is not None and pair[0] == pair[1]


def _ordered(value: Any, op: str, literal: Any) -> bool:
    pair = _pair(value, literal)
    if pair is None:
        return False
    left, right = pair
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
