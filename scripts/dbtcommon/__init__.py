"""Jobs both ``viewership`` and ``redline`` need, implemented once.

* :mod:`dbtcommon.project`: find the dbt project root and read its environment map (``vars.environments``);
* :mod:`dbtcommon.dbt`: locate the ``dbt`` executable;
* :mod:`dbtcommon.snowflake`: the profile settings of the offline Snowflake compile;
* :mod:`dbtcommon.months`: English month names.

Reference CSVs are read by one loader, :mod:`viewership.loader.reference` (it needs the table schema).
"""
