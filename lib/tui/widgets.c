/* widgets: screens, lists with filter and multi-select, text input, questions, progress bars. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tui/tui.h"

void
tui_bar(struct strbuf *sb, int width, double done, double total)
{
	int i, fill = 0;

	if (width < 3)
		width = 3;
	if (total > 0) {
		double f = done / total;

		if (f > 1)
			f = 1;
		if (f < 0)
			f = 0;
		fill = (int)(f * (width - 2) + 0.5);
	}
	strbuf_addch(sb, '[');
	for (i = 0; i < width - 2; i++)
		strbuf_addch(sb, i < fill ? '#' : '.');
	strbuf_addch(sb, ']');
}

void
tui_bytes(char *buf, size_t n, long long bytes)
{
	static const char *units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lld B", bytes);
	else
		snprintf(buf, n, "%.1f %s", v, units[u]);
}

void
tui_count(char *buf, size_t n, long long count)
{
	char digits[32], out[48];
	int len, i, j = 0;

	if (count < 0) {
		snprintf(buf, n, "?");
		return;
	}
	len = snprintf(digits, sizeof(digits), "%lld", count);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = digits[i];
	}
	out[j] = '\0';
	snprintf(buf, n, "%s", out);
}

void
tui_wrap(struct tui *t, enum tui_style style, const char *text)
{
	const char *p = text;
	int width = t->cols - 1;

	while (*p) {
		size_t len = strlen(p), cut;
		const char *nl = strchr(p, '\n');

		if (nl && (size_t)(nl - p) <= (size_t)width) {
			tui_addf(t, style, "%.*s", (int)(nl - p), p);
			p = nl + 1;
			continue;
		}
		if (len <= (size_t)width) {
			tui_addf(t, style, "%s", p);
			break;
		}
		for (cut = (size_t)width; cut > 0 && p[cut] != ' '; cut--)
			;
		if (cut == 0)
			cut = (size_t)width;
		tui_addf(t, style, "%.*s", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void
tui_screen_header(struct tui *t, const struct tui_screen *s)
{
	const char *p, *nl;

	tui_frame_begin(t);
	tui_addf(t, TUI_TITLE, "confiture wizard - %s", s->title ? s->title : "");
	if (s->context) {
		for (p = s->context; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (nl == NULL) {
				tui_addf(t, TUI_DIM, "%s", p);
				break;
			}
			tui_addf(t, TUI_DIM, "%.*s", (int)(nl - p), p);
		}
	}
	tui_blank(t);
	if (s->prompt)
		tui_wrap(t, TUI_PLAIN, s->prompt);
	if (s->draw)
		s->draw(t, s->arg);
}

/* The footer is kept on screen even when the body is long: callers leave room. */
void
tui_screen_footer(struct tui *t, const struct tui_screen *s)
{
	tui_blank(t);
	if (s->message)
		tui_wrap(t, TUI_WARN, s->message);
	if (s->footer)
		tui_wrap(t, TUI_DIM, s->footer);
}

void
tui_list_init(struct tui_list *l)
{
	memset(l, 0, sizeof(*l));
	strbuf_init(&l->filter, 0);
}

void
tui_list_release(struct tui_list *l)
{
	strbuf_release(&l->filter);
}

static int
matches(const struct tui_list *l, size_t i)
{
	const char *hay = l->labels[i], *f = l->filter.buf;
	size_t fl = l->filter.len, j;

	if (fl == 0)
		return 1;
	for (; *hay; hay++) {
		for (j = 0; j < fl && hay[j]; j++)
			if (tolower((unsigned char)hay[j]) != tolower((unsigned char)f[j]))
				break;
		if (j == fl)
			return 1;
	}
	return 0;
}

/* Move the cursor to the nearest visible row in direction dir (+1/-1), staying put if none. */
static void
step_cursor(struct tui_list *l, long dir, long count)
{
	long i = (long)l->cursor, last = (long)l->cursor;

	while (count > 0) {
		i += dir;
		if (i < 0 || i >= (long)l->n)
			break;
		if (matches(l, (size_t)i)) {
			last = i;
			count--;
		}
	}
	l->cursor = (size_t)last;
}

