# dk - one non-recursive Makefile (Redis/git style): every flag in view.
#
#   make                 build/release/{libdk.a,dk}
#   make run             install deps, build, and run dk on its own sources
#   make test            sanitizer build (ASan+UBSan, -Werror) and all tests
#   make valgrind        unit tests under valgrind --leak-check=full
#   make fuzz            libFuzzer targets (clang), run briefly
#   make lint / fmt      cppcheck + clang-format check / reformat
#   make bench           benchmarks (print ratios against a baseline)
#
# Knobs: O=build/<variant>  SANITIZE=address,undefined  DEVELOPER=1  COVERAGE=1  CC=clang
# The tree-sitter runtime and grammars (from npm, third_party/) are compiled
# once into build/ts/libtsgrammars.a at -O2 and shared by every variant.
# A fresh clone needs nothing by hand: the first build runs scripts/deps
# (Debian packages, `npm ci`) through the deps stamp below.

# No built-in rules (a node_modules parser.c must never look like the product
# of a parser.y), and a recipe that fails leaves no half-written target behind.
MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:

O        ?= build/release
CC       ?= cc
AR       ?= ar
SANITIZE ?=
DEVELOPER ?=
COVERAGE ?=

NM  := third_party/node_modules
RT  := $(NM)/tree-sitter/vendor/tree-sitter/lib
TSO := build/ts

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
        -Wimplicit-fallthrough -Wundef
OPT  := -O2 -g
ifneq ($(SANITIZE),)
OPT  := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=undefined
endif
ifneq ($(DEVELOPER),)
WARN += -Werror
endif
ifneq ($(COVERAGE),)
OPT  += --coverage
endif

# Libraries through pkg-config. Asked on first use (a recipe, so after
# scripts/deps has installed them on a fresh machine), then remembered.
PKGS := libgit2 jansson sqlite3 libpq hiredis libmicrohttpd yaml-0.1
pkg    = $(call pkg_ok,$(shell pkg-config $(1) $(PKGS) 2>&1 || echo pkg-config-failed))
pkg_ok = $(if $(filter pkg-config-failed,$(1)),$(error $(1) (run scripts/deps)),$(1))
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(call pkg,--cflags))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(call pkg,--libs))$(PKG_LIBS)

CPPFLAGS = -Iinclude -Isrc -I$(RT)/include -D_GNU_SOURCE $(PKG_CFLAGS)
CFLAGS   := -std=c17 $(OPT) $(WARN) -fvisibility=hidden -pthread
LIBS      = $(PKG_LIBS) -lpthread -lm
# dk itself without libpq, libsqlite3 and libmicrohttpd: src/store/pq.c,
# src/store/sqlite.c and src/server/mhd.c load them when a PostgreSQL or
# SQLite store opens or a server starts (tests and benchmarks keep LIBS)
DK_LIBS   = $(filter-out -lpq -lsqlite3 -lmicrohttpd,$(LIBS))
LDFLAGS  := $(OPT) -pthread

# ---- tree-sitter runtime + grammars (vendored from npm) -------------------
GRAMMAR_DIRS := tree-sitter-python/src tree-sitter-rust/src tree-sitter-c/src tree-sitter-cpp/src \
  tree-sitter-go/src tree-sitter-javascript/src tree-sitter-typescript/typescript/src \
  tree-sitter-typescript/tsx/src tree-sitter-java/src tree-sitter-c-sharp/src tree-sitter-ruby/src \
  tree-sitter-php/php/src tree-sitter-bash/src tree-sitter-kotlin/src tree-sitter-scala/src \
  tree-sitter-swift/src tree-sitter-haskell/src tree-sitter-julia/src
# Named, never found with $(wildcard): on a fresh clone node_modules does not
# exist yet when this file is read. Which grammars ship an external scanner is
# fixed by package-lock.json; the deps stamp checks the installed tree against
# this list, so a version bump that adds or drops a scanner fails loudly.
GRAMMAR_NO_SCANNER := tree-sitter-c/src tree-sitter-go/src tree-sitter-java/src
GRAMMAR_SRCS := $(addsuffix /parser.c,$(GRAMMAR_DIRS)) \
  $(addsuffix /scanner.c,$(filter-out $(GRAMMAR_NO_SCANNER),$(GRAMMAR_DIRS)))
# every file of node_modules the build reads directly
NM_FILES := $(RT)/src/lib.c $(RT)/include/tree_sitter/api.h $(addprefix $(NM)/,$(GRAMMAR_SRCS))
TS_OBJS := $(TSO)/runtime.o $(patsubst %.c,$(TSO)/%.o,$(GRAMMAR_SRCS))
TS_LIB  := $(TSO)/libtsgrammars.a
TS_CFLAGS := -std=c11 -O2 -g0 -fPIC -w

