{#-
    True when the target is the local fakesnow emulation of Snowflake
    (profile account 'fakesnow', see docs/SNOWFLAKE.md). The overrides in
    this folder change what dbt sends only then; on a real Snowflake account
    and on every other adapter they delegate to dbt's own macros unchanged.
-#}
{% macro is_snowflake_emulation() -%}
    {{ return(
        target.type == 'snowflake'
        and (target.get('account') or '') | lower == 'fakesnow'
    ) }}
{%- endmacro %}
