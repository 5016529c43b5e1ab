"""AWS custom-lens JSON in: validate the whole file, then import it atomically.

``lens_validate(data)`` checks a file without touching the database and returns the content
tree (see ``questions.content``) plus warnings, or raises ``LensFileError`` listing *every*
problem, each prefixed with its JSON path (``pillars[1].questions[3].riskRules[0].condition``).
``lens_import(data=...)`` validates, then writes the version in one transaction: a file is
either imported whole or not at all.

Strict about the format (schemaVersion ``2021-11-01``, the documented limits, types, unique
ids, parseable rules over known ids), tolerant of what real files do: a UTF-8 BOM, unknown
extra keys, resources without a URL (or spelled ``Url``), optional fields given as null,
choices without an improvement plan, questions without a ``default`` rule (HIGH_RISK is
implied and a warning says so). Where the data is usable but not as written, a warning says
what was read: spaces around an id, a risk in another case (``high_risk``), a link that is
not http(s) (dropped, its text kept).

Our own exporter adds one extra top-level key, ``_archreview``, that the AWS tool ignores like
any other underscore key: the bank kind and, per choice, what the AWS format has no field for
(a native bank's risk level, a description, a "None of these" flag that the id does not
imply). It makes export -> import give back the same bank.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from accounts.audit import audit_record
from questions import rules as rule_engine
from questions.audit_actions import LensAction
from questions.content import Tree, content_hash, normalize, version_create, version_tree
from questions.coverage import is_none_title, tree_coverage
from questions.models import Lens, LensVersion
from questions.vocab import PRACTICE_LEVELS, RULE_RISKS, BankKind

SCHEMA_VERSION = "2021-11-01"
MAX_FILE_BYTES = 500 * 1024
MAX_NAME = 128
MAX_TEXT = 2048
MAX_ID = 100
MAX_PILLARS = 10
MAX_QUESTIONS = 20
MAX_CHOICES = 15
MAX_RULES = 3
MAX_PROBLEMS = 200  # a file that is wrong everywhere still gets a readable report
META_KEY = "_archreview"
# Ids must be usable inside a rule condition, so they follow the rule tokenizer's id syntax.
ID_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:\-]*\Z")


_MISSING = object()


class LensFileError(ValueError):
    """The file cannot be imported; ``problems`` lists every reason, each with its location."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportResult:
    version: LensVersion
    pillars: int
    questions: int
    practices: int  # best practices, "None of these" choices not counted (as the version page)
    none_choices: int
    warnings: list[str] = field(default_factory=list)
    created: bool = True  # False: the file is identical to ``version``, nothing was written

    def summary(self) -> str:
        if not self.created:
            return (
                f"Nothing imported: the file is identical to '{self.version.name}' version "
                f"{self.version.number} ({self.version.get_status_display().lower()})."
            )
        return (
            f"Imported '{self.version.name}' as version {self.version.number} "
            f"({self.version.get_status_display().lower()}): {self.pillars} pillar(s), "
            f"{self.questions} question(s), {self.practices} best practice(s)"
        )


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def unique(self, seen: dict[str, str], ident: str, path: str, what: str) -> None:
        """Record ``ident`` found at ``path``; a second one is a problem naming the first."""
        if ident in seen:
            self.problem(f"{path}.id", f"duplicate {what} id {ident!r} (also {seen[ident]})")
        elif ident:
            seen[ident] = path

    def obj(self, value: Any, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, f"must be an object, not {_type_name(value)}")
            return None
        return value

    def array(self, value: Any, path: str, low: int, high: int, what: str) -> list:
        if value is _MISSING:
            self.problem(path, "is missing")
            return []
        if not isinstance(value, list):
            self.problem(path, f"must be a list, not {_type_name(value)}")
            return []
        if not low <= len(value) <= high:
            self.problem(path, f"has {len(value)} {what}; between {low} and {high} are allowed")
        return value

    def text(
        self,
        parent: dict,
        key: str,
        path: str,
        *,
        limit: int,
        required: bool = True,
        empty_ok: bool = False,
    ) -> str:
        where = f"{path}.{key}" if path else key
        if key not in parent or (parent[key] is None and not required):
            # An optional text given as null is read as absent: real files do that.
            if required:
                self.problem(where, "is missing")
            return ""
        value = parent[key]
        if not isinstance(value, str):
            self.problem(where, f"must be a string, not {_type_name(value)}")
            return ""
        if not empty_ok and required and not value.strip():
            self.problem(where, "must not be empty")
        if len(value) > limit:
            self.problem(where, f"is {len(value)} characters long; at most {limit} are allowed")
        if "\x00" in value:
            self.problem(where, "contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.problem(where, "contains an invalid character (a lone surrogate)")
        return value

    def ident(self, parent: dict, path: str) -> str:
        value = self.text(parent, "id", path, limit=MAX_ID)
        if value and value != value.strip():
            # Hand-edited files carry stray spaces; rule conditions never see them (the
            # tokenizer skips whitespace), so the trimmed id is the one the file means.
            value = value.strip()
            self.warnings.append(f"{path}.id: spaces around {value[:40]!r} removed")
        if value and not ID_PATTERN.match(value):
            self.problem(
                f"{path}.id",
                f"{value[:40]!r} is not a valid id: use letters, digits, '_', '-', '.' or ':'",
            )
        return value

    def resource(self, parent: dict, key: str, path: str) -> tuple[str, str]:
        """A ``{displayText, url}`` object; both parts optional in practice."""
        if parent.get(key) is None:
            return "", ""
        where = f"{path}.{key}"
        node = self.obj(parent[key], where)
        if node is None:
            return "", ""
        text = self.text(node, "displayText", where, limit=MAX_TEXT, required=False)
        url_key = "url" if "url" in node else "Url"  # some real files capitalise it
        url = self.text(node, url_key, where, limit=MAX_TEXT, required=False).strip()
        if url and not url.lower().startswith(("http://", "https://")):
            self.warnings.append(f"{where}.{url_key}: {url[:60]!r} is not an http(s) link; ignored")
            url = ""
        return text, url


def _type_name(value: Any) -> str:
    if isinstance(value, dict):  # also the decoder's _KeyedObject
        return "an object"
    return {
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


_TOO_LARGE = (
    f"file: is larger than the {MAX_FILE_BYTES // 1024} KB limit; "
    "split the lens or shorten its texts"
)


def _decode(data: bytes | str) -> Any:
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise LensFileError([_TOO_LARGE])
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LensFileError(
                [f"file: is not UTF-8 text (invalid byte at offset {exc.start})"]
            ) from None
    else:
        text = data
        if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
            raise LensFileError([_TOO_LARGE])
    text = text.removeprefix("\ufeff")
    try:
        doc = json.loads(
            text,
            object_pairs_hook=_KeyedObject.from_pairs,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise LensFileError(
            [f"file: is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
        ) from None
    except RecursionError:
        raise LensFileError(["file: is not usable JSON: nested too deeply"]) from None
    except _BadNumber as exc:
        raise LensFileError([f"file: is not usable JSON: {exc}"]) from None
    except ValueError:
        # Whatever else the decoder refuses (its own limits): never a traceback.
        raise LensFileError(["file: is not usable JSON"]) from None
    duplicates = _duplicate_keys(doc)
    if duplicates:
        raise LensFileError(duplicates[:MAX_PROBLEMS] + _more(duplicates))
    return doc


# Lens files hold no numbers that matter; these bounds only keep the decoder's own limits (and
# values that are not JSON: NaN, Infinity) from surfacing as exceptions.
MAX_NUMBER_DIGITS = 100


class _BadNumber(ValueError):
    pass


class _KeyedObject(dict):
    """A JSON object that remembers the keys it held more than once (the last value wins in
    the dict, as in ``json.loads``; the file is refused anyway)."""

    duplicates: tuple[str, ...] = ()

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _KeyedObject:
        obj = cls(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            repeated: list[str] = []
            for key, _value in pairs:
                if key in seen and key not in repeated:
                    repeated.append(key)
                seen.add(key)
            obj.duplicates = tuple(repeated)
        return obj


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _BadNumber(
            f"a number with {len(text.lstrip('-')):,} digits; at most {MAX_NUMBER_DIGITS} "
            "are allowed"
        )
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _BadNumber(
            f"a number written with {len(text):,} characters; at most {MAX_NUMBER_DIGITS} "
            "are allowed"
        )
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _BadNumber(f"the number {text[:20]} is too large")
    return value


def _refuse_constant(name: str) -> Any:
    raise _BadNumber(f"{name} is not a JSON value")


def _key_path(parent: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key)[:60]}]"


def _duplicate_keys(doc: Any) -> list[str]:
    """Every key given twice in one object, with its JSON path, in file order; iterative, so
    a deep file (which the decoder accepted) cannot exhaust the stack here."""
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key in getattr(node, "duplicates", ()):
                problems.append(f"{_key_path(path, key)}: duplicate key; give it once")
            stack.extend(reversed([(_key_path(path, k), v) for k, v in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{path}[{i}]", v) for i, v in enumerate(node)]))
    return problems


def lens_validate(data: bytes | str) -> tuple[Tree, list[str]]:
    """Check a custom-lens file; return (content tree, warnings) or raise ``LensFileError``."""
    doc = _decode(data)
    check = _Checker()
    root = check.obj(doc, "file")
    if root is None:
        raise LensFileError(check.problems)
    if "schemaVersion" not in root:
        check.problem("schemaVersion", f"is missing; expected '{SCHEMA_VERSION}'")
    elif root["schemaVersion"] != SCHEMA_VERSION:
        check.problem(
            "schemaVersion",
            f"is {json.dumps(root['schemaVersion'])[:40]}; only '{SCHEMA_VERSION}' is supported",
        )
    name = check.text(root, "name", "", limit=MAX_NAME)
    description = check.text(root, "description", "", limit=MAX_TEXT, required=False)
    meta = _meta(check, root.get(META_KEY))
    kind = meta.get("kind", LensVersion.Kind.IMPORTED)

    pillars: list[dict] = []
    pillar_ids: dict[str, str] = {}
    question_ids: dict[str, str] = {}
    raw_pillars = check.array(root.get("pillars", _MISSING), "pillars", 1, MAX_PILLARS, "pillars")
    for pi, raw_pillar in enumerate(raw_pillars):
        ppath = f"pillars[{pi}]"
        pillar = check.obj(raw_pillar, ppath)
        if pillar is None:
            continue
        pid = check.ident(pillar, ppath)
        check.unique(pillar_ids, pid, ppath, "pillar")
        pnode: dict[str, Any] = {
            "ref": pid,
            "name": check.text(pillar, "name", ppath, limit=MAX_NAME),
            "questions": [],
        }
        pillars.append(pnode)
        raw_questions = check.array(
            pillar.get("questions", _MISSING), f"{ppath}.questions", 1, MAX_QUESTIONS, "questions"
        )
        for qi, raw_question in enumerate(raw_questions):
            qnode = _question(check, raw_question, f"{ppath}.questions[{qi}]", pid, meta)
            if qnode is None:
                continue
            check.unique(question_ids, qnode["ref"], f"{ppath}.questions[{qi}]", "question")
            if kind == LensVersion.Kind.NATIVE:
                # Native rules are derived from the risk levels; the file's copy is checked
                # above for syntax but the levels are the source of truth.
                qnode["rules"] = []
            pnode["questions"].append(qnode)
    _check_meta_refs(check, meta, pillars)
    if check.problems:
        raise LensFileError(check.problems[:MAX_PROBLEMS] + _more(check.problems))
    tree = normalize({"name": name, "description": description, "kind": kind, "pillars": pillars})
    check.warnings.extend(
        f"{path} ({where}): {message}" for path, where, message in tree_coverage(tree)
    )
    return tree, check.warnings


def _more(problems: list[str]) -> list[str]:
    extra = len(problems) - MAX_PROBLEMS
    return [f"… and {extra} more problem(s)"] if extra > 0 else []


def _question(check: _Checker, raw: Any, qpath: str, pid: str, meta: dict) -> dict | None:
    question = check.obj(raw, qpath)
    if question is None:
        return None
    qid = check.ident(question, qpath)
    help_text, help_url = check.resource(question, "helpfulResource", qpath)
    node: dict[str, Any] = {
        "ref": qid,
        "title": check.text(question, "title", qpath, limit=MAX_NAME),
        "description": check.text(question, "description", qpath, limit=MAX_TEXT, required=False),
        "helpful_resource_text": help_text,
        "helpful_resource_url": help_url,
        "choices": [],
        "rules": [],
    }
    choice_ids: dict[str, str] = {}
    raw_choices = check.array(
        question.get("choices", _MISSING), f"{qpath}.choices", 1, MAX_CHOICES, "choices"
    )
    for ci, raw_choice in enumerate(raw_choices):
        cpath = f"{qpath}.choices[{ci}]"
        choice = check.obj(raw_choice, cpath)
        if choice is None:
            continue
        cid = check.ident(choice, cpath)
        check.unique(choice_ids, cid, cpath, "choice")
        extra = meta.get("choices", {}).get(f"{pid}/{qid}/{cid}", {})
        help_text, help_url = check.resource(choice, "helpfulResource", cpath)
        plan_text, plan_url = check.resource(choice, "improvementPlan", cpath)
        additional = _additional_resources(check, choice, cpath)
        title = check.text(choice, "title", cpath, limit=MAX_NAME)
        is_none = extra.get("isNone", cid.endswith("_no"))
        if "isNone" not in extra and not is_none and is_none_title(title):
            is_none = True
            check.warnings.append(
                f'{cpath} ({cid}): read as "None of these" from its title (its id does not end '
                "in _no); clear the flag in the draft editor if it is a best practice"
            )
        node["choices"].append(
            {
                "ref": cid,
                "title": title,
                "description": extra.get("description")
                or check.text(choice, "description", cpath, limit=MAX_TEXT, required=False),
                "helpful_resource_text": help_text,
                "helpful_resource_url": help_url,
                "improvement_plan_text": plan_text,
                "improvement_plan_url": plan_url,
                "additional_resources": additional,
                "risk": extra.get("risk", ""),
                "is_none": is_none,
            }
        )
    raw_rules = check.array(
        question.get("riskRules", _MISSING), f"{qpath}.riskRules", 1, MAX_RULES, "risk rules"
    )
    defaults = 0
    for ri, raw_rule in enumerate(raw_rules):
        rpath = f"{qpath}.riskRules[{ri}]"
        rule = check.obj(raw_rule, rpath)
        if rule is None:
            continue
        condition = check.text(rule, "condition", rpath, limit=rule_engine.MAX_LENGTH)
        risk = _risk(check, rule.get("risk"), f"{rpath}.risk")
        if risk not in RULE_RISKS:
            check.problem(
                f"{rpath}.risk",
                f"is {json.dumps(risk)[:40]}; use one of {', '.join(RULE_RISKS)}",
            )
        # An over-long condition is already a problem (check.text): never parse it.
        if condition.strip() and len(condition) <= rule_engine.MAX_LENGTH:
            try:
                parsed = rule_engine.parse(condition, choice_ids)
            except rule_engine.RuleError as exc:
                check.problem(f"{rpath}.condition", str(exc))
            else:
                if isinstance(parsed, rule_engine.Default):
                    defaults += 1
                    if defaults > 1:
                        check.problem(f"{rpath}.condition", "a second 'default' rule")
        node["rules"].append({"condition": condition, "risk": risk})
    if raw_rules and defaults == 0:
        check.warnings.append(
            f"{qpath} ({qid}): no 'default' rule; when no rule matches, HIGH_RISK applies"
        )
    return node


def _risk(check: _Checker, raw: Any, path: str) -> Any:
    """A known risk in another case or with spaces (``high_risk``) is read as that risk,
    with a warning; anything else is returned unchanged for the caller to refuse."""
    if isinstance(raw, str) and raw not in RULE_RISKS:
        canonical = raw.strip().upper()
        if canonical in RULE_RISKS:
            check.warnings.append(f"{path}: {raw[:20]!r} read as {canonical}")
            return canonical
    return raw


ADDITIONAL_TYPES = ("HELPFUL_RESOURCE", "IMPROVEMENT_PLAN")
MAX_ADDITIONAL_URLS = 5


def _additional_resources(check: _Checker, choice: dict, cpath: str) -> list[dict]:
    """``[{type, content: [{displayText, url}]}]``, rebuilt from the known keys only so that
    nothing unchecked reaches the database."""
    path = f"{cpath}.additionalResources"
    raw = choice.get("additionalResources") or []
    items = check.array(raw, path, 0, len(ADDITIONAL_TYPES), "additional resources")
    result: list[dict] = []
    for index, item in enumerate(items):
        ipath = f"{path}[{index}]"
        node = check.obj(item, ipath)
        if node is None:
            continue
        kind = node.get("type")
        if kind not in ADDITIONAL_TYPES:
            check.problem(
                f"{ipath}.type",
                f"is {json.dumps(kind)[:40]}; use {' or '.join(ADDITIONAL_TYPES)}",
            )
        content = []
        raw_content = node.get("content", _MISSING)
        for ci, entry in enumerate(
            check.array(raw_content, f"{ipath}.content", 0, MAX_ADDITIONAL_URLS, "links")
        ):
            epath = f"{ipath}.content[{ci}]"
            link = check.obj(entry, epath)
            if link is None:
                continue
            text = check.text(link, "displayText", epath, limit=MAX_TEXT, required=False)
            url = check.text(link, "url", epath, limit=MAX_TEXT, required=False).strip()
            if url and not url.lower().startswith(("http://", "https://")):
                # Same as a helpful resource's link: the text is still worth keeping.
                check.warnings.append(f"{epath}.url: {url[:60]!r} is not an http(s) link; ignored")
                url = ""
            content.append({"displayText": text, "url": url})
        result.append({"type": kind, "content": content})
    return result


def _meta(check: _Checker, raw: Any) -> dict:
    """Our own ``_archreview`` key (absent in files from elsewhere)."""
    if raw is None:
        return {}
    meta = check.obj(raw, META_KEY)
    if meta is None:
        return {}
    result: dict[str, Any] = {}
    kind = meta.get("kind", LensVersion.Kind.IMPORTED)
    if kind not in tuple(BankKind):
        check.problem(f"{META_KEY}.kind", f"must be one of {', '.join(BankKind)}")
    else:
        result["kind"] = kind
    choices = check.obj(meta.get("choices", {}), f"{META_KEY}.choices") or {}
    result["choices"] = {}
    for key, extra in choices.items():
        path = f"{META_KEY}.choices[{json.dumps(key)[:60]}]"
        extra = check.obj(extra, path)
        if extra is None:
            continue
        clean: dict[str, Any] = {}
        if "risk" in extra:
            if extra["risk"] not in PRACTICE_LEVELS:
                check.problem(f"{path}.risk", f"must be one of {', '.join(PRACTICE_LEVELS)}")
            else:
                clean["risk"] = extra["risk"]
        if "description" in extra:
            clean["description"] = check.text(extra, "description", path, limit=MAX_TEXT)
        if "isNone" in extra:
            if not isinstance(extra["isNone"], bool):
                check.problem(f"{path}.isNone", "must be true or false")
            else:
                clean["isNone"] = extra["isNone"]
        result["choices"][key] = clean
    return result


def _check_meta_refs(check: _Checker, meta: dict, pillars: list[dict]) -> None:
    known = {
        f"{p['ref']}/{q['ref']}/{c['ref']}"
        for p in pillars
        for q in p["questions"]
        for c in q["choices"]
    }
    for key in meta.get("choices", {}):
        if key not in known:
            check.problem(f"{META_KEY}.choices", f"{key[:80]!r} names no choice in this file")
    if meta.get("kind") == LensVersion.Kind.NATIVE:
        for p in pillars:
            for q in p["questions"]:
                for ci, c in enumerate(q["choices"]):
                    if not c["is_none"] and not c["risk"]:
                        check.problem(
                            f"{META_KEY}.choices",
                            f"native bank: {p['ref']}/{q['ref']}/{c['ref']} "
                            f"(choice {ci}) has no risk level",
                        )


def _lens_for(name: str, description: str) -> Lens:
    lens = Lens.objects.filter(name=name).first()
    if lens is not None:
        return lens
    base = slugify(name)[:120] or "lens"
    slug, n = base, 1
    while Lens.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Lens.objects.create(name=name, slug=slug, description=description)


@transaction.atomic
def lens_import(
    *,
    data: bytes | str,
    publish: bool = False,
    label: str = "",
    actor: Any = None,
    request: Any = None,
) -> ImportResult:
    """Validate and import a custom-lens file as a new version (a draft unless ``publish``).

    A lens with the same name gets a new version; otherwise a new lens is created. Raises
    ``LensFileError`` before writing anything if the file has any problem.
    """
    if len(label) > 64:
        raise LensFileError([f"label: is {len(label)} characters long; at most 64 are allowed"])
    tree, warnings = lens_validate(data)
    questions = [q for p in tree["pillars"] for q in p["questions"]]
    counts = {
        "pillars": len(tree["pillars"]),
        "questions": len(questions),
        "practices": sum(not c["is_none"] for q in questions for c in q["choices"]),
        "none_choices": sum(c["is_none"] for q in questions for c in q["choices"]),
    }
    same = _identical_version(tree)
    if same is not None:
        result = ImportResult(version=same, warnings=warnings, created=False, **counts)
    else:
        lens = _lens_for(tree["name"], tree["description"])
        version = version_create(lens=lens, tree=tree, label=label, publish=publish)
        result = ImportResult(version=version, warnings=warnings, **counts)
    audit_record(
        action=LensAction.IMPORTED,
        actor=actor,
        request=request,
        target=result.version,
        data={"created": result.created, "published": publish},
    )
    return result


def lens_import_refused(*, problems: list[str], actor: Any = None, request: Any = None) -> None:
    """Record a refused import (after ``lens_import`` rolled back): it counts against the
    rate like an accepted one."""
    audit_record(
        action=LensAction.IMPORT_REFUSED,
        actor=actor,
        request=request,
        data={"problems": len(problems), "first": problems[0][:200] if problems else ""},
    )


def _identical_version(tree: Tree) -> LensVersion | None:
    """The lens's latest version with exactly this content (drafts included), if any.

    Re-importing a file must not add a version: every review on the old one would then be
    told that a newer version exists.
    """
    lens = Lens.objects.filter(name=tree["name"]).first()
    if lens is None:
        return None
    digest = content_hash(tree)
    for version in lens.versions.order_by("-number"):
        stored = version.content_hash or content_hash(version_tree(version))
        if stored == digest:
            return version
    return None
