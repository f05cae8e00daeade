# confiture build settings: the one place to change paths, flags and libraries.
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec/confiture
MANPREFIX = $(PREFIX)/share/man
DOCDIR = $(PREFIX)/share/doc/confiture

CC = cc
PG_INCLUDEDIR = /usr/include/postgresql
CPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DCONF_VERSION=\"$(VERSION)\" \
	-I$(PG_INCLUDEDIR) -Ilib
CFLAGS = -std=c11 -Wall -Wextra -Werror -O2 -g
LDFLAGS =
LDLIBS = -lpq -lyaml -lcjson -lpg_query -lm -ldl

# `make SAN=1` builds with AddressSanitizer and UndefinedBehaviorSanitizer.
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
