"""Big inputs: `chunked` (one large file in slices of rows) and `spark` (many files on a cluster)."""
