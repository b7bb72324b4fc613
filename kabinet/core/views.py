from django.shortcuts import render


def error_404(request, exception):
    return render(request, "404.html", status=404)


def error_500(request):
    # No context processors touch the database here: the failure may be the database.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({"site_operator": None}))
