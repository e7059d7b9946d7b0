"""Values a person recorded in Attend, which win over the PAS's until the PAS catches up."""
