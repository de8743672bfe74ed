/*
 * name.c - the names of interfaces, vnets and jails: one character set,
 * [A-Za-z0-9_.-], and one length rule (non-empty, shorter than
 * INP_NAME_MAX), with the two variations the objects need as flags.
 */
#include "base/base.h"

static bool name_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
	return name_letter(c) || (c >= '0' && c <= '9') || c == '-';
}

bool name_is_valid(const char *name, unsigned rules)
{
	size_t i, len, comp = 0;

	if (name == NULL)
		return false;
	len = strnlen(name, INP_NAME_MAX);
	if (len == 0 || len >= INP_NAME_MAX)
		return false;
	if ((rules & NAME_LETTER_FIRST) && !name_letter(name[0]))
		return false;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if ((rules & NAME_DOTTED) && comp == 0)
				return false;   /* empty component */
			comp = 0;
		} else if (!name_char(name[i])) {
			return false;
		} else {
			comp++;
		}
	}
	return !(rules & NAME_DOTTED) || comp != 0;
}
