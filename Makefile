# migrator -- PGXS build
EXTENSION = migrator
MODULE_big = migrator
OBJS = \
	src/migrator.o \
	src/source.o \
	src/layout.o \
	src/drizzle1.o \
	src/sqitch.o \
	src/graphile.o \
	src/script.o \
	src/plan.o \
	src/journal.o \
	src/run.o \
	src/retry.o \
	src/revert.o \
	src/shape.o \
	src/dualwrite.o \
	src/dualwrite_plan.o \
	src/expand.o \
	src/locking.o \
	src/backfill.o \
	src/prune.o \
	src/ops.o \
	src/tableops.o \
	src/worker.o \
	src/snapshot.o \
	src/drift.o \
	src/diff.o \
	src/diff_util.o \
	src/diff_objects.o \
	src/diff_kinds.o \
	src/diff_types.o \
	src/diff_tables.o \
	src/diff_views.o \
	src/diff_relkinds.o \
	src/diff_order.o \
	src/desired.o \
	src/depends.o \
	src/jsonb_object.o \
	src/adopt.o \
	src/guard.o \
	src/dropguard.o \
	src/deploy.o \
	src/lint.o \
	src/directive.o \
	src/sourcetext.o \
	src/online.o \
	src/explain.o \
	src/diff_renames.o

DATA = $(wildcard migrator--*.sql)
PGFILEDESC = "migrator - schema migrations inside PostgreSQL"

PG_CPPFLAGS = -I$(srcdir)/include
# -Wextra's unused-parameter fires inside PostgreSQL's own headers
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=migrator --dbname=migrator_regress
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=migrator --dbname=migrator_isolation

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Export only what PostgreSQL calls by name (PG_FUNCTION_INFO_V1's functions and pg_finfo_
# records, Pg_magic_func, _PG_init, the background worker's entry point: all PGDLLEXPORT).
# 16+ PGXS builds modules so already; on 15, PGDLLEXPORT is empty: make it say "default".
ifeq ($(MAJORVERSION),15)
override CFLAGS += -fvisibility=hidden
override CPPFLAGS += '-DPGDLLEXPORT=__attribute__((visibility("default")))'
endif

$(OBJS): include/migrator.h include/change.h include/diff.h include/dualwrite.h include/compat.h
src/snapshot.o: include/snapshot_kinds.h

# pgTAP and shell TAP suites against the running cluster (pgvector's convention; test/run runs
# them too, each pgTAP file in a fresh database)
prove_installcheck:
	MIGRATOR_RUN_PARTS=pgtap,tap $(srcdir)/test/run
.PHONY: prove_installcheck

# the client program (src/client), built and installed with the extension
all: client
client:
	$(MAKE) -C src/client PG_CONFIG=$(PG_CONFIG)
install: install-client
install-client: client
	$(MAKE) -C src/client PG_CONFIG=$(PG_CONFIG) install
clean: clean-client
clean-client:
	$(MAKE) -C src/client PG_CONFIG=$(PG_CONFIG) clean
.PHONY: client install-client clean-client

# Memory and undefined-behaviour checks (docs/DEVELOPING.md); slow, not part of test/run or CI.
# They need a PostgreSQL of their own: MIGRATOR_PGBIN, else test/sanitize copies the system's.
FUZZ_SECONDS ?= 600
check-asan:
	$(srcdir)/test/sanitize asan
check-valgrind:
	$(srcdir)/test/sanitize valgrind
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(srcdir)/test/sanitize fuzz $(FUZZ_TARGETS)
.PHONY: check-asan check-valgrind fuzz
