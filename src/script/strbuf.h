/*
 * strbuf.h - a growable string for results and output lines.
 *
 * Allocation failures are sticky: the buffer keeps what fit and reports
 * failure through sb_ok(), so callers format first and check once.
 */
#ifndef INPCB_SCRIPT_STRBUF_H
#define INPCB_SCRIPT_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;      /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	bool failed;  /* an allocation failed */
};

#define STRBUF_INIT { NULL, 0, 0, false }

void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_puts(struct strbuf *sb, const char *s);
/* The text so far ("" when empty). */
const char *sb_str(const struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
bool sb_ok(const struct strbuf *sb);

#endif
