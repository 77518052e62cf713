"""Sparring in the demo data set: availability and requests in every state, written through
the services (so their notifications exist too). Called by clubs.demo.demo_seed; idempotent:
nothing is added once the demo boxers have any request."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from boxers.models import Availability, Boxer, SparringKind, SparringRequest
from boxers.sparring import services

# (boxer login, days from now, hour of the day (UTC), hours long)
SLOTS = [
    ("boxer.tomos", 2, 18, 2),
    ("boxer.tomos", 5, 18, 2),
    ("boxer.ryan", 2, 19, 2),
    ("boxer.ryan", 9, 18, 1),
    ("boxer.iwan", 3, 17, 1.5),
    ("boxer.kyle", 3, 17, 2),
    ("boxer.jordan", 4, 18, 2),
    ("boxer.rhys", 4, 19, 2),
    ("boxer.geraint", 6, 10, 3),
    ("boxer.connor", 6, 11, 2),
    ("boxer.aled", 7, 18, 2),
    ("boxer.sion", 7, 18, 2),
]


def sparring_seed(*, boxers: dict[str, Boxer], users: dict[str, User]) -> int:
    """Add the demo slots and requests; returns how many requests were added (0 if any existed)."""
    demo = [b.pk for b in boxers.values()]
    if SparringRequest.objects.filter(Q(from_boxer__in=demo) | Q(to_boxer__in=demo)).exists():
        return 0
    now = timezone.now().replace(minute=0, second=0, microsecond=0)

    def when(days: float, hour: int) -> datetime:
        return (now + timedelta(days=days)).replace(hour=hour)

    for login, days, hour, length in SLOTS:
        start = when(days, hour)
        if not Availability.objects.filter(
            boxer=boxers[login], starts_at__lt=start + timedelta(hours=length), ends_at__gt=start
        ).exists():
            services.availability_create(
                boxer=boxers[login], starts_at=start, ends_at=start + timedelta(hours=length)
            )

    def propose(
        by: str, a: str, b: str, days: float, hour: int, message: str, kind: str = SparringKind.SPARRING
    ) -> SparringRequest:
        start = when(days, hour)
        return services.sparring_request_create(
            created_by=users[by],
            from_boxer=boxers[a],
            to_boxer=boxers[b],
            kind=kind,
            proposed_start=start,
            proposed_end=start + timedelta(hours=2),
            message=message,
        )

    # pending: a coach with manage_sparring asks across North Wales (Rhyl → Wrexham)
    propose("coach.dai", "boxer.tomos", "boxer.ryan", 2, 18, "Bout in three weeks; 4 x 2 min?")
    # a pending bout between two juniors of 16, proposed by their coach
    propose(
        "coach.dai", "boxer.iwan", "boxer.kyle", 10, 17, "Skills bout at the club show?", SparringKind.BOUT
    )
    # accepted: the club owner proposes for its boxer; the other boxer accepts himself
    accepted = propose("owner.south", "boxer.jordan", "boxer.rhys", 4, 18, "Sparring at Tiger Bay?")
    services.sparring_request_accept(
        request=accepted, user=users["boxer.rhys"], response_message="See you there."
    )
    # declined
    declined = propose(
        "boxer.geraint", "boxer.geraint", "boxer.connor", 6, 11, "Hard rounds before the Welsh?"
    )
    services.sparring_request_decline(
        request=declined, user=users["boxer.connor"], response_message="Injured, sorry."
    )
    # cancelled by the side that asked
    cancelled = propose("boxer.aled", "boxer.aled", "boxer.sion", 7, 18, "Technical sparring?")
    services.sparring_request_cancel(request=cancelled, user=users["boxer.aled"])
    # expired: asked ten days ago, never answered
    expired = propose("boxer.nia", "boxer.nia", "boxer.kayleigh", 3, 18, "Light sparring?")
    SparringRequest.objects.filter(pk=expired.pk).update(
        created_at=now - timedelta(days=10), expires_at=now - timedelta(days=3)
    )
    services.sparring_requests_expire()
    # completed: a session last week
    done = propose("boxer.chloe", "boxer.chloe", "boxer.bethan", 1, 18, "Pads and sparring?")
    services.sparring_request_accept(request=done, user=users["boxer.bethan"])
    SparringRequest.objects.filter(pk=done.pk).update(
        proposed_start=now - timedelta(days=6), proposed_end=now - timedelta(days=6) + timedelta(hours=2)
    )
    services.sparring_request_complete(request=done, user=users["boxer.chloe"])
    return SparringRequest.objects.filter(from_boxer__in=demo).count()
