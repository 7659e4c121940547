# The two commands of the README. Each bootstraps what it needs first.
.PHONY: demo test bootstrap bench lint

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	@.venv/bin/cmreport demo

test: bootstrap
	@bash scripts/test.sh

bench: bootstrap
	@.venv/bin/cmreport bench --size $${SIZE:-S}
