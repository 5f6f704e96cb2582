"""A retention schedule for tests over a running stack: the shipped one with every
period 0 days, so that a record falls due the moment it ends."""
import yaml

from shared.retention import DEFAULT_SCHEDULE_FILE


def schedule_due_at_once(folder):
    """Write the schedule into `folder`; its path, for `WARDLINE_RETENTION_SCHEDULE`."""
    document = yaml.safe_load(DEFAULT_SCHEDULE_FILE.read_text())
    for outcomes in document["records"].values():
        for entry in outcomes.values():
            entry["after"] = "0 days"
    path = folder / "schedule.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)
