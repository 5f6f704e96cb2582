"""The partnership's registers that every service shares: roles and agency codes
(API.md). Extend AGENCIES here, and every service validates against the same list."""

ROLES = ("partner", "panel", "coordinator", "sergeant", "pcso", "analyst", "reviewer", "admin")
AGENCIES = ("police", "la-community-safety", "yot", "probation", "health", "education", "fire",
            "youth-services", "housing")
