"""Jobs in the Django admin: the library's read-only list, plus attempts, the last error and
a "retry" action for failed jobs; periodic runs and worker heartbeats, read-only."""

from django.contrib import admin, messages
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from boxerconnect.jobs import services
from boxerconnect.jobs.models import JobCounter, PeriodicRun, WorkerHeartbeat
from boxerconnect.jobs.selectors import last_error

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class JobAdmin(DBTaskResultAdmin):
    list_display = (
        "id",
        "task_name",
        "status",
        "attempts",
        "last_error",
        "enqueued_at",
        "finished_at",
        "queue_name",
    )
    search_fields = ("task_path",)
    actions = ["retry"]

    @admin.display(description="attempts")
    def attempts(self, obj: DBTaskResult) -> int:
        return services.attempts(obj)

    @admin.display(description="last error")
    def last_error(self, obj: DBTaskResult) -> str:
        return last_error(obj)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("django_tasks_database.view_dbtaskresult")

    @admin.action(description="Retry the selected failed jobs now", permissions=["retry"])
    def retry(self, request, queryset):
        count = services.job_retry(ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(request, f"{count} failed job(s) queued again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} job(s) were not failed and were left alone.", messages.WARNING
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "scheduled_for", "task_id", "worker_id", "created_at")
    list_filter = ("name",)
    ordering = ("-scheduled_for",)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "pid", "started_at", "seen_at")
    ordering = ("-seen_at",)


@admin.register(JobCounter)
class JobCounterAdmin(ReadOnlyAdmin):
    list_display = ("task", "outcome", "value")
    ordering = ("task", "outcome")
