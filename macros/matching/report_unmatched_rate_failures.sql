{#-
    on-run-end: for each unmatched-rate test that failed or warned in this
    invocation, print its rows (file, platform, rate, threshold) in the dbt
    output, so "Got 1 result" is followed by which file and what rate. The
    rows come from running the test's own compiled query again (read only);
    nothing is written; column names are matched case-insensitively.
    `--store-failures` keeps the same rows in a table.
-#}
{% macro report_unmatched_rate_failures(results) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- if node.resource_type == 'test'
            and node.name.startswith('assert_unmatched_rate_per_file')
            and result.status in ['fail', 'warn']
            and node.compiled_code -%}
            {%- set rows = run_query(node.compiled_code) -%}
            {%- do log(result.status | upper ~ ' ' ~ node.name ~ ': ' ~ rows | length
                ~ ' file(s) over the unmatched-rate threshold', info=true) -%}
            {%- for values in rows -%}
                {#- column names by lower case: Snowflake returns them upper-cased -#}
                {%- set row = {} -%}
                {%- for name in rows.column_names -%}
                    {%- do row.update({name | lower: values[loop.index0]}) -%}
                {%- endfor -%}
                {%- do log(
                    '  ' ~ row['platform'] ~ ' / ' ~ row['filename']
                    ~ ': unmatched rate ' ~ '%.1f' | format(100.0 * (row['unmatched_rate'] | float))
                    ~ ' % (' ~ row['unmatched_records'] ~ ' of ' ~ row['matchable_records']
                    ~ ' matchable records) > threshold '
                    ~ '%.0f' | format(100.0 * (row['threshold'] | float)) ~ ' %',
                    info=true) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
