"""What the command line may ask of referrals: load a borough's ward register and its
information sharing agreements (`wardline demo seed`)."""
from services.referrals import agreements, repository


def load_borough(session, wards, sharing_agreements, actor):
    """The wards and agreements not yet known; returns how many wards were added."""
    added = repository.load_ward_register(session, wards)
    agreements.load_agreements(session, sharing_agreements, actor)
    return added
