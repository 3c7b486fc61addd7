"""Where to act first: planners that propose interventions on the tool's own models."""
