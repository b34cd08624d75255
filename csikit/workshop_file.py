"""Read ``workshops/<name>/workshop.yaml`` into a :class:`~csikit.model.Workshop`.

Every problem is reported on its own line as ``file:line: field: what to fix``.
Unknown keys and duplicate keys are errors, never silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from . import convert
from .errors import ImportFileError, ValidationError, WorkshopFileError
from .model import Workshop

WORKSHOP_FILE = "workshop.yaml"
FORMAT_VERSION = 1


def workshop_path(path: str | Path) -> Path:
    """The workshop file for a folder or file path."""
    p = Path(path)
    return p / WORKSHOP_FILE if p.is_dir() else p


def load_workshop(path: str | Path) -> Workshop:
    """Load and validate a workshop file (or the ``workshop.yaml`` in a folder).

    Raises
    ------
    WorkshopFileError
        With one line per problem: ``file:line: field: message``.
    """
    file = workshop_path(path)
    shown = _shown(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{shown}: no such workshop file; create one with: csikit new NAME"
        raise WorkshopFileError(str(file), [msg]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkshopFileError(str(file), [f"{shown}: cannot be read: {exc}"]) from None
    return parse_workshop(text, shown, base=file.parent)


def parse_workshop(text: str, shown: str = WORKSHOP_FILE, base: Path | None = None) -> Workshop:
    """Validate workshop YAML text; ``shown`` names the file in messages."""
    data, lines, errors = _compose(text, shown)
    if errors:
        raise WorkshopFileError(shown, errors)
    if not isinstance(data, dict):
        raise WorkshopFileError(shown, [f"{shown}:1: the file must be a mapping of fields (title: …, agenda: …)"])
    version = data.pop("csikit", FORMAT_VERSION)
    if type(version) is not int or version != FORMAT_VERSION:
        line = lines.get("csikit", 1)
        msg = f"{shown}:{line}: csikit: format {version!r} is not supported; this csikit reads format {FORMAT_VERSION}"
        raise WorkshopFileError(shown, [msg])
    extra: list[str] = []
    if isinstance(data.get("measurements"), str) and base is not None:
        data["measurements"], extra = _measurements_file(base, data["measurements"], shown, lines, data.get("kpis"))
    try:
        workshop = convert.build(Workshop, data)
    except ValidationError as exc:
        out = [f"{shown}:{_line(lines, p.field)}: {p}" for p in exc.problems]
        raise WorkshopFileError(shown, extra + out) from None
    if extra:
        raise WorkshopFileError(shown, extra)
    return workshop


def _measurements_file(
    base: Path, name: str, shown: str, lines: dict[str, int], kpis: object
) -> tuple[list, list[str]]:
    from .measurements import read_measurements_csv

    known = {str(k.get("id")) for k in kpis if isinstance(k, dict)} if isinstance(kpis, list) else None
    try:
        rows = read_measurements_csv(base / name, known)
    except ImportFileError as exc:
        return [], exc.lines
    except OSError:
        return [], [
            f"{shown}:{lines.get('measurements', 1)}: measurements: file {name!r} not found next to the workshop file"
        ]
    return [convert.to_plain(m) for m in rows], []


def _line(lines: dict[str, int], path: str) -> int:
    """The line of a field, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return lines.get("", 1)


def _shown(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)


def _single_node(text: str) -> yaml.Node | None:
    """The document's node tree, with line marks. libyaml's loader when PyYAML has it (≈ 10 ×
    faster); a file it rejects is read again by the Python loader, whose messages are clearer."""
    for cls in (getattr(yaml, "CSafeLoader", None), yaml.SafeLoader):
        if cls is None:
            continue
        loader = cls(text)
        try:
            return loader.get_single_node()
        except yaml.MarkedYAMLError:
            if cls is yaml.SafeLoader:
                raise
        finally:
            loader.dispose()
    return None


def _compose(text: str, shown: str) -> tuple[Any, dict[str, int], list[str]]:
    """YAML text to plain data, a map of field path → line, and syntax problems."""
    lines: dict[str, int] = {}
    errors: list[str] = []
    try:
        node = _single_node(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or str(exc)
        if "another document" in what:
            what = "a workshop file holds one document; remove the second '---'"
        return None, lines, [f"{shown}:{line}: not valid YAML: {what}"]
    if node is None:
        return None, lines, [f"{shown}:1: the file is empty; start from: csikit new NAME"]
    loader = yaml.constructor.SafeConstructor()  # scalars only: walk() builds maps and lists

    def walk(n: yaml.Node, path: str) -> Any:
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in n.value:
                key = str(loader.construct_object(key_node))
                sub = f"{path}.{key}" if path else key
                if key in out:
                    errors.append(f"{shown}:{key_node.start_mark.line + 1}: {sub}: appears twice; keep one")
                    continue
                lines[sub] = key_node.start_mark.line + 1
                out[key] = walk(value_node, sub)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(n.value)]
        if n.tag == "tag:yaml.org,2002:timestamp" or (n.tag == "tag:yaml.org,2002:int" and path.endswith("code")):
            return n.value  # dates are parsed (with a clear message) by convert; codes stay text
        return loader.construct_object(n)

    try:
        data = walk(node, "")
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return None, lines, [f"{shown}:{line}: {exc.problem}"]
    return data, lines, errors
