# tenantmate: GNU make build.
#
#   make                 build everything into build/ (binaries in build/bin/)
#   make check           build with AddressSanitizer and UBSan into build/check/
#                        and run the unit and end-to-end tests
#   make demo            collect recorded cars for three tenants and print them
#   make bench           print memory, CPU and latency figures (never gates CI)
#   make deps            install missing Debian packages (as root), or print
#                        the apt-get command
#   make install PREFIX=/usr/local
#   make clean

PREFIX   ?= /usr/local
BUILD    ?= build
SANITIZE ?= 0

CC       ?= cc
PKGS      = libpq libcurl libcjson libsodium libmicrohttpd
CPPFLAGS += -D_GNU_SOURCE -Icommon -Iworker -Itest/unit $(shell pkg-config --cflags $(PKGS))
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -fno-strict-aliasing
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lev -lm

ifeq ($(SANITIZE),1)
CFLAGS   += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

OBJ = $(BUILD)/obj
BIN = $(BUILD)/bin

COMMON_SRC     = $(wildcard common/*.c)
WORKER_MAIN    = worker/worker_main.c
WORKER_SRC     = $(filter-out $(WORKER_MAIN),$(wildcard worker/*.c))
SUPERVISOR_SRC = $(wildcard supervisor/*.c)
CLI_SRC        = $(wildcard supervisor/cli/*.c)
FAKE_SRC       = $(wildcard contrib/fake-tesla/*.c)
FAKE_NOMINATIM_SRC = $(wildcard contrib/fake-nominatim/*.c)
UNIT_SRC       = $(wildcard test/unit/test_*.c)
DBTEST_SRC     = $(wildcard test/db/dbtest_*.c)

COMMON_LIB = $(BUILD)/lib/libtenantmate-common.a
WORKER_LIB = $(BUILD)/lib/libtenantmate-worker.a

PROGRAMS = $(BIN)/tenantmate $(BIN)/tenantmate-supervisor \
           $(BIN)/tenantmate-worker $(BIN)/fake-tesla $(BIN)/fake-nominatim
UNIT_TESTS = $(patsubst test/unit/%.c,$(BUILD)/test/%,$(UNIT_SRC)) \
             $(patsubst test/db/%.c,$(BUILD)/test/%,$(DBTEST_SRC))

objects = $(patsubst %.c,$(OBJ)/%.o,$(1))

.PHONY: all check units unit e2e demo bench deps install clean
.DELETE_ON_ERROR:

all: $(PROGRAMS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(COMMON_LIB): $(call objects,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(WORKER_LIB): $(call objects,$(WORKER_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BIN)/tenantmate: $(call objects,$(CLI_SRC)) $(WORKER_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/tenantmate-supervisor: $(call objects,$(SUPERVISOR_SRC)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/tenantmate-worker: $(call objects,$(WORKER_MAIN)) $(WORKER_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/fake-tesla: $(call objects,$(FAKE_SRC)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/fake-nominatim: $(call objects,$(FAKE_NOMINATIM_SRC)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test/test_%: $(OBJ)/test/unit/test_%.o $(WORKER_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Tests in C that need a database: test/run-tests runs them against its
# throwaway cluster, each in a fresh migrated database.
$(BUILD)/test/dbtest_%: $(OBJ)/test/db/dbtest_%.o $(WORKER_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# The test build lives in its own tree so that sanitizer objects never mix
# with the release objects in build/.
check:
	$(MAKE) BUILD=build/check SANITIZE=1 all units
	TENANTMATE_BIN=build/check/bin TENANTMATE_UNIT_DIR=build/check/test \
		test/run-tests

units: $(UNIT_TESTS)

unit:
	$(MAKE) BUILD=build/check SANITIZE=1 units
	TENANTMATE_UNIT_DIR=build/check/test test/run-tests --unit-only

e2e:
	$(MAKE) BUILD=build/check SANITIZE=1 all
	TENANTMATE_BIN=build/check/bin test/run-tests --e2e-only $(E2E)

demo: all
	TENANTMATE_BIN=$(BIN) contrib/demo/run-demo

bench: all
	TENANTMATE_BIN=$(BIN) contrib/bench/run-bench

deps:
	contrib/install-deps

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tenantmate/migrations
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 sql/migrations/*.sql $(DESTDIR)$(PREFIX)/share/tenantmate/migrations/

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