static void
settle_cursor(struct tui_list *l)
{
	if (l->n == 0 || (l->cursor < l->n && matches(l, l->cursor)))
		return;
	if (l->cursor >= l->n)
		l->cursor = l->n - 1;
	step_cursor(l, 1, 1);
	if (!matches(l, l->cursor))
		step_cursor(l, -1, 1);
}

static void
draw_list(struct tui *t, const struct tui_screen *s, struct tui_list *l, int editing)
{
	size_t vis[4096], nvis = 0, i, first = 0, pos = 0;
	int room, footer;

	tui_screen_header(t, s);
	footer = 2 + (s->footer ? (int)strlen(s->footer) / t->cols + 1 : 0) +
	    (s->message ? (int)strlen(s->message) / (t->cols - 1) + 1 : 0);
	for (i = 0; i < l->n && nvis < sizeof(vis) / sizeof(vis[0]); i++)
		if (matches(l, i)) {
			if (i == l->cursor)
				pos = nvis;
			vis[nvis++] = i;
		}
	room = t->rows - 1 - t->lines - footer;
	if (room < 3)
		room = 3;
	if (pos >= (size_t)room)
		first = pos - (size_t)room + 1;
	for (i = first; i < nvis && i < first + (size_t)room; i++) {
		size_t k = vis[i];
		int cur = k == l->cursor;

		if (l->selected)
			tui_addf(t, cur ? TUI_CURSOR : TUI_PLAIN, "%s [%c] %s", cur ? ">" : " ",
			    l->selected[k] ? 'x' : ' ', l->labels[k]);
		else
			tui_addf(t, cur ? TUI_CURSOR : TUI_PLAIN, "%s %s", cur ? ">" : " ", l->labels[k]);
	}
	if (nvis == 0)
		tui_addf(t, TUI_DIM, "  (nothing matches the filter)");
	if (editing || l->filter.len)
		tui_addf(t, editing ? TUI_TITLE : TUI_DIM, "filter: %s%s  (%zu of %zu shown)",
		    l->filter.buf, editing ? "_" : "", nvis, l->n);
	else if (nvis > (size_t)room)
		tui_addf(t, TUI_DIM, "(%zu-%zu of %zu)", first + 1,
		    first + (size_t)room < nvis ? first + (size_t)room : nvis, nvis);
	tui_screen_footer(t, s);
	tui_frame_end(t);
}

int
tui_list_run(struct tui *t, const struct tui_screen *s, struct tui_list *l)
{
	int editing = 0, k;
	size_t i;

	settle_cursor(l);
	for (;;) {
		draw_list(t, s, l, editing);
		k = tui_key(t, -1);
		if (k == TUI_KEY_NONE || k == TUI_KEY_RESIZE)
			continue;
		if (k == TUI_KEY_INTR)
			return TUI_INTR;
		if (k == TUI_KEY_EOF)
			return TUI_QUIT;
		if (editing) {
			if (k == TUI_KEY_ENTER || k == TUI_KEY_ESC || k == TUI_KEY_DOWN || k == TUI_KEY_UP) {
				editing = 0;
			} else if (k == TUI_KEY_BACKSPACE) {
				if (l->filter.len)
					l->filter.buf[--l->filter.len] = '\0';
			} else if (k >= 32 && k < 256) {
				strbuf_addch(&l->filter, k);
			}
			settle_cursor(l);
			continue;
		}
		if (k > 0 && k < 256 && l->keys && strchr(l->keys, k)) {
			l->key = k;
			return TUI_KEY;
		}
		switch (k) {
		case TUI_KEY_UP: case 'k': step_cursor(l, -1, 1); break;
		case TUI_KEY_DOWN: case 'j': step_cursor(l, 1, 1); break;
		case TUI_KEY_PGUP: step_cursor(l, -1, t->rows / 2); break;
		case TUI_KEY_PGDN: step_cursor(l, 1, t->rows / 2); break;
		case TUI_KEY_HOME: step_cursor(l, -1, (long)l->n); break;
		case TUI_KEY_END: step_cursor(l, 1, (long)l->n); break;
		case '/':
			editing = 1;
			break;
		case TUI_KEY_ESC:
			strbuf_reset(&l->filter);
			break;
		case ' ':
			if (l->selected && l->n && matches(l, l->cursor))
				l->selected[l->cursor] = !l->selected[l->cursor];
			break;
		case 'a':
			if (l->selected) {
				int all = 1;

				for (i = 0; i < l->n; i++)
					if (matches(l, i) && !l->selected[i])
						all = 0;
				for (i = 0; i < l->n; i++)
					if (matches(l, i))
						l->selected[i] = !all;
			}
			break;
		case TUI_KEY_ENTER:
			if (l->n == 0 || !matches(l, l->cursor))
				break;
			return TUI_OK;
		case 'b': case TUI_KEY_LEFT:
			return TUI_BACK;
		case 'q':
			return TUI_QUIT;
		}
	}
}

