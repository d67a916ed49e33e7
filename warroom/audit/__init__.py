"""The audit log: hash chains, signed checkpoints, exports that verify on their own."""
