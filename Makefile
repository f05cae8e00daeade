# confiture: build the filters, the orchestrator, the library, the docs and the tests.
include config.mk

ifeq ($(SAN),1)
CFLAGS += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
endif

# lib/ is one static library; every subsystem folder under it is picked up.
LIB_SRC = $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_HDR = $(sort $(wildcard lib/*.h lib/*/*.h))
LIB_OBJ = $(LIB_SRC:.c=.o)
LIB = lib/libconf.a

BIN = \
	bin/conf-anonymize \
	bin/conf-apply \
	bin/conf-extract \
	bin/conf-hook \
	bin/conf-impact \
	bin/conf-lint \
	bin/confiture

MAN1 = $(BIN:bin/%=docs/man/%.1)

all: $(BIN)

$(LIB_OBJ): $(LIB_HDR) config.mk

$(LIB): $(LIB_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $(LIB_OBJ)

bin/%: bin/%.c $(LIB) $(LIB_HDR)
	@echo "LD $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

.c.o:
	@echo "CC $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# check and demo first install what is missing (Debian packages), so that the
# README's two commands work on a fresh machine.
deps:
	.ci/install-deps

check: deps
	$(MAKE) all
	tests/run

demo: deps
	$(MAKE) all
	pipelines/demo

bench: deps
	$(MAKE) all
	bench/run

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(LIBEXECDIR)
	cp -f $(BIN) $(DESTDIR)$(BINDIR)/
	cp -f $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	for f in pipelines/*; do cp -f $$f $(DESTDIR)$(LIBEXECDIR)/; done

uninstall:
	for f in $(BIN:bin/%=%); do rm -f $(DESTDIR)$(BINDIR)/$$f; done
	for f in $(MAN1:docs/man/%=%); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$$f; done
	rm -rf $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -f $(BIN) $(LIB) $(LIB_OBJ)

.PHONY: all deps check demo bench install uninstall clean
