{#-
    Resolve logical locations (upload, catalog, dictionary, bronze, silver,
    gold, snapshots, audit) through the one environment map in
    dbt_project.yml (vars.environments). Nothing else in the project names an
    environment database (red line RL-3).
-#}
{% macro env_location(location_name) -%}
    {%- set environments = var('environments') -%}
    {%- if target.name not in environments -%}
        {{ exceptions.raise_compiler_error(
            "target '" ~ target.name ~ "' is not in vars.environments"
            ~ " (known: " ~ (environments.keys() | list | join(', ')) ~ ")"
        ) }}
    {%- endif -%}
    {%- set entry = environments[target.name].get(location_name) -%}
    {%- if entry is none -%}
        {{ exceptions.raise_compiler_error(
            "location '" ~ location_name ~ "' is not defined for target '"
            ~ target.name ~ "' in vars.environments"
        ) }}
    {%- endif -%}
    {{ return(entry) }}
{%- endmacro %}


{% macro env_database(location_name) -%}
    {%- set entry = env_location(location_name) -%}
    {{ return(entry.get('database') or target.database) }}
{%- endmacro %}


{% macro env_schema(location_name) -%}
    {{ return(env_location(location_name)['schema']) }}
{%- endmacro %}


{% macro assert_environment_known() -%}
    {%- do env_location('upload') -%}
    {{ return('') }}
{%- endmacro %}
