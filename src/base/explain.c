/*
 * explain.c - explain mode: record which spec rule decided an outcome and
 * why, for callers that pass a struct inp_explain.
 */
#include "base/base.h"

#include <stdio.h>

void explain_record(struct inp_explain *why, const char *rule,
                    const char *fmt, ...)
{
	va_list ap;

	snprintf(why->rule, sizeof(why->rule), "%s", rule ? rule : "");
	if (fmt == NULL) {
		why->reason[0] = '\0';
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why->reason, sizeof(why->reason), fmt, ap);
	va_end(ap);
}
