"""URL routes of the boxers app (mounted under /api/v1/)."""

from django.urls import path

from boxers import apis
from boxers.sparring import apis as sparring

urlpatterns = [
    path("boxers/", apis.BoxerListCreateApi.as_view(), name="boxer-list"),
    path("boxers/me/", apis.BoxerMeApi.as_view(), name="boxer-me"),
    path("boxers/<uuid:pk>/", apis.BoxerDetailApi.as_view(), name="boxer-detail"),
    path("boxers/<uuid:pk>/leave-club/", apis.BoxerLeaveClubApi.as_view(), name="boxer-leave-club"),
    path("boxers/<uuid:pk>/fights/", apis.FightListCreateApi.as_view(), name="boxer-fights"),
    path(
        "boxers/<uuid:pk>/fights/<uuid:fight_id>/",
        apis.FightDetailApi.as_view(),
        name="boxer-fight-detail",
    ),
    path("boxers/<uuid:pk>/availability/", sparring.AvailabilityListApi.as_view(), name="boxer-availability"),
    path(
        "boxers/<uuid:pk>/availability/<uuid:slot_id>/",
        sparring.AvailabilityDetailApi.as_view(),
        name="boxer-availability-detail",
    ),
    path("boxers/<uuid:pk>/suggestions/", sparring.SuggestionsApi.as_view(), name="boxer-suggestions"),
    path("sparring-requests/", sparring.SparringRequestListApi.as_view(), name="sparring-request-list"),
    path(
        "sparring-requests/<uuid:pk>/",
        sparring.SparringRequestDetailApi.as_view(),
        name="sparring-request-detail",
    ),
    path(
        "sparring-requests/<uuid:pk>/accept/",
        sparring.SparringRequestAcceptApi.as_view(),
        name="sparring-request-accept",
    ),
    path(
        "sparring-requests/<uuid:pk>/decline/",
        sparring.SparringRequestDeclineApi.as_view(),
        name="sparring-request-decline",
    ),
    path(
        "sparring-requests/<uuid:pk>/cancel/",
        sparring.SparringRequestCancelApi.as_view(),
        name="sparring-request-cancel",
    ),
    path(
        "sparring-requests/<uuid:pk>/complete/",
        sparring.SparringRequestCompleteApi.as_view(),
        name="sparring-request-complete",
    ),
    path("coach-links/", apis.CoachLinkListCreateApi.as_view(), name="coach-link-list"),
    path("coach-links/<uuid:pk>/", apis.CoachLinkDetailApi.as_view(), name="coach-link-detail"),
    path("coach-links/<uuid:pk>/accept/", apis.CoachLinkAcceptApi.as_view(), name="coach-link-accept"),
    path("coach-links/<uuid:pk>/decline/", apis.CoachLinkDeclineApi.as_view(), name="coach-link-decline"),
]
