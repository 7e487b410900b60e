# Shortcuts for the README's commands (scripts/dev.py does the work; make is optional).
.PHONY: run test ci

run:
	python3 scripts/dev.py run

test:
	python3 scripts/dev.py test

ci:
	bash .ci/run
