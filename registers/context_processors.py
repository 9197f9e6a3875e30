def school(request):
    return {
        "school": getattr(request, "school", None),
        "roles": getattr(request, "roles", frozenset()),
    }
