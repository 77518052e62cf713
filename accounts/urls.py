"""URL routes of the accounts app (mounted under /api/v1/)."""

from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/register/", apis.RegisterApi.as_view(), name="auth-register"),
    path("auth/login/", apis.LoginApi.as_view(), name="auth-login"),
    path("auth/refresh/", apis.RefreshApi.as_view(), name="auth-refresh"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    path("auth/logout-all/", apis.LogoutAllApi.as_view(), name="auth-logout-all"),
    path("auth/me/", apis.MeApi.as_view(), name="auth-me"),
    path("auth/password/change/", apis.PasswordChangeApi.as_view(), name="auth-password-change"),
    path("auth/password/reset/", apis.PasswordResetApi.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        apis.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("notifications/", apis.NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/unread-count/",
        apis.NotificationUnreadCountApi.as_view(),
        name="notification-unread-count",
    ),
    path("notifications/read-all/", apis.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("notifications/<uuid:pk>/read/", apis.NotificationReadApi.as_view(), name="notification-read"),
    path("admin/users/", apis.AdminUserListApi.as_view(), name="admin-user-list"),
    path("admin/users/<uuid:pk>/", apis.AdminUserDetailApi.as_view(), name="admin-user-detail"),
    path("admin/stats/", apis.AdminStatsApi.as_view(), name="admin-stats"),
]
