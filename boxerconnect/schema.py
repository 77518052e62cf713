"""OpenAPI post-processing: the error codes a client can act on, in the document's description."""

from boxerconnect.error_codes import markdown_table

ERRORS = """## Errors

Every error is JSON. Validation errors (400) name the fields: `{"<field>": ["message", ...]}`
(or `non_field_errors`). Every other error is `{"detail": "<a sentence for a person>",
"code": "<one of the codes below>"}`: branch on `code`, show `detail`.
A path without its trailing slash answers 308 to the path with it (method and body kept).

"""


def describe_error_codes(result, generator, request, public):
    """drf-spectacular postprocessing hook: append the error-code table to info.description."""
    info = result.setdefault("info", {})
    info["description"] = f"{info.get('description', '')}\n\n{ERRORS}{markdown_table()}".strip()
    return result
