/* term: raw mode with restore on every exit path, key decoding, and the redrawn frame. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tui/tui.h"

volatile int tui_interrupted;

static struct termios saved_tio;
static volatile sig_atomic_t saved_valid;
static volatile sig_atomic_t resized;
static volatile sig_atomic_t catching;
static int handlers_installed;

static const char show_cursor[] = "\033[?25h";
static const char hide_cursor[] = "\033[?25l";

static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Async-signal-safe: tcsetattr and write only. */
static void
restore_terminal(void)
{
	if (!saved_valid)
		return;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	write_all(STDOUT_FILENO, show_cursor, sizeof(show_cursor) - 1);
	saved_valid = 0;
}

static void
on_fatal_signal(int sig)
{
	if (catching && (sig == SIGINT || sig == SIGTERM)) {
		tui_interrupted = 1;
		return;
	}
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static void
install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	if (handlers_installed)
		return;
	handlers_installed = 1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_fatal_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	atexit(restore_terminal);
}

void
tui_catch_interrupts(int on)
{
	catching = on;
	if (!on)
		tui_interrupted = 0;
}

int
tui_available(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

static void
query_size(struct tui *t)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		t->cols = ws.ws_col;
		t->rows = ws.ws_row > 0 ? ws.ws_row : 24;
	} else {
		t->cols = 80;
		t->rows = 24;
	}
	if (t->cols < 20)
		t->cols = 20;
	if (t->rows < 8)
		t->rows = 8;
}

static int
enter_raw(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return -1;
	raw = saved_tio;
	/* Keep OPOST so that '\n' still starts a new line when we draw. */
	raw.c_iflag &= ~(tcflag_t)(BRKINT | ICRNL | INPCK | ISTRIP | IXON);
	raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON | IEXTEN | ISIG);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	saved_valid = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0) {
		saved_valid = 0;
		return -1;
	}
	write_all(STDOUT_FILENO, hide_cursor, sizeof(hide_cursor) - 1);
	return 0;
}

int
tui_open(struct tui *t, struct conf_error *err)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	memset(t, 0, sizeof(*t));
	strbuf_init(&t->frame, 4096);
	if (!tui_available())
		return conf_error_set(err, CONF_EXIT_USAGE,
		    "the wizard needs a terminal on stdin and stdout");
	t->color = isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0') &&
	    !(term && strcmp(term, "dumb") == 0);
	install_handlers();
	if (enter_raw() < 0)
		return conf_error_set(err, CONF_EXIT_USAGE, "could not set the terminal to raw mode: %s",
		    strerror(errno));
	t->active = 1;
	query_size(t);
	return 0;
}

void
tui_suspend(struct tui *t)
{
	if (t->active) {
		/* what follows starts on a line of its own, below the last frame */
		if (t->lines > 0)
			write_all(STDOUT_FILENO, "\n", 1);
		restore_terminal();
		t->active = 0;
	}
}

void
tui_resume(struct tui *t)
{
	if (!t->active && enter_raw() == 0)
		t->active = 1;
}

void
tui_close(struct tui *t)
{
	tui_suspend(t);
	strbuf_release(&t->frame);
}

static int
byte_within(int ms)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	unsigned char c;

	if (poll(&p, 1, ms) <= 0)
		return -1;
	if (read(STDIN_FILENO, &c, 1) != 1)
		return -1;
	return c;
}

/* After ESC: CSI and SS3 sequences for arrows and paging keys. */
static int
decode_escape(void)
{
	int c = byte_within(40), d, num = 0;

	if (c < 0)
		return TUI_KEY_ESC;
	if (c == 'O') {
		d = byte_within(40);
		switch (d) {
		case 'A': return TUI_KEY_UP;
		case 'B': return TUI_KEY_DOWN;
		case 'C': return TUI_KEY_RIGHT;
		case 'D': return TUI_KEY_LEFT;
		case 'H': return TUI_KEY_HOME;
		case 'F': return TUI_KEY_END;
		}
		return TUI_KEY_NONE;
	}
	if (c != '[')
		return TUI_KEY_ESC;
	while ((d = byte_within(40)) >= 0) {
		if (d >= '0' && d <= '9') {
			num = num * 10 + (d - '0');
			continue;
		}
		if (d == ';')
			continue;
		switch (d) {
		case 'A': return TUI_KEY_UP;
		case 'B': return TUI_KEY_DOWN;
		case 'C': return TUI_KEY_RIGHT;
		case 'D': return TUI_KEY_LEFT;
		case 'H': return TUI_KEY_HOME;
		case 'F': return TUI_KEY_END;
		case '~':
			switch (num) {
			case 1: case 7: return TUI_KEY_HOME;
			case 4: case 8: return TUI_KEY_END;
			case 5: return TUI_KEY_PGUP;
			case 6: return TUI_KEY_PGDN;
			}
			return TUI_KEY_NONE;
		}
		return TUI_KEY_NONE;
	}
	return TUI_KEY_ESC;
}

