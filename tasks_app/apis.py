"""REST endpoints: thin, one per operation; input validated, one service called."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from regions.models import User
from tasks_app.parsing import parse_document, parse_text
from tasks_app.services.imports import max_upload_bytes, too_big_message

# Room for the multipart envelope around the file itself.
_ENVELOPE = 64 * 1024


class IsCoordinator(permissions.BasePermission):
    message = "只有协调员可以执行此操作。"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.is_superuser or user.role == User.Role.COORDINATOR)
        )


class WorkPlanParseApi(APIView):
    """Parse a document (multipart `file`, or `text`) into an outline; nothing is saved."""

    permission_classes = [IsCoordinator]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(required=False)
        text = serializers.CharField(required=False, trim_whitespace=False)

        def validate(self, attrs):
            if not attrs.get("file") and not (attrs.get("text") or "").strip():
                raise serializers.ValidationError("请上传文件(file)或提供正文(text)。")
            return attrs

    @extend_schema(
        summary="解析工作要点文件,返回条目大纲(不保存)",
        request={
            "multipart/form-data": InputSerializer,
            "application/json": InputSerializer,
        },
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        # Refuse by the declared size, before a byte of the body is read.
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > max_upload_bytes() + _ENVELOPE:
            return Response(
                {"detail": too_big_message(length)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data.get("file")
        if upload is not None:
            if upload.size > max_upload_bytes():
                return Response(
                    {"detail": too_big_message(upload.size)},
                    status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                )
            outline = parse_document(upload.read(), upload.name)
        else:
            outline = parse_text(serializer.validated_data["text"])
        return Response(outline)
