"""Column-level lineage of the dbt project from its compiled SQL (sqlglot), for the CLI and the docs site.

* ``extract``: every output column of every model -> its input columns, kind and expression;
* ``trace``: one column followed upstream to source columns (text, JSON, DOT);
* ``cache``: dev compile and a cache keyed by the manifest hash;
* ``redlines``: red-line protected columns and predicates per model (governance/redlines.yml);
* ``site``: the docs-site pages (pipeline picture on the overview, lineage tables on model pages);
* ``cli``: ``viewership-lineage MODEL.COLUMN``.
"""
