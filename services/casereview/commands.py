"""What the command line may ask of case review: rebuild the chronology read model from
its own event log (`wardline casereview-rebuild`), after a fix to how entries are drawn."""
from services.casereview import projection


def rebuild_chronology(session):
    """Returns how many logged events were replayed; reviews are untouched."""
    return projection.rebuild(session)
