# Shortcuts for the README's commands (scripts/dev.py does the work; make is optional).
.PHONY: run test ci bench

run:
	python3 scripts/dev.py run

test:
	python3 scripts/dev.py test

ci:
	bash .ci/run

# Benchmarks (not tests): SQLite, then PostgreSQL at 127.0.0.1 if it answers.
bench:
	.venv/bin/python benchmarks/bench_parser.py
	.venv/bin/python benchmarks/bench_import.py
	-DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints .venv/bin/python benchmarks/bench_import.py
	-DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints .venv/bin/python benchmarks/bench_reminders.py
	-DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints .venv/bin/python benchmarks/bench_progress.py
	-DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints .venv/bin/python benchmarks/bench_national.py
	-DATABASE_URL=postgres://postgres@127.0.0.1:5432/workpoints .venv/bin/python benchmarks/bench_notify.py
