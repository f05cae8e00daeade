/* tui: a small terminal UI: raw mode, keys, a redrawn frame, lists, text input, progress bars. */
#ifndef CONF_TUI_H
#define CONF_TUI_H

#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/*
 * Keys as tui_key returns them: a byte for printable characters (' ', 'q',
 * 'b', ...), or one of these.  Ctrl-C arrives as TUI_KEY_INTR (raw mode turns
 * the terminal's signal keys off, so that a running step can stop cleanly).
 */
enum tui_keycode {
	TUI_KEY_NONE = -1,        /* timeout */
	TUI_KEY_EOF = -2,         /* the terminal went away */
	TUI_KEY_RESIZE = -3,      /* SIGWINCH: redraw */
	TUI_KEY_UP = 0x100,
	TUI_KEY_DOWN,
	TUI_KEY_LEFT,
	TUI_KEY_RIGHT,
	TUI_KEY_PGUP,
	TUI_KEY_PGDN,
	TUI_KEY_HOME,
	TUI_KEY_END,
	TUI_KEY_ENTER,
	TUI_KEY_BACKSPACE,
	TUI_KEY_ESC,
	TUI_KEY_TAB,
	TUI_KEY_INTR              /* Ctrl-C */
};

/* Styles for tui_addf; they become escape sequences only when colour is on. */
enum tui_style {
	TUI_PLAIN,
	TUI_TITLE,                /* bold */
	TUI_DIM,
	TUI_CURSOR,               /* reverse video: the highlighted row */
	TUI_GOOD,                 /* green */
	TUI_WARN,                 /* yellow */
	TUI_BAD                   /* red */
};

/*
 * A terminal session on stdin/stdout.  `cols` and `rows` are refreshed at
 * every tui_frame_begin.  `color` is on only when stdout is a terminal,
 * NO_COLOR is unset (or empty) and TERM is not "dumb".  The frame is built in
 * `frame` and written at once by tui_frame_end, the screen cleared first.
 */
struct tui {
	int active;               /* raw mode is on */
	int color;
	int cols, rows;
	int lines;                /* lines in the current frame */
	struct strbuf frame;
};

/*
 * Whether stdin and stdout are both terminals (an interactive session is
 * possible).
 */
int tui_available(void);

/*
 * Switch the terminal to raw mode (no echo, no line buffering, no signal
 * keys) and hide the cursor.  The previous settings are restored by
 * tui_close, at exit, and on SIGINT, SIGTERM, SIGHUP and SIGQUIT (the signal
 * is then delivered again with its default action).  Returns 0, or -1 with
 * err (CONF_EXIT_USAGE) when stdin is not a terminal.
 */
int tui_open(struct tui *t, struct conf_error *err);
/* Restore the terminal (idempotent) and free the frame. */
void tui_close(struct tui *t);
/* Leave raw mode for a while (e.g. to run a child that prints), and back. */
void tui_suspend(struct tui *t);
void tui_resume(struct tui *t);

/*
 * Wait up to timeout_ms (-1: forever) for a key.  Returns a byte, a
 * TUI_KEY_* code, TUI_KEY_NONE on timeout, TUI_KEY_RESIZE when the window
 * changed size, TUI_KEY_EOF when stdin closed.
 */
int tui_key(struct tui *t, int timeout_ms);

/*
 * Set while a SIGINT or SIGTERM arrived and a handler of ours is installed
 * with tui_catch_interrupts(1) (execute steps poll it instead of dying); the
 * terminal is still restored if the process then ends.
 */
extern volatile int tui_interrupted;
void tui_catch_interrupts(int on);

/* Frames. */
void tui_frame_begin(struct tui *t);
/*
 * Add one line to the frame in a style, clipped to the terminal width (a
 * clipped line ends with '~').  Lines past the terminal height are dropped.
 */
void tui_addf(struct tui *t, enum tui_style style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add text over as many lines as it takes, broken at spaces (and at '\n'). */
void tui_wrap(struct tui *t, enum tui_style style, const char *text);
/* An empty line. */
void tui_blank(struct tui *t);
/* Clear the screen, write the frame, leave the cursor after it. */
void tui_frame_end(struct tui *t);

/*
 * A progress bar of `width` cells for done/total (total <= 0: empty) into sb,
 * "[#####.....]" with ASCII only, so that it survives any terminal.
 */
void tui_bar(struct strbuf *sb, int width, double done, double total);
/* Human units: "1.2 MB", "12,345". Write into buf of size n. */
void tui_bytes(char *buf, size_t n, long long bytes);
void tui_count(char *buf, size_t n, long long count);

/*
 * The screen every widget draws around its body: a title line, a few
 * context lines (the answers so far), and a footer of key help.  `draw` is
 * called with `arg` between header and list to add extra lines (may be NULL).
 */
struct tui_screen {
	const char *title;        /* "step 3/7: tables" */
	const char *context;      /* lines separated by '\n', may be NULL */
	const char *prompt;       /* a question above the list, may be NULL */
	const char *footer;       /* key help, may be NULL */
	const char *message;      /* an error or notice shown in TUI_WARN, may be NULL */
	void (*draw)(struct tui *t, void *arg);
	void *arg;
};

void tui_screen_header(struct tui *t, const struct tui_screen *s);
void tui_screen_footer(struct tui *t, const struct tui_screen *s);

/* What a widget ended with. */
enum tui_result {
	TUI_OK = 0,               /* enter */
	TUI_BACK = -1,            /* b or left: previous step */
	TUI_QUIT = -2,            /* q: quit without changes */
	TUI_INTR = -3,            /* Ctrl-C or a signal */
	TUI_KEY = -4              /* another key the caller asked to see (tui_list.keys) */
};

/*
 * A list of rows, one highlighted (the cursor), optionally multi-select with
 * a checkbox per row, and a filter typed after '/'.  Labels belong to the
 * caller.  Keys: up/down/pgup/pgdn/home/end move; space toggles (multi); 'a'
 * selects or clears every row the filter shows (multi); '/' edits the filter
 * (enter or esc leaves it; backspace deletes); enter confirms; 'b' or left
 * goes back; 'q' quits.  Any byte in `keys` ends the widget with TUI_KEY and
 * the key in `key` (cursor stays where it was).
 */
struct tui_list {
	const char *const *labels;
	size_t n;
	int *selected;            /* multi-select when non-NULL: one flag per row */
	size_t cursor;            /* in: start row, out: the chosen row */
	struct strbuf filter;     /* kept between calls; case-insensitive substring */
	const char *keys;         /* extra keys handed back, may be NULL */
	int key;
};

void tui_list_init(struct tui_list *l);
void tui_list_release(struct tui_list *l);
/* Run the list inside screen s.  Returns a tui_result. */
int tui_list_run(struct tui *t, const struct tui_screen *s, struct tui_list *l);

/*
 * A one-line text input with a prompt; `text` holds the initial value and
 * receives the answer.  Enter confirms (TUI_OK), esc or left on an empty
 * line goes back (TUI_BACK), Ctrl-C gives TUI_INTR.  'q' and 'b' are text
 * here.  `secret` shows '*' for each character.
 */
int tui_input(struct tui *t, const struct tui_screen *s, const char *label,
    struct strbuf *text, int secret);

/*
 * A question answered by one key of `choices` (e.g. "yn", "rbq"); enter
 * picks `def` when non-zero.  Returns the key, or TUI_INTR.
 */
int tui_ask(struct tui *t, const struct tui_screen *s, const char *choices, int def);

#endif
