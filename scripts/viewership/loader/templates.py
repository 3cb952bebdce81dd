"""Upload templates: one YAML file per partner-file layout, shipped in ``viewership/templates/``.

A template says how to find the header, which file column feeds which upload column (DOMAIN §2.1), how each
value is cleaned, which rows are footers/totals, and which constant fields every row gets. Templates are data:
this module only reads and validates them, so a typo in a template fails loudly with the template's name.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from viewership.loader.dates import FORMATS
from viewership.loader.template_types import (
    CONSTANT_COLUMNS,
    DATA_TYPES,
    DOMAINS,
    MAPPABLE,
    NUMERIC_COLUMNS,
    TRANSFORMS,
    ColumnMap,
    SkipRule,
    Template,
    TemplateError,
    Transform,
    WideSpec,
)

# The public names, kept importable from this module.
__all__ = [
    "ColumnMap",
    "SkipRule",
    "Template",
    "TemplateError",
    "Transform",
    "WideSpec",
    "load_template",
    "parse_template",
    "template_names",
]


def _fail(name: str, message: str) -> TemplateError:
    return TemplateError(f"template '{name}': {message}")


def _transforms(name: str, target: str, raw: Any) -> tuple[Transform, ...]:  # noqa: C901 - validates each transform spelling of a template column
    if raw is None:
        if target in NUMERIC_COLUMNS:
            return (Transform("number"),)
        if target == "date":
            return (Transform("date_auto"),)
        return (Transform("trim"),)
    items = raw if isinstance(raw, list) else [raw]
    out: list[Transform] = []
    for item in items:
        if isinstance(item, str):
            tname, arg = item, None
        elif isinstance(item, dict) and len(item) == 1:
            tname, arg = next(iter(item.items()))
        else:
            raise _fail(name, f"column {target}: a transform is a name or a one-key mapping, got {item!r}")
        if tname not in TRANSFORMS:
            raise _fail(name, f"column {target}: unknown transform '{tname}' (known: {', '.join(sorted(TRANSFORMS))})")
        if tname == "regex_extract":
            try:
                re.compile(str(arg))
            except re.error as exc:
                raise _fail(name, f"column {target}: bad regex_extract pattern: {exc}") from exc
        if tname == "date_format" and arg not in FORMATS:
            raise _fail(name, f"column {target}: date_format must be one of {', '.join(FORMATS)}")
        if tname == "value_map" and not isinstance(arg, dict):
            raise _fail(name, f"column {target}: value_map needs a mapping")
        out.append(Transform(str(tname), arg))
    return tuple(out)


_TOP_KEYS = {"name", "description", "platform", "data_type", "domain", "layout", "read", "columns", "constants",
             "skip_rows", "wide", "ignore"}


def parse_template(data: Any, origin: str) -> Template:  # noqa: C901 - validates every key of a template with its own error message
    """Validate one template document (already YAML-decoded)."""
    if not isinstance(data, dict):
        raise TemplateError(f"template {origin}: expected a mapping at the top level")
    name = str(data.get("name") or origin)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(name, f"unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("platform", "data_type", "domain", "columns"):
        if key not in data:
            raise _fail(name, f"missing key '{key}'")
    if data["data_type"] not in DATA_TYPES:
        raise _fail(name, f"data_type must be one of {', '.join(DATA_TYPES)}, got {data['data_type']!r}")
    if data["domain"] not in DOMAINS:
        raise _fail(name, f"domain must be one of {', '.join(DOMAINS)}, got {data['domain']!r}")
    layout = data.get("layout", "long")
    if layout not in ("long", "wide_by_date"):
        raise _fail(name, f"layout must be long or wide_by_date, got {layout!r}")
    read = data.get("read") or {}
    encoding = str(read.get("encoding", "auto"))
    delimiter = str(read.get("delimiter", "auto"))
    if delimiter not in ("auto", ",", "\t", ";", "|"):
        raise _fail(name, f"read.delimiter must be auto, ',', tab, ';' or '|', got {delimiter!r}")
    header_rows = int(read.get("header_search_rows", 20))

    columns: list[ColumnMap] = []
    raw_columns = data["columns"]
    if not isinstance(raw_columns, dict):
        raise _fail(name, "columns must map upload column -> {source: ..., transform: ...}")
    for target, spec in raw_columns.items():
        if target not in MAPPABLE:
            raise _fail(name, f"columns: '{target}' is not an upload column")
        if isinstance(spec, str):
            spec = {"source": spec}
        if not isinstance(spec, dict) or ("source" not in spec and "source_index" not in spec):
            raise _fail(name, f"column {target}: needs 'source' (header text) or 'source_index'")
        extra = set(spec) - {"source", "source_index", "transform", "required"}
        if extra:
            raise _fail(name, f"column {target}: unknown key(s) {', '.join(sorted(extra))}")
        columns.append(
            ColumnMap(
                target=target,
                source=str(spec["source"]) if spec.get("source") is not None else None,
                source_index=int(spec["source_index"]) if spec.get("source_index") is not None else None,
                transforms=_transforms(name, target, spec.get("transform")),
                required=bool(spec.get("required", True)),
            )
        )

    constants = {str(k): str(v) for k, v in (data.get("constants") or {}).items()}
    bad = set(constants) - CONSTANT_COLUMNS
    if bad:
        raise _fail(name, f"constants: not settable: {', '.join(sorted(bad))}")

    skips: list[SkipRule] = []
    for rule in data.get("skip_rows") or []:
        if not isinstance(rule, dict) or "reason" not in rule:
            raise _fail(name, "skip_rows: each rule needs a 'reason'")
        when_blank = tuple(str(c) for c in rule.get("when_blank") or ())
        missing = [c for c in when_blank if c not in {m.target for m in columns}]
        if missing:
            raise _fail(name, f"skip_rows '{rule['reason']}': when_blank names unmapped column(s) {missing}")
        skip = SkipRule(str(rule["reason"]), when_blank, rule.get("first_cell_matches"))
        if not skip.when_blank and not skip.first_cell_matches:
            raise _fail(name, f"skip_rows '{skip.reason}': give when_blank or first_cell_matches")
        skip.pattern()
        skips.append(skip)

    wide: WideSpec | None = None
    if layout == "wide_by_date":
        wspec = data.get("wide") or {}
        metrics = {str(k): str(v) for k, v in (wspec.get("metrics") or {}).items()}
        if not metrics:
            raise _fail(name, "wide_by_date needs wide.metrics (header label -> upload column)")
        not_numeric = [v for v in metrics.values() if v not in NUMERIC_COLUMNS]
        if not_numeric:
            raise _fail(name, f"wide.metrics targets must be numeric upload columns, not {not_numeric}")
        if wspec.get("date_format") is not None and wspec["date_format"] not in FORMATS:
            raise _fail(name, f"wide.date_format must be one of {', '.join(FORMATS)}")
        wide = WideSpec(metrics, wspec.get("date_format"))

    return Template(
        name=name,
        description=str(data.get("description", "")).strip(),
        platform=str(data["platform"]),
        data_type=data["data_type"],
        domain=str(data["domain"]),
        layout=layout,
        encoding=encoding,
        delimiter=delimiter,
        header_search_rows=header_rows,
        columns=tuple(columns),
        constants=constants,
        skip_rows=tuple(skips),
        wide=wide,
        ignore=tuple(str(i) for i in data.get("ignore") or ()),
        path=origin,
    )


def _shipped() -> dict[str, Any]:
    folder = resources.files("viewership") / "templates"
    found: dict[str, Any] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".yml"):
            found[entry.name[: -len(".yml")]] = entry
    return found


def template_names() -> list[str]:
    """Names of the templates shipped with the package."""
    return sorted(_shipped())


def load_template(name_or_path: str) -> Template:
    """A shipped template by name, or a template YAML file by path."""
    shipped = _shipped()
    if name_or_path in shipped:
        text = shipped[name_or_path].read_text(encoding="utf-8")
        origin = name_or_path
    elif name_or_path.endswith((".yml", ".yaml")) and Path(name_or_path).is_file():
        text = Path(name_or_path).read_text(encoding="utf-8")
        origin = name_or_path
    else:
        raise TemplateError(
            f"unknown template '{name_or_path}': expected one of {', '.join(sorted(shipped))} "
            "or a path to a .yml file (see viewership-load --list-templates)"
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateError(f"template '{origin}': invalid YAML: {exc}") from exc
    template = parse_template(data, origin)
    if origin in shipped and template.name != origin:
        raise TemplateError(f"template file {origin}.yml declares name '{template.name}'")
    return template
