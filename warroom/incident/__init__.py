"""The incident domain: the command layer (one mutation helper, the verb registry),
read models, the timeline, milestones, roles and the scribe grammar."""
