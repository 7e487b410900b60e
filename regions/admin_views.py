"""The coordinator's contacts import page inside the admin: upload → report."""

from __future__ import annotations

import base64

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import ApplicationError
from regions.access import is_coordinator
from regions.services.contacts_import import COLUMNS, MAX_BYTES, contacts_import, failures_csv


class ContactsImportForm(forms.Form):
    file = forms.FileField(label="联系人表格", help_text="Excel(.xlsx)或 CSV 文件。")


def contacts_import_view(request: HttpRequest, admin_context: dict) -> HttpResponse:
    user = request.user
    if not is_coordinator(user):
        raise Http404
    result, error = None, ""
    form = ContactsImportForm()
    if request.method == "POST":
        # refused by its declared size, before the body is read
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + 64 * 1024:
            error = f"文件过大,上限为 {MAX_BYTES // 1024 // 1024} MB。"
        else:
            form = ContactsImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    if upload.size > MAX_BYTES:
                        raise ApplicationError(
                            f"文件过大({upload.size / 1024 / 1024:.1f} MB),"
                            f"上限为 {MAX_BYTES // 1024 // 1024} MB。"
                        )
                    result = contacts_import(user=user, data=upload.read(), filename=upload.name)
                except ApplicationError as exc:
                    error = exc.message
    context = {
        **admin_context,
        "title": "批量导入联系人",
        "form": form,
        "error": error,
        "result": result,
        "columns": list(COLUMNS),
        "max_mb": MAX_BYTES // 1024 // 1024,
        "region": user.region,
    }
    if result and result.failures:
        context["failures_href"] = "data:text/csv;charset=utf-8;base64," + base64.b64encode(
            failures_csv(result.failures)
        ).decode("ascii")
    return render(request, "admin/regions/contacts_import.html", context)