int
tui_key(struct tui *t, int timeout_ms)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	unsigned char c;
	ssize_t n;
	int r;

	(void)t;
	if (resized) {
		resized = 0;
		return TUI_KEY_RESIZE;
	}
	if (tui_interrupted)
		return TUI_KEY_INTR;
	r = poll(&p, 1, timeout_ms);
	if (r < 0) {
		if (resized) {
			resized = 0;
			return TUI_KEY_RESIZE;
		}
		return tui_interrupted ? TUI_KEY_INTR : TUI_KEY_NONE;
	}
	if (r == 0)
		return TUI_KEY_NONE;
	n = read(STDIN_FILENO, &c, 1);
	if (n == 0)
		return TUI_KEY_EOF;
	if (n < 0)
		return errno == EINTR ? TUI_KEY_NONE : TUI_KEY_EOF;
	switch (c) {
	case 3: return TUI_KEY_INTR;
	case 4: return TUI_KEY_EOF;
	case '\r': case '\n': return TUI_KEY_ENTER;
	case 8: case 127: return TUI_KEY_BACKSPACE;
	case '\t': return TUI_KEY_TAB;
	case 27: return decode_escape();
	}
	return c;
}

void
tui_frame_begin(struct tui *t)
{
	query_size(t);
	strbuf_reset(&t->frame);
	t->lines = 0;
}

static const char *
style_on(enum tui_style s)
{
	switch (s) {
	case TUI_TITLE: return "\033[1m";
	case TUI_DIM: return "\033[2m";
	case TUI_CURSOR: return "\033[7m";
	case TUI_GOOD: return "\033[32m";
	case TUI_WARN: return "\033[33m";
	case TUI_BAD: return "\033[31;1m";
	default: return "";
	}
}

void
tui_addf(struct tui *t, enum tui_style style, const char *fmt, ...)
{
	struct strbuf text = STRBUF_INIT;
	va_list ap;
	size_t i, cut = 0;
	int width = 0, clipped = 0;

	if (t->lines >= t->rows - 1)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&text, fmt, ap);
	va_end(ap);
	/* Count columns as UTF-8 code points; stop one short to leave room for '~'. */
	for (i = 0; i < text.len; i++) {
		unsigned char c = (unsigned char)text.buf[i];

		if (c == '\n' || c == '\r' || c == '\t')
			text.buf[i] = ' ';
		if ((c & 0xc0) == 0x80)
			continue;
		if (width == t->cols - 1) {
			clipped = 1;
			break;
		}
		width++;
		cut = i + 1;
	}
	if (!clipped)
		cut = text.len;
	else
		while (cut < text.len && ((unsigned char)text.buf[cut] & 0xc0) == 0x80)
			cut++;
	if (t->lines > 0)
		strbuf_addch(&t->frame, '\n');
	if (t->color && style != TUI_PLAIN)
		strbuf_addstr(&t->frame, style_on(style));
	strbuf_add(&t->frame, text.buf, cut);
	if (clipped)
		strbuf_addch(&t->frame, '~');
	if (t->color && style != TUI_PLAIN)
		strbuf_addstr(&t->frame, "\033[0m");
	t->lines++;
	strbuf_release(&text);
}

void
tui_blank(struct tui *t)
{
	tui_addf(t, TUI_PLAIN, "%s", "");
}

void
tui_frame_end(struct tui *t)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_addstr(&out, "\033[H\033[2J");
	strbuf_add(&out, t->frame.buf, t->frame.len);
	write_all(STDOUT_FILENO, out.buf, out.len);
	strbuf_release(&out);
}
