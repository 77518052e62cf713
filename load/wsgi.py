"""The application wrapped to report how many SQL queries each request ran.

Load runs only: gunicorn serves `load.wsgi:application`, which answers every request with
an `X-DB-Queries` header counted by a Django execute wrapper on the request's thread.
"""

from django.db import connection

from boxerconnect.wsgi import application as django_application


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def application(environ, start_response):
    counter = _Counter()

    def counting_start_response(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-DB-Queries", str(counter.count))], exc_info)

    with connection.execute_wrapper(counter):
        return django_application(environ, counting_start_response)
