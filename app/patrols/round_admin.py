"""Admin screens for rounds: ordered checkpoints, template per checkpoint, schedule, assignees."""
