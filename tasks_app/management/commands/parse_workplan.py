import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tasks_app.parsing import ParseError, parse_document
from tasks_app.services.imports import max_upload_bytes


class Command(BaseCommand):
    help = "解析工作要点文件(.txt/.docx/.xlsx),输出条目大纲。--json 输出 JSON。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="以 JSON 输出完整大纲")

    def handle(self, *args, file: Path, json: bool, **options):
        try:
            size = file.stat().st_size
            if size > max_upload_bytes():
                raise CommandError(f"{file}:文件过大({size} 字节),上限 {max_upload_bytes()} 字节。")
            outline = parse_document(file.read_bytes(), file.name)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}:{exc.strerror}") from exc
        except ParseError as exc:
            raise CommandError(f"{file}:{exc.message}") from exc
        if json:
            self.stdout.write(_dumps(outline))
            return
        self.stdout.write(
            f"{outline['title']}  {outline['doc_number']}  {outline['issued_on'] or ''}"
        )
        for task in outline["tasks"]:
            units = "、".join(
                u["name"] + ("(牵头)" if u["role"] == "lead" else "") for u in task["units"]
            )
            deadline = task["deadline"] or task["deadline_text"] or ""
            line = f"{'  ' * (task['level'] - 1)}{task['ref']}  {task['title'][:40]}"
            self.stdout.write(
                line + (f"  [{units}]" if units else "") + (f"  ⏰{deadline}" if deadline else "")
            )


def _dumps(outline: dict) -> str:
    return json.dumps(outline, ensure_ascii=False, indent=1)
