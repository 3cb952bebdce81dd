{#-
    Deployment log for `redline verify` (issue #6): on-run-end, one row per
    model built by this invocation into <audit location>.redline_deployments
    (the audit location comes from vars.environments, like every other one).

    Columns: model, unique_id, relation_name, materialized, checksum (md5 of
    the compiled SQL that ran), compiled_sql (that SQL, so the red lines can be
    re-checked on what was deployed), git_sha (env REDLINE_GIT_SHA, else var
    git_sha, else 'unknown'), target_name, invocation_id, status,
    rows_affected (from the adapter response; NULL when the adapter does not
    report it) and deployed_at.

    Values are written as SQL literals through redline_sql_literal(), which
    escapes per adapter. Runs only for run/build with at least one model
    result; nothing for compile, test, seed or docs.
-#}
{% macro record_deployments(results) -%}
    {%- if not execute or flags.WHICH not in ['run', 'build'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set built = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'model' and result.status in ['success', 'pass'] -%}
            {%- do built.append(result) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if built | length == 0 -%}
        {{ return('') }}
    {%- endif -%}

    {%- set log_relation = api.Relation.create(
        database=env_database('audit'),
        schema=env_schema('audit'),
        identifier='redline_deployments',
    ) -%}
    {%- do adapter.create_schema(log_relation) -%}
    {%- call statement('redline_create_deployment_log') -%}
        create table if not exists {{ log_relation }} (
            model varchar(512),
            unique_id varchar(512),
            relation_name varchar(1024),
            materialized varchar(64),
            checksum varchar(64),
            compiled_sql {{ dbt.type_string() }},
            git_sha varchar(128),
            target_name varchar(128),
            invocation_id varchar(64),
            status varchar(32),
            rows_affected bigint,
            deployed_at timestamp
        )
    {%- endcall -%}

    {%- set git_sha = env_var('REDLINE_GIT_SHA', var('git_sha', 'unknown')) -%}
    {%- call statement('redline_insert_deployments') -%}
        insert into {{ log_relation }} (
            model, unique_id, relation_name, materialized, checksum, compiled_sql,
            git_sha, target_name, invocation_id, status, rows_affected, deployed_at
        )
        {%- for result in built %}
        select
            {{ redline_sql_literal(result.node.name) }},
            {{ redline_sql_literal(result.node.unique_id) }},
            {{ redline_sql_literal(result.node.relation_name or '') }},
            {{ redline_sql_literal(result.node.config.materialized) }},
            {{ redline_sql_literal(local_md5(result.node.compiled_code or '')) }},
            {{ redline_sql_literal(result.node.compiled_code or '') }},
            {{ redline_sql_literal(git_sha) }},
            {{ redline_sql_literal(target.name) }},
            {{ redline_sql_literal(invocation_id) }},
            {{ redline_sql_literal(result.status | string) }},
            {{ redline_rows_affected(result) }},
            {{ dbt.current_timestamp() }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    {%- endcall -%}
    {%- if target.type != 'snowflake' -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{% macro redline_rows_affected(result) -%}
    {%- set response = result.adapter_response or {} -%}
    {%- set rows = response.get('rows_affected') -%}
    {%- if rows is number and rows >= 0 -%}
        cast({{ rows }} as bigint)
    {%- else -%}
        cast(null as bigint)
    {%- endif -%}
{%- endmacro %}
