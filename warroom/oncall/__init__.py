"""On-call: rotations, who is on call, health rules and the handoff review."""