struct input_view {
	const char *label;
	struct strbuf *text;
	int secret;
};

static void
draw_input(struct tui *t, void *arg)
{
	struct input_view *v = arg;
	struct strbuf shown = STRBUF_INIT;
	size_t i;

	if (v->secret)
		for (i = 0; i < v->text->len; i++)
			strbuf_addch(&shown, '*');
	else
		strbuf_addstr(&shown, v->text->buf);
	tui_addf(t, TUI_PLAIN, "%s", v->label);
	/* On a narrow terminal show the end of the text, where the typing is. */
	if ((int)shown.len + 3 > t->cols)
		tui_addf(t, TUI_TITLE, "> ~%s_", shown.buf + shown.len - (size_t)(t->cols - 5));
	else
		tui_addf(t, TUI_TITLE, "> %s_", shown.buf);
	strbuf_release(&shown);
}

int
tui_input(struct tui *t, const struct tui_screen *s, const char *label,
    struct strbuf *text, int secret)
{
	struct input_view v = { label, text, secret };
	struct tui_screen screen = *s;
	int k;

	screen.draw = draw_input;
	screen.arg = &v;
	for (;;) {
		tui_screen_header(t, &screen);
		tui_screen_footer(t, &screen);
		tui_frame_end(t);
		k = tui_key(t, -1);
		switch (k) {
		case TUI_KEY_NONE: case TUI_KEY_RESIZE:
			break;
		case TUI_KEY_INTR:
			return TUI_INTR;
		case TUI_KEY_EOF:
			return TUI_QUIT;
		case TUI_KEY_ENTER:
			return TUI_OK;
		case TUI_KEY_ESC:
			return TUI_BACK;
		case TUI_KEY_LEFT:
			if (text->len == 0)
				return TUI_BACK;
			break;
		case TUI_KEY_BACKSPACE:
			if (text->len) {
				/* drop a whole UTF-8 sequence */
				do
					text->len--;
				while (text->len && ((unsigned char)text->buf[text->len] & 0xc0) == 0x80);
				text->buf[text->len] = '\0';
			}
			break;
		default:
			if (k >= 32 && k < 256)
				strbuf_addch(text, k);
		}
	}
}

int
tui_ask(struct tui *t, const struct tui_screen *s, const char *choices, int def)
{
	int k;

	for (;;) {
		tui_screen_header(t, s);
		tui_screen_footer(t, s);
		tui_frame_end(t);
		k = tui_key(t, -1);
		if (k == TUI_KEY_INTR)
			return TUI_INTR;
		if (k == TUI_KEY_EOF)
			return 'q';
		if (k == TUI_KEY_ENTER && def)
			return def;
		if (k == TUI_KEY_LEFT && strchr(choices, 'b'))
			return 'b';
		if (k > 0 && k < 256 && strchr(choices, tolower(k)))
			return tolower(k);
	}
}
