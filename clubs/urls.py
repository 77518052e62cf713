"""URL routes of the clubs app (mounted under /api/v1/)."""

from django.urls import path

from clubs import apis

urlpatterns = [
    path("clubs/", apis.ClubListCreateApi.as_view(), name="club-list"),
    path("clubs/regions/", apis.ClubRegionsApi.as_view(), name="club-regions"),
    path("clubs/mine/", apis.ClubMineApi.as_view(), name="club-mine"),
    path("clubs/<uuid:pk>/", apis.ClubDetailApi.as_view(), name="club-detail"),
    path("clubs/<uuid:pk>/owner/", apis.ClubOwnerApi.as_view(), name="club-owner"),
    path("clubs/<uuid:pk>/members/", apis.ClubMembersApi.as_view(), name="club-members"),
    path("clubs/<uuid:pk>/boxers/<uuid:boxer_id>/", apis.ClubBoxerApi.as_view(), name="club-boxer"),
    path("clubs/<uuid:pk>/coaches/", apis.ClubCoachListApi.as_view(), name="club-coaches"),
    path("clubs/<uuid:pk>/coaches/<uuid:user_id>/", apis.ClubCoachApi.as_view(), name="club-coach"),
    path(
        "clubs/<uuid:pk>/coaches/<uuid:user_id>/accept/",
        apis.ClubCoachAcceptApi.as_view(),
        name="club-coach-accept",
    ),
    path(
        "clubs/<uuid:pk>/coaches/<uuid:user_id>/decline/",
        apis.ClubCoachDeclineApi.as_view(),
        name="club-coach-decline",
    ),
    path(
        "clubs/<uuid:pk>/membership-requests/",
        apis.ClubMembershipRequestsApi.as_view(),
        name="club-membership-requests",
    ),
    path("clubs/<uuid:pk>/boxer-accounts/", apis.ClubBoxerAccountsApi.as_view(), name="club-boxer-accounts"),
    path("membership-requests/", apis.MembershipRequestListApi.as_view(), name="membership-request-list"),
    path(
        "membership-requests/<uuid:pk>/",
        apis.MembershipRequestDetailApi.as_view(),
        name="membership-request-detail",
    ),
    path(
        "membership-requests/<uuid:pk>/approve/",
        apis.MembershipRequestApproveApi.as_view(),
        name="membership-request-approve",
    ),
    path(
        "membership-requests/<uuid:pk>/reject/",
        apis.MembershipRequestRejectApi.as_view(),
        name="membership-request-reject",
    ),
]
