"""Read-model invalidation (permissions/readcache.py) for every write that changes what a boxer
profile or the public directory shows, whatever path makes it: services, the admin, commands.

Saves and deletes of Boxer and Club rows arrive here as signals (a user's deletion cascades to
its profile with signals too; a club's deletion sets its boxers' club to NULL without
signals, which the clubs generation covers). Writes that send no signal call
`readcache.invalidate` or `clubs_changed` themselves: the record recomputation
(QuerySet.update) and import_clubs (bulk operations). A user's is_active, which decides
whether its profile is listed, is saved with a signal.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from boxers.models import Boxer
from clubs.models import Club
from permissions import readcache


def clubs_changed() -> None:
    """A club was written: its name may show in profiles (any of them, including one whose
    boxer joins it while this write is open) and its boxers in the directory's filters."""
    readcache.invalidate(clubs=True, directory=True)


@receiver(post_save, sender=Boxer, dispatch_uid="readcache-boxer-saved")
@receiver(post_delete, sender=Boxer, dispatch_uid="readcache-boxer-deleted")
def _boxer_changed(sender, instance: Boxer, **kwargs) -> None:
    readcache.invalidate(profiles=[instance.pk], directory=True)


@receiver(post_save, sender=Club, dispatch_uid="readcache-club-saved")
@receiver(post_delete, sender=Club, dispatch_uid="readcache-club-deleted")
def _club_changed(sender, instance: Club, created: bool = False, **kwargs) -> None:
    if not created:  # a new club has no boxers yet
        clubs_changed()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="readcache-user-saved")
def _user_saved(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    if not created and (update_fields is None or "is_active" in update_fields):
        readcache.invalidate(directory=True)  # only active users' profiles are listed
