"""Scale-out: the ingest pipeline as Dask tasks over shards of the inputs (docs/cluster.md)."""