# ---- libdk -----------------------------------------------------------------
LIB_LAYERS := util git lang store merge engine verify api server
LIB_SRCS := $(sort $(wildcard $(addsuffix /*.c,$(addprefix src/,$(LIB_LAYERS)))))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(LIB_SRCS))
# the store's schema migrations, embedded into libdk (scripts/embed-sql)
STORE_MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
LIB_OBJS += $(O)/gen/store_migrations.o
CLI_OBJS := $(patsubst %.c,$(O)/%.o,$(CLI_SRCS))
LIBDK    := $(O)/libdk.a
DK       := $(O)/dk

TEST_SRCS := $(sort $(wildcard tests/unit/*.c tests/fuzz/standalone.c)) tests/fuzz/fuzz_symbols_body.c tests/fuzz/fuzz_merge_body.c tests/harness/th.c tests/harness/th_api.c tests/harness/th_pg.c tests/harness/th_engine.c
TEST_OBJS := $(patsubst %.c,$(O)/%.o,$(TEST_SRCS))
TEST_BIN  := $(O)/dk-tests

.PHONY: demo run all deps test test-run valgrind fuzz lint fmt bench clean check-layering \
	compile_commands.json print-libs FORCE

all: $(LIBDK) $(DK)

# The README's "main job": install what is missing, build, and list the
# symbols of dk's own sources.
run:
	@scripts/deps
	@$(MAKE) --no-print-directory all
	@$(DK) symbols $(sort $(wildcard src/*/*.c src/*/*.h include/dk/*.h))

# The README's scripted scene: three agents land three functions of one file
# with zero conflicts, then a same-function clash is reported and resolved.
demo: all
	@scripts/demo $(DK)

deps:
	@scripts/deps

# ---- the deps stamp ----------------------------------------------------------
# scripts/deps copies the lock to DEPS_STAMP after each `npm ci`; it reinstalls
# when the copy differs from the lock (or with --reinstall), and installs the
# missing Debian packages. This rule runs it when the lock or the script is
# newer than the stamp, checks the scanner list, and touches the stamp.
#
# The node_modules files depend on the stamp through an empty recipe, not as
# order-only prerequisites: make then re-reads their timestamps once the stamp
# is made, so an `npm ci` that rewrites them rebuilds the grammars in the same
# run, while a stamp that only moved (touched lock, edited script) rebuilds
# nothing. Being named targets, they are never intermediate files make deletes.
DEPS_STAMP := $(NM)/.dk-lock-stamp
# A tree damaged by hand (a file missing although the stamp says installed) is reinstalled.
NM_MISSING := $(if $(wildcard $(DEPS_STAMP)),$(filter-out $(wildcard $(NM_FILES)),$(NM_FILES)))
ifneq ($(NM_MISSING),)
.PHONY: deps-reinstall
$(DEPS_STAMP): deps-reinstall
endif
$(DEPS_STAMP): third_party/package-lock.json scripts/deps
	@scripts/deps $(if $(NM_MISSING),--reinstall)
	@for d in $(GRAMMAR_DIRS); do \
		want=yes; case " $(GRAMMAR_NO_SCANNER) " in *" $$d "*) want=no ;; esac; \
		have=no; [ -f $(NM)/$$d/scanner.c ] && have=yes; \
		[ $$want = $$have ] || { echo "$$d/scanner.c: expected=$$want installed=$$have;" \
			"update GRAMMAR_NO_SCANNER in the Makefile" >&2; exit 1; }; \
	done
	@touch $@

$(NM_FILES): $(DEPS_STAMP) ;

$(TSO)/runtime.o: $(RT)/src/lib.c
	@mkdir -p $(dir $@)
	@echo "  CC      tree-sitter runtime"
	@$(CC) $(TS_CFLAGS) -D_POSIX_C_SOURCE=200112L -D_DEFAULT_SOURCE -I$(RT)/src -I$(RT)/include \
		-c $(RT)/src/lib.c -o $@

$(TSO)/%.o: $(NM)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $(patsubst $(NM)/%,%,$<)"
	@$(CC) $(TS_CFLAGS) -I$(dir $<) -c $< -o $@

# tree-sitter-swift 0.7.1's scanner allocates its state with calloc(0, ...) and then
# reads and writes it (a heap overflow valgrind reports). We compile a copy with
# calloc(1, ...); the build fails if the pattern is gone, so a version bump is re-checked.
SWIFT_SCANNER := $(NM)/tree-sitter-swift/src/scanner.c
$(TSO)/tree-sitter-swift/src/scanner.o: $(SWIFT_SCANNER)
	@mkdir -p $(dir $@)
	@echo "  CC      tree-sitter-swift/src/scanner.c (patched: calloc(0) -> calloc(1))"
	@grep -q 'calloc(0, sizeof(struct ScannerState))' $< || \
		{ echo "swift scanner changed: re-check the calloc patch in the Makefile" >&2; exit 1; }
	@sed 's/calloc(0, sizeof(struct ScannerState))/calloc(1, sizeof(struct ScannerState))/' \
		$< > $(TSO)/swift_scanner_patched.c
	@$(CC) $(TS_CFLAGS) -I$(NM)/tree-sitter-swift/src -c $(TSO)/swift_scanner_patched.c -o $@

$(TS_LIB): $(TS_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(O)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# the directory too: a removed or renamed migration changes only its mtime
$(O)/gen/store_migrations.c: scripts/embed-sql src/store/migrations $(STORE_MIGRATIONS)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@scripts/embed-sql $@ $(STORE_MIGRATIONS)

$(O)/gen/%.o: $(O)/gen/%.c
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBDK): $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(DK): $(CLI_OBJS) $(LIBDK) $(TS_LIB)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBDK) $(TS_LIB) $(DK_LIBS)

# Regenerated on every run (a grep) and replaced only when it changes, so a
# test file added, renamed or deleted under tests/unit/ is always picked up.
TEST_REGISTRY_SRCS := $(sort $(wildcard tests/unit/*.c tests/fuzz/standalone.c))
$(O)/tests/registry.inc: FORCE
	@mkdir -p $(dir $@)
	@tests/harness/gen-registry.sh $(TEST_REGISTRY_SRCS) > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; echo "  GEN     $@"; fi

$(O)/tests/harness/th.o: $(O)/tests/registry.inc
$(O)/tests/harness/th.o: CPPFLAGS += -I$(O)/tests
$(O)/tests/%.o: CPPFLAGS += -Itests -Itests/fuzz
$(O)/tests/%.o: CFLAGS += -Wno-missing-prototypes

$(TEST_BIN): $(TEST_OBJS) $(LIBDK) $(TS_LIB)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LIBDK) $(TS_LIB) $(LIBS)

# The README's test command. Installs missing dependencies, builds the
# sanitizer variant with -Werror, runs everything, ends with "N passed, N failed".
test:
	@scripts/deps
	@$(MAKE) --no-print-directory O=build/test SANITIZE=address,undefined DEVELOPER=1 test-run

$(O)/headertest: tests/headertest.c $(wildcard include/dk/*.h) $(LIBDK) $(TS_LIB)
	@echo "  CC      tests/headertest.c (-std=c11 -pedantic)"
	@$(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude $(OPT) -o $@ tests/headertest.c \
		$(LIBDK) $(TS_LIB) $(LIBS)

test-run: $(TEST_BIN) $(DK) $(O)/headertest
	@DK_BIN=$(abspath $(DK)) DK_SRCDIR=$(CURDIR) tests/run.sh $(TEST_BIN)

valgrind:
	@$(MAKE) --no-print-directory O=build/valgrind build/valgrind/dk-tests
	DK_SRCDIR=$(CURDIR) scripts/test-services run valgrind -q --leak-check=full \
		--errors-for-leak-kinds=definite --error-exitcode=1 build/valgrind/dk-tests

fuzz:
	@scripts/fuzz

bench:
	@$(MAKE) --no-print-directory O=build/release all
	@bench/run.sh build/release

# C sources we own (fixtures and test data under tests/lang, tests/merge are inputs, not code)
FMT_FILES = $(shell git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/*.c' 'tests/*.h' | grep -v '^tests/\(lang\|merge/cases\)/')

lint: check-layering
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -Iinclude -Isrc src
	clang-format --dry-run --Werror $(FMT_FILES)

fmt:
	clang-format -i $(FMT_FILES)

check-layering:
	@scripts/check-layering

# libdk, CLI and test objects only: -B must not rebuild the shared build/ts
compile_commands.json:
	bear -- $(MAKE) --no-print-directory -B O=build/bear \
		$(patsubst $(O)/%,build/bear/%,$(LIB_OBJS) $(CLI_OBJS) $(TEST_OBJS))

# Build products only; third_party/node_modules (npm's tree) is never removed here.
clean:
	rm -rf build/release build/test build/valgrind build/fuzz build/bear $(TSO) $(filter build/%,$(O))

# the libraries to link libdk with, for scripts that link it themselves (scripts/fuzz)
print-libs:
	@echo $(LIBS)

FORCE:

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
