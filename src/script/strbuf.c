/*
 * strbuf.c - a growable string (see strbuf.h).
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool sb_grow(struct strbuf *sb, size_t need)
{
	size_t cap = sb->cap ? sb->cap : 64;
	char *s;

	if (sb->failed)
		return false;
	if (sb->len + need + 1 <= sb->cap)
		return true;
	while (cap < sb->len + need + 1) {
		if (cap > ((size_t)-1) / 2) {
			sb->failed = true;
			return false;
		}
		cap *= 2;
	}
	s = realloc(sb->s, cap);
	if (!s) {
		sb->failed = true;
		return false;
	}
	sb->s = s;
	sb->cap = cap;
	return true;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_grow(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_puts(struct strbuf *sb, const char *s)
{
	size_t n = strlen(s);

	if (!sb_grow(sb, n))
		return;
	memcpy(sb->s + sb->len, s, n + 1);
	sb->len += n;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->s ? sb->s : "";
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->failed = false;
	if (sb->s)
		sb->s[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
	sb->failed = false;
}

bool sb_ok(const struct strbuf *sb)
{
	return !sb->failed;
}
