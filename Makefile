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
        -Wimplicit-fallthrough -Wundef -Wno-missing-field-initializers
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

CPPFLAGS := -Iinclude -Isrc -I$(RT)/include -D_GNU_SOURCE
CFLAGS   := -std=c17 $(OPT) $(WARN) -fvisibility=hidden -pthread
LIBS     := $(shell pkg-config --libs libgit2 jansson 2>/dev/null || echo -lgit2 -ljansson) -lpthread -lm
LDFLAGS  := $(OPT) -pthread

# ---- tree-sitter runtime + grammars (vendored from npm) -------------------
GRAMMAR_DIRS := tree-sitter-python/src tree-sitter-rust/src tree-sitter-c/src tree-sitter-cpp/src \
  tree-sitter-go/src tree-sitter-javascript/src tree-sitter-typescript/typescript/src \
  tree-sitter-typescript/tsx/src tree-sitter-java/src tree-sitter-c-sharp/src tree-sitter-ruby/src \
  tree-sitter-php/php/src tree-sitter-bash/src tree-sitter-kotlin/src tree-sitter-scala/src \
  tree-sitter-swift/src tree-sitter-haskell/src tree-sitter-julia/src
GRAMMAR_SRCS := $(foreach d,$(GRAMMAR_DIRS),$(d)/parser.c $(if $(wildcard $(NM)/$(d)/scanner.c),$(d)/scanner.c))
TS_OBJS := $(TSO)/runtime.o $(patsubst %.c,$(TSO)/%.o,$(GRAMMAR_SRCS))
TS_LIB  := $(TSO)/libtsgrammars.a
TS_CFLAGS := -std=c11 -O2 -g0 -fPIC -w

# ---- libdk -----------------------------------------------------------------
LIB_SRCS := $(sort $(wildcard src/util/*.c src/git/*.c src/lang/*.c src/merge/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(LIB_SRCS))
CLI_OBJS := $(patsubst %.c,$(O)/%.o,$(CLI_SRCS))
LIBDK    := $(O)/libdk.a
DK       := $(O)/dk

TEST_SRCS := $(sort $(wildcard tests/unit/*.c tests/fuzz/standalone.c)) tests/fuzz/fuzz_symbols_body.c tests/fuzz/fuzz_merge_body.c tests/harness/th.c
TEST_OBJS := $(patsubst %.c,$(O)/%.o,$(TEST_SRCS))
TEST_BIN  := $(O)/dk-tests

.PHONY: run all deps test test-run valgrind fuzz lint fmt bench clean check-layering compile_commands.json

all: $(LIBDK) $(DK)

# The README's "main job": install what is missing, build, and list the
# symbols of dk's own sources.
run:
	@scripts/deps
	@$(MAKE) --no-print-directory all
	@$(DK) symbols $(sort $(wildcard src/*/*.c src/*/*.h include/dk/*.h))

deps:
	@scripts/deps

$(NM)/tree-sitter/package.json:
	@scripts/deps

$(TSO)/runtime.o: $(NM)/tree-sitter/package.json
	@mkdir -p $(dir $@)
	@echo "  CC      tree-sitter runtime"
	@$(CC) $(TS_CFLAGS) -D_POSIX_C_SOURCE=200112L -D_DEFAULT_SOURCE -I$(RT)/src -I$(RT)/include \
		-c $(RT)/src/lib.c -o $@

$(TSO)/%.o: $(NM)/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $(patsubst $(NM)/%,%,$<)"
	@$(CC) $(TS_CFLAGS) -I$(dir $<) -c $< -o $@

$(NM)/%.c: $(NM)/tree-sitter/package.json ;

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

$(O)/%.o: %.c $(NM)/tree-sitter/package.json
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBDK): $(LIB_OBJS)
	@rm -f $@
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(DK): $(CLI_OBJS) $(LIBDK) $(TS_LIB)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBDK) $(TS_LIB) $(LIBS)

$(O)/tests/registry.inc: $(sort $(wildcard tests/unit/*.c tests/fuzz/standalone.c)) tests/harness/gen-registry.sh
	@mkdir -p $(dir $@)
	tests/harness/gen-registry.sh $(filter %.c,$^) > $@

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

$(O)/headertest: tests/headertest.c $(wildcard include/dk/*.h) $(LIBDK)
	@echo "  CC      tests/headertest.c (-std=c11 -pedantic)"
	@$(CC) -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude $(OPT) -o $@ tests/headertest.c $(LIBDK)

test-run: $(TEST_BIN) $(DK) $(O)/headertest
	@DK_BIN=$(abspath $(DK)) DK_SRCDIR=$(CURDIR) tests/run.sh $(TEST_BIN)

valgrind:
	@$(MAKE) --no-print-directory O=build/valgrind build/valgrind/dk-tests
	DK_SRCDIR=$(CURDIR) valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=1 build/valgrind/dk-tests

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

compile_commands.json:
	bear -- $(MAKE) -B O=build/bear all

clean:
	rm -rf build/release build/test build/valgrind build/fuzz build/bear

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
