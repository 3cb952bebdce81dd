{#-
    Step 4 of normalization (DOMAIN §4.7): ref_id from platform_content_id.

    DECISION (fixes [BUG] §4.7, `SW-1711` chosen for `SW-17111`):
      0. an uploaded ref_id (file column) wins as-is;
      1. exact equality of platform_content_id with a catalog ref_id;
      2. else the longest catalog ref_id found in the content id as a whole
         `<LETTERS>-<DIGITS>` token: the digits must be the complete digit
         run, so `SW-1711` never matches inside `SW-17111` (nor `SH-0410`
         inside `SH-04100`); leading letters may be a suffix of a longer
         letter run (`XMS-1132` contains `MS-1132`). Ties (same length):
         earliest token, then alphabetical. Case-sensitive like the catalog.
    Catalog ref_ids not shaped `<LETTERS>-<DIGITS>` can only match exactly.

    Cost: never a substring scan of content ids x catalog. Each DISTINCT
    content id is a candidate itself (exact) and yields at most 8 tokens
    (regex occurrences of `[A-Z]+-[0-9]+`), each with at most 10 candidates
    (its letter suffixes); ONE equality join (hash join) against the
    catalog's distinct ref_ids decides, ranked exact first. Linear in
    distinct content ids, independent of catalog size.
-#}
{{ config(post_hook="{{ analyze_relation(this) }}") }}

{%- set max_tokens = 8 -%}
{%- set max_prefix_letters = 10 -%}

with

parsed as (

    select * from {{ ref('int_viewership_parsed') }}
    {{ records_since_last_run() }}

),

episodes as (

    select * from {{ ref('stg_catalog__episodes') }}

),

accepted as (

    select
        viewership_id,
        platform_content_id,
        uploaded_ref_id,
        bronze_loaded_at
    from parsed
    where reject_reason is null

),

catalog_ref_ids as (

    select distinct ref_id
    from episodes
    where ref_id is not null

),

content_ids as (

    select distinct platform_content_id
    from accepted
    where uploaded_ref_id is null and platform_content_id is not null

),

token_numbers as (

    {% for n in range(1, max_tokens + 1) -%}
    select {{ n }} as token_number
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

letter_counts as (

    {% for n in range(1, max_prefix_letters + 1) -%}
    select {{ n }} as letter_count
    {%- if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}

),

tokens as (

    select
        platform_content_id,
        token_number,
        token
    from (
        select
            content_ids.platform_content_id,
            token_numbers.token_number,
            {{ regexp_occurrence(
                'content_ids.platform_content_id',
                '[A-Z]+-[0-9]+',
                'token_numbers.token_number',
            ) }} as token
        from content_ids
        cross join token_numbers
    ) as occurrences
    where token is not null and token <> ''

),

token_candidates as (

    {#- `XMS-1132` -> `XMS-1132`, `MS-1132`, `S-1132`: every suffix of the
        letter run (up to {{ max_prefix_letters }} letters), always with the
        complete digit run. -#}
    select
        tokens.platform_content_id,
        tokens.token_number,
        substring(
            tokens.token,
            {{ string_position("'-'", 'tokens.token') }}
            - letter_counts.letter_count
        ) as candidate
    from tokens
    inner join letter_counts
        on
            letter_counts.letter_count
            < {{ string_position("'-'", 'tokens.token') }}

),

candidates as (

    {#- The content id itself (exact) and its token candidates, one set, so
        a single equality join against the catalog decides. -#}
    select
        platform_content_id,
        0 as token_number,
        platform_content_id as candidate,
        1 as is_exact
    from content_ids
    union all
    select
        platform_content_id,
        token_number,
        candidate,
        0 as is_exact
    from token_candidates

),

ranked as (

    select
        candidates.platform_content_id,
        candidates.is_exact,
        catalog_ref_ids.ref_id,
        row_number() over (
            partition by candidates.platform_content_id
            order by
                candidates.is_exact desc,
                length(catalog_ref_ids.ref_id) desc,
                candidates.token_number asc,
                catalog_ref_ids.ref_id asc
        ) as candidate_rank
    from candidates
    inner join catalog_ref_ids
        on candidates.candidate = catalog_ref_ids.ref_id

),

content_id_matches as (

    select
        platform_content_id,
        ref_id,
        case when is_exact = 1 then 'exact' else 'contained' end
            as ref_id_source
    from ranked
    where candidate_rank = 1

),

final as (

    select
        accepted.viewership_id,
        cast(
            coalesce(accepted.uploaded_ref_id, content_id_matches.ref_id)
            as varchar
        ) as ref_id,
        cast(
            case
                when accepted.uploaded_ref_id is not null then 'uploaded'
                else content_id_matches.ref_id_source
            end as varchar
        ) as ref_id_source,
        accepted.bronze_loaded_at
    from accepted
    left join content_id_matches
        on
            accepted.uploaded_ref_id is null
            and accepted.platform_content_id
            = content_id_matches.platform_content_id

)

select * from final
