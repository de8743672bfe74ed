/*
 * progress.c - the progress line on stderr.
 *
 * Shown only when asked for (stderr is a terminal, or --progress) and only
 * once the run has lasted PROGRESS_AFTER seconds: a quick run prints
 * nothing.  On a terminal the line is rewritten in place and cleared
 * before anything else is printed; elsewhere (--progress into a log) it
 * prints whole lines, at most one every LOG_EVERY seconds.
 */
#include "bench.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#define PROGRESS_AFTER 2.0
#define REDRAW_EVERY   0.1
#define LOG_EVERY      5.0

static struct {
	bool enabled, tty, shown;
	unsigned step, total;
	double t0, last;
	char text[160];
} pg;

void progress_init(bool enabled, unsigned total_steps)
{
	pg.enabled = enabled;
	pg.tty = isatty(STDERR_FILENO);
	pg.shown = false;
	pg.step = 0;
	pg.total = total_steps;
	pg.t0 = bench_now();
	pg.last = 0;
	pg.text[0] = '\0';
}

static void draw(bool force)
{
	double now = bench_now(), el = now - pg.t0;

	if (!pg.enabled || el < PROGRESS_AFTER)
		return;
	if (!force && now - pg.last < (pg.tty ? REDRAW_EVERY : LOG_EVERY))
		return;
	pg.last = now;
	fprintf(stderr, "%s[%u/%u] %u:%02u %s%s", pg.tty ? "\r\033[K" : "",
	        pg.step, pg.total, (unsigned)el / 60, (unsigned)el % 60,
	        pg.text, pg.tty ? "" : "\n");
	fflush(stderr);
	pg.shown = pg.tty;
}

void progress_step(const char *fmt, ...)
{
	va_list ap;

	if (!pg.enabled)
		return;
	if (pg.step < pg.total)
		pg.step++;
	va_start(ap, fmt);
	vsnprintf(pg.text, sizeof(pg.text), fmt, ap);
	va_end(ap);
	draw(false);
}

void progress_note(const char *fmt, ...)
{
	va_list ap;

	if (!pg.enabled)
		return;
	va_start(ap, fmt);
	vsnprintf(pg.text, sizeof(pg.text), fmt, ap);
	va_end(ap);
	draw(false);
}

void progress_clear(void)
{
	if (pg.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		pg.shown = false;
		pg.last = 0;    /* redraw at the next note */
	}
}

void progress_done(void)
{
	progress_clear();
	pg.enabled = false;
}
