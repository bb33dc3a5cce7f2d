"""JSON answers for URLs outside any API view, so that /api/ never returns an HTML error page."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from .errors import ErrorCode
from .handler import error_body


@csrf_exempt
def not_found(request: HttpRequest, exception: Exception | None = None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(ErrorCode.NOT_FOUND, f"No API endpoint at {request.path}."), status=404
        )
    return render(request, "404.html", status=404)


def csrf_failure(request: HttpRequest, reason: str = ""):
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(
                ErrorCode.CSRF_FAILED,
                f"CSRF check failed: {reason} Send a token instead "
                "of a session cookie, or the CSRF token header.",
            ),
            status=403,
        )
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def server_error(request: HttpRequest):
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(ErrorCode.SERVER_ERROR, "Something went wrong on our side; it has been logged."),
            status=500,
        )
    return render(request, "500.html", status=500)
