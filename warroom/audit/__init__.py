"""The audit log's proof: the database chain (chain.py), the incident row as a projection
of its timeline (projection.py), the audit key and signed checkpoints (keys.py,
checkpoint.py), the witness (witness.py), ``verify`` (verify.py, anchors.py), the export
and its verification on its own (export.py, seal.py, export_verify.py), and linking
entries written without the chain (backfill.py: the migration, bulk loaders)."""
