"""Stakeholder status updates: render from the policy's templates, record through the
command layer, queue to each audience's destinations through the delivery outbox.

Kept import-light on purpose (the command layer and the policy loader import parts of
it): use ``warroom.comms.updates`` for posting an update.
"""
